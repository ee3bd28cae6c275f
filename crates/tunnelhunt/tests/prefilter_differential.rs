//! The literal prefilter changes nothing but speed: on every corpus, with
//! the built-in pack, the example rules and all SigmaHQ rules, `scan` prints byte-identical
//! alerts with the prefilter on (two threads and one) and off, and reads
//! the same number of records (`read = evaluated + skipped by prefilter +
//! unparseable` on each side).
//!
//! A fourth set, `routes`, holds only rules without needles, so that in
//! EVTX every decision is the chunk gate's: which records a rule's route
//! (its `EventID`s or channels) lets through, read from each record's
//! binary XML before it is rendered.
//!
//! Corpora: the repository's `examples/` and `corpus/scenarios/`, and from
//! `$TUNNELHUNT_CORPUS` SigmaHQ's regression data (EVTX and evtx-JSON),
//! `real/` and `evtx-samples/`. Without `TUNNELHUNT_CORPUS` only the
//! repository's corpora run (with the pack).

use crate::common;

use std::path::{Path, PathBuf};

use common::tunnelhunt;
use serde_json::Value;

/// The alerts (JSONL) and the summary totals of one scan.
fn scan(rules: &[String], input: &Path, extra: &[&str]) -> (String, Value) {
    let mut args: Vec<&str> = vec!["scan", "--format", "jsonl", "--summary", "json", "--quiet"];
    args.extend(rules.iter().map(String::as_str));
    args.extend(extra);
    let input = input.to_str().unwrap();
    args.push(input);
    let out = tunnelhunt(&args);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1 | 3)),
        "{args:?} exited {code:?}: {}",
        common::stderr(&out)
    );
    let stderr = common::stderr(&out);
    let summary: Value = stderr
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON summary in {stderr}"));
    (common::stdout(&out), summary["totals"].clone())
}

fn count(totals: &Value, key: &str) -> u64 {
    totals[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no {key} in {totals}"))
}

/// Scan `input` three ways and compare; returns (records, skipped,
/// bytes of alerts).
fn compare(label: &str, rules: &[String], input: &Path) -> (u64, u64, usize) {
    let (on, on_totals) = scan(rules, input, &["--threads", "2"]);
    let (off, off_totals) = scan(rules, input, &["--threads", "1", "--no-prefilter"]);
    let (on1, _) = scan(rules, input, &["--threads", "1"]);
    assert!(
        on == off,
        "{label}: alerts differ with the prefilter on and off"
    );
    assert!(on == on1, "{label}: alerts differ between 2 threads and 1");
    let read = count(&on_totals, "records_read");
    assert_eq!(
        read,
        count(&off_totals, "records_read"),
        "{label}: records read"
    );
    let skipped = count(&on_totals, "skipped_by_prefilter");
    assert_eq!(
        read,
        count(&on_totals, "events_evaluated") + skipped + count(&on_totals, "unparseable"),
        "{label}: read = evaluated + skipped + unparseable"
    );
    assert_eq!(count(&off_totals, "skipped_by_prefilter"), 0, "{label}");
    println!(
        "{label}: {read} records, {skipped} skipped by the prefilter, {} alert bytes",
        on.len()
    );
    (read, skipped, on.len())
}

fn repo(path: &str) -> PathBuf {
    common::repo().join(path)
}

#[test]
fn prefilter_on_and_off_give_the_same_alerts() {
    let pack: Vec<String> = vec![];
    let mut corpora: Vec<(String, PathBuf)> = vec![
        ("examples".into(), repo("examples")),
        ("scenarios".into(), repo("corpus/scenarios")),
    ];
    // The example rules all have needles: EVTX chunks are skipped whole.
    let examples = vec![
        "--rules".to_owned(),
        repo("examples/rules").display().to_string(),
    ];
    let mut sets: Vec<(&str, Vec<String>)> = vec![
        ("pack", pack),
        ("examples", examples),
        ("routes", route_rules()),
    ];
    if let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") {
        let root = PathBuf::from(root);
        for sub in ["sigmahq/regression_data", "real", "evtx-samples"] {
            corpora.push((sub.into(), root.join(sub)));
        }
        let sigma = |sub: &str| {
            [
                "--rules".to_owned(),
                root.join("sigmahq").join(sub).display().to_string(),
            ]
        };
        let mut all: Vec<String> = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
            .iter()
            .flat_map(|s| sigma(s))
            .collect();
        all.extend([
            "--placeholders".to_owned(),
            repo("bench/placeholders.yml").display().to_string(),
        ]);
        sets.push(("sigmahq", all));
    } else {
        println!("TUNNELHUNT_CORPUS not set: only the repository's corpora, with the pack");
    }
    let mut skipped_somewhere = false;
    let mut routes_alerted = false;
    for (set, rules) in &sets {
        for (name, path) in &corpora {
            let (_, skipped, alerts) = compare(&format!("{set} on {name}"), rules, path);
            skipped_somewhere |= skipped > 0;
            routes_alerted |= *set == "routes" && alerts > 0;
        }
    }
    assert!(routes_alerted, "the route-only rules matched nothing");
    // The comparison means something only if the prefilter did skip.
    assert!(skipped_somewhere, "the prefilter skipped nothing anywhere");
}

/// Rules that no needle can stand for (numbers, `exists`, a length regex),
/// one per kind of route: a service's channel, categories' `EventID`s.
fn route_rules() -> Vec<String> {
    let dir = common::scratch("prefilter-differential", "routes");
    let rules = [
        (
            "network_logon",
            "    product: windows\n    service: security\n",
            "    sel:\n        EventID: 4624\n        LogonType: 3\n",
        ),
        (
            "integrity_level",
            "    product: windows\n    category: process_creation\n",
            "    sel:\n        IntegrityLevel|exists: true\n",
        ),
        (
            "https_connection",
            "    product: windows\n    category: network_connection\n",
            "    sel:\n        DestinationPort: 443\n",
        ),
        (
            "long_dns_query",
            "    category: dns_query\n",
            "    sel:\n        QueryName|re: '^.{30,}$'\n",
        ),
        (
            "service_installed",
            "    product: windows\n    service: system\n",
            "    sel:\n        EventID: 7045\n",
        ),
    ];
    for (n, (name, logsource, detection)) in rules.iter().enumerate() {
        let text = format!(
            "title: {name}\nid: 00000000-0000-4000-8000-{n:012}\nstatus: test\n\
             logsource:\n{logsource}detection:\n{detection}    condition: sel\nlevel: low\n"
        );
        std::fs::write(dir.join(format!("{name}.yml")), text).unwrap();
    }
    vec!["--rules".to_owned(), dir.display().to_string()]
}
