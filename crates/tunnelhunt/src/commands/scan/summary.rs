//! What a scan counted, and the summary printed from it.
//!
//! Each unit of work fills its own [`Tally`]; the consumer merges them in
//! input order, so the "first few" locations kept per format are the first
//! in input order whatever the number of threads. Counts are per format
//! because that is where a responder looks when numbers are off ("why did
//! the auditd logs give no events?"), and each format keeps the invariant
//! `records read = events evaluated + unparseable` visible on its own line.
//! Damage to an EVTX file or chunk is not one record and is counted apart.
//!
//! The same [`Report`] renders as text for people and, with
//! `--summary json`, as one JSON object for programs (schema in the
//! README; field names are a stable interface).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tunnelhunt_engine::RuleId;
use tunnelhunt_sources::{Format, SkipReason};

use crate::output::plural;
use crate::ruleset::{self, CompiledRules, LoadedRules};

/// How many unparseable-record and damage locations are kept per format.
pub const SHOWN_LOCATIONS: usize = 5;
/// How many skipped files the text summary names per reason.
const SHOWN_SKIPPED: usize = 5;

/// Counts for one input format.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FormatStats {
    pub files: u64,
    /// Size on disk of the files read (compressed size for gzip).
    pub bytes: u64,
    #[serde(rename = "records_read")]
    pub records: u64,
    #[serde(rename = "events_evaluated")]
    pub events: u64,
    pub unparseable: u64,
    /// The first unparseable records, as `file:line: what is wrong`.
    pub first_unparseable: Vec<String>,
    /// Damage to a file or an EVTX chunk (not one record).
    pub damaged: u64,
    pub first_damaged: Vec<String>,
    pub alerts: u64,
}

impl FormatStats {
    fn merge(&mut self, other: FormatStats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.records += other.records;
        self.events += other.events;
        self.unparseable += other.unparseable;
        self.damaged += other.damaged;
        self.alerts += other.alerts;
        keep_first(&mut self.first_unparseable, other.first_unparseable);
        keep_first(&mut self.first_damaged, other.first_damaged);
    }
}

fn keep_first(into: &mut Vec<String>, more: Vec<String>) {
    let room = SHOWN_LOCATIONS.saturating_sub(into.len());
    into.extend(more.into_iter().take(room));
}

/// Everything counted by one unit of work, or by the whole scan.
#[derive(Debug, Default)]
pub struct Tally {
    /// By format name, so the summary lists formats in a stable order.
    pub formats: BTreeMap<&'static str, FormatStats>,
    pub skipped: Vec<(PathBuf, SkipReason)>,
    /// Files (or paths) that could not be read, or failed while read.
    pub unreadable: Vec<String>,
    /// Alerts by [`RuleId`].
    pub alerts: Vec<u64>,
}

impl Tally {
    pub fn new(rules: usize) -> Tally {
        Tally {
            alerts: vec![0; rules],
            ..Tally::default()
        }
    }

    pub fn format(&mut self, format: Format) -> &mut FormatStats {
        self.formats.entry(format.as_str()).or_default()
    }

    pub fn file_read(&mut self, format: Format, bytes: u64) {
        let stats = self.format(format);
        stats.files += 1;
        stats.bytes += bytes;
    }

    pub fn count_alert(&mut self, format: Format, rule: RuleId) {
        self.format(format).alerts += 1;
        self.alerts[rule] += 1;
    }

    pub fn unparseable(&mut self, format: Format, message: String) {
        let stats = self.format(format);
        stats.records += 1;
        stats.unparseable += 1;
        keep_first(&mut stats.first_unparseable, vec![message]);
    }

    pub fn damaged(&mut self, format: Format, message: String) {
        let stats = self.format(format);
        stats.damaged += 1;
        keep_first(&mut stats.first_damaged, vec![message]);
    }

    /// Add `other`, which comes after everything merged so far.
    pub fn merge(&mut self, other: Tally) {
        for (name, stats) in other.formats {
            self.formats.entry(name).or_default().merge(stats);
        }
        self.skipped.extend(other.skipped);
        self.unreadable.extend(other.unreadable);
        if self.alerts.len() < other.alerts.len() {
            self.alerts.resize(other.alerts.len(), 0);
        }
        for (total, n) in self.alerts.iter_mut().zip(other.alerts) {
            *total += n;
        }
    }

    /// The sum over formats.
    pub fn totals(&self) -> FormatStats {
        let mut total = FormatStats::default();
        for stats in self.formats.values() {
            total.merge(stats.clone());
        }
        total
    }

    /// Whether any input could not be read, in whole or in part.
    pub fn has_input_errors(&self) -> bool {
        !self.unreadable.is_empty()
            || self
                .formats
                .values()
                .any(|s| s.unparseable > 0 || s.damaged > 0)
    }
}

/// Everything the summary shows.
pub struct Report<'a> {
    pub tally: &'a Tally,
    pub files_found: usize,
    pub compiled: &'a CompiledRules<'a>,
    pub loaded: &'a LoadedRules,
    pub rule_errors: usize,
    pub threads: usize,
    /// The whole command, rule loading included.
    pub elapsed: Duration,
    /// Reading the inputs (what the throughput is measured over).
    pub scanning: Duration,
    /// `--strict`: the input error the scan stopped at.
    pub stopped: Option<&'a str>,
}

/// The summary as one JSON object (`--summary json`).
#[derive(Serialize)]
struct JsonSummary<'a> {
    rules: JsonRules,
    threads: usize,
    elapsed_seconds: f64,
    scan_seconds: f64,
    throughput: Throughput,
    files: JsonFiles,
    formats: &'a BTreeMap<&'static str, FormatStats>,
    totals: FormatStats,
    skipped: Vec<JsonSkipGroup>,
    unreadable: &'a [String],
    alerts_by_rule: Vec<JsonRuleAlerts<'a>>,
    correlations_not_evaluated: Vec<String>,
    stopped: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRules {
    compiled: usize,
    files: usize,
    errors: usize,
}

#[derive(Serialize)]
struct Throughput {
    bytes: u64,
    mb_per_second: f64,
    events_per_second: f64,
}

#[derive(Serialize)]
struct JsonFiles {
    found: usize,
    read: u64,
    skipped: usize,
    unreadable: usize,
}

#[derive(Serialize)]
struct JsonSkipGroup {
    reason: String,
    count: usize,
    files: Vec<String>,
}

#[derive(Serialize)]
struct JsonRuleAlerts<'a> {
    rule_id: Option<&'a str>,
    title: &'a str,
    level: Option<&'static str>,
    count: u64,
}

impl Report<'_> {
    fn throughput(&self, totals: &FormatStats) -> Throughput {
        let seconds = self.scanning.as_secs_f64().max(1e-9);
        Throughput {
            bytes: totals.bytes,
            mb_per_second: round2(totals.bytes as f64 / 1e6 / seconds),
            events_per_second: round2(totals.events as f64 / seconds),
        }
    }

    /// Skipped files grouped by reason (a triage folder can hold thousands
    /// of files in a format not read), each as `path` or `path (detail)`.
    fn skipped_groups(&self) -> BTreeMap<String, Vec<String>> {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, reason) in &self.tally.skipped {
            let (group, entry) = match reason {
                SkipReason::Unrecognised { hint } => (
                    "unrecognised format".to_owned(),
                    format!("{} ({hint})", path.display()),
                ),
                other => (other.to_string(), path.display().to_string()),
            };
            groups.entry(group).or_default().push(entry);
        }
        groups
    }

    /// Rules that fired, most alerts first.
    fn alerts_by_rule(&self) -> Vec<(RuleId, u64)> {
        let mut by_rule: Vec<(RuleId, u64)> = self
            .tally
            .alerts
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .collect();
        by_rule.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        by_rule
    }

    fn correlations(&self) -> Vec<String> {
        self.loaded
            .collection
            .correlations()
            .map(|c| match &c.meta.id {
                Some(id) => format!("\"{}\" ({})", c.meta.title.value, id.value),
                None => format!("\"{}\"", c.meta.title.value),
            })
            .collect()
    }

    pub fn write_json(&self, w: &mut impl Write) -> io::Result<()> {
        let totals = self.tally.totals();
        let summary = JsonSummary {
            rules: JsonRules {
                compiled: self.compiled.rules.len(),
                files: self.loaded.files,
                errors: self.rule_errors,
            },
            threads: self.threads,
            elapsed_seconds: self.elapsed.as_secs_f64(),
            scan_seconds: self.scanning.as_secs_f64(),
            throughput: self.throughput(&totals),
            files: JsonFiles {
                found: self.files_found,
                read: totals.files,
                skipped: self.tally.skipped.len(),
                unreadable: self.tally.unreadable.len(),
            },
            formats: &self.tally.formats,
            skipped: self
                .skipped_groups()
                .into_iter()
                .map(|(reason, files)| JsonSkipGroup {
                    reason,
                    count: files.len(),
                    files,
                })
                .collect(),
            unreadable: &self.tally.unreadable,
            alerts_by_rule: self
                .alerts_by_rule()
                .into_iter()
                .map(|(id, count)| {
                    let meta = &self.compiled.rule(id).meta;
                    JsonRuleAlerts {
                        rule_id: meta.id.as_ref().map(|id| id.value.as_str()),
                        title: &meta.title.value,
                        level: meta.level.map(|l| l.as_str()),
                        count,
                    }
                })
                .collect(),
            correlations_not_evaluated: self.correlations(),
            stopped: self.stopped,
            totals,
        };
        serde_json::to_writer(&mut *w, &summary)?;
        w.write_all(b"\n")
    }

    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        let totals = self.tally.totals();
        writeln!(w, "--- tunnelhunt scan summary ---")?;
        writeln!(
            w,
            "rules: {} compiled from {}",
            plural(self.compiled.rules.len(), "rule"),
            plural(self.loaded.files, "file")
        )?;
        writeln!(
            w,
            "inputs: {} found, {} read, {} skipped, {} unreadable",
            plural(self.files_found, "file"),
            totals.files,
            self.tally.skipped.len(),
            self.tally.unreadable.len()
        )?;
        for (reason, entries) in self.skipped_groups() {
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
        for message in &self.tally.unreadable {
            writeln!(w, "  unreadable: {message}")?;
        }
        for (name, stats) in &self.tally.formats {
            self.write_format(w, name, stats)?;
        }
        writeln!(
            w,
            "records: {} read = {} evaluated + {} unparseable",
            totals.records, totals.events, totals.unparseable
        )?;
        if totals.damaged > 0 {
            writeln!(w, "damage: {} (files or EVTX chunks)", totals.damaged)?;
        }
        writeln!(w, "alerts: {}", totals.alerts)?;
        for (id, n) in self.alerts_by_rule() {
            let rule = self.compiled.rule(id);
            writeln!(
                w,
                "  {n:>6}  {:<13} {}",
                rule.meta.level.map_or("-", |l| l.as_str()),
                ruleset::rule_label(rule)
            )?;
        }
        let throughput = self.throughput(&totals);
        writeln!(
            w,
            "time: {:.2} s ({:.2} s reading inputs on {}: {:.1} MB/s, {:.0} events/s)",
            self.elapsed.as_secs_f64(),
            self.scanning.as_secs_f64(),
            plural(self.threads, "thread"),
            throughput.mb_per_second,
            throughput.events_per_second
        )?;
        let correlations = self.correlations();
        if !correlations.is_empty() {
            writeln!(
                w,
                "warning: {} loaded but NOT evaluated (correlation rules are not \
                 evaluated yet; their base rules still alert on their own): {}",
                plural(correlations.len(), "correlation rule"),
                correlations.join(", ")
            )?;
        }
        if let Some(stopped) = self.stopped {
            writeln!(
                w,
                "STOPPED (--strict) at the first input error: {stopped}; \
                 later inputs were not scanned"
            )?;
        }
        Ok(())
    }

    fn write_format(&self, w: &mut impl Write, name: &str, s: &FormatStats) -> io::Result<()> {
        let damage = if s.damaged > 0 {
            format!(", {} damaged", s.damaged)
        } else {
            String::new()
        };
        writeln!(
            w,
            "  {name}: {}, {} bytes; {} read = {} evaluated + {} unparseable{damage}; {}",
            plural(s.files as usize, "file"),
            s.bytes,
            s.records,
            s.events,
            s.unparseable,
            plural(s.alerts as usize, "alert")
        )?;
        for message in &s.first_unparseable {
            writeln!(w, "    unparseable: {message}")?;
        }
        if s.unparseable > s.first_unparseable.len() as u64 {
            writeln!(
                w,
                "    … and {} more unparseable {name} records",
                s.unparseable - s.first_unparseable.len() as u64
            )?;
        }
        for message in &s.first_damaged {
            writeln!(w, "    damaged: {message}")?;
        }
        if s.damaged > s.first_damaged.len() as u64 {
            writeln!(
                w,
                "    … and {} more damage reports",
                s.damaged - s.first_damaged.len() as u64
            )?;
        }
        Ok(())
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_the_first_locations_in_order() {
        let mut total = Tally::new(2);
        for unit in 0..4 {
            let mut tally = Tally::new(2);
            tally.file_read(Format::EvtxJson, 10);
            for record in 0..3 {
                tally.unparseable(Format::EvtxJson, format!("u{unit}r{record}"));
            }
            tally.format(Format::EvtxJson).records += 2;
            tally.format(Format::EvtxJson).events += 2;
            tally.count_alert(Format::EvtxJson, 1);
            total.merge(tally);
        }
        let s = &total.formats["evtx-json"];
        assert_eq!((s.files, s.bytes, s.records, s.events), (4, 40, 20, 8));
        assert_eq!(s.records, s.events + s.unparseable);
        assert_eq!(
            s.first_unparseable,
            ["u0r0", "u0r1", "u0r2", "u1r0", "u1r1"]
        );
        assert_eq!(total.alerts, [0, 4]);
        assert!(total.has_input_errors());
    }
}
