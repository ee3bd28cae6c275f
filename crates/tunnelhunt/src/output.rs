//! What a person or a program sees: the alert record, the rule listing,
//! and small helpers for summaries. Commands decide *what* to print; this
//! module decides *how*, so the JSON field names live in one place.

use std::io::{self, Write};

use serde::Serialize;
use tunnelhunt_engine::Event;
use tunnelhunt_sigma::ast::{LogSource, Metadata};
use tunnelhunt_sources::Record;

/// One alert, printed as one JSON line. Field names are a stable
/// interface; optional fields are left out when the event lacks them.
#[derive(Debug, Serialize)]
pub struct Alert<'a> {
    pub rule_id: Option<&'a str>,
    pub rule_title: &'a str,
    pub level: Option<&'static str>,
    /// The rule's `branch` (e.g. `SshPortForwarding`): which detection
    /// branch fired, for triage and grouping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<&'a str>,
    /// The rule's `confidence` (low, medium, high).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<&'a str>,
    pub tags: &'a [String],
    /// ATT&CK technique ids from the tags (`attack.t1572` → `T1572`).
    pub attack: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_line: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_image: Option<String>,
    pub source: AlertSource,
}

/// Where the matching record is: a line for text formats, the
/// `EventRecordID` and chunk number for EVTX.
#[derive(Debug, Serialize)]
pub struct AlertSource {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk: Option<u64>,
    pub format: &'static str,
}

impl<'a> Alert<'a> {
    pub fn new(meta: &'a Metadata, record: &Record) -> Alert<'a> {
        let event = &record.event;
        let kind = event.kind();
        Alert {
            rule_id: meta.id.as_ref().map(|id| id.value.as_str()),
            rule_title: &meta.title.value,
            level: meta.level.map(|l| l.as_str()),
            branch: meta.custom("branch").and_then(|v| v.as_str()),
            confidence: meta.custom("confidence").and_then(|v| v.as_str()),
            tags: &meta.tags,
            attack: meta.attack_techniques(),
            timestamp: event.timestamp().map(|t| t.into_owned()),
            computer: event.host().map(str::to_owned),
            event_id: kind.event_id,
            channel: kind.channel.map(str::to_owned),
            user: first_text(event, "User"),
            image: first_text(event, "Image"),
            command_line: first_text(event, "CommandLine"),
            parent_image: first_text(event, "ParentImage"),
            source: AlertSource {
                path: record.origin.path.display().to_string(),
                line: record.origin.line(),
                record_id: record.origin.record_id(),
                chunk: record.origin.chunk(),
                format: record.origin.format.as_str(),
            },
        }
    }
}

fn first_text(event: &dyn Event, field: &str) -> Option<String> {
    let lookup = event.field(field);
    let text = lookup.values().first()?.as_text()?;
    Some(text.into_owned())
}

/// Write `value` as one line of JSON.
pub fn write_json_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// `1 rule`, `2 rules`.
pub fn plural(n: usize, singular: &str) -> String {
    if n == 1 {
        format!("{n} {singular}")
    } else {
        format!("{n} {singular}s")
    }
}

/// The logsource as a JSON object, absent parts left out.
#[derive(Debug, Serialize)]
pub struct LogSourceJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
}

impl<'a> From<&'a LogSource> for LogSourceJson<'a> {
    fn from(ls: &'a LogSource) -> Self {
        LogSourceJson {
            product: ls.product.as_deref(),
            category: ls.category.as_deref(),
            service: ls.service.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_forms() {
        assert_eq!(plural(0, "rule"), "0 rules");
        assert_eq!(plural(1, "file"), "1 file");
        assert_eq!(plural(2, "correlation"), "2 correlations");
    }
}
