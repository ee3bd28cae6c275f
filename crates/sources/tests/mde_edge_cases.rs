//! Defender for Endpoint: malformed rows between valid ones, and the less
//! common ways rows arrive (Sentinel exports, portal timestamps, records
//! without a timestamp column, a first record larger than the sniffed head).

use crate::common;

use std::path::{Path, PathBuf};

use common::as_text as text;
use serde_json::json;
use tunnelhunt_engine::{Event, FieldValue, Lookup};
use tunnelhunt_sources::detect::{SNIFF_LEN, detect};
use tunnelhunt_sources::mde::{MdeEvent, Table};
use tunnelhunt_sources::{AnyEvent, Format, ReadErrorKind, Record, open};

fn fixture(name: &str) -> PathBuf {
    common::fixture(&format!("mde/{name}"))
}

/// Each item as `Ok(line)` or `Err((line, kind))`.
fn summary(path: &Path, format: Format) -> Vec<Result<u64, (u64, ReadErrorKind)>> {
    let reader = open(path).unwrap();
    assert_eq!(reader.format(), format);
    common::summary(reader)
}

#[test]
fn malformed_json_rows_are_counted_and_skipped() {
    let got = summary(&fixture("malformed.jsonl"), Format::MdeJson);
    assert_eq!(got.len(), 6, "{got:?}");
    assert!(matches!(got[0], Ok(1)), "{got:?}");
    assert!(
        matches!(
            got[1],
            Err((
                2,
                ReadErrorKind::Truncated | ReadErrorKind::UnterminatedString
            ))
        ),
        "{got:?}"
    );
    assert!(
        matches!(got[2], Err((3, ReadErrorKind::WrongShape { reason, .. }))
            if reason.contains("no DeviceName")),
        "{got:?}"
    );
    assert!(
        matches!(got[3], Err((4, ReadErrorKind::WrongShape { reason, .. }))
            if reason.contains("properties")),
        "{got:?}"
    );
    assert!(
        matches!(got[4], Err((5, ReadErrorKind::NotJson { .. }))),
        "{got:?}"
    );
    assert!(matches!(got[5], Ok(6)), "{got:?}");
}

#[test]
fn malformed_csv_rows_are_counted_and_skipped() {
    let got = summary(&fixture("malformed.csv"), Format::MdeCsv);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(matches!(got[0], Ok(2)), "{got:?}");
    assert!(
        matches!(
            got[1],
            Err((3, ReadErrorKind::CsvFieldCount { found: 3, .. }))
        ),
        "{got:?}"
    );
    assert!(
        matches!(&got[2], Err((4, ReadErrorKind::CsvInvalidUtf8 { column })) if column == "FileName"),
        "{got:?}"
    );
    assert!(matches!(got[3], Ok(5)), "{got:?}");
}

fn read_one(path: &Path) -> Record {
    let mut records: Vec<Record> = open(path).unwrap().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1);
    records.pop().unwrap()
}

fn mde(record: &Record) -> &MdeEvent {
    match &record.event {
        AnyEvent::Mde(e) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn sentinel_export_with_type_and_time_generated() {
    // Sentinel's copy of the table: TimeGenerated, and the table in `Type`.
    let dir = tempfile::tempdir().unwrap();
    let row = json!({
        "TenantId": "7c1e5f3a-2d4b-4c6e-8f0a-1b3d5e7f9a2c",
        "TimeGenerated": "2024-05-02T09:14:04.0216733Z",
        "DeviceName": "wks-042.corp.example.com",
        "InitiatingProcessFolderPath": "c:\\programdata\\chisel.exe",
        "InitiatingProcessFileName": "chisel.exe",
        "RemoteUrl": "https://relay.tunnel.example.net:8443/ws",
        "Type": "DeviceNetworkEvents"
    });
    let path = common::write(dir.path(), "sentinel.json", row.to_string().as_bytes());
    let record = read_one(&path);
    assert_eq!(mde(&record).table(), Table::DeviceNetworkEvents);
    let event = &record.event;
    assert_eq!(
        text(event, "DestinationHostname").as_deref(),
        Some("relay.tunnel.example.net")
    );
    assert_eq!(
        text(event, "RemoteUrl").as_deref(),
        Some("https://relay.tunnel.example.net:8443/ws")
    );
    assert_eq!(
        text(event, "Image").as_deref(),
        Some("c:\\programdata\\chisel.exe")
    );
    assert_eq!(
        event.timestamp().as_deref(),
        Some("2024-05-02T09:14:04.0216733Z")
    );
    // No ActionType: a network row, but not known to be a connection.
    assert_eq!(event.kind().category, None);
}

#[test]
fn portal_csv_timestamps_become_rfc3339() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "Timestamp,DeviceName,ActionType,RegistryKey,RegistryValueName,RegistryValueData\r\n\
        \r\n\
        \"5/2/2024, 9:20:11.880 AM\",wks-042,RegistryValueDeleted,\
        HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\PortProxy\\v4tov4\\tcp,0.0.0.0/8443,\r\n";
    let path = common::write(dir.path(), "export.csv", csv.as_bytes());
    let record = read_one(&path);
    // The blank line is passed over; the row keeps its own line.
    assert_eq!(record.origin.line(), Some(3));
    let event = &record.event;
    assert_eq!(
        event.timestamp().as_deref(),
        Some("2024-05-02T09:20:11.880Z")
    );
    assert_eq!(text(event, "EventType").as_deref(), Some("DeleteValue"));
    assert_eq!(event.kind().event_id, Some(12));
    assert_eq!(
        event.field("Details"),
        Lookup::One(FieldValue::Str("".into()))
    );
}

#[test]
fn streaming_record_time_when_the_row_has_none() {
    let event = MdeEvent::from_value(json!({
        "time": "2024-05-02T09:14:05.7731962Z",
        "category": "AdvancedHunting-DeviceProcessEvents",
        "properties": {"DeviceName": "wks-042", "FolderPath": "C:\\x\\a.exe"}
    }))
    .unwrap();
    assert_eq!(event.table(), Table::DeviceProcessEvents);
    assert_eq!(
        event.timestamp().as_deref(),
        Some("2024-05-02T09:14:05.7731962Z")
    );
    assert_eq!(event.kind().category, Some("process_creation"));
    // Unknown tables are events too, with their own column names.
    let other = MdeEvent::from_value(json!({
        "category": "AdvancedHunting-DeviceFileEvents",
        "properties": {"DeviceName": "wks-042", "ActionType": "FileCreated"}
    }))
    .unwrap();
    assert_eq!(other.table(), Table::Other);
    assert_eq!(other.kind().category, None);
    assert_eq!(text(&other, "Computer").as_deref(), Some("wks-042"));
}

#[test]
fn linux_rows_do_not_claim_windows() {
    let event = MdeEvent::from_value(json!({
        "DeviceName": "web-01", "ActionType": "ProcessCreated",
        "FolderPath": "/usr/bin/ssh", "FileName": "ssh",
        "ProcessCommandLine": "ssh -N -R 8080:localhost:80 relay"
    }))
    .unwrap();
    let kind = event.kind();
    assert_eq!(
        (kind.product, kind.category),
        (None, Some("process_creation"))
    );
    assert_eq!(text(&event, "Image").as_deref(), Some("/usr/bin/ssh"));
}

#[test]
fn detection_when_the_first_record_outgrows_the_head() {
    let big = "x".repeat(SNIFF_LEN);
    let streaming = format!(
        "{{\"time\":\"2024-05-02T09:14:05Z\",\"category\":\"AdvancedHunting-DeviceEvents\",\"properties\":{{\"AdditionalFields\":\"{big}\"}}}}\n"
    );
    assert_eq!(
        detect(&streaming.as_bytes()[..SNIFF_LEN]),
        Ok(Format::MdeJson)
    );
    let winlog = format!(
        "{{\"@timestamp\":\"2024-05-02T09:14:05Z\",\"message\":\"{big}\",\"winlog\":{{}}}}\n"
    );
    // `winlog` beyond the head: nothing to go on.
    assert!(detect(&winlog.as_bytes()[..SNIFF_LEN]).is_err());
    let winlog = format!("{{\"winlog\":{{\"channel\":\"Security\"}},\"message\":\"{big}\"}}\n");
    assert_eq!(detect(&winlog.as_bytes()[..SNIFF_LEN]), Ok(Format::Ecs));
    // Detection from content: a JSON row after a malformed first line, and
    // a CSV header with quoted names.
    let rows = b"oops\n{\"Timestamp\":\"2024-05-02T09:14:05Z\",\"DeviceName\":\"w\",\"ActionType\":\"ProcessCreated\"}\n";
    assert_eq!(detect(rows), Ok(Format::MdeJson));
    let csv = b"\"Timestamp\",\"DeviceId\",\"ActionType\",\"RemoteIP\"\r\n";
    assert_eq!(detect(csv), Ok(Format::MdeCsv));
    assert!(detect(b"Timestamp,Host,Message\r\n").is_err());
}
