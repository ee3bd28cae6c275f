//! Unit tests of the SPL backend: term choice, the search/where split,
//! refusals, and literal round trips (proptest).

use proptest::prelude::*;

use super::literal::{comment, eval_string, pcre_without_specials, search_escape, search_safe};
use super::{CIM_FLAVOR, Spl};
use crate::refusal::Construct;
use crate::test_support::Lowered;
use crate::{Backend, Flavor};

fn rule(detection: &str, logsource: &str) -> Lowered {
    Lowered::parse(&format!(
        "title: t\nid: 2f0d3f6c-5a2e-4a43-9a43-3d1f5c1e1a01\nlogsource:\n{logsource}\ndetection:\n{detection}\nlevel: low\n"
    ))
}

const PROC: &str = "    category: process_creation\n    product: windows";

fn render(detection: &str, flavor: Flavor) -> Result<String, crate::Refusal> {
    rule(detection, PROC).with_input(|input| Spl.render(input, flavor))
}

/// The body of the query without the comment lines.
fn body(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn plain_globs_become_case_insensitive_search_terms() {
    let text = render(
        "    sel:\n        Image|endswith: '\\ssh.exe'\n        CommandLine|contains: ' -R '\n    condition: sel",
        Flavor::DEFAULT,
    )
    .unwrap();
    assert_eq!(
        body(&text),
        r#"source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=1 Image="*\\ssh.exe" AND CommandLine="* -R *""#
    );
}

#[test]
fn a_value_ending_in_a_backslash_keeps_it() {
    let text = render(
        "    sel:\n        CommandLine|endswith: 'tcp\\'\n    condition: sel",
        Flavor::DEFAULT,
    )
    .unwrap();
    assert!(body(&text).ends_with(r#"CommandLine="*tcp\\""#), "{text}");
}

#[test]
fn not_of_a_predicate_uses_not_so_absent_fields_match() {
    let text = render(
        "    sel:\n        Image|endswith: '\\netsh.exe'\n    filter:\n        CommandLine|contains: 'delete'\n    condition: sel and not filter",
        Flavor::DEFAULT,
    )
    .unwrap();
    assert!(
        body(&text).ends_with(r#"Image="*\\netsh.exe" AND NOT (CommandLine="*delete*")"#),
        "{text}"
    );
}

#[test]
fn null_and_exists_are_presence_terms() {
    let text = render(
        "    sel:\n        OriginalFileName: null\n    condition: sel",
        Flavor::DEFAULT,
    )
    .unwrap();
    assert!(body(&text).ends_with("NOT OriginalFileName=*"), "{text}");
    let text = render(
        "    sel:\n        OriginalFileName|exists: true\n    condition: sel",
        Flavor::DEFAULT,
    )
    .unwrap();
    assert!(
        body(&text).ends_with("EventCode=1 OriginalFileName=*"),
        "{text}"
    );
}

#[test]
fn unmapped_fields_and_keywords_are_refused() {
    let refused = render(
        "    sel:\n        Nonexistent: x\n    condition: sel",
        Flavor::DEFAULT,
    )
    .unwrap_err();
    assert_eq!(refused.construct, Construct::Field);
    assert!(refused.detail.contains("'Nonexistent'"), "{refused}");
    let refused = render(
        "    keywords:\n        - dnscat2\n    condition: keywords",
        Flavor::DEFAULT,
    )
    .unwrap_err();
    assert_eq!(refused.construct, Construct::Keyword);
}

#[test]
fn linux_rules_are_refused_by_logsource() {
    let lowered = rule(
        "    sel:\n        Image|endswith: '/ssh'\n    condition: sel",
        "    category: process_creation\n    product: linux",
    );
    let refused = lowered
        .with_input(|input| Spl.render(input, Flavor::DEFAULT))
        .unwrap_err();
    assert_eq!(refused.construct, Construct::Logsource);
}

#[test]
fn numbers_compare_as_numbers_on_numeric_fields() {
    let lowered = rule(
        "    sel:\n        DestinationPort|gt: 1024\n    condition: sel",
        "    category: network_connection\n    product: windows",
    );
    let text = lowered
        .with_input(|input| Spl.render(input, Flavor::DEFAULT))
        .unwrap();
    assert!(
        body(&text).ends_with("EventCode=3 DestinationPort>1024"),
        "{text}"
    );
}

#[test]
fn ipv4_cidr_is_a_search_term() {
    let lowered = rule(
        "    sel:\n        DestinationIp|cidr: '10.0.0.0/8'\n    condition: sel",
        "    category: network_connection\n    product: windows",
    );
    let text = lowered
        .with_input(|input| Spl.render(input, Flavor::DEFAULT))
        .unwrap();
    assert!(
        body(&text).ends_with(r#"DestinationIp="10.0.0.0/8""#),
        "{text}"
    );
}

#[test]
fn ipv6_cidr_moves_to_where_with_cidrmatch() {
    let lowered = rule(
        "    sel:\n        DestinationIp|cidr: 'fe80::/10'\n    condition: sel",
        "    category: network_connection\n    product: windows",
    );
    let text = lowered
        .with_input(|input| Spl.render(input, Flavor::DEFAULT))
        .unwrap();
    assert!(
        text.ends_with(
            r#"| where (isnotnull('DestinationIp') AND cidrmatch("fe80::/10", 'DestinationIp'))"#
        ),
        "{text}"
    );
}

#[test]
fn metadata_comments_are_sanitized() {
    let lowered = Lowered::parse(
        "title: \"evil ``` title\\nnext | where 1=1\"\nid: 2f0d3f6c-5a2e-4a43-9a43-3d1f5c1e1a01\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image: x\n    condition: sel\nlevel: low\n",
    );
    let text = lowered
        .with_input(|input| Spl.render(input, Flavor::DEFAULT))
        .unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(first, "``` title: evil ''' title next | where 1=1 ```");
    assert_eq!(text.lines().filter(|l| l.starts_with("```")).count(), 2);
}

#[test]
fn cim_uses_data_model_fields_and_refuses_what_tstats_cannot_say() {
    let text = render(
        "    sel:\n        Image|endswith: '\\ssh.exe'\n    condition: sel",
        CIM_FLAVOR,
    )
    .unwrap();
    assert!(
        body(&text).contains(
            r#"FROM datamodel=Endpoint.Processes WHERE (Processes.process_path="*\\ssh.exe") BY"#
        ),
        "{text}"
    );
    let refused = render(
        "    sel:\n        CommandLine|re: 'a.b'\n    condition: sel",
        CIM_FLAVOR,
    )
    .unwrap_err();
    assert_eq!(refused.construct, Construct::Regex);
    let refused = render(
        "    sel:\n        CommandLine|cased|contains: 'x'\n    condition: sel",
        CIM_FLAVOR,
    )
    .unwrap_err();
    assert_eq!(refused.construct, Construct::Cased);
    let refused = render(
        "    sel:\n        User: null\n    condition: sel",
        CIM_FLAVOR,
    )
    .unwrap_err();
    assert_eq!(refused.construct, Construct::Null);
}

#[test]
fn flavors_are_found_by_the_names_users_type() {
    assert_eq!(Spl.flavor("default"), Some(Flavor::DEFAULT));
    assert_eq!(Spl.flavor("cim"), Some(CIM_FLAVOR));
    assert_eq!(Spl.flavor("nope"), None);
}

/// Read one double-quoted SPL string starting at `text[0] == '"'`: the
/// value and the rest after the closing quote.
fn read_quoted(text: &str) -> Option<(String, &str)> {
    let mut chars = text.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => value.push(chars.next()?.1),
            '"' => return Some((value, &text[i + 1..])),
            c => value.push(c),
        }
    }
    None
}

proptest! {
    #[test]
    fn search_terms_round_trip(text in "\\PC*") {
        prop_assume!(search_safe(&text));
        let quoted = format!("\"{}\"", search_escape(&text));
        let (value, rest) = read_quoted(&quoted).expect("closed string");
        prop_assert_eq!(value, text);
        prop_assert_eq!(rest, "");
    }

    #[test]
    fn eval_strings_round_trip(text in any::<String>()) {
        let quoted = eval_string(&text);
        let (value, rest) = read_quoted(&quoted).expect("closed string");
        prop_assert_eq!(value, text);
        prop_assert_eq!(rest, "");
    }

    #[test]
    fn regexes_for_eval_carry_no_backtick_or_control(pattern in any::<String>()) {
        let safe = pcre_without_specials(&pattern);
        prop_assert!(!safe.chars().any(|c| c == '`' || c.is_control()));
    }

    #[test]
    fn comments_stay_one_closed_comment(text in any::<String>()) {
        let line = comment(&text);
        prop_assert!(line.starts_with("``` ") && line.ends_with(" ```"));
        let inner = &line[4..line.len() - 4];
        prop_assert!(!inner.contains('`'));
        prop_assert!(!inner.contains('\n') && !inner.contains('\r'));
    }
}

#[test]
fn the_system_channel_maps_service_installs_and_refuses_provider_name() {
    const SYSTEM: &str = "    product: windows\n    service: system";
    let text = rule(
        "    sel:\n        EventID: 7045\n        ServiceName: KrbSCM\n    condition: sel",
        SYSTEM,
    )
    .with_input(|input| Spl.render(input, Flavor::DEFAULT))
    .unwrap();
    assert_eq!(
        body(&text),
        r#"source="XmlWinEventLog:System" EventCode=7045 AND ServiceName="KrbSCM""#
    );
    let refusal = rule(
        "    sel:\n        Provider_Name: Service Control Manager\n        EventID: 7045\n    condition: sel",
        SYSTEM,
    )
    .with_input(|input| Spl.render(input, Flavor::DEFAULT))
    .unwrap_err();
    assert_eq!(refusal.construct, Construct::Field);
}
