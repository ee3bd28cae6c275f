//! Microsoft Defender XDR custom detection rules: the body of Microsoft
//! Graph's `POST /beta/security/rules/detectionRules`
//! (`microsoft.graph.security.detectionRule`), one JSON object per rule.
//!
//! The object carries the KQL backend's default (Advanced Hunting) query
//! without its comment header — Defender runs no commented query
//! continuously, and the header's facts are fields here — its schedule as
//! one of the periods Graph accepts, the alert template analysts see
//! (title, description with the guide, severity, the ATT&CK tactic as
//! Defender's category, techniques, the guide's response section as
//! recommended actions) and the impacted assets, named only for columns the
//! query really returns ([`query`] follows them from the table's schema).
//! Rules are imported disabled, unscoped, with no automatic response
//! action: a team reviews them before they alert or isolate anything.
//!
//! Field names and allowed values follow Microsoft's Graph reference
//! (`validators/defender/detection-rule.schema.json` lists the pages); the
//! objects are checked against that schema in the tests.

pub mod query;

use serde::Serialize;
use tunnelhunt_sigma::ast::Level;

use crate::DeployError;
use crate::attack::Tactic;
use crate::guide::Section;
use crate::meta::{Kind, RuleMeta};
use crate::objects::{Entry, File, Form, Objects, Platform};
use query::Analysis;

/// How often a rule runs: the values `ruleSchedule.period` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Period {
    /// Continuous (near real-time): events are matched as they arrive.
    #[serde(rename = "0")]
    Continuous,
    #[serde(rename = "1H")]
    Hourly,
    #[serde(rename = "3H")]
    ThreeHours,
    #[serde(rename = "12H")]
    TwelveHours,
    #[serde(rename = "24H")]
    Daily,
}

impl Period {
    /// The scheduled periods, shortest first.
    pub const SCHEDULED: [Period; 4] = [
        Period::Hourly,
        Period::ThreeHours,
        Period::TwelveHours,
        Period::Daily,
    ];

    /// Seconds between runs (`None` for continuous).
    pub fn interval_secs(self) -> Option<u64> {
        match self {
            Period::Continuous => None,
            Period::Hourly => Some(3600),
            Period::ThreeHours => Some(3 * 3600),
            Period::TwelveHours => Some(12 * 3600),
            Period::Daily => Some(24 * 3600),
        }
    }

    /// How far back each run reads: Defender fixes it per period (4 hours,
    /// 12 hours, 48 hours, 30 days).
    pub fn lookback_secs(self) -> Option<u64> {
        match self {
            Period::Continuous => None,
            Period::Hourly => Some(4 * 3600),
            Period::ThreeHours => Some(12 * 3600),
            Period::TwelveHours => Some(48 * 3600),
            Period::Daily => Some(30 * 86_400),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Continuous => "0",
            Period::Hourly => "1H",
            Period::ThreeHours => "3H",
            Period::TwelveHours => "12H",
            Period::Daily => "24H",
        }
    }

    /// The period of a rule scheduled every `interval_secs` reading
    /// `lookback_secs` back: the longest period not longer than the
    /// interval whose look-back covers the one asked; below an hour,
    /// continuous when the query may run so, else hourly (the shortest
    /// schedule Defender has). `None` when no look-back is long enough.
    pub fn choose(interval_secs: u64, lookback_secs: u64, nrt_eligible: bool) -> Option<Period> {
        let covering: Vec<Period> = Period::SCHEDULED
            .into_iter()
            .filter(|p| p.lookback_secs().is_some_and(|l| l >= lookback_secs))
            .collect();
        let not_longer = covering
            .iter()
            .copied()
            .filter(|p| p.interval_secs().is_some_and(|i| i <= interval_secs))
            .max();
        match not_longer {
            Some(period) => Some(period),
            None if nrt_eligible && interval_secs < 3600 => Some(Period::Continuous),
            None => covering.first().copied(),
        }
    }
}

/// `alertSeverity`: Defender has no critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AlertSeverity {
    Informational,
    Low,
    Medium,
    High,
}

impl AlertSeverity {
    /// A rule without a level is medium, as its schedule is.
    pub fn from_level(level: Option<Level>) -> AlertSeverity {
        match level {
            Some(Level::Informational) => AlertSeverity::Informational,
            Some(Level::Low) => AlertSeverity::Low,
            Some(Level::Medium) | None => AlertSeverity::Medium,
            Some(Level::High | Level::Critical) => AlertSeverity::High,
        }
    }
}

/// The alert categories Defender names after ATT&CK tactics (its other
/// categories — Malware, Ransomware, SuspiciousActivity … — are not
/// tactics; Reconnaissance and Resource Development have none).
const TACTIC_CATEGORIES: [&str; 12] = [
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "CommandAndControl",
    "Exfiltration",
    "Impact",
];

/// The category of a rule no ATT&CK tactic places.
pub const FALLBACK_CATEGORY: &str = "SuspiciousActivity";

/// `Command and Control` → `CommandAndControl`, when Defender has it.
pub fn category_of(tactic: &Tactic) -> Option<&'static str> {
    let joined: String = tactic
        .name
        .split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    TACTIC_CATEGORIES.into_iter().find(|c| *c == joined)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DetectionRule {
    pub display_name: String,
    /// Imported off: a team reviews the rule before it alerts.
    pub is_enabled: bool,
    pub query_condition: QueryCondition,
    pub schedule: RuleSchedule,
    pub detection_action: DetectionAction,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryCondition {
    pub query_text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleSchedule {
    pub period: Period,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DetectionAction {
    pub alert_template: AlertTemplate,
    /// `null`: every device group; a team scopes the rule in Defender.
    pub organizational_scope: Option<OrganizationalScope>,
    /// Empty: no isolation or other action runs on its own.
    pub response_actions: Vec<ResponseAction>,
}

/// Never built (the scope is chosen in Defender); the type keeps the
/// field's JSON `null` typed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub enum OrganizationalScope {}

/// Never built: rules carry no automatic response.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub enum ResponseAction {}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AlertTemplate {
    pub title: String,
    pub description: String,
    pub severity: AlertSeverity,
    pub category: String,
    pub mitre_techniques: Vec<String>,
    pub recommended_actions: Option<String>,
    pub impacted_assets: Vec<ImpactedAsset>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "@odata.type")]
pub enum ImpactedAsset {
    #[serde(rename = "#microsoft.graph.security.impactedDeviceAsset")]
    Device { identifier: &'static str },
    #[serde(rename = "#microsoft.graph.security.impactedUserAsset")]
    User { identifier: &'static str },
}

/// The user column an alert names, per table, and the `userAssetIdentifier`
/// written exactly as that column is: the account that ran the new process
/// in `DeviceProcessEvents`, else the initiating process's account.
fn user_asset(analysis: &Analysis) -> Option<ImpactedAsset> {
    let preference: &[(&str, &'static str)] = if analysis.table == "DeviceProcessEvents" {
        &[
            ("AccountSid", "accountSid"),
            ("InitiatingProcessAccountUpn", "initiatingProcessAccountUpn"),
        ]
    } else {
        &[("InitiatingProcessAccountUpn", "initiatingProcessAccountUpn")]
    };
    preference
        .iter()
        .find(|(column, _)| analysis.returns(column))
        .map(|(_, identifier)| ImpactedAsset::User { identifier })
}

/// The detection rule of one Sigma rule (or correlation) whose Advanced
/// Hunting query is `query` (comment header included or not).
pub fn rule(meta: &RuleMeta, query: &str) -> Result<DetectionRule, DeployError> {
    let query_text = strip_comment_header(query);
    let analysis = query::analyse(&query_text).map_err(|reason| DeployError::DefenderQuery {
        rule: meta.label(),
        reason,
    })?;
    let nrt_eligible = analysis.nrt_eligible && meta.kind == Kind::Rule;
    let period = Period::choose(
        meta.schedule.interval_secs,
        meta.schedule.lookback_secs,
        nrt_eligible,
    )
    .ok_or_else(|| {
        DeployError::Config(format!(
            "{}: a look-back of {}s is longer than Defender's longest (30 days)",
            meta.label(),
            meta.schedule.lookback_secs
        ))
    })?;
    let mut impacted_assets = vec![ImpactedAsset::Device {
        identifier: "deviceId",
    }];
    impacted_assets.extend(user_asset(&analysis));
    Ok(DetectionRule {
        display_name: meta.title.clone(),
        is_enabled: false,
        query_condition: QueryCondition { query_text },
        schedule: RuleSchedule { period },
        detection_action: DetectionAction {
            alert_template: AlertTemplate {
                title: meta.title.clone(),
                description: description(meta),
                severity: AlertSeverity::from_level(meta.level),
                category: category(meta).to_owned(),
                mitre_techniques: meta
                    .attack
                    .techniques
                    .iter()
                    .map(|t| t.id.clone())
                    .collect(),
                recommended_actions: meta.guide.section(Section::Response).map(str::to_owned),
                impacted_assets,
            },
            organizational_scope: None,
            response_actions: Vec::new(),
        },
    })
}

/// The tactic of the rule's first technique (in tag order) that Defender
/// has a category for: a T1572 rule is Command and Control even when a
/// later tag's technique also serves Lateral Movement.
fn category(meta: &RuleMeta) -> &'static str {
    let table = crate::attack::table();
    meta.attack
        .techniques
        .iter()
        .flat_map(|t| t.tactics.iter())
        .filter_map(|id| table.tactic(id))
        .find_map(category_of)
        .unwrap_or(FALLBACK_CATEGORY)
}

/// The rule's description, its branch and confidence, and the guide's
/// sections an analyst reads at alert time (the response section is the
/// recommended actions).
fn description(meta: &RuleMeta) -> String {
    let mut text = meta.description.clone();
    let facts: Vec<String> = [("Branch", &meta.branch), ("Confidence", &meta.confidence)]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: {v}")))
        .collect();
    if !facts.is_empty() {
        text.push_str("\n\n");
        text.push_str(&facts.join(" · "));
    }
    for section in [Section::WhatFired, Section::Investigation, Section::Tuning] {
        if let Some(body) = meta.guide.section(section) {
            text.push_str(&format!("\n\n{}:\n{body}", section.heading()));
        }
    }
    text
}

/// The backend's query without its leading `//` lines.
fn strip_comment_header(query: &str) -> String {
    query
        .lines()
        .skip_while(|line| line.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// One detection rule as the pretty JSON file a repository keeps.
pub fn to_json(rule: &DetectionRule) -> Result<String, DeployError> {
    serde_json::to_string_pretty(rule)
        .map(|mut text| {
            text.push('\n');
            text
        })
        .map_err(|e| DeployError::Serialize {
            what: "a Defender detection rule as JSON",
            reason: e.to_string(),
        })
}

/// Defender's objects: one detection rule per Sigma rule.
#[derive(Debug, Default)]
pub struct DefenderObjects {
    built: Vec<Built>,
}

#[derive(Debug)]
struct Built {
    stem: String,
    platform: Platform,
    rule: DetectionRule,
}

/// The README `--as repo` writes beside the rules.
const REPO_README: &str = include_str!("repo_readme.md");

impl Objects for DefenderObjects {
    fn vendor(&self) -> &'static str {
        "Microsoft Defender XDR"
    }

    fn folder(&self) -> &'static str {
        "defender"
    }

    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError> {
        let rule = rule(entry.meta, entry.query)?;
        self.built.push(Built {
            stem: entry.stem.to_owned(),
            platform: entry.platform,
            rule,
        });
        Ok(())
    }

    fn len(&self) -> usize {
        self.built.len()
    }

    /// `--as rule`: `<rule>.json`; `--as repo`:
    /// `DetectionRules/<platform>/<rule>.json` and a README on deploying
    /// them through Graph.
    fn files(&self, form: Form) -> Result<Vec<File>, DeployError> {
        let mut files = Vec::new();
        for built in &self.built {
            let path = match form {
                Form::Rule => format!("{}.json", built.stem),
                Form::Repo => format!(
                    "DetectionRules/{}/{}.json",
                    built.platform.as_str(),
                    built.stem
                ),
            };
            files.push(File::new(path, to_json(&built.rule)?));
        }
        if form == Form::Repo {
            files.push(File::new("README.md", REPO_README));
        }
        Ok(files)
    }

    /// One request body per line, for a loop that posts each to Graph.
    fn stdout(&self) -> Result<String, DeployError> {
        let mut out = String::new();
        for built in &self.built {
            let line = serde_json::to_string(&built.rule).map_err(|e| DeployError::Serialize {
                what: "a Defender detection rule as JSON",
                reason: e.to_string(),
            })?;
            out.push_str(&line);
            out.push('\n');
        }
        Ok(out)
    }

    fn how_to_deploy(&self, _form: Form) -> String {
        "Each `.json` is the body of Microsoft Graph's \
         `POST https://graph.microsoft.com/beta/security/rules/detectionRules` \
         (permission `CustomDetection.ReadWrite.All`); rules arrive disabled, \
         for every device group, with no response action. See docs/deploy.md."
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_is_the_longest_allowed_not_longer_than_the_interval() {
        let minute = 60;
        assert_eq!(
            Period::choose(5 * minute, 10 * minute, true),
            Some(Period::Continuous)
        );
        assert_eq!(
            Period::choose(5 * minute, 10 * minute, false),
            Some(Period::Hourly)
        );
        assert_eq!(
            Period::choose(60 * minute, 65 * minute, true),
            Some(Period::Hourly)
        );
        assert_eq!(
            Period::choose(6 * 3600, 6 * 3600, false),
            Some(Period::ThreeHours)
        );
        assert_eq!(
            Period::choose(2 * 86_400, 2 * 86_400, false),
            Some(Period::Daily)
        );
        // A correlation's window decides: an hourly run reads 4 hours back.
        assert_eq!(
            Period::choose(15 * minute, 6 * 3600, false),
            Some(Period::ThreeHours)
        );
        assert_eq!(Period::choose(3600, 31 * 86_400, false), None);
    }

    #[test]
    fn tactics_become_defender_categories() {
        let table = crate::attack::table();
        let c2 = table.tactic("TA0011").unwrap();
        assert_eq!(category_of(c2), Some("CommandAndControl"));
        let recon = table.tactic("TA0043").unwrap();
        assert_eq!(category_of(recon), None);
    }
}
