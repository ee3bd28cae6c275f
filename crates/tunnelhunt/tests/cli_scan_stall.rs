//! A file whose parser never returns cannot hang the scan: its unit is
//! given up after `--file-timeout`, reported as unreadable (exit 3), and
//! every other file is scanned as usual.
//!
//! No real parser can be made to hang on demand, so the scan is told to
//! stall on one file through the test-only `TUNNELHUNT_TEST_STALL_ON`
//! variable (see `worker::scan`), which only a build with the `test-hooks`
//! feature reads: `cargo test -p tunnelhunt --features test-hooks -- stall`
//! (`.ci/run` does). Test names contain "stall" for that filter.
#![cfg(feature = "test-hooks")]

use crate::common;

use std::time::{Duration, Instant};

use common::{command, stderr, stdout};
use serde_json::Value;

fn summary(stderr: &str) -> Value {
    let start = stderr.find('{').expect("a JSON summary on stderr");
    serde_json::from_str(&stderr[start..]).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

#[test]
fn a_stalled_file_is_given_up_and_the_scan_goes_on() {
    let dir = common::scratch("scan-stall", "inputs");
    for name in ["sysmon_process_creation.jsonl", "security_4688.json"] {
        std::fs::copy(
            common::repo().join("examples/events").join(name),
            dir.join(name),
        )
        .unwrap();
    }
    std::fs::copy(
        common::repo().join("examples/events/windows/winlogbeat_sysmon.jsonl"),
        dir.join("stuck.jsonl"),
    )
    .unwrap();
    let dir_arg = dir.to_str().unwrap();
    let scan = |stall: Option<&str>| {
        let mut cmd = command(&[
            "scan",
            "--format",
            "jsonl",
            "--summary",
            "json",
            "--file-timeout",
            "1",
            dir_arg,
        ]);
        if let Some(name) = stall {
            cmd.env("TUNNELHUNT_TEST_STALL_ON", name);
        }
        let started = Instant::now();
        let out = cmd.output().expect("run tunnelhunt");
        (out, started.elapsed())
    };

    let (whole, _) = scan(None);
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));

    let (stalled, took) = scan(Some("stuck.jsonl"));
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
    let not_from_stuck = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.contains("stuck.jsonl"))
            .map(str::to_owned)
            .collect()
    };
    let expected = not_from_stuck(&stdout(&whole));
    assert!(!expected.is_empty(), "the example files raise alerts");
    assert_eq!(not_from_stuck(&stdout(&stalled)), expected);
    assert!(!stdout(&stalled).contains("stuck.jsonl"));
}
