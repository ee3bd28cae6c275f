//! Matching throughput on a realistic Sysmon process-creation stream.
//!
//! Rule sets: (a) every SigmaHQ rule under `rules*` that loads, lowers and
//! compiles; (b) ten SigmaHQ Windows process-creation rules. Events: the
//! Sysmon EventID 1 records of SigmaHQ's `regression_data/**/*.json`,
//! cycled into a stream of `STREAM_LEN` events. Needs `TUNNELHUNT_CORPUS`
//! (default: `shared/corpus` beside the repository).
//!
//! ```text
//! TUNNELHUNT_CORPUS=/path/to/corpus cargo bench -p tunnelhunt-engine --bench matching
//! ```

// A benchmark, like a test, states its set-up with unwrap.
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::time::Instant;

use corpus::{EvtxEvent, LoadedRule, compile, corpus_dir, files_with_ext, load_sigmahq};
use criterion::{Criterion, Throughput};
use tunnelhunt_engine::{Matcher, MatcherBuilder};

const STREAM_LEN: usize = 5_000;

fn build<'a>(rules: impl IntoIterator<Item = &'a LoadedRule>) -> Matcher {
    let mut b = MatcherBuilder::new();
    let (_, errors) = compile(&mut b, rules);
    assert!(
        errors.is_empty(),
        "{} rules failed to compile",
        errors.len()
    );
    b.build().expect("matcher builds")
}

fn run(m: &Matcher, events: &[EvtxEvent]) -> usize {
    let mut scratch = m.scratch();
    let mut hits = Vec::new();
    for e in events {
        m.matches(e, &mut scratch, &mut hits);
    }
    hits.len()
}

/// CPU time of this process (user + system), from `/proc/self/stat`, so
/// that figures on a shared machine are not inflated by other processes'
/// load. `None` where procfs is unavailable.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5), counted from the state field (3rd).
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Events per CPU-second over at least `min_cpu` seconds of matching.
fn events_per_cpu_second(m: &Matcher, events: &[EvtxEvent], min_cpu: f64) -> Option<f64> {
    let start = cpu_seconds()?;
    let mut n = 0usize;
    loop {
        black_box(run(m, events));
        n += events.len();
        let used = cpu_seconds()? - start;
        if used >= min_cpu {
            return Some(n as f64 / used);
        }
    }
}

fn main() {
    let Some(dir) = corpus_dir() else {
        eprintln!(
            "matching bench: SigmaHQ corpus not found. Set TUNNELHUNT_CORPUS to the directory \
             holding sigmahq/ (e.g. shared/corpus) and rerun."
        );
        return;
    };

    let t = Instant::now();
    let set = load_sigmahq(&dir);
    let load_time = t.elapsed();

    let t = Instant::now();
    let all = build(&set.rules);
    let compile_time = t.elapsed();

    let ten: Vec<&LoadedRule> = set
        .rules
        .iter()
        .filter(|r| {
            r.rule.logsource.category.as_deref() == Some("process_creation")
                && r.rule.logsource.product.as_deref() == Some("windows")
        })
        .take(10)
        .collect();
    let ten = build(ten);

    let mut files = Vec::new();
    files_with_ext(&dir.join("sigmahq/regression_data"), "json", &mut files);
    let sysmon1: Vec<EvtxEvent> = files
        .iter()
        .flat_map(|f| EvtxEvent::read_file(f))
        .filter(|e| {
            e.event_id() == Some(1) && e.channel() == Some("Microsoft-Windows-Sysmon/Operational")
        })
        .collect();
    assert!(!sysmon1.is_empty(), "no Sysmon EventID 1 events found");
    let stream: Vec<EvtxEvent> = sysmon1.iter().cycle().take(STREAM_LEN).cloned().collect();

    eprintln!(
        "matching bench: {} SigmaHQ rules loaded+lowered in {:.2?}, compiled in {compile_time:.2?}; \
         {} distinct Sysmon EID 1 events cycled to {}; matches per pass: all rules {}, ten rules {}",
        all.rule_count(),
        load_time,
        sysmon1.len(),
        stream.len(),
        run(&all, &stream),
        run(&ten, &stream),
    );

    // Fixed work for instruction counting (`perf stat`, callgrind): the
    // shared machine makes wall-clock comparisons noisy.
    if let Some(passes) = std::env::var("TUNNELHUNT_BENCH_PASSES")
        .ok()
        .and_then(|p| p.parse::<usize>().ok())
    {
        let which = std::env::var("TUNNELHUNT_BENCH_SET").unwrap_or_default();
        let m = if which == "ten" { &ten } else { &all };
        for _ in 0..passes {
            black_box(run(m, &stream));
        }
        return;
    }

    if let (Some(a), Some(t)) = (
        events_per_cpu_second(&all, &stream, 3.0),
        events_per_cpu_second(&ten, &stream, 2.0),
    ) {
        eprintln!("events per CPU-second (one thread): all SigmaHQ rules {a:.0}, ten rules {t:.0}");
    }

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("matching");
    group.throughput(Throughput::Elements(stream.len() as u64));
    group.sample_size(20);
    group.bench_function("sigmahq_all_rules", |b| {
        b.iter(|| black_box(run(&all, black_box(&stream))))
    });
    group.bench_function("ten_rules", |b| {
        b.iter(|| black_box(run(&ten, black_box(&stream))))
    });
    group.finish();

    let t = Instant::now();
    let _ = build(&set.rules);
    eprintln!(
        "compile time of the SigmaHQ matcher (again, warm): {:.2?}",
        t.elapsed()
    );
    c.final_summary();
}
