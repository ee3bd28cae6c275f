//! Rule collections: cross-file checks and filter lookup.

use std::path::Path;

use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::{Code, Diagnostic, Severity, Span};

const FULL: &str = include_str!("fixtures/load/full_metadata.yml");
const MULTIDOC: &str = include_str!("fixtures/load/multidoc_sysmon_security.yml");
const CORRELATIONS: &str = include_str!("fixtures/load/correlation_failed_logins.yml");
const FILTER: &str = include_str!("fixtures/load/filter_admin_tunnels.yml");

fn rule(title: &str, id: &str, product: &str) -> String {
    format!(
        "title: {title}\nid: {id}\nlogsource:\n    category: process_creation\n    product: {product}\ndetection:\n    sel:\n        Image: x\n    condition: sel\n"
    )
}

fn filter(rules: &str, logsource: &str) -> String {
    format!(
        "title: f\nlogsource: {logsource}\nfilter:\n    rules: {rules}\n    sel:\n        User: svc\n    condition: not sel\n"
    )
}

fn cross_file(collection: &RuleCollection) -> Vec<&Diagnostic> {
    collection
        .diagnostics()
        .iter()
        .filter(|d| matches!(d.code, Code::DuplicateId | Code::UnknownRuleReference))
        .collect()
}

#[test]
fn fixtures_load_together_cleanly() {
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("full.yml"), FULL);
    collection.add_file(Path::new("multi.yml"), MULTIDOC);
    collection.add_file(Path::new("corr.yml"), CORRELATIONS);
    collection.add_file(Path::new("filter.yml"), FILTER);
    collection.finish();
    assert_eq!(collection.rules().count(), 1 + 3 + 2);
    assert_eq!(collection.correlations().count(), 2);
    assert_eq!(collection.filters().count(), 1);
    assert_eq!(collection.documents().len(), 9);
    // The filter names one rule that is loaded and one id that is not.
    let diagnostics: Vec<String> = collection
        .diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        diagnostics,
        [
            "filter.yml:10:11: warning[unknown-rule-reference]: filter applies to rule \
          '0b1c4d2e-7a41-4c0b-9d2f-1e3c5a7b9dff', which is not loaded"
        ]
    );
    assert!(!collection.has_errors());
}

#[test]
fn duplicate_ids_are_errors_at_the_second_naming_the_first() {
    let mut collection = RuleCollection::new();
    let id = "5638f7c0-ac70-491d-8465-2a65075e0d86";
    collection.add_file(Path::new("rules/a.yml"), &rule("A", id, "windows"));
    collection.add_file(
        Path::new("rules/b.yml"),
        &format!("# comment\n{}", rule("B", id, "windows")),
    );
    collection.finish();
    let found = cross_file(&collection);
    assert_eq!(found.len(), 1);
    let diagnostic = found[0];
    assert_eq!(diagnostic.severity, Severity::Error);
    assert_eq!(diagnostic.code, Code::DuplicateId);
    assert_eq!(diagnostic.file, Path::new("rules/b.yml"));
    assert_eq!(diagnostic.span, Span::new(3, 5));
    assert_eq!(
        diagnostic.message,
        format!("duplicate rule id '{id}': already used at rules/a.yml:2")
    );
    assert!(collection.has_errors());
}

#[test]
fn duplicate_names_are_errors_too() {
    let mut collection = RuleCollection::new();
    collection.add_file(
        Path::new("a.yml"),
        "title: a\nname: shared\nlogsource: {product: x}\ndetection: {s: x, condition: s}\n",
    );
    collection.add_file(
        Path::new("b.yml"),
        "title: b\nname: shared\nlogsource: {product: x}\ndetection: {s: x, condition: s}\n",
    );
    collection.finish();
    let found = cross_file(&collection);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].file, Path::new("b.yml"));
    assert!(found[0].message.contains("name 'shared'"));
}

#[test]
fn correlations_must_reference_loaded_rules() {
    let mut collection = RuleCollection::new();
    collection.add_file(
        Path::new("corr.yml"),
        "title: c\ncorrelation:\n    type: temporal\n    rules:\n        - present\n        - absent\n    timespan: 5m\n",
    );
    collection.add_file(
        Path::new("r.yml"),
        "title: r\nname: present\nlogsource: {product: x}\ndetection: {s: x, condition: s}\n",
    );
    collection.finish();
    let found = cross_file(&collection);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Error);
    assert_eq!(found[0].code, Code::UnknownRuleReference);
    assert_eq!(found[0].span, Span::new(6, 11));
    assert!(found[0].message.contains("'absent'"));
}

#[test]
fn correlations_may_reference_correlations() {
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("corr.yml"), CORRELATIONS);
    collection.finish();
    assert!(
        collection.diagnostics().is_empty(),
        "{:#?}",
        collection.diagnostics()
    );
}

#[test]
fn filters_for_matches_by_id_or_name_and_logsource() {
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("plink.yml"), FULL);
    let id = "0b1c4d2e-7a41-4c0b-9d2f-1e3c5a7b9d99";
    collection.add_file(Path::new("other.yml"), &rule("Other", id, "windows"));
    collection.add_file(
        Path::new("linux.yml"),
        &rule("Linux", "0b1c4d2e-7a41-4c0b-9d2f-1e3c5a7b9d98", "linux"),
    );
    collection.add_file(
        Path::new("by_name.yml"),
        &filter("[plink_remote_forwarding]", "{product: windows}"),
    );
    collection.add_file(
        Path::new("by_id.yml"),
        &filter(&format!("[{id}]"), "{category: process_creation}"),
    );
    collection.add_file(
        Path::new("wrong_source.yml"),
        &filter(&format!("[{id}]"), "{product: linux}"),
    );
    collection.add_file(
        Path::new("both.yml"),
        &filter(
            &format!("[{id}, plink_remote_forwarding, 0b1c4d2e-7a41-4c0b-9d2f-1e3c5a7b9d98]"),
            "{product: Windows, category: process_creation}",
        ),
    );
    collection.finish();
    assert!(!collection.has_errors(), "{:#?}", collection.diagnostics());

    let files_for = |title: &str| -> Vec<String> {
        let rule = collection
            .rules()
            .find(|r| r.meta.title.value == title)
            .unwrap();
        collection
            .filters_for(rule)
            .iter()
            .map(|f| f.origin.file.display().to_string())
            .collect()
    };
    assert_eq!(
        files_for("Plink Remote Port Forwarding"),
        ["by_name.yml", "both.yml"]
    );
    assert_eq!(files_for("Other"), ["by_id.yml", "both.yml"]);
    // Named by `both.yml`, but that filter is for Windows.
    assert!(files_for("Linux").is_empty());
}

#[test]
fn finish_can_run_again_after_more_files() {
    let mut collection = RuleCollection::new();
    collection.add_file(
        Path::new("filter.yml"),
        &filter("[missing_rule]", "{product: windows}"),
    );
    collection.finish();
    collection.finish();
    assert_eq!(cross_file(&collection).len(), 1, "finish is idempotent");
    collection.add_file(
        Path::new("rule.yml"),
        "title: r\nname: missing_rule\nlogsource: {product: windows}\ndetection: {s: x, condition: s}\n",
    );
    collection.finish();
    assert!(
        collection.diagnostics().is_empty(),
        "{:#?}",
        collection.diagnostics()
    );
}

#[test]
fn broken_files_contribute_diagnostics_but_no_documents() {
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("bad.yml"), "title: t\nlogsource: {product: x}\ndetection:\n    s:\n        Image|contians: x\n    condition: s\n");
    collection.add_file(
        Path::new("good.yml"),
        &rule("Good", "5638f7c0-ac70-491d-8465-2a65075e0d86", "windows"),
    );
    collection.finish();
    assert_eq!(collection.rules().count(), 1);
    assert!(collection.has_errors());
    assert_eq!(collection.diagnostics()[0].file, Path::new("bad.yml"));
    assert_eq!(collection.diagnostics()[0].span, Span::new(5, 9));
}

#[test]
fn filters_with_rules_any_apply_to_every_rule_of_their_logsource() {
    let mut collection = RuleCollection::new();
    let id_win = "0b1c4d2e-7a41-4c0b-9d2f-1e3c5a7b9d97";
    let id_lin = "0b1c4d2e-7a41-4c0b-9d2f-1e3c5a7b9d96";
    collection.add_file(Path::new("win.yml"), &rule("Win", id_win, "windows"));
    collection.add_file(Path::new("lin.yml"), &rule("Lin", id_lin, "linux"));
    collection.add_file(Path::new("any.yml"), &filter("any", "{product: windows}"));
    collection.add_file(Path::new("all.yml"), &filter("ALL", "{product: linux}"));
    collection.add_file(
        Path::new("empty.yml"),
        &filter("[]", "{category: process_creation}"),
    );
    collection.finish();
    assert!(
        collection.diagnostics().is_empty(),
        "{:#?}",
        collection.diagnostics()
    );
    let filters_of = |title: &str| -> Vec<String> {
        let rule = collection
            .rules()
            .find(|r| r.meta.title.value == title)
            .unwrap();
        collection
            .filters_for(rule)
            .iter()
            .map(|f| f.origin.file.display().to_string())
            .collect()
    };
    assert_eq!(filters_of("Win"), ["any.yml", "empty.yml"]);
    assert_eq!(filters_of("Lin"), ["all.yml", "empty.yml"]);
}
