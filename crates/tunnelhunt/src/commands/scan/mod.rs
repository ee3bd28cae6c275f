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
//! [`plan`] turns the arguments into a [`plan::ScanPlan`], checking each
//! of them before anything is read; [`run`] runs it and reports.
//! [`select`] decides which rules run (`--min-level`, `--rule`) and which
//! alerts are printed (`--from`/`--to`); [`alerts`] is what a worker does
//! with a match; [`correlated`] evaluates the correlations once every
//! unit is read and prints their alerts after the per-event ones;
//! [`behaved`] scores the behaviour analytics and prints theirs last;
//! `crate::output` renders alerts; [`progress`] draws the
//! bar.
//!
//! How the work is spread: [`units`] cuts the inputs into units (a file,
//! or a block of lines of a big JSON-lines file), [`pipeline`] runs them
//! on a thread pool and hands results back in input order through a
//! bounded window, [`worker`] scans one unit into a [`spool::Spool`] of
//! alerts and a [`summary::Tally`] of counts, handing them over as it goes
//! to the unit's [`handover::Handover`] (so a unit given up after
//! `--file-timeout` keeps what it had found), and [`summary`] prints what
//! was counted.

mod alerts;
mod behaved;
mod correlated;
mod handover;
mod pipeline;
mod plan;
mod progress;
mod select;
mod spool;
mod summary;
mod units;
mod worker;

use std::io::{self, Write};
use std::time::Instant;

use anyhow::Context as _;

use crate::cli::{ScanArgs, SummaryFormat};
use crate::commands::Outcome;
use crate::correlations::Gathered;
use crate::detection;
use crate::output::html::HtmlTarget;
use crate::output::layer::LayerTarget;
use crate::output::plural;
use crate::output::terminal::escape;
use crate::ruleset::LoadedRules;
use handover::Handover;
use plan::{Planned, ScanPlan};
use progress::Progress;
use summary::{Report, Tally};
use tunnelhunt_report::model::RunCard;
use units::Work;

pub fn run(args: &ScanArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let plan = match ScanPlan::from_args(args)? {
        Planned::Ready(plan) => *plan,
        Planned::NoUsableRules => return Ok(Outcome::UsageError),
    };
    let ScanPlan {
        loaded,
        compiled,
        rule_errors,
        rules_not_selected,
        time_range,
        threads,
        pipeline,
        ctx,
        out,
        alerts_share_the_terminal,
        inputs,
        correlations,
        behaviours,
        html,
        layer,
    } = plan;
    let progress = Progress::new(!args.quiet, &inputs.files);
    let mut alerts = AlertSink::new(out);
    let mut tally = inputs.tally;
    let mut stopped = None;
    let mut gathered = Gathered::default();
    alerts.begin(ctx);
    let scanning = Instant::now();
    if alerts.error.is_none() {
        let strict = args.strict;
        pipeline.run(
            units::plan(inputs.files, units::Limits::default()),
            move |seq, work: Work, handover: &Handover| worker::scan(ctx, seq, work, handover),
            |late| worker::overdue(strict, late),
            |result| {
                tally.merge(result.tally);
                gathered.absorb(result.gathered);
                progress.update(&tally);
                let printed = result.alerts.and_then(|spool| {
                    if alerts_share_the_terminal {
                        // Each unit's alerts go out whole, under the bar.
                        progress.suspend(|| alerts.copy_and_flush(spool))
                    } else {
                        alerts.copy(spool)
                    }
                });
                if let Err(e) = printed {
                    alerts.failed(e);
                    ctx.cancel_after(0);
                    return pipeline::Flow::Stop;
                }
                if let Some(message) = result.stop {
                    stopped = Some(message);
                    return pipeline::Flow::Stop;
                }
                pipeline::Flow::Continue
            },
        );
        // The walk's unreadable path comes after every file scanned: the
        // scan stops there unless a file before it stopped it already.
        if stopped.is_none() && alerts.error.is_none() {
            stopped = inputs.stop_after_files;
        }
    }
    progress.finish();
    // The analytics' observations and where their inputs are, before the
    // correlations take what they gathered.
    let observed = gathered.behaviour.take();
    let places = gathered.inputs.clone();
    let correlated = match correlations {
        Some(correlations) if alerts.error.is_none() => {
            let printer = &ctx.output.printer;
            match correlated::finish(
                correlations,
                &ctx.inputs,
                gathered,
                printer,
                &mut alerts.out,
            ) {
                Ok(found) => Some(found),
                Err(e) => {
                    alerts.failed(e);
                    None
                }
            }
        }
        _ => None,
    };
    let behaved = match behaviours {
        Some(behaviours) if alerts.error.is_none() => {
            let printer = &ctx.output.printer;
            match behaved::finish(
                behaviours,
                &ctx.inputs,
                observed,
                &places,
                printer,
                &mut alerts.out,
            ) {
                Ok(found) => Some(found),
                Err(e) => {
                    alerts.failed(e);
                    None
                }
            }
        }
        _ => None,
    };
    let scanning = scanning.elapsed();
    let alerts_printed = tally.formats.values().map(|s| s.alerts).sum::<u64>()
        + correlated
            .as_ref()
            .map_or(0, correlated::Correlated::alerts_printed)
        + behaved.as_ref().map_or(0, behaved::Behaved::alerts_printed);
    alerts.end(ctx, alerts_printed)?;
    if let Some(message) = &stopped {
        eprintln!(
            "tunnelhunt: --strict: stopped at the first input error: {}",
            escape(message)
        );
    }

    let report = Report {
        tally: &tally,
        files_found: inputs.found,
        compiled,
        loaded,
        rule_errors,
        threads,
        elapsed: started.elapsed(),
        scanning,
        stopped: stopped.as_deref(),
        rules_not_selected,
        time_range,
        correlated: correlated.as_ref(),
        behaved: behaved.as_ref(),
    };
    print_summary(args, &report);
    if let Some(html) = html {
        write_html_report(args, html, &report, loaded)?;
    }
    if let Some(layer) = layer {
        write_layer(args, layer)?;
    }

    Ok(outcome(
        args,
        alerts_printed,
        stopped.is_some(),
        &tally,
        rule_errors,
    ))
}

/// The alerts' destination, and the first error met writing to it. A
/// closed output (`| head`) is no error: the scan just ends quietly.
struct AlertSink {
    out: io::BufWriter<Box<dyn Write>>,
    error: Option<io::Error>,
}

impl AlertSink {
    fn new(out: io::BufWriter<Box<dyn Write>>) -> Self {
        AlertSink { out, error: None }
    }

    /// What the format writes before the first alert (a table's header).
    fn begin(&mut self, ctx: &worker::Context<'_>) {
        if let Err(e) = ctx.output.printer.begin(&mut self.out) {
            self.error = Some(e);
        }
    }

    fn copy(&mut self, spool: spool::Spool) -> io::Result<()> {
        spool.copy_to(&mut self.out)
    }

    /// Copy and flush at once, for alerts that must be on the terminal
    /// before the progress bar is drawn again.
    fn copy_and_flush(&mut self, spool: spool::Spool) -> io::Result<()> {
        spool.copy_to(&mut self.out).and_then(|()| self.out.flush())
    }

    /// Keep a write error, unless the reader went away.
    fn failed(&mut self, error: io::Error) {
        if error.kind() != io::ErrorKind::BrokenPipe {
            self.error = Some(error);
        }
    }

    /// Finish the format (a table's `(no alerts)`), flush, and fail on any
    /// write error met on the way but a closed output.
    fn end(mut self, ctx: &worker::Context<'_>, alerts_printed: u64) -> anyhow::Result<()> {
        if self.error.is_none()
            && let Err(e) = ctx.output.printer.end(&mut self.out, alerts_printed)
        {
            self.error = Some(e);
        }
        if let Err(e) = self.out.flush() {
            self.error.get_or_insert(e);
        }
        match self.error {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                Err(e).context("cannot write the alerts")
            }
            _ => Ok(()),
        }
    }
}

/// The summary on stderr, as `--summary` and `--quiet` ask. Best effort:
/// a closed stderr is no reason to fail the scan.
fn print_summary(args: &ScanArgs, report: &Report<'_>) {
    let mut err = io::stderr().lock();
    let _ = match args.summary {
        SummaryFormat::Text if args.quiet => Ok(()),
        SummaryFormat::Text => report.write_text(&mut err),
        SummaryFormat::Json => report.write_json(&mut err),
    };
}

/// `--format html`: render the report from the spooled alerts and the
/// summary, and say how big it is.
fn write_html_report(
    args: &ScanArgs,
    html: HtmlTarget,
    report: &Report<'_>,
    loaded: &LoadedRules,
) -> anyhow::Result<()> {
    let mut summary = Vec::new();
    report.write_json(&mut summary)?;
    let (placeholders, builtin) = (html.placeholders.clone(), html.builtin);
    let written = html.finish(&summary, run_card(args), |alerts| {
        detection::pages_of_fired_rules(alerts, loaded, &placeholders, builtin)
    })?;
    if !args.quiet {
        let kept = if written.alerts_kept as u64 == written.alerts_total {
            plural(written.alerts_kept, "alert")
        } else {
            format!(
                "the top {} of {} alerts (the report's limit)",
                written.alerts_kept, written.alerts_total
            )
        };
        let place = args
            .output
            .as_ref()
            .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
        eprintln!(
            "HTML report: {} ({:.1} MB, {kept})",
            escape(&place),
            written.bytes as f64 / 1e6
        );
    }
    Ok(())
}

/// `--format layer`: the ATT&CK Navigator layer of the spooled alerts.
fn write_layer(args: &ScanArgs, layer: LayerTarget) -> anyhow::Result<()> {
    let written = layer.finish("tunnelhunt scan")?;
    if !written.unknown.is_empty() {
        eprintln!(
            "{}",
            escape(&format!(
                "tunnelhunt: alerts tagged with ATT&CK techniques outside the ATT&CK table \
                 are left out of the layer: {}",
                written.unknown.join(", ")
            ))
        );
    }
    if !args.quiet {
        let place = args
            .output
            .as_ref()
            .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
        eprintln!(
            "ATT&CK Navigator layer: {} ({}, {})",
            escape(&place),
            plural(written.techniques, "technique"),
            plural(written.alerts as usize, "alert")
        );
    }
    Ok(())
}

/// How the scan was run, for the report's run card.
fn run_card(args: &ScanArgs) -> RunCard {
    let paths = |paths: &[std::path::PathBuf]| -> Vec<String> {
        paths.iter().map(|p| p.display().to_string()).collect()
    };
    let command = std::env::args()
        .map(|arg| {
            if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"')
            {
                format!("'{}'", arg.replace('\'', "'\\''"))
            } else {
                arg
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    RunCard {
        command,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        rules: if args.rules.is_empty() {
            vec!["the built-in T1572 pack".to_owned()]
        } else {
            paths(&args.rules)
        },
        filters: paths(&args.filters),
        inputs: paths(&args.inputs),
    }
}

/// The exit code: the most severe of what happened (see [`Outcome`]).
fn outcome(
    args: &ScanArgs,
    alerts_printed: u64,
    stopped: bool,
    tally: &Tally,
    rule_errors: usize,
) -> Outcome {
    if args.fail_on_alert && alerts_printed > 0 {
        Outcome::AlertsFound
    } else if stopped || tally.has_input_errors() {
        Outcome::InputErrors
    } else if rule_errors > 0 {
        Outcome::RuleErrors
    } else {
        Outcome::Success
    }
}
