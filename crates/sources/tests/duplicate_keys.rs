//! Duplicate JSON keys (issue 15): a record that names `CommandLine` twice,
//! once with a tunnelling command line and once with a benign one, must be
//! matched whichever comes first, by every JSON reader, at the top level
//! and in nested objects; and the record says which key was repeated.
//!
//! Windows never writes a name twice in one element, so a duplicate is
//! either a broken exporter or someone hiding a value from a tool that
//! keeps the other one.

use crate::common;

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use common::compile_bodies;
use tunnelhunt_engine::{Event, Lookup, Matcher};
use tunnelhunt_sources::{Format, Record, RecordReader};

const TUNNEL: &str = "ssh.exe -N -L 8443:10.0.0.5:3389 ops@203.0.113.20";
const BENIGN: &str = "notepad.exe C:\\\\notes.txt";

fn matcher() -> Matcher {
    compile_bodies(&[(
        "ssh_local_forward",
        "logsource: {category: process_creation, product: windows}\n\
         detection:\n  sel:\n    CommandLine|contains: ' -L '\n  condition: sel",
    )])
}

fn read(format: Format, text: &str) -> Vec<Record> {
    let path: Arc<Path> = Arc::from(Path::new("dup.json"));
    let reader = RecordReader::new(
        format,
        Box::new(Cursor::new(text.as_bytes().to_vec())),
        path,
    );
    reader
        .map(|r| r.unwrap_or_else(|e| panic!("{format:?}: {e}\n{text}")))
        .collect()
}

/// Whether the rule fires on the one record `template` makes with `FIRST`
/// and `SECOND` replaced by the two command lines, in each order; and
/// that the record reports the repeated key as `noted`.
fn fires_both_ways(format: Format, template: &str, noted: &str) -> [bool; 2] {
    let matcher = matcher();
    let mut scratch = matcher.scratch();
    [(TUNNEL, BENIGN), (BENIGN, TUNNEL)].map(|(first, second)| {
        let text = template.replace("FIRST", first).replace("SECOND", second);
        let records = read(format, &text);
        assert_eq!(records.len(), 1, "{format:?}: {text}");
        assert_eq!(records[0].duplicate_keys().to_string(), noted, "{text}");
        let mut hits = Vec::new();
        matcher.matches(&records[0].event, &mut scratch, &mut hits);
        !hits.is_empty()
    })
}

const SYSMON_SYSTEM: &str =
    r#""System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"}"#;

#[test]
fn evtx_json_event_data_named_twice() {
    let template = format!(
        r#"{{"Event":{{{SYSMON_SYSTEM},"EventData":{{"Image":"C:\\x.exe","CommandLine":"FIRST","CommandLine":"SECOND"}}}}}}"#
    );
    assert_eq!(
        fires_both_ways(
            Format::EvtxJson,
            &template,
            "key 'Event.EventData.CommandLine' appears 2 times"
        ),
        [true, true]
    );
}

#[test]
fn evtx_json_event_data_object_given_twice() {
    let template = format!(
        r#"{{"Event":{{{SYSMON_SYSTEM},"EventData":{{"CommandLine":"FIRST"}},"EventData":{{"CommandLine":"SECOND"}}}}}}"#
    );
    assert_eq!(
        fires_both_ways(
            Format::EvtxJson,
            &template,
            "key 'Event.EventData' appears 2 times"
        ),
        [true, true]
    );
}

#[test]
fn evtx_json_event_given_twice() {
    let template = format!(
        r#"{{"Event":{{{SYSMON_SYSTEM},"EventData":{{"CommandLine":"FIRST"}}}},"Event":{{"EventData":{{"CommandLine":"SECOND"}}}}}}"#
    );
    assert_eq!(
        fires_both_ways(Format::EvtxJson, &template, "key 'Event' appears 2 times"),
        [true, true]
    );
}

#[test]
fn ecs_command_line_named_twice() {
    let template = r#"{"@timestamp":"2024-05-02T09:14:05Z","ecs":{"version":"8.11.0"},"event":{"category":["process"],"type":["start"]},"host":{"os":{"type":"windows"}},"process":{"executable":"C:\\x.exe","command_line":"FIRST","command_line":"SECOND"}}"#;
    assert_eq!(
        fires_both_ways(
            Format::Ecs,
            template,
            "key 'process.command_line' appears 2 times"
        ),
        [true, true]
    );
}

#[test]
fn ecs_process_object_given_twice() {
    let template = r#"{"@timestamp":"2024-05-02T09:14:05Z","ecs":{"version":"8.11.0"},"event":{"category":["process"],"type":["start"]},"host":{"os":{"type":"windows"}},"process":{"executable":"C:\\x.exe","command_line":"FIRST"},"process":{"command_line":"SECOND"}}"#;
    assert_eq!(
        fires_both_ways(Format::Ecs, template, "key 'process' appears 2 times"),
        [true, true]
    );
}

#[test]
fn ecs_winlog_event_data_named_twice() {
    let template = r#"{"@timestamp":"2024-05-02T09:14:05Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","provider_name":"Microsoft-Windows-Sysmon","event_id":1,"event_data":{"CommandLine":"FIRST","CommandLine":"SECOND"}}}"#;
    assert_eq!(
        fires_both_ways(
            Format::Ecs,
            template,
            "key 'winlog.event_data.CommandLine' appears 2 times"
        ),
        [true, true]
    );
}

#[test]
fn defender_command_line_named_twice() {
    let template = r#"{"Timestamp":"2024-05-02T09:14:05Z","DeviceName":"wks1","ActionType":"ProcessCreated","FileName":"ssh.exe","ProcessCommandLine":"FIRST","ProcessCommandLine":"SECOND"}"#;
    assert_eq!(
        fires_both_ways(
            Format::MdeJson,
            template,
            "key 'ProcessCommandLine' appears 2 times"
        ),
        [true, true]
    );
}

#[test]
fn defender_streaming_properties_given_twice() {
    let template = r#"{"time":"2024-05-02T09:14:05Z","category":"AdvancedHunting-DeviceProcessEvents","properties":{"DeviceName":"wks1","ActionType":"ProcessCreated","ProcessCommandLine":"FIRST"},"properties":{"ProcessCommandLine":"SECOND"}}"#;
    assert_eq!(
        fires_both_ways(
            Format::MdeJson,
            template,
            "key 'properties' appears 2 times"
        ),
        [true, true]
    );
}

#[test]
fn ecs_event_data_field_in_two_spellings() {
    let template = r#"{"@timestamp":"2024-05-02T09:14:05Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","provider_name":"Microsoft-Windows-Sysmon","event_id":1,"event_data":{"CommandLine":"FIRST"}},"winlog.event_data.CommandLine":"SECOND"}"#;
    assert_eq!(
        fires_both_ways(
            Format::Ecs,
            template,
            "key 'winlog.event_data.CommandLine' appears 2 times"
        ),
        [true, true]
    );
}

#[test]
fn defender_wrapper_reports_its_repetitions_once() {
    let text = r#"{"Results":[{"DeviceName":"a","ActionType":"ProcessCreated","ProcessCommandLine":"x","ProcessCommandLine":"y"},{"DeviceName":"b","ActionType":"ProcessCreated"}]}"#;
    let records = read(Format::MdeJson, text);
    let noted: Vec<String> = records
        .iter()
        .map(|r| r.duplicate_keys().to_string())
        .collect();
    assert_eq!(
        noted,
        [
            "key 'Results.ProcessCommandLine' appears 2 times",
            "no repeated key"
        ]
    );
}

#[test]
fn zeek_json_query_named_twice_is_a_list() {
    let text =
        r#"{"_path":"dns","ts":1714641245.0,"query":"x.tunnel.example","query":"benign.example"}"#;
    let records = read(Format::ZeekJson, text);
    assert_eq!(records.len(), 1);
    let Lookup::Many(values) = records[0].event.field("query") else {
        panic!("{:?}", records[0].event.field("query"));
    };
    let values: Vec<_> = values.iter().filter_map(|v| v.as_text()).collect();
    assert_eq!(values, ["x.tunnel.example", "benign.example"]);
    assert_eq!(
        records[0].duplicate_keys().to_string(),
        "key 'query' appears 2 times"
    );
}

#[test]
fn records_without_repetition_report_none() {
    let text =
        format!(r#"{{"Event":{{{SYSMON_SYSTEM},"EventData":{{"CommandLine":"{TUNNEL}"}}}}}}"#);
    assert!(read(Format::EvtxJson, &text)[0].duplicate_keys().is_empty());
}

#[test]
fn ecs_field_flattened_and_nested() {
    let template = r#"{"@timestamp":"2024-05-02T09:14:05Z","ecs":{"version":"8.11.0"},"event":{"category":["process"],"type":["start"]},"host":{"os":{"type":"windows"}},"process":{"executable":"C:\\x.exe","command_line":"FIRST"},"process.command_line":"SECOND"}"#;
    assert_eq!(
        fires_both_ways(
            Format::Ecs,
            template,
            "key 'process.command_line' appears 2 times"
        ),
        [true, true]
    );
}

#[test]
fn xml_data_named_twice() {
    let template = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel></System><EventData><Data Name='CommandLine'>FIRST</Data><Data Name='CommandLine'>SECOND</Data></EventData></Event>";
    assert_eq!(
        fires_both_ways(
            Format::XmlEvents,
            template,
            "key 'Event.EventData.CommandLine' appears 2 times"
        ),
        [true, true]
    );
}
