//! A preamble must not hide a file (issue 15, defect 4): text before the
//! first record made the file "unrecognised format", skipped in silence,
//! from 16 lines (or one 16 KB line) on. Now records after up to 1 MiB of
//! preamble are read (the preamble's lines are unparseable records), and
//! records further in make the file "not read", with the byte offset.

use crate::common;

use common::{gzip, write};
use tunnelhunt_sources::preamble::{Found, PREAMBLE_LEN};
use tunnelhunt_sources::{Format, OpenError, ReadErrorKind, open};

const EVENT: &str = r#"{"Event":{"System":{"EventID":1,"Computer":"WKS1"},"EventData":{"Image":"C:\\x\\ssh.exe","CommandLine":"ssh -L 8080:10.0.0.5:3389 u@h"}}}"#;

/// Three events after `preamble`.
fn file_with(preamble: &str) -> String {
    format!("{preamble}{EVENT}\n{EVENT}\n{EVENT}\n")
}

/// Open `content` (as `name`) and count its events and unparseable
/// records.
fn read(name: &str, content: &[u8]) -> Result<(Format, usize, usize), OpenError> {
    let dir = tempfile::tempdir().unwrap();
    let reader = open(&write(dir.path(), name, content))?;
    let format = reader.format();
    let (mut events, mut bad) = (0, 0);
    for item in reader {
        match item {
            Ok(_) => events += 1,
            Err(e) => {
                assert!(matches!(e.kind, ReadErrorKind::NotJson { .. }), "{e}");
                bad += 1;
            }
        }
    }
    Ok((format, events, bad))
}

#[test]
fn events_after_lines_of_text_are_read() {
    for lines in [15, 16, 1000] {
        let content = file_with(&"PowerShell transcript start, banner line\n".repeat(lines));
        for (name, bytes) in [
            ("log.json", content.clone().into_bytes()),
            ("log.json.gz", gzip(content.as_bytes())),
        ] {
            let got = read(name, &bytes).unwrap();
            assert_eq!(got, (Format::EvtxJson, 3, lines), "{lines} lines, {name}");
        }
    }
}

#[test]
fn events_after_one_long_line_are_read() {
    // 16 KB, and 1 MB (10^6 bytes: inside the 1 MiB searched).
    for len in [16 * 1024, 1_000_000] {
        let content = file_with(&format!("{}\n", "x".repeat(len)));
        let got = read("log.json", content.as_bytes()).unwrap();
        assert_eq!(got, (Format::EvtxJson, 3, 1), "a {len}-byte line");
    }
}

#[test]
fn events_past_the_searched_preamble_are_reported_not_skipped() {
    let len = PREAMBLE_LEN + 1000;
    let content = file_with(&format!("{}\n", "x".repeat(len)));
    for (name, bytes) in [
        ("log.json", content.clone().into_bytes()),
        ("log.json.gz", gzip(content.as_bytes())),
    ] {
        let err = read(name, &bytes).unwrap_err();
        let OpenError::RecordsAfterPreamble { found, .. } = &err else {
            panic!("{name}: {err}");
        };
        assert_eq!(
            *found,
            Found {
                offset: len as u64 + 1,
                format: Format::EvtxJson
            }
        );
        let message = err.to_string();
        assert!(
            message.contains("not read: evtx-json records start at byte 1049577"),
            "{message}"
        );
    }
}

#[test]
fn text_without_events_is_still_skipped() {
    let content = "an ordinary text file\n".repeat(100_000);
    let err = read("notes.txt", content.as_bytes()).unwrap_err();
    assert!(matches!(err, OpenError::Skipped { .. }), "{err}");
    // A binary head (NUL bytes) is not searched: past the 16 line starts
    // detection tries, events are not looked for.
    let mut binary = b"MZ\x90\x00\n".repeat(20);
    binary.extend_from_slice(file_with("").as_bytes());
    let err = read("tool.exe", &binary).unwrap_err();
    assert!(matches!(err, OpenError::Skipped { .. }), "{err}");
}
