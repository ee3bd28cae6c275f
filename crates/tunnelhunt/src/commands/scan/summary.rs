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
//! README; field names are a stable interface). The text keeps the top
//! [`SHOWN_TOP`] branches, rules and hosts by alerts; the JSON has them
//! all. In the text, every value that came from a file or a rule (names,
//! messages with their snippets, hosts, titles) is escaped for the
//! terminal ([`crate::output::terminal`]).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tunnelhunt_engine::RuleId;
use tunnelhunt_sources::{Format, SkipReason};

use tunnelhunt_sources::Record;

use super::behaved::{Behaved, JsonBehaviour};
use super::correlated::{Correlated, JsonCorrelations};
use super::select::TimeRange;
use crate::output::plural;
use crate::output::terminal::escape;
use crate::ruleset::{self, CompiledRules, LoadedRules};

/// How many unparseable-record, damage and duplicate-key locations are
/// kept per format.
pub const SHOWN_LOCATIONS: usize = 5;
/// How many skipped files the text summary names per reason.
const SHOWN_SKIPPED: usize = 5;
/// How many branches, rules and hosts the text summary lists by alerts.
pub const SHOWN_TOP: usize = 10;
/// Distinct hosts counted by name; alerts on further hosts are counted
/// together, so a scan of a million-host collection keeps bounded memory.
pub const MAX_HOSTS: usize = 100_000;

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
    /// Records the literal prefilter showed no rule can match, so they
    /// were not parsed or evaluated. `records = events + prefiltered +
    /// unparseable`.
    #[serde(rename = "skipped_by_prefilter")]
    pub prefiltered: u64,
    pub unparseable: u64,
    /// The first unparseable records, as `file:line: what is wrong`.
    pub first_unparseable: Vec<String>,
    /// Damage to a file or an EVTX chunk (not one record).
    pub damaged: u64,
    pub first_damaged: Vec<String>,
    /// Evaluated records that gave a JSON key more than once. Every value
    /// was kept and matched, so this is a warning, not an input error.
    pub duplicate_keys: u64,
    /// The first of them, as `file:line: key 'X' appears N times`.
    pub first_duplicate_keys: Vec<String>,
    pub alerts: u64,
}

impl FormatStats {
    fn merge(&mut self, other: FormatStats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.records += other.records;
        self.events += other.events;
        self.prefiltered += other.prefiltered;
        self.unparseable += other.unparseable;
        self.damaged += other.damaged;
        self.duplicate_keys += other.duplicate_keys;
        self.alerts += other.alerts;
        keep_first(&mut self.first_unparseable, other.first_unparseable);
        keep_first(&mut self.first_damaged, other.first_damaged);
        keep_first(&mut self.first_duplicate_keys, other.first_duplicate_keys);
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
    /// Alerts by the host of their event (a sensor's client when it names none).
    pub hosts: HostCounts,
    /// Alerts left out because their event is outside `--from`/`--to`.
    pub alerts_outside_time_range: u64,
    /// Alerts kept under `--from`/`--to` although their event has no
    /// timestamp (or one that is not a time).
    pub alerts_without_timestamp: u64,
}

/// Alerts per host, bounded by [`MAX_HOSTS`] names.
#[derive(Debug, Default)]
pub struct HostCounts {
    pub by_name: BTreeMap<String, u64>,
    /// Alerts on events that name no host and no client address.
    pub without_host: u64,
    /// Alerts on hosts beyond the first [`MAX_HOSTS`] names.
    pub not_listed: u64,
}

impl HostCounts {
    fn add(&mut self, host: Option<&str>, n: u64) {
        match host {
            None => self.without_host += n,
            Some(host) => {
                if let Some(count) = self.by_name.get_mut(host) {
                    *count += n;
                } else if self.by_name.len() < MAX_HOSTS {
                    self.by_name.insert(host.to_owned(), n);
                } else {
                    self.not_listed += n;
                }
            }
        }
    }

    fn merge(&mut self, other: HostCounts) {
        for (host, n) in other.by_name {
            self.add(Some(&host), n);
        }
        self.without_host += other.without_host;
        self.not_listed += other.not_listed;
    }

    /// Hosts by alerts, most first, then by name.
    fn ranked(&self) -> Vec<(&str, u64)> {
        let mut hosts: Vec<(&str, u64)> =
            self.by_name.iter().map(|(h, &n)| (h.as_str(), n)).collect();
        hosts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        hosts
    }
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

    /// One alert printed: `rule` fired on `record`.
    pub fn count_alert(&mut self, record: &Record, rule: RuleId) {
        self.format(record.origin.format).alerts += 1;
        self.alerts[rule] += 1;
        self.hosts
            .add(crate::output::alert_host(record).as_deref(), 1);
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

    /// A record that gave a key more than once, as `place: what`.
    pub fn duplicate_keys(&mut self, format: Format, message: String) {
        let stats = self.format(format);
        stats.duplicate_keys += 1;
        keep_first(&mut stats.first_duplicate_keys, vec![message]);
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
        self.hosts.merge(other.hosts);
        self.alerts_outside_time_range += other.alerts_outside_time_range;
        self.alerts_without_timestamp += other.alerts_without_timestamp;
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
    /// Rules left out by `--min-level` / `--rule`.
    pub rules_not_selected: usize,
    /// `--from` / `--to`.
    pub time_range: TimeRange,
    /// What the correlations found, when any were evaluated.
    pub correlated: Option<&'a Correlated>,
    /// What the behaviour analytics found, when a rule fed one.
    pub behaved: Option<&'a Behaved>,
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
    alerts_by_branch: Vec<JsonBranchAlerts<'a>>,
    alerts_by_host: Vec<JsonHostAlerts<'a>>,
    /// Alerts on events that name no host.
    alerts_without_host: u64,
    /// Alerts on hosts beyond the first 100,000 names.
    alerts_on_hosts_not_listed: u64,
    time_range: JsonTimeRange,
    #[serde(skip_serializing_if = "Option::is_none")]
    correlations: Option<JsonCorrelations>,
    #[serde(skip_serializing_if = "Option::is_none")]
    behaviour: Option<JsonBehaviour>,
    stopped: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRules {
    compiled: usize,
    files: usize,
    errors: usize,
    /// Left out by `--min-level` / `--rule`.
    not_selected: usize,
}

#[derive(Serialize)]
struct JsonBranchAlerts<'a> {
    branch: Option<&'a str>,
    count: u64,
}

#[derive(Serialize)]
struct JsonHostAlerts<'a> {
    host: &'a str,
    count: u64,
}

#[derive(Serialize)]
struct JsonTimeRange {
    from: Option<String>,
    to: Option<String>,
    alerts_outside: u64,
    alerts_without_timestamp: u64,
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
                // Rule and filter files often sit beside the logs (an
                // evidence folder with its tuning, `examples/`): named as
                // what they are, not as an unknown format.
                SkipReason::Unrecognised { .. } if is_yaml(path) => {
                    (YAML_GROUP.to_owned(), path.display().to_string())
                }
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

    /// Alerts per branch (the rules' `branch`; `None` for rules without
    /// one), most first, then by name.
    fn alerts_by_branch(&self) -> Vec<(Option<&str>, u64)> {
        let mut by_branch: BTreeMap<Option<&str>, u64> = BTreeMap::new();
        for (id, n) in self.alerts_by_rule() {
            let branch = self.compiled.rule(id).meta.custom("branch");
            *by_branch
                .entry(branch.and_then(|b| b.as_str()))
                .or_default() += n;
        }
        let mut ranked: Vec<(Option<&str>, u64)> = by_branch.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }

    pub fn write_json(&self, w: &mut impl Write) -> io::Result<()> {
        let totals = self.tally.totals();
        let summary = JsonSummary {
            rules: JsonRules {
                compiled: self.compiled.rules.len(),
                files: self.loaded.files,
                errors: self.rule_errors,
                not_selected: self.rules_not_selected,
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
            alerts_by_branch: self
                .alerts_by_branch()
                .into_iter()
                .map(|(branch, count)| JsonBranchAlerts { branch, count })
                .collect(),
            alerts_by_host: self
                .tally
                .hosts
                .ranked()
                .into_iter()
                .map(|(host, count)| JsonHostAlerts { host, count })
                .collect(),
            alerts_without_host: self.tally.hosts.without_host,
            alerts_on_hosts_not_listed: self.tally.hosts.not_listed,
            time_range: JsonTimeRange {
                from: self.time_range.from.map(|t| t.to_string()),
                to: self.time_range.to.map(|t| t.to_string()),
                alerts_outside: self.tally.alerts_outside_time_range,
                alerts_without_timestamp: self.tally.alerts_without_timestamp,
            },
            correlations: self.correlated.map(Correlated::json),
            behaviour: self.behaved.map(Behaved::json),
            stopped: self.stopped,
            totals,
        };
        serde_json::to_writer(&mut *w, &summary)?;
        w.write_all(b"\n")
    }

    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        let totals = self.tally.totals();
        writeln!(w, "--- tunnelhunt scan summary ---")?;
        let not_selected = if self.rules_not_selected > 0 {
            format!(
                " ({} not selected by --min-level/--rule)",
                plural(self.rules_not_selected, "rule")
            )
        } else {
            String::new()
        };
        writeln!(
            w,
            "rules: {} compiled from {}{not_selected}",
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
                "  skipped {}, {}: {}{}",
                plural(entries.len(), "file"),
                escape(&reason),
                escape(&entries[..entries.len() - more].join(", ")),
                if more > 0 {
                    format!(", … and {more} more")
                } else {
                    String::new()
                }
            )?;
        }
        for message in &self.tally.unreadable {
            writeln!(w, "  unreadable: {}", escape(message))?;
        }
        for (name, stats) in &self.tally.formats {
            self.write_format(w, name, stats)?;
        }
        // The prefilter term appears once it skipped anything, so a scan
        // without it reads as before.
        let prefiltered = if totals.prefiltered > 0 {
            format!(" + {} skipped by prefilter", totals.prefiltered)
        } else {
            String::new()
        };
        writeln!(
            w,
            "records: {} read = {} evaluated{prefiltered} + {} unparseable",
            totals.records, totals.events, totals.unparseable
        )?;
        if totals.damaged > 0 {
            writeln!(
                w,
                "damage: {} (files, EVTX chunks or auditd events not kept whole)",
                totals.damaged
            )?;
        }
        if totals.duplicate_keys > 0 {
            writeln!(
                w,
                "duplicate keys: {} (every value kept and matched)",
                plural(totals.duplicate_keys as usize, "record")
            )?;
        }
        writeln!(w, "alerts: {}", totals.alerts)?;
        self.write_time_range(w)?;
        self.write_alert_breakdowns(w)?;
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
        if let Some(correlated) = self.correlated {
            correlated.write_text(w)?;
        }
        if let Some(behaved) = self.behaved {
            behaved.write_text(w)?;
        }
        if let Some(stopped) = self.stopped {
            writeln!(
                w,
                "STOPPED (--strict) at the first input error: {}; \
                 later inputs were not scanned",
                escape(stopped)
            )?;
        }
        Ok(())
    }

    fn write_time_range(&self, w: &mut impl Write) -> io::Result<()> {
        if !self.time_range.is_bounded() {
            return Ok(());
        }
        let bound = |t: Option<jiff::Timestamp>| t.map_or("-".to_owned(), |t| t.to_string());
        writeln!(
            w,
            "  time range {} .. {}: {} left out (event outside the range)",
            bound(self.time_range.from),
            bound(self.time_range.to),
            plural(self.tally.alerts_outside_time_range as usize, "alert")
        )?;
        if self.tally.alerts_without_timestamp > 0 {
            writeln!(
                w,
                "  warning: {} kept although their event has no timestamp \
                 (it cannot be placed in the time range)",
                plural(self.tally.alerts_without_timestamp as usize, "alert")
            )?;
        }
        Ok(())
    }

    /// The top branches, rules and hosts by alerts.
    fn write_alert_breakdowns(&self, w: &mut impl Write) -> io::Result<()> {
        let branches = self.alerts_by_branch();
        if !branches.is_empty() {
            writeln!(w, "  by branch:")?;
        }
        for (branch, n) in branches.iter().take(SHOWN_TOP) {
            writeln!(w, "  {n:>6}  {}", escape(branch.unwrap_or("(no branch)")))?;
        }
        more(w, branches.len(), "branch")?;
        let rules = self.alerts_by_rule();
        if !rules.is_empty() {
            writeln!(w, "  by rule:")?;
        }
        for &(id, n) in rules.iter().take(SHOWN_TOP) {
            let rule = self.compiled.rule(id);
            writeln!(
                w,
                "  {n:>6}  {:<13} {}",
                rule.meta.level.map_or("-", |l| l.as_str()),
                escape(&ruleset::rule_label(rule))
            )?;
        }
        more(w, rules.len(), "rule")?;
        let hosts = self.tally.hosts.ranked();
        if !hosts.is_empty() || self.tally.hosts.without_host > 0 {
            writeln!(w, "  by host:")?;
        }
        for (host, n) in hosts.iter().take(SHOWN_TOP) {
            writeln!(w, "  {n:>6}  {}", escape(host))?;
        }
        more(w, hosts.len(), "host")?;
        if self.tally.hosts.not_listed > 0 {
            writeln!(
                w,
                "  {:>6}  (hosts beyond the first {MAX_HOSTS})",
                self.tally.hosts.not_listed
            )?;
        }
        if self.tally.hosts.without_host > 0 {
            writeln!(w, "  {:>6}  (no host)", self.tally.hosts.without_host)?;
        }
        Ok(())
    }

    fn write_format(&self, w: &mut impl Write, name: &str, s: &FormatStats) -> io::Result<()> {
        let damage = if s.damaged > 0 {
            format!(", {} damaged", s.damaged)
        } else {
            String::new()
        };
        let prefiltered = if s.prefiltered > 0 {
            format!(" + {} skipped by prefilter", s.prefiltered)
        } else {
            String::new()
        };
        let duplicates = if s.duplicate_keys > 0 {
            format!(", {} with duplicate keys", s.duplicate_keys)
        } else {
            String::new()
        };
        writeln!(
            w,
            "  {name}: {}, {} bytes; {} read = {} evaluated{prefiltered} + {} unparseable{damage}{duplicates}; {}",
            plural(s.files as usize, "file"),
            s.bytes,
            s.records,
            s.events,
            s.unparseable,
            plural(s.alerts as usize, "alert")
        )?;
        for message in &s.first_unparseable {
            writeln!(w, "    unparseable: {}", escape(message))?;
        }
        if s.unparseable > s.first_unparseable.len() as u64 {
            writeln!(
                w,
                "    … and {} more unparseable {name} records",
                s.unparseable - s.first_unparseable.len() as u64
            )?;
        }
        for message in &s.first_damaged {
            writeln!(w, "    damaged: {}", escape(message))?;
        }
        if s.damaged > s.first_damaged.len() as u64 {
            writeln!(
                w,
                "    … and {} more damage reports",
                s.damaged - s.first_damaged.len() as u64
            )?;
        }
        for message in &s.first_duplicate_keys {
            writeln!(w, "    duplicate keys: {}", escape(message))?;
        }
        if s.duplicate_keys > s.first_duplicate_keys.len() as u64 {
            writeln!(
                w,
                "    … and {} more {name} records with duplicate keys",
                s.duplicate_keys - s.first_duplicate_keys.len() as u64
            )?;
        }
        Ok(())
    }
}

/// The skip group of YAML files that are not logs.
pub const YAML_GROUP: &str = "YAML (Sigma rules, filters or configuration), not a log";

fn is_yaml(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// `    … and 3 more branches` after a list cut at [`SHOWN_TOP`].
fn more(w: &mut impl Write, listed: usize, what: &str) -> io::Result<()> {
    if listed > SHOWN_TOP {
        let rest = listed - SHOWN_TOP;
        let what = match (rest, what) {
            (1, _) => what.to_owned(),
            (_, "branch") => "branches".to_owned(),
            _ => format!("{what}s"),
        };
        writeln!(
            w,
            "          … and {rest} more {what} (all in --summary json)"
        )?;
    }
    Ok(())
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
