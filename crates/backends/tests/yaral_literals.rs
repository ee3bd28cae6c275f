//! Injection safety of the YARA-L backend, without external tools: any
//! string compared with a field (whole value, or contained) comes back
//! exactly when the rendered rule is read with the literal syntax of
//! YARA-L — a double-quoted string (`\"`, `\\`) or a `/…/` RE2 literal
//! (`\/`), whose pattern must be that string and nothing else.

use crate::common;

use proptest::prelude::*;
use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::yaral::YaraL;

use common::{NASTY, literal_pattern, load_one, read_slashes, slash_literal_body, value_rule};

/// The line of the events section after the event-type line.
fn condition_line(text: &str) -> &str {
    let mut lines = text.lines().skip_while(|l| l.trim() != "events:");
    lines.nth(2).expect("condition line").trim()
}

/// Read a double-quoted YARA-L string starting at `text[0]`; returns the
/// value and the rest.
fn read_quoted(text: &str) -> (String, &str) {
    let mut chars = text.char_indices();
    assert_eq!(chars.next().map(|(_, c)| c), Some('"'));
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (value, &text[i + 1..]),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => value.push(e),
                other => panic!("unknown escape {other:?} in {text}"),
            },
            c => {
                assert!(!c.is_control(), "raw control character in {text:?}");
                value.push(c);
            }
        }
    }
    panic!("unterminated string: {text}")
}

/// Render `CommandLine{modifier}: value` and read the value back.
fn round_trip(modifier: &str, value: &str) -> (String, String) {
    let rule = load_one(&value_rule(
        "process_creation",
        "CommandLine",
        modifier,
        value,
    ));
    let text = rule
        .with_input(|input| YaraL.render(input, Flavor::DEFAULT))
        .expect("renders");
    let line = condition_line(&text);
    let rest = line
        .strip_prefix("($e.target.process.command_line = ")
        .unwrap_or_else(|| panic!("{line}"));
    if rest.starts_with('"') {
        let (read, tail) = read_quoted(rest);
        (read, tail.to_owned())
    } else {
        let (literal, tail) = read_slashes(rest);
        let (start, read, end) = literal_pattern(&slash_literal_body(literal));
        let shape = if modifier.contains("contains") {
            (false, false)
        } else {
            (true, true)
        };
        assert_eq!((start, end), shape, "{literal}");
        (read, tail.to_owned())
    }
}

fn check(value: &str) {
    for modifier in ["", "|contains", "|cased", "|cased|contains"] {
        if value.is_empty() && modifier.contains("contains") {
            continue; // `contains ''` is a different test (any value)
        }
        let (read, tail) = round_trip(modifier, value);
        assert_eq!(read, value, "{modifier}");
        // Case does not matter for the empty string, so it carries no nocase.
        let nocase = if modifier.contains("cased") || value.is_empty() {
            ")"
        } else {
            " nocase)"
        };
        assert_eq!(tail, nocase, "{modifier} {value:?}");
    }
}

#[test]
fn nasty_values_read_back_exactly() {
    for value in NASTY {
        check(value);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_value_reads_back_exactly(value in "(\\PC|[\\x00-\\x1f\\x7f\"'\\\\/*?`|%_$])*") {
        check(&value);
    }
}
