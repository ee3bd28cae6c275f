//! Compiling correlation rules into a plan: which base rules feed which
//! correlation, which fields each match must carry, in which order chained
//! correlations are evaluated.

use tunnelhunt_sigma::ast::Correlation;

/// The caller's number for a loaded base (detection) rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleKey(pub u32);

/// What one entry of a correlation's `rules` refers to, resolved by the
/// caller (which knows ids and names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_groups: 1_000_000,
            max_buffered: 10_000_000,
            evidence_cap: 100,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("correlation '{0}' refers to itself through its rules (a cycle)")]
    Cycle(String),
    #[error("correlation '{correlation}': reference {index} is out of range")]
    BadReference { correlation: String, index: usize },
}

/// The compiled correlations.
#[derive(Debug, Clone)]
pub struct Plan {
    correlations: Vec<Correlation>,
    references: Vec<Vec<Reference>>,
    limits: Limits,
}
