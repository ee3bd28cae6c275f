//! `tunnelhunt scan`: run the rules over log files and print alerts.
//!
//! Alerts go to stdout (or `--output`) as a table, JSON lines or CSV, in
//! input order (files in the sorted order the walk finds them, records in
//! file order, rules in load order), so the same input always gives the
//! same output, on any number of threads. Everything else — rule problems,
//! skipped files, unparseable records, the progress bar, the summary —
//! goes to stderr, so stdout stays machine-readable. Every record is
//! accounted for, per format: records read = events evaluated + skipped by
//! the prefilter + unparseable; damage to a file or to an EVTX chunk,
//! which is not one record, is reported on its own.
//!
//! [`select`] decides which rules run (`--min-level`, `--rule`) and which
//! alerts are printed (`--from`/`--to`); [`alerts`] is what a worker does
//! with a match; `crate::output` renders alerts; [`progress`] draws the
//! bar.
//!
//! How the work is spread: [`units`] cuts the inputs into units (a file,
//! or a block of lines of a big JSON-lines file), [`pipeline`] runs them
//! on a thread pool and hands results back in input order through a
//! bounded window, [`worker`] scans one unit into a [`spool::Spool`] of
//! alerts and a [`summary::Tally`] of counts, and [`summary`] prints what
//! was counted.

mod alerts;
mod pipeline;
mod pretty;
mod progress;
mod select;
mod spool;
mod summary;
mod units;
mod worker;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tunnelhunt_sigma::ast::Rule;
use tunnelhunt_sources::OpenError;
use tunnelhunt_sources::inputs::{self, Walk};

use crate::cli::{AlertFormat, ScanArgs, SummaryFormat};
use crate::commands::{Outcome, require_existing};
use crate::output::plural;
use crate::output::printer::Printer;
use crate::output::table::{self, Layout};
use crate::placeholders;
use crate::ruleset::{self, CompiledRules, LoadedRules};
use alerts::AlertOutput;
use pipeline::{Flow, Pipeline, TimeLimit};
use progress::Progress;
use select::{RuleSelection, TimeRange};
use summary::{Report, Tally};
use units::Work;

/// Units in flight per thread: enough that a thread finishing a unit finds
/// the next one ready, few enough to bound memory (see `pipeline.rs`).
const WINDOW_PER_THREAD: usize = 2;

pub fn run(args: &ScanArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    require_existing("rule path", &args.rules)?;
    require_existing("filters file", &args.filters)?;
    require_existing("input", &args.inputs)?;
    let format = alert_format(args)?;
    let time_range = TimeRange {
        from: args.from,
        to: args.to,
    };
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        bail!("--from {from} is after --to {to}: no event can be in that range");
    }
    let placeholders = placeholders::load(args.placeholders.placeholders.as_deref())?;
    // The rules, the matcher, the pool and the workers' context live until
    // the process ends: a worker stuck in a parser is never joined (see
    // `pipeline::Pipeline::run`), so what it uses must not be freed under it.
    let loaded: &'static LoadedRules = Box::leak(Box::new(ruleset::load_or_builtin(
        &args.rules,
        &args.filters,
    )));
    let selection = RuleSelection::new(args.min_level.map(Into::into), &args.rule_selectors);
    let all_rules: Vec<&Rule> = loaded.collection.rules().collect();
    let unmatched = selection.unmatched(&all_rules);
    if !unmatched.is_empty() {
        bail!(
            "--rule {} matches no rule (selectors match a rule id or id prefix, a rule \
             file name without extension, a tag or a branch)",
            unmatched.join(", ")
        );
    }
    let rules_not_selected = all_rules.iter().filter(|r| !selection.selects(r)).count();
    if selection.is_active() && rules_not_selected == all_rules.len() && !all_rules.is_empty() {
        bail!("--min-level and --rule together select none of the rules; nothing to scan with");
    }
    let compiled: &'static CompiledRules<'static> = Box::leak(Box::new(ruleset::compile_selected(
        loaded,
        &placeholders,
        |r| selection.selects(r),
    )));
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
    let pool: &'static rayon::ThreadPool = Box::leak(Box::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("tunnelhunt-scan-{i}"))
            .build()
            .with_context(|| format!("cannot start {}", plural(threads, "scan thread")))?,
    ));

    let (mut out, printer) = open_output(args, format)?;

    // An evidence folder is walked with its hidden entries: attackers hide
    // files too. Pipes, sockets and devices met in the walk are skipped
    // (with the reason), not read and not "unreadable".
    let mut found = inputs::discover_with(&args.inputs, Walk { hidden: true }, |_| true);
    if let Some(output) = &args.output {
        // `--output` inside a scanned folder: never read our own alerts.
        let output = output.canonicalize().ok();
        found
            .files
            .retain(|f| output.is_none() || f.canonicalize().ok() != output);
    }
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

    let output: &'static AlertOutput = Box::leak(Box::new(AlertOutput {
        printer,
        time_range,
    }));
    let ctx: &'static worker::Context<'static> = Box::leak(Box::new(
        worker::Context::new(matcher, &compiled.rules, output, threads, args.strict)
            .prefiltering(!args.no_prefilter)
            .projecting(!args.with_event),
    ));
    let limit = TimeLimit {
        base: Duration::from_secs(args.file_timeout),
        per_mib: Duration::from_secs(1),
    };
    let progress = Progress::new(!args.quiet, &found.files);
    let alerts_share_the_terminal = args.output.is_none() && io::stdout().is_terminal();
    let mut write_error: Option<io::Error> = None;
    if let Err(e) = output.printer.begin(&mut out) {
        write_error = Some(e);
    }
    let scanning = Instant::now();
    if stopped.is_none() && write_error.is_none() {
        let strict = args.strict;
        let pipeline = Pipeline {
            pool,
            window: WINDOW_PER_THREAD * threads,
            limit,
        };
        pipeline.run(
            units::plan(found.files, units::Limits::default()),
            move |seq, work: Work| worker::scan(ctx, seq, work),
            |late| worker::overdue(compiled.rules.len(), strict, late),
            |result| {
                tally.merge(result.tally);
                progress.update(&tally);
                let printed = result.alerts.and_then(|spool| {
                    if alerts_share_the_terminal {
                        // Each unit's alerts go out whole, under the bar.
                        progress.suspend(|| spool.copy_to(&mut out).and_then(|()| out.flush()))
                    } else {
                        spool.copy_to(&mut out)
                    }
                });
                if let Err(e) = printed {
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
    progress.finish();
    let alerts_printed = tally.formats.values().map(|s| s.alerts).sum::<u64>();
    if write_error.is_none()
        && let Err(e) = output.printer.end(&mut out, alerts_printed)
    {
        write_error = Some(e);
    }
    if let Err(e) = out.flush() {
        write_error.get_or_insert(e);
    }
    match write_error {
        Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            return Err(e).context("cannot write the alerts");
        }
        _ => {}
    }
    if let Some(message) = &stopped {
        eprintln!("tunnelhunt: --strict: stopped at the first input error: {message}");
    }

    let report = Report {
        tally: &tally,
        files_found,
        compiled,
        loaded,
        rule_errors,
        threads,
        elapsed: started.elapsed(),
        scanning,
        stopped: stopped.as_deref(),
        rules_not_selected,
        time_range,
    };
    let mut err = io::stderr().lock();
    // Best effort: a closed stderr is no reason to fail the scan.
    let _ = match args.summary {
        SummaryFormat::Text if args.quiet => Ok(()),
        SummaryFormat::Text => report.write_text(&mut err),
        SummaryFormat::Json => report.write_json(&mut err),
    };

    Ok(if args.fail_on_alert && alerts_printed > 0 {
        Outcome::AlertsFound
    } else if stopped.is_some() || tally.has_input_errors() {
        Outcome::InputErrors
    } else if rule_errors > 0 {
        Outcome::RuleErrors
    } else {
        Outcome::Success
    })
}

/// The alert format: as asked, or jsonl with `--with-event` (which only
/// jsonl carries) or `--output`, or a table on a terminal, else jsonl.
fn alert_format(args: &ScanArgs) -> anyhow::Result<AlertFormat> {
    Ok(match args.format {
        Some(format @ (AlertFormat::Table | AlertFormat::Csv)) if args.with_event => {
            let name = if format == AlertFormat::Table {
                "table"
            } else {
                "csv"
            };
            bail!(
                "--with-event adds nested JSON to each alert: use it with --format jsonl, not {name}"
            )
        }
        Some(format) => format,
        None if args.with_event || args.output.is_some() => AlertFormat::Jsonl,
        None if io::stdout().is_terminal() => AlertFormat::Table,
        None => AlertFormat::Jsonl,
    })
}

/// Where alerts go (`--output FILE` or stdout) and how they are written.
/// A table on a terminal takes the terminal's width and colours the
/// level; anywhere else it is [`table::DEFAULT_WIDTH`] wide, plain.
fn open_output(
    args: &ScanArgs,
    format: AlertFormat,
) -> anyhow::Result<(BufWriter<Box<dyn Write>>, Printer)> {
    let (sink, terminal): (Box<dyn Write>, bool) = match &args.output {
        Some(path) => (Box::new(create_output(path)?), false),
        None => (Box::new(io::stdout().lock()), io::stdout().is_terminal()),
    };
    let printer = match format {
        AlertFormat::Jsonl => Printer::Jsonl {
            with_event: args.with_event,
        },
        AlertFormat::Csv => Printer::Csv,
        AlertFormat::Table => {
            let width = terminal
                .then(|| console::Term::stdout().size_checked())
                .flatten()
                .map_or(table::DEFAULT_WIDTH, |(_, columns)| usize::from(columns));
            Printer::Table(Layout::for_width(
                width,
                terminal && console::colors_enabled(),
            ))
        }
    };
    Ok((BufWriter::with_capacity(256 * 1024, sink), printer))
}

fn create_output(path: &Path) -> anyhow::Result<File> {
    if path.is_dir() {
        bail!("--output {} is a directory", path.display());
    }
    File::create(path)
        .with_context(|| format!("cannot create --output {}", PathBuf::from(path).display()))
}
