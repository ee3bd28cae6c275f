//! The fixed-bucket approximation of a correlation, for the targets whose
//! queries only state fixed time buckets (LogScale `groupBy` over a bucket
//! key, Sumo Logic `timeslice`, QRadar AQL `LAST n MINUTES`).
//!
//! The engine's window is sliding: per group, each match's trailing
//! `timespan` is checked. A fixed bucket is a different question — a burst
//! that straddles a bucket boundary is missed, and a `lt`/`lte` condition
//! can hold in a bucket no trailing window has — so these targets refuse
//! a correlation unless the user asked for the approximation
//! (`CorrelationInput::approximate`), and then each renders a header line
//! saying it is one. This module decides, the same way for every such
//! target, what can be approximated at all and what the bucket computes;
//! the targets write it in their language.
//!
//! Shared by `cql`, `sumo` and `aql`, here in `common` so that none of
//! them imports another's internals; the header facts they all start
//! with ([`Bucketed::facts`]) are written once too.

use tunnelhunt_sigma::ast::{CorrelationKind, CountOp, Threshold};

use crate::RuleInput;
use crate::correlation::{CorrelatedRule, CorrelationInput};
use crate::refusal::{Construct, Refusal};

/// What one bucket computes per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure<'i> {
    /// `event_count`: the matches.
    Events,
    /// `value_count`: distinct values of the (correlation's) field.
    DistinctValues(&'i str),
    /// `value_sum`.
    Sum(&'i str),
    /// `value_avg`: the mean over the matches carrying the field.
    Mean(&'i str),
    /// `temporal`: distinct rules among the bucket's matches.
    DistinctRules,
}

/// A correlation that can be approximated with fixed buckets.
pub(crate) struct Bucketed<'i, 'a> {
    pub input: &'i CorrelationInput<'a>,
    /// The referenced rules, in the correlation's order.
    pub rules: Vec<&'i RuleInput<'a>>,
    pub measure: Measure<'i>,
    /// ANDed; `temporal` without a condition means all rules.
    pub comparisons: Vec<(CountOp, Threshold)>,
}

/// How a target describes itself in refusals.
pub(crate) struct TargetWords {
    /// `LogScale`, `Sumo Logic`, `QRadar AQL`.
    pub name: &'static str,
    /// What its windows are: `fixed time buckets (groupBy over a bucket key)`.
    pub windows: &'static str,
    /// Where the target states a sliding window natively, if anywhere
    /// (appended to the refusal), or empty.
    pub native: &'static str,
}

/// The approximation, or the refusal that names why there is none.
pub(crate) fn plan<'i, 'a>(
    input: &'i CorrelationInput<'a>,
    words: &TargetWords,
) -> Result<Bucketed<'i, 'a>, Refusal> {
    let refuse = |why: String| {
        Refusal::new(
            Construct::Correlation,
            format!(
                "'{}' correlation '{}' is not rendered for {}: {why}",
                input.kind().as_str(),
                input.label(),
                words.name
            ),
        )
    };
    let mut rules = Vec::with_capacity(input.sources.len());
    for source in &input.sources {
        match source {
            CorrelatedRule::Rule(rule) => rules.push(rule),
            CorrelatedRule::Correlation(inner) => {
                return Err(refuse(format!(
                    "it refers to correlation '{}', and a {} search here does not take another correlation's results as its events",
                    inner.label(),
                    words.name
                )));
            }
        }
    }
    let field = input.condition_field();
    let measure = match input.kind() {
        CorrelationKind::EventCount => Measure::Events,
        CorrelationKind::ValueCount => Measure::DistinctValues(field),
        CorrelationKind::ValueSum => Measure::Sum(field),
        CorrelationKind::ValueAvg => Measure::Mean(field),
        CorrelationKind::Temporal => Measure::DistinctRules,
        CorrelationKind::TemporalOrdered => {
            return Err(refuse(
                "a fixed bucket does not state the order of the rules' matches".to_owned(),
            ));
        }
        CorrelationKind::ValueMedian | CorrelationKind::ValuePercentile => {
            return Err(refuse(format!(
                "{} has no exact nearest-rank percentile or median aggregation",
                words.name
            )));
        }
    };
    if !input.approximate {
        let mut why = format!(
            "{} states windows only as {}, not as the rule's sliding window (each match's trailing {}); export with --approximate for a fixed-bucket approximation marked as such",
            words.name, words.windows, input.correlation.timespan_text.value
        );
        if !words.native.is_empty() {
            why.push_str("; ");
            why.push_str(words.native);
        }
        return Err(refuse(why));
    }
    let comparisons = match &input.correlation.condition {
        Some(condition) => condition.comparisons.clone(),
        None => vec![(CountOp::Eq, Threshold(rules.len() as f64))],
    };
    Ok(Bucketed {
        input,
        rules,
        measure,
        comparisons,
    })
}

impl Bucketed<'_, '_> {
    /// The one target field `name` (a group-by entry or the condition's
    /// field, through the aliases) means in every rule, where `map` names
    /// it in the `index`-th rule; a refusal when the rules disagree, since
    /// one bucket groups on one field.
    pub(crate) fn shared_field<T: PartialEq + std::fmt::Display>(
        &self,
        name: &str,
        mut map: impl FnMut(usize, &RuleInput<'_>, &str) -> Result<T, Refusal>,
    ) -> Result<T, Refusal> {
        let mut shared: Option<T> = None;
        for (index, rule) in self.rules.iter().enumerate() {
            let field = map(index, rule, self.input.field_in(index, name))?;
            match &shared {
                Some(first) if *first != field => {
                    return Err(Refusal::new(
                        Construct::Correlation,
                        format!(
                            "'{}' correlation '{}': '{name}' is '{first}' in one rule and '{field}' in another, and one bucket groups on one field",
                            self.input.kind().as_str(),
                            self.input.label()
                        ),
                    ));
                }
                Some(_) => {}
                None => shared = Some(field),
            }
        }
        shared.ok_or_else(|| {
            Refusal::new(
                Construct::Correlation,
                format!("correlation '{}' refers to no rule", self.input.label()),
            )
        })
    }

    /// The facts every approximation's header starts with: id, level,
    /// ATT&CK techniques and the correlation type, as `name: value`.
    pub(crate) fn facts(&self) -> Vec<String> {
        let input = self.input;
        let meta = &input.correlation.meta;
        let mut facts = Vec::new();
        if let Some(id) = input.id() {
            facts.push(format!("id: {id}"));
        }
        if let Some(level) = meta.level {
            facts.push(format!("level: {}", level.as_str()));
        }
        let techniques = meta.attack_techniques();
        if !techniques.is_empty() {
            facts.push(format!("ATT&CK: {}", techniques.join(", ")));
        }
        facts.push(format!("correlation: {}", input.kind().as_str()));
        facts
    }

    /// `rules: a, b`: the labels of the rules the approximation reads.
    pub(crate) fn rules_fact(&self) -> String {
        let labels: Vec<&str> = self.rules.iter().map(|rule| rule.label()).collect();
        format!("rules: {}", labels.join(", "))
    }

    /// The header line every approximation carries.
    pub(crate) fn disclaimer(&self, buckets: &str) -> String {
        let mut text = format!(
            "fixed-bucket approximation: {buckets}, not the rule's sliding window (each match's trailing {}); a burst across a bucket boundary is missed, and lt/lte/neq conditions can hold in a bucket no trailing window matches",
            self.input.correlation.timespan_text.value
        );
        if self.rules.len() > 1 && self.measure != Measure::DistinctRules {
            // The engine has one match per rule an event matches; the
            // targets select each event once.
            text.push_str("; an event matching several of the rules counts once");
        }
        text
    }
}
