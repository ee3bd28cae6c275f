//! What every backend needs to render a correlation rule.
//!
//! A correlation is rendered from its own attributes (kind, group-by,
//! timespan, condition, aliases) and from the queries of the rules it
//! names. Those may be base rules ([`RuleInput`]) or other correlations
//! (chaining). The caller resolves the names; this module answers the
//! questions every target asks the same way: which field a group-by name
//! means in a given referenced rule's events (aliases), and what the
//! condition says in words for a query header.

use tunnelhunt_sigma::ast::{Correlation, CorrelationKind};

use crate::RuleInput;

/// One correlation ready to render.
#[derive(Debug, Clone)]
pub struct CorrelationInput<'a> {
    pub correlation: &'a Correlation,
    /// One entry per name in `correlation.rules`, in that order.
    pub sources: Vec<CorrelatedRule<'a>>,
    /// `--approximate`: the user accepts a rendering whose window is a
    /// fixed time bucket rather than a sliding window, marked as such in
    /// the query header. Without it such targets refuse.
    pub approximate: bool,
}

/// A rule a correlation refers to.
#[derive(Debug, Clone)]
pub enum CorrelatedRule<'a> {
    Rule(RuleInput<'a>),
    Correlation(Box<CorrelationInput<'a>>),
}

impl CorrelatedRule<'_> {
    /// The referenced rule's id, or its title: what headers and refusals
    /// name.
    pub fn label(&self) -> &str {
        match self {
            CorrelatedRule::Rule(rule) => rule.label(),
            CorrelatedRule::Correlation(inner) => inner.label(),
        }
    }
}

impl<'a> CorrelationInput<'a> {
    pub fn title(&self) -> &str {
        &self.correlation.meta.title.value
    }

    pub fn id(&self) -> Option<&str> {
        self.correlation
            .meta
            .id
            .as_ref()
            .map(|id| id.value.as_str())
    }

    /// The id, or the title when there is none.
    pub fn label(&self) -> &str {
        self.id().unwrap_or_else(|| self.title())
    }

    pub fn kind(&self) -> CorrelationKind {
        self.correlation.kind
    }

    /// The reference (`id` or `name`) by which the correlation names its
    /// `index`-th rule, as written.
    pub fn reference(&self, index: usize) -> &str {
        &self.correlation.rules[index].value
    }

    /// The field that `name` (a group-by entry or the condition's field)
    /// means in the events of the `index`-th referenced rule: the alias's
    /// mapping for that rule when `name` is an alias, else `name` itself.
    pub fn field_in<'s>(&'s self, index: usize, name: &'s str) -> &'s str {
        let reference = self.reference(index);
        let ids = match &self.sources[index] {
            CorrelatedRule::Rule(rule) => [
                rule.id(),
                rule.rule.meta.name.as_ref().map(|n| n.value.as_str()),
            ],
            CorrelatedRule::Correlation(inner) => [
                inner.id(),
                inner
                    .correlation
                    .meta
                    .name
                    .as_ref()
                    .map(|n| n.value.as_str()),
            ],
        };
        self.correlation
            .aliases
            .iter()
            .find(|alias| alias.alias == name)
            .and_then(|alias| {
                alias.mapping.iter().find_map(|(rule, field)| {
                    (rule == reference || ids.contains(&Some(rule.as_str())))
                        .then_some(field.as_str())
                })
            })
            .unwrap_or(name)
    }

    /// The condition in words for a query header: `count >= 10`,
    /// `distinct User > 3 and <= 50`, `all 3 rules, in order`.
    pub fn condition_text(&self) -> String {
        let correlation = self.correlation;
        let subject = match correlation.kind {
            CorrelationKind::EventCount => "events".to_owned(),
            CorrelationKind::ValueCount => format!("distinct {}", self.condition_field()),
            CorrelationKind::ValueSum => format!("sum of {}", self.condition_field()),
            CorrelationKind::ValueAvg => format!("mean of {}", self.condition_field()),
            CorrelationKind::ValueMedian => format!("median of {}", self.condition_field()),
            CorrelationKind::ValuePercentile => {
                match correlation.condition.as_ref().and_then(|c| c.percentile) {
                    Some(p) => format!("percentile {p} of {}", self.condition_field()),
                    None => format!("share (%) of a value of {}", self.condition_field()),
                }
            }
            CorrelationKind::Temporal | CorrelationKind::TemporalOrdered => {
                "distinct rules".to_owned()
            }
        };
        let comparisons = match &correlation.condition {
            Some(condition) => condition
                .comparisons
                .iter()
                .map(|(op, threshold)| format!("{} {threshold}", op.as_str()))
                .collect::<Vec<_>>()
                .join(" and "),
            None => format!("eq {} (all)", correlation.rules.len()),
        };
        let order = if correlation.kind == CorrelationKind::TemporalOrdered {
            ", in the listed order"
        } else {
            ""
        };
        format!(
            "{subject} {comparisons} within {}{order}",
            correlation.timespan_text.value
        )
    }

    /// The condition's field (`value_*` kinds), empty when absent.
    pub fn condition_field(&self) -> &str {
        self.correlation
            .condition
            .as_ref()
            .and_then(|c| c.field.as_deref())
            .unwrap_or("")
    }
}
