//! `tunnelhunt scan`: run the rules over log files and print alerts.
//!
//! Alerts go to stdout, one JSON object per line, in input order (files in
//! path order, records in file order, rules in load order), so the same
//! input always gives the same output. Everything else — rule problems,
//! skipped files, unparseable records, the summary — goes to stderr, so
//! stdout stays machine-readable. Every record is accounted for:
//! records read = events evaluated + unparseable; damage to a file or to
//! an EVTX chunk, which is not one record, is reported on its own.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::bail;
use tunnelhunt_engine::RuleId;
use tunnelhunt_sources::{OpenError, SkipReason, inputs};

use crate::cli::ScanArgs;
use crate::commands::{Outcome, require_existing};
use crate::output::{Alert, plural, write_json_line};
use crate::placeholders;
use crate::ruleset::{self, CompiledRules};

/// How many unparseable-record locations the summary shows.
const SHOWN_ERRORS: usize = 10;
/// How many skipped files the summary names per reason.
const SHOWN_SKIPPED: usize = 5;

#[derive(Debug, Default)]
struct Stats {
    files_found: usize,
    files_read: usize,
    skipped: Vec<(PathBuf, SkipReason)>,
    /// Files that could not be opened or failed while being read.
    unreadable: Vec<String>,
    /// Damage to a file or a chunk (EVTX) that is not one record: each is
    /// reported, none is counted as a record.
    damage: Vec<String>,
    records: u64,
    events: u64,
    unparseable: u64,
    first_unparseable: Vec<String>,
    alerts: Vec<u64>,
}

pub fn run(args: &ScanArgs) -> anyhow::Result<Outcome> {
    require_existing("rule path", &args.rules)?;
    require_existing("input", &args.inputs)?;
    let placeholders = placeholders::load(args.placeholders.placeholders.as_deref())?;
    let loaded = ruleset::load(&args.rules);
    let compiled = ruleset::compile(&loaded, &placeholders);
    let rule_errors = report_rule_problems(&compiled);
    let Some(matcher) = &compiled.matcher else {
        eprintln!("tunnelhunt: the rule set could not be compiled; nothing was scanned");
        return Ok(Outcome::RuleErrors);
    };
    if compiled.rules.is_empty() {
        if rule_errors {
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

    let found = inputs::discover(&args.inputs, |_| true);
    let mut stats = Stats {
        files_found: found.files.len(),
        unreadable: found.errors.iter().map(ToString::to_string).collect(),
        alerts: vec![0; compiled.rules.len()],
        ..Stats::default()
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let mut scratch = matcher.scratch();
    let mut hits: Vec<RuleId> = Vec::new();
    'files: for file in &found.files {
        let reader = match tunnelhunt_sources::open(file) {
            Ok(reader) => reader,
            Err(OpenError::Skipped { path, reason }) => {
                stats.skipped.push((path.to_path_buf(), reason));
                continue;
            }
            Err(e) => {
                stats.unreadable.push(e.to_string());
                continue;
            }
        };
        stats.files_read += 1;
        for item in reader {
            let record = match item {
                Ok(record) => record,
                Err(e) if e.is_fatal() => {
                    stats.unreadable.push(e.to_string());
                    continue;
                }
                Err(e) if !e.is_record() => {
                    stats.damage.push(e.to_string());
                    continue;
                }
                Err(e) => {
                    stats.records += 1;
                    stats.unparseable += 1;
                    if stats.first_unparseable.len() < SHOWN_ERRORS {
                        stats.first_unparseable.push(e.to_string());
                    }
                    continue;
                }
            };
            stats.records += 1;
            stats.events += 1;
            hits.clear();
            matcher.matches(&record.event, &mut scratch, &mut hits);
            hits.sort_unstable();
            hits.dedup();
            for &id in &hits {
                stats.alerts[id] += 1;
                let alert = Alert::new(&compiled.rule(id).meta, &record);
                match write_json_line(&mut out, &alert) {
                    Ok(()) => {}
                    // The reader of our output went away (`| head`): stop quietly.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break 'files,
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    print_summary(&stats, &compiled, &loaded);

    let input_errors =
        stats.unparseable > 0 || !stats.unreadable.is_empty() || !stats.damage.is_empty();
    Ok(if input_errors {
        Outcome::InputErrors
    } else if rule_errors {
        Outcome::RuleErrors
    } else {
        Outcome::Success
    })
}

/// Print rule errors in full and warnings as a count. Returns whether any
/// rule was left out because of an error.
fn report_rule_problems(compiled: &CompiledRules<'_>) -> bool {
    let mut errors = 0;
    let mut warnings = 0;
    for problem in &compiled.problems {
        if problem.is_error() {
            errors += 1;
            eprintln!("{problem}");
        } else {
            warnings += 1;
        }
    }
    if errors > 0 {
        eprintln!(
            "tunnelhunt: {} in the rules; the affected rules are left out of this scan",
            plural(errors, "error")
        );
    }
    if warnings > 0 {
        eprintln!(
            "tunnelhunt: {} in the rules (run `tunnelhunt rules check` to see them)",
            plural(warnings, "warning")
        );
    }
    errors > 0
}

fn print_summary(stats: &Stats, compiled: &CompiledRules<'_>, loaded: &ruleset::LoadedRules) {
    let mut err = io::stderr().lock();
    // Best effort: a closed stderr is no reason to fail the scan.
    let _ = write_summary(&mut err, stats, compiled, loaded);
}

fn write_summary(
    w: &mut impl Write,
    stats: &Stats,
    compiled: &CompiledRules<'_>,
    loaded: &ruleset::LoadedRules,
) -> io::Result<()> {
    writeln!(w, "--- tunnelhunt scan summary ---")?;
    writeln!(
        w,
        "rules: {} compiled from {}",
        plural(compiled.rules.len(), "rule"),
        plural(loaded.files, "file")
    )?;
    writeln!(
        w,
        "inputs: {} found, {} read, {} skipped, {} unreadable",
        plural(stats.files_found, "file"),
        stats.files_read,
        stats.skipped.len(),
        stats.unreadable.len()
    )?;
    // Grouped by reason: a triage folder can hold thousands of files of a
    // format not read yet.
    let mut by_reason: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, reason) in &stats.skipped {
        let (group, entry) = match reason {
            SkipReason::Unrecognised { hint } => (
                "unrecognised format".to_owned(),
                format!("{} ({hint})", path.display()),
            ),
            other => (other.to_string(), path.display().to_string()),
        };
        by_reason.entry(group).or_default().push(entry);
    }
    for (reason, entries) in by_reason {
        let more = entries.len().saturating_sub(SHOWN_SKIPPED);
        writeln!(
            w,
            "  skipped {}, {reason}: {}{}",
            plural(entries.len(), "file"),
            entries[..entries.len() - more].join(", "),
            if more > 0 {
                format!(", … and {more} more")
            } else {
                String::new()
            }
        )?;
    }
    for message in &stats.unreadable {
        writeln!(w, "  unreadable: {message}")?;
    }
    for message in stats.damage.iter().take(SHOWN_ERRORS) {
        writeln!(w, "  damaged: {message}")?;
    }
    if stats.damage.len() > SHOWN_ERRORS {
        writeln!(
            w,
            "  … and {} more damage reports",
            stats.damage.len() - SHOWN_ERRORS
        )?;
    }
    writeln!(
        w,
        "records: {} read = {} evaluated + {} unparseable",
        stats.records, stats.events, stats.unparseable
    )?;
    for message in &stats.first_unparseable {
        writeln!(w, "  unparseable: {message}")?;
    }
    if stats.unparseable > stats.first_unparseable.len() as u64 {
        writeln!(
            w,
            "  … and {} more unparseable records",
            stats.unparseable - stats.first_unparseable.len() as u64
        )?;
    }
    let total: u64 = stats.alerts.iter().sum();
    writeln!(w, "alerts: {total}")?;
    let mut by_rule: Vec<(RuleId, u64)> = stats
        .alerts
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, n)| n > 0)
        .collect();
    by_rule.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (id, n) in by_rule {
        let rule = compiled.rule(id);
        writeln!(
            w,
            "  {n:>6}  {:<13} {}",
            rule.meta.level.map_or("-", |l| l.as_str()),
            ruleset::rule_label(rule)
        )?;
    }
    let correlations: Vec<String> = loaded
        .collection
        .correlations()
        .map(|c| match &c.meta.id {
            Some(id) => format!("\"{}\" ({})", c.meta.title.value, id.value),
            None => format!("\"{}\"", c.meta.title.value),
        })
        .collect();
    if !correlations.is_empty() {
        writeln!(
            w,
            "warning: {} loaded but NOT evaluated (correlation rules are not \
             evaluated yet; their base rules still alert on their own): {}",
            plural(correlations.len(), "correlation rule"),
            correlations.join(", ")
        )?;
    }
    Ok(())
}
