//! `tunnelhunt scan`: run the rules over log files and print alerts.
//!
//! Alerts go to stdout, one JSON object per line, in input order (files in
//! the sorted order the walk finds them, records in file order, rules in
//! load order), so the same input always gives the same output, on any
//! number of threads. Everything else — rule problems, skipped files,
//! unparseable records, the summary — goes to stderr, so stdout stays
//! machine-readable. Every record is accounted for, per format: records
//! read = events evaluated + unparseable; damage to a file or to an EVTX
//! chunk, which is not one record, is reported on its own.
//!
//! How the work is spread: [`units`] cuts the inputs into units (a file,
//! or a block of lines of a big JSON-lines file), [`pipeline`] runs them
//! on a thread pool and hands results back in input order through a
//! bounded window, [`worker`] scans one unit into a [`spool::Spool`] of
//! alerts and a [`summary::Tally`] of counts, and [`summary`] prints what
//! was counted.

mod pipeline;
mod spool;
mod summary;
mod units;
mod worker;

use std::io::{self, BufWriter, Write};
use std::num::NonZeroUsize;
use std::time::Instant;

use anyhow::{Context as _, bail};
use tunnelhunt_sources::OpenError;
use tunnelhunt_sources::inputs::{self, Walk};

use crate::cli::{ScanArgs, SummaryFormat};
use crate::commands::{Outcome, require_existing};
use crate::output::plural;
use crate::placeholders;
use crate::ruleset;
use pipeline::Flow;
use summary::{Report, Tally};

/// Units in flight per thread: enough that a thread finishing a unit finds
/// the next one ready, few enough to bound memory (see `pipeline.rs`).
const WINDOW_PER_THREAD: usize = 2;

pub fn run(args: &ScanArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    require_existing("rule path", &args.rules)?;
    require_existing("filters file", &args.filters)?;
    require_existing("input", &args.inputs)?;
    let placeholders = placeholders::load(args.placeholders.placeholders.as_deref())?;
    let loaded = ruleset::load_or_builtin(&args.rules, &args.filters);
    let compiled = ruleset::compile(&loaded, &placeholders);
    let rule_errors =
        crate::commands::report_rule_problems(&compiled.problems, "left out of this scan");
    let Some(matcher) = &compiled.matcher else {
        eprintln!("tunnelhunt: the rule set could not be compiled; nothing was scanned");
        return Ok(Outcome::RuleErrors);
    };
    if compiled.rules.is_empty() {
        if rule_errors > 0 {
            eprintln!("tunnelhunt: none of the rules could be used; nothing was scanned");
            return Ok(Outcome::RuleErrors);
        }
        bail!(
            "no rules found under {}",
            args.rules
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        NonZeroUsize::get,
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("tunnelhunt-scan-{i}"))
        .build()
        .with_context(|| format!("cannot start {}", plural(threads, "scan thread")))?;

    // An evidence folder is walked with its hidden entries: attackers hide
    // files too. Pipes, sockets and devices met in the walk are skipped
    // (with the reason), not read and not "unreadable".
    let found = inputs::discover_with(&args.inputs, Walk { hidden: true }, |_| true);
    let files_found = found.files.len();
    let mut tally = Tally::new(compiled.rules.len());
    for error in found.errors {
        match error {
            OpenError::Skipped { path, reason } => tally.skipped.push((path.to_path_buf(), reason)),
            other => tally.unreadable.push(other.to_string()),
        }
    }
    // `--strict` with a path the walk could not read: stop before scanning.
    let mut stopped = if args.strict {
        tally.unreadable.first().cloned()
    } else {
        None
    };

    let ctx = worker::Context::new(matcher, &compiled.rules, threads, args.strict);
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write_error: Option<io::Error> = None;
    let scanning = Instant::now();
    if stopped.is_none() {
        pipeline::run_ordered(
            &pool,
            WINDOW_PER_THREAD * threads,
            units::plan(found.files, units::Limits::default()),
            |seq, work| worker::scan(&ctx, seq, work),
            |result| {
                tally.merge(result.tally);
                if let Err(e) = result.alerts.and_then(|spool| spool.copy_to(&mut out)) {
                    // A closed output (`| head`) ends the scan quietly.
                    if e.kind() != io::ErrorKind::BrokenPipe {
                        write_error = Some(e);
                    }
                    ctx.cancel_after(0);
                    return Flow::Stop;
                }
                if let Some(message) = result.stop {
                    stopped = Some(message);
                    return Flow::Stop;
                }
                Flow::Continue
            },
        );
    }
    let scanning = scanning.elapsed();
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => write_error = Some(e),
        _ => {}
    }
    if let Some(e) = write_error {
        return Err(e).context("cannot write the alerts");
    }
    if let Some(message) = &stopped {
        eprintln!("tunnelhunt: --strict: stopped at the first input error: {message}");
    }

    let report = Report {
        tally: &tally,
        files_found,
        compiled: &compiled,
        loaded: &loaded,
        rule_errors,
        threads,
        elapsed: started.elapsed(),
        scanning,
        stopped: stopped.as_deref(),
    };
    let mut err = io::stderr().lock();
    // Best effort: a closed stderr is no reason to fail the scan.
    let _ = match args.summary {
        SummaryFormat::Text => report.write_text(&mut err),
        SummaryFormat::Json => report.write_json(&mut err),
    };

    Ok(if stopped.is_some() || tally.has_input_errors() {
        Outcome::InputErrors
    } else if rule_errors > 0 {
        Outcome::RuleErrors
    } else {
        Outcome::Success
    })
}
