//! Unit tests of the AQL backend: operators, null guards, refusals and
//! literal round trips (proptest).

use proptest::prelude::*;

use super::Aql;
use super::render::{comment, regex_without_controls, string_literal};
use crate::refusal::Construct;
use crate::test_support::Lowered;
use crate::{Backend, Flavor};

fn render_with(detection: &str, logsource: &str) -> Result<String, crate::Refusal> {
    Lowered::parse(&format!(
        "title: t\nid: 2f0d3f6c-5a2e-4a43-9a43-3d1f5c1e1a01\nlogsource:\n{logsource}\ndetection:\n{detection}\nlevel: low\n"
    ))
    .with_input(|input| Aql.render(input, Flavor::DEFAULT))
}

fn render(detection: &str) -> Result<String, crate::Refusal> {
    render_with(
        detection,
        "    category: process_creation\n    product: windows",
    )
}

fn where_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.starts_with("WHERE "))
        .expect("a WHERE line")
}

#[test]
fn globs_without_like_metacharacters_use_ilike() {
    let text =
        render("    sel:\n        CommandLine|contains: 'portproxy'\n    condition: sel").unwrap();
    assert_eq!(
        where_line(&text),
        "WHERE devicetype = 12 AND \"Event ID\" = '1' AND (\"Command\" ILIKE '%portproxy%')"
    );
    let text =
        render("    sel:\n        CommandLine|cased|startswith: 'ssh -L'\n    condition: sel")
            .unwrap();
    assert!(
        where_line(&text).ends_with("(\"Command\" LIKE 'ssh -L%')"),
        "{text}"
    );
    let text = render("    sel:\n        Image|endswith: 'ssh?.exe'\n    condition: sel").unwrap();
    assert!(
        where_line(&text).ends_with("(\"Process Path\" ILIKE '%ssh_.exe')"),
        "{text}"
    );
}

#[test]
fn quotes_are_doubled() {
    let text =
        render("    sel:\n        CommandLine|contains: \"it's\"\n    condition: sel").unwrap();
    assert!(
        where_line(&text).ends_with("(\"Command\" ILIKE '%it''s%')"),
        "{text}"
    );
}

#[test]
fn predicates_under_not_are_guarded_against_null() {
    let text = render(
        "    sel:\n        Image|endswith: 'netsh.exe'\n    filter:\n        CommandLine|contains: 'delete'\n    condition: sel and not filter",
    )
    .unwrap();
    assert!(
        where_line(&text).ends_with(
            "(\"Process Path\" ILIKE '%netsh.exe' AND NOT ((\"Command\" IS NOT NULL AND \"Command\" ILIKE '%delete%')))"
        ),
        "{text}"
    );
}

#[test]
fn numbers_cidr_and_null() {
    let net = "    category: network_connection\n    product: windows";
    let text = render_with(
        "    sel:\n        DestinationPort|gte: 1024\n    condition: sel",
        net,
    )
    .unwrap();
    assert!(
        where_line(&text).ends_with("(destinationport >= 1024)"),
        "{text}"
    );
    let text = render_with(
        "    sel:\n        DestinationIp|cidr: 'fe80::/10'\n    condition: sel",
        net,
    )
    .unwrap();
    assert!(
        where_line(&text).ends_with("(INCIDR('fe80::/10', destinationv6))"),
        "{text}"
    );
    let text = render_with(
        "    sel:\n        DestinationIp|cidr: '10.0.0.0/8'\n    condition: sel",
        net,
    )
    .unwrap();
    assert!(
        where_line(&text).ends_with("(INCIDR('10.0.0.0/8', destinationip))"),
        "{text}"
    );
    let text = render("    sel:\n        OriginalFileName: null\n    condition: sel").unwrap();
    assert!(
        where_line(&text).ends_with("(\"Filename\" IS NULL)"),
        "{text}"
    );
    let refused = render("    sel:\n        ProcessId|gt: 4\n    condition: sel").unwrap_err();
    assert_eq!(refused.construct, Construct::Number);
}

#[test]
fn unmapped_fields_keywords_and_logsources_are_refused() {
    let refused = render("    sel:\n        Description: x\n    condition: sel").unwrap_err();
    assert_eq!(refused.construct, Construct::Field);
    let refused = render("    keywords:\n        - dnscat2\n    condition: keywords").unwrap_err();
    assert_eq!(refused.construct, Construct::Keyword);
    let refused = render_with(
        "    sel:\n        Image: x\n    condition: sel",
        "    category: process_creation\n    product: linux",
    )
    .unwrap_err();
    assert_eq!(refused.construct, Construct::Logsource);
}

#[test]
fn metadata_sits_in_the_body_and_cannot_close_its_comment() {
    let text = Lowered::parse(
        "title: \"a */ SELECT 1 /* b\\nc\"\nid: 2f0d3f6c-5a2e-4a43-9a43-3d1f5c1e1a01\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image: x\n    condition: sel\nlevel: low\n",
    )
    .with_input(|input| Aql.render(input, Flavor::DEFAULT))
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "SELECT *");
    assert_eq!(lines[1], "FROM events");
    assert_eq!(lines[2], "/* title: a * / SELECT 1 / * b c */");
    assert!(lines.last().unwrap().starts_with("WHERE "));
}

/// Read one single-quoted AQL string at the start of `text`.
fn read_quoted(text: &str) -> Option<(String, &str)> {
    let rest = text.strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
                value.push('\'');
            } else {
                return Some((value, &rest[i + 1..]));
            }
        } else {
            value.push(c);
        }
    }
    None
}

proptest! {
    #[test]
    fn string_literals_round_trip(text in any::<String>()) {
        let literal = string_literal(&text);
        let (value, rest) = read_quoted(&literal).expect("closed literal");
        prop_assert_eq!(value, text);
        prop_assert_eq!(rest, "");
    }

    #[test]
    fn regexes_carry_no_control_characters(pattern in any::<String>()) {
        prop_assert!(!regex_without_controls(&pattern).chars().any(char::is_control));
    }

    #[test]
    fn comments_stay_one_comment(text in any::<String>()) {
        let c = comment(&text);
        prop_assert!(c.starts_with("/* ") && c.ends_with(" */"));
        let inner = &c[3..c.len() - 3];
        prop_assert!(!inner.contains("*/") && !inner.contains("/*"));
        prop_assert!(!inner.chars().any(char::is_control));
    }
}
