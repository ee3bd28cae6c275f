//! The Sigma specification's example correlations (`tests/data/spec`),
//! loaded with the Sigma loader and evaluated on crafted streams: each
//! fires on the behaviour it describes and stays quiet on a near miss.

use tunnelhunt_correlate::{CorrelationAlert, Limits, Plan};

use crate::support::{Event, correlations, event, numbered, resolve, run};

const FAILED_LOGIN: &str = "5638f7c0-ac70-491d-8465-2a65075e0d86";
const NAMES: [(&str, u32); 7] = [
    (FAILED_LOGIN, 0),
    ("recon_cmd_a", 1),
    ("recon_cmd_b", 2),
    ("recon_cmd_c", 3),
    ("rule_a_id", 4),
    ("process_creation", 5),
    ("website_access", 6),
];

fn example(file: &str, events: Vec<Event>) -> Vec<CorrelationAlert> {
    let path = format!("{}/tests/data/spec/{file}.yml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let plan = Plan::new(resolve(correlations(&text), &NAMES), Limits::default()).unwrap();
    run(&plan, &numbered(events)).0
}

fn groups(alerts: &[CorrelationAlert]) -> Vec<Vec<Option<String>>> {
    alerts
        .iter()
        .map(|a| a.group.iter().map(|(_, v)| v.clone()).collect())
        .collect()
}

fn one(value: &str) -> Vec<Vec<Option<String>>> {
    vec![vec![Some(value.to_owned())]]
}

#[test]
fn event_count_many_failed_logins() {
    let mut events = Vec::new();
    for i in 0..100 {
        // a: one every 36 s, all 100 within 3,564 s.
        events.push(event(0, i * 36, &[("ComputerName", "a")]));
        // b: one every 37 s: at most 98 in any hour.
        events.push(event(0, i * 37, &[("ComputerName", "b")]));
    }
    events.extend((0..99).map(|i| event(0, i, &[("ComputerName", "c")])));
    let alerts = example("event_count", events.clone());
    assert_eq!(groups(&alerts), one("a"));
    assert_eq!(alerts[0].figure, 100.0);
    // The ECS variant groups by the DNS name instead.
    let renamed: Vec<Event> = events
        .into_iter()
        .map(|mut e| {
            let host = e.fields.remove("ComputerName").unwrap();
            e.fields.insert("dns.question.name".to_owned(), host);
            e
        })
        .collect();
    assert_eq!(groups(&example("event_count_ecs", renamed)), one("a"));
}

#[test]
fn value_count_many_users_from_one_pair() {
    let mut events = Vec::new();
    for i in 0..100 {
        let user = format!("user{i}");
        let pair = [
            ("ComputerName", "dc"),
            ("WorkstationName", "ws1"),
            ("User", user.as_str()),
        ];
        events.push(event(0, i * 60, &pair));
        // ws2 retries 99 users twice: 99 distinct.
        let user = format!("user{}", i % 99);
        let other = [
            ("ComputerName", "dc"),
            ("WorkstationName", "ws2"),
            ("User", user.as_str()),
        ];
        events.push(event(0, i * 60, &other));
    }
    let alerts = example("value_count", events);
    assert_eq!(
        groups(&alerts),
        [vec![Some("dc".to_owned()), Some("ws1".to_owned())]]
    );
    assert_eq!(alerts[0].figure, 100.0);
}

fn recon(order: [u32; 3], gap: i64) -> Vec<Event> {
    order
        .iter()
        .enumerate()
        .map(|(i, &rule)| {
            event(
                rule,
                i as i64 * gap,
                &[("ComputerName", "pc"), ("User", "eve")],
            )
        })
        .collect()
}

#[test]
fn temporal_recon_commands_together() {
    assert_eq!(example("temporal", recon([3, 1, 2], 150)).len(), 1);
    // 151 s apart: the first and last are 302 s apart, past 5 minutes.
    assert!(example("temporal", recon([3, 1, 2], 151)).is_empty());
}

#[test]
fn temporal_ordered_recon_commands_in_order() {
    let alerts = example("temporal_ordered", recon([1, 2, 3], 60));
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].values,
        ["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"]
    );
    assert!(example("temporal_ordered", recon([3, 2, 1], 60)).is_empty());
}

fn traffic(rule: u32, field: &str, amounts: &[(&str, &str)]) -> Vec<Event> {
    amounts
        .iter()
        .enumerate()
        .map(|(i, (ip, amount))| {
            event(
                rule,
                i as i64 * 60,
                &[("SourceIP", ip), ("User", "u"), (field, amount)],
            )
        })
        .collect()
}

#[test]
fn value_avg_heavy_average_traffic() {
    let events = traffic(
        4,
        "BytesOut",
        &[
            ("10.0.0.1", "400"),
            ("10.0.0.1", "700"),
            ("10.0.0.2", "400"),
            ("10.0.0.2", "600"),
        ],
    );
    let alerts = example("value_avg", events);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].group[0].1.as_deref(), Some("10.0.0.1"));
    assert_eq!(alerts[0].figure, 550.0);
}

#[test]
fn value_sum_exfiltration() {
    let events = traffic(
        6,
        "bytes_sent",
        &[
            ("10.0.0.1", "600000"),
            ("10.0.0.1", "400001"),
            ("10.0.0.2", "1000000"),
        ],
    );
    let alerts = example("value_sum", events);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].figure, 1_000_001.0);
}

#[test]
fn value_percentile_rare_process_name() {
    // pc1: 99 runs of one image and one of another: that one is 1%.
    // pc2: two images, half each.
    let mut events = Vec::new();
    for i in 0..100 {
        let image = if i == 50 { "rare.exe" } else { "common.exe" };
        events.push(event(5, i, &[("ComputerName", "pc1"), ("Image", image)]));
        let image = if i % 2 == 0 { "a.exe" } else { "b.exe" };
        events.push(event(5, i, &[("ComputerName", "pc2"), ("Image", image)]));
    }
    let alerts = example("value_percentile", events);
    assert_eq!(groups(&alerts), one("pc1"));
    assert_eq!(alerts[0].figure, 1.0);
}
