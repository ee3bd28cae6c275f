//! The hunt report and the detection pages in a real browser (issue 18):
//! headless Chromium driven by `validators/browser/check.mjs`
//! (playwright-core, axe-core). Zero console errors and zero network
//! requests on every page; the alert filters give the counts the scan's
//! own JSON lines give; the XSS canaries run nothing and widen nothing;
//! no serious or critical axe-core violation. Screenshots of each page
//! are left in `target/browser-artefacts/` for a person to look at.
//!
//! Needs `validators/browser/setup.sh`, Debian's chromium and
//! `TUNNELHUNT_VALIDATORS=1`; without the variable it says it was
//! skipped.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{self, repo, scratch, stderr, tunnelhunt};
use crate::report_support::{alerts, write_hostile_corpus};

fn harness() -> Option<PathBuf> {
    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
        return None;
    }
    let dir = repo().join("validators/browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "TUNNELHUNT_VALIDATORS is set but the browser check is not installed: run validators/browser/setup.sh"
    );
    Some(dir.join("check.mjs"))
}

fn count_by(alerts: &[Value], key: impl Fn(&Value) -> Option<String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for a in alerts {
        if let Some(k) = key(a) {
            *counts.entry(k).or_insert(0) += 1;
        }
    }
    counts
}

/// What the report's filters must show, from the scan's JSON lines.
fn expectations(input: &str) -> Value {
    let out = tunnelhunt(&["scan", "--quiet", "--format", "jsonl", input]);
    let alerts = alerts(&out.stdout);
    let text = |a: &Value, k: &str| a[k].as_str().map(str::to_owned);
    let levels = ["informational", "low", "medium", "high", "critical"];
    let rank = |l: &str| levels.iter().position(|x| *x == l);
    let at_least: BTreeMap<&str, usize> = ["high", "critical"]
        .into_iter()
        .map(|level| {
            let n = alerts
                .iter()
                .filter(|a| a["level"].as_str().and_then(rank) >= rank(level))
                .count();
            (level, n)
        })
        .collect();
    // A word of one command line, and a time range around the first
    // timestamped alert's second.
    let word = "plink";
    let mentioning = alerts
        .iter()
        .filter(|a| a.to_string().to_lowercase().contains(word))
        .count();
    let timed: Vec<&str> = alerts
        .iter()
        .filter_map(|a| a["timestamp"].as_str())
        .collect();
    let first = timed.iter().min().copied().unwrap_or("");
    let second = &first[..first.len().min(19)];
    let (from, to) = (format!("{second}Z"), format!("{second}.999Z"));
    let in_range = timed.iter().filter(|t| t.starts_with(second)).count();
    json!({
        "total": alerts.len(),
        "page_rows": 200,
        "timed": timed.len(),
        // A sensor's alert (Zeek) is filed under its client.
        "by_host": count_by(&alerts, |a| {
            let client = &a["client"];
            Some(
                text(a, "computer")
                    .or_else(|| text(client, "hostname"))
                    .or_else(|| text(client, "ip"))
                    .unwrap_or_else(|| "(no host)".into()),
            )
        }),
        "by_branch": count_by(&alerts, |a| Some(text(a, "branch").unwrap_or_else(|| "(no branch)".into()))),
        "at_least_level": at_least,
        "text": {"query": word, "count": mentioning},
        "time": {"from": from, "to": to, "count": in_range},
    })
}

#[test]
fn pages_load_clean_filter_right_and_run_no_canary() {
    let Some(check) = harness() else { return };
    let dir = scratch("report_browser", "pages");
    let artefacts = repo().join("target/browser-artefacts");
    let report = dir.join("report.html");
    let out = tunnelhunt(&[
        "scan",
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
        "examples/events",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    write_hostile_corpus(&dir);
    let hostile_input = dir.join("hostile.jsonl");
    let hostile = dir.join("hostile.html");
    let out = tunnelhunt(&[
        "scan",
        "--format",
        "html",
        "-o",
        hostile.to_str().unwrap(),
        hostile_input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pages = dir.join("pages");
    let out = tunnelhunt(&["rules", "page", "--out", pages.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let list = tunnelhunt(&["rules", "list", "--format", "json"]);
    let rules: Vec<Value> = serde_json::from_slice(&list.stdout).unwrap();
    let query = "dns-over-https";
    let found = rules
        .iter()
        .filter(|r| r["title"].as_str().unwrap().to_lowercase().contains(query))
        .count();
    let spec = json!({
        "artefacts": artefacts,
        "pages": [
            {"name": "report", "path": report, "kind": "report", "expect": expectations("examples/events")},
            {"name": "hostile", "path": hostile, "kind": "report", "canaries": true,
             "expect": expectations(hostile_input.to_str().unwrap())},
            {"name": "rule-page", "path": pages.join("proc_creation_win_ssh_local_port_forward.html"), "kind": "page"},
            {"name": "correlation-page", "path": pages.join("correlation_win_ssh_forward_then_loopback_remote_access.html"), "kind": "page"},
            {"name": "index", "path": pages.join("index.html"), "kind": "index",
             "expect": {"rules": rules.len(), "search": {"query": query, "count": found}}},
            {"name": "coverage", "path": pages.join("coverage.html"), "kind": "coverage"},
        ]
    });
    let spec_file = dir.join("spec.json");
    std::fs::write(&spec_file, spec.to_string()).unwrap();
    let out = Command::new("node")
        .current_dir(common::repo())
        .arg(&check)
        .arg(&spec_file)
        .output()
        .expect("node runs (TUNNELHUNT_VALIDATORS is set, so node is required)");
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    assert!(
        out.status.success(),
        "browser check failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report.lines().count(), 6, "one result per page");
}
