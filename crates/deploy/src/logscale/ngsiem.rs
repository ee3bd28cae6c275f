//! Falcon Next-Gen SIEM correlation rules: the JSON body of the
//! correlation rules API's create call (`POST
//! /correlation-rules/entities/rules/v1`, FalconPy's
//! `CorrelationRules.create_rule(body=…)`).
//!
//! Field names and value sets, from CrowdStrike's public SDKs:
//!
//! - FalconPy `src/falconpy/_payload/_correlation_rules.py` (the create
//!   body: `name`, `description`, `severity`, `status`, `search {filter,
//!   lookback, outcome, trigger_mode}`, `operation {schedule {definition},
//!   start_on, stop_on}`, `comment`, `customer_id`) and its template body
//!   (`mitre_attack [{tactic_id, technique_id}]`, `search.execution_mode`,
//!   `search.use_ingest_time`);
//! - PSFalcon's `New-FalconCorrelationRule` (`MitreAttack`: objects of
//!   `tactic_id` and `technique_id`; `Status`: `active`, `inactive`);
//! - terraform-provider-crowdstrike `internal/correlation_rules/`
//!   (`correlation_rule_resource.go`, `validators.go`, `severity.go`):
//!   `severity` one of 10, 30, 50, 70, 90 (informational … critical);
//!   `outcome` `detection` or `incident`; `trigger_mode` `verbose` (one
//!   outcome per result) or `summary` (one outcome for all results);
//!   `execution_mode` only `scheduled`; `lookback` in hours and minutes
//!   (`1h0m`), at most 168 hours; `schedule.definition` as `@every 1h0m`,
//!   at least 5 minutes; `start_on` RFC 3339, at least 15 minutes in the
//!   future, defaulting to 15 minutes after creation.
//!
//! What the object leaves out, and why: `customer_id` (the tenant's CID,
//! required by the API) is the deployer's, added at import (docs/deploy.md
//! shows the `jq` line); `start_on` must lie in the future at import time,
//! so the API's default applies; `notifications` name a tenant's
//! configured plugins; `case_template_id` a tenant's template.
//!
//! `validators/logscale/ngsiem-correlation-rule.schema.json` states the
//! same facts as a JSON Schema, and every object is checked against it.

use serde::Serialize;
use tunnelhunt_sigma::ast::Level;

use crate::DeployError;
use crate::meta::{Kind, RuleMeta};
use crate::schedule::format_duration;

/// Where `--as repo` puts the correlation-rule bodies.
pub const RULES_DIR: &str = "ngsiem";

/// The shortest schedule the API accepts (it runs a rule at most 288
/// times a day).
const MIN_INTERVAL_SECS: u64 = 5 * 60;
/// The longest look-back the API accepts.
const MAX_LOOKBACK_SECS: u64 = 168 * 3600;

/// `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Inactive,
}

/// `search.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Detection,
    Incident,
}

/// `search.trigger_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TriggerMode {
    /// One outcome per result row.
    Verbose,
    /// One outcome for all the results of a run.
    Summary,
}

/// `search.execution_mode` (the API knows only `scheduled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionMode {
    Scheduled,
}

/// The create body, without `customer_id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationRule {
    pub name: String,
    pub description: String,
    pub severity: u8,
    pub status: Status,
    pub search: Search,
    pub operation: Operation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mitre_attack: Vec<MitreAttack>,
    /// The audit-log comment of the creation.
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Search {
    pub filter: String,
    pub lookback: String,
    pub outcome: Outcome,
    pub trigger_mode: TriggerMode,
    pub execution_mode: ExecutionMode,
    /// `false`: the look-back is over event time, as the LogScale
    /// aggregate alerts' `EventTimestamp`.
    pub use_ingest_time: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    pub schedule: ScheduleDefinition,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleDefinition {
    /// `@every <h>h<m>m`.
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MitreAttack {
    pub tactic_id: String,
    pub technique_id: String,
}

/// The API's severity for a Sigma level (a rule without one is medium,
/// as its schedule is).
pub fn severity(level: Option<Level>) -> u8 {
    match level {
        Some(Level::Informational) => 10,
        Some(Level::Low) => 30,
        Some(Level::Medium) | None => 50,
        Some(Level::High) => 70,
        Some(Level::Critical) => 90,
    }
}

/// The correlation rule of one Sigma rule (or correlation) whose CQL is
/// `query`, named `name` (the LogScale alert's unique name). Refused when
/// the schedule is outside what the API accepts (a `--schedule` file may
/// ask for runs every 30 seconds).
///
/// A rule's matches in one run become one detection (`summary`): a
/// tunnel's burst of events is one thing to triage, as the filter alert's
/// throttle makes it one alert. A correlation's result rows are each a
/// group that crossed the threshold, each its own detection (`verbose`).
pub fn rule(meta: &RuleMeta, query: &str, name: &str) -> Result<CorrelationRule, DeployError> {
    let schedule = meta.schedule;
    if schedule.interval_secs < MIN_INTERVAL_SECS {
        return Err(DeployError::Config(format!(
            "Next-Gen SIEM runs a correlation rule at most every 5 minutes, and {} asks for every {}",
            meta.label(),
            format_duration(schedule.interval_secs)
        )));
    }
    if schedule.lookback_secs > MAX_LOOKBACK_SECS {
        return Err(DeployError::Config(format!(
            "Next-Gen SIEM looks back at most 168 hours, and {} needs {}",
            meta.label(),
            format_duration(schedule.lookback_secs)
        )));
    }
    let trigger_mode = match meta.kind {
        Kind::Rule => TriggerMode::Summary,
        Kind::Correlation { .. } => TriggerMode::Verbose,
    };
    let mitre_attack = meta
        .attack
        .tactics
        .iter()
        .flat_map(|(tactic, techniques)| {
            techniques.iter().map(|technique| MitreAttack {
                tactic_id: tactic.id.clone(),
                technique_id: technique.id.clone(),
            })
        })
        .collect();
    Ok(CorrelationRule {
        name: name.to_owned(),
        description: super::description(meta, query),
        severity: severity(meta.level),
        status: Status::Inactive,
        search: Search {
            filter: query.trim_end().to_owned(),
            lookback: hours_minutes(schedule.lookback_secs, meta)?,
            outcome: Outcome::Detection,
            trigger_mode,
            execution_mode: ExecutionMode::Scheduled,
            use_ingest_time: false,
        },
        operation: Operation {
            schedule: ScheduleDefinition {
                definition: format!("@every {}", hours_minutes(schedule.interval_secs, meta)?),
            },
        },
        mitre_attack,
        comment: match &meta.id {
            Some(id) => format!("tunnelhunt export of Sigma rule {id}"),
            None => "tunnelhunt export".to_owned(),
        },
    })
}

/// `1h5m` for 3900 seconds; the API has no seconds.
fn hours_minutes(secs: u64, meta: &RuleMeta) -> Result<String, DeployError> {
    if !secs.is_multiple_of(60) {
        return Err(DeployError::Config(format!(
            "Next-Gen SIEM schedules in whole minutes, and {} asks for {}",
            meta.label(),
            format_duration(secs)
        )));
    }
    Ok(format!("{}h{}m", secs / 3600, secs % 3600 / 60))
}

/// The body as pretty JSON with a final newline.
pub fn to_json(rule: &CorrelationRule) -> Result<String, DeployError> {
    serde_json::to_string_pretty(rule)
        .map(|text| text + "\n")
        .map_err(|e| DeployError::Serialize {
            what: "a Next-Gen SIEM correlation rule as JSON",
            reason: e.to_string(),
        })
}
