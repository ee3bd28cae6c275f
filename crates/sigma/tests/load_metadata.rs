//! Metadata and logsource: every attribute, custom attributes, type and
//! value checks.

use crate::load_support;

use load_support::codes;

use std::path::Path;

use tunnelhunt_sigma::ast::{AttrValue, Document, Level, LogSource, Rule, Status};
use tunnelhunt_sigma::load::{ParsedFile, parse_rule_file};
use tunnelhunt_sigma::{Code, Severity, Span};

const FULL: &str = include_str!("fixtures/load/full_metadata.yml");

/// A rule's body, to which each test prepends the metadata it is about.
const BODY: &str =
    "logsource:\n    product: windows\ndetection:\n    sel:\n        a: b\n    condition: sel\n";

fn parse(text: &str) -> ParsedFile {
    parse_rule_file(Path::new("rule.yml"), text)
}

fn only_rule(parsed: &ParsedFile) -> &Rule {
    assert_eq!(parsed.documents.len(), 1, "{:#?}", parsed.diagnostics);
    match &parsed.documents[0] {
        Document::Rule(rule) => rule,
        other => panic!("expected a rule, got {other:?}"),
    }
}

#[test]
fn every_metadata_attribute_is_read() {
    let parsed = parse(FULL);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let rule = only_rule(&parsed);
    let meta = &rule.meta;
    assert_eq!(meta.title.value, "Plink Remote Port Forwarding");
    assert_eq!(meta.title.span, Span::new(1, 8));
    assert_eq!(
        meta.id.as_ref().unwrap().value,
        "5638f7c0-ac70-491d-8465-2a65075e0d86"
    );
    assert_eq!(meta.id.as_ref().unwrap().span, Span::new(2, 5));
    assert_eq!(meta.name.as_ref().unwrap().value, "plink_remote_forwarding");
    assert_eq!(meta.related.len(), 2);
    assert_eq!(meta.related[0].id, "6f3e2987-db24-4c78-a860-b4f4095a7095");
    assert_eq!(meta.related[0].kind, "derived");
    assert_eq!(meta.related[1].kind, "similar");
    assert_eq!(meta.status, Some(Status::Test));
    assert_eq!(
        meta.description.as_deref(),
        Some(
            "Detects plink.exe opening a remote port forward (-R),\n\
             a classic way to tunnel RDP out of a network.\n"
        )
    );
    assert_eq!(meta.references.len(), 2);
    assert_eq!(meta.author.as_deref(), Some("Tunnelhunt authors"));
    assert_eq!(meta.date.as_deref(), Some("2024-01-15"));
    assert_eq!(meta.modified.as_deref(), Some("2024/02/01"));
    assert_eq!(meta.tags, ["attack.command-and-control", "attack.t1572"]);
    assert_eq!(meta.attack_techniques(), ["T1572"]);
    assert_eq!(meta.level, Some(Level::High));
    assert_eq!(
        meta.falsepositives,
        ["Administrators tunnelling on purpose", "Backup software"]
    );
    assert_eq!(meta.fields, ["CommandLine", "ParentImage"]);
    assert_eq!(
        rule.logsource,
        LogSource {
            category: Some("process_creation".into()),
            product: Some("windows".into()),
            service: None,
            definition: None,
        }
    );
    assert_eq!(rule.origin.file, Path::new("rule.yml"));
    assert_eq!(rule.origin.document, 0);
    assert_eq!(rule.origin.span, Span::new(1, 1));
}

#[test]
fn custom_attributes_are_kept_in_file_order() {
    let parsed = parse(FULL);
    let meta = &only_rule(&parsed).meta;
    let keys: Vec<&str> = meta.custom.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["branch", "confidence", "guide"]);
    assert_eq!(
        meta.custom("branch"),
        Some(&AttrValue::String("ssh_port_forwarding".into()))
    );
    assert_eq!(meta.custom("confidence"), Some(&AttrValue::Float(0.8)));
    assert_eq!(
        meta.custom("guide"),
        Some(&AttrValue::Map(vec![
            (
                "check".into(),
                AttrValue::List(vec![
                    AttrValue::String("Who launched plink".into()),
                    AttrValue::String("Which host is on the far end".into()),
                ])
            ),
            ("escalate".into(), AttrValue::Bool(true)),
        ]))
    );
}

#[test]
fn falsepositives_may_be_a_single_string() {
    let parsed = parse(&format!("title: t\nfalsepositives: Unknown\n{BODY}"));
    assert_eq!(only_rule(&parsed).meta.falsepositives, ["Unknown"]);
}

#[test]
fn null_optional_attributes_are_absent() {
    let parsed = parse(&format!("title: t\ndescription:\nreferences: ~\n{BODY}"));
    let meta = &only_rule(&parsed).meta;
    assert_eq!(meta.description, None);
    assert!(meta.references.is_empty());
    assert!(parsed.diagnostics.is_empty());
}

#[test]
fn missing_title_is_an_error_at_the_document() {
    let parsed = parse(&format!("id: 5638f7c0-ac70-491d-8465-2a65075e0d86\n{BODY}"));
    assert_eq!(
        codes(&parsed),
        [(Code::MissingAttribute, Severity::Error, 1, 1)]
    );
    assert!(parsed.documents.is_empty());
    assert!(parsed.diagnostics[0].message.contains("title"));
}

#[test]
fn wrong_types_are_errors_at_the_value() {
    let parsed = parse(&format!(
        "title: [1, 2]\nreferences: https://example.org\ntags: {{a: b}}\nauthor: 42\n{BODY}"
    ));
    assert_eq!(
        codes(&parsed),
        [
            (Code::WrongType, Severity::Error, 1, 8),
            (Code::WrongType, Severity::Error, 2, 13),
            (Code::WrongType, Severity::Error, 3, 7),
            (Code::WrongType, Severity::Error, 4, 9),
        ]
    );
    assert_eq!(
        parsed.diagnostics[1].message,
        "'references' must be a list of strings, found a string"
    );
    assert!(parsed.documents.is_empty());
}

#[test]
fn unknown_level_and_status_are_invalid_values() {
    let parsed = parse(&format!("title: t\nlevel: severe\nstatus: testing\n{BODY}"));
    assert_eq!(
        codes(&parsed),
        [
            (Code::InvalidValue, Severity::Error, 2, 8),
            (Code::InvalidValue, Severity::Error, 3, 9),
        ]
    );
    assert!(parsed.diagnostics[0].message.contains("'severe'"));
    assert!(parsed.diagnostics[1].message.contains("'testing'"));
}

#[test]
fn every_level_and_status_is_accepted() {
    for level in ["informational", "low", "medium", "high", "critical"] {
        for status in [
            "stable",
            "test",
            "experimental",
            "deprecated",
            "unsupported",
        ] {
            let parsed = parse(&format!(
                "title: t\nlevel: {level}\nstatus: {status}\n{BODY}"
            ));
            let meta = &only_rule(&parsed).meta;
            assert_eq!(meta.level.unwrap().as_str(), level);
            assert_eq!(meta.status.unwrap().as_str(), status);
        }
    }
}

#[test]
fn non_uuid_id_and_odd_dates_are_warnings() {
    let parsed = parse(&format!(
        "title: t\nid: plink-1\ndate: 15.01.2024\nmodified: 2024-1-5\n{BODY}"
    ));
    assert_eq!(
        codes(&parsed),
        [
            (Code::InvalidValue, Severity::Warning, 2, 5),
            (Code::InvalidValue, Severity::Warning, 3, 7),
            (Code::InvalidValue, Severity::Warning, 4, 11),
        ]
    );
    // Warnings do not make the rule unusable.
    assert_eq!(
        only_rule(&parsed).meta.id.as_ref().unwrap().value,
        "plink-1"
    );
}

#[test]
fn related_entries_are_checked() {
    let parsed = parse(&format!(
        "title: t\nrelated:\n    - id: x\n      type: cousin\n    - type: derived\n    - just-an-id\n{BODY}"
    ));
    assert_eq!(
        codes(&parsed),
        [
            (Code::InvalidValue, Severity::Error, 4, 13),
            (Code::MissingAttribute, Severity::Error, 5, 7),
            (Code::WrongType, Severity::Error, 6, 7),
        ]
    );
}

#[test]
fn logsource_is_required_and_typed() {
    let parsed = parse("title: t\ndetection:\n    sel: x\n    condition: sel\n");
    assert_eq!(
        codes(&parsed),
        [(Code::MissingAttribute, Severity::Error, 1, 1)]
    );
    let parsed = parse(
        "title: t\nlogsource:\n    product: 7\n    definition: 'Requires audit policy'\ndetection:\n    sel: x\n    condition: sel\n",
    );
    assert_eq!(codes(&parsed), [(Code::WrongType, Severity::Error, 3, 14),]);
}

#[test]
fn logsource_without_category_product_or_service_is_suspicious() {
    let parsed = parse(
        "title: t\nlogsource:\n    definition: anything\ndetection:\n    sel: x\n    condition: sel\n",
    );
    assert_eq!(
        codes(&parsed),
        [(Code::Suspicious, Severity::Warning, 3, 5)]
    );
    assert_eq!(
        only_rule(&parsed).logsource.definition.as_deref(),
        Some("anything")
    );
}

#[test]
fn a_document_that_is_not_a_mapping_is_an_error() {
    let parsed = parse("- title: t\n");
    assert_eq!(codes(&parsed), [(Code::WrongType, Severity::Error, 1, 1)]);
}

#[test]
fn an_empty_file_is_a_warning() {
    let parsed = parse("# nothing here\n");
    assert_eq!(
        codes(&parsed),
        [(Code::MissingAttribute, Severity::Warning, 1, 1)]
    );
}

#[test]
fn diagnostics_display_file_line_and_column() {
    let parsed = parse(&format!("title: t\nlevel: severe\n{BODY}"));
    assert_eq!(
        parsed.diagnostics[0].to_string(),
        "rule.yml:2:8: error[invalid-value]: unknown level 'severe' \
         (expected informational, low, medium, high or critical)"
    );
}
