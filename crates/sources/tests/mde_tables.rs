//! Defender for Endpoint: every mapped table in every shape.
//!
//! Each of DeviceProcessEvents, DeviceNetworkEvents, DeviceRegistryEvents
//! and DeviceEvents (DnsQueryResponse) is read as a JSON row, a CSV export,
//! an Event Hubs Streaming API message (`{"records":[…]}`, all four tables
//! in one message) and Storage-account Streaming API lines, through format
//! detection; each must give the same Sigma fields and logsource.

use crate::common;

use std::path::PathBuf;

use common::as_text as text;
use tunnelhunt_engine::routing::{Decision, decide};
use tunnelhunt_engine::{Event, EventKind};
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sources::mde::Table;
use tunnelhunt_sources::{AnyEvent, Format, Record, open};

fn fixture(name: &str) -> PathBuf {
    common::fixture(&format!("mde/{name}"))
}

fn read(name: &str) -> (Format, Vec<Record>) {
    let reader = open(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let format = reader.format();
    let records = reader
        .map(|r| r.unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect();
    (format, records)
}

fn table_of(record: &Record) -> Table {
    match &record.event {
        AnyEvent::Mde(e) => e.table(),
        other => panic!("not a Defender event: {other:?}"),
    }
}

struct Expected {
    table: Table,
    /// Sigma field → value (compared ignoring ASCII case, see
    /// `shapes_plink.rs`); `None`: the field must be absent.
    fields: &'static [(&'static str, Option<&'static str>)],
    /// Logsource categories (product windows) the row must reach.
    reaches: &'static [&'static str],
    /// …and must not.
    misses: &'static [&'static str],
}

const PLINK: &str = r"C:\Users\alice\Downloads\plink.exe";
const PLINK_CMD: &str = "plink.exe -ssh -N -L 13389:127.0.0.1:3389 user@203.0.113.7";
const COMPUTER: &str = "wks-042.corp.example.com";

const TABLES: &[Expected] = &[
    Expected {
        table: Table::DeviceProcessEvents,
        fields: &[
            ("Image", Some(PLINK)),
            ("CommandLine", Some(PLINK_CMD)),
            ("ParentImage", Some(r"C:\Windows\System32\cmd.exe")),
            (
                "ParentCommandLine",
                Some(r#""C:\Windows\system32\cmd.exe" "#),
            ),
            ("OriginalFileName", Some("Plink")),
            ("Product", Some("PuTTY suite")),
            (
                "Description",
                Some("Command-line SSH, Telnet, and Rlogin client"),
            ),
            ("User", Some(r"CORP\alice")),
            ("Computer", Some(COMPUTER)),
            ("ProcessId", Some("7312")),
            ("ParentProcessId", Some("6644")),
            // Native names stay reachable.
            ("ProcessCommandLine", Some(PLINK_CMD)),
            ("FolderPath", Some(PLINK)),
        ],
        reaches: &["process_creation"],
        misses: &["network_connection", "registry_event", "dns_query"],
    },
    Expected {
        table: Table::DeviceNetworkEvents,
        fields: &[
            ("Image", Some(PLINK)),
            ("CommandLine", Some(PLINK_CMD)),
            ("User", Some(r"CORP\alice")),
            ("DestinationIp", Some("203.0.113.7")),
            ("DestinationPort", Some("22")),
            ("SourceIp", Some("10.20.30.42")),
            ("Initiated", Some("true")),
            // RemoteUrl is empty for a connection to a bare address.
            ("DestinationHostname", None),
            ("Computer", Some(COMPUTER)),
            ("ParentImage", None),
        ],
        reaches: &["network_connection"],
        misses: &["process_creation", "registry_event", "dns_query"],
    },
    Expected {
        table: Table::DeviceRegistryEvents,
        fields: &[
            (
                "TargetObject",
                Some(r"HKLM\SYSTEM\CurrentControlSet\Services\PortProxy\v4tov4\tcp\0.0.0.0/8443"),
            ),
            ("Details", Some("10.0.0.5/3389")),
            ("EventType", Some("SetValue")),
            ("Image", Some(r"C:\Windows\System32\svchost.exe")),
            ("User", Some(r"NT AUTHORITY\SYSTEM")),
            ("Computer", Some(COMPUTER)),
            (
                "RegistryKey",
                Some(r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\PortProxy\v4tov4\tcp"),
            ),
        ],
        reaches: &["registry_event", "registry_set"],
        misses: &["process_creation", "registry_delete", "registry_rename"],
    },
    Expected {
        table: Table::DeviceEvents,
        fields: &[
            ("QueryName", Some("aGVsbG8td29ybGQ.t.tunnel.example.net")),
            ("Image", Some(r"C:\ProgramData\dnscat2.exe")),
            (
                "CommandLine",
                Some("dnscat2.exe --dns domain=t.tunnel.example.net --secret=s3cr3t"),
            ),
            ("User", Some(r"CORP\alice")),
            ("Computer", Some(COMPUTER)),
        ],
        reaches: &["dns_query"],
        misses: &["process_creation", "network_connection"],
    },
];

fn logsource(category: &str) -> LogSource {
    LogSource {
        category: Some(category.to_owned()),
        product: Some("windows".to_owned()),
        ..LogSource::default()
    }
}

fn check(shape: &str, record: &Record, want: &Expected) {
    let event = &record.event;
    assert_eq!(table_of(record), want.table, "{shape}");
    for (name, value) in want.fields {
        let got = text(event, name);
        match (value, &got) {
            (Some(v), Some(g)) if g.eq_ignore_ascii_case(v) => {}
            (None, None) => {}
            _ => panic!(
                "{shape} {:?}: {name} is {got:?}, want {value:?}",
                want.table
            ),
        }
    }
    let kind: EventKind<'_> = event.kind();
    assert_eq!(kind.product, Some("windows"), "{shape}");
    for category in want.reaches {
        assert_eq!(
            decide(&logsource(category), &kind),
            Decision::Always,
            "{shape} {:?} → {category}",
            want.table
        );
    }
    for category in want.misses {
        assert_eq!(
            decide(&logsource(category), &kind),
            Decision::Never,
            "{shape} {:?} → {category}",
            want.table
        );
    }
    let ts = event.timestamp().expect("timestamp");
    assert!(
        ts.starts_with("2024-05-02T09:") && ts.ends_with('Z'),
        "{ts}"
    );
    assert_eq!(event.host(), Some(COMPUTER));
}

fn name_of(table: Table) -> &'static str {
    table.name().unwrap()
}

#[test]
fn json_rows() {
    for want in TABLES {
        let file = format!("{}.jsonl", name_of(want.table));
        let (format, records) = read(&file);
        assert_eq!(format, Format::MdeJson, "{file}");
        assert_eq!(records.len(), 1, "{file}");
        assert_eq!(records[0].origin.line(), Some(1));
        check(&file, &records[0], want);
    }
}

#[test]
fn csv_exports() {
    for want in TABLES {
        let file = format!("{}.csv", name_of(want.table));
        let (format, records) = read(&file);
        assert_eq!(format, Format::MdeCsv, "{file}");
        assert_eq!(records.len(), 1, "{file}");
        // Line 1 is the header.
        assert_eq!(records[0].origin.line(), Some(2));
        check(&file, &records[0], want);
    }
}

#[test]
fn streaming_api_event_hubs_message() {
    let (format, records) = read("streaming_eventhub.json");
    assert_eq!(format, Format::MdeJson);
    assert_eq!(records.len(), TABLES.len());
    for (record, want) in records.iter().zip(TABLES) {
        // Every record of the message points at the message.
        assert_eq!(record.origin.line(), Some(1));
        check("streaming_eventhub.json", record, want);
        // The envelope's own fields are not columns of the row.
        assert!(record.event.field("tenantId").is_absent());
        assert_eq!(
            text(&record.event, "MachineGroup").as_deref(),
            Some("Workstations")
        );
    }
}

#[test]
fn streaming_api_storage_lines() {
    let (format, records) = read("streaming_storage.jsonl");
    assert_eq!(format, Format::MdeJson);
    let lines: Vec<_> = records.iter().map(|r| r.origin.line().unwrap()).collect();
    assert_eq!(lines, vec![1, 2, 3, 4]);
    for (record, want) in records.iter().zip(TABLES) {
        check("streaming_storage.jsonl", record, want);
    }
}

#[test]
fn projection_with_folder_paths() {
    // A hunting query's projection: no ActionType, no table name, and
    // FolderPath holding the folder as the schema describes it.
    let (format, records) = read("projection_folder_paths.csv");
    assert_eq!(format, Format::MdeCsv);
    let event = &records[0].event;
    assert_eq!(table_of(&records[0]), Table::DeviceProcessEvents);
    assert_eq!(text(event, "Image").as_deref(), Some(PLINK));
    assert_eq!(
        text(event, "ParentImage").as_deref(),
        Some(r"C:\Windows\System32\cmd.exe")
    );
    assert_eq!(text(event, "User").as_deref(), Some(r"corp\alice"));
    assert_eq!(event.kind().category, Some("process_creation"));
}
