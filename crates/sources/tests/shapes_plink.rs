//! One logical event in every shape the readers accept.
//!
//! `plink.exe -ssh -N -L 13389:127.0.0.1:3389 user@203.0.113.7`, started
//! from `cmd.exe` by CORP\alice on WKS-042, recorded by Sysmon (evtx JSON
//! shape), the Security log (4688), Winlogbeat, Elastic Defend (nested and
//! flattened ECS), and Defender for Endpoint as a JSON row, a CSV export and
//! a Streaming API record. Whatever the shape, a Sigma rule must see the
//! same Image, CommandLine, ParentImage, User and Computer, and the event
//! must reach `process_creation` rules for Windows.
//!
//! Paths, user and host are compared ignoring ASCII case: Defender writes
//! initiating-process paths, account domains and device names in lower
//! case, Windows compares them case-insensitively, and so does Sigma's
//! default string matching. The command line is compared exactly.

use crate::common;

use std::path::PathBuf;

use common::text;
use tunnelhunt_engine::Event;
use tunnelhunt_engine::routing::{Decision, decide};
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sources::{Format, Record, open};

const IMAGE: &str = r"C:\Users\alice\Downloads\plink.exe";
const COMMAND_LINE: &str = "plink.exe -ssh -N -L 13389:127.0.0.1:3389 user@203.0.113.7";
const PARENT_IMAGE: &str = r"C:\Windows\System32\cmd.exe";
const USER: &str = r"CORP\alice";
const COMPUTER: &str = "WKS-042.corp.example.com";

struct Shape {
    file: &'static str,
    format: Format,
    /// Whether the source carries the PE version information
    /// (OriginalFileName); Security 4688 does not.
    pe: bool,
    /// The line the record starts on (a CSV export has a header line).
    line: u64,
}

const SHAPES: &[Shape] = &[
    Shape {
        file: "sysmon_1.json",
        format: Format::EvtxJson,
        pe: true,
        line: 1,
    },
    Shape {
        file: "security_4688.jsonl",
        format: Format::EvtxJson,
        pe: false,
        line: 1,
    },
    Shape {
        file: "winlogbeat_sysmon_1.jsonl",
        format: Format::Ecs,
        pe: true,
        line: 1,
    },
    Shape {
        file: "elastic_defend_process.json",
        format: Format::Ecs,
        pe: true,
        line: 1,
    },
    Shape {
        file: "ecs_flattened_process.json",
        format: Format::Ecs,
        pe: true,
        line: 1,
    },
    Shape {
        file: "mde_process.jsonl",
        format: Format::MdeJson,
        pe: true,
        line: 1,
    },
    Shape {
        file: "mde_process.csv",
        format: Format::MdeCsv,
        pe: true,
        line: 2,
    },
    Shape {
        file: "mde_streaming.json",
        format: Format::MdeJson,
        pe: true,
        line: 1,
    },
];

fn fixture(name: &str) -> PathBuf {
    common::fixture(&format!("shapes/{name}"))
}

/// The one record of a fixture, read through format detection.
fn read_one(shape: &Shape) -> Record {
    let reader = open(&fixture(shape.file)).unwrap_or_else(|e| panic!("{}: {e}", shape.file));
    assert_eq!(reader.format(), shape.format, "{}", shape.file);
    let records: Vec<Record> = reader
        .map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", shape.file)))
        .collect();
    assert_eq!(records.len(), 1, "{}", shape.file);
    records.into_iter().next().unwrap()
}

fn assert_same(file: &str, name: &str, got: Option<String>, want: &str) {
    let got = got.unwrap_or_else(|| panic!("{file}: no {name}"));
    assert!(
        got.eq_ignore_ascii_case(want),
        "{file}: {name} is {got:?}, want {want:?}"
    );
}

#[test]
fn every_shape_yields_the_same_process_creation() {
    for shape in SHAPES {
        let record = read_one(shape);
        let event = &record.event;
        let file = shape.file;
        assert_same(file, "Image", text(event, "Image"), IMAGE);
        assert_eq!(
            text(event, "CommandLine").as_deref(),
            Some(COMMAND_LINE),
            "{file}"
        );
        assert_same(
            file,
            "ParentImage",
            text(event, "ParentImage"),
            PARENT_IMAGE,
        );
        assert_same(file, "Computer", text(event, "Computer"), COMPUTER);
        assert_same(file, "User", text(event, "User"), USER);
        if shape.pe {
            assert_eq!(
                text(event, "OriginalFileName").as_deref(),
                Some("Plink"),
                "{file}"
            );
        }
        let host = event.host().unwrap_or_else(|| panic!("{file}: no host"));
        assert!(host.eq_ignore_ascii_case(COMPUTER), "{file}: host {host}");
        let ts = event
            .timestamp()
            .unwrap_or_else(|| panic!("{file}: no time"));
        assert!(
            ts.starts_with("2024-05-02T09:14:03.51") && ts.ends_with('Z'),
            "{file}: {ts}"
        );
        assert_eq!(record.origin.line(), Some(shape.line), "{file}");
        assert_eq!(record.origin.format, shape.format, "{file}");
    }
}

/// Security 4688 names the user in two fields; the Windows mapping joins
/// them (`SubjectDomainName\SubjectUserName`) into `User`, exactly as the
/// event spells them, and the native fields stay reachable.
#[test]
fn security_4688_user_is_the_joined_subject() {
    let shape = SHAPES
        .iter()
        .find(|s| s.file == "security_4688.jsonl")
        .unwrap();
    let record = read_one(shape);
    let event = &record.event;
    assert_eq!(text(event, "User").as_deref(), Some(USER));
    assert_eq!(text(event, "SubjectUserName").as_deref(), Some("alice"));
    assert_eq!(text(event, "SubjectDomainName").as_deref(), Some("CORP"));
}

#[test]
fn every_shape_routes_to_windows_process_creation() {
    let logsource = |category: &str| LogSource {
        category: Some(category.to_owned()),
        product: Some("windows".to_owned()),
        ..LogSource::default()
    };
    for shape in SHAPES {
        let record = read_one(shape);
        let kind = record.event.kind();
        assert_eq!(
            decide(&logsource("process_creation"), &kind),
            Decision::Always,
            "{}: {kind:?}",
            shape.file
        );
        for other in ["network_connection", "dns_query", "registry_event"] {
            assert_eq!(
                decide(&logsource(other), &kind),
                Decision::Never,
                "{}: {other}",
                shape.file
            );
        }
        let linux = LogSource {
            product: Some("linux".to_owned()),
            ..logsource("process_creation")
        };
        assert_eq!(decide(&linux, &kind), Decision::Never, "{}", shape.file);
    }
}

#[test]
fn keyword_searches_see_the_command_line() {
    for shape in SHAPES {
        let record = read_one(shape);
        let mut seen = false;
        record.event.for_each_value(&mut |v| {
            seen |= v
                .as_text()
                .is_some_and(|t| t.contains("13389:127.0.0.1:3389"));
        });
        assert!(seen, "{}", shape.file);
    }
}
