//! Sigma correlations in Sumo Logic.
//!
//! * **Cloud SIEM (default flavor): refused.** A rule expression matches
//!   one record. Cloud SIEM's own multi-record rules — Threshold ("matched
//!   at least n times within" a duration, optionally counting distinct
//!   values, grouped by fields) and Chain (several expressions, optionally
//!   ordered, within a duration) — are the native form, but Sumo documents
//!   their window as records evaluated "across overlapping time spans"
//!   whose size and overlap Cloud SIEM chooses, they only say "at least",
//!   and they need an entity field the Sigma rule does not name. That is
//!   neither the engine's sliding window nor a fixed bucket we can state,
//!   so even `--approximate` is refused there and points to the `search`
//!   flavor.
//! * **`search`: refused by default, a fixed-bucket approximation with
//!   `--approximate`** ([`crate::common::bucketed`]): Sumo's log search
//!   buckets time with `timeslice`, fixed buckets. With a header line
//!   saying so:
//!
//! ```text
//! // <title>, facts, alert when, the disclaimer, r1 = <rule id>, …
//! _sourceCategory=windows/sysmon
//! | json field=_raw "…" as … nodrop        (every field any rule uses)
//! | if(<rule 1, guarded>, "r1", if(<rule 2, guarded>, "r2", "")) as _rule
//! | where !isEmpty(_rule)
//! | timeslice 10m
//! | count by _timeslice, Image
//! | where _count >= 100
//! ```
//!
//! Rules are labelled `r1`, `r2`… (listed in the header) so no title or id
//! has to be escaped in a string; an event matching two rules is labelled
//! with the first, so `temporal` counts it for that one only. Sumo's
//! `count_distinct` is an estimate on large sets, which the header of a
//! `value_count` says.

use crate::RuleInput;
use crate::common::bucketed::{self, Bucketed, Measure, TargetWords};
use crate::common::one_line;
use crate::correlation::CorrelationInput;
use crate::model::FieldKind;
use crate::refusal::{Construct, Refusal};

use super::model::{search_alias, search_source};
use super::render::{Form, condition};
use super::search::{push_extractions, used_paths};

const WORDS: TargetWords = TargetWords {
    name: "Sumo Logic",
    windows: "fixed time buckets (timeslice)",
    native: "Cloud SIEM Threshold and Chain rules evaluate overlapping time spans Cloud SIEM chooses",
};

/// The Cloud SIEM flavor's answer to every correlation.
pub(super) fn refuse_cse(input: &CorrelationInput<'_>) -> Refusal {
    Refusal::new(
        Construct::Correlation,
        format!(
            "'{}' correlation '{}' is not rendered as a Cloud SIEM rule: Threshold and Chain rules evaluate records across overlapping time spans Cloud SIEM chooses and need an entity field, which is neither the rule's sliding window nor a fixed bucket; export the search flavor with --approximate for a fixed-bucket approximation",
            input.kind().as_str(),
            input.label()
        ),
    )
}

/// The log-search approximation, or the refusal.
pub(super) fn render_search(input: &CorrelationInput<'_>) -> Result<String, Refusal> {
    let plan = bucketed::plan(input, &WORDS)?;
    let mut scopes = Vec::with_capacity(plan.rules.len());
    let mut guarded = Vec::with_capacity(plan.rules.len());
    let mut paths = Vec::new();
    let mut sources: Vec<&str> = Vec::new();
    for rule in &plan.rules {
        let (scope, text) = condition(Form::Search, rule)?;
        used_paths(scope, rule.expr, &mut paths);
        let source = search_source(scope);
        if !sources.contains(&source) {
            sources.push(source);
        }
        guarded.push(format!("({} and ({text}))", scope.selector));
        scopes.push(scope);
    }
    // The JSON path a correlation field means in a rule, and its alias.
    let mut field_of = |name: &str, numeric: bool| -> Result<&'static str, Refusal> {
        let path = plan.shared_field(name, |index, _: &RuleInput<'_>, field| {
            let mapped = scopes[index].field(field)?;
            if numeric && mapped.kind != FieldKind::Int {
                return Err(Refusal::new(
                    Construct::Number,
                    format!(
                        "'{}' correlation '{}': '{}' is not a numeric field",
                        input.kind().as_str(),
                        input.label(),
                        mapped.target
                    ),
                ));
            }
            Ok(mapped.target)
        })?;
        if !paths.contains(&path) {
            paths.push(path);
        }
        Ok(search_alias(path))
    };
    let mut keys = vec!["_timeslice"];
    for name in &input.correlation.group_by {
        keys.push(field_of(name, false)?);
    }
    let (value, aggregate, figure) = match plan.measure {
        Measure::Events => (None, "count".to_owned(), "_count"),
        Measure::DistinctValues(name) => (
            None,
            format!("count_distinct({}) as _value_count", field_of(name, false)?),
            "_value_count",
        ),
        Measure::Sum(name) => (
            Some(field_of(name, true)?),
            "sum(_value) as _value_sum".to_owned(),
            "_value_sum",
        ),
        Measure::Mean(name) => (
            Some(field_of(name, true)?),
            "avg(_value) as _value_avg".to_owned(),
            "_value_avg",
        ),
        Measure::DistinctRules => (
            None,
            "count_distinct(_rule) as _rule_count".to_owned(),
            "_rule_count",
        ),
    };
    let mut out = header(&plan);
    if let [source] = sources.as_slice() {
        out.push_str(source);
    } else {
        out.push_str(&format!("({})", sources.join(" OR ")));
    }
    out.push('\n');
    push_extractions(&mut out, &paths);
    let mut label = String::from("\"\"");
    for (index, condition) in guarded.iter().enumerate().rev() {
        label = format!("if({condition}, \"r{}\", {label})", index + 1);
    }
    out.push_str(&format!("| {label} as _rule\n| where !isEmpty(_rule)\n"));
    if let Some(alias) = value {
        out.push_str(&format!("| num({alias}) as _value\n"));
    }
    out.push_str(&format!(
        "| timeslice {}\n| {aggregate} by {}\n",
        slice(input.correlation.timespan_secs),
        keys.join(", ")
    ));
    let comparisons: Vec<String> = plan
        .comparisons
        .iter()
        .map(|(op, threshold)| {
            format!(
                "{figure} {} {threshold}",
                crate::common::comparison_operator(*op, false)
            )
        })
        .collect();
    out.push_str(&format!("| where {}\n", comparisons.join(" and ")));
    Ok(out)
}

/// The timespan in the largest whole unit `timeslice` takes.
fn slice(secs: u64) -> String {
    if secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// `//` lines: the correlation's facts, the disclaimer, the rule labels.
fn header(plan: &Bucketed<'_, '_>) -> String {
    let input = plan.input;
    let correlation = input.correlation;
    let mut facts = plan.facts();
    if !correlation.group_by.is_empty() {
        facts.push(format!("group-by: {}", correlation.group_by.join(", ")));
    }
    let mut disclaimer = plan.disclaimer(&format!(
        "timeslice {} buckets",
        slice(correlation.timespan_secs)
    ));
    match plan.measure {
        Measure::DistinctValues(_) => {
            disclaimer.push_str("; count_distinct is Sumo's estimate on large sets");
        }
        Measure::DistinctRules => {
            disclaimer.push_str("; an event matching several rules counts for the first");
        }
        _ => {}
    }
    let mut lines = vec![
        input.title().to_owned(),
        facts.join(" | "),
        format!("alert when: {}", input.condition_text()),
        disclaimer,
    ];
    lines.extend(
        plan.rules
            .iter()
            .enumerate()
            .map(|(index, rule)| format!("r{} = {}", index + 1, rule.label())),
    );
    lines
        .iter()
        .map(|line| format!("// {}\n", one_line(line).trim()))
        .collect()
}
