//! One (already merged) YAML document → a rule, a filter or a correlation.
//!
//! The kind is decided by the section the document carries, as the
//! specification does: `correlation:` makes a correlation rule, `filter:` a
//! filter, anything else a detection rule. Sections that belong to another
//! kind (a `detection:` in a correlation rule) are reported and ignored
//! rather than silently dropped.

use crate::ast::{Document, Filter, LogSource, Origin, Rule, Spanned};
use crate::diag::Code;
use crate::span::Span;
use crate::yaml::{Entry, Node};

use super::correlation::load_correlation;
use super::detection::load_detection;
use super::metadata::load_metadata;
use super::report::Reporter;

/// Keys that are never metadata: how multi-document files combine.
const ACTION: &str = "action";

/// Build a document from a mapping. Returns `None` when the document is too
/// broken to represent; what is wrong has been reported either way.
pub(super) fn load_document(
    report: &mut Reporter<'_>,
    root: &Node,
    origin: Origin,
) -> Option<Document> {
    let entries = root.as_mapping()?;
    if let Some(section) = root.get("correlation") {
        ignore_foreign_sections(
            report,
            entries,
            &["logsource", "detection", "filter"],
            "a correlation rule",
        );
        let meta = load_metadata(
            report,
            entries,
            &[
                "correlation",
                "generate",
                "logsource",
                "detection",
                "filter",
                ACTION,
            ],
            origin.span,
        );
        let correlation = load_correlation(report, section, root.get("generate"), meta, origin)?;
        return Some(Document::Correlation(correlation));
    }
    if let Some(section) = root.get("filter") {
        ignore_foreign_sections(report, entries, &["detection"], "a filter");
        let meta = load_metadata(
            report,
            entries,
            &["filter", "logsource", "detection", ACTION],
            origin.span,
        );
        let logsource = load_required_logsource(report, root, origin.span);
        let (rules, applies_to_all) = load_filter_rules(report, section);
        let detection = load_detection(report, section, "filter", &["rules"]);
        return Some(Document::Filter(Filter {
            meta,
            logsource,
            rules,
            applies_to_all,
            detection,
            origin,
        }));
    }
    let meta = load_metadata(
        report,
        entries,
        &["logsource", "detection", ACTION],
        origin.span,
    );
    let logsource = load_required_logsource(report, root, origin.span);
    let detection = match root.get("detection") {
        Some(section) => load_detection(report, section, "detection", &[]),
        None => {
            report.error(
                Code::MissingAttribute,
                origin.span,
                "missing required attribute 'detection'",
            );
            return None;
        }
    };
    Some(Document::Rule(Rule {
        meta,
        logsource,
        detection,
        origin,
    }))
}

fn ignore_foreign_sections(
    report: &mut Reporter<'_>,
    entries: &[Entry],
    foreign: &[&str],
    kind: &str,
) {
    for entry in entries {
        if let Some(key) = entry.key.key_text()
            && foreign.contains(&key)
        {
            report.warning(
                Code::Suspicious,
                entry.key.span,
                format!("'{key}' has no meaning in {kind}; ignored"),
            );
        }
    }
}

/// The `rules:` a filter applies to, and whether that is every rule of its
/// logsource (`rules: any`, `rules: all` or an empty list, as in pySigma).
fn load_filter_rules(report: &mut Reporter<'_>, section: &Node) -> (Vec<Spanned<String>>, bool) {
    if section.as_mapping().is_none() {
        // `load_detection` reports the wrong type of the whole section.
        return (Vec::new(), false);
    }
    match section.get("rules") {
        Some(node) => {
            let rules = report.spanned_string_or_list(node, "rules");
            let every_rule = match rules.as_slice() {
                [] => true,
                [only] => {
                    only.value.eq_ignore_ascii_case("any") || only.value.eq_ignore_ascii_case("all")
                }
                _ => false,
            };
            if every_rule {
                (Vec::new(), true)
            } else {
                (rules, false)
            }
        }
        None => {
            report.error(
                Code::MissingAttribute,
                section.span,
                "a filter needs 'rules': the ids or names of the rules it applies to, or 'any'",
            );
            (Vec::new(), false)
        }
    }
}

fn load_required_logsource(
    report: &mut Reporter<'_>,
    root: &Node,
    document_span: Span,
) -> LogSource {
    match root.get("logsource") {
        Some(node) => load_logsource(report, node),
        None => {
            report.error(
                Code::MissingAttribute,
                document_span,
                "missing required attribute 'logsource'",
            );
            LogSource::default()
        }
    }
}

/// `logsource:` — category, product, service and definition. Other keys
/// are allowed by the specification (custom log source attributes) and
/// ignored.
fn load_logsource(report: &mut Reporter<'_>, node: &Node) -> LogSource {
    let mut logsource = LogSource::default();
    let Some(entries) = node.as_mapping() else {
        report.error(
            Code::WrongType,
            node.span,
            format!("'logsource' must be a mapping, found {}", node.type_name()),
        );
        return logsource;
    };
    let mut names_events = false;
    for entry in entries {
        let Some(key) = report.key(&entry.key) else {
            continue;
        };
        names_events |= matches!(key, "category" | "product" | "service");
        let slot = match key {
            "category" => &mut logsource.category,
            "product" => &mut logsource.product,
            "service" => &mut logsource.service,
            "definition" => &mut logsource.definition,
            _ => continue,
        };
        *slot = report.string(&entry.value, &format!("logsource.{key}"));
    }
    if !names_events {
        report.warning(
            Code::Suspicious,
            node.span,
            "logsource names no category, product or service: the rule applies to every event",
        );
    }
    logsource
}
