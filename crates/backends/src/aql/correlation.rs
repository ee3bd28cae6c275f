//! Sigma correlations in QRadar AQL: refused by default, an approximation
//! over one fixed interval with `--approximate`.
//!
//! An AQL search aggregates over its time clause: `LAST 10 MINUTES` is one
//! interval, ending when the search runs. `GROUP BY … HAVING` states the
//! condition on that interval; no clause slides a window over the events,
//! so the engine's meaning (per group, each match's trailing window) is not
//! stated by one search. QRadar states it in its rule engine instead — a
//! rule test "when at least N events are seen with the same <properties>
//! in T minutes" — which is not a query; the refusal names it.
//!
//! The approximation ([`crate::common::bucketed`]), scheduled every timespan,
//! checks consecutive fixed intervals:
//!
//! ```text
//! SELECT "Process Path", COUNT(*) AS correlation_figure
//! FROM events
//! /* title, facts, alert when, fixed-bucket approximation: … */
//! WHERE (<rule 1 selector> AND (<condition>)) OR (…)
//! GROUP BY "Process Path"
//! HAVING COUNT(*) >= 100
//! LAST 10 MINUTES
//! ```
//!
//! `temporal` is refused even then (counting which rules matched would
//! need a per-rule label inside an aggregate, which this backend has not
//! verified in AQL), and so is a correlation without `group-by` (`HAVING`
//! filters groups).

use crate::RuleInput;
use crate::common::bucketed::{self, Bucketed, Measure, TargetWords};
use crate::correlation::CorrelationInput;
use crate::model::{FieldKind, Scope};
use crate::refusal::{Construct, Refusal};

use super::{DATA_MODEL, condition, render};

const WORDS: TargetWords = TargetWords {
    name: "QRadar AQL",
    windows: "one fixed interval per search (LAST n MINUTES)",
    native: "QRadar's rule engine states it natively, as a rule test 'when at least N events are seen with the same properties in T minutes'",
};

/// The approximation, or the refusal.
pub(super) fn render(input: &CorrelationInput<'_>) -> Result<String, Refusal> {
    let plan = bucketed::plan(input, &WORDS)?;
    let refuse = |why: &str| {
        Refusal::new(
            Construct::Correlation,
            format!(
                "'{}' correlation '{}' is not rendered for QRadar AQL: {why}",
                input.kind().as_str(),
                input.label()
            ),
        )
    };
    if input.correlation.group_by.is_empty() {
        return Err(refuse(
            "it has no group-by, and the approximation's HAVING filters groups",
        ));
    }
    let interval = interval(input.correlation.timespan_secs).ok_or_else(|| {
        refuse(&format!(
            "timespan '{}' is not whole minutes, the unit of an AQL time clause here",
            input.correlation.timespan_text.value
        ))
    })?;
    let mut scopes: Vec<&'static Scope> = Vec::with_capacity(plan.rules.len());
    let mut conditions = Vec::with_capacity(plan.rules.len());
    for rule in &plan.rules {
        let scope = DATA_MODEL.scope_for(&rule.rule.logsource)?;
        conditions.push(format!(
            "{} AND ({})",
            scope.selector,
            condition(rule, scope)?
        ));
        scopes.push(scope);
    }
    let property = |name: &str, numeric: bool| {
        plan.shared_field(name, |index, _: &RuleInput<'_>, field| {
            let mapped = scopes[index].field(field)?;
            if numeric && mapped.kind != FieldKind::Int {
                return Err(Refusal::new(
                    Construct::Number,
                    format!(
                        "'{}' correlation '{}': {} is not a numeric property",
                        input.kind().as_str(),
                        input.label(),
                        mapped.target
                    ),
                ));
            }
            Ok(mapped.target)
        })
    };
    let keys = input
        .correlation
        .group_by
        .iter()
        .map(|name| property(name, false))
        .collect::<Result<Vec<_>, _>>()?;
    let aggregate = match plan.measure {
        Measure::Events => "COUNT(*)".to_owned(),
        Measure::DistinctValues(name) => format!("UNIQUECOUNT({})", property(name, false)?),
        Measure::Sum(name) => format!("SUM({})", property(name, true)?),
        Measure::Mean(name) => format!("AVG({})", property(name, true)?),
        Measure::DistinctRules => {
            return Err(refuse(
                "counting which rules matched needs a per-rule label inside an aggregate, not verified for AQL",
            ));
        }
    };
    let where_clause = match conditions.as_slice() {
        [only] => only.clone(),
        _ => conditions
            .iter()
            .map(|c| format!("({c})"))
            .collect::<Vec<_>>()
            .join(" OR "),
    };
    let having = plan
        .comparisons
        .iter()
        .map(|(op, threshold)| {
            format!(
                "{aggregate} {} {threshold}",
                crate::common::comparison_operator(*op, false)
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    let mut lines = vec![
        format!(
            "SELECT {}, {aggregate} AS correlation_figure",
            keys.join(", ")
        ),
        "FROM events".to_owned(),
    ];
    lines.extend(header(&plan, &interval));
    lines.push(format!("WHERE {where_clause}"));
    lines.push(format!("GROUP BY {}", keys.join(", ")));
    lines.push(format!("HAVING {having}"));
    lines.push(format!("LAST {interval}"));
    Ok(lines.join("\n"))
}

/// `10 MINUTES`, `2 HOURS`, `1 DAYS`: the timespan in the largest whole
/// unit, or `None` when it is not whole minutes.
fn interval(secs: u64) -> Option<String> {
    if secs == 0 || !secs.is_multiple_of(60) {
        None
    } else if secs.is_multiple_of(86_400) {
        Some(format!("{} DAYS", secs / 86_400))
    } else if secs.is_multiple_of(3600) {
        Some(format!("{} HOURS", secs / 3600))
    } else {
        Some(format!("{} MINUTES", secs / 60))
    }
}

/// The facts and the disclaimer as `/* … */` comment lines (IBM allows
/// comments only inside the query body, so they follow `FROM events`).
fn header(plan: &Bucketed<'_, '_>, interval: &str) -> Vec<String> {
    let input = plan.input;
    let correlation = input.correlation;
    let mut facts = plan.facts();
    facts.push(plan.rules_fact());
    facts.push(format!("group-by: {}", correlation.group_by.join(", ")));
    [
        input.title().to_owned(),
        facts.join(" | "),
        format!("alert when: {}", input.condition_text()),
        plan.disclaimer(&format!(
            "one interval, the LAST {interval} before the search runs (schedule it every {})",
            correlation.timespan_text.value
        )),
    ]
    .iter()
    .map(|line| render::comment(line))
    .collect()
}
