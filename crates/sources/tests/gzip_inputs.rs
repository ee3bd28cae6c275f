//! gzip-compressed inputs: detected by content, every member read, the
//! `.gz` path kept as the origin, and damage reported without a panic.

use crate::common;

use std::path::Path;

use common::{fixture, gzip, text, write};
use tunnelhunt_engine::{Event, FieldValue, Lookup};
use tunnelhunt_sources::{Format, OpenError, ReadErrorKind, Record, SkipReason, open};

#[test]
fn gzipped_zeek_reads_like_the_plain_file() {
    let gz = fixture("gzip/dns.log.gz");
    let reader = open(&gz).unwrap();
    assert_eq!(reader.format(), Format::ZeekTsv);
    let compressed: Vec<_> = reader.map(Result::unwrap).collect();
    let plain: Vec<_> = open(&fixture("zeek/dns.log"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(compressed.len(), plain.len());
    for (c, p) in compressed.iter().zip(&plain) {
        assert_eq!(c.event, p.event);
        assert_eq!(c.origin.line(), p.origin.line());
        assert_eq!(c.origin.path.as_ref(), gz.as_path());
    }
}

#[test]
fn concatenated_members_are_all_read() {
    let reader = open(&fixture("gzip/conn-two-members.json.gz")).unwrap();
    assert_eq!(reader.format(), Format::ZeekJson);
    let records: Vec<_> = reader.map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].origin.line(), Some(2));
    assert_eq!(
        records[1].event.field("DestinationPort"),
        Lookup::One(FieldValue::Int(443))
    );
}

#[test]
fn gzipped_evtx_json_is_read_and_detected_from_content() {
    let line = r#"{"Event":{"System":{"EventID":1},"EventData":{"Image":"C:\\t\\plink.exe"}}}"#;
    let dir = tempfile::tempdir().unwrap();
    // No `.gz` extension: the magic bytes decide.
    let path = write(
        dir.path(),
        "export.bin",
        &gzip(format!("{line}\n{line}\n").as_bytes()),
    );
    let reader = open(&path).unwrap();
    assert_eq!(reader.format(), Format::EvtxJson);
    assert_eq!(reader.map(Result::unwrap).count(), 2);
}

#[test]
fn corrupt_stream_mid_file_is_a_read_error_at_the_line_reached() {
    // Enough incompressible-ish lines that the damage lies well past the
    // sniffed head, so `open` succeeds and the reader meets it.
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "{{\"ts\":{i}.5,\"uid\":\"C{:016x}\",\"query\":\"q{i:x}.example\"}}\n",
            (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ));
    }
    let mut data = gzip(text.as_bytes());
    let middle = data.len() / 2;
    for b in &mut data[middle..middle + 64] {
        *b ^= 0x5A;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "dns.json.gz", &data);
    let items: Vec<_> = open(&path).unwrap().collect();
    let (good, bad): (Vec<_>, Vec<_>) = items.iter().partition(|r| r.is_ok());
    assert!(good.len() > 1000, "records before the damage are kept");
    assert!(good.len() < 20_000, "the damage went unnoticed");
    // Deflate has no checksum before a member's end: a damaged block can
    // decode to garbage (bad records, each reported) before the decoder or
    // the final CRC check notices. Whatever happens, the last item is the
    // fatal stream error.
    let last = items.last().unwrap().as_ref().unwrap_err();
    assert!(last.is_fatal(), "{last}");
    assert!(matches!(last.kind, ReadErrorKind::Io(_)));
    assert!(last.to_string().contains("gzip"), "{last}");
    assert!(last.line as usize > good.len() / 2, "{last}");
    assert!(
        bad.iter()
            .all(|r| r.as_ref().unwrap_err().line <= last.line)
    );

    // Truncated: the stream just stops.
    let truncated = write(
        dir.path(),
        "cut.json.gz",
        &gzip(text.as_bytes())[..data.len() / 3],
    );
    let items: Vec<_> = open(&truncated).unwrap().collect();
    let last = items.last().unwrap().as_ref().unwrap_err();
    assert!(last.is_fatal(), "{last}");
    assert!(items.iter().filter(|r| r.is_ok()).count() > 1000);
}

#[test]
fn what_cannot_be_read_inside_gzip_is_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("empty.gz", gzip(b""), "empty file"),
        ("text.gz", gzip(b"hello world\n"), "unrecognised format"),
        ("double.gz", gzip(&gzip(b"{}")), "gzip inside gzip"),
    ];
    for (name, content, want) in cases {
        let path = write(dir.path(), name, &content);
        let Err(err) = open(&path) else {
            panic!("{name} was opened");
        };
        assert!(matches!(err, OpenError::Skipped { .. }), "{err}");
        assert!(err.to_string().contains(want), "{name}: {err}");
    }
    let Err(OpenError::Skipped { reason, .. }) = open(&write(dir.path(), "e.gz", &gzip(b"")))
    else {
        unreachable!()
    };
    assert_eq!(reason, SkipReason::Empty);
    // A damaged gzip header cannot even be sniffed: the file is unreadable.
    let path = write(dir.path(), "bad.gz", &[0x1f, 0x8b, 8, 0xff, 1, 2, 3]);
    assert!(matches!(open(&path), Err(OpenError::Io { .. })));
}

/// Read `raw` (the bytes of the EVTX file `plain`) from a gzipped copy:
/// detected as EVTX, and the same records as the file's, with the `.gz`
/// path as their origin.
fn read_gzipped_evtx(plain: &Path, raw: &[u8]) -> Vec<Record> {
    let dir = tempfile::tempdir().unwrap();
    let gz = write(dir.path(), "sysmon.evtx.gz", &gzip(raw));
    let reader = open(&gz).unwrap_or_else(|e| panic!("gzipped EVTX not read: {e}"));
    assert_eq!(reader.format(), Format::Evtx);
    let compressed: Vec<_> = reader.map(Result::unwrap).collect();
    let plain: Vec<_> = open(plain).unwrap().map(Result::unwrap).collect();
    assert_eq!(compressed.len(), plain.len());
    for (c, p) in compressed.iter().zip(&plain) {
        assert_eq!(c.event, p.event);
        assert_eq!(c.origin.position, p.origin.position);
        assert_eq!(c.origin.path.as_ref(), gz.as_path());
    }
    compressed
}

/// A gzipped EVTX file is read by the EVTX reader's streaming mode, not
/// skipped as compressed content it cannot read; the fixture is in the
/// repository, so this runs without the shared corpus.
#[test]
fn gzipped_evtx_fixture_is_read_like_the_file() {
    let plain = fixture("evtx/security-4688-netsh-portproxy.evtx");
    let compressed = read_gzipped_evtx(&plain, &std::fs::read(&plain).unwrap());
    // 8 records in one chunk (see fixtures/evtx/README.md).
    assert_eq!(compressed.len(), 8);
    // The 4688 records carry the Windows mapping, `User` included.
    let process_creations: Vec<_> = compressed
        .iter()
        .filter(|r| r.event.kind().event_id == Some(4688))
        .collect();
    assert_eq!(process_creations.len(), 3);
    for r in process_creations {
        let field = |name| text(&r.event, name).unwrap_or_else(|| panic!("no {name}"));
        assert!(field("Image").to_ascii_lowercase().ends_with("netsh.exe"));
        let user = format!(
            "{}\\{}",
            field("SubjectDomainName"),
            field("SubjectUserName")
        );
        assert_eq!(field("User"), user);
    }
}

#[test]
fn gzipped_evtx_gives_the_same_records_as_the_file() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/real/evtx-attack-samples/DE_sysmon-3-rdp-tun.evtx");
    let Ok(raw) = std::fs::read(&sample) else {
        eprintln!("{} not found: skipped", sample.display());
        return;
    };
    // 73 records (see corpus/real/PROVENANCE.md); the file has not wrapped,
    // so streaming order is the seekable order.
    let compressed = read_gzipped_evtx(&sample, &raw);
    assert_eq!(compressed.len(), 73);
}
