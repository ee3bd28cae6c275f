//! Each kind and operator on small streams whose answer is worked out by
//! hand, plus the window edges, equal times and the burst rule.

use tunnelhunt_sigma::ast::CountOp;

use crate::support::{event, numbered, plan, positions, run, window};

fn counting(kind: &str, condition: &str, extra: &str) -> String {
    format!(
        "title: t\ncorrelation:\n  type: {kind}\n  rules: [r0]\n  group-by: [host]\n  timespan: 10s\n  condition:\n{condition}{extra}"
    )
}

/// Alerts as (window in seconds, figure, evidence positions).
type Summary = Vec<((i64, i64), f64, Vec<u64>)>;

fn summary(yaml: &str, events: Vec<crate::support::Event>) -> Summary {
    let plan = plan(yaml);
    let (alerts, _) = run(&plan, &numbered(events));
    alerts
        .iter()
        .map(|a| (window(a), a.figure, positions(a)))
        .collect()
}

fn at(seconds: &[i64]) -> Vec<crate::support::Event> {
    seconds
        .iter()
        .map(|&s| event(0, s, &[("host", "h")]))
        .collect()
}

#[test]
fn event_count_window_is_inclusive_at_both_ends() {
    let yaml = counting("event_count", "    gte: 2\n", "");
    // 0 and 10 are exactly a timespan apart: one window.
    assert_eq!(summary(&yaml, at(&[0, 10])), [((0, 10), 2.0, vec![0, 1])]);
    // 0 and 11 are not.
    assert!(summary(&yaml, at(&[0, 11])).is_empty());
}

#[test]
fn every_operator_of_event_count() {
    // Windows ending at each event: counts 1, 2, 3, 1 (the last is 20s later).
    let times = [0, 1, 2, 30];
    let cases: [(CountOp, &str, Summary); 6] = [
        (CountOp::Gt, "2", vec![((0, 2), 3.0, vec![0, 1, 2])]),
        (CountOp::Gte, "2", vec![((0, 2), 3.0, vec![0, 1, 2])]),
        (
            CountOp::Lt,
            "2",
            vec![((0, 0), 1.0, vec![0]), ((30, 30), 1.0, vec![3])],
        ),
        (
            CountOp::Lte,
            "2",
            vec![((0, 1), 2.0, vec![0, 1]), ((30, 30), 1.0, vec![3])],
        ),
        (CountOp::Eq, "2", vec![((0, 1), 2.0, vec![0, 1])]),
        (
            CountOp::Neq,
            "2",
            vec![
                ((0, 0), 1.0, vec![0]),
                ((0, 2), 3.0, vec![0, 1, 2]),
                ((30, 30), 1.0, vec![3]),
            ],
        ),
    ];
    for (op, threshold, expected) in cases {
        let yaml = counting(
            "event_count",
            &format!("    {}: {threshold}\n", op.as_str()),
            "",
        );
        assert_eq!(summary(&yaml, at(&times)), expected, "{}", op.as_str());
    }
}

#[test]
fn a_range_is_both_comparisons() {
    let yaml = counting("event_count", "    gt: 1\n    lte: 2\n", "");
    assert_eq!(summary(&yaml, at(&[0, 1, 2])), [((0, 1), 2.0, vec![0, 1])]);
}

#[test]
fn equal_times_are_one_instant() {
    // Three events at 5: the window ending at 5 holds all three, so `eq: 2`
    // never holds (no evaluation sees two).
    let yaml = counting("event_count", "    eq: 2\n", "");
    assert!(summary(&yaml, at(&[5, 5, 5])).is_empty());
    let yaml = counting("event_count", "    eq: 3\n", "");
    assert_eq!(
        summary(&yaml, at(&[5, 5, 5])),
        [((5, 5), 3.0, vec![0, 1, 2])]
    );
}

#[test]
fn one_alert_per_burst_and_a_second_burst_is_a_second_alert() {
    let yaml = counting("event_count", "    gte: 3\n", "");
    // Burst 1: 0..4 (five events, count ≥ 3 from the third on). Then 30,
    // 31, 32: a second burst.
    let summary = summary(&yaml, at(&[0, 1, 2, 3, 4, 30, 31, 32]));
    assert_eq!(
        summary,
        [
            ((0, 4), 5.0, vec![0, 1, 2, 3, 4]),
            ((30, 32), 3.0, vec![5, 6, 7]),
        ]
    );
}

#[test]
fn a_burst_ends_when_the_condition_fails() {
    // gte 2 over 10s: 0,1 hold; 12 alone fails; 13 holds again.
    let yaml = counting("event_count", "    gte: 2\n", "");
    assert_eq!(
        summary(&yaml, at(&[0, 1, 12, 13])),
        [((0, 1), 2.0, vec![0, 1]), ((12, 13), 2.0, vec![2, 3])]
    );
}

#[test]
fn a_burst_ends_when_the_window_empties() {
    // gte 1 holds at every event, but 0 and 20 share no window: two alerts.
    let yaml = counting("event_count", "    gte: 1\n", "");
    assert_eq!(
        summary(&yaml, at(&[0, 20])),
        [((0, 0), 1.0, vec![0]), ((20, 20), 1.0, vec![1])]
    );
    // 0, 8, 16: each window overlaps the previous one: one alert.
    assert_eq!(
        summary(&yaml, at(&[0, 8, 16])),
        [((0, 16), 2.0, vec![0, 1, 2])]
    );
}

#[test]
fn groups_are_separate_and_group_by_absent_is_one_group() {
    let yaml = counting("event_count", "    gte: 2\n", "");
    let events = vec![
        event(0, 0, &[("host", "a")]),
        event(0, 1, &[("host", "b")]),
        event(0, 2, &[]),
        event(0, 3, &[]),
    ];
    let plan = plan(&yaml);
    let (alerts, _) = run(&plan, &numbered(events.clone()));
    // Only the absent-host group has two events; its value is None.
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].group, [("host".to_owned(), None)]);
    let ungrouped = "title: t\ncorrelation:\n  type: event_count\n  rules: [r0]\n  timespan: 10s\n  condition:\n    gte: 4\n";
    assert_eq!(
        summary(ungrouped, events),
        [((0, 3), 4.0, vec![0, 1, 2, 3])]
    );
}

#[test]
fn value_count_counts_distinct_present_values() {
    let yaml = counting("value_count", "    field: user\n    gte: 3\n", "");
    let events = vec![
        event(0, 0, &[("host", "h"), ("user", "a")]),
        event(0, 1, &[("host", "h"), ("user", "a")]),
        event(0, 2, &[("host", "h")]),
        event(0, 3, &[("host", "h"), ("user", "b")]),
        event(0, 4, &[("host", "h"), ("user", "c")]),
    ];
    let plan = plan(&yaml);
    let (alerts, report) = run(&plan, &numbered(events));
    assert_eq!(report.unusable_value, [(0, 1)]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(window(&alerts[0]), (0, 4));
    assert_eq!(alerts[0].figure, 3.0);
    assert_eq!(alerts[0].values, ["a", "b", "c"]);
    assert_eq!(positions(&alerts[0]), [0, 1, 3, 4]);
}

fn numeric(kind: &str, condition: &str, numbers: &[&str]) -> Summary {
    let yaml = counting(kind, &format!("    field: n\n{condition}"), "");
    let events = numbers
        .iter()
        .enumerate()
        .map(|(i, n)| event(0, i as i64, &[("host", "h"), ("n", n)]))
        .collect();
    summary(&yaml, events)
}

#[test]
fn value_sum_and_avg_use_numbers_only() {
    assert_eq!(
        numeric("value_sum", "    gt: 10\n", &["4", "x", "5.5", "1"]),
        [((0, 3), 10.5, vec![0, 2, 3])]
    );
    assert_eq!(
        numeric("value_avg", "    gte: 4\n", &["4", "5", "nan", "0"]),
        [((0, 1), 4.5, vec![0, 1])]
    );
}

#[test]
fn value_sum_has_no_drift() {
    // 0.1 + 0.2 then the 0.1 leaves the window: exactly 0.2 remains.
    let yaml = "title: t\ncorrelation:\n  type: value_sum\n  rules: [r0]\n  timespan: 1s\n  condition:\n    field: n\n    eq: 0.2\n";
    let events = vec![
        event(0, 0, &[("n", "0.1")]),
        event(0, 1, &[("n", "0.2")]),
        event(0, 2, &[("n", "0.0")]),
    ];
    assert_eq!(summary(yaml, events), [((1, 2), 0.2, vec![1, 2])]);
}

#[test]
fn median_and_percentile_are_nearest_rank() {
    // Sorted 1, 2, 3, 4: nearest-rank median is the 2nd (2).
    assert_eq!(
        numeric("value_median", "    eq: 2\n", &["4", "1", "3", "2"]),
        [((0, 3), 2.0, vec![0, 1, 2, 3])]
    );
    // 90th of 1..4: rank ⌈3.6⌉ = 4 → 4; reached once all four are in.
    assert_eq!(
        numeric(
            "value_percentile",
            "    percentile: 90\n    gte: 4\n",
            &["1", "2", "3", "4"]
        ),
        [((0, 3), 4.0, vec![0, 1, 2, 3])]
    );
}

#[test]
fn percentile_without_percentile_is_a_share_of_values() {
    // The specification's example: a value seen in at most 25% of the
    // window. After four events (a, a, a, b) b's share is 25%.
    let yaml = counting("value_percentile", "    field: image\n    lte: 25\n", "");
    let events = ["a", "a", "a", "b"]
        .iter()
        .enumerate()
        .map(|(i, v)| event(0, i as i64, &[("host", "h"), ("image", v)]))
        .collect();
    assert_eq!(summary(&yaml, events), [((0, 3), 25.0, vec![0, 1, 2, 3])]);
}

fn temporal(kind: &str, rules: &str, condition: &str, events: &[(u32, i64)]) -> Summary {
    let yaml = format!(
        "title: t\ncorrelation:\n  type: {kind}\n  rules: [{rules}]\n  group-by: [host]\n  timespan: 10s\n{condition}"
    );
    let events = events
        .iter()
        .map(|&(rule, s)| event(rule, s, &[("host", "h")]))
        .collect();
    summary(&yaml, events)
}

#[test]
fn temporal_needs_every_rule_unless_a_condition_says_otherwise() {
    assert_eq!(
        temporal("temporal", "r0, r1, r2", "", &[(2, 0), (0, 3), (1, 10)]),
        [((0, 10), 3.0, vec![0, 1, 2])]
    );
    assert!(temporal("temporal", "r0, r1, r2", "", &[(2, 0), (0, 3), (1, 11)]).is_empty());
    assert_eq!(
        temporal(
            "temporal",
            "r0, r1, r2",
            "  condition:\n    gte: 2\n",
            &[(2, 0), (0, 3)]
        ),
        [((0, 3), 2.0, vec![0, 1])]
    );
}

#[test]
fn temporal_ordered_needs_the_listed_order_and_equal_times_are_in_order() {
    let ordered = |events: &[(u32, i64)]| temporal("temporal_ordered", "r0, r1", "", events);
    assert_eq!(ordered(&[(0, 0), (1, 5)]), [((0, 5), 2.0, vec![0, 1])]);
    assert!(ordered(&[(1, 0), (0, 5)]).is_empty());
    // At the same instant, in either source order.
    assert_eq!(ordered(&[(1, 3), (0, 3)]), [((3, 3), 2.0, vec![0, 1])]);
    // A rule listed twice needs two matches.
    let twice = |events: &[(u32, i64)]| temporal("temporal_ordered", "r0, r1, r0", "", events);
    assert!(twice(&[(0, 0), (1, 1)]).is_empty());
    assert!(twice(&[(0, 0), (0, 1), (1, 2)]).is_empty());
    assert_eq!(
        twice(&[(0, 0), (1, 1), (0, 2)]),
        [((0, 2), 3.0, vec![0, 1, 2])]
    );
}

#[test]
fn missing_times_are_counted_per_correlation() {
    let yaml = "title: a\ncorrelation:\n  type: event_count\n  rules: [r0]\n  timespan: 10s\n  condition:\n    gte: 1\n---\ntitle: b\ncorrelation:\n  type: event_count\n  rules: [r0, r1]\n  timespan: 10s\n  condition:\n    gte: 1\n";
    let plan = plan(yaml);
    let mut events = vec![event(0, 0, &[]), event(0, 0, &[]), event(1, 0, &[])];
    events[0].time = None;
    events[2].time = None;
    let (alerts, report) = run(&plan, &numbered(events));
    assert_eq!(report.missing_time, [(0, 1), (1, 2)]);
    assert_eq!(alerts.len(), 2);
    assert_eq!(positions(&alerts[1]), [1]);
}

#[test]
fn evidence_is_capped_and_the_total_counts_everything() {
    use tunnelhunt_correlate::Limits;
    let yaml = counting("event_count", "    gte: 1\n", "");
    let plan = crate::support::plan_with(
        &yaml,
        Limits {
            evidence_cap: 2,
            ..Limits::default()
        },
    );
    let (alerts, _) = run(&plan, &numbered(at(&[0, 1, 2, 3, 4])));
    assert_eq!(alerts.len(), 1);
    assert_eq!(positions(&alerts[0]), [0, 1]);
    assert_eq!(alerts[0].evidence_total, 5);
}
