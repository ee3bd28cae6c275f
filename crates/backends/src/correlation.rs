//! What every backend needs to render a correlation rule.
//!
//! A correlation is rendered from its own attributes (kind, group-by,
//! timespan, condition, aliases) and from the queries of the rules it
//! names. Those may be base rules ([`RuleInput`]) or other correlations
//! (chaining). The caller resolves the names; this module answers the
//! questions every target asks the same way: which field a group-by name
//! means in a given referenced rule's events (aliases), and what the
//! condition says in words for a query header.

use tunnelhunt_sigma::ast::{Correlation, CorrelationKind, CountOp, Threshold};

use crate::RuleInput;
use crate::common::one_line;
use crate::refusal::{Construct, Refusal};

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
            Some(condition) => condition.to_string(),
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

/// What a correlation measures in each window, as one closed set every
/// target matches on, so that a kind a target cannot compute is refused
/// by name rather than fall through to a neighbour's aggregation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    /// `event_count`: matches in the window.
    Count,
    /// `value_count`: distinct values of the condition field.
    DistinctValues,
    /// `temporal`, `temporal_ordered`: distinct referenced rules.
    DistinctRules,
    Sum,
    Mean,
    /// `value_median`: the nearest-rank 50th percentile, the value at rank
    /// ceil(n / 2) of the n sorted values — for an even count the lower of
    /// the two middle ones, as the engine computes it
    /// (`docs/correlations.md`), not their mean.
    Median,
    /// `value_percentile` with `percentile: P`: the nearest-rank P-th
    /// percentile, the value at rank ceil(P / 100 × n) of the n sorted
    /// values.
    Percentile(f64),
    /// `value_percentile` without `percentile` (the specification's
    /// example): the share, in percent, of the window's matches that carry
    /// each value; the condition holds when some value's share satisfies
    /// it.
    ShareWithValue,
}

impl<'a> CorrelationInput<'a> {
    /// What this correlation measures in each window.
    pub fn figure(&self) -> Figure {
        match self.correlation.kind {
            CorrelationKind::EventCount => Figure::Count,
            CorrelationKind::ValueCount => Figure::DistinctValues,
            CorrelationKind::Temporal | CorrelationKind::TemporalOrdered => Figure::DistinctRules,
            CorrelationKind::ValueSum => Figure::Sum,
            CorrelationKind::ValueAvg => Figure::Mean,
            CorrelationKind::ValueMedian => Figure::Median,
            CorrelationKind::ValuePercentile => {
                match self
                    .correlation
                    .condition
                    .as_ref()
                    .and_then(|c| c.percentile)
                {
                    Some(p) => Figure::Percentile(p),
                    None => Figure::ShareWithValue,
                }
            }
        }
    }

    /// The comparisons the figure must satisfy (all of them). A temporal
    /// correlation without a condition means "every referenced rule":
    /// the distinct-rule count equals the number of rules.
    pub fn comparisons(&self) -> Vec<(CountOp, Threshold)> {
        match &self.correlation.condition {
            Some(condition) => condition.comparisons.clone(),
            None => vec![(CountOp::Eq, Threshold(self.sources.len() as f64))],
        }
    }

    /// Whether the condition means "every referenced rule" (the only
    /// condition an ordered sequence states): no condition, or one that
    /// holds for the number of rules and for no smaller count.
    pub fn requires_every_rule(&self) -> bool {
        let all = self.sources.len() as f64;
        let holds = |figure: f64| {
            self.comparisons()
                .iter()
                .all(|(op, threshold)| op.holds(figure, threshold.value()))
        };
        holds(all) && (0..self.sources.len()).all(|fewer| !holds(fewer as f64))
    }

    /// The base rules this correlation aggregates, or a refusal naming
    /// the correlation it names instead, for targets that cannot nest one
    /// correlation's output in another's input.
    pub fn base_rules(&self, target: &str) -> Result<Vec<&RuleInput<'a>>, Refusal> {
        self.sources
            .iter()
            .map(|source| match source {
                CorrelatedRule::Rule(rule) => Ok(rule),
                CorrelatedRule::Correlation(inner) => Err(Refusal::new(
                    Construct::Correlation,
                    format!(
                        "'{}' aggregates the correlation '{}': {target} cannot use one \
                         correlation's alerts as another's events",
                        self.label(),
                        inner.label()
                    ),
                )),
            })
            .collect()
    }

    /// The refusal of a figure a target cannot compute exactly.
    pub fn refuse(&self, target: &str, why: &str) -> Refusal {
        Refusal::new(
            Construct::Correlation,
            format!(
                "{target} cannot state '{}' ({}) exactly: {why}",
                self.kind().as_str(),
                self.condition_text()
            ),
        )
    }

    /// The window semantics every rendering states in its header.
    pub fn window_text(&self) -> String {
        let group = if self.correlation.group_by.is_empty() {
            "over all matches".to_owned()
        } else {
            format!("per {}", self.correlation.group_by.join(", "))
        };
        format!(
            "sliding window {group}: each match's trailing [t - {secs}s, t], both ends inclusive",
            secs = self.correlation.timespan_secs
        )
    }

    /// The correlation's facts for a query header, each `key: value` on
    /// one line ([`one_line`]), in the order every target lists them.
    pub fn header_lines(&self) -> Vec<String> {
        let meta = &self.correlation.meta;
        let mut lines = vec![format!("title: {}", self.title())];
        if let Some(id) = self.id() {
            lines.push(format!("id: {id}"));
        }
        if let Some(level) = meta.level {
            lines.push(format!("level: {}", level.as_str()));
        }
        let techniques = meta.attack_techniques();
        if !techniques.is_empty() {
            lines.push(format!("attack: {}", techniques.join(", ")));
        }
        lines.push(format!("correlation: {}", self.kind().as_str()));
        let rules: Vec<String> = (0..self.sources.len())
            .map(|index| self.reference(index).to_owned())
            .collect();
        lines.push(format!("rules: {}", rules.join(", ")));
        if !self.correlation.group_by.is_empty() {
            lines.push(format!(
                "group-by: {}",
                self.correlation.group_by.join(", ")
            ));
        }
        lines.push(format!("condition: {}", self.condition_text()));
        lines.push(format!("window: {}", self.window_text()));
        lines.into_iter().map(|line| one_line(&line)).collect()
    }
}

/// A correlation whose `rules` entry names nothing loaded, or that
/// reaches itself through other correlations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    #[error(
        "correlation '{correlation}' names '{reference}', which is no loaded rule or correlation"
    )]
    Missing {
        correlation: String,
        reference: String,
    },
    #[error("correlation '{correlation}' reaches itself through '{reference}'")]
    Cycle {
        correlation: String,
        reference: String,
    },
}

impl<'a> CorrelationInput<'a> {
    /// Resolve every reference of `correlation` by id or name: to one of
    /// `rules` (already lowered, filters folded) or, for chaining, to one
    /// of `correlations`, itself resolved the same way.
    pub fn resolve(
        correlation: &'a Correlation,
        rules: &[RuleInput<'a>],
        correlations: &[&'a Correlation],
        approximate: bool,
    ) -> Result<CorrelationInput<'a>, Unresolved> {
        Self::resolve_within(
            correlation,
            rules,
            correlations,
            approximate,
            &mut Vec::new(),
        )
    }

    fn resolve_within(
        correlation: &'a Correlation,
        rules: &[RuleInput<'a>],
        correlations: &[&'a Correlation],
        approximate: bool,
        open: &mut Vec<&'a Correlation>,
    ) -> Result<CorrelationInput<'a>, Unresolved> {
        let label = || {
            correlation
                .meta
                .id
                .as_ref()
                .map_or(&correlation.meta.title.value, |id| &id.value)
                .clone()
        };
        open.push(correlation);
        let mut sources = Vec::new();
        for reference in &correlation.rules {
            let reference = reference.value.as_str();
            let named = |meta: &tunnelhunt_sigma::ast::Metadata| {
                meta.id.as_ref().is_some_and(|id| id.value == reference)
                    || meta
                        .name
                        .as_ref()
                        .is_some_and(|name| name.value == reference)
            };
            if let Some(rule) = rules.iter().find(|rule| named(&rule.rule.meta)) {
                sources.push(CorrelatedRule::Rule(*rule));
                continue;
            }
            let Some(inner) = correlations.iter().find(|inner| named(&inner.meta)) else {
                return Err(Unresolved::Missing {
                    correlation: label(),
                    reference: reference.to_owned(),
                });
            };
            if open.iter().any(|seen| std::ptr::eq(*seen, *inner)) {
                return Err(Unresolved::Cycle {
                    correlation: label(),
                    reference: reference.to_owned(),
                });
            }
            let inner = Self::resolve_within(inner, rules, correlations, approximate, open)?;
            sources.push(CorrelatedRule::Correlation(Box::new(inner)));
        }
        open.pop();
        Ok(CorrelationInput {
            correlation,
            sources,
            approximate,
        })
    }
}
