//! A file whose parser never returns cannot hang the scan: its unit is
//! given up after `--file-timeout` (exit 3), every other file is scanned
//! as usual, and the alerts of the records it had read before it hung are
//! kept, in their place in input order.
//!
//! No real parser can be made to hang on demand, so the scan is told to
//! stall on one file through the test-only `TUNNELHUNT_TEST_STALL_ON`
//! variable (and after how many records, `TUNNELHUNT_TEST_STALL_AFTER`;
//! see `worker::scan`), which only a build with the `test-hooks` feature
//! reads: `cargo test -p tunnelhunt --features test-hooks -- stall`
//! (`.ci/run` does). Test names contain "stall" for that filter.
#![cfg(feature = "test-hooks")]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::{command, stderr, stdout};
use serde_json::Value;

fn summary(stderr: &str) -> Value {
    let start = stderr.find('{').expect("a JSON summary on stderr");
    serde_json::from_str(&stderr[start..]).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

/// Two example files around `stuck.jsonl` (in input order: `security_…`,
/// `stuck.jsonl`, `sysmon_…`), whose content `stuck` writes.
fn inputs(suite: &str, stuck: impl FnOnce(&Path)) -> PathBuf {
    let dir = common::scratch("scan-stall", suite);
    for name in ["sysmon_process_creation.jsonl", "security_4688.json"] {
        std::fs::copy(
            common::repo().join("examples/events").join(name),
            dir.join(name),
        )
        .unwrap();
    }
    stuck(&dir.join("stuck.jsonl"));
    dir
}

/// Scan `dir` (JSON lines, JSON summary, a 1 s file timeout, then
/// `extra`), stalling as `stall` says: the file named, and after how many
/// records. Returns the output and how long the scan took.
fn scan(dir: &Path, extra: &[&str], stall: Option<(&str, Option<u64>)>) -> (Output, Duration) {
    let mut args = vec![
        "scan",
        "--format",
        "jsonl",
        "--summary",
        "json",
        "--file-timeout",
        "1",
    ];
    args.extend_from_slice(extra);
    args.push(dir.to_str().unwrap());
    let mut cmd = command(&args);
    if let Some((name, after)) = stall {
        cmd.env("TUNNELHUNT_TEST_STALL_ON", name);
        if let Some(after) = after {
            cmd.env("TUNNELHUNT_TEST_STALL_AFTER", after.to_string());
        }
    }
    let started = Instant::now();
    let out = cmd.output().expect("run tunnelhunt");
    (out, started.elapsed())
}

fn alerts(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn from_stuck(alert: &Value) -> bool {
    alert["source"]["path"]
        .as_str()
        .is_some_and(|f| f.ends_with("stuck.jsonl"))
}

#[test]
fn a_stalled_file_is_given_up_and_the_scan_goes_on() {
    let dir = inputs("unopened", |stuck| {
        std::fs::copy(
            common::repo().join("examples/events/windows/winlogbeat_sysmon.jsonl"),
            stuck,
        )
        .unwrap();
    });
    let (whole, _) = scan(&dir, &[], None);
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));

    // It hangs before it is opened: nothing of it was read.
    let (stalled, took) = scan(&dir, &[], Some(("stuck.jsonl", None)));
    let err = stderr(&stalled);
    // Given up after about a second (1 s + 1 s per MB of a small file),
    // never waited for.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_eq!(stalled.status.code(), Some(3), "{err}");
    let summary = summary(&err);
    let unreadable = summary["unreadable"].as_array().expect("unreadable list");
    assert_eq!(unreadable.len(), 1, "{summary:#}");
    let message = unreadable[0].as_str().unwrap();
    assert!(
        message.contains("stuck.jsonl") && message.contains("not read after"),
        "{message}"
    );
    // Every alert of the other files is there, in the same order.
    let expected: Vec<Value> = alerts(&whole)
        .into_iter()
        .filter(|a| !from_stuck(a))
        .collect();
    assert!(!expected.is_empty(), "the example files raise alerts");
    assert_eq!(alerts(&stalled), expected);
}

/// The stuck file: the Sysmon example four times over (24 lines, alerts
/// on lines throughout).
fn repeated_sysmon(stuck: &Path) {
    let one = std::fs::read_to_string(
        common::repo().join("examples/events/sysmon_process_creation.jsonl"),
    )
    .unwrap();
    std::fs::write(stuck, one.repeat(4)).unwrap();
}

const STALL_AFTER: u64 = 15;

#[test]
fn a_file_stalled_part_way_keeps_the_alerts_it_had_found() {
    let dir = inputs("part-way", repeated_sysmon);
    // Without the prefilter every line is a record the hook counts, so
    // "after 15 records" is "after line 15".
    let no_prefilter = ["--no-prefilter"];
    let (whole, _) = scan(&dir, &no_prefilter, None);
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    let (stalled, took) = scan(
        &dir,
        &no_prefilter,
        Some(("stuck.jsonl", Some(STALL_AFTER))),
    );
    let err = stderr(&stalled);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_eq!(stalled.status.code(), Some(3), "{err}");

    // Everything the whole scan prints but the stuck file's alerts past
    // its 15th line, in the same order: those of the files before and
    // after it and those of its first lines, in their place.
    let line = |a: &Value| a["source"]["line"].as_u64().expect("an alert's line");
    let whole = alerts(&whole);
    let expected: Vec<Value> = whole
        .iter()
        .filter(|a| !from_stuck(a) || line(a) <= STALL_AFTER)
        .cloned()
        .collect();
    let kept = expected.iter().filter(|a| from_stuck(a)).count();
    assert!(kept > 0, "alerts before the hang: {whole:#?}");
    assert!(
        whole.iter().any(|a| from_stuck(a) && line(a) > STALL_AFTER),
        "alerts after the hang: {whole:#?}"
    );
    assert_eq!(alerts(&stalled), expected);

    // The file was read in part: damage to it, not an unreadable file,
    // and its records up to the hang stay counted.
    let summary = summary(&err);
    assert_eq!(summary["unreadable"], Value::Array(vec![]), "{summary:#}");
    let totals = &summary["totals"];
    let damage = totals["first_damaged"].as_array().expect("damage list");
    assert_eq!(damage.len(), 1, "{summary:#}");
    let message = damage[0].as_str().unwrap();
    assert!(
        message.contains("stuck.jsonl")
            && message.contains("not read after")
            && message.contains("the rest of it was not scanned"),
        "{message}"
    );
    let count = |name: &str| totals[name].as_u64().unwrap_or_else(|| panic!("{name}"));
    // The two other files (6 + 2 records) and the stuck one's first 15
    // at most: it hands over after each alert, and every 4096 records.
    let other_records = 6 + 2;
    assert!(count("records_read") > other_records, "{summary:#}");
    assert!(
        count("records_read") <= other_records + STALL_AFTER,
        "{summary:#}"
    );
    assert_eq!(
        count("records_read"),
        count("events_evaluated") + count("skipped_by_prefilter") + count("unparseable"),
        "{summary:#}"
    );
    assert_eq!(count("alerts"), expected.len() as u64, "{summary:#}");
}

#[test]
fn a_file_stalled_part_way_gives_the_same_output_on_any_threads() {
    let dir = inputs("threads", repeated_sysmon);
    let stall = Some(("stuck.jsonl", Some(STALL_AFTER)));
    let (two, _) = scan(&dir, &["--threads", "2"], stall);
    let (four, _) = scan(&dir, &["--threads", "4"], stall);
    assert_eq!(two.status.code(), Some(3), "{}", stderr(&two));
    assert_eq!(four.status.code(), Some(3), "{}", stderr(&four));
    assert!(stdout(&two).contains("stuck.jsonl"), "{}", stdout(&two));
    assert_eq!(stdout(&two), stdout(&four));
    // The counts too, whatever the prefilter skipped; the timings and the
    // threads differ, and the seconds in the message may.
    let counts = |out: &Output| {
        let summary = summary(&stderr(out));
        let totals = &summary["totals"];
        let count = |name: &str| totals[name].as_u64().unwrap_or_else(|| panic!("{name}"));
        assert_eq!(
            count("records_read"),
            count("events_evaluated") + count("skipped_by_prefilter") + count("unparseable"),
            "{summary:#}"
        );
        (
            count("records_read"),
            count("skipped_by_prefilter"),
            count("alerts"),
            count("damaged"),
        )
    };
    assert_eq!(counts(&two), counts(&four));
}
