//! Injection safety of the Sumo Logic backend, without external tools (no
//! Sumo parser exists offline): any string compared with a field comes
//! back exactly when the rendered query is read with the literal syntax
//! of the flavor — the `/…/` regex after `matches` in a log-search
//! `where`, and the same inside the JSON string `expression` of a Cloud
//! SIEM rule (read with a JSON parser first) — and the regex is that
//! string anchored as the operator requires, nothing else. Metadata
//! comments stay on their lines whatever the title.

use crate::common;

use proptest::prelude::*;
use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::sumo::{SEARCH_FLAVOR, Sumo};

use common::{NASTY, literal_pattern, load_one, read_slashes, slash_literal_body, value_rule};

/// The regex compared with `field` in `condition`, and what follows it.
fn regex_after<'t>(condition: &'t str, field: &str) -> (String, &'t str) {
    let prefix = format!("({field} matches ");
    let at = condition
        .find(&prefix)
        .unwrap_or_else(|| panic!("{prefix} in {condition}"));
    let (literal, rest) = read_slashes(&condition[at + prefix.len()..]);
    (slash_literal_body(literal), rest)
}

/// Read the literal back; case-insensitive patterns must carry the case
/// flag, which is then dropped (it changes letters into classes).
fn read_back(pattern: &str, cased: bool) -> (bool, String, bool) {
    if cased {
        return literal_pattern(pattern);
    }
    let uncased = if let Some(rest) = pattern.strip_prefix("(?is)") {
        format!("(?s){rest}")
    } else if let Some(rest) = pattern.strip_prefix("(?i)") {
        rest.to_owned()
    } else {
        panic!("no case flag: {pattern}")
    };
    literal_pattern(&uncased)
}

fn check(value: &str) {
    for modifier in ["", "|contains", "|cased", "|cased|contains"] {
        if value.is_empty() && modifier.contains("contains") {
            continue; // `contains ''` is the any-value test
        }
        let cased = modifier.contains("cased");
        let contains = modifier.contains("contains");
        let rule = load_one(&value_rule(
            "process_creation",
            "CommandLine",
            modifier,
            value,
        ));

        let search = rule
            .with_input(|input| Sumo.render(input, SEARCH_FLAVOR))
            .expect("renders");
        let where_line = search
            .lines()
            .find(|l| l.starts_with("| where "))
            .expect("where");
        let (pattern, rest) = regex_after(where_line, "CommandLine");
        assert_eq!(rest, ")", "{where_line}");
        let (start, read, end) = read_back(&pattern, cased);
        assert_eq!((start, end), (true, true), "{pattern}");
        assert_eq!(read, value, "{modifier} {pattern}");
        if contains {
            assert!(
                pattern.contains(r"\A.*") && pattern.ends_with(r".*\z"),
                "{pattern}"
            );
        }

        let cse = rule
            .with_input(|input| Sumo.render(input, Flavor::DEFAULT))
            .expect("renders");
        let json: serde_json::Value =
            serde_json::from_str(&cse).expect("the Cloud SIEM rule is JSON");
        let expression = json["expression"].as_str().expect("expression");
        let (cse_pattern, rest) = regex_after(expression, "commandLine");
        assert_eq!(rest, ")", "{expression}");
        assert_eq!(cse_pattern, pattern, "both flavors use one regex");
    }
}

#[test]
fn nasty_values_read_back_exactly() {
    for value in NASTY {
        check(value);
    }
}

#[test]
fn titles_cannot_leave_their_comment_line_or_json_string() {
    // A title of white space alone is not a title (the loader says so).
    for title in NASTY.iter().filter(|t| !t.trim().is_empty()) {
        let yaml = format!(
            "title: {}\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        Image: a\n    condition: sel\n",
            serde_json::Value::String((*title).to_owned())
        );
        let rule = load_one(&yaml);
        let search = rule
            .with_input(|input| Sumo.render(input, SEARCH_FLAVOR))
            .expect("renders");
        let code: Vec<&str> = search.lines().filter(|l| !l.starts_with("//")).collect();
        assert_eq!(code.len(), 4, "{title:?}: {search}");
        assert!(code[0].starts_with("_sourceCategory="), "{search}");
        let cse = rule
            .with_input(|input| Sumo.render(input, Flavor::DEFAULT))
            .expect("renders");
        let json: serde_json::Value = serde_json::from_str(&cse).expect("JSON");
        assert_eq!(
            json["expression"]
                .as_str()
                .map(|e| e.contains("baseImage matches")),
            Some(true)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_value_reads_back_exactly(value in "(\\PC|[\\x00-\\x1f\\x7f\"'\\\\/*?`|%_$])*") {
        check(&value);
    }
}
