//! Checking a scenario's correlation and behaviour alerts against its
//! `correlations:` promises.
//!
//! A behaviour alert (a beacon, a long-lived connection, a DNS channel) is
//! promised like a correlation alert: `rule` is the id or name of the rule
//! feeding the analytic, `group` names parts of the analytic's key
//! (`host`, `process`, `destination`, `port`; `client`, `domain`) and
//! `evidence` records it must cite.
//!
//! A scenario's files are one run: every match of a rule a correlation
//! reads, in any of the files, is gathered, and the correlations are
//! evaluated once all are read — as `scan` does with its inputs. Each
//! promise is then judged on the alerts of its rule: how many match its
//! group, and whether the records it names are in their evidence. Under
//! `default: none`, a correlation alert no promise accounts for is a
//! false positive, as an unlisted record's alert is.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use tunnelhunt_behaviour::BehaviourAlert;
use tunnelhunt_correlate::{CorrelationAlert, SourceRef};
use tunnelhunt_sigma::ast::{Correlation, Metadata, Rule};

use super::expect::{CorrelationExpectation, FileRef, Spec, Unlisted};

/// A correlation alert as a scenario sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenAlert {
    /// The correlation's id and name, whichever it has.
    pub identities: Vec<String>,
    /// The correlation's label, for messages.
    pub label: String,
    pub group: BTreeMap<String, Option<String>>,
    pub evidence: Vec<(FileRef, u64)>,
    pub evidence_total: u64,
}

impl SeenAlert {
    /// `alert` of `rule`, its evidence named by the scenario's files
    /// (`files[input]` is the file of input number `input`).
    pub fn of(alert: &CorrelationAlert, rule: &Correlation, files: &[FileRef]) -> SeenAlert {
        SeenAlert {
            identities: identities(&rule.meta),
            label: crate::ruleset::document_label(&rule.meta),
            group: alert.group.iter().cloned().collect(),
            evidence: name_evidence(&alert.evidence, files),
            evidence_total: alert.evidence_total,
        }
    }

    /// Behaviour `alert`, named by `rule` (the rule feeding its
    /// analytic); its group is the analytic's key.
    pub fn of_behaviour(alert: &BehaviourAlert, rule: &Rule, files: &[FileRef]) -> SeenAlert {
        SeenAlert {
            identities: identities(&rule.meta),
            label: format!(
                "{} ({})",
                crate::ruleset::document_label(&rule.meta),
                alert.analytic
            ),
            group: alert
                .key
                .iter()
                .map(|(name, value)| ((*name).to_owned(), Some(value.clone())))
                .collect(),
            evidence: name_evidence(&alert.evidence, files),
            evidence_total: alert.evidence_total,
        }
    }

    fn fits(&self, promise: &CorrelationExpectation) -> bool {
        self.identities.contains(&promise.rule)
            && promise
                .group
                .iter()
                .all(|(name, value)| self.group.get(name) == Some(&Some(value.clone())))
    }
}

fn identities(meta: &Metadata) -> Vec<String> {
    meta.id
        .iter()
        .chain(meta.name.iter())
        .map(|s| s.value.clone())
        .collect()
}

fn name_evidence(sources: &[SourceRef], files: &[FileRef]) -> Vec<(FileRef, u64)> {
    sources
        .iter()
        .filter_map(|source| {
            let file = files.get(usize::try_from(source.input).ok()?)?;
            Some((file.clone(), source.position))
        })
        .collect()
}

/// The verdict on one promise, or on one alert nobody promised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationCase {
    /// The promise's line in `expect.yml`; `None` for an alert no promise
    /// accounts for.
    pub spec_line: Option<usize>,
    pub rule: String,
    pub passed: bool,
    /// What was found, for people.
    pub detail: String,
}

/// Judge every promise of `spec` on `alerts`.
pub fn judge(spec: &Spec, alerts: &[SeenAlert]) -> Vec<CorrelationCase> {
    let mut cases = Vec::new();
    let mut accounted = vec![false; alerts.len()];
    for promise in &spec.correlations {
        let fitting: Vec<usize> = (0..alerts.len())
            .filter(|&i| alerts[i].fits(promise))
            .collect();
        for &i in &fitting {
            accounted[i] = true;
        }
        let with_evidence: Vec<usize> = fitting
            .iter()
            .copied()
            .filter(|&i| {
                promise
                    .evidence
                    .iter()
                    .all(|record| alerts[i].evidence.contains(record))
            })
            .collect();
        let passed = match promise.count {
            Some(n) => with_evidence.len() as u64 == n && fitting.len() as u64 == n,
            None => !with_evidence.is_empty(),
        };
        let mut detail = format!(
            "{} alert(s) of this correlation and group, {} with the promised evidence",
            fitting.len(),
            with_evidence.len()
        );
        if let Some(n) = promise.count {
            let _ = write!(detail, " (promised exactly {n})");
        }
        if !passed && let Some(&i) = fitting.first() {
            let evidence: Vec<String> = alerts[i]
                .evidence
                .iter()
                .map(|(file, record)| format!("{file}:{record}"))
                .collect();
            let _ = write!(
                detail,
                "; first alert's evidence: {} of {}",
                evidence.join(", "),
                alerts[i].evidence_total
            );
        }
        cases.push(CorrelationCase {
            spec_line: Some(promise.line),
            rule: promise.rule.clone(),
            passed,
            detail,
        });
    }
    if spec.unlisted == Unlisted::None {
        for (alert, _) in alerts.iter().zip(&accounted).filter(|(_, seen)| !**seen) {
            let group: Vec<String> = alert
                .group
                .iter()
                .map(|(name, value)| format!("{name}={}", value.as_deref().unwrap_or("-")))
                .collect();
            cases.push(CorrelationCase {
                spec_line: None,
                rule: alert.label.clone(),
                passed: false,
                detail: format!(
                    "an alert no `correlations` entry promised (group {})",
                    group.join(" ")
                ),
            });
        }
    }
    cases
}
