//! Log Analytics (Microsoft Sentinel) rows of the `SecurityEvent` and
//! `Event` tables, put back into the event they were made from.
//!
//! A row names the event's place in its columns — `TimeGenerated`,
//! `Computer`, `EventID`, the channel (`Channel` in `SecurityEvent`,
//! `EventLog` in `Event`), the provider (`EventSourceName`, `Source`) —
//! and holds its EventData as XML text in `EventData`
//! (`<EventData xmlns=…><Data Name="…">…</Data></EventData>`, which the
//! `Event` table wraps in a `<DataItem>`). `SecurityEvent` also flattens
//! the EventData into columns named as Windows names them
//! (`NewProcessName`, `CommandLine`, `LogonType`, `IpAddress`…), filled
//! even when `EventData` is not: those columns complete the EventData,
//! never override it. The table's own columns ([`OWN_COLUMNS`]: tenant,
//! collection times, Sentinel's derived `Account`, `Activity`…) are not
//! the event's and are left out.
//!
//! The portal's CSV export writes `TimeGenerated [UTC]` and times as
//! `M/D/YYYY, h:mm:ss.fff AM`; both are read.

use serde_json::{Map, Value, json};

use super::{SiemExportError, column_text, evtx_event};
use crate::json::EvtxJsonEvent;

/// Log Analytics' own columns in `SecurityEvent` and `Event`, not
/// EventData names: bookkeeping, the columns the event's System part is
/// rebuilt from, and the values Sentinel derives (`Account` is
/// `SubjectDomainName\SubjectUserName` again, `Activity` the event's
/// description, `Process` the file name of `NewProcessName`).
pub const OWN_COLUMNS: &[&str] = &[
    "TenantId",
    "TimeGenerated",
    "TimeCollected",
    "SourceSystem",
    "Type",
    "MG",
    "ManagementGroupName",
    "Computer",
    "EventID",
    "EventData",
    "Channel",
    "EventSourceName",
    "Task",
    "Level",
    "Activity",
    "Account",
    "AccountType",
    "SubjectAccount",
    "TargetAccount",
    "Process",
    "EventOriginId",
    "SourceComputerId",
    "AzureDeploymentID",
    "Role",
    "Source",
    "EventLog",
    "EventLevel",
    "EventLevelName",
    "EventCategory",
    "UserName",
    "RenderedDescription",
    "ParameterXml",
    "_ResourceId",
    "_SubscriptionId",
    "_ItemId",
    "_BilledSize",
    "_IsBillable",
    "_TimeReceived",
];

/// The provider of every `SecurityEvent` row whose `EventSourceName` is
/// empty.
const SECURITY_AUDITING: &str = "Microsoft-Windows-Security-Auditing";

/// A column name as the portal's CSV header writes it, without the time
/// zone it adds (`TimeGenerated [UTC]`).
pub fn column_name(header: &str) -> &str {
    header.strip_suffix(" [UTC]").unwrap_or(header)
}

/// Whether the columns `has` names are those of a `SecurityEvent` or
/// `Event` row.
pub fn is_row(has: impl Fn(&str) -> bool) -> bool {
    has("TimeGenerated")
        && has("Computer")
        && has("EventID")
        && ["Channel", "EventLog", "EventSourceName", "EventData"]
            .iter()
            .any(|c| has(c))
}

/// Which table a row is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    SecurityEvent,
    Event,
}

/// The event a `SecurityEvent` or `Event` row was made from.
pub fn event(record: &Map<String, Value>) -> Result<EvtxJsonEvent, SiemExportError> {
    let row: Map<String, Value> = record
        .iter()
        .map(|(k, v)| (column_name(k).to_owned(), v.clone()))
        .collect();
    let text = |column: &str| row.get(column).and_then(column_text);
    let table = match text("Type").as_deref() {
        Some("SecurityEvent") => Table::SecurityEvent,
        Some("Event") => Table::Event,
        Some(other) => {
            return Err(SiemExportError::OtherTable {
                table: other.to_owned(),
            });
        }
        None if row.contains_key("EventLog") || row.contains_key("Source") => Table::Event,
        None => Table::SecurityEvent,
    };
    let event_id = text("EventID").ok_or(SiemExportError::NoEventId)?;
    let security = table == Table::SecurityEvent;
    let provider = (text("EventSourceName").or_else(|| text("Source")))
        .or_else(|| security.then(|| SECURITY_AUDITING.to_owned()));
    let channel = (text("Channel").or_else(|| text("EventLog")))
        .or_else(|| security.then(|| "Security".to_owned()));
    let time = text("TimeGenerated").map(|t| crate::mde::derive::portal_timestamp(&t).unwrap_or(t));

    let (mut data, user_data) = event_data(row.get("EventData"))?;
    for (column, value) in &row {
        if OWN_COLUMNS.contains(&column.as_str()) || has_data(&data, column) {
            continue;
        }
        if let Some(value) = column_text(value) {
            data.push(json!({"#attributes": {"Name": column}, "#text": value}));
        }
    }

    let mut system = Map::new();
    if let Some(provider) = provider {
        system.insert(
            "Provider".into(),
            json!({"#attributes": {"Name": provider}}),
        );
    }
    system.insert("EventID".into(), Value::String(event_id));
    if let Some(time) = time {
        system.insert(
            "TimeCreated".into(),
            json!({"#attributes": {"SystemTime": time}}),
        );
    }
    if let Some(channel) = channel {
        system.insert("Channel".into(), Value::String(channel));
    }
    if let Some(computer) = text("Computer") {
        system.insert("Computer".into(), Value::String(computer));
    }
    let mut event = Map::new();
    event.insert("System".into(), Value::Object(system));
    event.insert("EventData".into(), json!({ "Data": data }));
    if let Some(user_data) = user_data {
        event.insert("UserData".into(), user_data);
    }
    evtx_event(json!({ "Event": event }))
}

/// What the XML in an `EventData` column holds: the `Data` items of an
/// `<EventData>` (bare, or in the `Event` table's `<DataItem>`), or the
/// `<UserData>` of events that have one (Security 1102) instead; nothing
/// when the column is empty.
fn event_data(column: Option<&Value>) -> Result<(Vec<Value>, Option<Value>), SiemExportError> {
    let Some(text) = column.and_then(Value::as_str).map(str::trim) else {
        return Ok((Vec::new(), None));
    };
    if text.is_empty() {
        return Ok((Vec::new(), None));
    }
    let embedded = |reason: String| SiemExportError::EmbeddedXml {
        field: "EventData",
        reason,
    };
    let root = crate::xml::element_value(text.as_bytes(), 1, 1)
        .map_err(|kind| embedded(kind.to_string()))?;
    let root = root.get("DataItem").unwrap_or(&root);
    if let Some(user_data) = root.get("UserData") {
        return Ok((Vec::new(), Some(user_data.clone())));
    }
    let event_data = root
        .get("EventData")
        .ok_or_else(|| embedded("no `<EventData>` or `<UserData>` element".to_owned()))?;
    let items = match event_data.get("Data") {
        Some(Value::Array(items)) => items.clone(),
        Some(item) => vec![item.clone()],
        None => Vec::new(),
    };
    Ok((items, None))
}

/// Whether the `Data` items name `name` already.
fn has_data(data: &[Value], name: &str) -> bool {
    data.iter().any(|item| {
        item.get("#attributes")
            .and_then(|a| a.get("Name"))
            .and_then(Value::as_str)
            == Some(name)
    })
}

#[cfg(test)]
mod tests {
    use tunnelhunt_engine::{Event, FieldValue, Lookup};

    use super::*;

    fn row(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    fn text<'a>(event: &'a EvtxJsonEvent, name: &str) -> Option<std::borrow::Cow<'a, str>> {
        match event.field(name) {
            Lookup::One(FieldValue::Str(s)) => Some(s),
            Lookup::Absent => None,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn security_event_with_event_data_and_flattened_columns() {
        let event = event(&row(json!({
            "TenantId": "t", "TimeGenerated [UTC]": "6/3/2021, 2:28:37.512 PM",
            "Account": "OFFSEC\\admmig", "Computer": "fs01.offsec.lan",
            "EventSourceName": "Microsoft-Windows-Security-Auditing", "Channel": "Security",
            "EventID": 4688, "Activity": "4688 - A new process has been created.",
            "EventData": "<EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\
                <Data Name=\"SubjectUserName\">admmig</Data><Data Name=\"SubjectDomainName\">OFFSEC</Data>\
                <Data Name=\"NewProcessName\">C:\\Windows\\System32\\netsh.exe</Data></EventData>",
            "NewProcessName": "C:\\other.exe", "CommandLine": "netsh interface portproxy add v4tov4",
            "ParentProcessName": "", "Type": "SecurityEvent"
        })))
        .unwrap();
        assert_eq!(event.kind().event_id, Some(4688));
        assert_eq!(event.channel(), Some("Security"));
        assert_eq!(event.computer(), Some("fs01.offsec.lan"));
        assert_eq!(
            event.timestamp().as_deref(),
            Some("2021-06-03T14:28:37.512Z")
        );
        // EventData wins over the flattened column; the mapping applies.
        assert_eq!(
            text(&event, "Image").as_deref(),
            Some("C:\\Windows\\System32\\netsh.exe")
        );
        assert_eq!(text(&event, "User").as_deref(), Some("OFFSEC\\admmig"));
        assert_eq!(
            text(&event, "CommandLine").as_deref(),
            Some("netsh interface portproxy add v4tov4")
        );
        assert_eq!(
            text(&event, "ParentProcessName"),
            None,
            "empty columns are absent"
        );
        assert_eq!(
            text(&event, "Activity"),
            None,
            "Log Analytics' own columns are not fields"
        );
    }

    #[test]
    fn event_table_with_data_item() {
        let event = event(&row(json!({
            "Source": "Microsoft-Windows-Sysmon", "EventLog": "Microsoft-Windows-Sysmon/Operational",
            "Computer": "pc1", "EventID": "1", "TimeGenerated": "2019-02-16T10:21:37.671Z",
            "EventData": "<DataItem type=\"System.XmlData\" time=\"2019-02-16T10:21:37.671Z\">\
                <EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\
                <Data Name=\"CommandLine\">plink.exe -R 1:a:2</Data></EventData></DataItem>",
            "RenderedDescription": "Process Create:", "Type": "Event"
        })))
        .unwrap();
        assert_eq!(event.provider(), Some("Microsoft-Windows-Sysmon"));
        assert_eq!(
            event.channel(),
            Some("Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(
            text(&event, "CommandLine").as_deref(),
            Some("plink.exe -R 1:a:2")
        );
        assert_eq!(text(&event, "RenderedDescription"), None);
    }

    #[test]
    fn rows_that_are_not_events_say_why() {
        let base = json!({"TimeGenerated": "x", "Computer": "c", "Channel": "Security"});
        assert_eq!(
            event(&row(base.clone())).unwrap_err(),
            SiemExportError::NoEventId
        );
        let mut other = row(base.clone());
        other.insert("EventID".into(), json!(1));
        other.insert("Type".into(), json!("Syslog"));
        assert_eq!(
            event(&other).unwrap_err(),
            SiemExportError::OtherTable {
                table: "Syslog".into()
            }
        );
        let mut broken = row(base);
        broken.insert("EventID".into(), json!(1));
        broken.insert("EventData".into(), json!("<EventData><Data>"));
        assert!(matches!(
            event(&broken).unwrap_err(),
            SiemExportError::EmbeddedXml {
                field: "EventData",
                ..
            }
        ));
        assert!(is_row(|c| [
            "TimeGenerated",
            "Computer",
            "EventID",
            "EventLog"
        ]
        .contains(&c)));
        assert!(!is_row(
            |c| ["TimeGenerated", "Computer", "EventID"].contains(&c)
        ));
    }
}
