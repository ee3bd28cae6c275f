//! The normalized view of an event, for `scan --with-event`.
//!
//! Readers expose events through field lookups by Sigma taxonomy name, not
//! as a list of fields (a lookup may be an alias or a join of native
//! fields), so the normalized view is the lookup of a fixed list of
//! taxonomy names: the ones the readers map and the rules use. A name the
//! event does not have is left out. The record's own field names are in
//! the alert's `original`.

use serde::Serialize;
use serde_json::{Map, Value};
use tunnelhunt_engine::{Event, FieldValue, Lookup};

/// Sigma taxonomy names shown in `event.fields`, grouped by what they
/// describe: the process, its parent, the user and host, the network, DNS,
/// the registry, and logons.
pub const NORMALIZED_FIELDS: &[&str] = &[
    "Image",
    "OriginalFileName",
    "Product",
    "Description",
    "Company",
    "CommandLine",
    "CurrentDirectory",
    "ProcessId",
    "IntegrityLevel",
    "Hashes",
    "ParentImage",
    "ParentCommandLine",
    "ParentProcessId",
    "ParentUser",
    "User",
    "Computer",
    "Protocol",
    "Initiated",
    "SourceIp",
    "SourcePort",
    "SourceHostname",
    "DestinationIp",
    "DestinationPort",
    "DestinationHostname",
    "QueryName",
    "QueryResults",
    "QueryRegisteredDomain",
    "QuerySubdomain",
    "QuerySubdomainLength",
    "QueryLongestLabelLength",
    "QueryLabelCount",
    "QuerySubdomainEntropy",
    "EventType",
    "TargetObject",
    "Details",
    "LogonType",
    "IpAddress",
    "IpPort",
    "TargetUserName",
    "ScriptBlockText",
];

/// `event` in a `--with-event` alert.
#[derive(Debug, Serialize)]
pub struct EventJson {
    /// What logsource routing saw: product, category, service, channel,
    /// provider, event id (those the event has).
    pub logsource: Map<String, Value>,
    /// Taxonomy name → value (a list for a list-valued field).
    pub fields: Map<String, Value>,
}

impl EventJson {
    pub fn of(event: &dyn Event) -> EventJson {
        let kind = event.kind();
        let mut logsource = Map::new();
        let named = [
            ("product", kind.product),
            ("category", kind.category),
            ("service", kind.service),
            ("channel", kind.channel),
            ("provider", kind.provider),
        ];
        for (name, value) in named {
            if let Some(value) = value {
                logsource.insert(name.to_owned(), Value::from(value));
            }
        }
        if let Some(id) = kind.event_id {
            logsource.insert("event_id".to_owned(), Value::from(id));
        }
        let mut fields = Map::new();
        for &name in NORMALIZED_FIELDS {
            let value = match event.field(name) {
                Lookup::Absent => continue,
                Lookup::One(value) => json(&value),
                Lookup::Many(values) => values.iter().map(json).collect(),
            };
            fields.insert(name.to_owned(), value);
        }
        EventJson { logsource, fields }
    }
}

fn json(value: &FieldValue<'_>) -> Value {
    match value {
        FieldValue::Null => Value::Null,
        FieldValue::Bool(b) => Value::from(*b),
        FieldValue::Int(i) => Value::from(*i),
        FieldValue::Float(f) => Value::from(*f),
        FieldValue::Str(s) => Value::from(s.as_ref()),
    }
}
