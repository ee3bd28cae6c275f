//! What a scan will do, decided from its arguments before anything is read.
//!
//! [`ScanPlan::from_args`] checks every argument, loads, selects and compiles the
//! rules, starts the thread pool, opens the alert output and finds the
//! input files; `super::run` then only runs the plan and reports. So every
//! usage error (a missing path, `--from` after `--to`, a `--rule` that
//! matches nothing, an `--output` that cannot be created) is found before
//! the first input byte is read, and the run cannot meet one half-way.
//! The checks come in the order the command always made them, so the same
//! mistake gives the same message.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use tunnelhunt_sigma::ast::{Document, Rule};
use tunnelhunt_sigma::lower::Placeholders;
use tunnelhunt_sources::OpenError;
use tunnelhunt_sources::inputs::{self, Walk};

use super::alerts::AlertOutput;
use super::pipeline::{Pipeline, TimeLimit};
use super::select::{RuleSelection, TimeRange};
use super::summary::Tally;
use super::worker;
use crate::behaviour::Behaviours;
use crate::cli::{AlertFormat, ScanArgs};
use crate::commands::require_existing;
use crate::correlations::{Correlations, InputNumbers, Needed};
use crate::output::html::HtmlTarget;
use crate::output::layer::LayerTarget;
use crate::output::plural;
use crate::output::printer::Printer;
use crate::output::table::{self, Layout};
use crate::output::terminal::escape;
use crate::placeholders;
use crate::ruleset::{self, CompiledRules, LoadedRules};

/// Units in flight per thread: enough that a thread finishing a unit finds
/// the next one ready, few enough to bound memory (see `pipeline.rs`).
const WINDOW_PER_THREAD: usize = 2;

/// A scan ready to run: the rules compiled, the workers' context, the
/// pool, the output open and the input files found.
pub struct ScanPlan {
    pub loaded: &'static LoadedRules,
    pub compiled: &'static CompiledRules<'static>,
    /// Rules left out because they are invalid or unsupported (reported).
    pub rule_errors: usize,
    /// Rules `--min-level`/`--rule` left out.
    pub rules_not_selected: usize,
    pub time_range: TimeRange,
    pub threads: usize,
    pub pipeline: Pipeline,
    pub ctx: &'static worker::Context<'static>,
    /// Where the alerts go (for `--format html`, the report's spool).
    pub out: BufWriter<Box<dyn Write>>,
    /// `--format html`: where the report is written once the scan ends.
    pub html: Option<HtmlTarget>,
    /// `--format layer`: where the layer is written once the scan ends.
    pub layer: Option<LayerTarget>,
    /// Alerts go to the terminal the progress bar is drawn on.
    pub alerts_share_the_terminal: bool,
    pub inputs: Inputs,
    /// The correlations evaluated, if any.
    pub correlations: Option<&'static Correlations<'static>>,
    /// The behaviour analytics fed, if any.
    pub behaviours: Option<&'static Behaviours<'static>>,
}

/// The input files the walk found, in input order, and what it met that
/// is not scanned.
pub struct Inputs {
    pub files: Vec<PathBuf>,
    /// Files found, including those skipped or unreadable later.
    pub found: usize,
    /// The walk's skipped and unreadable paths, to which the scan adds.
    pub tally: Tally,
    /// `--strict` and the walk met an unreadable path: `files` holds only
    /// the files that sort before it, and the scan stops with this message
    /// after them (unless it stopped earlier), so input order is kept.
    pub stop_after_files: Option<String>,
}

/// What planning decided.
pub enum Planned {
    Ready(Box<ScanPlan>),
    /// No rule can be used; the reason is printed. Nothing is scanned.
    NoUsableRules,
}

/// Keep `value` until the process ends. The scan's rules, matcher, pool,
/// alert output and workers' context are made with this, and only they:
/// a worker stuck in a parser is given up but never joined (a thread
/// cannot be stopped from outside; see `pipeline.rs`), so what it is
/// using must never be freed under it, even after the scan returns.
fn for_the_process<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

impl ScanPlan {
    /// Check `args` and prepare everything the scan needs. An `Err` is a
    /// usage or setup error: nothing was scanned.
    pub fn from_args(args: &ScanArgs) -> anyhow::Result<Planned> {
        require_existing("rule path", &args.rules)?;
        require_existing("filters file", &args.filters)?;
        require_existing("input", &args.inputs)?;
        let format = alert_format(args)?;
        let time_range = time_range(args)?;
        let placeholders = placeholders::load(args.placeholders.placeholders.as_deref())?;
        let loaded = for_the_process(ruleset::load_or_builtin(&args.rules, &args.filters));
        let selection = RuleSelection::new(args.min_level.map(Into::into), &args.rule_selectors);
        let rules_not_selected = count_not_selected(loaded, &selection)?;
        let needed = Needed::find(&loaded.collection, |meta, file| {
            selection.selects_document(meta, file)
        });
        let compiled = for_the_process(ruleset::compile_selected(loaded, &placeholders, |r| {
            selection.selects(r) || needed.reads(r)
        }));
        let mut rule_errors =
            crate::commands::report_rule_problems(&compiled.problems, "left out of this scan");
        let Some(matcher) = &compiled.matcher else {
            eprintln!("tunnelhunt: the rule set could not be compiled; nothing was scanned");
            return Ok(Planned::NoUsableRules);
        };
        if compiled.rules.is_empty() {
            if rule_errors > 0 {
                eprintln!("tunnelhunt: none of the rules could be used; nothing was scanned");
                return Ok(Planned::NoUsableRules);
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
        let threads = thread_count(args.threads);
        let pool = for_the_process(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("tunnelhunt-scan-{i}"))
                .build()
                .with_context(|| format!("cannot start {}", plural(threads, "scan thread")))?,
        );
        let Opened {
            out,
            printer,
            html,
            layer,
        } = open_output(args, format, &placeholders)?;
        // After the output is created: the walk leaves it out.
        let inputs = find_inputs(args, compiled.rules.len());
        let (correlations, left_out) =
            Correlations::compile(&loaded.collection, &needed, &compiled.rules, |r| {
                selection.selects(r)
            });
        for correlation in &left_out {
            eprintln!(
                "{}:{}: error[correlation]: correlation {}: {}; left out of this scan",
                escape(&correlation.file.display().to_string()),
                correlation.line,
                escape(&correlation.label),
                escape(&correlation.reason)
            );
        }
        rule_errors += left_out.len();
        let correlations = correlations.map(for_the_process);
        let (behaviours, unknown) = Behaviours::find(&compiled.rules);
        for problem in &unknown {
            eprintln!(
                "tunnelhunt: rule {}: {}; its matches alert as an ordinary rule's",
                escape(&problem.rule),
                escape(&problem.reason)
            );
        }
        let behaviours = behaviours.map(for_the_process);
        let output = for_the_process(AlertOutput {
            printer,
            time_range,
        });
        let ctx = for_the_process(
            worker::Context::new(matcher, &compiled.rules, output, threads, args.strict)
                .prefiltering(!args.no_prefilter)
                .correlating(correlations, InputNumbers::new(&inputs.files))
                .behaving(behaviours)
                .projecting(!args.with_event && html.is_none()),
        );
        let pipeline = Pipeline {
            pool,
            window: WINDOW_PER_THREAD * threads,
            limit: TimeLimit {
                base: Duration::from_secs(args.file_timeout),
                per_mib: Duration::from_secs(1),
            },
        };
        Ok(Planned::Ready(Box::new(ScanPlan {
            loaded,
            compiled,
            rule_errors,
            rules_not_selected,
            time_range,
            threads,
            pipeline,
            ctx,
            out,
            alerts_share_the_terminal: args.output.is_none()
                && html.is_none()
                && layer.is_none()
                && io::stdout().is_terminal(),
            html,
            layer,
            inputs,
            correlations,
            behaviours,
        })))
    }
}

/// The most scan threads: each holds a scratch, a window of units and their
/// record buffers, so a mistyped `--threads 100000` would cost memory (and
/// thread creation) for no speed a scan of files can use.
const MAX_THREADS: usize = 256;

/// `--threads` (default: the CPU cores), at most [`MAX_THREADS`]; a larger
/// value is lowered, with a note.
fn thread_count(asked: Option<NonZeroUsize>) -> usize {
    let threads = asked.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        NonZeroUsize::get,
    );
    if threads > MAX_THREADS {
        eprintln!(
            "tunnelhunt: --threads {threads} is more than {MAX_THREADS}; using {MAX_THREADS}"
        );
    }
    threads.min(MAX_THREADS)
}

/// `--from`/`--to`, refused when no event can be in the range.
fn time_range(args: &ScanArgs) -> anyhow::Result<TimeRange> {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        bail!("--from {from} is after --to {to}: no event can be in that range");
    }
    Ok(TimeRange {
        from: args.from,
        to: args.to,
    })
}

/// How many rules `selection` leaves out; a selector that matches no rule,
/// or a selection that leaves none, is refused.
fn count_not_selected(loaded: &LoadedRules, selection: &RuleSelection) -> anyhow::Result<usize> {
    let all_rules: Vec<&Rule> = loaded.collection.rules().collect();
    let documents: Vec<&Document> = loaded
        .collection
        .documents()
        .iter()
        .filter(|d| !matches!(d, Document::Filter(_)))
        .collect();
    let unmatched = selection.unmatched(&documents);
    if !unmatched.is_empty() {
        bail!(
            "--rule {} matches no rule (selectors match a rule id or id prefix, a rule \
             file name without extension, a tag or a branch)",
            unmatched.join(", ")
        );
    }
    let not_selected = all_rules.iter().filter(|r| !selection.selects(r)).count();
    let selects_any = documents
        .iter()
        .any(|d| selection.selects_document(d.meta(), &d.origin().file));
    if selection.is_active() && !selects_any && !documents.is_empty() {
        bail!("--min-level and --rule together select none of the rules; nothing to scan with");
    }
    Ok(not_selected)
}

/// Walk the inputs. An evidence folder is walked with its hidden entries:
/// attackers hide files too. Pipes, sockets and devices met in the walk
/// are skipped (with the reason), not read and not "unreadable".
fn find_inputs(args: &ScanArgs, rules: usize) -> Inputs {
    let mut found = inputs::discover_with(&args.inputs, Walk { hidden: true }, |_| true);
    if let Some(output) = &args.output {
        // `--output` inside a scanned folder: never read our own alerts.
        let output = output.canonicalize().ok();
        found
            .files
            .retain(|f| output.is_none() || f.canonicalize().ok() != output);
    }
    let mut tally = Tally::new(rules);
    let mut first_unreadable_at = None;
    for (error, files_before) in found.errors.into_iter().zip(found.files_before_error) {
        match error {
            OpenError::Skipped { path, reason } => tally.skipped.push((path.to_path_buf(), reason)),
            other => {
                first_unreadable_at.get_or_insert(files_before);
                tally.unreadable.push(other.to_string());
            }
        }
    }
    let files_found = found.files.len();
    let mut files = found.files;
    // `--strict` with a path the walk could not read: scan what sorts
    // before it, then stop there.
    let stop_after_files = match first_unreadable_at {
        Some(files_before) if args.strict => {
            files.truncate(files_before);
            tally.unreadable.first().cloned()
        }
        _ => None,
    };
    Inputs {
        found: files_found,
        files,
        tally,
        stop_after_files,
    }
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
        // A layer counts alerts per technique: it has no alert to nest
        // an event in.
        Some(AlertFormat::Layer) if args.with_event => {
            bail!(
                "--with-event adds nested JSON to each alert: --format layer holds no alerts, only counts"
            )
        }
        // A report is a file to open in a browser, not text to read on
        // a terminal.
        Some(AlertFormat::Html) if args.output.is_none() && io::stdout().is_terminal() => {
            bail!("--format html writes one HTML file: give it with --output FILE")
        }
        Some(format) => format,
        None if args.with_event || args.output.is_some() => AlertFormat::Jsonl,
        None if io::stdout().is_terminal() => AlertFormat::Table,
        None => AlertFormat::Jsonl,
    })
}

/// The alert output, opened.
struct Opened {
    out: BufWriter<Box<dyn Write>>,
    printer: Printer,
    /// `--format html`: where the report goes once the scan ends.
    html: Option<HtmlTarget>,
    /// `--format layer`: where the layer goes once the scan ends.
    layer: Option<LayerTarget>,
}

/// Where alerts go (`--output FILE` or stdout) and how they are written.
/// A table on a terminal takes the terminal's width and colours the
/// level; anywhere else it is [`table::DEFAULT_WIDTH`] wide, plain. The
/// HTML report is written at the end: its alerts go to a spool first.
fn open_output(
    args: &ScanArgs,
    format: AlertFormat,
    placeholders: &Placeholders,
) -> anyhow::Result<Opened> {
    let (sink, terminal): (Box<dyn Write + Send>, bool) = match &args.output {
        Some(path) => (Box::new(create_output(path)?), false),
        None => (Box::new(io::stdout()), io::stdout().is_terminal()),
    };
    if format == AlertFormat::Html {
        let (spool, reader) = HtmlTarget::spool().context("cannot create the report's spool")?;
        let html = HtmlTarget {
            destination: sink,
            spool: reader,
            placeholders: placeholders.clone(),
            builtin: args.rules.is_empty(),
        };
        let spool: Box<dyn Write> = Box::new(spool);
        return Ok(Opened {
            out: BufWriter::with_capacity(256 * 1024, spool),
            printer: Printer::Html,
            html: Some(html),
            layer: None,
        });
    }
    if format == AlertFormat::Layer {
        // The layer counts alerts in their documented JSON lines.
        let (spool, reader) = HtmlTarget::spool().context("cannot create the layer's spool")?;
        let spool: Box<dyn Write> = Box::new(spool);
        return Ok(Opened {
            out: BufWriter::with_capacity(256 * 1024, spool),
            printer: Printer::Jsonl { with_event: false },
            html: None,
            layer: Some(LayerTarget {
                destination: sink,
                spool: reader,
            }),
        });
    }
    let sink: Box<dyn Write> = sink;
    let printer = match format {
        AlertFormat::Html => Printer::Html,
        AlertFormat::Jsonl | AlertFormat::Layer => Printer::Jsonl {
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
    Ok(Opened {
        out: BufWriter::with_capacity(256 * 1024, sink),
        printer,
        html: None,
        layer: None,
    })
}

fn create_output(path: &Path) -> anyhow::Result<File> {
    if path.is_dir() {
        bail!("--output {} is a directory", path.display());
    }
    File::create(path)
        .with_context(|| format!("cannot create --output {}", PathBuf::from(path).display()))
}
