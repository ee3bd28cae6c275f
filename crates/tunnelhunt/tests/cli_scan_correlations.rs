//! `scan` with correlation rules: alerts with their evidence, base rules
//! silenced as `generate` says, selection, events without a time, and the
//! same output for any thread count and any order of the inputs.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{self, stderr, stdout, tunnelhunt};

fn scratch(name: &str) -> PathBuf {
    common::scratch("correlations", name)
}

/// A base rule that fires on every `tool.exe` process start.
const BASE_RULE: &str = "title: Test Tool Started
id: 11111111-2222-4333-8444-555555555555
name: tool_started
status: test
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\\tool.exe'
    condition: selection
level: low
";

/// Three starts by one user within ten minutes.
fn correlation(generate: bool, extra: &str) -> String {
    format!(
        "title: Tool Started Repeatedly
id: 99999999-8888-4777-8666-555555555555
status: test
correlation:
    type: event_count
    rules:
        - tool_started
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 3
    generate: {generate}
{extra}level: high
"
    )
}

/// One Sysmon process start as an evtx-shaped JSON line.
fn start(record: u64, time: Option<&str>, user: &str) -> String {
    let created = time.map_or_else(String::new, |t| {
        format!(r##""TimeCreated":{{"#attributes":{{"SystemTime":"{t}"}}}},"##)
    });
    format!(
        r##"{{"Event":{{"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Sysmon"}}}},"EventID":1,{created}"EventRecordID":{record},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WS01"}},"EventData":{{"Image":"C:\\x\\tool.exe","User":"{user}","CommandLine":"tool.exe {record}"}}}}}}"##
    )
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// Rules in `dir/rules`, events in `dir/a.jsonl` and `dir/b.jsonl`: alice
/// starts the tool three times within ten minutes (split over both
/// files, out of time order), bob twice.
fn setup(name: &str, generate: bool) -> PathBuf {
    let dir = scratch(name);
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("base.yml"), BASE_RULE).unwrap();
    std::fs::write(rules.join("mr_repeat.yml"), correlation(generate, "")).unwrap();
    write(
        &dir,
        "a.jsonl",
        &[
            start(1, Some("2026-12-01T10:09:00Z"), "alice"),
            start(2, Some("2026-12-01T10:00:00Z"), "bob"),
            start(3, Some("2026-12-01T10:00:00Z"), "alice"),
        ],
    );
    write(
        &dir,
        "b.jsonl",
        &[
            start(1, Some("2026-12-01T10:05:00Z"), "alice"),
            start(2, Some("2026-12-01T10:30:00Z"), "bob"),
            start(3, None, "alice"),
        ],
    );
    dir
}

fn scan(dir: &Path, extra: &[&str]) -> std::process::Output {
    let rules = dir.join("rules");
    let mut args = vec![
        "scan",
        "--format",
        "jsonl",
        "--summary",
        "json",
        "-r",
        rules.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    tunnelhunt(&args)
}

fn alerts(out: &std::process::Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn summary(out: &std::process::Output) -> Value {
    let text = stderr(out);
    let line = text.lines().rev().find(|l| l.starts_with('{')).unwrap();
    serde_json::from_str(line).unwrap()
}

#[test]
fn a_correlation_alerts_once_with_its_group_window_and_evidence() {
    let dir = setup("evidence", false);
    let (a, b) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    let out = scan(&dir, &[a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let alerts = alerts(&out);
    // generate: false — the base rule raises nothing of its own.
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let alert = &alerts[0];
    assert_eq!(alert["rule_id"], "99999999-8888-4777-8666-555555555555");
    assert_eq!(alert["user"], "alice");
    let facts = &alert["correlation"];
    assert_eq!(facts["type"], "event_count");
    assert_eq!(facts["group"]["User"], "alice");
    assert_eq!(facts["figure"], 3);
    assert_eq!(facts["window_start"], "2026-12-01T10:00:00Z");
    assert_eq!(facts["window_end"], "2026-12-01T10:09:00Z");
    assert_eq!(facts["evidence_total"], 3);
    let evidence: Vec<(String, u64)> = facts["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = e["path"].as_str().unwrap();
            let name = Path::new(path).file_name().unwrap().to_string_lossy();
            (name.into_owned(), e["line"].as_u64().unwrap())
        })
        .collect();
    // In time order: a.jsonl:3 (10:00), b.jsonl:1 (10:05), a.jsonl:1 (10:09).
    assert_eq!(
        evidence,
        [
            ("a.jsonl".to_owned(), 3),
            ("b.jsonl".to_owned(), 1),
            ("a.jsonl".to_owned(), 1)
        ]
    );
    let summary = summary(&out);
    let correlations = &summary["correlations"];
    assert_eq!(correlations["evaluated"], 1);
    assert_eq!(correlations["alerts_by_correlation"][0]["count"], 1);
    // b.jsonl:3 has no timestamp: counted, not used.
    assert_eq!(correlations["events_without_time"][0]["count"], 1);
}

#[test]
fn generate_true_keeps_the_base_alerts() {
    let dir = setup("generate", true);
    let out = scan(&dir, &[dir.to_str().unwrap()]);
    let alerts = alerts(&out);
    let base = alerts
        .iter()
        .filter(|a| a["rule_id"] == "11111111-2222-4333-8444-555555555555")
        .count();
    assert_eq!(base, 6, "{alerts:#?}");
    let correlated = alerts.iter().filter(|a| a.get("correlation").is_some());
    assert_eq!(correlated.count(), 1);
}

#[test]
fn output_is_the_same_for_any_thread_count_and_input_order() {
    let dir = setup("determinism", true);
    let (a, b) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let reference = alerts(&scan(&dir, &["--threads", "1", a, b]));
    let correlated = |alerts: &[Value]| -> Vec<Value> {
        alerts
            .iter()
            .filter(|x| x.get("correlation").is_some())
            .cloned()
            .collect()
    };
    for args in [
        ["--threads", "4", a, b],
        ["--threads", "1", b, a],
        ["--threads", "3", b, a],
    ] {
        let got = alerts(&scan(&dir, &args));
        // Per-event alerts follow the input order; the correlation alerts
        // do not depend on it at all.
        assert_eq!(correlated(&got), correlated(&reference), "{args:?}");
    }
    let same_order = alerts(&scan(&dir, &["--threads", "4", a, b]));
    assert_eq!(same_order, reference);
}

#[test]
fn selecting_a_correlation_runs_its_rules_silently() {
    let dir = setup("select", true);
    let out = scan(&dir, &["--rule", "99999999", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let found = alerts(&out);
    // The base rule is not selected: it feeds the correlation only.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].get("correlation").is_some());
    // And selecting the base rule alone evaluates no correlation.
    let out = scan(&dir, &["--rule", "11111111", dir.to_str().unwrap()]);
    let base_only = alerts(&out);
    assert_eq!(base_only.len(), 6);
    assert!(summary(&out).get("correlations").is_none());
}

#[test]
fn a_near_miss_stays_quiet() {
    let dir = setup("near-miss", false);
    // Four starts needed: alice has three.
    let rules = dir.join("rules");
    std::fs::write(
        rules.join("mr_repeat.yml"),
        correlation(false, "").replace("gte: 3", "gte: 4"),
    )
    .unwrap();
    let out = scan(&dir, &[dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(alerts(&out).is_empty());
}

#[test]
fn a_correlation_over_a_rule_that_does_not_compile_is_left_out() {
    let dir = setup("broken", false);
    std::fs::write(
        dir.join("rules").join("base.yml"),
        BASE_RULE.replace(
            "Image|endswith",
            "Image|re: '(unclosed'\n        Other|endswith",
        ),
    )
    .unwrap();
    // Another rule keeps the scan going.
    std::fs::write(
        dir.join("rules").join("other.yml"),
        BASE_RULE
            .replace(
                "11111111-2222-4333-8444-555555555555",
                "22222222-2222-4333-8444-555555555555",
            )
            .replace("name: tool_started\n", ""),
    )
    .unwrap();
    let out = scan(&dir, &[dir.to_str().unwrap()]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("correlation \"Tool Started Repeatedly\"") && text.contains("not usable"),
        "{text}"
    );
}

#[test]
fn rules_show_describes_a_correlation_with_its_guide() {
    let out = tunnelhunt(&["rules", "show", "6b0d2a55"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "correlation  temporal_ordered of 93189701-5406-4d65-b1c2-f497e87d4576, \
             a52ffb70-bdbc-4182-9a92-71e14d2fe746 by Computer within 10m (all rules), generate"
        ),
        "{text}"
    );
    assert!(text.contains("## Investigation"), "{text}");
}
