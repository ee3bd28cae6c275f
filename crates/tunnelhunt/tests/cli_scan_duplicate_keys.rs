//! Duplicate JSON keys end to end (issue 15): a record that names
//! `CommandLine` twice, the tunnelling command line first and a benign one
//! last (the value serde_json alone would keep), alerts; the summary counts
//! it per format with its place and the repeated key, and it is no input
//! error (the exit code stays 0).

use crate::common;

use common::{scratch, stderr, stdout, tunnelhunt};
use serde_json::Value;

const TUNNEL: &str = "ssh -N -L 8080:10.0.0.5:3389 u@h";

fn write_events(name: &str) -> std::path::PathBuf {
    let dir = scratch("duplicate-keys", name);
    let plain = format!(
        r#"{{"Event":{{"System":{{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"}},"EventData":{{"Image":"C:\\x\\ssh.exe","CommandLine":"{TUNNEL}"}}}}}}"#
    );
    let hidden = format!(
        r#"{{"Event":{{"System":{{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"}},"EventData":{{"Image":"C:\\x\\ssh.exe","CommandLine":"{TUNNEL}","CommandLine":"notepad.exe"}}}}}}"#
    );
    std::fs::write(dir.join("events.json"), format!("{plain}\n{hidden}\n")).unwrap();
    dir
}

#[test]
fn a_value_hidden_behind_a_repeated_key_alerts_and_is_reported() {
    let dir = write_events("json");
    let file = dir.join("events.json");
    let out = tunnelhunt(&[
        "scan",
        "--summary",
        "json",
        "--format",
        "jsonl",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let alerted_lines: std::collections::BTreeSet<u64> = lines
        .iter()
        .map(|a| a["source"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(alerted_lines, [1, 2].into(), "{}", stdout(&out));
    let text = stderr(&out);
    let summary: Value =
        serde_json::from_str(text.lines().rev().find(|l| l.starts_with('{')).unwrap()).unwrap();
    let stats = &summary["formats"]["evtx-json"];
    assert_eq!(stats["duplicate_keys"], 1, "{text}");
    assert_eq!(
        stats["first_duplicate_keys"],
        serde_json::json!([format!(
            "{}:2: key 'Event.EventData.CommandLine' appears 2 times",
            file.display()
        )]),
        "{text}"
    );
    assert_eq!(summary["totals"]["duplicate_keys"], 1, "{text}");
    assert_eq!(summary["totals"]["unparseable"], 0, "{text}");
}

#[test]
fn the_text_summary_names_the_repeated_key() {
    let dir = write_events("text");
    let out = tunnelhunt(&["scan", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("1 with duplicate keys")
            && text.contains("events.json:2: key 'Event.EventData.CommandLine' appears 2 times")
            && text.contains("duplicate keys: 1 record (every value kept"),
        "{text}"
    );
}
