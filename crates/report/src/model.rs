//! What a hunt report shows, as typed data.
//!
//! The alerts and the summary are read back from the scan's two documented
//! JSON schemas (an alert per line, `--summary json`), not from the
//! scanner's own types: the report then depends on the interface users
//! depend on, and this crate knows nothing about log formats or the
//! engine. Fields the report does not show are ignored when read, so a
//! field added to either schema never breaks it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::page::RulePage;

/// A Sigma rule level, lowest first (so `Ord` ranks severity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// Parse a level name as Sigma writes it; anything else is `None`.
    pub fn parse(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

/// One alert, as the scan's JSON-lines output has it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alert {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    pub rule_title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    #[serde(default)]
    pub attack: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_image: Option<String>,
    #[serde(default, skip_serializing_if = "Destination::is_empty")]
    pub destination: Destination,
    /// The querying or connecting host of a DNS or network event (Zeek
    /// `id.orig_h`, Sysmon's source): the entity a responder acts on when
    /// the log has no host of its own.
    #[serde(default, skip_serializing_if = "Destination::is_empty")]
    pub client: Destination,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_object: Option<String>,
    pub source: SourceRef,
    /// The normalized fields and logsource of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<NormalizedEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<CorrelationEvidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<BehaviourEvidence>,
}

impl Alert {
    /// The host the alert is about: the event's computer, else the
    /// client's name or address (a sensor's entry names no host).
    pub fn host(&self) -> Option<&str> {
        self.computer
            .as_deref()
            .or(self.client.hostname.as_deref())
            .or(self.client.ip.as_deref())
    }

    /// What the event did, in one line: the command line, else the
    /// destination, the DNS name or the registry key.
    pub fn activity(&self) -> Option<String> {
        self.command_line
            .clone()
            .or_else(|| self.correlation.as_ref().map(CorrelationEvidence::summary))
            .or_else(|| self.behaviour.as_ref().map(BehaviourEvidence::summary))
            .or_else(|| self.query.clone())
            .or_else(|| self.destination.label())
            .or_else(|| self.target_object.clone())
            .or_else(|| self.image.clone())
    }

    /// The alert's place in its file.
    pub fn location(&self) -> String {
        self.source.label()
    }
}

/// Where an event connects to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Destination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

impl Destination {
    pub fn is_empty(&self) -> bool {
        self.hostname.is_none() && self.ip.is_none() && self.port.is_none()
    }

    /// `host:port`, `ip:port`, `host`, `:port`.
    pub fn label(&self) -> Option<String> {
        let host = self.hostname.as_deref().or(self.ip.as_deref());
        match (host, self.port) {
            (None, None) => None,
            (Some(h), Some(p)) if h.contains(':') => Some(format!("[{h}]:{p}")),
            (Some(h), Some(p)) => Some(format!("{h}:{p}")),
            (Some(h), None) => Some(h.to_owned()),
            (None, Some(p)) => Some(format!(":{p}")),
        }
    }
}

/// Where the matching record is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceRef {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk: Option<u64>,
    /// The packet of a capture, and its record's byte offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
    #[serde(default)]
    pub format: String,
}

impl SourceRef {
    /// `path:line`, `path#record`, `path#packet=N (byte B)`, or the path —
    /// the spellings of the scan's own messages.
    pub fn label(&self) -> String {
        match (self.line, self.record_id, self.packet) {
            (Some(line), _, _) => format!("{}:{line}", self.path),
            (None, Some(record), _) => format!("{}#{record}", self.path),
            (None, None, Some(packet)) => match self.byte_offset {
                Some(offset) => format!("{}#packet={packet} (byte {offset})", self.path),
                None => format!("{}#packet={packet}", self.path),
            },
            (None, None, None) => self.path.clone(),
        }
    }
}

/// The normalized view of the event (`event` of `--with-event`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NormalizedEvent {
    #[serde(default)]
    pub logsource: Map<String, Value>,
    #[serde(default)]
    pub fields: Map<String, Value>,
}

/// The evidence of a correlation alert.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorrelationEvidence {
    #[serde(rename = "type")]
    pub kind: String,
    pub timespan: String,
    pub condition: String,
    #[serde(default)]
    pub group: Map<String, Value>,
    pub window_start: String,
    pub window_end: String,
    pub figure: Number,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<SourceRef>,
    #[serde(default)]
    pub evidence_total: u64,
}

impl CorrelationEvidence {
    pub fn summary(&self) -> String {
        format!(
            "{} {} ({} in {}), {} events",
            self.kind, self.figure, self.condition, self.timespan, self.evidence_total
        )
    }
}

/// The evidence of a behaviour alert (a beacon, a long-lived connection,
/// a DNS channel): the analytic, its score and what it grouped by.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BehaviourEvidence {
    pub analytic: String,
    pub score: f64,
    #[serde(default)]
    pub key: Map<String, Value>,
    #[serde(default)]
    pub evidence_total: u64,
}

impl BehaviourEvidence {
    /// `beacon score 0.876 (host=…, destination=…), 61 events`.
    pub fn summary(&self) -> String {
        let key: Vec<String> = self
            .key
            .iter()
            .map(|(name, value)| match value {
                Value::String(text) => format!("{name}={text}"),
                other => format!("{name}={other}"),
            })
            .collect();
        format!(
            "{} score {} ({}), {} events",
            self.analytic,
            self.score,
            key.join(", "),
            self.evidence_total
        )
    }
}

/// The scan summary (`--summary json`), the parts the report shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    #[serde(default)]
    pub rules: RuleFigures,
    #[serde(default)]
    pub elapsed_seconds: f64,
    #[serde(default)]
    pub files: FileFigures,
    #[serde(default)]
    pub formats: BTreeMap<String, FormatFigures>,
    #[serde(default)]
    pub totals: FormatFigures,
    #[serde(default)]
    pub skipped: Vec<SkipGroup>,
    #[serde(default)]
    pub unreadable: Vec<String>,
    #[serde(default)]
    pub time_range: TimeRange,
    #[serde(default)]
    pub stopped: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleFigures {
    pub compiled: u64,
    pub files: u64,
    pub errors: u64,
    pub not_selected: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileFigures {
    pub found: u64,
    pub read: u64,
    pub skipped: u64,
    pub unreadable: u64,
}

/// Record accounting for one input format:
/// `records_read = events_evaluated + skipped_by_prefilter + unparseable`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FormatFigures {
    pub files: u64,
    pub bytes: u64,
    pub records_read: u64,
    pub events_evaluated: u64,
    pub skipped_by_prefilter: u64,
    pub unparseable: u64,
    #[serde(default)]
    pub first_unparseable: Vec<String>,
    pub damaged: u64,
    #[serde(default)]
    pub first_damaged: Vec<String>,
    pub alerts: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SkipGroup {
    pub reason: String,
    pub count: u64,
    #[serde(default)]
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TimeRange {
    pub from: Option<String>,
    pub to: Option<String>,
    pub alerts_outside: u64,
    pub alerts_without_timestamp: u64,
}

/// How the scan was run: what a colleague needs to reproduce it.
#[derive(Debug, Clone, Default)]
pub struct RunCard {
    /// The command line, as typed.
    pub command: String,
    pub version: String,
    /// Rule paths, or the built-in pack's name.
    pub rules: Vec<String>,
    pub filters: Vec<String>,
    pub inputs: Vec<String>,
}

/// Everything one hunt report holds.
#[derive(Debug, Clone)]
pub struct HuntReport {
    pub run: RunCard,
    pub summary: Summary,
    /// The alerts kept, in output order.
    pub alerts: Vec<Alert>,
    /// Alerts the scan printed; more than `alerts.len()` when the report
    /// kept only the top ones (see [`crate::limits`]).
    pub alerts_total: u64,
    /// The detection page of each rule that fired, embedded.
    pub rules: Vec<RulePage>,
}
