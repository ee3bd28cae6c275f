//! Zeek writes dns.log rows when a flow completes, not when the query was
//! sent, so rows arrive out of time order (an unanswered query is logged
//! after its timeout, up to minutes late; real captures show rows an hour
//! late). The DNS correlations must give the answer of the sorted log:
//! the same alerts, windows, figures and values, whatever the row order
//! within an hour. The fixture scenarios of three real tunnels (mixed with
//! ordinary lookups) are scanned sorted by `ts` and shuffled within each
//! hour, several times, and the correlation alerts compared.

use std::path::Path;

use serde_json::Value;

use crate::common::{self, stdout, tunnelhunt};

const SCENARIOS: [&str; 3] = [
    "corpus/scenarios/dns-iodine-fixture/dns.log",
    "corpus/scenarios/dns-dns2tcp-fixture/dns.log",
    "corpus/scenarios/dns-dnscapy-fixture/dns.log",
];

/// A small deterministic generator (xorshift64*): the order only has to
/// be scrambled and reproducible.
struct Shuffler(u64);

impl Shuffler {
    fn next(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % bound
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.next(i + 1));
        }
    }
}

/// The header lines and the data rows of a Zeek TSV log.
fn split(text: &str) -> (Vec<&str>, Vec<&str>) {
    text.lines().partition(|line| line.starts_with('#'))
}

fn ts(row: &str) -> f64 {
    row.split('\t').next().unwrap().parse().unwrap()
}

/// The rows of every scenario, sorted by `ts`, or shuffled within each
/// hour (by `ts`) with `seed`.
fn log(seed: Option<u64>) -> String {
    let mut header: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for (index, path) in SCENARIOS.iter().enumerate() {
        let text = std::fs::read_to_string(common::repo().join(path)).unwrap();
        let (head, body) = split(&text);
        header = head
            .into_iter()
            .filter(|l| !l.starts_with("#close"))
            .map(str::to_owned)
            .collect();
        // Each scenario its own day, so the three never share a window.
        let day = index as f64 * 86_400.0;
        rows.extend(body.into_iter().map(|row| {
            let (t, rest) = row.split_once('\t').unwrap();
            let shifted = t.parse::<f64>().unwrap() + day;
            format!("{shifted:.6}\t{rest}")
        }));
    }
    rows.sort_by(|a, b| ts(a).total_cmp(&ts(b)));
    if let Some(seed) = seed {
        let mut shuffler = Shuffler(seed);
        let mut start = 0;
        while start < rows.len() {
            let hour = (ts(&rows[start]) / 3600.0).floor();
            let end = start
                + rows[start..]
                    .iter()
                    .take_while(|r| (ts(r) / 3600.0).floor() == hour)
                    .count();
            shuffler.shuffle(&mut rows[start..end]);
            start = end;
        }
    }
    let mut out = header.join("\n");
    out.push('\n');
    out.push_str(&rows.join("\n"));
    out.push('\n');
    out
}

/// The correlation alerts of a scan of `path` with the built-in pack,
/// without what names rows by their line (evidence, source): rule,
/// group, window, figure and values.
fn correlation_alerts(path: &Path) -> Vec<Value> {
    let out = tunnelhunt(&["scan", "--format", "jsonl", path.to_str().unwrap()]);
    let mut alerts: Vec<Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter_map(|alert| {
            let mut correlation = alert.get("correlation")?.clone();
            let fields = correlation.as_object_mut().unwrap();
            fields.remove("evidence");
            fields.insert("rule_id".into(), alert["rule_id"].clone());
            Some(correlation)
        })
        .collect();
    alerts.sort_by_key(|a| a.to_string());
    alerts
}

#[test]
fn dns_correlations_answer_as_if_sorted_whatever_the_order_within_an_hour() {
    let dir = common::scratch("dns_late_rows", "shuffle");
    let sorted_path = dir.join("sorted.log");
    std::fs::write(&sorted_path, log(None)).unwrap();
    let sorted = correlation_alerts(&sorted_path);
    // Two correlations per tunnel, so the comparison has something to lose.
    assert_eq!(sorted.len(), 6, "{sorted:#?}");
    for seed in [1, 0x5eed, 0xdead_beef] {
        let shuffled_text = log(Some(seed));
        assert_ne!(
            shuffled_text,
            log(None),
            "seed {seed} left the order as it was"
        );
        let path = dir.join(format!("shuffled-{seed}.log"));
        std::fs::write(&path, shuffled_text).unwrap();
        assert_eq!(correlation_alerts(&path), sorted, "seed {seed}");
    }
}
