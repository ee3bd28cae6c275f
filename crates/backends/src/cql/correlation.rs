//! Sigma correlations in LogScale: refused by default, a fixed-bucket
//! approximation with `--approximate`.
//!
//! Why not exact: LogScale's aggregations over time are fixed buckets
//! (`bucket()`, `timeChart()`, `window()` over buckets). Its one sliding
//! form, `slidingTimeWindow()` (1.174), is a sequence function: it runs
//! over events that an aggregate such as `sort()` or `groupBy()` has put
//! in order, and those keep at most their row and group limits, so a
//! query over more matches than the limits would drop some without
//! saying so. The engine's meaning (per group, each match's trailing
//! window) is therefore not stated, and [`super::bucketed`] refuses
//! unless the user accepted the approximation.
//!
//! The approximation, with a header line saying it is one:
//!
//! ```text
//! // <title>
//! // id: … | level: … | correlation: event_count | rules: …
//! // alert when: events gte 100 within 10m
//! // fixed-bucket approximation: 10m buckets aligned to the epoch, …
//! case {
//!   // <rule title>
//!   <selector>
//!   | <condition>
//!   | _rule := "<rule id>" ;
//!   …
//! }
//! | _bucket := @timestamp - (@timestamp % 600000)
//! | groupBy([_bucket, <group fields>], function=[count(as=_count)], limit=max)
//! | test(_count >= 100)
//! ```
//!
//! Each rule is one `case` clause (the pack's form), so its selector and
//! condition apply to its events only; `_rule` names the rule, which
//! `temporal` counts (an event matching two rules takes the first clause,
//! so it counts for that rule only; the header says so). Group-by and value fields must be one Falcon field in
//! every rule, with the Sigma field's values or a one-to-one spelling of
//! them (NT device paths, the rebuilt registry path); a base name or a
//! connection end that depends on the direction would merge or split
//! groups, and is refused.

use crate::RuleInput;
use crate::common::one_line;
use crate::correlation::CorrelationInput;
use crate::model::FieldKind;
use crate::refusal::{Construct, Refusal};

use super::RuleQuery;
use super::literal::label;
use super::model::{FieldSemantics, directional, semantics_of};
use crate::common::bucketed::{self, Bucketed, Measure, TargetWords};

const WORDS: TargetWords = TargetWords {
    name: "LogScale",
    windows: "fixed time buckets (bucket(), window(), or a groupBy over a bucket key)",
    native: "slidingTimeWindow() runs over a sequence that sort() or groupBy() must order first, and those keep at most their row and group limits",
};

/// Render one correlation as the approximation, or refuse it.
pub(super) fn render(input: &CorrelationInput<'_>) -> Result<String, Refusal> {
    let plan = bucketed::plan(input, &WORDS)?;
    let queries = plan
        .rules
        .iter()
        .map(|rule| RuleQuery::new(rule))
        .collect::<Result<Vec<_>, _>>()?;
    let field_in =
        |index: usize, rule: &RuleInput<'_>, name: &str| falcon_field(&queries[index], rule, name);
    let mut keys = vec!["_bucket".to_owned()];
    for name in &input.correlation.group_by {
        keys.push(plan.shared_field(name, field_in)?.to_owned());
    }
    let value = |name: &str, numeric: bool| -> Result<&'static str, Refusal> {
        let field = plan.shared_field(name, field_in)?;
        if numeric && !numeric_field(&queries, field) {
            return Err(Refusal::new(
                Construct::Number,
                format!(
                    "'{}' correlation '{}': '{field}' is not a numeric Falcon field",
                    input.kind().as_str(),
                    input.label()
                ),
            ));
        }
        Ok(field)
    };
    let (aggregate, figure) = match plan.measure {
        Measure::Events => ("count(as=_count)".to_owned(), "_count"),
        Measure::DistinctValues(name) => (
            format!(
                "count({}, distinct=true, as=_value_count)",
                value(name, false)?
            ),
            "_value_count",
        ),
        Measure::Sum(name) => (
            format!("sum({}, as=_value_sum)", value(name, true)?),
            "_value_sum",
        ),
        Measure::Mean(name) => (
            format!("avg({}, as=_value_avg)", value(name, true)?),
            "_value_avg",
        ),
        Measure::DistinctRules => (
            "count(_rule, distinct=true, as=_rule_count)".to_owned(),
            "_rule_count",
        ),
    };
    let span_ms = input.correlation.timespan_secs.saturating_mul(1000);
    let mut out = header(&plan);
    out.push_str("case {\n");
    let clauses: Vec<String> = plan
        .rules
        .iter()
        .zip(&queries)
        .map(|(rule, query)| {
            format!(
                "  // {}\n  {}\n  | {}\n  | _rule := {}",
                one_line(rule.title()).trim(),
                query.scope.selector.replace('\n', "\n  "),
                query.condition,
                label(rule.label())
            )
        })
        .collect();
    out.push_str(&clauses.join(" ;\n"));
    out.push_str("\n}\n");
    out.push_str(&format!(
        "| _bucket := @timestamp - (@timestamp % {span_ms})\n"
    ));
    out.push_str(&format!(
        "| groupBy([{}], function=[{aggregate}], limit=max)\n",
        keys.join(", ")
    ));
    for (op, threshold) in &plan.comparisons {
        out.push_str(&format!(
            "| test({figure} {} {threshold})\n",
            crate::common::comparison_operator(*op, true)
        ));
    }
    Ok(out)
}

/// The Falcon field a Sigma field name means in one rule's events, when
/// its values group the way the Sigma field's do.
fn falcon_field(
    query: &RuleQuery,
    rule: &RuleInput<'_>,
    name: &str,
) -> Result<&'static str, Refusal> {
    let scope = query.scope;
    let refuse = |why: &str| {
        Refusal::new(
            Construct::Field,
            format!(
                "field '{name}' of rule '{}' in Falcon {}: {why}",
                rule.label(),
                scope.name
            ),
        )
    };
    if directional(scope, name).is_some() {
        return Err(refuse(
            "its Falcon field depends on the connection's direction, so it cannot group",
        ));
    }
    let field = scope.field(name)?;
    match semantics_of(scope, field.target) {
        FieldSemantics::Plain | FieldSemantics::NtDevicePath | FieldSemantics::RegistryPath => {
            Ok(field.target)
        }
        _ => Err(refuse(&format!(
            "'{}' does not hold the Sigma field's values one to one",
            field.target
        ))),
    }
}

fn numeric_field(queries: &[RuleQuery], target: &str) -> bool {
    queries.iter().all(|query| {
        query
            .scope
            .fields
            .iter()
            .filter(|f| f.target == target)
            .all(|f| f.kind == FieldKind::Int)
    })
}

/// The correlation's facts and the approximation's disclaimer, as `//`
/// lines (one line each: nothing in them can end a comment).
fn header(plan: &Bucketed<'_, '_>) -> String {
    let input = plan.input;
    let correlation = input.correlation;
    let mut facts = plan.facts();
    facts.push(plan.rules_fact());
    if !correlation.group_by.is_empty() {
        facts.push(format!("group-by: {}", correlation.group_by.join(", ")));
    }
    let mut disclaimer = plan.disclaimer(&format!(
        "{} buckets aligned to the epoch (groupBy over _bucket)",
        correlation.timespan_text.value
    ));
    if plan.measure == Measure::DistinctRules {
        disclaimer.push_str("; an event matching several rules counts for the first (case)");
    }
    let lines = [
        input.title().to_owned(),
        facts.join(" | "),
        format!("alert when: {}", input.condition_text()),
        disclaimer,
    ];
    lines
        .iter()
        .map(|line| format!("// {}\n", one_line(line).trim()))
        .collect()
}
