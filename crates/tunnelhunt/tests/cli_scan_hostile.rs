//! End to end on hostile input (issue 15): what a scan reports, and its
//! exit code, when evidence is hidden.
//!
//! * An anti-forensic wipe (defect 3): chunk 3 of a real Sysmon log
//!   zeroed. The scan names the chunk and its file offset in the summary's
//!   damage lines and exits 3; the alerts of the other chunks are exactly
//!   those of the untouched log. Needs `$TUNNELHUNT_CORPUS` (the log from
//!   `evtx-samples/`, SigmaHQ's process-creation rules from `sigmahq/`).
//!   Unset: the test prints "skipped" and passes; set to a folder without
//!   them, it fails.
//! * A preamble (defect 4): events after 16 lines of text are read and
//!   alert; after more than 1 MiB of text, the file is unreadable, exit 3.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{scratch, stderr, stdout, tunnelhunt};
use serde_json::Value;

const SAMPLE: &str =
    "evtx-samples/EVTX-ATTACK-SAMPLES/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx";
const RULES: &str = "sigmahq/rules/windows/process_creation";

fn corpus() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return None;
    };
    let root = PathBuf::from(root);
    assert!(
        root.join(SAMPLE).is_file() && root.join(RULES).is_dir(),
        "TUNNELHUNT_CORPUS is set but {} lacks {SAMPLE} or {RULES}",
        root.display()
    );
    Some(root)
}

/// (rule id, chunk, EventRecordID) of each alert.
fn alerts(stdout: &[u8]) -> BTreeSet<(String, u64, u64)> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| {
            let alert: Value = serde_json::from_str(line).unwrap();
            let source = &alert["source"];
            (
                alert["rule_id"].as_str().unwrap().to_owned(),
                source["chunk"].as_u64().unwrap(),
                source["record_id"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_zeroed_chunk_is_damage_with_its_place_and_exit_code_3() {
    let Some(root) = corpus() else { return };
    let dir = scratch("wipes", "zeroed");
    let log = std::fs::read(root.join(SAMPLE)).unwrap();
    let mut wiped = log.clone();
    wiped[4096 + 3 * 65536..4096 + 4 * 65536].fill(0);
    let (intact_path, wiped_path) = (dir.join("intact.evtx"), dir.join("wiped.evtx"));
    std::fs::write(&intact_path, &log).unwrap();
    std::fs::write(&wiped_path, &wiped).unwrap();
    let rules = root.join(RULES);
    let scan = |path: &PathBuf| {
        tunnelhunt(&[
            "scan",
            "--rules",
            rules.to_str().unwrap(),
            "--format",
            "jsonl",
            path.to_str().unwrap(),
        ])
    };
    let intact = scan(&intact_path);
    assert_eq!(intact.status.code(), Some(0), "{}", stderr(&intact));
    let before = alerts(&intact.stdout);
    let lost: BTreeSet<_> = before.iter().filter(|a| a.1 == 3).cloned().collect();
    assert!(
        !lost.is_empty(),
        "chunk 3 raises alerts in the untouched log"
    );

    let damaged = scan(&wiped_path);
    assert_eq!(damaged.status.code(), Some(3), "{}", stderr(&damaged));
    let summary = stderr(&damaged);
    assert!(
        summary.contains("chunk 3: all zeroes at file offset 200704")
            && summary.contains("chunk 4: EventRecordIDs 125–162 are missing"),
        "{summary}"
    );
    let kept: BTreeSet<_> = before.difference(&lost).cloned().collect();
    assert_eq!(alerts(&damaged.stdout), kept);
}

#[test]
fn a_preamble_does_not_hide_a_file() {
    let dir = scratch("hostile", "preamble");
    let event = r#"{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\x\\ssh.exe","CommandLine":"ssh -N -L 8080:10.0.0.5:3389 u@h"}}}"#;
    std::fs::write(
        dir.join("banner.json"),
        format!("{}{event}\n", "banner\n".repeat(16)),
    )
    .unwrap();
    let scan = tunnelhunt(&["scan", dir.to_str().unwrap()]);
    assert_eq!(scan.status.code(), Some(3), "{}", stderr(&scan));
    assert!(!stdout(&scan).is_empty(), "the event alerts");
    assert!(
        stderr(&scan).contains("1 evaluated + 16 unparseable"),
        "{}",
        stderr(&scan)
    );

    std::fs::remove_file(dir.join("banner.json")).unwrap();
    std::fs::write(
        dir.join("far.json"),
        format!("{}\n{event}\n", "x".repeat(2 << 20)),
    )
    .unwrap();
    let scan = tunnelhunt(&["scan", dir.to_str().unwrap()]);
    assert_eq!(scan.status.code(), Some(3), "{}", stderr(&scan));
    assert!(
        stderr(&scan).contains("0 skipped, 1 unreadable")
            && stderr(&scan).contains("not read: evtx-json records start at byte 2097153"),
        "{}",
        stderr(&scan)
    );
}

/// A gzip file cut in its second member is read as far as it goes and
/// reported as damage to that file: counted read, not also unreadable
/// (issue 15: a file is "read" or "unreadable", never both), exit 3.
#[test]
fn a_gzip_cut_short_is_read_and_damaged_not_also_unreadable() {
    let fixture =
        common::repo().join("crates/sources/tests/fixtures/gzip/conn-two-members.json.gz");
    let bytes = std::fs::read(&fixture).unwrap();
    let dir = scratch("hostile", "gzip-cut");
    let cut = dir.join("conn.json.gz");
    std::fs::write(&cut, &bytes[..bytes.len() - 12]).unwrap();
    let out = tunnelhunt(&[
        "scan",
        "--summary",
        "json",
        "--format",
        "jsonl",
        cut.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stderr(&out);
    let summary: Value =
        serde_json::from_str(text.lines().rev().find(|l| l.starts_with('{')).unwrap()).unwrap();
    assert_eq!(summary["files"]["read"], 1, "{text}");
    assert_eq!(summary["files"]["unreadable"], 0, "{text}");
    assert_eq!(summary["totals"]["damaged"], 1, "{text}");
    assert!(
        summary["totals"]["records_read"].as_u64().unwrap() > 0,
        "{text}"
    );
}

/// Every rule invalid: nothing can be scanned, which is a setup error
/// (exit 2), not "rule errors, and the rest was scanned" (exit 1).
#[test]
fn a_rule_set_with_no_usable_rule_exits_2_and_scans_nothing() {
    let dir = scratch("hostile", "no-usable-rule");
    std::fs::write(
        dir.join("broken.yml"),
        "title: Broken\nlogsource: {category: process_creation, product: windows}\n\
         detection:\n    selection:\n        CommandLine|contains|bogus: x\n    condition: selection\n",
    )
    .unwrap();
    let rules = dir.to_str().unwrap();
    let out = tunnelhunt(&["scan", "-r", rules, "examples/events"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was scanned"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

/// A huge `--threads` is lowered to the cap, said once, and scans as usual.
#[test]
fn a_huge_thread_count_is_capped() {
    let out = tunnelhunt(&[
        "scan",
        "--threads",
        "100000",
        "--format",
        "jsonl",
        "examples/events",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--threads 100000 is more than 256; using 256"),
        "{}",
        stderr(&out)
    );
    let reference = tunnelhunt(&[
        "scan",
        "--threads",
        "1",
        "--format",
        "jsonl",
        "examples/events",
    ]);
    assert_eq!(stdout(&out), stdout(&reference));
}
