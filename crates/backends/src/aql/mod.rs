//! IBM QRadar AQL.
//!
//! One flavor: `SELECT * FROM events /* metadata */ WHERE <event filter>
//! AND (<condition>)` over the Windows Security Event Log DSM with Sysmon
//! ([`model`]). How each construct is written, and why, is in [`render`];
//! boolean structure comes from [`crate::boolean`] (NOT > AND > OR in AQL,
//! parenthesized anyway).
//!
//! Correlations ([`correlation`]) are refused unless the user accepts a
//! fixed-interval approximation: one AQL search aggregates over one time
//! clause, it does not slide a window.
//!
//! Metadata travels in `/* … */` comments, which IBM allows only inside
//! the query body ("not at the beginning or the end"), so they sit between
//! `FROM events` and `WHERE`.

mod correlation;
pub(crate) mod model;
mod pack;
mod render;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use tunnelhunt_sigma::ir::{Expr, Predicate};

use crate::boolean::{BoolSyntax, render as render_bool};
use crate::meta::{self, Fact};
use crate::model::{DataModel, Scope};
use crate::refusal::Refusal;
use crate::{Backend, CorrelationInput, Flavor, PackQuery, RuleInput, Target};

/// The QRadar AQL backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Aql;

/// The data model, for lookups and reports.
pub(crate) const DATA_MODEL: DataModel = DataModel {
    name: "QRadar Windows Security Event Log DSM with Sysmon",
    scopes: model::SCOPES,
};

const SYNTAX: BoolSyntax = BoolSyntax {
    and: " AND ",
    or: " OR ",
    not: "NOT ",
    true_literal: Some("1 = 1"),
    false_literal: Some("1 = 0"),
};

impl Backend for Aql {
    fn target(&self) -> Target {
        Target::Aql
    }

    fn render(&self, rule: &RuleInput<'_>, _flavor: Flavor) -> Result<String, Refusal> {
        let scope = DATA_MODEL.scope_for(&rule.rule.logsource)?;
        let condition = condition(rule, scope)?;
        let mut lines = vec!["SELECT *".to_owned(), "FROM events".to_owned()];
        lines.extend(metadata_comments(rule));
        lines.push(format!("WHERE {} AND ({condition})", scope.selector));
        Ok(lines.join("\n"))
    }

    fn render_pack(&self, rules: &[RuleInput<'_>], _flavor: Flavor) -> PackQuery {
        pack::render(rules)
    }

    fn render_correlation(
        &self,
        input: &CorrelationInput<'_>,
        _flavor: Flavor,
    ) -> Result<String, Refusal> {
        correlation::render(input)
    }
}

/// The rule's condition as a WHERE expression over `scope`.
fn condition(rule: &RuleInput<'_>, scope: &Scope) -> Result<String, Refusal> {
    let negated = negated_predicates(rule.expr);
    let terms = render::Terms { scope };
    render_bool(rule.expr, &SYNTAX, &mut |p| {
        terms.predicate(p, negated.contains(&(p as *const Predicate)))
    })
}

/// The predicates under an odd number of NOTs, by address in `expr` (the
/// boolean renderer hands the leaf renderer references into the same
/// tree).
fn negated_predicates(expr: &Expr) -> HashSet<*const Predicate> {
    fn walk(expr: &Expr, negated: bool, out: &mut HashSet<*const Predicate>) {
        match expr {
            Expr::And(items) | Expr::Or(items) => {
                items.iter().for_each(|item| walk(item, negated, out));
            }
            Expr::Not(inner) => walk(inner, !negated, out),
            Expr::Pred(p) => {
                if negated {
                    out.insert(p as *const Predicate);
                }
            }
            Expr::Const(_) => {}
        }
    }
    let mut out = HashSet::new();
    walk(expr, false, &mut out);
    out
}

/// The rule's metadata as `/* … */` comment lines, each sanitized.
fn metadata_comments(rule: &RuleInput<'_>) -> Vec<String> {
    let facts = meta::facts(rule);
    let title = meta::summary_line(&facts, |fact| fact == Fact::Title, Fact::key);
    let mut lines = vec![render::comment(&title)];
    let summary = meta::summary_line(&facts, |fact| fact != Fact::Title, Fact::key);
    if !summary.is_empty() {
        lines.push(render::comment(&summary));
    }
    lines
}
