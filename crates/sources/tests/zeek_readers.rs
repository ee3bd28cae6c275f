//! Zeek `dns.log` and `conn.log`, TSV and JSON, through `open`: format
//! detection, typed values, unset/empty/set fields, Sigma aliases, event
//! kinds, timestamps and line provenance; header blocks and malformed lines.

use crate::common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use tunnelhunt_engine::{Event, FieldValue, Lookup};
use tunnelhunt_sources::zeek::{Log, ZeekReader};
use tunnelhunt_sources::{AnyEvent, Format, ReadErrorKind, Record, open};

fn fixture(name: &str) -> PathBuf {
    common::fixture(&format!("zeek/{name}"))
}

fn read_all(path: &Path) -> (Format, Vec<Record>) {
    let reader = open(path).unwrap_or_else(|e| panic!("{e}"));
    let format = reader.format();
    let records = reader
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    (format, records)
}

fn s(v: &str) -> Lookup<'static> {
    Lookup::One(FieldValue::Str(v.to_owned().into()))
}

fn many(values: &[&str]) -> Lookup<'static> {
    Lookup::Many(
        values
            .iter()
            .map(|v| FieldValue::Str((*v).to_owned().into()))
            .collect(),
    )
}

fn zeek(record: &Record) -> &tunnelhunt_sources::zeek::ZeekEvent {
    match &record.event {
        AnyEvent::Zeek(e) => e,
        other => panic!("not a Zeek event: {other:?}"),
    }
}

#[test]
fn dns_tsv() {
    let (format, records) = read_all(&fixture("dns.log"));
    assert_eq!(format, Format::ZeekTsv);
    let lines: Vec<_> = records.iter().map(|r| r.origin.line().unwrap()).collect();
    assert_eq!(lines, [9, 10, 11, 12, 13]);
    assert!(records.iter().all(|r| r.origin.format == Format::ZeekTsv));

    let first = &records[0].event;
    assert_eq!(first.field("query"), s("www.example.com"));
    assert_eq!(first.field("QueryName"), s("www.example.com"));
    assert_eq!(first.field("qtype_name"), s("A"));
    assert_eq!(first.field("record_type"), s("A"));
    assert_eq!(first.field("id.orig_h"), s("10.0.0.5"));
    assert_eq!(first.field("SourceIp"), s("10.0.0.5"));
    assert_eq!(first.field("id.resp_p"), Lookup::One(FieldValue::Int(53)));
    assert_eq!(
        first.field("DestinationPort"),
        Lookup::One(FieldValue::Int(53))
    );
    assert_eq!(first.field("rcode_name"), s("NOERROR"));
    assert_eq!(
        first.field("rejected"),
        Lookup::One(FieldValue::Bool(false))
    );
    assert_eq!(first.field("RD"), Lookup::One(FieldValue::Bool(true)));
    assert_eq!(first.field("rtt"), Lookup::One(FieldValue::Float(0.012345)));
    assert_eq!(
        first.field("answers"),
        many(&["93.184.216.34", "93.184.216.35"])
    );
    assert_eq!(first.field("QueryResults"), first.field("answers"));
    assert_eq!(
        first.field("TTLs"),
        Lookup::Many(vec![FieldValue::Float(3600.0), FieldValue::Float(3600.0)])
    );
    assert_eq!(
        first.timestamp().as_deref(),
        Some("2024-01-02T03:04:05.123456Z")
    );
    assert_eq!(first.host(), None);
    let kind = first.kind();
    assert_eq!(kind.product, Some("zeek"));
    assert_eq!(kind.service, Some("dns"));
    assert_eq!(kind.category, Some("dns_query"));

    // Unset fields (`-`) are absent; unset containers too.
    let unanswered = &records[2].event;
    assert!(unanswered.field("rtt").is_absent());
    assert!(unanswered.field("rcode_name").is_absent());
    assert!(unanswered.field("answers").is_absent());
    assert_eq!(unanswered.field("RA"), Lookup::One(FieldValue::Bool(false)));

    // `(empty)` containers are present and empty; escapes are decoded.
    let empty = &records[3].event;
    assert_eq!(empty.field("answers"), Lookup::Many(Vec::new()));
    assert_eq!(empty.field("TTLs"), Lookup::Many(Vec::new()));
    assert_eq!(empty.field("query"), s("empty\tanswer.example.org"));
    assert_eq!(empty.field("rejected"), Lookup::One(FieldValue::Bool(true)));

    // An escaped set separator is part of an element, not a split; a NUL
    // stays spelled `\x00` (as Zeek's JSON writer spells it).
    let zbit = &records[4].event;
    assert_eq!(
        zbit.field("answers"),
        many(&[r"TXT 4 abc\x00", "v=spf1 , a"])
    );
    assert_eq!(zbit.field("Z"), Lookup::One(FieldValue::Int(1)));
}

#[test]
fn conn_tsv() {
    let (format, records) = read_all(&fixture("conn.log"));
    assert_eq!(format, Format::ZeekTsv);
    assert_eq!(records.len(), 3);
    let ssh = &records[0].event;
    let kind = ssh.kind();
    assert_eq!(
        (kind.product, kind.service, kind.category),
        (Some("zeek"), Some("conn"), Some("network_connection"))
    );
    for (sigma, native, want) in [
        ("SourceIp", "id.orig_h", s("10.0.2.17")),
        (
            "SourcePort",
            "id.orig_p",
            Lookup::One(FieldValue::Int(49700)),
        ),
        ("DestinationIp", "id.resp_h", s("10.0.2.18")),
        (
            "DestinationPort",
            "id.resp_p",
            Lookup::One(FieldValue::Int(80)),
        ),
        ("dst_port", "id.resp_p", Lookup::One(FieldValue::Int(80))),
        ("Protocol", "proto", s("tcp")),
    ] {
        assert_eq!(ssh.field(sigma), want, "{sigma}");
        assert_eq!(ssh.field(native), want, "{native}");
    }
    assert_eq!(ssh.field("service"), s("ssh"));
    assert_eq!(
        ssh.field("orig_bytes"),
        Lookup::One(FieldValue::Int(123456))
    );
    assert_eq!(
        ssh.field("resp_bytes"),
        Lookup::One(FieldValue::Int(654321))
    );
    assert_eq!(
        ssh.field("duration"),
        Lookup::One(FieldValue::Float(3600.123456))
    );
    assert_eq!(ssh.field("tunnel_parents"), Lookup::Many(Vec::new()));
    assert_eq!(
        ssh.timestamp().as_deref(),
        Some("2019-02-16T10:00:00.500000Z")
    );
    let attempt = &records[1].event;
    for absent in ["service", "duration", "orig_bytes", "tunnel_parents"] {
        assert!(attempt.field(absent).is_absent(), "{absent}");
    }
    assert_eq!(
        records[2].event.field("tunnel_parents"),
        many(&["Ctunnelparent0001", "Ctunnelparent0002"])
    );
}

#[test]
fn json_matches_tsv() {
    let (format, json) = read_all(&fixture("dns.json"));
    assert_eq!(format, Format::ZeekJson);
    let (_, tsv) = read_all(&fixture("dns.log"));
    assert_eq!(json.len(), 3);
    for (j, t) in json.iter().zip(&tsv) {
        assert_eq!(j.origin.format, Format::ZeekJson);
        assert_eq!(zeek(j).log(), &Log::Dns, "inferred from the keys");
        for field in [
            "ts",
            "uid",
            "query",
            "QueryName",
            "qtype_name",
            "answers",
            "id.orig_h",
            "SourceIp",
            "id.resp_p",
            "rcode_name",
            "rejected",
            "RD",
            "Z",
            "TTLs",
            "rtt",
        ] {
            assert_eq!(j.event.field(field), t.event.field(field), "{field}");
        }
        assert_eq!(j.event.timestamp(), t.event.timestamp());
        assert_eq!(j.event.kind(), t.event.kind());
    }
    assert_eq!(
        json.iter()
            .map(|r| r.origin.line().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );

    let (format, conn) = read_all(&fixture("conn.json"));
    assert_eq!(format, Format::ZeekJson);
    let (_, conn_tsv) = read_all(&fixture("conn.log"));
    for (j, t) in conn.iter().zip(&conn_tsv) {
        assert_eq!(zeek(j).log(), &Log::Conn, "from `_path`");
        for field in [
            "SourceIp",
            "DestinationIp",
            "DestinationPort",
            "proto",
            "service",
            "orig_bytes",
            "resp_bytes",
            "duration",
            "local_orig",
        ] {
            assert_eq!(j.event.field(field), t.event.field(field), "{field}");
        }
        // ISO 8601 `ts` (JSON::TS_ISO8601) is kept as RFC 3339.
        assert_eq!(j.event.timestamp(), t.event.timestamp());
    }
}

fn read_str(
    input: &str,
) -> Vec<Result<(u64, tunnelhunt_sources::zeek::ZeekEvent), (u64, ReadErrorKind)>> {
    ZeekReader::new(Cursor::new(input.as_bytes().to_vec()), Path::new("t.log"))
        .map(|r| match r {
            Ok((origin, event)) => Ok((origin.line().unwrap(), event)),
            Err(e) => Err((e.line, e.kind)),
        })
        .collect()
}

#[test]
fn two_header_blocks_in_one_file() {
    // A rotated dns.log and conn.log concatenated, the second with another
    // separator and unset marker.
    let input = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n\
        #path\tdns\n#fields\tts\tquery\tanswers\n#types\ttime\tstring\tvector[string]\n\
        1.0\ta.example\t1.1.1.1,2.2.2.2\n#close\tx\n\
        #separator \\x7c\n#set_separator|;\n#empty_field|(empty)\n#unset_field|NIL\n\
        #path|conn\n#fields|ts|id.resp_p|service\n#types|time|port|set[string]\n\
        2.0|443|ssl;http\n3.0|NIL|(empty)\n";
    let items = read_str(input);
    assert_eq!(items.len(), 3);
    let (line, dns) = items[0].as_ref().unwrap();
    assert_eq!(*line, 8);
    assert_eq!(dns.log(), &Log::Dns);
    assert_eq!(dns.field("answers"), many(&["1.1.1.1", "2.2.2.2"]));
    let (line, conn) = items[1].as_ref().unwrap();
    assert_eq!(*line, 17);
    assert_eq!(conn.log(), &Log::Conn);
    assert_eq!(
        conn.field("DestinationPort"),
        Lookup::One(FieldValue::Int(443))
    );
    assert_eq!(conn.field("service"), many(&["ssl", "http"]));
    let (_, unset) = items[2].as_ref().unwrap();
    assert!(unset.field("id.resp_p").is_absent());
    assert_eq!(unset.field("service"), Lookup::Many(Vec::new()));
}

#[test]
fn malformed_lines_between_valid_ones() {
    let header = "#separator \\x09\n#path\tdns\n#fields\tts\tquery\tqtype_name\n\
        #types\ttime\tstring\tstring\n";
    let input = format!(
        "1.0\tbefore.header\tA\n{header}1.0\tgood.one\tA\n2.0\ttoo-few\n\
         3.0\tgood.two\tTXT\n4.0\ttoo\tmany\tcolumns\n{{\"ts\":5}}\n\
         #types\ttime\tstring\n6.0\tgood.three\tA\n"
    );
    let items = read_str(&input);
    let summary: Vec<_> = items
        .iter()
        .map(|r| match r {
            Ok((line, e)) => Ok((*line, e.native("query").cloned())),
            Err((line, kind)) => Err((*line, kind.to_string())),
        })
        .collect();
    let q = |s: &str| Some(tunnelhunt_sources::zeek::Value::Str(s.into()));
    assert_eq!(
        summary,
        vec![
            Err((1, "entry before any `#fields` header line".into())),
            Ok((6, q("good.one"))),
            Err((
                7,
                "expected 3 fields (as listed by `#fields`), found 2".into()
            )),
            Ok((8, q("good.two"))),
            Err((
                9,
                "expected 3 fields (as listed by `#fields`), found 4".into()
            )),
            // Under a TSV header, a `{` line is a TSV entry too.
            Err((
                10,
                "expected 3 fields (as listed by `#fields`), found 1".into()
            )),
            Err((
                11,
                "bad header line: `#types` lists 2 types for 3 fields".into()
            )),
            Ok((12, q("good.three"))),
        ]
    );
}

#[test]
fn malformed_lines_through_open_carry_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dns.log");
    let mut text = std::fs::read_to_string(fixture("dns.log")).unwrap();
    text.insert_str(
        text.find("1704164646").unwrap(),
        "1704164645.9\tCbroken\t10.0.0.5\n",
    );
    std::fs::write(&path, text).unwrap();
    let items: Vec<_> = open(&path).unwrap().collect();
    assert_eq!(items.len(), 6);
    let err = items[1].as_ref().unwrap_err();
    assert_eq!(err.line, 10);
    assert!(matches!(
        err.kind,
        ReadErrorKind::FieldCount {
            expected: 24,
            found: 3
        }
    ));
    assert!(!err.is_fatal());
    assert_eq!(
        err.to_string(),
        format!(
            "{}:10: expected 24 fields (as listed by `#fields`), found 3",
            path.display()
        )
    );
    assert_eq!(items[2].as_ref().unwrap().origin.line(), Some(11));
}

#[test]
fn json_errors_are_located() {
    let input = "{\"ts\":1.0,\"uid\":\"C\",\"query\":\"a\"}\n{\"ts\":2.0,\"uid\":\n\
        [1,2]\n{\"ts\":3.0,\"uid\":\"C\",\"query\":\"b\"}\n";
    let items = read_str(input);
    assert!(matches!(items[0], Ok((1, _))));
    assert!(matches!(
        items[1],
        Err((2, ReadErrorKind::Json { line: 2, .. }))
    ));
    // Not `{`, no header: a TSV entry without a header.
    assert!(matches!(items[2], Err((3, ReadErrorKind::NoHeader))));
    assert!(matches!(items[3], Ok((4, _))));
}

#[test]
fn an_over_long_line_is_skipped_and_reported() {
    let long = "x".repeat(1000);
    let input = format!(
        "{{\"ts\":1,\"uid\":\"C\",\"query\":\"{long}\"}}\n{{\"ts\":2,\"uid\":\"C\",\"query\":\"ok\"}}\n"
    );
    let items: Vec<_> =
        ZeekReader::with_max_line_bytes(Cursor::new(input.into_bytes()), Path::new("t"), 100)
            .collect();
    let err = items[0].as_ref().unwrap_err();
    assert!(
        matches!(err.kind, ReadErrorKind::TooLarge { limit: 100 }),
        "{err}"
    );
    assert_eq!(err.line, 1);
    assert_eq!(items[1].as_ref().unwrap().0.line(), Some(2));
}
