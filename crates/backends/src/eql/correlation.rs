//! `temporal_ordered` correlations as EQL sequences; every other kind
//! refused.
//!
//! ```text
//! sequence with maxspan=3600s
//!   [process where …] by user.name
//!   [network where …] by source.user.name
//! ```
//!
//! Why only `temporal_ordered`: a sequence is "these events, in this
//! order, joined on these fields, first to last within `maxspan`" — the
//! engine's definition of an ordered temporal correlation whose condition
//! is every referenced rule. Elasticsearch drops a partial sequence when
//! the next event is *more* than `maxspan` after its first one, so the
//! bound is inclusive, like the engine's `[t - timespan, t]` (the `eql`
//! reference engine does the same; the executed tests check both
//! edges). Each step keeps the latest partial match, so a sequence is
//! found whenever some window holds the rules in order. Matches at equal
//! times are ordered by Elasticsearch's sort (the timestamp, then the
//! tiebreaker field when one is configured) where the engine orders them
//! by input position.
//!
//! What EQL cannot state: counts, distinct counts and numeric figures
//! over a window (`with runs=N` repeats one step N times — N matches in
//! order, not a distinct count, which is pySigma's bug), unordered
//! `temporal` (`sample` has no time bound), and an ordered condition
//! other than "all rules". Chained correlations are refused: a sequence
//! is not an event another sequence can read.

use tunnelhunt_sigma::ast::CorrelationKind;

use super::render::join_field;
use super::{RuleQuery, scope_for};
use crate::correlation::CorrelationInput;
use crate::refusal::Refusal;

const TARGET: &str = "eql";

pub(super) fn render(correlation: &CorrelationInput<'_>) -> Result<String, Refusal> {
    match correlation.kind() {
        CorrelationKind::TemporalOrdered => {}
        CorrelationKind::Temporal => {
            return Err(correlation.refuse(
                TARGET,
                "a sequence fixes the order and `sample` has no time bound",
            ));
        }
        _ => {
            return Err(correlation.refuse(
                TARGET,
                "EQL has no aggregate over a time window (`with runs` repeats one step, \
                 it does not count distinct values)",
            ));
        }
    }
    if !correlation.requires_every_rule() {
        return Err(correlation.refuse(
            TARGET,
            "a sequence requires every step; the condition accepts fewer rules",
        ));
    }
    let rules = correlation.base_rules(TARGET)?;
    let group_by = &correlation.correlation.group_by;
    let mut steps = Vec::new();
    for (index, rule) in rules.into_iter().enumerate() {
        let query = RuleQuery::new(rule)?;
        let (ecs, _) = scope_for(&rule.rule.logsource)?;
        let joins = group_by
            .iter()
            .map(|name| join_field(correlation.field_in(index, name), ecs))
            .collect::<Result<Vec<_>, Refusal>>()?;
        let mut conditions = query.scope_conditions.clone();
        conditions.push(format!("({})", query.condition));
        let mut step = format!(
            "  [{} where {}]",
            query.event_category,
            conditions.join(" and ")
        );
        if !joins.is_empty() {
            step.push_str(" by ");
            step.push_str(&joins.join(", "));
        }
        steps.push(step);
    }
    let mut out: String = correlation
        .header_lines()
        .iter()
        .map(|line| format!("// {line}\n"))
        .collect();
    for (index, rule) in correlation.sources.iter().enumerate() {
        out.push_str(&format!(
            "// step {}: {} ({})\n",
            index + 1,
            crate::common::one_line(correlation.reference(index)),
            crate::common::one_line(rule.label())
        ));
    }
    out.push_str(&format!(
        "sequence with maxspan={}s\n",
        correlation.correlation.timespan_secs
    ));
    out.push_str(&steps.join("\n"));
    out.push('\n');
    Ok(out)
}
