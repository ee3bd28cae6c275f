//! A synthetic correlation workload, timed: what `bench/correlate.sh` runs.
//!
//! DNS-tunnel shaped: `matches` base-rule matches over one hour, half of
//! them spread over 100,000 background groups (a few matches each), half
//! on 4 tunnel groups whose 5-minute windows each hold 10,000 distinct
//! values. The input is out of order: 8 "files", each in time order,
//! pushed one after the other, as a scan of several files would. The
//! figure is matches per second through `Collector::push` and
//! `Collector::finish` on one thread, building each observation included.
//!
//! Usage: `correlate_workload KIND [MATCHES [MAX_COLLECTED]]` with KIND
//! one of `event_count`, `value_count`, `temporal_ordered`;
//! `MAX_COLLECTED` sets `Limits::max_collected` (observations held in
//! memory before they go to temporary files).

use std::path::Path;
use std::time::Instant;

use tunnelhunt_correlate::{Collector, Limits, Observation, Plan, Reference, RuleKey, SourceRef};
use tunnelhunt_sigma::ast::Document;
use tunnelhunt_sigma::load::parse_rule_file;

const SECOND: i64 = 1_000_000_000;
const DURATION_SECONDS: u64 = 3_600;
const BACKGROUND_GROUPS: u64 = 100_000;
const TUNNEL_GROUPS: u64 = 4;
const DISTINCT_PER_WINDOW: u64 = 10_000;
const FILES: u32 = 8;

/// One generated match, compactly: the strings are in shared tables.
struct Generated {
    time: i64,
    domain: u32,
    query: u32,
    rule: u32,
}

/// A small deterministic generator (SplitMix64): the workload is the same
/// on every run without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// This thread's time on a CPU so far (Linux: the first field of
/// `/proc/thread-self/schedstat`, in nanoseconds).
fn cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

fn rule_yaml(kind: &str) -> String {
    let body = match kind {
        "event_count" => "  type: event_count\n  rules: [r0]\n  condition:\n    gte: 1000\n",
        "value_count" => {
            "  type: value_count\n  rules: [r0]\n  condition:\n    field: query\n    gte: 1000\n"
        }
        "temporal_ordered" => "  type: temporal_ordered\n  rules: [r0, r1]\n",
        other => {
            eprintln!(
                "unknown kind {other}: expected event_count, value_count or temporal_ordered"
            );
            std::process::exit(2);
        }
    };
    format!("title: workload\ncorrelation:\n{body}  group-by: [domain]\n  timespan: 5m\n")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "value_count".to_owned());
    let matches: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4_000_000);
    let limits = match args.next().and_then(|n| n.parse().ok()) {
        Some(max_collected) => Limits {
            max_collected,
            ..Limits::default()
        },
        None => Limits::default(),
    };
    let parsed = parse_rule_file(Path::new("workload.yml"), &rule_yaml(&kind));
    let Some(Document::Correlation(correlation)) = parsed.documents.into_iter().next() else {
        eprintln!("the workload rule did not load");
        std::process::exit(1);
    };
    let references = correlation
        .rules
        .iter()
        .enumerate()
        .map(|(i, _)| Reference::Rule(RuleKey(i as u32)))
        .collect();
    let plan = match Plan::new(vec![(correlation, references)], limits) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let rules = if kind == "temporal_ordered" { 2 } else { 1 };

    // The domains and names, each once; matches refer to them by number so
    // the generated input stays small next to what is measured.
    let domains: Vec<Box<str>> = (0..TUNNEL_GROUPS)
        .map(|d| format!("t{d}.example").into())
        .chain((0..BACKGROUND_GROUPS).map(|d| format!("d{d}.example").into()))
        .collect();
    let queries: Vec<Box<str>> = (0..TUNNEL_GROUPS)
        .flat_map(|d| (0..DISTINCT_PER_WINDOW).map(move |q| format!("{q:x}.t{d}.example").into()))
        .chain((0..BACKGROUND_GROUPS).map(|d| format!("www.d{d}.example").into()))
        .collect();

    // Each file's matches in time order; files are pushed one after the
    // other, so the whole input is out of order.
    let mut random = Random(0x5eed);
    let per_file = matches / u64::from(FILES);
    let mut files: Vec<Vec<Generated>> = Vec::new();
    for _ in 0..FILES {
        let mut generated: Vec<Generated> = (0..per_file)
            .map(|_| {
                let time = (random.below(DURATION_SECONDS * 1_000) as i64) * (SECOND / 1_000);
                let (domain, query) = if random.below(2) == 0 {
                    let domain = random.below(TUNNEL_GROUPS);
                    (
                        domain,
                        domain * DISTINCT_PER_WINDOW + random.below(DISTINCT_PER_WINDOW),
                    )
                } else {
                    let background = random.below(BACKGROUND_GROUPS);
                    (
                        TUNNEL_GROUPS + background,
                        TUNNEL_GROUPS * DISTINCT_PER_WINDOW + background,
                    )
                };
                Generated {
                    time,
                    domain: domain as u32,
                    query: query as u32,
                    rule: random.below(rules) as u32,
                }
            })
            .collect();
        generated.sort_unstable_by_key(|g| g.time);
        files.push(generated);
    }
    let total: usize = files.iter().map(Vec::len).sum();
    let field_is_domain: Vec<Vec<bool>> = (0..rules)
        .map(|rule| {
            plan.fields_of(RuleKey(rule as u32))
                .unwrap_or(&[])
                .iter()
                .map(|field| field == "domain")
                .collect()
        })
        .collect();

    let cpu_started = cpu_seconds();
    let started = Instant::now();
    let mut collector = Collector::new(&plan);
    // Building each observation (a small allocation per value, as a
    // caller reading events does) is part of the timed push.
    for (file, generated) in files.iter().enumerate() {
        for (position, g) in generated.iter().enumerate() {
            let values = field_is_domain[g.rule as usize]
                .iter()
                .map(|&is_domain| {
                    let text = if is_domain {
                        &domains[g.domain as usize]
                    } else {
                        &queries[g.query as usize]
                    };
                    Some(text.clone())
                })
                .collect();
            collector.push(Observation {
                rule: RuleKey(g.rule),
                time: Some(g.time),
                values,
                source: SourceRef {
                    input: file as u32,
                    position: position as u64,
                },
            });
        }
    }
    let pushed = started.elapsed();
    let cpu_pushed = cpu_seconds();
    let (alerts, report) = collector.finish(&plan);
    let elapsed = started.elapsed();
    let rate = total as f64 / elapsed.as_secs_f64();
    println!(
        "{kind}: {total} matches in {:.2} s (push {:.2} s, finish {:.2} s): {:.0} matches/s; {} alerts, {} degraded",
        elapsed.as_secs_f64(),
        pushed.as_secs_f64(),
        (elapsed - pushed).as_secs_f64(),
        rate,
        alerts.len(),
        report.degraded.len()
    );
    // On a shared machine the wall clock includes time other processes
    // had the core; the thread's own CPU time does not.
    if let (Some(before), Some(middle), Some(after)) = (cpu_started, cpu_pushed, cpu_seconds()) {
        println!(
            "{kind}: {:.2} s on the CPU (push {:.2} s, finish {:.2} s): {:.0} matches per CPU second",
            after - before,
            middle - before,
            after - middle,
            total as f64 / (after - before)
        );
    }
    if let Some(peak) = alerts.iter().map(|a| a.figure).reduce(f64::max) {
        println!("{kind}: largest figure in an alert: {peak}");
    }
}
