//! The vendors' parsers over the correlation renderings: every KQL one
//! binds in Kusto.Language (both flavors), every EQL one parses in
//! Elastic's `eql`, and the EQL sequence is executed on crafted events —
//! it must fire on rules in order within the timespan (the inclusive
//! edge included) and stay quiet on the near-misses: out of order, one
//! second too far apart, different group — and it fires for exactly the
//! groups tunnelhunt's correlation engine fires for, on random timelines.
//!
//! Needs the validators and `TUNNELHUNT_VALIDATORS=1`; without the
//! variable each test says it was skipped.

use std::collections::BTreeSet;

use crate::correlation_support::every_kind;
use crate::eql_support;
use crate::kql_support::{check, validator};

use serde_json::{Value, json};
use tunnelhunt_backends::eql::Eql;
use tunnelhunt_backends::kql::Kql;
use tunnelhunt_backends::{Backend, Flavor};
use tunnelhunt_correlate::{Collector, Limits, Observation, Plan, Reference, RuleKey, SourceRef};

#[test]
fn every_kql_correlation_binds_cleanly() {
    let Some(script) = validator() else { return };
    let (fixture, titles) = every_kind();
    let mut labels = Vec::new();
    let mut queries = Vec::new();
    for flavor in Kql.flavors() {
        for (section, title) in &titles {
            if let Ok(text) = fixture.with(title, |input| Kql.render_correlation(input, *flavor)) {
                labels.push(format!("{section} [{}]", flavor.name()));
                queries.push(text);
            }
        }
    }
    assert_eq!(queries.len(), 14, "7 kinds rendered in each of 2 flavors");
    let results = check(&script, &queries);
    let failures: Vec<String> = labels
        .iter()
        .zip(&queries)
        .zip(&results)
        .filter(|(_, r)| !r.diagnostics.is_empty())
        .map(|((label, query), r)| format!("{label}:\n{}\n{query}", r.diagnostics.join("\n")))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn sequence_query() -> String {
    let (fixture, _) = every_kind();
    fixture
        .with("Plink then loopback", |input| {
            Eql.render_correlation(input, Flavor::DEFAULT)
        })
        .expect("EQL states temporal_ordered")
}

fn process(id: &str, at: f64, executable: &str) -> Value {
    json!({
        "@timestamp": at,
        "event": {"category": "process", "type": "start", "id": id},
        "host": {"os": {"type": "windows"}},
        "process": {"executable": executable},
    })
}

fn connection(id: &str, at: f64, executable: &str) -> Value {
    json!({
        "@timestamp": at,
        "event": {"category": "network", "id": id},
        "host": {"os": {"type": "windows"}},
        "process": {"executable": executable},
        "destination": {"ip": "127.0.0.1"},
    })
}

#[test]
fn the_eql_sequence_fires_in_order_within_the_timespan_and_not_on_near_misses() {
    let Some(eql) = eql_support::validator() else {
        return;
    };
    let query = sequence_query();
    // One group (executable) per case; timespan 300 s.
    let events = vec![
        // In order, exactly 300 s apart: the inclusive edge fires.
        process("edge-plink", 1000.0, r"C:\edge\plink.exe"),
        connection("edge-net", 1300.0, r"C:\edge\plink.exe"),
        // In order, well inside the window.
        process("inside-plink", 2000.0, r"C:\inside\plink.exe"),
        connection("inside-net", 2010.0, r"C:\inside\plink.exe"),
        // One second too far apart.
        process("far-plink", 3000.0, r"C:\far\plink.exe"),
        connection("far-net", 3301.0, r"C:\far\plink.exe"),
        // Out of order.
        connection("reversed-net", 4000.0, r"C:\reversed\plink.exe"),
        process("reversed-plink", 4010.0, r"C:\reversed\plink.exe"),
        // Both rules in order, but two different groups.
        process("split-plink", 5000.0, r"C:\split-a\plink.exe"),
        connection("split-net", 5010.0, r"C:\split-b\plink.exe"),
    ];
    let verdicts = eql.run(std::slice::from_ref(&query), Some(&events));
    assert_eq!(verdicts[0].error, None, "{query}");
    let mut matches = verdicts[0].matches.clone();
    matches.sort();
    assert_eq!(
        matches,
        ["edge-net", "edge-plink", "inside-net", "inside-plink"],
        "{query}"
    );
}

#[test]
fn a_later_first_step_still_completes_a_sequence_the_earlier_one_cannot() {
    let Some(eql) = eql_support::validator() else {
        return;
    };
    // The first plink is too old for the connection; the second is not:
    // some trailing window holds the rules in order, so the sequence fires.
    let exe = r"C:\late\plink.exe";
    let events = vec![
        process("old-plink", 0.0, exe),
        process("new-plink", 200.0, exe),
        connection("net", 450.0, exe),
    ];
    let verdicts = eql.run(&[sequence_query()], Some(&events));
    let mut matches = verdicts[0].matches.clone();
    matches.sort();
    assert_eq!(matches, ["net", "new-plink"]);
}

/// The exported EQL sequence and tunnelhunt's own correlation engine agree
/// on which groups a `temporal_ordered` correlation fires for, on random
/// timelines: each group gets a few plink starts and loopback connections
/// at distinct times (EQL breaks ties by its sort, the engine by its own
/// rule; `docs/backends.md` says so), some in order within the timespan,
/// some too far apart, some reversed.
#[test]
fn the_eql_sequence_and_the_engine_fire_for_the_same_groups() {
    let Some(eql) = eql_support::validator() else {
        return;
    };
    let (fixture, _) = every_kind();
    let correlation = fixture.with("Plink then loopback", |input| input.correlation.clone());
    let plan = Plan::new(
        vec![(
            correlation,
            vec![Reference::Rule(RuleKey(0)), Reference::Rule(RuleKey(1))],
        )],
        Limits::default(),
    )
    .expect("the fixture correlation plans");
    let query = sequence_query();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    for round in 0..4 {
        let mut events = Vec::new();
        let mut collector = Collector::new(&plan);
        let mut time = 10_000 * (round + 1);
        for group in 0..40 {
            let exe = format!(r"C:\g{round}-{group}\plink.exe");
            for n in 0..=next(4) {
                // Distinct times, gaps of 1 s to 7 min around the 5 min span.
                time += 1 + next(420);
                let is_start = next(2) == 0;
                let id = format!("{round}-{group}-{n}");
                events.push(if is_start {
                    process(&id, time as f64, &exe)
                } else {
                    connection(&id, time as f64, &exe)
                });
                let rule = RuleKey(u32::from(!is_start));
                let values = plan
                    .fields_of(rule)
                    .expect("both rules feed the correlation")
                    .iter()
                    .map(|_| Some(exe.clone().into_boxed_str()))
                    .collect();
                collector.push(Observation {
                    rule,
                    time: Some(i64::try_from(time).unwrap() * 1_000_000_000),
                    values,
                    source: SourceRef {
                        input: 0,
                        position: events.len() as u64,
                    },
                });
            }
        }
        let (alerts, _) = collector.finish(&plan);
        let engine: BTreeSet<String> = alerts
            .iter()
            .filter_map(|alert| alert.group.first().and_then(|(_, v)| v.clone()))
            .collect();
        let verdicts = eql.run(std::slice::from_ref(&query), Some(&events));
        assert_eq!(verdicts[0].error, None, "{query}");
        let group_of = |id: &String| -> String {
            let (round, rest) = id.split_once('-').expect("id is round-group-n");
            let group = rest.split('-').next().expect("id has a group");
            format!(r"C:\g{round}-{group}\plink.exe")
        };
        let by_eql: BTreeSet<String> = verdicts[0].matches.iter().map(group_of).collect();
        assert_eq!(by_eql, engine, "round {round}");
        assert!(
            !engine.is_empty() && engine.len() < 40,
            "round {round}: {engine:?}"
        );
    }
}
