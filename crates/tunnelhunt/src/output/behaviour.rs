//! Behaviour alerts in the alert schema.
//!
//! A behaviour alert (a beacon, a long-lived connection, a DNS channel:
//! `tunnelhunt-behaviour`) is an [`Alert`] like any other — the facts of
//! the pack rule that feeds the analytic, the usual columns filled from
//! what the analytic grouped by (host, process, destination) — whose
//! `behaviour` object carries the `score` and its evidence: the figures
//! the score was computed from, first and last time, sample names and
//! where the contributing records are.

use serde::Serialize;
use serde_json::{Map, Number, Value};
use tunnelhunt_behaviour::BehaviourAlert;
use tunnelhunt_sigma::ast::Metadata;

use super::correlation::{figure_number, format_nanos};
use super::{Alert, AlertSource, Destination};

/// The `behaviour` object of a behaviour alert.
#[derive(Debug, Serialize)]
pub struct BehaviourFacts {
    /// `beacon`, `long_connection`, `dns_volume`.
    pub analytic: &'static str,
    /// In [0, 1] (see `docs/behaviour.md` for each analytic's formula and
    /// threshold).
    pub score: Number,
    /// What the analytic grouped by: `host`, `process`, `destination`,
    /// `port`, or `client`, `domain`.
    pub key: Map<String, Value>,
    pub first: String,
    pub last: String,
    /// The figures the score is made of, by name.
    pub figures: Map<String, Value>,
    /// The earliest distinct names (DNS).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<String>,
    /// Where the contributing events are, up to the cap…
    pub evidence: Vec<AlertSource>,
    /// …and how many there were.
    pub evidence_total: u64,
}

impl BehaviourFacts {
    pub fn new(alert: &BehaviourAlert, evidence: Vec<AlertSource>) -> BehaviourFacts {
        BehaviourFacts {
            analytic: alert.analytic.as_str(),
            score: figure_number(alert.score),
            key: alert
                .key
                .iter()
                .map(|(name, value)| ((*name).to_owned(), Value::String(value.clone())))
                .collect(),
            first: format_nanos(alert.first),
            last: format_nanos(alert.last),
            figures: alert
                .figures
                .iter()
                .map(|f| (f.name.to_owned(), Value::Number(figure_number(f.value))))
                .collect(),
            samples: alert.samples.clone(),
            evidence,
            evidence_total: alert.evidence_total,
        }
    }

    fn key_text(&self, name: &str) -> Option<String> {
        self.key
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// One line for the table's COMMAND LINE column.
    pub fn summary(&self) -> String {
        let figures: Vec<String> = self
            .figures
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let mut line = format!(
            "{} score {} over {} events: {}",
            self.analytic,
            self.score,
            self.evidence_total,
            figures.join(" ")
        );
        if let Some(domain) = self.key_text("domain") {
            line.push_str(&format!(", domain={domain}"));
        }
        if let Some(sample) = self.samples.first() {
            line.push_str(&format!(", e.g. {sample}"));
        }
        line
    }
}

impl<'a> Alert<'a> {
    /// The alert of the analytic fed by rule `meta`, dated at the first
    /// contributing event, located at it.
    pub fn behaviour(meta: &'a Metadata, facts: BehaviourFacts, first: AlertSource) -> Alert<'a> {
        let destination = Destination {
            hostname: None,
            ip: facts.key_text("destination"),
            port: facts.key_text("port").and_then(|p| p.parse().ok()),
        };
        Alert {
            timestamp: Some(facts.first.clone()),
            computer: facts.key_text("host").or_else(|| facts.key_text("client")),
            image: facts.key_text("process"),
            query: facts.samples.first().cloned(),
            destination,
            behaviour: Some(facts),
            ..Alert::of_rule(meta, first)
        }
    }
}
