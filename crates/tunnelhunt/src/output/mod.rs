//! What a person or a program sees: the alert record, the rule listing,
//! and small helpers for summaries. Commands decide *what* to print; this
//! module decides *how*, so the JSON field names live in one place.
//!
//! An alert is printed in one of three formats ([`printer::Printer`]):
//! JSON lines (this module's [`Alert`], the stable schema), CSV
//! ([`csv`], a flat projection of the same fields) and an aligned table
//! for people ([`table`]). The fourth, the HTML hunt report ([`html`]),
//! spools alerts as JSON lines and renders them once the scan ends; the
//! ATT&CK Navigator layer ([`layer`]) spools them the same way and counts
//! them per technique. Each alert is rendered on its own, without
//! looking at the others, so alerts stream out in bounded memory whatever
//! the format.

pub mod behaviour;
pub mod correlation;
pub mod csv;
pub mod event;
pub mod html;
pub mod layer;
pub mod printer;
pub mod table;
pub mod terminal;

use std::io::{self, Write};

use serde::Serialize;
use tunnelhunt_engine::Event;
use tunnelhunt_sigma::ast::{LogSource, Metadata};
use tunnelhunt_sources::Record;

use self::event::EventJson;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_command_line: Option<String>,
    /// Who asked or connected, for DNS and network events: the entity a
    /// responder acts on (see [`Client`]).
    #[serde(skip_serializing_if = "Client::is_empty")]
    pub client: Client,
    /// Where the event connects to, when it is a network event.
    #[serde(skip_serializing_if = "Destination::is_empty")]
    pub destination: Destination,
    /// The DNS name looked up (`QueryName`), for DNS events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The registry key written (`TargetObject`), for registry events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_object: Option<String>,
    pub source: AlertSource,
    /// `--with-event`: the normalized fields and logsource of the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EventJson>,
    /// `--with-event`: the record as its reader parsed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<serde_json::Value>,
    /// For a correlation alert: its group, window, figure and evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation: Option<correlation::CorrelationFacts>,
    /// For a behaviour alert: its score, figures and evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<behaviour::BehaviourFacts>,
}

/// The network destination of an event; every part optional.
#[derive(Debug, Default, Serialize)]
pub struct Destination {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

impl Destination {
    fn of(event: &dyn Event) -> Destination {
        Destination {
            hostname: first_text(event, "DestinationHostname").filter(|h| !is_unset(h)),
            ip: first_text(event, "DestinationIp").filter(|ip| !is_unset(ip)),
            port: first_text(event, "DestinationPort").and_then(|p| p.trim().parse().ok()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.hostname.is_none() && self.ip.is_none() && self.port.is_none()
    }

    /// `host:port`, `ip:port`, `host`, `:port` — the host name first, the
    /// way a person recognises a destination.
    pub fn label(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let host = self.hostname.as_deref().or(self.ip.as_deref());
        let host = match host {
            Some(h) if h.contains(':') && self.port.is_some() => format!("[{h}]"),
            Some(h) => h.to_owned(),
            None => String::new(),
        };
        Some(match self.port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        })
    }
}

/// The client of a DNS or network event: the querying or connecting host.
/// A network sensor's entry (Zeek) names two endpoints and no host, so
/// without this an alert on a DNS tunnel would name only the resolver.
/// `ip` and `port` are the event's source side (`SourceIp`: Zeek's
/// `id.orig_h`, Sysmon 3's and ECS's source address); `hostname` is
/// `SourceHostname`, or, for a DNS event logged on the asking host (Sysmon
/// 22, Defender), that host.
#[derive(Debug, Default, Serialize)]
pub struct Client {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

impl Client {
    fn of(event: &dyn Event, host: Option<&str>) -> Client {
        let ip = first_text(event, "SourceIp").filter(|ip| !is_unset(ip));
        let port = first_text(event, "SourcePort").and_then(|p| p.trim().parse().ok());
        let asked_here = ip.is_none() && !event.field("QueryName").is_absent();
        let hostname = first_text(event, "SourceHostname")
            .filter(|h| !is_unset(h))
            .or_else(|| host.filter(|_| asked_here).map(str::to_owned));
        Client { ip, port, hostname }
    }

    pub fn is_empty(&self) -> bool {
        self.ip.is_none() && self.port.is_none() && self.hostname.is_none()
    }
}

/// The host an alert is counted and shown under: the event's own host, or
/// for a sensor's entry that names none, the client address it saw (as the
/// table's HOST column shows it).
pub fn alert_host(record: &Record) -> Option<std::borrow::Cow<'_, str>> {
    let event = &record.event;
    match event.host() {
        Some(host) => Some(std::borrow::Cow::Borrowed(host)),
        None => Client::of(event, None).ip.map(std::borrow::Cow::Owned),
    }
}

/// Windows writes `-` for a field it has no value for.
fn is_unset(text: &str) -> bool {
    let text = text.trim();
    text.is_empty() || text == "-"
}

/// Where the matching record is: a line for text formats, the
/// `EventRecordID` and chunk number for EVTX, the packet number and its
/// record's byte offset for a packet capture.
#[derive(Debug, Serialize)]
pub struct AlertSource {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
    pub format: &'static str,
}

/// The fields [`Alert::new`] reads by name (with [`Destination::of`]):
/// a reader that keeps only some fields (`scan`'s projection) must keep
/// these whether or not a rule reads them. Time, host, event id and
/// channel are the event's own and always kept.
pub const ALERT_FIELDS: [&str; 13] = [
    "User",
    "Image",
    "CommandLine",
    "ParentImage",
    "ParentCommandLine",
    "SourceIp",
    "SourcePort",
    "SourceHostname",
    "DestinationHostname",
    "DestinationIp",
    "DestinationPort",
    "QueryName",
    "TargetObject",
];

impl<'a> Alert<'a> {
    pub fn new(meta: &'a Metadata, record: &Record) -> Alert<'a> {
        let event = &record.event;
        let kind = event.kind();
        let source = AlertSource {
            path: record.origin.path.display().to_string(),
            line: record.origin.line(),
            record_id: record.origin.record_id(),
            chunk: record.origin.chunk(),
            packet: record.origin.packet().map(|(number, _)| number),
            byte_offset: record.origin.packet().map(|(_, offset)| offset),
            format: record.origin.format.as_str(),
        };
        Alert {
            timestamp: event.timestamp().map(|t| t.into_owned()),
            computer: event.host().map(str::to_owned),
            client: Client::of(event, event.host()),
            event_id: kind.event_id,
            channel: kind.channel.map(str::to_owned),
            user: first_text(event, "User"),
            image: first_text(event, "Image"),
            command_line: first_text(event, "CommandLine"),
            parent_image: first_text(event, "ParentImage"),
            parent_command_line: first_text(event, "ParentCommandLine"),
            destination: Destination::of(event),
            query: first_text(event, "QueryName"),
            target_object: first_text(event, "TargetObject"),
            ..Alert::of_rule(meta, source)
        }
    }

    /// The rule's facts, located at `source`, with no event fields: what
    /// every alert starts from.
    pub fn of_rule(meta: &'a Metadata, source: AlertSource) -> Alert<'a> {
        Alert {
            rule_id: meta.id.as_ref().map(|id| id.value.as_str()),
            rule_title: &meta.title.value,
            level: meta.level.map(|l| l.as_str()),
            branch: meta.custom("branch").and_then(|v| v.as_str()),
            confidence: meta.custom("confidence").and_then(|v| v.as_str()),
            tags: &meta.tags,
            attack: meta.attack_techniques(),
            timestamp: None,
            computer: None,
            event_id: None,
            channel: None,
            user: None,
            image: None,
            command_line: None,
            parent_image: None,
            parent_command_line: None,
            client: Client::default(),
            destination: Destination::default(),
            query: None,
            target_object: None,
            source,
            event: None,
            original: None,
            correlation: None,
            behaviour: None,
        }
    }

    /// The alert with the normalized event only (for the HTML report,
    /// which shows why an alert fired but not the raw record).
    pub fn with_normalized_event(mut self, record: &Record) -> Alert<'a> {
        self.event = Some(EventJson::of(&record.event));
        self
    }

    /// The alert with the event attached (`--with-event`).
    pub fn with_event(mut self, record: &Record) -> Alert<'a> {
        self.event = Some(EventJson::of(&record.event));
        self.original = Some(record.event.to_json());
        self
    }
}

/// The first value of `field` as text, if it has one.
pub fn first_text(event: &dyn Event, field: &str) -> Option<String> {
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
