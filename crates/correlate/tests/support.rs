//! Building plans from YAML and streams from compact descriptions.

use std::collections::BTreeMap;
use std::path::Path;

use tunnelhunt_correlate::{
    Collector, CorrelationAlert, Limits, Observation, Plan, Reference, Report, RuleKey, SourceRef,
};
use tunnelhunt_sigma::ast::{Correlation, Document};
use tunnelhunt_sigma::load::parse_rule_file;

pub const SECOND: i64 = 1_000_000_000;

/// The correlations of one YAML text (one or more documents).
pub fn correlations(yaml: &str) -> Vec<Correlation> {
    let parsed = parse_rule_file(Path::new("test.yml"), yaml);
    assert!(
        !parsed.has_errors(),
        "{yaml}\n{:?}",
        parsed
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    parsed
        .documents
        .into_iter()
        .filter_map(|document| match document {
            Document::Correlation(correlation) => Some(correlation),
            _ => None,
        })
        .collect()
}

/// Resolve references the way the CLI will: a name of a correlation in
/// the same list, else a base rule named `rN` (→ `RuleKey(N)`) or listed in
/// `rules_by_name`.
pub fn resolve(
    correlations: Vec<Correlation>,
    rules_by_name: &[(&str, u32)],
) -> Vec<(Correlation, Vec<Reference>)> {
    let names: Vec<Option<String>> = correlations
        .iter()
        .map(|c| c.meta.name.as_ref().map(|n| n.value.clone()))
        .collect();
    correlations
        .into_iter()
        .map(|correlation| {
            let references = correlation
                .rules
                .iter()
                .map(|written| {
                    let written = written.value.as_str();
                    if let Some(index) = names.iter().position(|n| n.as_deref() == Some(written)) {
                        return Reference::Correlation(index);
                    }
                    if let Some((_, key)) = rules_by_name.iter().find(|(name, _)| *name == written)
                    {
                        return Reference::Rule(RuleKey(*key));
                    }
                    let number = written
                        .strip_prefix('r')
                        .and_then(|n| n.parse().ok())
                        .unwrap_or_else(|| panic!("unresolvable reference {written}"));
                    Reference::Rule(RuleKey(number))
                })
                .collect();
            (correlation, references)
        })
        .collect()
}

pub fn plan(yaml: &str) -> Plan {
    plan_with(yaml, Limits::default())
}

pub fn plan_with(yaml: &str, limits: Limits) -> Plan {
    Plan::new(resolve(correlations(yaml), &[]), limits).unwrap()
}

/// One event: the rule it matched, its time in seconds (None: no time),
/// and its fields.
#[derive(Debug, Clone)]
pub struct Event {
    pub rule: u32,
    pub time: Option<i64>,
    pub fields: BTreeMap<String, String>,
    pub position: u64,
}

pub fn event(rule: u32, seconds: i64, fields: &[(&str, &str)]) -> Event {
    Event {
        rule,
        time: Some(seconds),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        position: 0,
    }
}

/// Number the events' positions in list order (input 0).
pub fn numbered(mut events: Vec<Event>) -> Vec<Event> {
    for (position, event) in events.iter_mut().enumerate() {
        event.position = position as u64;
    }
    events
}

/// The observation the caller would build for `event` under `plan`, or
/// None when no correlation uses its rule.
pub fn observe(plan: &Plan, event: &Event) -> Option<Observation> {
    let rule = RuleKey(event.rule);
    let fields = plan.fields_of(rule)?;
    Some(Observation {
        rule,
        time: event.time.map(|seconds| seconds * SECOND),
        values: fields
            .iter()
            .map(|name| event.fields.get(name).map(|v| v.as_str().into()))
            .collect(),
        source: SourceRef {
            input: 0,
            position: event.position,
        },
    })
}

/// Evaluate `events` (positions numbered in list order) with one collector.
pub fn run(plan: &Plan, events: &[Event]) -> (Vec<CorrelationAlert>, Report) {
    let mut collector = Collector::new(plan);
    for event in events {
        if let Some(observation) = observe(plan, event) {
            collector.push(observation);
        }
    }
    collector.finish(plan)
}

/// The positions of an alert's evidence.
pub fn positions(alert: &CorrelationAlert) -> Vec<u64> {
    alert.evidence.iter().map(|s| s.position).collect()
}

/// An alert's window in seconds.
pub fn window(alert: &CorrelationAlert) -> (i64, i64) {
    (alert.window_start / SECOND, alert.window_end / SECOND)
}
