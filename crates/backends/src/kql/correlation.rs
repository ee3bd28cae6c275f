//! Correlation rules as one KQL query with an exact trailing window.
//!
//! Each referenced rule's query (as the rule export renders it) becomes
//! one leg of a `union` that keeps, per match, its time, the reference of
//! the rule it matched, its group-by values (through the correlation's
//! aliases) and the aggregated value. Then every distinct (group, time)
//! is a window end, joined back to the matches of its group, and the
//! matches inside `[end - timespan, end]` are aggregated:
//!
//! ```text
//! tunnelhunt_matches
//! | summarize by tunnelhunt_group_0, tunnelhunt_window_end = tunnelhunt_time
//! | join kind=inner (tunnelhunt_matches) on tunnelhunt_group_0
//! | where tunnelhunt_time between ((tunnelhunt_window_end - 3600s) .. tunnelhunt_window_end)
//! | summarize tunnelhunt_figure = count_distinctif(…) by tunnelhunt_group_0, tunnelhunt_window_end
//! | where tunnelhunt_figure > 3
//! ```
//!
//! Why a self-join rather than `row_window_session` or `scan`: the join
//! states the engine's definition literally (every match's trailing
//! window, both ends inclusive — `between` is inclusive) and binds with
//! every aggregation Kusto has, while `row_window_session` builds
//! sessions (windows that restart, not slide) and `scan` carries one
//! state per partial match without an aggregate over a window. Two
//! matches of a group at the same time have the same window, so one
//! window end per distinct time is enough. The cost is quadratic in the
//! matches of a group within a timespan, which is what a hunt over the
//! base rules' matches can afford.
//!
//! Aggregations are Kusto's exact ones: `count()`, `count_distinctif`
//! (not `dcount`, a HyperLogLog estimate), `sum`, `avg`; the median and
//! the nearest-rank percentile are read off the sorted list of the
//! window's values (`make_list_if`, at most 1,048,576 values per window),
//! not `percentile()`, a T-Digest estimate. Absent and empty values are
//! alike in Kusto (`tostring(null)` is `""`): an absent group-by value is
//! the empty group, an absent aggregated value is not counted.
//! `temporal_ordered` and chained correlations are refused.

use tunnelhunt_sigma::ast::CorrelationKind;

use super::model::{KqlModel, Source};
use super::{literal, query};
use crate::common::one_line;
use crate::correlation::{CorrelationInput, Figure};
use crate::refusal::{Construct, Refusal};

const TARGET: &str = "kql";

pub(super) fn render(
    model: &KqlModel,
    correlation: &CorrelationInput<'_>,
) -> Result<String, Refusal> {
    if correlation.kind() == CorrelationKind::TemporalOrdered {
        return Err(correlation.refuse(
            TARGET,
            "a window aggregate in Kusto has no order between its matches",
        ));
    }
    let figure = correlation.figure();
    if figure == Figure::ShareWithValue {
        return Err(share_refusal(correlation));
    }
    let group_by = &correlation.correlation.group_by;
    let mut legs = Vec::new();
    for (index, rule) in correlation.base_rules(TARGET)?.into_iter().enumerate() {
        let rule_query = query(model, rule)?;
        let source = rule_query.source;
        let mut columns = vec![
            format!("tunnelhunt_time = {}", time_column(source)?),
            format!(
                "tunnelhunt_rule = {}",
                literal::string(correlation.reference(index))
            ),
        ];
        if group_by.is_empty() {
            columns.push("tunnelhunt_all = true".to_owned());
        }
        for (position, name) in group_by.iter().enumerate() {
            let column = column_of(source, correlation.field_in(index, name))?;
            columns.push(format!("{} = tostring({column})", group_column(position)));
        }
        if correlation.kind().needs_field() {
            let column = column_of(
                source,
                correlation.field_in(index, correlation.condition_field()),
            )?;
            let typed = match figure {
                Figure::DistinctValues => format!("tostring({column})"),
                _ => format!("todouble({column})"),
            };
            columns.push(format!("tunnelhunt_value = {typed}"));
        }
        // Each leg is labelled with the reference the correlation uses
        // (the comment for a reader, `tunnelhunt_rule` for the query).
        let mut leg = format!(
            "    // {}\n    (",
            one_line(&format!(
                "{}: {}",
                correlation.reference(index),
                rule.title()
            ))
        );
        for (number, line) in rule_query.text.lines().enumerate() {
            if number > 0 {
                leg.push_str("\n    ");
            }
            leg.push_str(line);
        }
        leg.push_str(&format!("\n    | project {})", columns.join(", ")));
        legs.push(leg);
    }

    let keys: Vec<String> = if group_by.is_empty() {
        vec!["tunnelhunt_all".to_owned()]
    } else {
        (0..group_by.len()).map(group_column).collect()
    };
    let keys = keys.join(", ");
    let mut lines: Vec<String> = correlation
        .header_lines()
        .iter()
        .map(|line| format!("// {line}"))
        .collect();
    lines.push(format!("// Data: {}", model.name));
    lines.push(format!(
        "let tunnelhunt_matches = union\n{};",
        legs.join(",\n")
    ));
    lines.push("tunnelhunt_matches".to_owned());
    lines.push(format!(
        "| summarize by {keys}, tunnelhunt_window_end = tunnelhunt_time"
    ));
    lines.push(format!("| join kind=inner (tunnelhunt_matches) on {keys}"));
    lines.push(format!(
        "| where tunnelhunt_time between ((tunnelhunt_window_end - {}s) .. tunnelhunt_window_end)",
        correlation.correlation.timespan_secs
    ));
    let by = format!("by {keys}, tunnelhunt_window_end");
    match figure {
        Figure::Count => lines.push(format!("| summarize tunnelhunt_figure = count() {by}")),
        Figure::DistinctValues => lines.push(format!(
            "| summarize tunnelhunt_figure = count_distinctif(tunnelhunt_value, isnotempty(tunnelhunt_value)) {by}"
        )),
        Figure::DistinctRules => lines.push(format!(
            "| summarize tunnelhunt_figure = count_distinct(tunnelhunt_rule) {by}"
        )),
        Figure::Sum => lines.push(format!(
            "| summarize tunnelhunt_figure = sum(tunnelhunt_value), tunnelhunt_values = countif(isnotnull(tunnelhunt_value)) {by}\n| where tunnelhunt_values > 0"
        )),
        Figure::Mean => lines.push(format!(
            "| summarize tunnelhunt_figure = avg(tunnelhunt_value) {by}\n| where isnotnull(tunnelhunt_figure)"
        )),
        Figure::ShareWithValue => return Err(share_refusal(correlation)),
        Figure::Median | Figure::Percentile(_) => {
            lines.push(format!(
                "| summarize tunnelhunt_sorted = array_sort_asc(make_list_if(tunnelhunt_value, isnotnull(tunnelhunt_value))) {by}"
            ));
            lines.push("| extend tunnelhunt_count = array_length(tunnelhunt_sorted)".to_owned());
            lines.push("| where tunnelhunt_count > 0".to_owned());
            lines.push(match figure {
                // Nearest rank, as the engine: the median is rank 50.
                Figure::Percentile(p) => format!(
                    "| extend tunnelhunt_figure = todouble(tunnelhunt_sorted[max_of(tolong(ceiling({p} * tunnelhunt_count / 100.0)), 1) - 1])"
                ),
                _ => "| extend tunnelhunt_figure = todouble(tunnelhunt_sorted[max_of(tolong(ceiling(50 * tunnelhunt_count / 100.0)), 1) - 1])".to_owned(),
            });
        }
    }
    let tests: Vec<String> = correlation
        .comparisons()
        .iter()
        .map(|(op, threshold)| {
            format!(
                "tunnelhunt_figure {} {threshold}",
                crate::common::comparison_operator(*op, true)
            )
        })
        .collect();
    lines.push(format!("| where {}", tests.join(" and ")));
    lines.push(format!(
        "| project {keys}, tunnelhunt_window_end, tunnelhunt_figure"
    ));
    Ok(lines.join("\n"))
}

/// The time column of a source's table: Defender XDR tables call it
/// `Timestamp` (in Advanced Hunting and in Sentinel, where they are
/// streamed as they are), Log Analytics' Windows event tables
/// `TimeGenerated`.
fn time_column(source: &Source) -> Result<&'static str, Refusal> {
    let table = source
        .scope
        .selector
        .split_whitespace()
        .next()
        .unwrap_or_default();
    match table {
        "SecurityEvent" | "Event" => Ok("TimeGenerated"),
        device if device.starts_with("Device") => Ok("Timestamp"),
        other => Err(Refusal::new(
            Construct::Correlation,
            format!("no time column is known for the table '{other}'"),
        )),
    }
}

/// A Sigma field as a column expression of the source: the stored column,
/// or the expression a computed one is extended from.
fn column_of(source: &Source, sigma_field: &str) -> Result<String, Refusal> {
    let field = source.scope.field(sigma_field)?;
    Ok(source
        .computed(field)
        .unwrap_or_else(|| field.target.to_owned()))
}

/// The specification's share form of `value_percentile` is a per-value
/// aggregate (some value's share of the window must satisfy the
/// condition), which the window join does not state.
fn share_refusal(correlation: &CorrelationInput<'_>) -> Refusal {
    correlation.refuse(
        TARGET,
        "the share of the window's matches carrying each value, with the condition on some \
         value's share, is a per-value aggregate the window join does not state",
    )
}

fn group_column(position: usize) -> String {
    format!("tunnelhunt_group_{position}")
}
