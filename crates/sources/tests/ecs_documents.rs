//! ECS documents: Winlogbeat-shipped Windows events and Elastic Defend
//! events, read through format detection, and malformed documents between
//! valid ones.

use crate::common;

use std::path::PathBuf;

use common::as_text as text;
use tunnelhunt_engine::routing::{Decision, decide};
use tunnelhunt_engine::{Event, FieldValue, Lookup};
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sources::{Format, ReadErrorKind, Record, open};

fn fixture(name: &str) -> PathBuf {
    common::fixture(&format!("ecs/{name}"))
}

fn read_all(name: &str) -> Vec<Record> {
    let reader = open(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(reader.format(), Format::Ecs, "{name}");
    reader
        .map(|r| r.unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn windows(category: &str) -> LogSource {
    LogSource {
        category: Some(category.to_owned()),
        product: Some("windows".to_owned()),
        ..LogSource::default()
    }
}

/// One document: Sigma fields it must have, and the categories it reaches.
struct Doc {
    fields: &'static [(&'static str, &'static str)],
    reaches: &'static [&'static str],
    misses: &'static [&'static str],
}

fn check(file: &str, records: &[Record], docs: &[Doc]) {
    assert_eq!(records.len(), docs.len(), "{file}");
    for (i, (record, doc)) in records.iter().zip(docs).enumerate() {
        assert_eq!(record.origin.line(), Some(i as u64 + 1), "{file}");
        let event = &record.event;
        for (name, want) in doc.fields {
            assert_eq!(
                text(event, name).as_deref(),
                Some(*want),
                "{file} line {}: {name}",
                i + 1
            );
        }
        let kind = event.kind();
        for c in doc.reaches {
            assert_eq!(
                decide(&windows(c), &kind),
                Decision::Always,
                "{file} line {} → {c}: {kind:?}",
                i + 1
            );
        }
        for c in doc.misses {
            assert_eq!(
                decide(&windows(c), &kind),
                Decision::Never,
                "{file} line {} → {c}",
                i + 1
            );
        }
    }
}

#[test]
fn winlogbeat_windows_events_behave_like_evtx() {
    let records = read_all("winlogbeat.jsonl");
    check(
        "winlogbeat.jsonl",
        &records,
        &[
            Doc {
                fields: &[
                    ("Image", r"C:\Users\alice\Downloads\plink.exe"),
                    ("User", r"CORP\alice"),
                    ("Computer", "WKS-042.corp.example.com"),
                    ("EventID", "1"),
                    ("Channel", "Microsoft-Windows-Sysmon/Operational"),
                    // Original names, nested and under winlog.event_data.
                    (
                        "winlog.event_data.Image",
                        r"C:\Users\alice\Downloads\plink.exe",
                    ),
                    ("winlog.provider_name", "Microsoft-Windows-Sysmon"),
                    ("host.os.type", "windows"),
                ],
                reaches: &["process_creation"],
                misses: &["network_connection"],
            },
            Doc {
                fields: &[
                    ("DestinationIp", "203.0.113.7"),
                    ("DestinationPort", "22"),
                    ("Initiated", "true"),
                ],
                reaches: &["network_connection"],
                misses: &["process_creation"],
            },
            Doc {
                fields: &[
                    (
                        "TargetObject",
                        r"HKLM\System\CurrentControlSet\Services\PortProxy\v4tov4\tcp\0.0.0.0/8443",
                    ),
                    ("EventType", "SetValue"),
                ],
                reaches: &["registry_event", "registry_set"],
                misses: &["registry_add"],
            },
            Doc {
                fields: &[("QueryName", "aGVsbG8td29ybGQ.t.tunnel.example.net")],
                reaches: &["dns_query"],
                misses: &["network_connection"],
            },
            Doc {
                // Security 4688: the Windows alias table applies, and
                // Winlogbeat's own ECS user fields give User.
                fields: &[
                    ("Image", r"C:\Users\alice\Downloads\plink.exe"),
                    ("ParentImage", r"C:\Windows\System32\cmd.exe"),
                    ("NewProcessName", r"C:\Users\alice\Downloads\plink.exe"),
                    ("User", r"CORP\alice"),
                ],
                reaches: &["process_creation"],
                misses: &["dns_query"],
            },
        ],
    );
    let kind = records[4].event.kind();
    assert_eq!(
        (kind.channel, kind.provider, kind.event_id),
        (
            Some("Security"),
            Some("Microsoft-Windows-Security-Auditing"),
            Some(4688)
        )
    );
    assert_eq!(kind.category, None, "routed by channel and EventID");
    let security = LogSource {
        service: Some("security".to_owned()),
        ..windows("process_creation")
    };
    assert_eq!(decide(&security, &kind), Decision::Always);
}

#[test]
fn elastic_defend_events_by_ecs_category() {
    let records = read_all("elastic_defend.jsonl");
    check(
        "elastic_defend.jsonl",
        &records,
        &[
            Doc {
                fields: &[
                    ("Image", r"C:\Users\alice\Downloads\plink.exe"),
                    (
                        "CommandLine",
                        "plink.exe -ssh -N -L 13389:127.0.0.1:3389 user@203.0.113.7",
                    ),
                    ("ParentImage", r"C:\Windows\System32\cmd.exe"),
                    ("OriginalFileName", "Plink"),
                    ("Product", "PuTTY suite"),
                    ("Description", "Command-line SSH, Telnet, and Rlogin client"),
                    ("User", r"CORP\alice"),
                    ("Computer", "wks-042.corp.example.com"),
                    ("process.executable", r"C:\Users\alice\Downloads\plink.exe"),
                    ("process.pe.original_file_name", "Plink"),
                ],
                reaches: &["process_creation"],
                misses: &["network_connection"],
            },
            Doc {
                fields: &[
                    ("Image", r"C:\ProgramData\chisel.exe"),
                    ("DestinationIp", "203.0.113.7"),
                    ("DestinationPort", "443"),
                    ("DestinationHostname", "relay.tunnel.example.net"),
                    ("SourcePort", "50712"),
                    ("Protocol", "tcp"),
                    ("Initiated", "true"),
                ],
                reaches: &["network_connection"],
                misses: &["process_creation", "dns_query"],
            },
            Doc {
                fields: &[
                    ("QueryName", "dns.google"),
                    ("Image", r"C:\Users\alice\AppData\Local\Temp\doh-proxy.exe"),
                ],
                reaches: &["dns_query"],
                misses: &["network_connection"],
            },
            Doc {
                fields: &[
                    (
                        "TargetObject",
                        r"HKLM\SYSTEM\CurrentControlSet\Services\PortProxy\v4tov4\tcp\0.0.0.0/8443",
                    ),
                    ("EventType", "SetValue"),
                    ("User", r"NT AUTHORITY\SYSTEM"),
                    (
                        "registry.path",
                        r"HKLM\SYSTEM\ControlSet001\Services\PortProxy\v4tov4\tcp\0.0.0.0/8443",
                    ),
                ],
                reaches: &["registry_event", "registry_set"],
                misses: &["process_creation", "registry_delete"],
            },
            Doc {
                // A process end is not a creation.
                fields: &[("Image", r"C:\Users\alice\Downloads\plink.exe")],
                reaches: &[],
                misses: &["process_creation"],
            },
        ],
    );
    // registry.data.strings is a list: every value is matched.
    assert_eq!(
        records[3].event.field("Details"),
        Lookup::Many(vec![FieldValue::Str("10.0.0.5/3389".into())])
    );
    assert_eq!(records[0].event.kind().product, Some("windows"));
    assert_eq!(
        records[0].event.timestamp().as_deref(),
        Some("2024-05-02T09:14:03.512Z")
    );
}

#[test]
fn malformed_documents_between_valid_ones() {
    let reader = open(&fixture("malformed.jsonl")).unwrap();
    assert_eq!(reader.format(), Format::Ecs);
    let items: Vec<_> = reader.collect();
    let summary: Vec<Result<u64, (u64, &ReadErrorKind)>> = items
        .iter()
        .map(|r| match r {
            Ok(record) => Ok(record.origin.line().unwrap()),
            Err(e) => Err((e.line, &e.kind)),
        })
        .collect();
    assert!(matches!(summary[0], Ok(1)), "{summary:?}");
    assert!(
        matches!(
            summary[1],
            Err((
                2,
                ReadErrorKind::Truncated | ReadErrorKind::UnterminatedString
            ))
        ),
        "{summary:?}"
    );
    assert!(
        matches!(summary[2], Err((3, ReadErrorKind::Json { line: 3, .. }))),
        "{summary:?}"
    );
    assert!(
        matches!(summary[3], Err((4, ReadErrorKind::WrongShape { .. }))),
        "{summary:?}"
    );
    assert!(
        matches!(
            summary[4],
            Err((5, ReadErrorKind::InvalidUtf8 { line: 5, .. }))
        ),
        "{summary:?}"
    );
    assert!(matches!(summary[5], Ok(6)), "{summary:?}");
    assert_eq!(summary.len(), 6);
    let err = items[3].as_ref().unwrap_err().to_string();
    assert!(
        err.contains("malformed.jsonl:4: not an event in the ECS shape"),
        "{err}"
    );
}
