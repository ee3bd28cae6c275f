//! Plans (references, aliases, cycles, `generate`), chained correlations
//! and the bounds on state.

use tunnelhunt_correlate::{Limits, Plan, PlanError, Reference, RuleKey};

use crate::support::{
    correlations, event, numbered, plan, plan_with, positions, resolve, run, window,
};

const ALIASED: &str = "title: t\ncorrelation:\n  type: temporal\n  rules: [r0, r1]\n  group-by: [internal_ip]\n  timespan: 10s\n  aliases:\n    internal_ip:\n      r0: destination.ip\n      r1: source.ip\n";

#[test]
fn aliases_give_each_rule_its_own_field() {
    let plan = plan(ALIASED);
    assert_eq!(plan.fields_of(RuleKey(0)).unwrap(), ["destination.ip"]);
    assert_eq!(plan.fields_of(RuleKey(1)).unwrap(), ["source.ip"]);
    assert_eq!(plan.fields_of(RuleKey(2)), None);
    let events = vec![
        event(0, 0, &[("destination.ip", "10.0.0.1")]),
        event(1, 1, &[("source.ip", "10.0.0.2")]),
        event(1, 2, &[("source.ip", "10.0.0.1")]),
    ];
    let (alerts, _) = run(&plan, &numbered(events));
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].group,
        [("internal_ip".to_owned(), Some("10.0.0.1".to_owned()))]
    );
    assert_eq!(positions(&alerts[0]), [0, 2]);
    assert_eq!(alerts[0].values, ["r0", "r1"]);
}

#[test]
fn fields_of_merges_what_every_correlation_reads() {
    let yaml = "title: a\ncorrelation:\n  type: value_count\n  rules: [r0]\n  group-by: [host]\n  timespan: 10s\n  condition:\n    field: user\n    gte: 2\n---\ntitle: b\ncorrelation:\n  type: event_count\n  rules: [r0]\n  group-by: [user, host]\n  timespan: 10s\n  condition:\n    gte: 2\n";
    assert_eq!(plan(yaml).fields_of(RuleKey(0)).unwrap(), ["host", "user"]);
}

#[test]
fn cycles_and_bad_references_are_refused() {
    let yaml = "title: a\nname: a\ncorrelation:\n  type: event_count\n  rules: [b]\n  timespan: 10s\n  condition:\n    gte: 1\n---\ntitle: b\nname: b\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 10s\n  condition:\n    gte: 1\n";
    let error = Plan::new(resolve(correlations(yaml), &[]), Limits::default()).unwrap_err();
    assert!(matches!(error, PlanError::Cycle(_)), "{error}");
    let own = "title: a\nname: a\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 10s\n  condition:\n    gte: 1\n";
    let error = Plan::new(resolve(correlations(own), &[]), Limits::default()).unwrap_err();
    assert_eq!(error, PlanError::Cycle("a".to_owned()));
    let single = correlations(own).remove(0);
    let error = Plan::new(
        vec![(single.clone(), vec![Reference::Correlation(3)])],
        Limits::default(),
    )
    .unwrap_err();
    assert!(matches!(error, PlanError::BadReference { index: 0, .. }));
    let mut without_condition = single.clone();
    without_condition.condition = None;
    let error = Plan::new(
        vec![(without_condition, vec![Reference::Rule(RuleKey(0))])],
        Limits::default(),
    )
    .unwrap_err();
    assert!(
        matches!(error, PlanError::IncompleteCondition { .. }),
        "{error}"
    );
    let error = Plan::new(vec![(single, vec![])], Limits::default()).unwrap_err();
    assert!(matches!(
        error,
        PlanError::Misaligned {
            rules: 1,
            references: 0,
            ..
        }
    ));
}

const CHAIN: &str = "title: brute force then success\ncorrelation:\n  type: temporal_ordered\n  rules: [many_failed, r1]\n  group-by: [user]\n  timespan: 10s\n---\ntitle: many failed\nname: many_failed\ncorrelation:\n  type: event_count\n  rules: [r0]\n  group-by: [user]\n  timespan: 10s\n  condition:\n    gte: 3\n";

#[test]
fn a_chained_correlation_sees_its_childs_alerts_with_their_evidence() {
    let plan = plan(CHAIN);
    let failed = |s| event(0, s, &[("user", "bob")]);
    let events = vec![
        failed(0),
        failed(1),
        failed(2),
        event(1, 4, &[("user", "bob")]),
        // Another user's success without failures: nothing.
        event(1, 4, &[("user", "eve")]),
    ];
    let (alerts, _) = run(&plan, &numbered(events));
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    let child = alerts.iter().find(|a| a.correlation == 1).unwrap();
    assert_eq!((window(child), positions(child)), ((0, 2), vec![0, 1, 2]));
    let parent = alerts.iter().find(|a| a.correlation == 0).unwrap();
    // The child's alert is a match at its window_end (2), then the success.
    assert_eq!(window(parent), (2, 4));
    assert_eq!(positions(parent), [0, 1, 2, 3]);
    assert_eq!(parent.evidence_total, 4);
    assert_eq!(parent.values, ["many_failed", "r1"]);
}

#[test]
fn a_success_before_the_failures_is_not_in_order() {
    let plan = plan(CHAIN);
    let events = vec![
        event(1, 0, &[("user", "bob")]),
        event(0, 1, &[("user", "bob")]),
        event(0, 2, &[("user", "bob")]),
        event(0, 3, &[("user", "bob")]),
    ];
    let (alerts, _) = run(&plan, &numbered(events));
    assert!(alerts.iter().all(|a| a.correlation == 1));
}

#[test]
fn generate_decides_which_alerts_are_hidden() {
    let plan = plan(CHAIN);
    // Default generate: false — only the outer correlation is shown.
    assert!(plan.hides_base_alerts(RuleKey(0)));
    assert!(plan.hides_base_alerts(RuleKey(1)));
    assert!(plan.hides_correlation_alerts(1));
    assert!(!plan.hides_correlation_alerts(0));
    assert!(!plan.hides_base_alerts(RuleKey(7)));
    let shown = CHAIN.replacen(
        "  timespan: 10s\n",
        "  timespan: 10s\n  generate: true\n",
        1,
    );
    let plan = crate::support::plan(&shown);
    assert!(!plan.hides_base_alerts(RuleKey(1)));
    assert!(!plan.hides_correlation_alerts(1));
    // r0 is used only by the child, which does not generate.
    assert!(plan.hides_base_alerts(RuleKey(0)));
}

#[test]
fn past_the_group_cap_new_groups_are_dropped_and_reported() {
    let yaml = "title: t\ncorrelation:\n  type: event_count\n  rules: [r0]\n  group-by: [host]\n  timespan: 10s\n  condition:\n    gte: 1\n";
    let plan = plan_with(
        yaml,
        Limits {
            max_groups: 2,
            ..Limits::default()
        },
    );
    let hosts = ["a", "b", "c", "d", "c"];
    let mut events: Vec<_> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| event(0, i as i64, &[("host", h)]))
        .collect();
    // Once a and b have left their windows, c is a new group again, with room.
    events.push(event(0, 20, &[("host", "c")]));
    let (alerts, report) = run(&plan, &numbered(events));
    let hosts_alerted: Vec<_> = alerts
        .iter()
        .map(|a| a.group[0].1.clone().unwrap())
        .collect();
    assert_eq!(hosts_alerted, ["a", "b", "c"]);
    assert_eq!(report.degraded.len(), 1);
    assert_eq!(report.degraded[0].dropped_matches, 3);
    assert_eq!(
        report.degraded[0].examples,
        [vec![Some("c".to_owned())], vec![Some("d".to_owned())]]
    );
}

#[test]
fn past_the_buffer_cap_matches_are_dropped_and_reported() {
    let yaml = "title: t\ncorrelation:\n  type: event_count\n  rules: [r0]\n  timespan: 10s\n  condition:\n    gte: 3\n";
    let plan = plan_with(
        yaml,
        Limits {
            max_buffered: 2,
            ..Limits::default()
        },
    );
    let events = (0..3).map(|s| event(0, s, &[])).collect();
    let (alerts, report) = run(&plan, &numbered(events));
    assert!(alerts.is_empty());
    assert_eq!(report.degraded[0].dropped_matches, 1);
    // A match that has left the window frees its room first: at 12 the
    // match at 0 is out of the window [2, 12], so 12 fits beside 8.
    let two = yaml.replace("gte: 3", "gte: 2");
    let plan = plan_with(
        &two,
        Limits {
            max_buffered: 2,
            ..Limits::default()
        },
    );
    let events = [0, 8, 12].iter().map(|&s| event(0, s, &[])).collect();
    let (alerts, report) = run(&plan, &numbered(events));
    assert!(report.degraded.is_empty(), "{report:?}");
    assert_eq!(alerts.len(), 1);
    assert_eq!(window(&alerts[0]), (0, 12));
}

#[test]
fn missing_values_are_absent_and_extra_values_are_ignored() {
    use tunnelhunt_correlate::{Collector, Observation, SourceRef};
    let yaml = "title: t\ncorrelation:\n  type: value_count\n  rules: [r0]\n  timespan: 10s\n  condition:\n    field: user\n    gte: 1\n";
    let plan = plan(yaml);
    let observation = |position, values: Vec<Option<Box<str>>>| Observation {
        rule: RuleKey(0),
        time: Some(0),
        values,
        source: SourceRef { input: 0, position },
    };
    let mut collector = Collector::new(&plan);
    collector.push(observation(0, vec![]));
    collector.push(observation(
        1,
        vec![Some("bob".into()), Some("extra".into())],
    ));
    // A rule no correlation uses is not kept.
    collector.push(Observation {
        rule: RuleKey(9),
        ..observation(2, vec![])
    });
    assert_eq!(collector.len(), 2);
    let (alerts, report) = collector.finish(&plan);
    assert_eq!(report.unusable_value, [(0, 1)]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].values, ["bob"]);
    assert_eq!(positions(&alerts[0]), [1]);
}
