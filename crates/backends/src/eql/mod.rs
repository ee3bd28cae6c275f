//! Elastic EQL over the Elastic Common Schema (Elastic Defend, Winlogbeat).
//!
//! A rule becomes one event query: the ECS event category its logsource
//! maps to ([`model`]), the condition that narrows the category to the
//! Sigma category and product, and the rule's condition, fully
//! parenthesized:
//!
//! ```text
//! // title: SSH Local Port Forwarding
//! // id: …
//! process where event.type == "start" and host.os.type == "windows" and
//!   (process.executable : "*\\ssh.exe" and process.command_line regex "…")
//! ```
//!
//! Rule metadata ([`crate::meta`]) travels as `//` comments above the
//! query, each value on one line ([`crate::common::one_line`]). How each predicate renders, and why
//! keywords, field references and some values are refused, is in
//! [`render`]; string literals in [`literal`]; the pack query
//! in [`pack`].
//!
//! EQL semantics are Elasticsearch 8.x's: `:`/`like~`/`regex~`
//! case-insensitive (ASCII), `==`/`like`/`regex` case-sensitive, `*` and
//! `?` wildcards without escapes (early 7.x releases read `?` literally),
//! regexes in Lucene syntax matching the whole value, `?field` for fields
//! a document may lack. The tests check every output with Elastic's reference
//! parser (PyPI `eql`, Elasticsearch syntax, against the ECS schema of
//! [`model`]) and execute the pack over the scenario corpus against
//! tunnelhunt's engine (`validators/eql/`).

mod correlation;
pub mod literal;
pub mod model;
pub mod pack;
pub mod render;

use tunnelhunt_sigma::ast::LogSource;

use crate::boolean::{self, BoolSyntax};
use crate::common::one_line;
use crate::correlation::CorrelationInput;
use crate::meta;
use crate::model::logsource_label;
use crate::refusal::{Construct, Refusal};
use crate::{Backend, Flavor, PackQuery, RuleInput, Target};

use model::{EcsScope, PRODUCTS, SCOPES};

/// The EQL backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Eql;

const SYNTAX: BoolSyntax = BoolSyntax {
    and: " and ",
    or: " or ",
    not: "not ",
    true_literal: Some("true"),
    false_literal: Some("false"),
};

impl Backend for Eql {
    fn target(&self) -> Target {
        Target::Eql
    }

    fn render(&self, rule: &RuleInput<'_>, _flavor: Flavor) -> Result<String, Refusal> {
        let query = RuleQuery::new(rule)?;
        let mut out = metadata_comments(rule);
        out.push_str(&query.event_category);
        out.push_str(" where ");
        if query.scope_conditions.is_empty() {
            out.push_str(&query.condition);
        } else {
            out.push_str(&query.scope_conditions.join(" and "));
            out.push_str(" and\n  (");
            out.push_str(&query.condition);
            out.push(')');
        }
        out.push('\n');
        Ok(out)
    }

    fn render_pack(&self, rules: &[RuleInput<'_>], _flavor: Flavor) -> PackQuery {
        pack::render(rules)
    }

    fn render_correlation(
        &self,
        correlation: &CorrelationInput<'_>,
        _flavor: Flavor,
    ) -> Result<String, Refusal> {
        correlation::render(correlation)
    }
}

/// A rule resolved into the parts of an EQL event query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleQuery {
    /// `process`, `network`, `registry`, `file`, `library`, or `any`.
    pub event_category: String,
    /// What narrows the category to the rule's logsource
    /// (`event.type == "start"`, `host.os.type == "windows"`).
    pub scope_conditions: Vec<String>,
    /// The rule's condition (filters included), unparenthesized at the top.
    pub condition: String,
}

impl RuleQuery {
    pub fn new(rule: &RuleInput<'_>) -> Result<RuleQuery, Refusal> {
        let logsource = &rule.rule.logsource;
        let (ecs, os_type) = scope_for(logsource)?;
        let condition = boolean::render(rule.expr, &SYNTAX, &mut |p| render::predicate(p, ecs))?;
        let mut scope_conditions = Vec::new();
        if !ecs.scope.selector.is_empty() {
            scope_conditions.push(ecs.scope.selector.to_owned());
        }
        if let Some(os_type) = os_type {
            scope_conditions.push(format!("host.os.type == {}", literal::quote(os_type)));
        }
        Ok(RuleQuery {
            event_category: ecs.event_category.to_owned(),
            scope_conditions,
            condition,
        })
    }

    /// The rule's events as one parenthesized boolean term (for joining
    /// several rules of one event category with `or`).
    pub fn term(&self) -> String {
        let mut parts = self.scope_conditions.clone();
        parts.push(format!("({})", self.condition));
        format!("({})", parts.join(" and "))
    }
}

/// The ECS scope of a logsource and the `host.os.type` its product
/// requires. Unlike [`crate::model::DataModel::scope_for`], the product is
/// a filter here, not a choice of table: a Windows rule must not match
/// Linux events of the same category.
pub(crate) fn scope_for(
    logsource: &LogSource,
) -> Result<(&'static EcsScope, Option<&'static str>), Refusal> {
    let unsupported = || {
        Refusal::new(
            Construct::Logsource,
            format!(
                "logsource '{}' has no event category in the 'Elastic Common Schema' data model",
                logsource_label(logsource)
            ),
        )
    };
    let eq = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    };
    let ecs = SCOPES
        .iter()
        .find(|s| {
            eq(s.scope.key.category, logsource.category.as_deref())
                && eq(s.scope.key.service, logsource.service.as_deref())
                && (logsource.category.is_some() || logsource.service.is_some())
        })
        .ok_or_else(unsupported)?;
    // A scope of one product's events (Windows channels) serves rules of
    // that product or of none.
    if let (Some(own), Some(product)) = (ecs.scope.key.product, logsource.product.as_deref())
        && !own.eq_ignore_ascii_case(product)
    {
        return Err(unsupported());
    }
    let os_type = match logsource.product.as_deref() {
        None => None,
        Some(product) => Some(
            PRODUCTS
                .iter()
                .find(|(sigma, _)| sigma.eq_ignore_ascii_case(product))
                .map(|(_, os)| *os)
                .ok_or_else(unsupported)?,
        ),
    };
    Ok((ecs, os_type))
}

/// The rule's metadata ([`meta::facts`]) as `//` comment lines, one fact
/// each.
pub(crate) fn metadata_comments(rule: &RuleInput<'_>) -> String {
    meta::facts(rule)
        .into_iter()
        .map(|(fact, value)| format!("// {}: {}\n", fact.key(), one_line(&value)))
        .collect()
}

#[cfg(test)]
mod tests;
