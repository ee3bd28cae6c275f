//! Compiling correlation rules into a plan: which base rules feed which
//! correlation, which fields each match must carry, in which order chained
//! correlations are evaluated.
//!
//! Everything the evaluator would otherwise look up per match is resolved
//! here once: aliases become a field per referenced rule, the fields every
//! correlation needs from one base rule are merged into one list (so the
//! caller reads each field once per match), and a rule listed twice in one
//! correlation becomes one feed with two positions (so `event_count` does
//! not count its matches twice, while `temporal_ordered` still sees both
//! positions).

use std::collections::BTreeMap;

use tunnelhunt_sigma::ast::{Correlation, CorrelationCondition, CorrelationKind};

use crate::Nanos;

/// The caller's number for a loaded base (detection) rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleKey(pub u32);

/// What one entry of a correlation's `rules` refers to, resolved by the
/// caller (which knows ids and names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reference {
    Rule(RuleKey),
    /// Another correlation, by its index in the list given to
    /// [`Plan::new`].
    Correlation(usize),
}

/// Bounds on the state a run may hold; documented in
/// `docs/correlations.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Live groups per correlation before new groups are dropped (and the
    /// correlation reported degraded).
    pub max_groups: usize,
    /// Matches held inside live windows, per correlation.
    pub max_buffered: usize,
    /// Evidence locations and values kept per alert.
    pub evidence_cap: usize,
    /// Observations a collector holds in memory before it writes them,
    /// sorted, to temporary files.
    pub max_collected: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_groups: 1_000_000,
            max_buffered: 10_000_000,
            evidence_cap: 100,
            // About 300 MB of observations with a few fields each.
            max_collected: 8_000_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("correlation '{0}' refers to itself through its rules (a cycle)")]
    Cycle(String),
    #[error("correlation '{correlation}': reference {index} is out of range")]
    BadReference { correlation: String, index: usize },
    #[error(
        "correlation '{correlation}' lists {rules} rules but {references} references were resolved"
    )]
    Misaligned {
        correlation: String,
        rules: usize,
        references: usize,
    },
    #[error("correlation '{correlation}' ({kind}) has no condition or no condition field")]
    IncompleteCondition { correlation: String, kind: String },
}

/// Where a correlation finds one of its fields in an input: an index into
/// [`Plan::fields_of`] of a base rule, or into the group-by values of a
/// child correlation's alert. `None`: that input never carries the field,
/// so its value is absent.
pub(crate) type Slot = Option<usize>;

/// One distinct input of a correlation.
#[derive(Debug, Clone)]
pub(crate) struct Feed {
    pub(crate) reference: Reference,
    /// The positions of this input in the correlation's `rules` (more than
    /// one when a rule is listed twice).
    pub(crate) positions: Vec<usize>,
    /// One slot per group-by name.
    pub(crate) group: Vec<Slot>,
    /// The aggregated field's slot (kinds that need a field).
    pub(crate) value: Slot,
}

/// What a correlation measures over a window: the kinds of the
/// specification, with `value_median` folded into a percentile and
/// `value_percentile` split by whether it names a percentile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Aggregate {
    /// `event_count`: the matches in the window.
    Count,
    /// `value_count`: the distinct values of the field.
    Distinct,
    /// `value_percentile` without `percentile`: the share, in percent, of
    /// the window's matches that carry each value.
    Share,
    /// `temporal`: the distinct referenced rules seen.
    Rules,
    /// `temporal_ordered`: the longest prefix of `rules` seen in order.
    Ordered,
    Sum,
    Avg,
    /// The nearest-rank percentile (`value_percentile` with `percentile`,
    /// and `value_median` as 50).
    Percentile(f64),
}

impl Aggregate {
    fn of(correlation: &Correlation) -> Aggregate {
        let percentile = correlation.condition.as_ref().and_then(|c| c.percentile);
        match correlation.kind {
            CorrelationKind::EventCount => Aggregate::Count,
            CorrelationKind::ValueCount => Aggregate::Distinct,
            CorrelationKind::Temporal => Aggregate::Rules,
            CorrelationKind::TemporalOrdered => Aggregate::Ordered,
            CorrelationKind::ValueSum => Aggregate::Sum,
            CorrelationKind::ValueAvg => Aggregate::Avg,
            CorrelationKind::ValuePercentile => {
                percentile.map_or(Aggregate::Share, Aggregate::Percentile)
            }
            CorrelationKind::ValueMedian => Aggregate::Percentile(50.0),
        }
    }

    /// Whether a match must carry the aggregated field to be used.
    pub(crate) fn needs_value(self) -> bool {
        !matches!(
            self,
            Aggregate::Count | Aggregate::Rules | Aggregate::Ordered
        )
    }

    /// Whether that field must also be a number.
    pub(crate) fn needs_number(self) -> bool {
        matches!(
            self,
            Aggregate::Sum | Aggregate::Avg | Aggregate::Percentile(_)
        )
    }
}

/// One correlation, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) aggregate: Aggregate,
    pub(crate) timespan: Nanos,
    pub(crate) feeds: Vec<Feed>,
    /// `None` only for the temporal kinds without a condition.
    pub(crate) condition: Option<CorrelationCondition>,
    /// The number of entries in `rules`: what `temporal_ordered` must see.
    pub(crate) positions: usize,
}

/// The compiled correlations.
#[derive(Debug, Clone)]
pub struct Plan {
    correlations: Vec<Correlation>,
    references: Vec<Vec<Reference>>,
    limits: Limits,
    compiled: Vec<Compiled>,
    /// Children before parents.
    order: Vec<usize>,
    rule_fields: BTreeMap<RuleKey, Vec<String>>,
    /// For each base rule, the (correlation, feed) pairs it feeds.
    rule_feeds: BTreeMap<RuleKey, Vec<(usize, usize)>>,
    /// For each correlation, the (parent, feed) pairs its alerts feed.
    correlation_feeds: Vec<Vec<(usize, usize)>>,
}

impl Plan {
    /// Compile `correlations`, each with its references resolved and
    /// aligned with its `rules`.
    pub fn new(
        correlations: Vec<(Correlation, Vec<Reference>)>,
        limits: Limits,
    ) -> Result<Plan, PlanError> {
        let count = correlations.len();
        let (correlations, references): (Vec<_>, Vec<_>) = correlations.into_iter().unzip();
        for (correlation, refs) in correlations.iter().zip(&references) {
            if refs.len() != correlation.rules.len() {
                return Err(PlanError::Misaligned {
                    correlation: display_name(correlation),
                    rules: correlation.rules.len(),
                    references: refs.len(),
                });
            }
            for (index, reference) in refs.iter().enumerate() {
                if matches!(reference, Reference::Correlation(child) if *child >= count) {
                    return Err(PlanError::BadReference {
                        correlation: display_name(correlation),
                        index,
                    });
                }
            }
            let needs_condition = !correlation.kind.is_temporal();
            let condition = correlation.condition.as_ref();
            if (needs_condition && condition.is_none())
                || (correlation.kind.needs_field()
                    && condition.and_then(|c| c.field.as_ref()).is_none())
            {
                return Err(PlanError::IncompleteCondition {
                    correlation: display_name(correlation),
                    kind: correlation.kind.as_str().to_owned(),
                });
            }
        }
        let order = evaluation_order(&correlations, &references)?;
        let mut rule_fields: BTreeMap<RuleKey, Vec<String>> = BTreeMap::new();
        let mut rule_feeds: BTreeMap<RuleKey, Vec<(usize, usize)>> = BTreeMap::new();
        let mut correlation_feeds = vec![Vec::new(); count];
        let mut compiled = Vec::with_capacity(count);
        for (index, (correlation, refs)) in correlations.iter().zip(&references).enumerate() {
            let mut feeds: Vec<Feed> = Vec::new();
            for (position, (reference, written)) in refs.iter().zip(&correlation.rules).enumerate()
            {
                if let Some(feed) = feeds.iter_mut().find(|f| f.reference == *reference) {
                    feed.positions.push(position);
                    continue;
                }
                let wanted = wanted_fields(correlation, &written.value);
                let (group, value) = match *reference {
                    Reference::Rule(rule) => {
                        let fields = rule_fields.entry(rule).or_default();
                        let mut slot_of = |name: String| {
                            Some(match fields.iter().position(|f| *f == name) {
                                Some(slot) => slot,
                                None => {
                                    fields.push(name);
                                    fields.len() - 1
                                }
                            })
                        };
                        let group = wanted.group.into_iter().map(&mut slot_of).collect();
                        let value = wanted.value.and_then(&mut slot_of);
                        rule_feeds
                            .entry(rule)
                            .or_default()
                            .push((index, feeds.len()));
                        (group, value)
                    }
                    Reference::Correlation(child) => {
                        let child_groups = &correlations[child].group_by;
                        let slot_of = |name: String| child_groups.iter().position(|g| *g == name);
                        correlation_feeds[child].push((index, feeds.len()));
                        (
                            wanted.group.into_iter().map(slot_of).collect(),
                            wanted.value.and_then(slot_of),
                        )
                    }
                };
                feeds.push(Feed {
                    reference: *reference,
                    positions: vec![position],
                    group,
                    value,
                });
            }
            compiled.push(Compiled {
                aggregate: Aggregate::of(correlation),
                timespan: nanos_of_secs(correlation.timespan_secs),
                feeds,
                condition: correlation.condition.clone(),
                positions: correlation.rules.len(),
            });
        }
        Ok(Plan {
            correlations,
            references,
            limits,
            compiled,
            order,
            rule_fields,
            rule_feeds,
            correlation_feeds,
        })
    }

    /// The number of correlations.
    pub fn len(&self) -> usize {
        self.correlations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.correlations.is_empty()
    }

    /// The correlation at `index` (the order given to [`Plan::new`]).
    pub fn correlation(&self, index: usize) -> &Correlation {
        &self.correlations[index]
    }

    /// The resolved references of the correlation at `index`, aligned with
    /// its `rules`.
    pub fn references(&self, index: usize) -> &[Reference] {
        &self.references[index]
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The event fields the caller must read from each match of `rule`, in
    /// the order [`crate::Observation::values`] gives them: the group-by
    /// fields (after alias resolution for that rule) and the aggregated
    /// field of every correlation that uses the rule, each once. `None`
    /// when no correlation uses the rule, so its matches need not be
    /// observed.
    pub fn fields_of(&self, rule: RuleKey) -> Option<&[String]> {
        self.rule_fields.get(&rule).map(Vec::as_slice)
    }

    /// Whether the caller should withhold `rule`'s own alerts: true when
    /// some correlation uses the rule and every correlation that uses it
    /// says `generate: false` (the default). Sigma's `generate: false`
    /// means "only the correlation is generated"; a rule that one
    /// correlation asks to generate is shown.
    pub fn hides_base_alerts(&self, rule: RuleKey) -> bool {
        self.rule_feeds.get(&rule).is_some_and(|users| {
            users
                .iter()
                .all(|&(correlation, _)| !self.correlations[correlation].generate)
        })
    }

    /// The same rule for a chained correlation: true when some correlation
    /// uses the correlation at `index` and every one that does says
    /// `generate: false`.
    pub fn hides_correlation_alerts(&self, index: usize) -> bool {
        let users = &self.correlation_feeds[index];
        !users.is_empty()
            && users
                .iter()
                .all(|&(parent, _)| !self.correlations[parent].generate)
    }

    pub(crate) fn compiled(&self, index: usize) -> &Compiled {
        &self.compiled[index]
    }

    /// Correlation indices, every child before the parents that use it.
    pub(crate) fn order(&self) -> &[usize] {
        &self.order
    }
}

/// The fields a correlation reads from one input, named as that input's
/// events name them.
struct Wanted {
    group: Vec<String>,
    value: Option<String>,
}

/// Resolve the group-by names and the condition's field for the input
/// written `reference` in `rules`. An alias applies wherever the
/// correlation names a field (group-by and the condition's field); a name
/// that is not an alias, or an alias that does not map this input, is the
/// field's own name.
fn wanted_fields(correlation: &Correlation, reference: &str) -> Wanted {
    let resolve = |name: &str| -> String {
        correlation
            .aliases
            .iter()
            .find(|alias| alias.alias == name)
            .and_then(|alias| {
                alias
                    .mapping
                    .iter()
                    .find(|(rule, _)| rule == reference)
                    .map(|(_, field)| field.clone())
            })
            .unwrap_or_else(|| name.to_owned())
    };
    let value = correlation
        .kind
        .needs_field()
        .then(|| {
            correlation
                .condition
                .as_ref()
                .and_then(|c| c.field.as_deref())
        })
        .flatten()
        .map(resolve);
    Wanted {
        group: correlation.group_by.iter().map(|g| resolve(g)).collect(),
        value,
    }
}

/// A depth-first post-order over correlation references: children first,
/// and a reference back to a correlation still on the path is a cycle.
fn evaluation_order(
    correlations: &[Correlation],
    references: &[Vec<Reference>],
) -> Result<Vec<usize>, PlanError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unvisited,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::Unvisited; correlations.len()];
    let mut order = Vec::with_capacity(correlations.len());
    for root in 0..correlations.len() {
        if marks[root] != Mark::Unvisited {
            continue;
        }
        // (correlation, next reference to look at): an explicit stack, so
        // a long chain cannot overflow the thread's stack.
        let mut stack = vec![(root, 0usize)];
        marks[root] = Mark::OnPath;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match references[node].get(*next) {
                Some(reference) => {
                    *next += 1;
                    if let Reference::Correlation(child) = *reference {
                        match marks[child] {
                            Mark::Unvisited => {
                                marks[child] = Mark::OnPath;
                                stack.push((child, 0));
                            }
                            Mark::OnPath => {
                                return Err(PlanError::Cycle(display_name(&correlations[child])));
                            }
                            Mark::Done => {}
                        }
                    }
                }
                None => {
                    marks[node] = Mark::Done;
                    order.push(node);
                    stack.pop();
                }
            }
        }
    }
    Ok(order)
}

fn display_name(correlation: &Correlation) -> String {
    correlation
        .meta
        .name
        .as_ref()
        .or(correlation.meta.id.as_ref())
        .map_or_else(|| correlation.meta.title.value.clone(), |s| s.value.clone())
}

/// Seconds to nanoseconds, saturating: a timespan longer than the `i64`
/// range of nanoseconds (about 292 years) covers every event anyway.
fn nanos_of_secs(seconds: u64) -> Nanos {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000))
        .unwrap_or(Nanos::MAX)
}
