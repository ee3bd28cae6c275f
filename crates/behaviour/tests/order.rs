//! The analytics' answer does not depend on the order observations arrive
//! in nor on how they are split between collectors — Zeek writes rows in
//! flow-completion order, and workers read files in any order.

use proptest::prelude::*;
use tunnelhunt_behaviour::{
    Analytic, BehaviourAlert, Collector, Connection, DnsQuery, Limits, SourceRef,
};

const SECOND: i64 = 1_000_000_000;

fn beacon_series(host: &'static str, every: i64, n: u64) -> Vec<Connection<'static>> {
    (0..n)
        .map(|i| Connection {
            host,
            process: None,
            destination: "203.0.113.7",
            port: Some(443),
            time: Some(
                1_700_000_000 * SECOND + i as i64 * every * SECOND + (i as i64 % 3) * SECOND,
            ),
            bytes: Some(512 + i % 7),
            duration: Some(0.4),
            source: SourceRef {
                input: 0,
                position: i + 1,
            },
        })
        .collect()
}

/// A query of a tunnel: its name and the second it was asked at.
struct Asked {
    client: &'static str,
    name: String,
    at: u64,
}

fn tunnel_queries(client: &'static str, n: u64) -> Vec<Asked> {
    (0..n)
        .map(|i| Asked {
            client,
            name: format!(
                "{:016x}{:016x}.{:08x}.t.example.com",
                i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                i.wrapping_mul(0xc2b2_ae3d_27d4_eb4f),
                i
            ),
            at: i,
        })
        .collect()
}

enum Item {
    Conn(Connection<'static>),
    Query(Asked),
}

fn items() -> Vec<Item> {
    let mut items: Vec<Item> = beacon_series("ws-17", 60, 90)
        .into_iter()
        .chain(beacon_series("ws-18", 60, 8))
        .map(Item::Conn)
        .collect();
    items.extend(tunnel_queries("10.0.0.9", 300).into_iter().map(Item::Query));
    items
}

fn run(items: &[Item], order: &[usize], split: usize, limits: Limits) -> Vec<BehaviourAlert> {
    let mut parts = vec![Collector::new(limits), Collector::new(limits)];
    for (n, &i) in order.iter().enumerate() {
        let part = &mut parts[usize::from(n >= split)];
        match &items[i] {
            Item::Conn(c) => part.push_connection(Analytic::Beacon, *c),
            Item::Query(q) => part.push_query(DnsQuery {
                client: q.client,
                name: &q.name,
                time: Some(1_700_000_000 * SECOND + q.at as i64 * SECOND),
                source: SourceRef {
                    input: 1,
                    position: q.at + 1,
                },
            }),
        }
    }
    let second = parts.pop().expect("two parts");
    let mut first = parts.pop().expect("two parts");
    first.absorb(second);
    first.finish().0
}

#[test]
fn a_beacon_and_a_dns_tunnel_are_found_and_the_short_series_is_not() {
    let items = items();
    let order: Vec<usize> = (0..items.len()).collect();
    let alerts = run(&items, &order, items.len(), Limits::default());
    let kinds: Vec<(Analytic, Option<&str>)> = alerts
        .iter()
        .map(|a| (a.analytic, a.key_value("host").or(a.key_value("client"))))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Analytic::Beacon, Some("ws-17")),
            (Analytic::DnsVolume, Some("10.0.0.9"))
        ]
    );
    assert_eq!(alerts[1].key_value("domain"), Some("example.com"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_order_and_split_give_the_same_alerts(seed in any::<u64>(), split_at in 0usize..500) {
        let items = items();
        let sorted: Vec<usize> = (0..items.len()).collect();
        let mut shuffled = sorted.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        // Small caps too: what is kept past a cap must not depend on order.
        for limits in [Limits::default(), Limits { max_keys: 2, max_per_key: 50, evidence_cap: 5 }] {
            let expected = run(&items, &sorted, items.len(), limits);
            prop_assert_eq!(run(&items, &shuffled, split_at.min(items.len()), limits), expected);
        }
    }
}
