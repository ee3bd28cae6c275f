//! What every rule object says about its rule, gathered once: the Sigma
//! metadata, the guide's sections, the ATT&CK mapping and the schedule.
//! Each target module only chooses field names and formats.

use tunnelhunt_sigma::ast::{AttrValue, Level, Metadata};

use crate::attack::{self, Mapping};
use crate::guide::Guide;
use crate::schedule::{Schedule, Schedules};

/// The severities SIEMs share (Sigma's `informational` is shown as low:
/// no target here has a lower alert severity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// A rule without a level is treated as medium, as its schedule is.
    pub fn from_level(level: Option<Level>) -> Severity {
        match level {
            Some(Level::Informational | Level::Low) => Severity::Low,
            Some(Level::Medium) | None => Severity::Medium,
            Some(Level::High) => Severity::High,
            Some(Level::Critical) => Severity::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The 0–100 risk score Elastic's prebuilt rules give each severity
    /// (21, 47, 73, 99); its repository's tests hold severity and score to
    /// these bands.
    pub fn risk_score(self) -> u8 {
        match self {
            Severity::Low => 21,
            Severity::Medium => 47,
            Severity::High => 73,
            Severity::Critical => 99,
        }
    }
}

/// Whether the object is for a rule or for a correlation over rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Rule,
    /// A correlation whose window is `timespan_secs`.
    Correlation {
        timespan_secs: u64,
    },
}

/// Everything a rule object carries besides the query.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: Option<String>,
    pub title: String,
    pub description: String,
    pub references: Vec<String>,
    pub author: Option<String>,
    /// `YYYY-MM-DD` as the rule writes it.
    pub date: Option<String>,
    pub modified: Option<String>,
    pub tags: Vec<String>,
    pub falsepositives: Vec<String>,
    pub severity: Severity,
    pub level: Option<Level>,
    pub branch: Option<String>,
    pub confidence: Option<String>,
    /// The native behaviour analytic this rule is the input of (`behaviour:`),
    /// whose matches `scan` scores instead of raising them as alerts.
    pub behaviour: Option<String>,
    pub attack: Mapping,
    pub guide: Guide,
    pub kind: Kind,
    pub schedule: Schedule,
}

impl RuleMeta {
    /// Gather a rule's (or correlation's) facts; `guide` is its guide's
    /// Markdown when it has one.
    pub fn new(
        meta: &Metadata,
        guide: Option<&str>,
        kind: Kind,
        schedules: &Schedules,
    ) -> RuleMeta {
        let custom = |key: &str| {
            meta.custom(key)
                .and_then(AttrValue::as_str)
                .map(str::to_owned)
        };
        let schedule = schedules.for_level(meta.level);
        let schedule = match kind {
            Kind::Rule => schedule,
            Kind::Correlation { timespan_secs } => schedule.for_window(timespan_secs),
        };
        RuleMeta {
            id: meta.id.as_ref().map(|id| id.value.clone()),
            title: meta.title.value.clone(),
            description: meta
                .description
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .unwrap_or(&meta.title.value)
                .to_owned(),
            references: meta.references.clone(),
            author: meta.author.clone(),
            date: meta.date.clone(),
            modified: meta.modified.clone(),
            tags: meta.tags.clone(),
            falsepositives: meta.falsepositives.clone(),
            severity: Severity::from_level(meta.level),
            level: meta.level,
            branch: custom("branch"),
            confidence: custom("confidence"),
            behaviour: custom("behaviour"),
            attack: attack::resolve(&meta.tags),
            guide: guide.map(Guide::parse).unwrap_or_default(),
            kind,
            schedule,
        }
    }

    /// `rule "Title" (id)`, as refusals name it.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("\"{}\" ({id})", self.title),
            None => format!("\"{}\"", self.title),
        }
    }
}
