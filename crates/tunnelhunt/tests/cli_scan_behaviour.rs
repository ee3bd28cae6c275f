//! The behaviour analytics through `tunnelhunt scan`: a DNS channel in a
//! Zeek dns.log is raised once, with its score, client, domain, samples and
//! evidence; the verdict is the same whatever the order of the rows, the
//! split of the rows between files and the number of threads; a Sigma
//! filter on the feeding rule extends the allowlist; `--rule` selects the
//! analytic like a rule.

use crate::common;

use std::path::{Path, PathBuf};

use common::{stderr, stdout, tunnelhunt};
use serde_json::Value;

const DNS_VOLUME_RULE: &str = "c7a4e0d9-5f21-4b3a-8e6c-1a9d2b7f4e08";

const HEADER: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\n";

/// A deterministic stand-in for random bytes, as lower-case base32.
fn base32(seed: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(ALPHABET[(state % 32) as usize])
        })
        .collect()
}

/// 150 tunnel queries from 10.1.0.9 under `t.relay-example.com`, one a
/// second, and 300 ordinary lookups from other clients.
fn rows() -> Vec<String> {
    let mut rows = Vec::new();
    for i in 0..150u64 {
        rows.push(format!(
            "{}.{:06}\tCt{i}\t10.1.0.9\t5{i:04}\t10.1.0.53\t53\tudp\t{}.{}.t.relay-example.com\tTXT",
            1_795_237_200 + i,
            i * 1000,
            base32(i, 60),
            base32(i + 1000, 30)
        ));
    }
    for i in 0..300u64 {
        rows.push(format!(
            "{}.5\tCb{i}\t10.1.0.{}\t4{i:04}\t10.1.0.53\t53\tudp\t{}.example-shop{}.co.uk\tA",
            1_795_237_200 + i * 7,
            20 + i % 50,
            ["www", "api", "img", "static"][(i % 4) as usize],
            i % 20
        ));
    }
    rows
}

fn write(path: &Path, rows: &[String]) {
    let body: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, format!("{HEADER}{body}")).unwrap();
}

fn behaviour_alerts(args: &[&str]) -> Vec<Value> {
    let out = tunnelhunt(args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|a| a.get("behaviour").is_some())
        .collect()
}

/// What must not depend on the order or split of the rows.
fn verdict(alert: &Value) -> (String, Value, Value, Value, Value) {
    let b = &alert["behaviour"];
    (
        alert["rule_id"].as_str().unwrap().to_owned(),
        b["score"].clone(),
        b["key"].clone(),
        b["figures"].clone(),
        b["samples"].clone(),
    )
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("scan-behaviour", name)
}

#[test]
fn a_dns_channel_is_raised_once_with_its_score_and_evidence() {
    let dir = scratch("one-file");
    write(&dir.join("dns.log"), &rows());
    let dir = dir.to_str().unwrap();
    let alerts = behaviour_alerts(&["scan", "--quiet", "--format", "jsonl", dir]);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["rule_id"], DNS_VOLUME_RULE);
    assert_eq!(alert["branch"], "DnsTunneling");
    assert_eq!(alert["computer"], "10.1.0.9");
    let b = &alert["behaviour"];
    assert_eq!(b["analytic"], "dns_volume");
    assert_eq!(b["key"]["domain"], "relay-example.com");
    assert!(b["score"].as_f64().unwrap() >= 0.5, "{b}");
    assert_eq!(b["figures"]["window_distinct_subdomains"], 150);
    assert_eq!(b["evidence_total"], 150);
    assert_eq!(b["evidence"].as_array().unwrap().len(), 20);
    // The first tunnel row is line 8 (seven header lines).
    assert_eq!(b["evidence"][0]["line"], 8);
    assert!(
        b["samples"][0]
            .as_str()
            .unwrap()
            .ends_with(".t.relay-example.com")
    );
}

#[test]
fn the_verdict_does_not_depend_on_row_order_file_split_or_threads() {
    let sorted = scratch("sorted");
    write(&sorted.join("dns.log"), &rows());
    let expected: Vec<_> = behaviour_alerts(&["scan", "--quiet", sorted.to_str().unwrap()])
        .iter()
        .map(verdict)
        .collect();
    assert_eq!(expected.len(), 1);

    // Reversed and split in two files: the later rows first, as Zeek's
    // completion order and a rotated log can give them.
    let mut reversed = rows();
    reversed.reverse();
    let split = scratch("split");
    let (a, b) = reversed.split_at(200);
    write(&split.join("a.log"), a);
    write(&split.join("b.log"), b);
    for threads in ["1", "2", "4"] {
        let got: Vec<_> = behaviour_alerts(&[
            "scan",
            "--quiet",
            "--threads",
            threads,
            split.to_str().unwrap(),
        ])
        .iter()
        .map(verdict)
        .collect();
        assert_eq!(got, expected, "--threads {threads}");
    }
}

#[test]
fn a_filter_extends_the_allowlist_and_rule_selection_applies() {
    let dir = scratch("filtered");
    write(&dir.join("dns.log"), &rows());
    let filter = dir.join("allow.yml");
    std::fs::write(
        &filter,
        format!(
            "title: our relay\nid: 6f1e0c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b\nlogsource:\n    category: dns_query\nfilter:\n    rules:\n        - {DNS_VOLUME_RULE}\n    selection:\n        QueryName|endswith: '.relay-example.com'\n    condition: not selection\n"
        ),
    )
    .unwrap();
    let log = dir.join("dns.log");
    let log = log.to_str().unwrap();
    let filtered = behaviour_alerts(&[
        "scan",
        "--quiet",
        "--filters",
        filter.to_str().unwrap(),
        log,
    ]);
    assert!(filtered.is_empty(), "{filtered:?}");
    let selected = behaviour_alerts(&["scan", "--quiet", "--rule", DNS_VOLUME_RULE, log]);
    assert_eq!(selected.len(), 1);
    let other = behaviour_alerts(&["scan", "--quiet", "--rule", "TunnelBeacon", log]);
    assert!(other.is_empty(), "{other:?}");
}
