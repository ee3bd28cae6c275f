//! Injection safety of EQL values, by property.
//!
//! * Any string written with `eql::literal::quote` reads back as exactly
//!   that string under Elasticsearch's lexical rules (a tokenizer for EQL
//!   string literals, written here from Elasticsearch's grammar and
//!   `unquoteString`), and the literal is one token on one line.
//! * With `TUNNELHUNT_VALIDATORS`: the reference parser (PyPI `eql`) reads
//!   the same values back, and rendered predicates — `:`, `==`, `like`,
//!   and the regex fallback for literal `*`/`?` — match an event holding
//!   the value and not one holding the value plus a character.

use crate::eql_support;

use proptest::prelude::*;
use serde_json::json;
use tunnelhunt_backends::eql::literal::quote;
use tunnelhunt_backends::eql::model::SCOPES;
use tunnelhunt_backends::eql::render;
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ir::{Piece, Predicate, StrMatch, Test};

/// Characters that break naive quoting, plus anything at all.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '"', '\'', '\\', '\n', '\r', '\t', '\u{0}', '\u{1}', '\u{7f}', '\u{85}', '\u{2028}',
            '*', '?', '%', '_', '|', '`', '/', '$', '{', '}', '(', ')', '–', '—', '―', 'A', 'z', ' ',
        ]),
        1 => any::<char>(),
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..16).prop_map(|cs| cs.into_iter().collect())
}

/// Read one EQL string literal at the start of `text`: its value and the
/// rest of the text, or why it is not a literal.
fn read_literal(text: &str) -> Result<(String, &str), String> {
    let mut chars = text.char_indices();
    if chars.next().map(|(_, c)| c) != Some('"') {
        return Err("no opening quote".into());
    }
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &text[i + 1..])),
            '\r' | '\n' => return Err(format!("raw line break at {i}")),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('b') => value.push('\u{8}'),
                Some('f') => value.push('\u{c}'),
                Some('t') => value.push('\t'),
                Some('n') => value.push('\n'),
                Some('r') => value.push('\r'),
                Some(q @ ('"' | '\'' | '\\')) => value.push(q),
                Some('u') => {
                    if chars.next().map(|(_, c)| c) != Some('{') {
                        return Err("\\u without {".into());
                    }
                    let hex: String = chars
                        .by_ref()
                        .map(|(_, c)| c)
                        .take_while(|&c| c != '}')
                        .collect();
                    if !(2..=8).contains(&hex.len()) {
                        return Err(format!("\\u{{{hex}}} needs 2 to 8 hex digits"));
                    }
                    let code = u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                    value.push(char::from_u32(code).ok_or("not a scalar value")?);
                }
                other => return Err(format!("unknown escape {other:?}")),
            },
            c => value.push(c),
        }
    }
    Err("unterminated".into())
}

proptest! {
    #[test]
    fn quoted_values_read_back_exactly(value in hostile_string()) {
        let literal = quote(&value);
        let (read, rest) = read_literal(&literal).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&read, &value);
        prop_assert_eq!(rest, "");
        prop_assert!(!literal.chars().any(|c| c.is_control() || c == '\u{2028}'), "{literal:?}");
    }
}

fn predicate(pieces: Vec<Piece>, cased: bool) -> Predicate {
    Predicate {
        field: Some("CommandLine".to_owned()),
        test: Test::Str(StrMatch::new(pieces, cased)),
        span: Span::UNKNOWN,
    }
}

fn event(id: &str, command_line: &str) -> serde_json::Value {
    json!({
        "event": {"category": "process", "id": id, "type": "start"},
        "process": {"command_line": command_line},
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn the_reference_parser_reads_values_back_and_predicates_match_them(
        values in prop::collection::vec((hostile_string(), any::<bool>(), 0..4u8), 48)
    ) {
        let Some(validator) = eql_support::validator() else { return Ok(()) };
        let scope = &SCOPES[0];
        // Literal round trip through the reference parser.
        let literal_queries: Vec<String> = values
            .iter()
            .map(|(v, _, _)| format!("process where process.command_line == {}", quote(v)))
            .collect();
        for ((value, _, _), verdict) in values.iter().zip(validator.run(&literal_queries, None)) {
            prop_assert_eq!(verdict.error, None);
            prop_assert_eq!(verdict.strings, vec![value.clone()]);
        }
        // Predicates: the value as equals / contains / startswith / endswith.
        let mut queries = Vec::new();
        let mut events = Vec::new();
        let mut expected = Vec::new();
        for (i, (value, cased, shape)) in values.iter().enumerate() {
            let lit = Piece::Lit(value.clone());
            let pieces = match shape {
                0 => vec![lit],
                1 => vec![Piece::AnyString, lit, Piece::AnyString],
                2 => vec![lit, Piece::AnyString],
                _ => vec![Piece::AnyString, lit],
            };
            let Ok(condition) = render::predicate(&predicate(pieces, *cased), scope) else { continue };
            queries.push(format!("process where {condition}"));
            let hit = match shape {
                0 => value.clone(),
                1 => format!("<{value}>"),
                2 => format!("{value}>"),
                _ => format!("<{value}"),
            };
            let hit = if *cased { hit } else { hit.to_ascii_uppercase() };
            events.push(event(&format!("hit{i}"), &hit));
            // The empty value matches only an empty pattern; a longer value
            // never equals the pattern.
            let miss = if *shape == 0 { format!("{value}x") } else { String::new() };
            events.push(event(&format!("miss{i}"), &miss));
            let miss_expected = *shape != 0 && value.is_empty();
            expected.push((format!("hit{i}"), hit, format!("miss{i}"), miss, miss_expected));
        }
        let verdicts = validator.run(&queries, Some(&events));
        for ((query, verdict), (hit, hit_value, miss, miss_value, miss_expected)) in
            queries.iter().zip(verdicts).zip(&expected)
        {
            prop_assert_eq!(&verdict.error, &None, "{}", query);
            prop_assert!(verdict.matches.contains(hit), "{} does not match {:?}", query, hit_value);
            prop_assert_eq!(
                verdict.matches.contains(miss),
                *miss_expected,
                "{} on {:?}",
                query,
                miss_value
            );
        }
    }
}
