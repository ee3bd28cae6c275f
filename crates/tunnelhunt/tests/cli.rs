//! The binary as a user runs it: the README's main command on the bundled
//! examples, and the exit codes the README documents.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{repo, stderr, stdout, tunnelhunt};

fn scratch(name: &str) -> PathBuf {
    common::scratch("cli", name)
}

#[test]
fn example_scan_prints_the_tunnels_and_nothing_else() {
    let out = tunnelhunt(&["scan", "--rules", "examples/rules", "examples/events"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let alerts: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let got: Vec<(String, String)> = alerts
        .iter()
        .map(|a| {
            (
                a["rule_title"].as_str().unwrap().to_owned(),
                a["command_line"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |title: &str, cmd: &str| got.iter().any(|(t, c)| t == title && c.starts_with(cmd));
    assert!(
        has("Port Forwarding With Plink", "plink.exe -ssh -N -L 13389"),
        "{got:#?}"
    );
    // Security 4688: NewProcessName is reachable as Image.
    assert!(
        has("Port Forwarding With Plink", "plink.exe -batch -R 8080"),
        "{got:#?}"
    );
    assert!(
        has(
            "Port Forwarding With the OpenSSH Client",
            "ssh.exe -N -L 8443"
        ),
        "{got:#?}"
    );
    assert!(
        has(
            "Port Proxy Added With Netsh",
            "netsh interface portproxy add"
        ),
        "{got:#?}"
    );
    // `ssh -l` (a login name), TortoiseGitPlink and the filtered backup
    // tunnel raise nothing.
    assert_eq!(alerts.len(), 4, "{got:#?}");
    let first = &alerts[0];
    assert_eq!(first["source"]["format"], "evtx-json");
    assert!(first["source"]["line"].as_u64().unwrap() >= 1);
    assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(
        first["attack"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "T1572")
    );
    let summary = stderr(&out);
    assert!(
        summary.contains("records: 242 read = ") && summary.contains(" + 0 unparseable\n"),
        "{summary}"
    );
    assert!(!summary.contains("correlation"), "{summary}");
    // The example rules feed no behaviour analytic.
    assert!(!summary.contains("behaviour"), "{summary}");
}

#[test]
fn rules_check_passes_on_examples_and_lists_them() {
    let out = tunnelhunt(&["rules", "check", "examples/rules"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).trim(),
        "4 files, 3 rules, 1 filter, 0 correlations: 0 errors, 0 warnings"
    );
    let out = tunnelhunt(&["rules", "list", "--format", "json", "examples/rules"]);
    assert_eq!(out.status.code(), Some(0));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 4);
    let out = tunnelhunt(&["rules", "list", "examples/rules"]);
    assert!(stdout(&out).contains("Port Proxy Added With Netsh"));
}

#[test]
fn rules_check_reports_errors_with_locations_and_exits_1() {
    let dir = scratch("check");
    let bad = dir.join("bad.yml");
    std::fs::write(
        &bad,
        "title: Broken\nlogsource:\n    category: process_creation\n    product: windows\n\
         detection:\n    selection:\n        CommandLine|contains|bogus: x\n    \
         condition: selection\n",
    )
    .unwrap();
    let undefined = dir.join("undefined.yml");
    std::fs::write(
        &undefined,
        "title: Undefined\nlogsource:\n    category: process_creation\n    product: windows\n\
         detection:\n    selection:\n        CommandLine|contains: x\n    \
         condition: selection and missing\n",
    )
    .unwrap();
    let out = tunnelhunt(&["rules", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let at = |file: &Path, line: u32, code: &str| {
        let prefix = format!("{}:{line}:", file.display());
        text.lines()
            .any(|l| l.starts_with(&prefix) && l.contains(code))
    };
    assert!(at(&bad, 7, "error[unknown-modifier]"), "{text}");
    assert!(at(&undefined, 8, "error[undefined-identifier]"), "{text}");
    assert!(text.trim_end().ends_with("2 errors, 0 warnings"), "{text}");
}

#[test]
fn placeholders_file_feeds_expand() {
    let dir = scratch("expand");
    let rule = dir.join("expand.yml");
    std::fs::write(
        &rule,
        "title: Tunnel To A Known Relay\nid: 0d1c6f53-3d5f-4c57-8d84-0b7bfae7e4c1\n\
         logsource:\n    category: process_creation\n    product: windows\n\
         detection:\n    selection:\n        CommandLine|contains|expand: '%relays%'\n    \
         condition: selection\nlevel: high\n",
    )
    .unwrap();
    let rule = rule.to_str().unwrap();
    // Without a table the rule loads, its placeholder matches nothing, and
    // the warning names the rule and the placeholder.
    let out = tunnelhunt(&["rules", "check", rule]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let warning = stdout(&out)
        .lines()
        .find(|line| line.contains("warning[unresolved-placeholder]"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no warning: {}", stdout(&out)));
    for part in ["%relays%", "Tunnel To A Known Relay", "matches nothing"] {
        assert!(warning.contains(part), "{part}: {warning}");
    }
    assert!(
        stdout(&out).contains(": 0 errors, 1 warning"),
        "{}",
        stdout(&out)
    );
    let out = tunnelhunt(&["scan", "--rules", rule, "examples/events"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "",
        "a value without a placeholder value matches nothing"
    );

    let table = dir.join("placeholders.yml");
    std::fs::write(&table, "relays: [198.51.100.23, 203.0.113.45]\n").unwrap();
    let table = table.to_str().unwrap();
    let out = tunnelhunt(&["rules", "check", "--placeholders", table, rule]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = tunnelhunt(&[
        "scan",
        "--placeholders",
        table,
        "--rules",
        rule,
        "examples/events",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 3, "{}", stdout(&out));
}

#[test]
fn unparseable_records_are_counted_located_and_exit_3() {
    let dir = scratch("inputs");
    let events =
        std::fs::read_to_string(repo().join("examples/events/sysmon_process_creation.jsonl"))
            .unwrap();
    let mut lines: Vec<&str> = events.lines().collect();
    lines.insert(1, "{\"Event\": {\"System\": oops}}");
    std::fs::write(dir.join("mixed.jsonl"), lines.join("\n")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a log\n").unwrap();
    let out = tunnelhunt(&["scan", "--rules", "examples/rules", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let summary = stderr(&out);
    // Some records may be skipped by the prefilter; the bad one never is.
    assert!(
        summary.contains("records: 7 read = ") && summary.contains(" + 1 unparseable"),
        "{summary}"
    );
    assert!(summary.contains("mixed.jsonl:2: invalid JSON"), "{summary}");
    assert!(
        summary.contains("skipped 1 file, unrecognised format: ")
            && summary.contains("notes.txt (text starting with `not a log`)"),
        "{summary}"
    );
    // The records after the bad line are still scanned.
    assert_eq!(stdout(&out).lines().count(), 3, "{}", stdout(&out));
}

#[test]
fn usage_errors_exit_2() {
    let out = tunnelhunt(&["scan", "--rules", "no/such/rules", "examples/events"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("rule path not found: no/such/rules"));
    // No input at all is a usage error; no rules means the built-in pack.
    let out = tunnelhunt(&["scan", "--rules", "examples/rules"]);
    assert_eq!(out.status.code(), Some(2));
    let out = tunnelhunt(&["rules", "show", "no-such-rule"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule with id"), "{}", stderr(&out));
}

#[test]
fn without_rule_paths_the_builtin_pack_is_used() {
    let out = tunnelhunt(&["rules", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(" 0 errors, 0 warnings"),
        "{}",
        stdout(&out)
    );
    let out = tunnelhunt(&["rules", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("<builtin>/t1572/"),
        "{}",
        stdout(&out)
    );
    let out = tunnelhunt(&["scan", "examples/events"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The netsh portproxy example event fires the pack's netsh rule.
    assert!(
        stdout(&out).contains("f8fe5df9-b306-4fef-860a-adab51d12f8c"),
        "{}",
        stdout(&out)
    );
    let out = tunnelhunt(&["rules", "show", "f8fe5df9"]);
    assert_eq!(out.status.code(), Some(0));
    let shown = stdout(&out);
    for part in [
        "branch      NetshPortProxy",
        "## Investigation",
        "## Tuning",
    ] {
        assert!(shown.contains(part), "{part}: {shown}");
    }
}

#[test]
fn filters_tune_the_builtin_pack_without_editing_it() {
    let local_forward = "7920708f-070f-4f93-aced-c7734bfe2a25";
    let count = |out: &Output| stdout(out).matches(local_forward).count();
    let untuned = tunnelhunt(&["scan", "examples/events"]);
    assert_eq!(untuned.status.code(), Some(0), "{}", stderr(&untuned));
    let tuned = tunnelhunt(&[
        "scan",
        "--filters",
        "examples/filters/sanctioned_backup_tunnel.yml",
        "examples/events",
    ]);
    assert_eq!(tuned.status.code(), Some(0), "{}", stderr(&tuned));
    // Every alert of the pack says which branch fired and how sure it is.
    for line in stdout(&untuned).lines() {
        assert!(line.contains("\"branch\":\""), "{line}");
        assert!(line.contains("\"confidence\":\""), "{line}");
    }
    // Exactly the sanctioned backup tunnel is removed; the other forwards stay.
    assert_eq!(count(&untuned), count(&tuned) + 1, "{}", stdout(&tuned));
    assert!(count(&tuned) >= 1);
    assert!(!stdout(&tuned).contains("svc_backup"), "{}", stdout(&tuned));
    assert!(stdout(&untuned).contains("svc_backup"));
}
