//! Splunk search results: the event is the result's `_raw`.
//!
//! Splunk keeps a Windows event as the text its input read: with
//! `renderXml=true` (sourcetype `XmlWinEventLog`, the Splunk Add-on for
//! Windows' default for Sysmon and recommended for the rest) that is the
//! event's own `<Event xmlns=…>` element, Splunk's `<RenderingInfo>`
//! included, which [`crate::xml`] reads exactly as it reads `wevtutil`
//! output. The result's other fields (`_time`, `host`, `source`,
//! extracted fields) are Splunk's view of that text and are not needed:
//! the event carries its own time, computer and channel.

use serde_json::{Map, Value};

use super::SiemExportError;
use crate::json::EvtxJsonEvent;

/// The field that holds the event's raw text.
pub const RAW: &str = "_raw";

/// The key under which Splunk's export lines hold the result.
const RESULT: &str = "result";

/// Whether a JSON object is a Splunk result: an export line
/// `{"preview":…,"result":{"_raw":…}}`, or a result object itself.
pub fn is_result(object: &Map<String, Value>) -> bool {
    let wrapped = object
        .get(RESULT)
        .and_then(Value::as_object)
        .is_some_and(|result| result.contains_key(RAW));
    wrapped || matches!(object.get(RAW), Some(Value::String(_)))
}

/// The event a Splunk result holds.
pub fn event(record: &Map<String, Value>) -> Result<EvtxJsonEvent, SiemExportError> {
    let result = match record.get(RESULT) {
        Some(Value::Object(result)) => result,
        _ => record,
    };
    let raw = match result.get(RAW) {
        None | Some(Value::Null) => return Err(SiemExportError::NoRaw),
        Some(Value::String(raw)) => raw.trim(),
        Some(_) => return Err(SiemExportError::RawNotText),
    };
    if starts_event_element(raw) {
        return crate::xml::parse_embedded(raw).map_err(|kind| SiemExportError::EmbeddedXml {
            field: RAW,
            reason: kind.to_string(),
        });
    }
    if is_classic_text(raw) {
        return Err(SiemExportError::ClassicWinEventLog);
    }
    Err(SiemExportError::RawNotAnEvent {
        start: raw.chars().take(40).collect(),
    })
}

/// `<Event` followed by the end of its name.
fn starts_event_element(raw: &str) -> bool {
    raw.strip_prefix("<Event")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c == '>' || c.is_ascii_whitespace())
}

/// Splunk's classic rendering: `key=value` lines, `LogName` and
/// `EventCode` among them.
fn is_classic_text(raw: &str) -> bool {
    let has_line = |key: &str| raw.lines().any(|line| line.trim_start().starts_with(key));
    has_line("LogName=") && has_line("EventCode=")
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tunnelhunt_engine::{Event, FieldValue, Lookup};

    use super::*;

    const XML: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\
        <System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>\
        <Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>pc1</Computer></System>\
        <EventData><Data Name='CommandLine'>plink -R 1:a:2</Data></EventData>\
        <RenderingInfo Culture='en-US'><Message>Process Create:</Message>\
        <Level>Information</Level><Keywords><Keyword></Keyword></Keywords></RenderingInfo></Event>";

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn the_event_is_the_raw_xml_rendering_info_and_all() {
        for record in [
            json!({"preview": false, "result": {"_raw": XML, "_time": "2024-01-01T00:00:00.000+00:00"}}),
            json!({"_raw": format!("\n{XML}\n"), "host": "pc1"}),
        ] {
            let record = object(record);
            assert!(is_result(&record));
            let event = event(&record).unwrap();
            assert_eq!(
                event.field("CommandLine"),
                Lookup::One(FieldValue::Str("plink -R 1:a:2".into()))
            );
            assert_eq!(event.kind().event_id, Some(1));
            assert!(
                event.field("Message").is_absent(),
                "RenderingInfo is not EventData"
            );
        }
    }

    #[test]
    fn what_is_not_an_xml_event_says_why() {
        let classic = "12/11/2020 12:28:01 PM\nLogName=Security\nEventCode=4688\nEventType=0\n\
            Message=A new process has been created.";
        let cases = [
            (json!({"result": {"_time": "x"}}), SiemExportError::NoRaw),
            (json!({"_raw": ["a", "b"]}), SiemExportError::RawNotText),
            (
                json!({"_raw": classic}),
                SiemExportError::ClassicWinEventLog,
            ),
            (
                json!({"_raw": "Dec 11 host sshd[1]: Accepted"}),
                SiemExportError::RawNotAnEvent {
                    start: "Dec 11 host sshd[1]: Accepted".to_owned(),
                },
            ),
        ];
        for (record, expected) in cases {
            assert_eq!(event(&object(record)).unwrap_err(), expected);
        }
        let broken = object(json!({"_raw": "<Event><System></Event>"}));
        let SiemExportError::EmbeddedXml { field, reason } = event(&broken).unwrap_err() else {
            panic!("malformed XML");
        };
        assert_eq!(field, RAW);
        assert!(reason.contains("malformed XML"), "{reason}");
        assert!(!is_result(&object(json!({"result": {"x": 1}}))));
    }
}
