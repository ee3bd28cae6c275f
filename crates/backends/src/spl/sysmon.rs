//! The default flavor: base search over the add-on's events, plus a
//! `where` stage for what search terms cannot express.

use tunnelhunt_sigma::ir::Expr;

use super::eval::{EVAL_SYNTAX, EvalTerms};
use super::literal::search_escape;
use super::metadata_comments;
use super::model::{SYSMON, SplScope};
use super::search::SearchTerms;
use crate::RuleInput;
use crate::boolean::{BoolSyntax, render as render_bool};
use crate::model::logsource_label;
use crate::refusal::{Construct, Refusal};

/// Search-command boolean syntax (OR binds tighter than AND there: every
/// group is parenthesized, so it does not matter).
pub(super) const SEARCH_SYNTAX: BoolSyntax = BoolSyntax {
    and: " AND ",
    or: " OR ",
    not: "NOT ",
    true_literal: None,
    false_literal: None,
};

/// The scope serving a rule's logsource.
pub(super) fn scope_for(rule: &RuleInput<'_>) -> Result<&'static SplScope, Refusal> {
    SYSMON
        .iter()
        .find(|s| s.scope.serves(&rule.rule.logsource))
        .ok_or_else(|| {
            Refusal::new(
                Construct::Logsource,
                format!(
                    "logsource '{}' has no sourcetype in the 'Splunk Sysmon add-on' data model",
                    logsource_label(&rule.rule.logsource)
                ),
            )
        })
}

/// `source="…" EventCode=1` / `(EventCode=12 OR EventCode=13)`.
pub(super) fn selector_search(scope: &SplScope) -> String {
    let source = format!("source=\"{}\"", search_escape(scope.source));
    let codes: Vec<String> = scope
        .event_codes
        .iter()
        .map(|c| format!("EventCode={c}"))
        .collect();
    match codes.len() {
        0 => source,
        1 => format!("{source} {}", codes[0]),
        _ => format!("{source} ({})", codes.join(" OR ")),
    }
}

/// The same selection as an eval expression (for the pack query).
pub(super) fn selector_eval(scope: &SplScope) -> String {
    let source = format!("'source'=={}", super::literal::eval_string(scope.source));
    let codes: Vec<String> = scope
        .event_codes
        .iter()
        .map(|c| format!("tonumber('EventCode')=={c}"))
        .collect();
    match codes.len() {
        0 => source,
        1 => format!("{source} AND {}", codes[0]),
        _ => format!("{source} AND ({})", codes.join(" OR ")),
    }
}

/// The whole condition as one eval expression (pack query, and rules
/// whose top level needs eval anyway).
pub(super) fn condition_eval(rule: &RuleInput<'_>, scope: &SplScope) -> Result<String, Refusal> {
    let terms = EvalTerms {
        scope: &scope.scope,
    };
    render_bool(rule.expr, &EVAL_SYNTAX, &mut |p| terms.predicate(p))
}

pub(super) fn render(rule: &RuleInput<'_>) -> Result<String, Refusal> {
    let scope = scope_for(rule)?;
    let search_terms = SearchTerms {
        scope: &scope.scope,
        field_prefix: "",
        cidr: true,
        ranges: true,
    };
    let eval_terms = EvalTerms {
        scope: &scope.scope,
    };

    let operands: Vec<&Expr> = match rule.expr {
        Expr::And(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut in_search = Vec::new();
    let mut in_where = Vec::new();
    for operand in operands {
        match render_bool(operand, &SEARCH_SYNTAX, &mut |p| search_terms.predicate(p)) {
            Ok(text) => in_search.push(grouped(operand, text)),
            Err(_) => {
                let text = render_bool(operand, &EVAL_SYNTAX, &mut |p| eval_terms.predicate(p))?;
                in_where.push(grouped(operand, text));
            }
        }
    }

    let mut base = selector_search(scope);
    if !in_search.is_empty() {
        base.push(' ');
        base.push_str(&in_search.join(" AND "));
    }
    let mut out = format!("{}\n{base}", metadata_comments(rule));
    if !in_where.is_empty() {
        out.push_str("\n| where ");
        out.push_str(&in_where.join(" AND "));
    }
    Ok(out)
}

/// An operand joined with others keeps its own grouping.
fn grouped(operand: &Expr, text: String) -> String {
    if matches!(operand, Expr::And(_) | Expr::Or(_)) {
        format!("({text})")
    } else {
        text
    }
}
