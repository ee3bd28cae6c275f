//! `detection:` (and the searches inside a filter's `filter:` section):
//! search identifiers, field matchers with their modifier chains, values,
//! and the condition.
//!
//! The YAML shape decides the logic, as the specification says:
//!
//! * a mapping is an AND of field matchers ([`SearchBody::AllOf`]);
//! * a list is an OR of its items ([`SearchBody::AnyOf`]): mappings become
//!   `AllOf`, and runs of consecutive plain values become one keyword
//!   matcher. A list made only of plain values is a keyword list and is
//!   kept as a single [`SearchBody::Keywords`];
//! * a lone plain value is a keyword search with that one value.
//!
//! Values are kept raw (wildcards and escapes are lowering's business);
//! only their YAML type is checked here. Modifiers are checked against the
//! set Sigma defines; whether a chain makes sense is also lowering's
//! business, since it needs the values.

use crate::ast::{
    Condition, Detection, FieldMatcher, Modifier, Search, SearchBody, Spanned, Value,
};
use crate::condition::parse_condition;
use crate::diag::Code;
use crate::span::Span;
use crate::yaml::{Entry, Node, NodeKind, ScalarValue};

use super::report::Reporter;

/// Read a detection section. Keys listed in `reserved` (besides `condition`
/// and `timeframe`) are not search identifiers; the filter's `rules` is one.
pub(super) fn load_detection(
    report: &mut Reporter<'_>,
    section: &Node,
    section_name: &str,
    reserved: &[&str],
) -> Detection {
    let mut detection = Detection::default();
    let Some(entries) = section.as_mapping() else {
        report.error(
            Code::WrongType,
            section.span,
            format!(
                "'{section_name}' must be a mapping of search identifiers and a condition, \
                 found {}",
                section.type_name()
            ),
        );
        return detection;
    };
    let mut has_condition = false;
    for Entry { key, value } in entries {
        let Some(name) = report.key(key) else {
            continue;
        };
        match name {
            "condition" => {
                has_condition = true;
                detection.conditions = load_conditions(report, value);
            }
            "timeframe" => {
                if let Some(text) = report.string(value, "timeframe") {
                    detection.timeframe = Some(Spanned::new(text, value.span));
                }
            }
            _ if reserved.contains(&name) => {}
            _ => {
                if let Some(body) = load_search_body(report, name, key.span, value) {
                    detection.searches.push(Search {
                        name: name.to_owned(),
                        span: key.span,
                        body,
                    });
                }
            }
        }
    }
    if !has_condition {
        report.error(
            Code::MissingAttribute,
            section.span,
            format!("'{section_name}' has no 'condition'"),
        );
    }
    if detection.searches.is_empty() {
        report.error(
            Code::MissingAttribute,
            section.span,
            format!("'{section_name}' defines no search identifier"),
        );
    }
    detection
}

/// `condition:` is a string, or (deprecated) a list of strings meaning any
/// of them.
fn load_conditions(report: &mut Reporter<'_>, node: &Node) -> Vec<Condition> {
    match &node.kind {
        NodeKind::Sequence(items) => {
            report.warning(
                Code::Suspicious,
                node.span,
                "a list of conditions is deprecated; combine them with 'or' in one condition",
            );
            if items.is_empty() {
                report.error(Code::InvalidValue, node.span, "the condition list is empty");
            }
            items
                .iter()
                .filter_map(|item| load_condition(report, item))
                .collect()
        }
        _ => load_condition(report, node).into_iter().collect(),
    }
}

fn load_condition(report: &mut Reporter<'_>, node: &Node) -> Option<Condition> {
    let text = report.string(node, "condition")?;
    match parse_condition(&text) {
        Ok(expr) => Some(Condition {
            // The first character of the condition text: identifier spans
            // in `expr` are relative to it (see `condition::rebase`).
            span: node.position_of(0),
            source: text,
            expr,
        }),
        Err(error) => {
            report.error(
                Code::ConditionSyntax,
                node.position_of(error.offset),
                format!("invalid condition: {}", error.message),
            );
            None
        }
    }
}

/// The body of one search identifier, or `None` after reporting why not.
fn load_search_body(
    report: &mut Reporter<'_>,
    name: &str,
    name_span: Span,
    node: &Node,
) -> Option<SearchBody> {
    match &node.kind {
        NodeKind::Mapping(entries) => Some(SearchBody::AllOf(load_field_matchers(report, entries))),
        NodeKind::Sequence(items) => Some(load_search_list(report, name, items)),
        NodeKind::Scalar(scalar) if scalar.value == ScalarValue::Null => {
            report.error(
                Code::WrongType,
                name_span,
                format!(
                    "search identifier '{name}' is empty; \
                     it needs field matchers or keyword values"
                ),
            );
            None
        }
        NodeKind::Scalar(_) => Some(SearchBody::Keywords(FieldMatcher {
            field: None,
            span: node.span,
            modifiers: Vec::new(),
            values: vec![Spanned::new(to_value(node)?, node.span)],
        })),
    }
}

/// A list under a search identifier: an OR of mappings and keyword runs.
fn load_search_list(report: &mut Reporter<'_>, name: &str, items: &[Node]) -> SearchBody {
    if !items.is_empty() && items.iter().all(|item| item.as_scalar().is_some()) {
        return SearchBody::Keywords(FieldMatcher {
            field: None,
            span: items[0].span,
            modifiers: Vec::new(),
            values: items
                .iter()
                .filter_map(|item| Some(Spanned::new(to_value(item)?, item.span)))
                .collect(),
        });
    }
    let mut alternatives = Vec::new();
    let mut keyword_run: Vec<Spanned<Value>> = Vec::new();
    let flush = |run: &mut Vec<Spanned<Value>>, alternatives: &mut Vec<SearchBody>| {
        if let Some(first) = run.first() {
            alternatives.push(SearchBody::Keywords(FieldMatcher {
                field: None,
                span: first.span,
                modifiers: Vec::new(),
                values: std::mem::take(run),
            }));
        }
    };
    for item in items {
        match &item.kind {
            NodeKind::Scalar(_) => {
                if let Some(value) = to_value(item) {
                    keyword_run.push(Spanned::new(value, item.span));
                }
            }
            NodeKind::Mapping(entries) => {
                flush(&mut keyword_run, &mut alternatives);
                alternatives.push(SearchBody::AllOf(load_field_matchers(report, entries)));
            }
            NodeKind::Sequence(_) => {
                report.error(
                    Code::WrongType,
                    item.span,
                    format!(
                        "an item of search identifier '{name}' must be a mapping or a value, \
                         found a list"
                    ),
                );
            }
        }
    }
    flush(&mut keyword_run, &mut alternatives);
    SearchBody::AnyOf(alternatives)
}

fn load_field_matchers(report: &mut Reporter<'_>, entries: &[Entry]) -> Vec<FieldMatcher> {
    entries
        .iter()
        .filter_map(|entry| load_field_matcher(report, entry))
        .collect()
}

/// `Field|mod1|mod2: value-or-values`.
fn load_field_matcher(report: &mut Reporter<'_>, entry: &Entry) -> Option<FieldMatcher> {
    let key_text = report.key(&entry.key)?;
    let key_span = entry.key.span;
    let mut parts = key_text.split('|');
    let field_name = parts.next().unwrap_or_default();
    let mut modifiers = Vec::new();
    let mut modifiers_ok = true;
    let mut byte_offset = field_name.len();
    for part in parts {
        // Position of the modifier's first character (after the `|`).
        let span = entry.key.position_of(byte_offset + 1);
        byte_offset += 1 + part.len();
        match Modifier::parse(part) {
            Some(modifier) => modifiers.push(Spanned::new(modifier, span)),
            None => {
                modifiers_ok = false;
                let message = if part.is_empty() {
                    format!("empty modifier in '{key_text}'")
                } else {
                    format!("unknown modifier '{part}' in '{key_text}'")
                };
                report.error(Code::UnknownModifier, key_span, message);
            }
        }
    }
    if field_name.is_empty() && modifiers.is_empty() && modifiers_ok {
        report.error(
            Code::InvalidValue,
            key_span,
            "empty field name (use a keyword list to search the whole event)",
        );
        return None;
    }
    let values = load_values(report, key_text, &entry.value)?;
    modifiers_ok.then(|| FieldMatcher {
        field: (!field_name.is_empty()).then(|| field_name.to_owned()),
        span: key_span,
        modifiers,
        values,
    })
}

/// A value or a list of values; nested lists and mappings are errors.
fn load_values(
    report: &mut Reporter<'_>,
    key_text: &str,
    node: &Node,
) -> Option<Vec<Spanned<Value>>> {
    let items: Vec<&Node> = match &node.kind {
        NodeKind::Sequence(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut values = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match to_value(item) {
            Some(value) => values.push(Spanned::new(value, item.span)),
            None => {
                ok = false;
                report.error(
                    Code::WrongType,
                    item.span,
                    format!(
                        "the value of '{key_text}' must be a value or a list of values, found {}",
                        item.type_name()
                    ),
                );
            }
        }
    }
    ok.then_some(values)
}

/// A scalar as a detection value; `None` for lists and mappings.
fn to_value(node: &Node) -> Option<Value> {
    let scalar = node.as_scalar()?;
    Some(match scalar.value {
        ScalarValue::Null => Value::Null,
        ScalarValue::Bool(b) => Value::Bool(b),
        ScalarValue::Int(i) => Value::Int(i),
        ScalarValue::Float(f) => Value::Float(f),
        ScalarValue::Str => Value::Str(scalar.text.clone()),
    })
}
