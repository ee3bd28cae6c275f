//! The streaming evaluator against the naive one on random streams, and
//! its independence from input order and collector splits.

use proptest::prelude::*;
use tunnelhunt_correlate::{Collector, Limits, Plan};

use crate::naive;
use crate::support::{Event, correlations, numbered, observe, resolve, run};

const KINDS: [&str; 9] = [
    "event_count",
    "value_count",
    "temporal",
    "temporal_ordered",
    "value_sum",
    "value_avg",
    "value_percentile",
    "value_percentile_share",
    "value_median",
];
const OPS: [&str; 6] = ["gt", "gte", "lt", "lte", "eq", "neq"];

#[derive(Debug, Clone)]
struct Shape {
    kind: usize,
    timespan: u8,
    grouped: bool,
    aliased: bool,
    comparisons: Vec<(usize, u8, bool)>,
    percentile: usize,
    rules: Vec<u8>,
    temporal_condition: Option<u8>,
    parent: Option<(bool, u8, u8)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        0..KINDS.len(),
        1u8..15,
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((0..OPS.len(), 0u8..7, any::<bool>()), 1..3),
        0usize..5,
        prop::collection::vec(0u8..3, 1..4),
        prop::option::of(0u8..4),
        prop::option::of((any::<bool>(), 1u8..15, 1u8..3)),
    )
        .prop_map(
            |(
                kind,
                timespan,
                grouped,
                aliased,
                comparisons,
                percentile,
                rules,
                temporal_condition,
                parent,
            )| Shape {
                kind,
                timespan,
                grouped,
                aliased,
                comparisons,
                percentile,
                rules,
                temporal_condition,
                parent,
            },
        )
}

/// The YAML of a random correlation (and of a parent chained on it).
fn yaml(shape: &Shape) -> String {
    let name = KINDS[shape.kind];
    let kind = name.trim_end_matches("_share");
    let temporal = kind.starts_with("temporal");
    let mut rules: Vec<String> = shape.rules.iter().map(|r| format!("r{r}")).collect();
    if temporal && rules.len() < 2 {
        rules.push(if rules[0] == "r0" { "r1" } else { "r0" }.to_owned());
    }
    let mut text = format!(
        "title: child\nname: child\ncorrelation:\n  type: {kind}\n  rules: [{}]\n  timespan: {}s\n",
        rules.join(", "),
        shape.timespan
    );
    if shape.grouped {
        text.push_str("  group-by: [host]\n");
        if shape.aliased {
            text.push_str("  aliases:\n    host:\n      r1: hostname\n");
        }
    }
    let numeric =
        matches!(kind, "value_sum" | "value_avg" | "value_median") || name == "value_percentile";
    let mut condition = String::new();
    for &(op, threshold, half) in &shape.comparisons {
        let threshold = if numeric && half {
            format!("{threshold}.5")
        } else {
            threshold.to_string()
        };
        if !condition.contains(&format!("    {}:", OPS[op])) {
            condition.push_str(&format!("    {}: {threshold}\n", OPS[op]));
        }
    }
    if kind != "event_count" && !temporal {
        condition.push_str("    field: v\n");
    }
    if name == "value_percentile" {
        condition.push_str(&format!(
            "    percentile: {}\n",
            [0, 25, 50, 90, 100][shape.percentile]
        ));
    }
    match (temporal, shape.temporal_condition) {
        (true, None) => {}
        (true, Some(at_least)) => text.push_str(&format!("  condition:\n    gte: {at_least}\n")),
        (false, _) => text.push_str(&format!("  condition:\n{condition}")),
    }
    if let Some((temporal_parent, timespan, count)) = shape.parent {
        let group = if shape.grouped {
            "  group-by: [host]\n"
        } else {
            ""
        };
        if temporal_parent {
            text.push_str(&format!(
                "---\ntitle: parent\ncorrelation:\n  type: temporal_ordered\n  rules: [child, r2]\n  timespan: {timespan}s\n{group}"
            ));
        } else {
            text.push_str(&format!(
                "---\ntitle: parent\ncorrelation:\n  type: event_count\n  rules: [child]\n  timespan: {timespan}s\n{group}  condition:\n    gte: {count}\n"
            ));
        }
    }
    text
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let value = prop::option::of(prop::sample::select(vec!["1", "2", "3", "0.5", "-2", "x"]));
    let host = prop::option::of(prop::sample::select(vec!["a", "b"]));
    prop::collection::vec(
        (
            0u32..3,
            prop::option::weighted(0.9, 0i64..30),
            host.clone(),
            host,
            value,
        ),
        0..60,
    )
    .prop_map(|raw| {
        numbered(
            raw.into_iter()
                .map(|(rule, time, host, hostname, v)| {
                    let mut fields = std::collections::BTreeMap::new();
                    for (name, value) in [("host", host), ("hostname", hostname), ("v", v)] {
                        if let Some(value) = value {
                            fields.insert(name.to_owned(), value.to_owned());
                        }
                    }
                    Event {
                        rule,
                        time,
                        fields,
                        position: 0,
                    }
                })
                .collect(),
        )
    })
}

const CAP: usize = 3;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn streaming_equals_naive(
        shape in shape(),
        events in events(),
        collected in prop::sample::select(vec![1usize, 2, 7, usize::MAX]),
    ) {
        let text = yaml(&shape);
        let resolved = resolve(correlations(&text), &[]);
        // A small `max_collected` sends observations through temporary
        // files; the result must not change.
        let limits = Limits { evidence_cap: CAP, max_collected: collected, ..Limits::default() };
        let plan = Plan::new(resolved.clone(), limits).unwrap();
        let streamed = run(&plan, &events);
        let expected = naive::evaluate(&resolved, CAP, &events);
        prop_assert_eq!(streamed, expected, "{}", text);
    }

    #[test]
    fn order_and_split_do_not_matter(
        shape in shape(),
        events in events(),
        shuffle in prop::collection::vec(any::<u32>(), 60),
        collectors in 1usize..5,
        collected in prop::sample::select(vec![1usize, 3, usize::MAX]),
    ) {
        let text = yaml(&shape);
        let plan = Plan::new(resolve(correlations(&text), &[]), Limits::default()).unwrap();
        let in_order = run(&plan, &events);
        let limits = Limits { max_collected: collected, ..Limits::default() };
        let plan = Plan::new(resolve(correlations(&text), &[]), limits).unwrap();
        let mut shuffled: Vec<(u32, &Event)> =
            events.iter().enumerate().map(|(i, e)| (shuffle[i], e)).collect();
        shuffled.sort_by_key(|(key, _)| *key);
        let mut parts: Vec<Collector> = (0..collectors).map(|_| Collector::new(&plan)).collect();
        for (key, event) in shuffled {
            if let Some(observation) = observe(&plan, event) {
                parts[key as usize % collectors].push(observation);
            }
        }
        let mut merged = parts.pop().unwrap();
        while let Some(part) = parts.pop() {
            merged.absorb(part);
        }
        prop_assert_eq!(merged.finish(&plan), in_order);
    }
}
