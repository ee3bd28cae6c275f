//! Multi-document files (`action: global`, `reset`, `repeat`), filters and
//! correlation rules.

use crate::load_support;

use load_support::codes;

use std::path::Path;

use tunnelhunt_sigma::ast::{
    Correlation, CorrelationKind, CountOp, Document, Filter, Level, Rule, SearchBody, Threshold,
};
use tunnelhunt_sigma::load::{ParsedFile, parse_rule_file};
use tunnelhunt_sigma::{Code, Severity, Span};

const MULTIDOC: &str = include_str!("fixtures/load/multidoc_sysmon_security.yml");
const CORRELATIONS: &str = include_str!("fixtures/load/correlation_failed_logins.yml");
const FILTER: &str = include_str!("fixtures/load/filter_admin_tunnels.yml");

fn parse(text: &str) -> ParsedFile {
    parse_rule_file(Path::new("multi.yml"), text)
}

fn rules(parsed: &ParsedFile) -> Vec<&Rule> {
    parsed
        .documents
        .iter()
        .filter_map(|d| match d {
            Document::Rule(rule) => Some(rule),
            _ => None,
        })
        .collect()
}

fn correlations(parsed: &ParsedFile) -> Vec<&Correlation> {
    parsed
        .documents
        .iter()
        .filter_map(|d| match d {
            Document::Correlation(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn only_filter(parsed: &ParsedFile) -> &Filter {
    match &parsed.documents[..] {
        [Document::Filter(filter)] => filter,
        other => panic!(
            "expected one filter, got {other:?}: {:#?}",
            parsed.diagnostics
        ),
    }
}

/// A correlation document around the given `correlation:` body.
fn correlation_doc(body: &str) -> String {
    format!("title: c\ncorrelation:\n{body}")
}

#[test]
fn global_is_merged_into_following_documents_and_repeat_repeats() {
    let parsed = parse(MULTIDOC);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let rules = rules(&parsed);
    assert_eq!(rules.len(), 3);

    // Document 1: global + its own logsource and selection_img.
    let sysmon = rules[0];
    assert_eq!(sysmon.meta.title.value, "Netsh Port Proxy Added");
    assert_eq!(sysmon.meta.level, Some(Level::Medium));
    assert_eq!(
        sysmon.logsource.category.as_deref(),
        Some("process_creation")
    );
    let names: Vec<&str> = sysmon
        .detection
        .searches
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["selection_cli", "selection_img"]);
    assert_eq!(
        sysmon.detection.conditions[0].source,
        "selection_img and selection_cli"
    );
    // Inherited nodes keep the position they were written at (the global part).
    assert_eq!(
        sysmon.detection.search("selection_cli").unwrap().span,
        Span::new(7, 5)
    );
    assert_eq!(
        sysmon.detection.search("selection_img").unwrap().span,
        Span::new(17, 5)
    );
    assert_eq!(sysmon.origin.document, 1);
    assert_eq!(sysmon.origin.span, Span::new(13, 1));

    // Document 2: the previous rule again, with its own id, logsource and
    // a selection_img that replaces the previous one key by key.
    let security = rules[1];
    assert_eq!(security.meta.title.value, "Netsh Port Proxy Added");
    assert_eq!(
        security.meta.id.as_ref().unwrap().value,
        "0b1c4d2e-7a41-4c0b-9d2f-1e3c5a7b9d02"
    );
    assert_eq!(security.logsource.service.as_deref(), Some("security"));
    // Deep merge: the Sysmon category stays unless overridden.
    assert_eq!(
        security.logsource.category.as_deref(),
        Some("process_creation")
    );
    let SearchBody::AllOf(img) = &security.detection.search("selection_img").unwrap().body else {
        panic!()
    };
    let fields: Vec<&str> = img.iter().filter_map(|m| m.field.as_deref()).collect();
    assert_eq!(fields, ["Image", "EventID", "NewProcessName"]);
    assert_eq!(security.origin.document, 2);
    assert!(
        security.meta.custom.is_empty(),
        "action is not a custom attribute"
    );

    // After `reset` nothing global is left.
    let unrelated = rules[2];
    assert_eq!(unrelated.meta.title.value, "Unrelated Rule After Reset");
    assert_eq!(unrelated.meta.level, None);
    assert_eq!(unrelated.detection.searches.len(), 1);
    assert_eq!(unrelated.origin.document, 4);
}

#[test]
fn an_error_in_the_global_part_is_reported_once_and_taints_every_rule() {
    let text = "action: global\nlevel: severe\n---\ntitle: a\nlogsource: {product: x}\ndetection: {s: x, condition: s}\n---\ntitle: b\nlogsource: {product: x}\ndetection: {s: x, condition: s}\n";
    let parsed = parse(text);
    assert_eq!(
        codes(&parsed),
        [(Code::InvalidValue, Severity::Error, 2, 8)]
    );
    assert!(parsed.documents.is_empty());
}

#[test]
fn bad_actions_are_reported() {
    let parsed = parse("action: repeat\ntitle: x\n---\naction: include\n---\naction: [global]\n");
    assert_eq!(
        codes(&parsed),
        [
            (Code::InvalidValue, Severity::Error, 1, 9),
            (Code::InvalidValue, Severity::Error, 4, 9),
            (Code::WrongType, Severity::Error, 6, 9),
        ]
    );
}

#[test]
fn a_syntax_error_keeps_the_documents_before_it() {
    let text = "title: a\nlogsource: {product: x}\ndetection: {s: x, condition: s}\n---\ntitle: b\ndetection: [unclosed\n";
    let parsed = parse(text);
    assert_eq!(rules(&parsed).len(), 1);
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].code, Code::YamlSyntax);
    assert_eq!(parsed.diagnostics[0].span.line, 7);
}

#[test]
fn a_filter_is_read_with_its_rules_and_searches() {
    let parsed = parse(FILTER);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let filter = only_filter(&parsed);
    assert_eq!(
        filter.meta.title.value,
        "Admins May Use Plink From The Jump Host"
    );
    assert_eq!(filter.logsource.product.as_deref(), Some("windows"));
    let rules: Vec<&str> = filter.rules.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(
        rules,
        [
            "plink_remote_forwarding",
            "0b1c4d2e-7a41-4c0b-9d2f-1e3c5a7b9dff"
        ]
    );
    assert_eq!(filter.rules[0].span, Span::new(9, 11));
    assert_eq!(
        filter.detection.searches.len(),
        1,
        "'rules' is not a search"
    );
    assert_eq!(filter.detection.searches[0].name, "selection");
    assert_eq!(filter.detection.conditions[0].source, "not selection");
}

#[test]
fn a_filter_needs_rules_logsource_and_a_condition() {
    let parsed = parse("title: f\nfilter:\n    selection:\n        User: x\n");
    assert_eq!(
        codes(&parsed),
        [
            (Code::MissingAttribute, Severity::Error, 1, 1),
            (Code::MissingAttribute, Severity::Error, 3, 5),
            (Code::MissingAttribute, Severity::Error, 3, 5),
        ]
    );
    let messages: Vec<&str> = parsed
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(messages[0].contains("logsource"), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("'rules'")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("condition")),
        "{messages:?}"
    );
}

#[test]
fn a_filter_may_name_a_single_rule() {
    let parsed = parse(
        "title: f\nlogsource: {product: windows}\nfilter:\n    rules: some_rule\n    sel: {User: x}\n    condition: not sel\n",
    );
    let filter = only_filter(&parsed);
    assert_eq!(filter.rules[0].value, "some_rule");
}

#[test]
fn every_correlation_kind_is_read() {
    let parsed = parse(CORRELATIONS);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    assert_eq!(rules(&parsed).len(), 2);
    let correlations = correlations(&parsed);
    let [count, ordered] = &correlations[..] else {
        panic!("{correlations:?}")
    };
    assert_eq!(count.kind, CorrelationKind::EventCount);
    assert_eq!(count.rules[0].value, "failed_logon");
    assert_eq!(count.group_by, ["TargetUserName"]);
    assert_eq!(count.timespan_secs, 3_600);
    assert_eq!(count.timespan_text.value, "1h");
    let condition = count.condition.as_ref().unwrap();
    assert_eq!(condition.comparisons, [(CountOp::Gte, Threshold(10.0))]);
    assert_eq!(condition.field, None);
    assert!(!count.generate);
    assert_eq!(count.meta.level, Some(Level::Medium));
    assert_eq!(count.origin.document, 2);

    assert_eq!(ordered.kind, CorrelationKind::TemporalOrdered);
    assert_eq!(ordered.timespan_secs, 7_200);
    assert_eq!(ordered.condition, None);
    assert!(ordered.generate, "top-level generate is read");
    assert_eq!(ordered.aliases.len(), 1);
    assert_eq!(ordered.aliases[0].alias, "user");
    assert_eq!(
        ordered.aliases[0].mapping,
        [
            ("many_failed_logons".to_owned(), "TargetUserName".to_owned()),
            ("successful_logon".to_owned(), "TargetUserName".to_owned()),
        ]
    );
    assert!(ordered.meta.custom.is_empty(), "generate is not custom");
}

#[test]
fn value_count_and_temporal_correlations() {
    let parsed = parse(&correlation_doc(
        "    type: value_count\n    rules: [failed_logon]\n    group-by: [IpAddress]\n    timespan: 30m\n    condition:\n        field: TargetUserName\n        gt: 20\n        lte: 500\n    generate: true\n",
    ));
    let value_count = correlations(&parsed)[0];
    assert_eq!(value_count.kind, CorrelationKind::ValueCount);
    let condition = value_count.condition.as_ref().unwrap();
    assert_eq!(condition.field.as_deref(), Some("TargetUserName"));
    assert_eq!(
        condition.comparisons,
        [
            (CountOp::Gt, Threshold(20.0)),
            (CountOp::Lte, Threshold(500.0))
        ]
    );
    assert_eq!(condition.span, Span::new(8, 9));
    assert!(value_count.generate);

    let parsed = parse(&correlation_doc(
        "    type: temporal\n    rules: [a, b, c]\n    group-by: Computer\n    timespan: 5m\n    condition: {eq: 3}\n",
    ));
    let temporal = correlations(&parsed)[0];
    assert_eq!(temporal.kind, CorrelationKind::Temporal);
    assert_eq!(temporal.group_by, ["Computer"]);
    assert_eq!(temporal.timespan_secs, 300);
    assert_eq!(
        temporal.condition.as_ref().unwrap().comparisons,
        [(CountOp::Eq, Threshold(3.0))]
    );
}

#[test]
fn bad_correlations_are_reported() {
    /// A `correlation:` body and the errors it must produce.
    type Case = (&'static str, &'static [(Code, u32, u32)]);
    let cases: &[Case] = &[
        // Unknown kind.
        (
            "    type: event_sum\n    rules: [a]\n    timespan: 1h\n",
            &[(Code::InvalidValue, 3, 11)],
        ),
        // Missing type, rules and timespan.
        (
            "    group-by: [User]\n",
            &[
                (Code::MissingAttribute, 3, 5),
                (Code::MissingAttribute, 3, 5),
                (Code::MissingAttribute, 3, 5),
            ],
        ),
        // event_count without a condition.
        (
            "    type: event_count\n    rules: [a]\n    timespan: 1h\n",
            &[(Code::MissingAttribute, 3, 5)],
        ),
        // value_count without condition.field.
        (
            "    type: value_count\n    rules: [a]\n    timespan: 1h\n    condition: {gte: 3}\n",
            &[(Code::MissingAttribute, 6, 16)],
        ),
        // Temporal with a single rule.
        (
            "    type: temporal\n    rules: [a]\n    timespan: 1h\n",
            &[(Code::InvalidValue, 4, 12)],
        ),
        // Bad timespans.
        (
            "    type: event_count\n    rules: [a]\n    timespan: 1 hour\n    condition: {gte: 3}\n",
            &[(Code::InvalidValue, 5, 15)],
        ),
        (
            "    type: event_count\n    rules: [a]\n    timespan: 0s\n    condition: {gte: 3}\n",
            &[(Code::InvalidValue, 5, 15)],
        ),
        // Bad condition operator and value.
        (
            "    type: event_count\n    rules: [a]\n    timespan: 1h\n    condition: {more: 3, gte: -1}\n",
            &[(Code::InvalidValue, 6, 17), (Code::InvalidValue, 6, 31)],
        ),
        // A fractional count.
        (
            "    type: event_count\n    rules: [a]\n    timespan: 1h\n    condition: {gte: 2.5}\n",
            &[(Code::WrongType, 6, 22)],
        ),
        // value_sum without its field; a percentile out of range.
        (
            "    type: value_sum\n    rules: [a]\n    timespan: 1h\n    condition: {gt: 1.5}\n",
            &[(Code::MissingAttribute, 6, 16)],
        ),
        (
            "    type: value_percentile\n    rules: [a]\n    timespan: 1h\n    condition: {field: x, percentile: 101, gt: 1}\n",
            &[(Code::InvalidValue, 6, 39)],
        ),
    ];
    for (body, expected) in cases {
        let parsed = parse(&correlation_doc(body));
        let got: Vec<(Code, u32, u32)> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| (d.code, d.span.line, d.span.col))
            .collect();
        assert_eq!(&got, expected, "for:\n{body}\n{:#?}", parsed.diagnostics);
        assert!(parsed.documents.is_empty(), "for:\n{body}");
    }
}

#[test]
fn correlation_oddities_are_warnings() {
    let parsed = parse(&correlation_doc(
        "    type: event_count\n    rules: [a, a]\n    timespan: 1h\n    condition: {gte: 3, field: User}\n    ordered: true\ndetection:\n    sel: x\n",
    ));
    let got: Vec<(Code, Severity, u32, u32)> = codes(&parsed);
    assert_eq!(
        got,
        [
            (Code::Suspicious, Severity::Warning, 4, 16),
            (Code::Suspicious, Severity::Warning, 6, 16),
            (Code::Suspicious, Severity::Warning, 7, 5),
            (Code::Suspicious, Severity::Warning, 8, 1),
        ]
    );
    assert_eq!(correlations(&parsed).len(), 1);
}
