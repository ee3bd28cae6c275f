//! Elastic Security detection rules: the TOML file of Elastic's
//! detection-rules repository (`[metadata]`, `[rule]`, `[[rule.threat]]`)
//! and the Kibana import NDJSON (one rule object per line, the body of the
//! detection engine's create-rule API).
//!
//! Both carry the same rule: the EQL query without the backend's comment
//! header (its facts are fields here), the look-back as `from = "now-…"`,
//! severity and the risk score Elastic pairs with it, ATT&CK as
//! `threat` entries built from the ATT&CK table (tactic → its techniques →
//! their sub-techniques, never paired by tag position), and the guide's
//! sections as `note` under `## Triage and analysis`, the heading Elastic's
//! prebuilt rules use and its rule editor shows as the investigation guide.
//!
//! The objects are checked against Elastic's published API JSON Schema
//! (`validators/elastic/`) in the tests.

use serde::Serialize;

use crate::DeployError;
use crate::attack::Technique;
use crate::meta::{Kind, RuleMeta};
use crate::objects::{Entry, File, Form, Objects, Platform};
use crate::schedule::format_duration;

/// The index patterns the ECS data the EQL backend queries lands in:
/// Elastic Agent integrations, Elastic Defend and the Beats.
pub const INDEX_PATTERNS: [&str; 4] = ["logs-*", "winlogbeat-*", "filebeat-*", "auditbeat-*"];

/// The heading Elastic's investigation guides start with.
pub const NOTE_HEADING: &str = "## Triage and analysis";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rule {
    pub author: Vec<String>,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub false_positives: Vec<String>,
    pub from: String,
    pub index: Vec<String>,
    pub interval: String,
    pub language: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    pub risk_score: u8,
    pub rule_id: String,
    pub severity: &'static str,
    pub tags: Vec<String>,
    #[serde(rename = "type")]
    pub rule_type: &'static str,
    pub query: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threat: Vec<Threat>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Threat {
    pub framework: &'static str,
    pub tactic: Reference,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub technique: Vec<ThreatTechnique>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reference {
    pub id: String,
    pub name: String,
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ThreatTechnique {
    pub id: String,
    pub name: String,
    pub reference: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subtechnique: Vec<Reference>,
}

/// The detection-rules file's `[metadata]`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metadata {
    /// `YYYY/MM/DD`.
    pub creation_date: String,
    /// `development` for experimental or test rules, `production` for stable ones.
    pub maturity: &'static str,
    pub updated_date: String,
}

#[derive(Serialize)]
struct TomlFile<'a> {
    metadata: &'a Metadata,
    rule: &'a Rule,
}

/// The Kibana import object: the rule plus what the API adds.
#[derive(Serialize)]
struct KibanaRule<'a> {
    #[serde(flatten)]
    rule: &'a Rule,
    /// Imported disabled: a team reviews the schedule and index patterns
    /// before the rule raises alerts.
    enabled: bool,
    version: u32,
}

/// The rule object of one Sigma rule (or correlation) whose EQL is `query`.
pub fn rule(meta: &RuleMeta, query: &str) -> Result<Rule, DeployError> {
    let rule_id = meta.id.clone().ok_or_else(|| DeployError::NoId {
        rule: meta.label(),
        target: "Elastic (rule_id)",
    })?;
    // Elastic's tags have a closed set of prefixes, so the pack's branch
    // and confidence travel in the guide's first line instead.
    let facts: Vec<String> = [("Branch", &meta.branch), ("Confidence", &meta.confidence)]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: **{v}**")))
        .collect();
    let facts = if facts.is_empty() {
        String::new()
    } else {
        format!("{}\n\n", facts.join(" · "))
    };
    let note = (!meta.guide.is_empty())
        .then(|| format!("{NOTE_HEADING}\n\n{facts}{}", meta.guide.markdown(3)));
    let mut tags = vec!["Use Case: Threat Detection".to_owned()];
    tags.extend(
        meta.attack
            .tactics
            .iter()
            .map(|(tactic, _)| format!("Tactic: {}", tactic.name)),
    );
    if note.is_some() {
        tags.push("Resources: Investigation Guide".to_owned());
    }
    if let Kind::Correlation { .. } = meta.kind {
        tags.push("Rule Type: Event Correlation (EQL)".to_owned());
    }
    Ok(Rule {
        author: vec![meta.author.clone().unwrap_or_else(|| "unknown".to_owned())],
        description: meta.description.clone(),
        false_positives: meta.falsepositives.clone(),
        from: format!("now-{}", format_duration(meta.schedule.lookback_secs)),
        index: INDEX_PATTERNS.map(str::to_owned).to_vec(),
        interval: format_duration(meta.schedule.interval_secs),
        language: "eql",
        name: meta.title.clone(),
        note,
        references: meta.references.clone(),
        risk_score: meta.severity.risk_score(),
        rule_id,
        severity: meta.severity.as_str(),
        tags,
        rule_type: "eql",
        query: strip_comment_header(query),
        threat: threat(meta),
    })
}

/// The `[metadata]` of a rule's file.
pub fn metadata(meta: &RuleMeta, status_stable: bool) -> Metadata {
    let slashed = |date: &str| date.replace('-', "/");
    let created = meta
        .date
        .as_deref()
        .map(slashed)
        .unwrap_or_else(|| "1970/01/01".to_owned());
    Metadata {
        updated_date: meta
            .modified
            .as_deref()
            .map(slashed)
            .unwrap_or_else(|| created.clone()),
        creation_date: created,
        maturity: if status_stable {
            "production"
        } else {
            "development"
        },
    }
}

/// Elastic's objects: a detection-rules TOML file and a Kibana import
/// line per rule.
#[derive(Debug, Default)]
pub struct ElasticObjects {
    built: Vec<Built>,
}

#[derive(Debug)]
struct Built {
    stem: String,
    platform: Platform,
    toml: String,
    line: String,
}

impl Objects for ElasticObjects {
    fn vendor(&self) -> &'static str {
        "Elastic Security"
    }

    fn folder(&self) -> &'static str {
        "elastic"
    }

    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError> {
        let rule = rule(entry.meta, entry.query)?;
        self.built.push(Built {
            stem: entry.stem.to_owned(),
            platform: entry.platform,
            toml: to_toml(&metadata(entry.meta, entry.stable), &rule)?,
            line: to_ndjson_line(&rule)?,
        });
        Ok(())
    }

    fn len(&self) -> usize {
        self.built.len()
    }

    /// `--as rule`: `<rule>.toml` and `<rule>.ndjson` side by side;
    /// `--as repo`: `rules/<platform>/<rule>.toml` as detection-rules
    /// sorts them, and one `rules.ndjson` holding every rule.
    fn files(&self, form: Form) -> Result<Vec<File>, DeployError> {
        let mut files = Vec::new();
        for built in &self.built {
            match form {
                Form::Rule => {
                    files.push(File::new(format!("{}.toml", built.stem), &built.toml));
                    files.push(File::new(
                        format!("{}.ndjson", built.stem),
                        format!("{}\n", built.line),
                    ));
                }
                Form::Repo => files.push(File::new(
                    format!("rules/{}/{}.toml", built.platform.as_str(), built.stem),
                    &built.toml,
                )),
            }
        }
        if form == Form::Repo {
            files.push(File::new("rules.ndjson", self.stdout()?));
        }
        Ok(files)
    }

    /// Kibana import NDJSON, one rule per line.
    fn stdout(&self) -> Result<String, DeployError> {
        Ok(self.built.iter().map(|b| format!("{}\n", b.line)).collect())
    }

    fn how_to_deploy(&self, _form: Form) -> String {
        "Each `.toml` is a detection-rules file (commit it into a repository managed with \
         Elastic's detection-rules tooling); each `.ndjson` (or `rules.ndjson`) imports into \
         Kibana (Security → Rules → Import). See docs/deploy.md."
            .to_owned()
    }
}

/// The detection-rules TOML file.
pub fn to_toml(metadata: &Metadata, rule: &Rule) -> Result<String, DeployError> {
    toml::to_string_pretty(&TomlFile { metadata, rule }).map_err(|e| DeployError::Serialize {
        what: "an Elastic detection rule as TOML",
        reason: e.to_string(),
    })
}

/// One line of a Kibana import NDJSON file (no newline).
pub fn to_ndjson_line(rule: &Rule) -> Result<String, DeployError> {
    serde_json::to_string(&KibanaRule {
        rule,
        enabled: false,
        version: 1,
    })
    .map_err(|e| DeployError::Serialize {
        what: "an Elastic detection rule as JSON",
        reason: e.to_string(),
    })
}

/// The backend's query without its leading `//` lines: the facts they
/// state are the object's own fields.
fn strip_comment_header(query: &str) -> String {
    query
        .lines()
        .skip_while(|line| line.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

fn threat(meta: &RuleMeta) -> Vec<Threat> {
    let table = crate::attack::table();
    meta.attack
        .tactics
        .iter()
        .map(|(tactic, techniques)| {
            let mut entries: Vec<ThreatTechnique> = Vec::new();
            for technique in techniques {
                let parent = technique
                    .parent_id()
                    .and_then(|id| table.technique(id))
                    .unwrap_or(technique);
                let at = match entries.iter().position(|e| e.id == parent.id) {
                    Some(at) => at,
                    None => {
                        entries.push(ThreatTechnique {
                            id: parent.id.clone(),
                            name: parent.name.clone(),
                            reference: parent.url(),
                            subtechnique: Vec::new(),
                        });
                        entries.len() - 1
                    }
                };
                if !std::ptr::eq::<Technique>(parent, *technique) {
                    entries[at].subtechnique.push(Reference {
                        id: technique.id.clone(),
                        name: technique.name.clone(),
                        reference: technique.url(),
                    });
                }
            }
            Threat {
                framework: "MITRE ATT&CK",
                tactic: Reference {
                    id: tactic.id.clone(),
                    name: tactic.name.clone(),
                    reference: tactic.url(),
                },
                technique: entries,
            }
        })
        .collect()
}
