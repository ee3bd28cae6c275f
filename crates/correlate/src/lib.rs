/*!
Sigma correlation rules, evaluated exactly over base-rule matches.

The matcher says which rules matched which event; this crate turns those
matches into behaviour over time: counts, distinct values, sums, averages,
percentiles and temporal proximity, per group, inside sliding windows
(`docs/correlations.md` defines them precisely). It owns the correlation
state and its bounds, and nothing else.

Data flow: the caller compiles a [`Plan`] from the loaded correlation rules
(each reference resolved to a base rule or another correlation), asks
[`Plan::fields_of`] which fields to read from each match of a base rule,
feeds [`Observation`]s in any order into a [`Collector`] (one per thread,
merged with [`Collector::absorb`]; past [`Limits::max_collected`] it moves
them to sorted temporary files), and [`Collector::finish`] evaluates them: it orders them by (time, source), so
the result does not depend on input order or thread count, and streams
them through one state machine per correlation. It returns the
[`CorrelationAlert`]s with their evidence and a [`Report`] of what could
not be used (events without a time, non-numeric values, groups dropped at
the cardinality cap).

This crate must not know about events, log files, rule matching or output
formats: it sees field values as text, times as nanoseconds, and sources as
opaque ordered positions the caller maps back to files and records.
*/

mod collect;
mod exact_sum;
mod finish;
mod measure;
mod plan;
mod spill;
mod window;

pub use collect::Collector;
pub use measure::{nearest_rank, share_percent};
pub use plan::{Limits, Plan, PlanError, Reference, RuleKey};

/// Nanoseconds since the Unix epoch (UTC).
pub type Nanos = i64;

/// Where a base-rule match came from: the caller's stable input number
/// (assign it from the sorted input paths, not from the order files were
/// read, so results do not depend on the order of files) and a position in
/// that input (line or record number). Ties in time are broken by this
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceRef {
    pub input: u32,
    pub position: u64,
}

/// One match of a base rule that some correlation uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub rule: RuleKey,
    /// `None` when the event has no usable timestamp: counted per
    /// correlation in the [`Report`], never used.
    pub time: Option<Nanos>,
    /// The event's values of [`Plan::fields_of`]`(rule)`, in that order;
    /// `None` when the field is absent or null. A list-valued field is
    /// given as its values joined by `, `.
    pub values: Vec<Option<Box<str>>>,
    pub source: SourceRef,
}

/// One correlation rule that held.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationAlert {
    /// The correlation's index in the [`Plan`] (the order given to
    /// [`Plan::new`]).
    pub correlation: usize,
    /// `(group-by name, value)`, in the rule's group-by order.
    pub group: Vec<(String, Option<String>)>,
    /// The times of the first and last contributing events: the earliest
    /// match of the window the alert opened in, and the last instant at
    /// which the condition held.
    pub window_start: Nanos,
    pub window_end: Nanos,
    /// The measured figure of the window ending at `window_end` (the last
    /// evaluation that held, not the peak): the count, the distinct
    /// count, the sum, mean, median, percentile or share.
    pub figure: f64,
    /// The counted values: for `value_count` and the `value_*` kinds the
    /// distinct values of the field, in order of first occurrence; for the
    /// temporal kinds the rules seen, as written in `rules`; empty for
    /// `event_count`. Up to [`Limits::evidence_cap`].
    pub values: Vec<String>,
    /// The contributing events, in time order, up to
    /// [`Limits::evidence_cap`] (for a chained correlation: the evidence
    /// of the child alerts it used) ...
    pub evidence: Vec<SourceRef>,
    /// ... and how many there were in all.
    pub evidence_total: u64,
}

/// What a run could not use, per correlation (indices as in the [`Plan`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Matches without a usable timestamp, per correlation.
    pub missing_time: Vec<(usize, u64)>,
    /// Matches whose aggregated field was absent (or, for the numeric
    /// kinds, not a number), per correlation.
    pub unusable_value: Vec<(usize, u64)>,
    /// Correlations that hit [`Limits::max_groups`] or
    /// [`Limits::max_buffered`]: how many groups were dropped, and some of
    /// their group-by values.
    pub degraded: Vec<Degraded>,
    /// Temporary files for observations past [`Limits::max_collected`]
    /// could not be written or read back: what went wrong. When reading
    /// failed, the matches in them were not evaluated.
    pub spill_failure: Option<String>,
}

/// A correlation whose result is incomplete because a bound was reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Degraded {
    pub correlation: usize,
    /// Matches not evaluated: they would have opened a group past
    /// [`Limits::max_groups`], or been held past [`Limits::max_buffered`].
    pub dropped_matches: u64,
    /// The group-by values of the first few groups that lost matches.
    pub examples: Vec<Vec<Option<String>>>,
}
