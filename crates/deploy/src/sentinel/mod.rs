//! Microsoft Sentinel analytics rules: the YAML the Azure-Sentinel
//! repository keeps under `Detections/**.yaml`, and ARM templates that
//! deploy the same rules (`Microsoft.OperationalInsights/workspaces/
//! providers/alertRules`, see [`arm`]).
//!
//! Built from the KQL backend's `sentinel` flavor. What each field holds
//! and why (the full table is in `docs/deploy.md`):
//!
//! * **description**: the Sigma description, the pack's branch and
//!   confidence, and the investigation guide's sections as Markdown. It is
//!   the text Sentinel shows in the rule's details pane and on each alert,
//!   and the Azure-Sentinel repository puts its analyst guidance there too;
//!   cut at a section boundary to fit the 5000 characters it allows.
//! * **query**: the backend's query without its comment header (its facts
//!   are fields here), plus one final `| extend` that makes the columns the
//!   entity mappings and custom details name ([`columns`]).
//! * **kind**: always `Scheduled` (see [`RuleKind`] for why not NRT); a
//!   correlation's `queryPeriod` covers its window.
//! * **tactics / relevantTechniques**: from the ATT&CK table, each
//!   technique with every tactic ATT&CK gives it (the repository's tests
//!   demand that), tactic names without spaces as Sentinel spells them.
//!
//! [`check`] is the Azure-Sentinel repository's validation of this YAML,
//! as a table of checks our tests run on every object.

pub mod arm;
pub mod check;
pub mod columns;
pub mod yaml;

use std::collections::BTreeSet;

use crate::DeployError;
use crate::meta::{Kind, RuleMeta};
use crate::objects::{Entry, File, Form, Objects};
use columns::{Columns, Table};
use tunnelhunt_sigma::ast::Level;

/// The version every generated rule starts at (`X.Y.Z`, as the repository
/// requires).
pub const VERSION: &str = "1.0.0";

/// The longest description Sentinel accepts.
pub const DESCRIPTION_MAX: usize = 5000;

/// The longest query Sentinel accepts.
pub const QUERY_MAX: usize = 10_000;

/// Shortest and longest `queryFrequency` and `queryPeriod` Sentinel accepts.
pub const MIN_SCHEDULE_SECS: u64 = 5 * 60;
pub const MAX_SCHEDULE_SECS: u64 = 14 * 86_400;

/// Sentinel's alert severities (it has no critical).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Informational,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    /// Sigma's critical is Sentinel's High; a rule without a level is Medium.
    pub fn from_level(level: Option<Level>) -> Severity {
        match level {
            Some(Level::Informational) => Severity::Informational,
            Some(Level::Low) => Severity::Low,
            Some(Level::Medium) | None => Severity::Medium,
            Some(Level::High | Level::Critical) => Severity::High,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "Informational",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
        }
    }
}

/// The analytics-rule kinds the Azure-Sentinel repository's YAML holds.
///
/// The objects are always `Scheduled`: no stable API version of
/// `alertRules` (2024-03-01, the one pinned, nor 2025-09-01) has the `NRT`
/// kind, so an NRT rule could not be deployed by the ARM template and the
/// two forms would disagree. [`check`] still reads NRT rules (the
/// repository has them) and holds them to NRT's own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Scheduled,
    Nrt,
}

impl RuleKind {
    pub fn parse(text: &str) -> Option<RuleKind> {
        match text {
            "Scheduled" => Some(RuleKind::Scheduled),
            "NRT" => Some(RuleKind::Nrt),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Scheduled => "Scheduled",
            RuleKind::Nrt => "NRT",
        }
    }
}

/// A data connector and the tables of it the rule reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataConnector {
    pub connector_id: &'static str,
    pub data_types: Vec<String>,
}

/// One identifier of an entity, filled from a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMapping {
    pub identifier: &'static str,
    pub column_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityMapping {
    pub entity_type: &'static str,
    pub field_mappings: Vec<FieldMapping>,
}

/// Per-alert name and description, with `{{Column}}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDetailsOverride {
    pub alert_display_name_format: String,
    pub alert_description_format: String,
}

/// One analytics rule, as the repository's YAML and the REST API hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsRule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub required_data_connectors: Vec<DataConnector>,
    /// `queryFrequency` in seconds.
    pub query_frequency_secs: u64,
    /// `queryPeriod` in seconds.
    pub query_period_secs: u64,
    pub tactics: Vec<String>,
    pub relevant_techniques: Vec<String>,
    pub query: String,
    pub entity_mappings: Vec<EntityMapping>,
    /// `(key, column)` in order.
    pub custom_details: Vec<(String, String)>,
    pub alert_details_override: Option<AlertDetailsOverride>,
    pub version: &'static str,
}

/// An ATT&CK tactic's name as Sentinel spells it: `Command and Control`
/// → `CommandAndControl`.
pub fn tactic_name(attack_name: &str) -> String {
    attack_name
        .split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The connectors that fill the tables a query reads, each once.
fn connectors_of(body: &str) -> Vec<DataConnector> {
    let mut all: Vec<DataConnector> = Vec::new();
    for (table, name) in Table::all_in(body) {
        for connector in connectors(table, name) {
            match all
                .iter_mut()
                .find(|c| c.connector_id == connector.connector_id)
            {
                Some(known) => {
                    for data_type in connector.data_types {
                        if !known.data_types.contains(&data_type) {
                            known.data_types.push(data_type);
                        }
                    }
                }
                None => all.push(connector),
            }
        }
    }
    all
}

/// The connectors that fill one table.
fn connectors(table: Table, name: &str) -> Vec<DataConnector> {
    let one = |id, data_type: &str| DataConnector {
        connector_id: id,
        data_types: vec![data_type.to_owned()],
    };
    match table {
        Table::SecurityEvent => vec![
            one("SecurityEvents", "SecurityEvent"),
            one("WindowsSecurityEvents", "SecurityEvent"),
        ],
        // The Windows agent configured by the Security Events connector
        // collects the event logs `Event` holds (Sysmon included); the
        // repository's Sysmon rules name that connector too.
        Table::SysmonEvent | Table::Event => vec![one("SecurityEvents", "Event")],
        Table::DeviceProcessEvents => vec![one("MicrosoftThreatProtection", name)],
        Table::Other if name.starts_with("Device") => {
            vec![one("MicrosoftThreatProtection", name)]
        }
        Table::Other => Vec::new(),
    }
}

/// The backend's query without its leading `//` lines.
fn query_body(query: &str) -> &str {
    let mut rest = query;
    while rest.starts_with("//") {
        rest = rest.split_once('\n').map_or("", |(_, tail)| tail);
    }
    rest.trim()
}

/// A value the final `| extend` may state as a KQL string literal without
/// escaping: the pack's branch and confidence are words.
fn plain_word(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'))
}

/// The description: Sigma's, the branch and confidence, then the guide,
/// whole sections only, within [`DESCRIPTION_MAX`] characters.
fn description(meta: &RuleMeta) -> String {
    let mut text = meta.description.clone();
    let facts: Vec<String> = [("Branch", &meta.branch), ("Confidence", &meta.confidence)]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: **{v}**")))
        .collect();
    if !facts.is_empty() {
        text.push_str("\n\n");
        text.push_str(&facts.join(" · "));
    }
    let fits = |t: &str| t.chars().count() <= DESCRIPTION_MAX;
    for section in meta.guide.markdown(3).split("\n### ") {
        let section = section.trim_start_matches("### ").trim_end();
        if section.is_empty() {
            continue;
        }
        let candidate = format!("{text}\n\n### {section}");
        if !fits(&candidate) {
            break;
        }
        text = candidate;
    }
    if fits(&text) {
        text
    } else {
        text.chars().take(DESCRIPTION_MAX).collect()
    }
}

fn has_placeholder_syntax(text: &str) -> bool {
    text.contains("{{") || text.contains("}}")
}

/// The analytics rule of one rendered `sentinel` query.
pub fn rule(entry: &Entry<'_>) -> Result<AnalyticsRule, DeployError> {
    let meta = entry.meta;
    let id = meta.id.clone().ok_or_else(|| DeployError::NoId {
        rule: meta.label(),
        target: "Microsoft Sentinel (id)",
    })?;
    let body = query_body(entry.query);
    let schedule = meta.schedule;
    // Sentinel rejects a period over 14 days: a longer correlation window
    // cannot be one run's look-back.
    for (what, secs) in [
        ("frequency", schedule.interval_secs),
        ("period", schedule.lookback_secs),
    ] {
        if !(MIN_SCHEDULE_SECS..=MAX_SCHEDULE_SECS).contains(&secs) {
            return Err(DeployError::Refused {
                target: "Microsoft Sentinel",
                reason: format!(
                    "{}: query {what} {} is outside the 5m–14d Sentinel allows",
                    meta.label(),
                    crate::schedule::format_duration(secs)
                ),
            });
        }
    }
    let (table, _) = Table::of_query(body);
    let columns = match meta.kind {
        // A correlation's result holds its group-by fields and counts, not
        // the table's columns: no entity is mapped from it.
        Kind::Correlation { .. } => Columns::default(),
        Kind::Rule => Columns::plan(table, entry.logsource),
    };
    // A column the query already extends the same way is not extended again.
    let mut extend: Vec<(String, String)> = columns
        .extend
        .iter()
        .filter(|(c, e)| !body.contains(&format!("| extend {c} = {e}")))
        .cloned()
        .collect();
    let mut custom_details = Vec::new();
    for (key, value) in [("Branch", &meta.branch), ("Confidence", &meta.confidence)] {
        if let Some(value) = value.as_deref().filter(|v| plain_word(v)) {
            extend.push((key.to_owned(), format!("\"{value}\"")));
            custom_details.push((key.to_owned(), key.to_owned()));
        }
    }
    for (key, column) in [
        ("Image", columns.image),
        ("CommandLine", columns.command_line),
    ] {
        if let Some(column) = column {
            custom_details.push((key.to_owned(), column.to_owned()));
        }
    }
    let mut query = body.to_owned();
    if !extend.is_empty() {
        let step: Vec<String> = extend.iter().map(|(c, e)| format!("{c} = {e}")).collect();
        query.push_str("\n| extend ");
        query.push_str(&step.join(", "));
    }
    let length = query.chars().count();
    if length > QUERY_MAX {
        return Err(DeployError::Refused {
            target: "Microsoft Sentinel",
            reason: format!(
                "{}: the query has {length} characters, over the {QUERY_MAX} Sentinel accepts",
                meta.label()
            ),
        });
    }
    let entity_mappings = entity_mappings(&columns);
    let alert_details_override = columns.host.and_then(|host| {
        if has_placeholder_syntax(&meta.title) || has_placeholder_syntax(&meta.description) {
            return None;
        }
        let account = columns
            .account
            .map(|(column, _)| format!(" Account: {{{{{column}}}}}."))
            .unwrap_or_default();
        let summary: String = meta.description.chars().take(4000).collect();
        Some(AlertDetailsOverride {
            alert_display_name_format: format!("{} on {{{{{host}}}}}", meta.title)
                .chars()
                .take(256)
                .collect(),
            alert_description_format: format!("{summary}\n\nHost: {{{{{host}}}}}.{account}"),
        })
    });
    let mut tactics = Vec::new();
    for (tactic, _) in &meta.attack.tactics {
        tactics.push(tactic_name(&tactic.name));
    }
    let techniques: BTreeSet<&str> = meta
        .attack
        .techniques
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    Ok(AnalyticsRule {
        id,
        name: meta.title.clone(),
        description: description(meta),
        severity: Severity::from_level(meta.level),
        required_data_connectors: connectors_of(body),
        query_frequency_secs: schedule.interval_secs,
        query_period_secs: schedule.lookback_secs,
        tactics,
        relevant_techniques: techniques.into_iter().map(str::to_owned).collect(),
        query,
        entity_mappings,
        custom_details,
        alert_details_override,
        version: VERSION,
    })
}

fn entity_mappings(columns: &Columns) -> Vec<EntityMapping> {
    let one = |entity_type, identifier, column: &str| EntityMapping {
        entity_type,
        field_mappings: vec![FieldMapping {
            identifier,
            column_name: column.to_owned(),
        }],
    };
    let mut mappings = Vec::new();
    if let Some(host) = columns.host {
        mappings.push(one("Host", "FullName", host));
    }
    if let Some((column, identifier)) = columns.account {
        mappings.push(one("Account", identifier, column));
    }
    let process: Vec<FieldMapping> = [
        ("ProcessId", columns.process_id),
        ("CommandLine", columns.command_line),
    ]
    .into_iter()
    .filter_map(|(identifier, column)| {
        column.map(|c| FieldMapping {
            identifier,
            column_name: c.to_owned(),
        })
    })
    .collect();
    if !process.is_empty() {
        mappings.push(EntityMapping {
            entity_type: "Process",
            field_mappings: process,
        });
    }
    if let Some(ip) = columns.ip {
        mappings.push(one("IP", "Address", ip));
    }
    if let Some(dns) = columns.dns {
        mappings.push(one("DNS", "DomainName", dns));
    }
    if let Some(key) = columns.registry_key {
        mappings.push(one("RegistryKey", "Key", key));
    }
    mappings
}

/// Sentinel's objects: each rule's YAML and its ARM resource.
#[derive(Debug, Default)]
pub struct SentinelObjects {
    built: Vec<Built>,
    ids: BTreeSet<String>,
}

#[derive(Debug)]
struct Built {
    stem: String,
    folder: String,
    rule: AnalyticsRule,
    yaml: String,
}

impl SentinelObjects {
    fn rules(&self) -> Vec<&AnalyticsRule> {
        self.built.iter().map(|b| &b.rule).collect()
    }
}

impl Objects for SentinelObjects {
    fn vendor(&self) -> &'static str {
        "Microsoft Sentinel"
    }

    fn folder(&self) -> &'static str {
        "sentinel"
    }

    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError> {
        let rule = rule(entry)?;
        // One workspace holds one rule per id: a second would replace the
        // first on deployment.
        if !self.ids.insert(rule.id.to_ascii_lowercase()) {
            return Err(DeployError::Refused {
                target: "Microsoft Sentinel",
                reason: format!(
                    "{}: another rule has the id {}",
                    entry.meta.label(),
                    rule.id
                ),
            });
        }
        let (table, name) = Table::of_query(&rule.query);
        let folder = match (table, entry.meta.kind) {
            (_, Kind::Correlation { .. }) => "Correlations".to_owned(),
            (Table::SysmonEvent, _) => "Sysmon".to_owned(),
            (Table::Other, _) if name.is_empty() => entry.platform.as_str().to_owned(),
            (_, _) => name.to_owned(),
        };
        self.built.push(Built {
            stem: entry.stem.to_owned(),
            folder,
            yaml: yaml::to_yaml(&rule)?,
            rule,
        });
        Ok(())
    }

    fn len(&self) -> usize {
        self.built.len()
    }

    /// `--as rule`: `<rule>.yaml` and `<rule>.azuredeploy.json` side by
    /// side; `--as repo`: `Detections/<table>/<rule>.yaml` as the
    /// Azure-Sentinel repository sorts them, and one `azuredeploy.json`
    /// holding every rule.
    fn files(&self, form: Form) -> Result<Vec<File>, DeployError> {
        let mut files = Vec::new();
        for built in &self.built {
            match form {
                Form::Rule => {
                    files.push(File::new(format!("{}.yaml", built.stem), &built.yaml));
                    files.push(File::new(
                        format!("{}.azuredeploy.json", built.stem),
                        arm::template(&[&built.rule])?,
                    ));
                }
                Form::Repo => files.push(File::new(
                    format!("Detections/{}/{}.yaml", built.folder, built.stem),
                    &built.yaml,
                )),
            }
        }
        if form == Form::Repo {
            files.push(File::new("azuredeploy.json", self.stdout()?));
        }
        Ok(files)
    }

    /// One ARM template holding every rule.
    fn stdout(&self) -> Result<String, DeployError> {
        arm::template(&self.rules())
    }

    fn how_to_deploy(&self, _form: Form) -> String {
        format!(
            "Each `azuredeploy.json` is an ARM template (API version {}) with one \
             `workspace` parameter: `az deployment group create --resource-group RG \
             --template-file azuredeploy.json --parameters workspace=WORKSPACE`. The `.yaml` \
             files are analytics rules in the Azure-Sentinel repository's format (a \
             repository connected to Sentinel, or Sentinel's own tooling, deploys them). \
             See docs/deploy.md.",
            arm::API_VERSION
        )
    }
}
