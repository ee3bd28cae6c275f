//! The correlations, once every unit has been read: evaluate what the
//! workers gathered, print the correlation alerts after the per-event
//! ones, and say in the summary what each correlation found and what it
//! could not use.
//!
//! Correlation alerts come last because a window can only be judged once
//! every file has been read: events are not in time order across files.
//! Their order is the engine's (time, then rule, then group), which does
//! not depend on the order of the inputs or the number of threads.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};
use tunnelhunt_correlate::{CorrelationAlert, Report, SourceRef};

use crate::correlations::{Correlations, Gathered, InputFacts, InputNumbers};
use crate::output::correlation::{CorrelationFacts, figure_number, format_nanos};
use crate::output::printer::Printer;
use crate::output::terminal::escape;
use crate::output::{Alert, AlertSource, plural};
use crate::ruleset::document_label;

/// What the correlations found, for the summary.
pub struct Correlated {
    /// Per correlation (plan order): its label and the alerts printed.
    alerts: Vec<(String, u64)>,
    /// Indexed like the plan: whether the correlation is printed.
    printed: Vec<bool>,
    report: Report,
    labels: Vec<String>,
}

impl Correlated {
    /// Alerts printed, over every correlation.
    pub fn alerts_printed(&self) -> u64 {
        self.alerts.iter().map(|(_, n)| n).sum()
    }
}

/// Evaluate `gathered` and write each alert of a printed correlation.
pub fn finish(
    correlations: &Correlations<'_>,
    inputs: &InputNumbers,
    gathered: Gathered,
    printer: &Printer,
    out: &mut impl Write,
) -> io::Result<Correlated> {
    let (found, report, places) = gathered.finish(correlations);
    let labels: Vec<String> = correlations
        .rules
        .iter()
        .map(|c| document_label(&c.meta))
        .collect();
    let mut counts = vec![0u64; correlations.rules.len()];
    for alert in &found {
        if !correlations.printed[alert.correlation] {
            continue;
        }
        counts[alert.correlation] += 1;
        let rule = correlations.rules[alert.correlation];
        let (facts, last) = facts(correlations, inputs, alert, &places);
        printer.write(out, &Alert::correlation(rule, facts, last))?;
    }
    Ok(Correlated {
        alerts: labels.iter().cloned().zip(counts).collect(),
        printed: correlations.printed.clone(),
        report,
        labels,
    })
}

/// The `correlation` object of one alert, and where its last event is.
pub fn facts(
    correlations: &Correlations<'_>,
    inputs: &InputNumbers,
    alert: &CorrelationAlert,
    places: &BTreeMap<u32, InputFacts>,
) -> (CorrelationFacts, AlertSource) {
    let rule = correlations.rules[alert.correlation];
    let locate = |source: &SourceRef| locate(inputs, places, *source);
    let evidence: Vec<AlertSource> = alert.evidence.iter().map(locate).collect();
    let last = alert.evidence.last().map_or_else(
        || AlertSource {
            path: String::new(),
            line: None,
            record_id: None,
            chunk: None,
            packet: None,
            byte_offset: None,
            format: "unknown",
        },
        locate,
    );
    let group: Map<String, Value> = alert
        .group
        .iter()
        .map(|(name, value)| {
            (
                name.clone(),
                value.clone().map_or(Value::Null, Value::String),
            )
        })
        .collect();
    let condition = rule.condition.as_ref().map_or_else(
        || format!("all {} rules", rule.rules.len()),
        ToString::to_string,
    );
    let facts = CorrelationFacts {
        kind: rule.kind.as_str(),
        timespan: rule.timespan_text.value.clone(),
        condition,
        group,
        window_start: format_nanos(alert.window_start),
        window_end: format_nanos(alert.window_end),
        figure: figure_number(alert.figure),
        values: alert.values.clone(),
        evidence,
        evidence_total: alert.evidence_total,
    };
    (facts, last)
}

/// Where the record at `source` is, as an alert names it: a line, or an
/// EVTX `EventRecordID` when its input places records by id.
pub fn locate(
    inputs: &InputNumbers,
    places: &BTreeMap<u32, InputFacts>,
    source: SourceRef,
) -> AlertSource {
    let facts = places.get(&source.input).copied();
    let by_record = facts.is_some_and(|f| f.by_record);
    AlertSource {
        path: inputs
            .path(source)
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        line: (!by_record).then_some(source.position),
        record_id: by_record.then_some(source.position),
        chunk: None,
        packet: None,
        byte_offset: None,
        format: facts.map_or("unknown", |f| f.format.as_str()),
    }
}

/// The summary's `correlations` object (`--summary json`).
#[derive(Serialize)]
pub struct JsonCorrelations {
    evaluated: usize,
    alerts_by_correlation: Vec<JsonCount>,
    /// Matches of their rules that had no usable timestamp.
    events_without_time: Vec<JsonCount>,
    /// Matches whose aggregated field was absent or not a number.
    unusable_values: Vec<JsonCount>,
    /// Correlations that reached a state bound and dropped groups.
    degraded: Vec<JsonDegraded>,
}

#[derive(Serialize)]
struct JsonCount {
    correlation: String,
    count: u64,
}

#[derive(Serialize)]
struct JsonDegraded {
    correlation: String,
    dropped_matches: u64,
    examples: Vec<Vec<Option<String>>>,
}

impl Correlated {
    fn counts(&self, counts: &[(usize, u64)]) -> Vec<JsonCount> {
        counts
            .iter()
            .filter(|(_, count)| *count > 0)
            .map(|&(index, count)| JsonCount {
                correlation: self.labels[index].clone(),
                count,
            })
            .collect()
    }

    pub fn json(&self) -> JsonCorrelations {
        JsonCorrelations {
            evaluated: self.printed.iter().filter(|p| **p).count(),
            alerts_by_correlation: self
                .alerts
                .iter()
                .zip(&self.printed)
                .filter(|(_, printed)| **printed)
                .map(|((label, count), _)| JsonCount {
                    correlation: label.clone(),
                    count: *count,
                })
                .collect(),
            events_without_time: self.counts(&self.report.missing_time),
            unusable_values: self.counts(&self.report.unusable_value),
            degraded: self
                .report
                .degraded
                .iter()
                .map(|d| JsonDegraded {
                    correlation: self.labels[d.correlation].clone(),
                    dropped_matches: d.dropped_matches,
                    examples: d.examples.clone(),
                })
                .collect(),
        }
    }

    /// The summary's correlation lines.
    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        let evaluated = self.printed.iter().filter(|p| **p).count();
        writeln!(
            w,
            "correlations: {} evaluated, {}",
            evaluated,
            plural(
                usize::try_from(self.alerts_printed()).unwrap_or(usize::MAX),
                "alert"
            )
        )?;
        for ((label, count), printed) in self.alerts.iter().zip(&self.printed) {
            if *printed && *count > 0 {
                writeln!(w, "  {count:>8}  {}", escape(label))?;
            }
        }
        for &(index, count) in &self.report.missing_time {
            if count > 0 {
                writeln!(
                    w,
                    "warning: correlation {}: {} without a usable timestamp, not counted",
                    escape(&self.labels[index]),
                    plural(
                        usize::try_from(count).unwrap_or(usize::MAX),
                        "matching event"
                    )
                )?;
            }
        }
        for &(index, count) in &self.report.unusable_value {
            if count > 0 {
                writeln!(
                    w,
                    "warning: correlation {}: {} without a usable value of the aggregated \
                     field, not counted",
                    escape(&self.labels[index]),
                    plural(
                        usize::try_from(count).unwrap_or(usize::MAX),
                        "matching event"
                    )
                )?;
            }
        }
        for degraded in &self.report.degraded {
            writeln!(
                w,
                "warning: correlation {} DEGRADED: {} not evaluated at the state bound \
                 (see docs/correlations.md); its results are incomplete",
                escape(&self.labels[degraded.correlation]),
                plural(
                    usize::try_from(degraded.dropped_matches).unwrap_or(usize::MAX),
                    "matching event"
                )
            )?;
        }
        Ok(())
    }
}
