//! Golden snapshots of the SPL backend — every T1572 pack rule, every
//! probe rule (both flavors, refusals as text) and the pack queries — and
//! injection-safety property tests.
//!
//! There is no trustworthy offline SPL parser, so every output also goes
//! through [`lex`], a lexer for the parts of SPL we emit: ```` ``` ````
//! comments, `"…"` strings with backslash escapes, `'…'` field names,
//! parentheses and subsearch brackets. It fails on an unclosed string or
//! comment, unbalanced parentheses, a backtick outside a comment (macro
//! expansion) and raw control characters; it returns the string literals,
//! which the property tests compare with the values that went in.

use crate::common;

use proptest::prelude::*;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::regex::{Dialect, FlagPlacement, glob_to_regex};
use tunnelhunt_backends::{RuleInput, Target, backend};
use tunnelhunt_sigma::ir::StrMatch;

use common::{LoadedRule, contains_rule, flavor_sections, hex_escaped, pack_rules, probe_rules};

/// Every flavor of one rule, refusals as text, each output lexed.
fn render_all(rule: &RuleInput<'_>) -> String {
    let results = backend(Target::Spl).render_all(rule);
    for text in results
        .iter()
        .filter_map(|(_, result)| result.as_ref().ok())
    {
        if let Err(problem) = lex(text) {
            panic!("{}: invalid SPL ({problem}):\n{text}", rule.label());
        }
    }
    flavor_sections(results, |flavor| format!("== {} ==\n", flavor.name()))
}

#[test]
fn pack_rules_golden() {
    for loaded in pack_rules() {
        insta::assert_snapshot!(
            format!("pack_rule__{}", loaded.name),
            render_all(&loaded.input())
        );
    }
}

#[test]
fn probe_rules_golden() {
    for loaded in probe_rules() {
        insta::assert_snapshot!(
            format!("probe__{}", loaded.name),
            render_all(&loaded.input())
        );
    }
}

#[test]
fn pack_queries_golden() {
    let rules = pack_rules();
    let inputs: Vec<RuleInput<'_>> = rules.iter().map(LoadedRule::input).collect();
    let spl = backend(Target::Spl);
    for &flavor in spl.flavors() {
        let pack = spl.render_pack(&inputs, flavor);
        assert_eq!(pack.flavor, flavor);
        if let Err(problem) = lex(&pack.text) {
            panic!("pack {flavor:?}: invalid SPL ({problem}):\n{}", pack.text);
        }
        assert_eq!(
            pack.omitted.len() + count_included(&pack.text, flavor),
            inputs.len(),
            "every rule is either in the query or omitted"
        );
        let mut text = pack.text.clone();
        text.push_str("\n== omitted ==\n");
        for (label, refusal) in &pack.omitted {
            text.push_str(&format!("{label}: {refusal}\n"));
        }
        insta::assert_snapshot!(format!("pack_query__{}", flavor.name()), text);
    }
}

fn count_included(text: &str, flavor: Flavor) -> usize {
    match flavor.suffix() {
        None => text
            .lines()
            .filter(|l| l.starts_with("| eval tunnelhunt_rule_"))
            .count(),
        Some(_) => text.matches("| tstats ").count(),
    }
}

/// The lexer's view of an SPL query: its string literals, in order.
fn lex(text: &str) -> Result<Vec<String>, String> {
    let mut strings = Vec::new();
    let mut depth: i64 = 0;
    let mut brackets: i64 = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("```") {
            let end = after.find("```").ok_or("unclosed comment")?;
            if after[..end].contains('\n') {
                return Err("comment spans lines".into());
            }
            rest = &after[end + 3..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        match c {
            '"' => {
                let mut value = String::new();
                let mut closed = false;
                let mut chars = rest.char_indices();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => value.push(chars.next().ok_or("dangling backslash")?.1),
                        '"' => {
                            rest = &rest[i + 1..];
                            closed = true;
                            break;
                        }
                        c if c.is_control() => {
                            return Err("raw control character in a string".into());
                        }
                        '`' => return Err("backtick in a string".into()),
                        c => value.push(c),
                    }
                }
                if !closed {
                    return Err("unclosed string".into());
                }
                strings.push(value);
            }
            '\'' => {
                let end = rest.find('\'').ok_or("unclosed field name")?;
                rest = &rest[end + 1..];
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("')' without '('".into());
                }
            }
            '[' => brackets += 1,
            ']' => {
                brackets -= 1;
                if brackets < 0 {
                    return Err("']' without '['".into());
                }
            }
            '`' => return Err("backtick outside a comment".into()),
            '\n' => {}
            c if c.is_control() => return Err("raw control character".into()),
            _ => {}
        }
    }
    if depth != 0 || brackets != 0 {
        return Err("unbalanced parentheses or brackets".into());
    }
    Ok(strings)
}

#[test]
fn the_lexer_rejects_broken_queries() {
    assert!(lex(r#"a="x\"y" (b="z")"#).is_ok());
    assert_eq!(lex(r#"a="x\\" b="\"""#).unwrap(), vec!["x\\", "\""]);
    assert!(lex(r#"a="x"#).is_err());
    assert!(lex("(a=1").is_err());
    assert!(lex("a=1)").is_err());
    assert!(lex("a=`m`").is_err());
    assert!(lex("``` open").is_err());
    assert!(lex("a=\"x\ty\"").is_err());
}

/// What the eval string of a `match()` must carry: the PCRE pattern with
/// backticks and control characters as `\x{…}` escapes.
fn expected_eval_pattern(glob: &StrMatch) -> String {
    let pattern = glob_to_regex(glob, Dialect::Pcre, FlagPlacement::Inline)
        .expect("glob translates")
        .pattern;
    hex_escaped(&pattern, |c| c == '`' || c.is_control())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_value_comes_back_exactly(value in any::<String>(), cased in any::<bool>()) {
        prop_assume!(!value.is_empty());
        let (rule, expr, glob) = contains_rule(&value, cased);
        let input = RuleInput { rule: &rule, filters: &[], expr: &expr };
        let text = backend(Target::Spl).render(&input, Flavor::DEFAULT).expect("renders");
        let strings = lex(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        let last = strings.last().expect("the value's literal").clone();
        let search_term = !cased && !value.chars().any(|c| c == '*' || c == '`' || c.is_control());
        if search_term {
            prop_assert!(!text.contains("| where"), "{}", text);
            prop_assert_eq!(last, format!("*{value}*"));
        } else {
            prop_assert!(text.contains("| where (isnotnull('CommandLine') AND match('CommandLine', "), "{}", text);
            prop_assert_eq!(&last, &expected_eval_pattern(&glob));
            // The pattern Splunk receives matches the value inside a longer
            // command line (Rust's regex shares the syntax used here, minus
            // PCRE's `(*UTF)` verb).
            let pattern = last.strip_prefix("(*UTF)").unwrap_or(&last);
            let compiled = regex::Regex::new(pattern).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(compiled.is_match(&format!("a{value}b")), "{} !~ {:?}", pattern, value);
        }
    }
}
