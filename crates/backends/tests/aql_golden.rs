//! Golden snapshots of the AQL backend — every T1572 pack rule, every
//! probe rule (refusals as text) and the pack query — and
//! injection-safety property tests.
//!
//! No AQL parser is available offline, so every output also goes through
//! [`lex`], a lexer for the AQL we emit: `'…'` strings with `''`, `"…"`
//! property names, `/* … */` comments (which IBM allows only inside the
//! query body), parentheses. It fails on unclosed strings, names or
//! comments, unbalanced parentheses, raw control characters and a comment
//! at the start or end; it returns the string literals, which the property
//! tests compare with the values that went in.

use crate::aql_support::lex;
use crate::common;

use proptest::prelude::*;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::regex::{Dialect, FlagPlacement, glob_to_regex};
use tunnelhunt_backends::{RuleInput, Target, backend};
use tunnelhunt_sigma::ir::StrMatch;

use common::{LoadedRule, contains_rule, hex_escaped, pack_rules, probe_rules};

/// The rule's rendering, or its refusal as text; outputs are lexed.
fn render_one(rule: &RuleInput<'_>) -> String {
    match backend(Target::Aql).render(rule, Flavor::DEFAULT) {
        Ok(text) => {
            if let Err(problem) = lex(&text) {
                panic!("{}: invalid AQL ({problem}):\n{text}", rule.label());
            }
            text
        }
        Err(refusal) => format!("REFUSED {refusal}"),
    }
}

#[test]
fn pack_rules_golden() {
    for loaded in pack_rules() {
        insta::assert_snapshot!(
            format!("pack_rule__{}", loaded.name),
            render_one(&loaded.input())
        );
    }
}

#[test]
fn probe_rules_golden() {
    for loaded in probe_rules() {
        insta::assert_snapshot!(
            format!("probe__{}", loaded.name),
            render_one(&loaded.input())
        );
    }
}

#[test]
fn pack_query_golden() {
    let rules = pack_rules();
    let inputs: Vec<RuleInput<'_>> = rules.iter().map(LoadedRule::input).collect();
    let pack = backend(Target::Aql).render_pack(&inputs, Flavor::DEFAULT);
    if let Err(problem) = lex(&pack.text) {
        panic!("pack: invalid AQL ({problem}):\n{}", pack.text);
    }
    let when_arms = pack.text.matches(" THEN ").count();
    assert_eq!(
        when_arms / 2 + pack.omitted.len(),
        inputs.len(),
        "every rule is in both CASE columns or omitted"
    );
    let mut text = pack.text.clone();
    text.push_str("\n== omitted ==\n");
    for (label, refusal) in &pack.omitted {
        text.push_str(&format!("{label}: {refusal}\n"));
    }
    insta::assert_snapshot!("pack_query", text);
}

#[test]
fn the_lexer_rejects_broken_queries() {
    assert_eq!(
        lex("SELECT * FROM events /* c */ WHERE a = 'it''s' AND (\"P Q\" ILIKE '%x')").unwrap(),
        vec!["it's", "%x"]
    );
    assert!(lex("/* c */ SELECT * FROM events").is_err());
    assert!(lex("SELECT * FROM events /* c */").is_err());
    assert!(lex("SELECT * FROM events WHERE a = 'x").is_err());
    assert!(lex("SELECT * FROM events WHERE (a = 1").is_err());
    assert!(lex("SELECT * FROM events /* a */ b */ WHERE a = 1").is_ok());
    assert!(lex("SELECT * FROM events WHERE \"a = 1").is_err());
}

/// The Java pattern a `MATCHES` literal must carry: control characters as
/// `\x{…}` escapes.
fn expected_pattern(glob: &StrMatch) -> String {
    let pattern = glob_to_regex(glob, Dialect::Java, FlagPlacement::Inline)
        .expect("glob translates")
        .pattern;
    hex_escaped(&pattern, |c| c.is_control())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_value_comes_back_exactly(value in any::<String>(), cased in any::<bool>()) {
        prop_assume!(!value.is_empty());
        let (rule, expr, glob) = contains_rule(&value, cased);
        let input = RuleInput { rule: &rule, filters: &[], expr: &expr };
        let text = backend(Target::Aql).render(&input, Flavor::DEFAULT).expect("renders");
        let strings = lex(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        let last = strings.last().expect("the value's literal").clone();
        let like = !value.chars().any(|c| matches!(c, '%' | '_' | '\\') || c.is_control());
        if like {
            let op = if cased { "\"Command\" LIKE '" } else { "\"Command\" ILIKE '" };
            prop_assert!(text.contains(op), "{}", text);
            prop_assert_eq!(last, format!("%{value}%"));
        } else {
            prop_assert!(text.contains("\"Command\" MATCHES '"), "{}", text);
            prop_assert_eq!(&last, &expected_pattern(&glob));
            // The Java pattern (in the syntax Rust's regex shares) matches
            // the value inside a longer command line.
            let compiled = regex::Regex::new(&last).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(compiled.is_match(&format!("a{value}b")), "{} !~ {:?}", last, value);
        }
    }
}
