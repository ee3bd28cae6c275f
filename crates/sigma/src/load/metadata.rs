//! The attributes every Sigma document shares: title, id, status, level, …
//!
//! Every top-level key that is neither one of these nor a structural key of
//! the document kind (`logsource`, `detection`, `filter`, `correlation`, …)
//! is kept, in file order, in [`Metadata::custom`]: the T1572 pack carries
//! its own attributes (`branch`, `confidence`) and users' rules carry
//! theirs, and re-emitting a rule must not lose them.
//!
//! Checks follow the specification: wrong YAML types and values outside an
//! enumeration (`level`, `status`, `related.type`) are errors; an `id` that
//! is not a UUID and a date that is neither `YYYY-MM-DD` nor the older
//! `YYYY/MM/DD` are warnings, because the specification only recommends them.

use crate::ast::{Level, Metadata, Related, Spanned, Status};
use crate::diag::Code;
use crate::span::Span;
use crate::yaml::{Entry, Node, NodeKind, ScalarValue};

use super::report::Reporter;

/// The specification's limit on `title`.
const MAX_TITLE_CHARS: usize = 256;

/// What `related[].type` may be.
const RELATION_TYPES: [&str; 5] = ["derived", "obsolete", "merged", "renamed", "similar"];

/// Read the metadata of a document. `structural` names the keys the caller
/// handles itself (they are neither metadata nor custom attributes);
/// `document_span` is where `title` is reported missing.
pub(super) fn load_metadata(
    report: &mut Reporter<'_>,
    root: &[Entry],
    structural: &[&str],
    document_span: Span,
) -> Metadata {
    let mut meta = Metadata::default();
    let mut has_title = false;
    for entry in root {
        let Some(key) = report.key(&entry.key) else {
            continue;
        };
        if structural.contains(&key) {
            continue;
        }
        let value = &entry.value;
        if is_null(value) && key != "title" {
            // `description:` with nothing after it: the attribute is absent.
            continue;
        }
        match key {
            "title" => {
                has_title = true;
                if let Some(title) = report.string(value, key) {
                    if title.chars().count() > MAX_TITLE_CHARS {
                        report.warning(
                            Code::InvalidValue,
                            value.span,
                            format!("title is longer than {MAX_TITLE_CHARS} characters"),
                        );
                    }
                    if title.trim().is_empty() {
                        report.error(Code::InvalidValue, value.span, "title is empty");
                    }
                    meta.title = Spanned::new(title, value.span);
                }
            }
            "id" => {
                if let Some(id) = report.string(value, key) {
                    if !is_uuid(&id) {
                        report.warning(
                            Code::InvalidValue,
                            value.span,
                            format!("id '{id}' is not a UUID"),
                        );
                    }
                    meta.id = Some(Spanned::new(id, value.span));
                }
            }
            "name" => {
                if let Some(name) = report.string(value, key) {
                    meta.name = Some(Spanned::new(name, value.span));
                }
            }
            "related" => meta.related = load_related(report, value),
            "status" => meta.status = load_status(report, value),
            "description" => meta.description = report.string(value, key),
            "references" => meta.references = report.string_list(value, key),
            "author" => meta.author = report.string(value, key),
            "date" => meta.date = load_date(report, value, key),
            "modified" => meta.modified = load_date(report, value, key),
            "tags" => meta.tags = report.string_list(value, key),
            "level" => meta.level = load_level(report, value),
            "falsepositives" => meta.falsepositives = report.string_or_list(value, key),
            "fields" => meta.fields = report.string_list(value, key),
            _ => {
                let custom = report.attr_value(value);
                meta.custom.push((key.to_owned(), custom));
            }
        }
    }
    if !has_title {
        report.error(
            Code::MissingAttribute,
            document_span,
            "missing required attribute 'title'",
        );
    }
    meta
}

fn is_null(node: &Node) -> bool {
    matches!(node.as_scalar(), Some(s) if s.value == ScalarValue::Null)
}

fn load_level(report: &mut Reporter<'_>, node: &Node) -> Option<Level> {
    let text = report.string(node, "level")?;
    let level = Level::parse(&text);
    if level.is_none() {
        report.error(
            Code::InvalidValue,
            node.span,
            format!(
                "unknown level '{text}' (expected informational, low, medium, high or critical)"
            ),
        );
    }
    level
}

fn load_status(report: &mut Reporter<'_>, node: &Node) -> Option<Status> {
    let text = report.string(node, "status")?;
    let status = Status::parse(&text);
    if status.is_none() {
        report.error(
            Code::InvalidValue,
            node.span,
            format!(
                "unknown status '{text}' \
                 (expected stable, test, experimental, deprecated or unsupported)"
            ),
        );
    }
    status
}

fn load_date(report: &mut Reporter<'_>, node: &Node, attribute: &str) -> Option<String> {
    let date = report.string(node, attribute)?;
    if !is_sigma_date(&date) {
        report.warning(
            Code::InvalidValue,
            node.span,
            format!("{attribute} '{date}' is not a date in the form YYYY-MM-DD"),
        );
    }
    Some(date)
}

fn load_related(report: &mut Reporter<'_>, node: &Node) -> Vec<Related> {
    let NodeKind::Sequence(items) = &node.kind else {
        report.error(
            Code::WrongType,
            node.span,
            format!(
                "'related' must be a list of {{id, type}} mappings, found {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    let mut related = Vec::new();
    for item in items {
        if item.as_mapping().is_none() {
            report.error(
                Code::WrongType,
                item.span,
                format!(
                    "a 'related' entry must be a mapping with 'id' and 'type', found {}",
                    item.type_name()
                ),
            );
            continue;
        }
        let id = match item.get("id") {
            Some(id) => report.string(id, "related.id"),
            None => {
                report.error(
                    Code::MissingAttribute,
                    item.span,
                    "a 'related' entry needs an 'id'",
                );
                None
            }
        };
        let kind = match item.get("type") {
            Some(kind_node) => report.string(kind_node, "related.type").filter(|kind| {
                let known = RELATION_TYPES.contains(&kind.as_str());
                if !known {
                    report.error(
                        Code::InvalidValue,
                        kind_node.span,
                        format!(
                            "unknown relation type '{kind}' \
                             (expected derived, obsolete, merged, renamed or similar)"
                        ),
                    );
                }
                known
            }),
            None => {
                report.error(
                    Code::MissingAttribute,
                    item.span,
                    "a 'related' entry needs a 'type'",
                );
                None
            }
        };
        if let (Some(id), Some(kind)) = (id, kind) {
            related.push(Related { id, kind });
        }
    }
    related
}

/// `8-4-4-4-12` hexadecimal digits, any version, either case.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `YYYY-MM-DD` (the specification) or `YYYY/MM/DD` (older SigmaHQ rules),
/// with a plausible month and day.
fn is_sigma_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 {
        return false;
    }
    let separator = bytes[4];
    if !(separator == b'-' || separator == b'/') || bytes[7] != separator {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    matches!(
        (digits(0..4), digits(5..7), digits(8..10)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        assert!(is_uuid("5638f7c0-ac70-491d-8465-2a65075e0d86"));
        assert!(is_uuid("5638F7C0-AC70-491D-8465-2A65075E0D86"));
        assert!(!is_uuid("5638f7c0ac70491d84652a65075e0d86"));
        assert!(!is_uuid("5638f7c0-ac70-491d-8465-2a65075e0d8g"));
        assert!(!is_uuid("t1572-plink"));
    }

    #[test]
    fn dates() {
        assert!(is_sigma_date("2024-01-31"));
        assert!(is_sigma_date("2019/12/01"));
        assert!(!is_sigma_date("2024-13-01"));
        assert!(!is_sigma_date("2024-01/31"));
        assert!(!is_sigma_date("24-01-31"));
        assert!(!is_sigma_date("2024-1-031"));
        assert!(!is_sigma_date("２０２４-01-31"));
    }
}
