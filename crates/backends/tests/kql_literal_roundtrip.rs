//! Injection safety, proven with Microsoft's own parser: random strings
//! (quotes, backslashes, newlines, control characters, pipes, `%`, `_`,
//! backticks, `/`, dashes, astral-plane text, Unicode line separators)
//! rendered by the KQL backend as values must come back from
//! Kusto.Language's syntax tree as exactly the same string, and random
//! rule titles in the header comments must not change the query.
//!
//! Needs `validators/kql/setup.sh` and `TUNNELHUNT_VALIDATORS=1`; without
//! the variable it says it was skipped. Each proptest case sends one batch
//! of queries to one node process.

use crate::common;
use crate::kql_support;

use proptest::prelude::*;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::kql::{Kql, literal};
use tunnelhunt_backends::{Backend, RuleInput};
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ir::{Expr, Piece, Predicate, StrMatch, Test};

use common::probe_rules;
use kql_support::{check, validator};

/// Characters that break naive escaping, mixed with arbitrary ones.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '"', '\'', '\\', '\n', '\r', '\t', '\0', '\u{7f}', '\u{85}', '\u{2028}', '\u{2029}',
            '\u{feff}', '|', '%', '_', '`', '/', '@', '–', '—', '―', '*', '?', '{', '}', '$', ';',
            '\u{1F600}', 'é', ' ',
        ]),
        1 => any::<char>(),
        2 => prop::char::range('a', 'z'),
    ]
}

fn nasty_string() -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 1..24).prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn literals_round_trip_through_kusto_language(values in prop::collection::vec(nasty_string(), 120)) {
        let Some(script) = validator() else { return Ok(()) };
        let queries: Vec<String> = values
            .iter()
            .map(|v| format!("print v = {}", literal::string(v)))
            .collect();
        for ((value, query), result) in values.iter().zip(&queries).zip(check(&script, &queries)) {
            prop_assert!(result.diagnostics.is_empty(), "{query}: {:?}", result.diagnostics);
            prop_assert_eq!(&result.literals, &vec![value.clone()], "{}", query);
        }
    }

    #[test]
    fn rendered_rules_carry_values_and_titles_unchanged(
        values in prop::collection::vec((nasty_string(), any::<bool>(), any::<bool>()), 60),
        titles in prop::collection::vec(nasty_string(), 60),
    ) {
        let Some(script) = validator() else { return Ok(()) };
        // A parsed rule supplies logsource and metadata; the condition is
        // replaced by one predicate per random value.
        let template = probe_rules().into_iter().find(|r| r.name == "p01_equals").expect("probe p01");
        let mut queries = Vec::new();
        for ((value, cased, contains), title) in values.iter().zip(&titles) {
            let pieces = if *contains {
                vec![Piece::AnyString, Piece::Lit(value.clone()), Piece::AnyString]
            } else {
                vec![Piece::Lit(value.clone())]
            };
            let expr = Expr::Pred(Predicate {
                field: Some("CommandLine".to_owned()),
                test: Test::Str(StrMatch::new(pieces, *cased)),
                span: Span::UNKNOWN,
            });
            let mut rule = template.rule.clone();
            rule.meta.title.value = title.clone();
            let input = RuleInput { rule: &rule, filters: &[], expr: &expr };
            queries.push(Kql.render(&input, Flavor::DEFAULT).expect("a string test on CommandLine renders"));
        }
        for ((value, query), result) in values.iter().map(|v| &v.0).zip(&queries).zip(check(&script, &queries)) {
            prop_assert!(result.diagnostics.is_empty(), "{query}: {:?}", result.diagnostics);
            // A whole-term value is written twice (`has X and contains X`,
            // the term index plus the exact test); every literal must be
            // the value.
            prop_assert!(!result.literals.is_empty(), "{}", query);
            for literal in &result.literals {
                prop_assert_eq!(literal, value, "{}", query);
            }
        }
    }
}
