//! The `correlation:` section of a correlation rule.
//!
//! Correlations aggregate the matches of other rules (`event_count`,
//! `value_count`) or require several of them close together in time
//! (`temporal`, `temporal_ordered`). Everything the specification makes
//! mandatory is checked here, in the document alone: the kind, at least one
//! rule (two for the temporal kinds), a valid `timespan`, a `condition` for
//! the counting kinds and its `field` for `value_count`. Whether the rules
//! named in `rules` exist is a question about the whole collection, answered
//! by [`crate::collection::RuleCollection::finish`].

use crate::ast::{
    Correlation, CorrelationCondition, CorrelationKind, CountOp, FieldAlias, Metadata, Origin,
    Spanned, Threshold,
};
use crate::diag::Code;
use crate::span::Span;
use crate::yaml::{Node, NodeKind, ScalarValue};

use super::report::Reporter;

/// Read a correlation rule. `top_level_generate` is a `generate:` written
/// beside `correlation:` rather than inside it (the JSON schema puts it
/// there; pySigma reads it inside). Returns `None` when a mandatory part is
/// missing or unusable; the reason has been reported.
pub(super) fn load_correlation(
    report: &mut Reporter<'_>,
    section: &Node,
    top_level_generate: Option<&Node>,
    meta: Metadata,
    origin: Origin,
) -> Option<Correlation> {
    let Some(entries) = section.as_mapping() else {
        report.error(
            Code::WrongType,
            section.span,
            format!(
                "'correlation' must be a mapping, found {}",
                section.type_name()
            ),
        );
        return None;
    };
    let mut kind = None;
    let mut rules = Vec::new();
    let mut group_by = Vec::new();
    let mut timespan = None;
    let mut condition_node = None;
    let mut aliases = Vec::new();
    let mut generate = top_level_generate.and_then(|node| report.boolean(node, "generate"));
    let mut seen = Vec::new();
    for entry in entries {
        let Some(key) = report.key(&entry.key) else {
            continue;
        };
        seen.push(key);
        let value = &entry.value;
        match key {
            "type" => kind = load_kind(report, value),
            "rules" => rules = report.spanned_string_or_list(value, "rules"),
            "group-by" => group_by = report.string_or_list(value, "group-by"),
            "timespan" => timespan = load_timespan(report, value),
            "condition" => condition_node = Some(value),
            "aliases" => aliases = load_aliases(report, value),
            "generate" => generate = report.boolean(value, "generate"),
            _ => report.warning(
                Code::Suspicious,
                entry.key.span,
                format!("'{key}' is not a correlation attribute; ignored"),
            ),
        }
    }
    for required in ["type", "rules", "timespan"] {
        if !seen.contains(&required) {
            report.error(
                Code::MissingAttribute,
                section.span,
                format!("correlation has no '{required}'"),
            );
        }
    }
    let kind = kind?;
    let condition = match condition_node {
        Some(node) => load_condition(report, node, kind),
        None => {
            if !kind.is_temporal() {
                report.error(
                    Code::MissingAttribute,
                    section.span,
                    format!("a {} correlation needs a 'condition'", kind.as_str()),
                );
            }
            None
        }
    };
    check_rules(report, section, kind, &rules);
    check_aliases(report, &aliases, &rules);
    let aliases = aliases.into_iter().map(|(alias, _)| alias).collect();
    let (timespan_secs, timespan_text) = timespan?;
    Some(Correlation {
        meta,
        kind,
        rules,
        group_by,
        timespan_secs,
        timespan_text,
        condition,
        aliases,
        generate: generate.unwrap_or(false),
        origin,
    })
}

fn load_kind(report: &mut Reporter<'_>, node: &Node) -> Option<CorrelationKind> {
    let text = report.string(node, "type")?;
    let kind = CorrelationKind::parse(&text);
    if kind.is_none() {
        let expected: Vec<&str> = CorrelationKind::ALL.iter().map(|k| k.as_str()).collect();
        report.error(
            Code::InvalidValue,
            node.span,
            format!(
                "unknown correlation type '{text}' (expected {})",
                expected.join(", ")
            ),
        );
    }
    kind
}

fn check_rules(
    report: &mut Reporter<'_>,
    section: &Node,
    kind: CorrelationKind,
    rules: &[Spanned<String>],
) {
    let temporal = kind.is_temporal();
    let span = section.get("rules").map_or(section.span, |node| node.span);
    if temporal && rules.len() < 2 {
        report.error(
            Code::InvalidValue,
            span,
            format!("a {} correlation needs at least two rules", kind.as_str()),
        );
    } else if rules.is_empty() && section.get("rules").is_some() {
        report.error(Code::InvalidValue, span, "'rules' is empty");
    }
    for (index, rule) in rules.iter().enumerate() {
        if rules[..index]
            .iter()
            .any(|earlier| earlier.value == rule.value)
        {
            report.warning(
                Code::Suspicious,
                rule.span,
                format!("rule '{}' is listed twice", rule.value),
            );
        }
    }
}

/// `timespan: 5m` → 300 seconds. The specification allows `s`, `m`, `h` and
/// `d`; `w` (pySigma accepts it) is unambiguous, so it is accepted too.
fn load_timespan(report: &mut Reporter<'_>, node: &Node) -> Option<(u64, Spanned<String>)> {
    let text = match node.as_scalar() {
        Some(scalar) => scalar.text.clone(),
        None => {
            report.string(node, "timespan");
            return None;
        }
    };
    match parse_timespan(&text) {
        Ok(seconds) => Some((seconds, Spanned::new(text, node.span))),
        Err(reason) => {
            report.error(
                Code::InvalidValue,
                node.span,
                format!("invalid timespan '{text}': {reason}"),
            );
            None
        }
    }
}

fn parse_timespan(text: &str) -> Result<u64, &'static str> {
    const EXPECTED: &str = "expected a number followed by s, m, h, d or w, e.g. 30s or 1h";
    let Some(unit) = text.chars().last() else {
        return Err(EXPECTED);
    };
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EXPECTED);
    }
    let scale: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return Err(EXPECTED),
    };
    let count: u64 = digits.parse().map_err(|_| "the number is too large")?;
    match count.checked_mul(scale) {
        Some(0) => Err("the timespan must be longer than zero"),
        Some(seconds) => Ok(seconds),
        None => Err("the number is too large"),
    }
}

fn load_condition(
    report: &mut Reporter<'_>,
    node: &Node,
    kind: CorrelationKind,
) -> Option<CorrelationCondition> {
    let Some(entries) = node.as_mapping() else {
        report.error(
            Code::WrongType,
            node.span,
            format!(
                "a correlation 'condition' must be a mapping such as {{gte: 10}}, found {}",
                node.type_name()
            ),
        );
        return None;
    };
    let mut condition = CorrelationCondition {
        field: None,
        comparisons: Vec::new(),
        percentile: None,
        span: node.span,
    };
    let mut ok = true;
    for entry in entries {
        let Some(key) = report.key(&entry.key) else {
            ok = false;
            continue;
        };
        match key {
            "field" => {
                condition.field = load_condition_field(report, &entry.value);
                ok &= condition.field.is_some();
            }
            "percentile" => {
                condition.percentile = load_percentile(report, &entry.value, kind);
                ok &= condition.percentile.is_some();
            }
            _ => match CountOp::parse(key) {
                Some(op) => match load_threshold(report, &entry.value, key, kind) {
                    Some(threshold) => condition.comparisons.push((op, threshold)),
                    None => ok = false,
                },
                None => {
                    ok = false;
                    report.error(
                        Code::InvalidValue,
                        entry.key.span,
                        format!(
                            "unknown correlation condition '{key}' \
                             (expected gt, gte, lt, lte, eq, neq, field or percentile)"
                        ),
                    );
                }
            },
        }
    }
    if condition.comparisons.is_empty() && ok {
        ok = false;
        report.error(
            Code::MissingAttribute,
            node.span,
            "the correlation condition has no comparison (gt, gte, lt, lte, eq or neq)",
        );
    }
    match (kind.needs_field(), &condition.field) {
        (true, None) if ok => {
            ok = false;
            report.error(
                Code::MissingAttribute,
                node.span,
                format!(
                    "a {} correlation needs 'field' in its condition",
                    kind.as_str()
                ),
            );
        }
        (true, _) | (false, None) => {}
        (false, Some(_)) => report.warning(
            Code::Suspicious,
            node.span,
            format!(
                "'field' names the aggregated field of the value_* types; ignored in a {} \
                 correlation",
                kind.as_str()
            ),
        ),
    }
    ok.then_some(condition)
}

/// A comparison's number: a whole count of zero or more, or for the
/// numeric kinds any finite number.
fn load_threshold(
    report: &mut Reporter<'_>,
    node: &Node,
    key: &str,
    kind: CorrelationKind,
) -> Option<Threshold> {
    let value = match node.as_scalar().map(|s| &s.value) {
        Some(ScalarValue::Int(count)) => *count as f64,
        Some(ScalarValue::Float(number)) if kind.is_numeric() && number.is_finite() => *number,
        _ => {
            let expected = if kind.is_numeric() {
                "a number"
            } else {
                "a whole number of zero or more"
            };
            report.error(
                Code::WrongType,
                node.span,
                format!("'{key}' must be {expected}, found {}", node.type_name()),
            );
            return None;
        }
    };
    if value < 0.0 && !kind.is_numeric() {
        report.error(
            Code::InvalidValue,
            node.span,
            format!("'{key}' is a count and must be zero or more"),
        );
        return None;
    }
    Some(Threshold(value))
}

/// `percentile: 95` — only meaningful for `value_percentile`, between 0 and
/// 100.
fn load_percentile(report: &mut Reporter<'_>, node: &Node, kind: CorrelationKind) -> Option<f64> {
    let value = match node.as_scalar().map(|s| &s.value) {
        Some(ScalarValue::Int(whole)) => *whole as f64,
        Some(ScalarValue::Float(number)) => *number,
        _ => {
            report.error(
                Code::WrongType,
                node.span,
                format!("'percentile' must be a number, found {}", node.type_name()),
            );
            return None;
        }
    };
    if !(0.0..=100.0).contains(&value) {
        report.error(
            Code::InvalidValue,
            node.span,
            "'percentile' must be between 0 and 100",
        );
        return None;
    }
    if kind != CorrelationKind::ValuePercentile {
        report.warning(
            Code::Suspicious,
            node.span,
            format!(
                "'percentile' is only used by value_percentile; ignored in a {} correlation",
                kind.as_str()
            ),
        );
    }
    Some(value)
}

/// `field: User` (a list with a single field is accepted too).
fn load_condition_field(report: &mut Reporter<'_>, node: &Node) -> Option<String> {
    if let NodeKind::Sequence(items) = &node.kind {
        if let [only] = items.as_slice() {
            return report.string(only, "field");
        }
        report.error(
            Code::InvalidValue,
            node.span,
            "counting the values of several fields at once is not supported; name one field",
        );
        return None;
    }
    report.string(node, "field")
}

/// Each alias with the position of each rule name in its mapping.
type SpannedAlias = (FieldAlias, Vec<Span>);

fn load_aliases(report: &mut Reporter<'_>, node: &Node) -> Vec<SpannedAlias> {
    let Some(entries) = node.as_mapping() else {
        report.error(
            Code::WrongType,
            node.span,
            format!(
                "'aliases' must map each alias to {{rule: field}}, found {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    let mut aliases = Vec::new();
    for entry in entries {
        let Some(alias) = report.key(&entry.key) else {
            continue;
        };
        let Some(mapping_entries) = entry.value.as_mapping() else {
            report.error(
                Code::WrongType,
                entry.value.span,
                format!(
                    "alias '{alias}' must map rule names to field names, found {}",
                    entry.value.type_name()
                ),
            );
            continue;
        };
        let mut mapping = Vec::new();
        let mut spans = Vec::new();
        for mapping_entry in mapping_entries {
            let Some(rule) = report.key(&mapping_entry.key) else {
                continue;
            };
            if let Some(field) = report.string(&mapping_entry.value, "aliases") {
                mapping.push((rule.to_owned(), field));
                spans.push(mapping_entry.key.span);
            }
        }
        aliases.push((
            FieldAlias {
                alias: alias.to_owned(),
                mapping,
            },
            spans,
        ));
    }
    aliases
}

fn check_aliases(report: &mut Reporter<'_>, aliases: &[SpannedAlias], rules: &[Spanned<String>]) {
    for (alias, spans) in aliases {
        for ((rule, _), span) in alias.mapping.iter().zip(spans) {
            if !rules.iter().any(|listed| &listed.value == rule) {
                report.warning(
                    Code::Suspicious,
                    *span,
                    format!(
                        "alias '{}' maps rule '{rule}', which is not in this correlation's 'rules'",
                        alias.alias
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_timespan;

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("30s"), Ok(30));
        assert_eq!(parse_timespan("5m"), Ok(300));
        assert_eq!(parse_timespan("1h"), Ok(3_600));
        assert_eq!(parse_timespan("2d"), Ok(172_800));
        assert_eq!(parse_timespan("1w"), Ok(604_800));
        for bad in [
            "",
            "m",
            "5",
            "5 m",
            "-5m",
            "5M",
            "1y",
            "0s",
            "1.5h",
            "99999999999999999999s",
            "５m",
        ] {
            assert!(parse_timespan(bad).is_err(), "{bad}");
        }
    }
}
