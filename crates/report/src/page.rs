//! The content of a detection page, as typed data the binary fills in
//! from the rule, its guide, the exporters and the scenarios.

use crate::model::Level;

/// One rule's detection page.
#[derive(Debug, Clone, Default)]
pub struct RulePage {
    /// File stem of the rule: the page's file name and anchor. Made only
    /// of `[A-Za-z0-9_-]` by [`slug`].
    pub slug: String,
    pub id: Option<String>,
    pub title: String,
    pub level: Option<Level>,
    pub confidence: Option<String>,
    pub branch: Option<String>,
    pub status: Option<String>,
    /// ATT&CK technique ids (`T1572`).
    pub attack: Vec<String>,
    pub description: Option<String>,
    /// `product / category / service`.
    pub logsource: String,
    /// The event fields the rule's condition tests (shown first when a
    /// responder asks why an alert fired).
    pub fields: Vec<String>,
    /// What the condition asks, in words.
    pub logic: Logic,
    /// The Sigma rule as written.
    pub sigma: String,
    /// One entry per SIEM target and flavor; empty when not exported.
    pub queries: Vec<TargetQuery>,
    pub falsepositives: Vec<String>,
    /// The investigation guide (Markdown), when the rule has one.
    pub guide: Option<String>,
    /// The scenarios whose records name this rule's branch.
    pub scenarios: Vec<ScenarioProof>,
    pub references: Vec<String>,
}

/// The condition of a rule as nested statements in words.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Logic {
    /// Every part holds.
    All(Vec<Logic>),
    /// At least one part holds.
    Any(Vec<Logic>),
    /// The part does not hold.
    Not(Box<Logic>),
    /// One test on one field, in words.
    Check(String),
    /// Not described (a rule whose condition could not be lowered).
    #[default]
    Unknown,
}

/// The query for one target, or why there is none.
#[derive(Debug, Clone)]
pub struct TargetQuery {
    /// `kql`, `spl` …
    pub target: String,
    /// The target's product name (`Microsoft KQL (Defender XDR)`).
    pub label: String,
    pub flavor: String,
    pub outcome: QueryOutcome,
}

#[derive(Debug, Clone)]
pub enum QueryOutcome {
    Query(String),
    /// The named refusal and its reason.
    Refused(String),
}

/// One scenario that proves (or tests) the rule, with its last result.
#[derive(Debug, Clone)]
pub struct ScenarioProof {
    pub name: String,
    pub description: String,
    pub cases: Vec<ProofCase>,
    /// The scenario was not run (its data is outside the repository).
    pub skipped: Option<String>,
}

/// One record of a scenario and what the rule's branch must do on it.
#[derive(Debug, Clone)]
pub struct ProofCase {
    pub location: String,
    pub summary: String,
    pub expectation: Expectation,
    /// The branch fired on the record in this run.
    pub fired: bool,
    /// The record's whole expectation held.
    pub passed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    MustAlert,
    MustNotAlert,
    MayAlert,
}

impl Expectation {
    pub fn label(self) -> &'static str {
        match self {
            Expectation::MustAlert => "must alert",
            Expectation::MustNotAlert => "must stay quiet",
            Expectation::MayAlert => "may alert",
        }
    }
}

/// A name usable as a file name and an HTML id: ASCII letters, digits,
/// `-` and `_`, everything else `_`.
pub fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if slug.is_empty() {
        "_".to_owned()
    } else {
        slug
    }
}

/// The index page: the pack's coverage matrix and the comparison with
/// the seed page.
#[derive(Debug, Clone, Default)]
pub struct IndexPage {
    pub title: String,
    /// Data sources (columns of the matrix), in order.
    pub sources: Vec<String>,
    /// Targets (columns of the export matrix), in order.
    pub targets: Vec<String>,
    pub rows: Vec<IndexRow>,
    /// `docs/coverage.md`, shown as its own page when given.
    pub coverage_markdown: Option<String>,
}

/// One rule in the index.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub slug: String,
    pub title: String,
    pub branch: String,
    pub level: Option<Level>,
    /// The rule's data source (one of [`IndexPage::sources`]).
    pub source: String,
    /// Per target in [`IndexPage::targets`] order: exported or refused.
    pub exported: Vec<bool>,
}
