//! Correlation rules as one search with a trailing sliding window.
//!
//! Every referenced rule's events are selected by the base search of
//! their channels and flagged by an eval copy of the rule's condition,
//! as in the pack query; the group-by fields (per rule, through the
//! correlation's aliases) and the aggregated field become columns of
//! their own; then
//!
//! ```text
//! | sort 0 _time
//! | streamstats time_window=3600s dc(tunnelhunt_value) AS tunnelhunt_figure BY tunnelhunt_group_0
//! | where tunnelhunt_figure >= 10
//! ```
//!
//! Why `streamstats time_window`: it computes, at each event, the
//! aggregate over the events of its group within `time_window` before it
//! — the trailing window the engine checks — instead of the fixed
//! `bin _time` buckets pySigma emits, which miss a burst that straddles a
//! bucket edge. The events must be in time order, hence the `sort`.
//! An absent group-by value is the empty group (the engine groups absent
//! values together; `streamstats` would leave such events out). An event
//! two referenced rules match counts once in `event_count` (the engine
//! counts one match per rule) and once per rule in `temporal`.
//!
//! What is refused, and why: `temporal_ordered` (a window aggregate has
//! no order between its events), median and percentiles (Splunk documents
//! `median`/`perc` as approximations above a thousand values and does not
//! state how `exactperc` interpolates), the share-with-value form of
//! `value_percentile`, chained correlations (a streamstats result is not
//! an event another correlation's search can read), and the `cim` flavor
//! (`tstats` computes no per-event running aggregate).

use tunnelhunt_sigma::ast::CorrelationKind;

use super::eval::field_ref;
use super::literal::{comment, label_string};
use super::model::SplScope;
use super::pack::base_search;
use super::sysmon::{condition_eval, scope_for, selector_eval};
use crate::correlation::{CorrelationInput, Figure};
use crate::refusal::Refusal;

const TARGET: &str = "spl";

/// One referenced rule, ready to be flagged.
struct Branch<'s> {
    scope: &'static SplScope,
    condition: String,
    reference: &'s str,
}

pub(super) fn render(correlation: &CorrelationInput<'_>) -> Result<String, Refusal> {
    if correlation.kind() == CorrelationKind::TemporalOrdered {
        return Err(correlation.refuse(
            TARGET,
            "a streamstats window aggregates its events without their order",
        ));
    }
    let aggregation = match correlation.figure() {
        Figure::Count => "count".to_owned(),
        Figure::DistinctValues => "dc(tunnelhunt_value)".to_owned(),
        Figure::DistinctRules => "dc(tunnelhunt_rule)".to_owned(),
        Figure::Sum => "sum(tunnelhunt_value)".to_owned(),
        Figure::Mean => "avg(tunnelhunt_value)".to_owned(),
        Figure::Median | Figure::Percentile(_) => {
            return Err(correlation.refuse(
                TARGET,
                "Splunk's median and perc are approximations and exactperc's \
                 interpolation is not documented",
            ));
        }
        Figure::ShareWithValue => {
            return Err(correlation.refuse(
                TARGET,
                "the share of the window's matches carrying each value has no streamstats \
                 function",
            ));
        }
    };
    let rules = correlation.base_rules(TARGET)?;
    let branches = rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let scope = scope_for(rule)?;
            Ok(Branch {
                scope,
                condition: condition_eval(rule, scope)?,
                reference: correlation.reference(index),
            })
        })
        .collect::<Result<Vec<_>, Refusal>>()?;

    // Every column the correlation reads, mapped in every rule's scope.
    let mut columns: Vec<(String, String)> = correlation
        .correlation
        .group_by
        .iter()
        .enumerate()
        .map(|(position, name)| (group_column(position), name.clone()))
        .collect();
    if correlation.kind().needs_field() {
        columns.push((
            "tunnelhunt_value".to_owned(),
            correlation.condition_field().to_owned(),
        ));
    }
    let mut column_evals = Vec::new();
    for (column, name) in &columns {
        let mut arms = Vec::new();
        for (index, branch) in branches.iter().enumerate() {
            let field = branch
                .scope
                .scope
                .field(correlation.field_in(index, name))?;
            arms.push(format!("{}==1, {}", flag(index), field_ref(field.target)));
        }
        column_evals.push(if column.starts_with("tunnelhunt_group_") {
            // streamstats leaves an event without a BY value out of every
            // group; the engine groups absent values together.
            format!("| eval {column}=coalesce(case({}), \"\")", arms.join(", "))
        } else {
            format!("| eval {column}=case({})", arms.join(", "))
        });
    }

    let mut lines: Vec<String> = correlation
        .header_lines()
        .iter()
        .map(|line| comment(line))
        .collect();
    lines.push(base_search(branches.iter().map(|b| b.scope)));
    for (index, branch) in branches.iter().enumerate() {
        lines.push(format!(
            "| eval {}=if(({}) AND ({}), 1, 0)",
            flag(index),
            selector_eval(branch.scope),
            branch.condition
        ));
    }
    let any: Vec<String> = (0..branches.len())
        .map(|index| format!("{}==1", flag(index)))
        .collect();
    lines.push(format!("| where {}", any.join(" OR ")));
    // An event two rules match is a match of each: the label column holds
    // both, so dc() counts both rules.
    let labels: Vec<String> = branches
        .iter()
        .enumerate()
        .map(|(index, branch)| {
            format!(
                "if({}==1, {}, null())",
                flag(index),
                label_string(branch.reference)
            )
        })
        .collect();
    lines.push(format!(
        "| eval tunnelhunt_rule=mvappend({})",
        labels.join(", ")
    ));
    lines.extend(column_evals);
    lines.push("| sort 0 _time".to_owned());
    let by = if correlation.correlation.group_by.is_empty() {
        String::new()
    } else {
        let groups: Vec<String> = (0..correlation.correlation.group_by.len())
            .map(group_column)
            .collect();
        format!(" BY {}", groups.join(" "))
    };
    lines.push(format!(
        "| streamstats time_window={}s {aggregation} AS tunnelhunt_figure{by}",
        correlation.correlation.timespan_secs
    ));
    let tests: Vec<String> = correlation
        .comparisons()
        .iter()
        .map(|(op, threshold)| {
            format!(
                "tunnelhunt_figure{}{threshold}",
                crate::common::comparison_operator(*op, true)
            )
        })
        .collect();
    lines.push(format!("| where {}", tests.join(" AND ")));
    Ok(lines.join("\n"))
}

fn flag(index: usize) -> String {
    format!("tunnelhunt_rule_{index:03}")
}

fn group_column(position: usize) -> String {
    format!("tunnelhunt_group_{position}")
}
