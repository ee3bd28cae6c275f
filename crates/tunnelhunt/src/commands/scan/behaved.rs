//! The behaviour analytics, once every unit has been read: score what the
//! workers observed, print the behaviour alerts after the correlation
//! ones, and say in the summary what each analytic found and what it
//! could not use.
//!
//! Like a correlation, a beacon or a DNS channel can only be judged once
//! every file is read (rows are not in time order, across files or even
//! within a Zeek log). The alerts' order is the crate's (analytic, first
//! time, key), which does not depend on the inputs' order or `--threads`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use tunnelhunt_behaviour::{Analytic, Collector, Report};

use super::correlated::locate;
use crate::behaviour::Behaviours;
use crate::correlations::{InputFacts, InputNumbers};
use crate::output::behaviour::BehaviourFacts;
use crate::output::printer::Printer;
use crate::output::terminal::escape;
use crate::output::{Alert, plural};
use crate::ruleset::document_label;

/// What the analytics found, for the summary.
pub struct Behaved {
    /// Per analytic fed: the label of the rule naming it, and the alerts.
    alerts: Vec<(Analytic, String, u64)>,
    report: Report,
}

impl Behaved {
    /// Alerts printed, over every analytic.
    pub fn alerts_printed(&self) -> u64 {
        self.alerts.iter().map(|(_, _, n)| n).sum()
    }
}

/// Score `observed` and write each alert.
pub fn finish(
    behaviours: &Behaviours<'_>,
    inputs: &InputNumbers,
    observed: Option<Collector>,
    places: &BTreeMap<u32, InputFacts>,
    printer: &Printer,
    out: &mut impl Write,
) -> io::Result<Behaved> {
    let (found, report) = observed.unwrap_or_default().finish();
    let mut alerts: Vec<(Analytic, String, u64)> = behaviours
        .named_by
        .iter()
        .map(|(analytic, rule)| (*analytic, document_label(&rule.meta), 0))
        .collect();
    for alert in &found {
        let Some(rule) = behaviours.rule_of(alert.analytic) else {
            continue;
        };
        let Some(&first) = alert.evidence.first() else {
            continue;
        };
        let evidence = alert
            .evidence
            .iter()
            .map(|source| locate(inputs, places, *source))
            .collect();
        let facts = BehaviourFacts::new(alert, evidence);
        let first = locate(inputs, places, first);
        printer.write(out, &Alert::behaviour(&rule.meta, facts, first))?;
        if let Some(count) = alerts.iter_mut().find(|(a, _, _)| *a == alert.analytic) {
            count.2 += 1;
        }
    }
    Ok(Behaved { alerts, report })
}

/// The summary's `behaviour` object (`--summary json`).
#[derive(Serialize)]
pub struct JsonBehaviour {
    alerts_by_analytic: Vec<JsonCount>,
    /// Observations without a usable timestamp.
    events_without_time: Vec<JsonCount>,
    /// Keys and observations dropped at a state bound.
    dropped_at_bound: Vec<JsonCount>,
}

#[derive(Serialize)]
struct JsonCount {
    analytic: &'static str,
    rule: Option<String>,
    count: u64,
}

impl Behaved {
    fn label(&self, analytic: Analytic) -> Option<String> {
        self.alerts
            .iter()
            .find(|(a, _, _)| *a == analytic)
            .map(|(_, label, _)| label.clone())
    }

    fn counts(&self, counts: &[(Analytic, u64)]) -> Vec<JsonCount> {
        counts
            .iter()
            .map(|&(analytic, count)| JsonCount {
                analytic: analytic.as_str(),
                rule: self.label(analytic),
                count,
            })
            .collect()
    }

    pub fn json(&self) -> JsonBehaviour {
        JsonBehaviour {
            alerts_by_analytic: self
                .alerts
                .iter()
                .map(|(analytic, label, count)| JsonCount {
                    analytic: analytic.as_str(),
                    rule: Some(label.clone()),
                    count: *count,
                })
                .collect(),
            events_without_time: self.counts(&self.report.missing_time),
            dropped_at_bound: self.counts(&self.report.dropped),
        }
    }

    /// The summary's behaviour lines.
    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        writeln!(
            w,
            "behaviour analytics: {} evaluated, {}",
            self.alerts.len(),
            plural(
                usize::try_from(self.alerts_printed()).unwrap_or(usize::MAX),
                "alert"
            )
        )?;
        for (analytic, label, count) in &self.alerts {
            if *count > 0 {
                writeln!(w, "  {count:>8}  {analytic}: {}", escape(label))?;
            }
        }
        for &(analytic, count) in &self.report.missing_time {
            writeln!(
                w,
                "warning: behaviour {analytic}: {} without a usable timestamp, not counted",
                plural(usize::try_from(count).unwrap_or(usize::MAX), "event")
            )?;
        }
        for &(analytic, count) in &self.report.dropped {
            writeln!(
                w,
                "warning: behaviour {analytic} reached a state bound: {} left out \
                 (the earliest are kept; see docs/behaviour.md)",
                plural(
                    usize::try_from(count).unwrap_or(usize::MAX),
                    "key or observation"
                )
            )?;
        }
        Ok(())
    }
}
