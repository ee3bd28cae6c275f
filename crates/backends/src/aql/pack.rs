//! The whole pack as one AQL search.
//!
//! AQL has no UNION, so the pack is one `SELECT` over `events` whose WHERE
//! is the OR of every rule's (event filter AND condition), with two
//! columns computed by searched `CASE` expressions: `DetectionBranch` and
//! `RuleId`. `CASE` returns the *first* matching branch in pack order, so
//! an event that fits two rules shows the first one; the WHERE clause
//! still returns it exactly once. (A multi-valued column, as the SPL pack
//! has, is not expressible in AQL.)

use super::{DATA_MODEL, condition, render};
use crate::common::one_line;
use crate::refusal::Refusal;
use crate::{Flavor, NO_BRANCH, PackQuery, RuleInput};

pub(super) fn render(rules: &[RuleInput<'_>]) -> PackQuery {
    let mut omitted: Vec<(String, Refusal)> = Vec::new();
    let mut included: Vec<(&RuleInput<'_>, String)> = Vec::new();
    for rule in rules {
        let rendered = DATA_MODEL
            .scope_for(&rule.rule.logsource)
            .and_then(|scope| {
                Ok(format!(
                    "({}) AND ({})",
                    scope.selector,
                    condition(rule, scope)?
                ))
            });
        match rendered {
            Ok(text) => included.push((rule, text)),
            Err(refusal) => omitted.push((rule.label().to_owned(), refusal)),
        }
    }

    let case = |value: &dyn Fn(&RuleInput<'_>) -> String| -> String {
        let arms: Vec<String> = included
            .iter()
            .map(|(rule, text)| {
                // A label on one line, as in every per-rule header: a
                // line break or NUL in a title must not split the query.
                let label = one_line(&value(rule));
                format!("WHEN {text} THEN {}", render::string_literal(&label))
            })
            .collect();
        format!("CASE {} ELSE '' END", arms.join(" "))
    };

    let mut lines = Vec::new();
    if included.is_empty() {
        lines.push("SELECT *".to_owned());
    } else {
        let branch = case(&|r| r.branch().unwrap_or(NO_BRANCH).to_owned());
        let ids = case(&|r| r.label().to_owned());
        lines.push(format!(
            "SELECT *, {branch} AS DetectionBranch, {ids} AS RuleId"
        ));
    }
    lines.push("FROM events".to_owned());
    lines.push(render::comment(&format!(
        "tunnelhunt pack: {} of {} rules; DetectionBranch is the first matching rule's branch in pack order",
        included.len(),
        rules.len()
    )));
    for (label, refusal) in &omitted {
        lines.push(render::comment(&format!("omitted {label}: {refusal}")));
    }
    if included.is_empty() {
        lines.push("WHERE 1 = 0".to_owned());
    } else {
        let any: Vec<String> = included
            .iter()
            .map(|(_, text)| format!("({text})"))
            .collect();
        lines.push(format!("WHERE {}", any.join(" OR ")));
    }
    PackQuery {
        flavor: Flavor::DEFAULT,
        text: lines.join("\n"),
        omitted,
    }
}
