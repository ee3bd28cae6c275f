//! Sumo Logic Cloud SIEM match rules: the body of the rules API's create
//! call (`POST /api/sec/v1/rules/templated`, `{"fields": {…}}`) and the
//! Terraform form (`sumologic_cse_match_rule` resources in `.tf.json`).
//!
//! The Sumo backend's default flavor already renders a match rule; its
//! `expression` is taken as it is, and the object adds what a deployment
//! needs and a query cannot say: the guide in `descriptionExpression` (the
//! text a Signal shows), a `summaryExpression` naming the entities, entity
//! selectors chosen from the record type the expression selects, ATT&CK
//! as Cloud SIEM's schema tags (`_mitreAttackTactic:TA0011`,
//! `_mitreAttackTechnique:T1572`, as its own content catalog writes them),
//! and the severity per level. Rules are written disabled and as
//! prototypes: a proposal to review, not something that pages on import.
//!
//! Field names follow the API as Sumo's Terraform provider sends it
//! (SumoLogic/terraform-provider-sumologic, `sumologic/sumologic_cse_match_rule.go`):
//! the API calls the severity `scoreMapping` where Terraform says
//! `severity_mapping`, and a match rule's `stream` is `record`.
//!
//! Two escapes matter beyond JSON's own (done by `serde_json`):
//! * the `*Expression` fields are templates where `{{attribute}}` is
//!   substituted, so `{{`/`}}` in our text is separated (`{ {`);
//! * every string of a `.tf.json` file is a Terraform template, where
//!   `${` and `%{` start an interpolation or directive: they are written
//!   `$${` and `%%{`, Terraform's escapes.
//!
//! The objects are checked by `validators/sumo/` (a JSON Schema written
//! from the provider's resource schema) in the tests.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;
use tunnelhunt_sigma::ast::Level;

use crate::DeployError;
use crate::meta::RuleMeta;
use crate::objects::{Entry, File, Form, Objects, unique_name};

/// The Terraform provider the resources need (registry address).
pub const PROVIDER_SOURCE: &str = "SumoLogic/sumologic";

/// A match rule, with the API's field names.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MatchRule {
    pub name: String,
    pub enabled: bool,
    pub is_prototype: bool,
    pub expression: String,
    pub name_expression: String,
    pub description_expression: String,
    pub summary_expression: String,
    pub entity_selectors: Vec<EntitySelector>,
    pub score_mapping: ScoreMapping,
    pub stream: &'static str,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EntitySelector {
    pub entity_type: &'static str,
    pub expression: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreMapping {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub default: u8,
}

/// The Cloud SIEM record types the backend's expressions select
/// (`objectType = "…"`), each with the entities its Signals are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    EndpointProcess,
    Endpoint,
    Network,
    NetworkDns,
    /// An expression that names no record type the backend writes.
    Other,
}

impl RecordType {
    /// The record type an expression starts by selecting.
    pub fn of_expression(expression: &str) -> RecordType {
        let Some(rest) = expression.strip_prefix("objectType = \"") else {
            return RecordType::Other;
        };
        match rest.split('"').next() {
            Some("EndpointProcess") => RecordType::EndpointProcess,
            Some("Endpoint") => RecordType::Endpoint,
            Some("Network") => RecordType::Network,
            Some("NetworkDNS") => RecordType::NetworkDns,
            _ => RecordType::Other,
        }
    }

    /// The entities a Signal is raised on: the host always; on endpoint
    /// records the user who ran it, on network records the source address
    /// (the tunnel's client end).
    pub fn entity_selectors(self) -> Vec<EntitySelector> {
        let host = EntitySelector {
            entity_type: "_hostname",
            expression: "device_hostname",
        };
        let user = EntitySelector {
            entity_type: "_username",
            expression: "user_username",
        };
        let source = EntitySelector {
            entity_type: "_ip",
            expression: "srcDevice_ip",
        };
        match self {
            RecordType::EndpointProcess | RecordType::Endpoint => vec![host, user],
            RecordType::Network | RecordType::NetworkDns => vec![host, source],
            RecordType::Other => vec![host],
        }
    }
}

/// Cloud SIEM's 0–10 severity for a Sigma level (as the backend's rule
/// body states it).
pub fn severity(level: Option<Level>) -> u8 {
    match level {
        Some(Level::Informational) => 1,
        Some(Level::Low) => 3,
        Some(Level::Medium) | None => 5,
        Some(Level::High) => 7,
        Some(Level::Critical) => 9,
    }
}

/// The match rule of one Sigma rule whose Cloud SIEM rendering is `rendered`
/// (the backend's JSON rule body).
pub fn match_rule(meta: &RuleMeta, rendered: &str) -> Result<MatchRule, DeployError> {
    let body: Value = serde_json::from_str(rendered).map_err(|e| DeployError::Serialize {
        what: "the Sumo backend's rule body (not JSON)",
        reason: e.to_string(),
    })?;
    let expression = body
        .get("expression")
        .and_then(Value::as_str)
        .ok_or_else(|| DeployError::Serialize {
            what: "the Sumo backend's rule body",
            reason: "it has no expression".to_owned(),
        })?
        .to_owned();
    let record = RecordType::of_expression(&expression);
    let selectors = record.entity_selectors();

    let title = no_templates(&meta.title);
    let mut summary = format!("{title} on {{{{device_hostname}}}}");
    if selectors.iter().any(|s| s.expression == "user_username") {
        summary.push_str(" by {{user_username}}");
    }
    Ok(MatchRule {
        name: meta.title.clone(),
        enabled: false,
        is_prototype: true,
        expression,
        name_expression: title,
        description_expression: no_templates(&description(meta)),
        summary_expression: summary,
        entity_selectors: selectors,
        score_mapping: ScoreMapping {
            kind: "constant",
            default: severity(meta.level),
        },
        stream: "record",
        tags: tags(meta, &body),
    })
}

/// The Signal's description: the rule's, its facts, then the guide.
fn description(meta: &RuleMeta) -> String {
    let mut text = meta.description.clone();
    let facts: Vec<String> = [
        ("Sigma rule", &meta.id),
        ("Branch", &meta.branch),
        ("Confidence", &meta.confidence),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: {v}")))
    .collect();
    if !facts.is_empty() {
        text.push_str("\n\n");
        text.push_str(&facts.join(" · "));
    }
    if !meta.falsepositives.is_empty() {
        text.push_str("\n\nFalse positives: ");
        text.push_str(&meta.falsepositives.join("; "));
    }
    if !meta.guide.is_empty() {
        text.push_str("\n\n");
        text.push_str(meta.guide.markdown(2).trim_end());
    }
    text
}

/// ATT&CK as Cloud SIEM's schema tags (tactics, then techniques, from the
/// ATT&CK table), then the backend's own `tunnelhunt_*` keyword tags.
fn tags(meta: &RuleMeta, body: &Value) -> Vec<String> {
    let mut tags: Vec<String> = meta
        .attack
        .tactics
        .iter()
        .map(|(tactic, _)| format!("_mitreAttackTactic:{}", tactic.id))
        .chain(
            meta.attack
                .techniques
                .iter()
                .map(|t| format!("_mitreAttackTechnique:{}", t.id)),
        )
        .collect();
    let keyword = body
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|t| !t.starts_with("_mitreAttack") && !t.trim().is_empty());
    for tag in keyword {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

/// Text for a Cloud SIEM `*Expression` template: `{{` and `}}` would start
/// and end an attribute substitution, so doubled braces are separated.
pub fn no_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c == '{' && out.ends_with('{')) || (c == '}' && out.ends_with('}')) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A string as Terraform reads it literally: `${` and `%{` would start an
/// interpolation or a directive in any string of a `.tf.json` file.
pub fn terraform_literal(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

/// The rules-API body of one rule: `{"fields": {…}}`, one line.
pub fn api_body(rule: &MatchRule) -> Result<String, DeployError> {
    serde_json::to_string(&serde_json::json!({ "fields": rule })).map_err(|e| {
        DeployError::Serialize {
            what: "a Cloud SIEM match rule as JSON",
            reason: e.to_string(),
        }
    })
}

/// A Terraform resource name: letters, digits, `_` and `-`, starting with
/// a letter or `_`.
pub fn resource_name(stem: &str) -> String {
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    name
}

/// The `.tf.json` file declaring one `sumologic_cse_match_rule` resource.
pub fn terraform(rule: &MatchRule, resource: &str) -> Result<String, DeployError> {
    let selectors: Vec<Value> = rule
        .entity_selectors
        .iter()
        .map(|s| serde_json::json!({ "entity_type": s.entity_type, "expression": s.expression }))
        .collect();
    let body = serde_json::json!({
        "name": rule.name,
        "enabled": rule.enabled,
        "is_prototype": rule.is_prototype,
        "expression": rule.expression,
        "name_expression": rule.name_expression,
        "description_expression": rule.description_expression,
        "summary_expression": rule.summary_expression,
        // Nested blocks in Terraform's JSON syntax: an array of objects,
        // one per block.
        "entity_selectors": selectors,
        "severity_mapping": [{ "type": rule.score_mapping.kind, "default": rule.score_mapping.default }],
        "tags": rule.tags,
    });
    let file = serde_json::json!({
        "resource": { "sumologic_cse_match_rule": { resource: escape_strings(body) } }
    });
    serde_json::to_string_pretty(&file)
        .map(|text| text + "\n")
        .map_err(|e| DeployError::Serialize {
            what: "a sumologic_cse_match_rule resource as JSON",
            reason: e.to_string(),
        })
}

/// Every string of a Terraform JSON value made literal.
fn escape_strings(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(terraform_literal(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(escape_strings).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, escape_strings(value)))
                .collect(),
        ),
        other => other,
    }
}

/// The provider requirement of the Terraform folder.
fn versions() -> String {
    let file = serde_json::json!({
        "terraform": { "required_providers": { "sumologic": { "source": PROVIDER_SOURCE } } }
    });
    // A literal `json!` value always serializes.
    serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
}

/// Cloud SIEM's objects: an API body per rule and a Terraform resource per
/// rule.
#[derive(Debug, Default)]
pub struct SumoObjects {
    built: Vec<Built>,
    names: BTreeSet<String>,
}

#[derive(Debug)]
struct Built {
    /// Unique among the rules of this export (a file name and a resource name).
    name: String,
    api: String,
    terraform: String,
}

impl Objects for SumoObjects {
    fn vendor(&self) -> &'static str {
        "Sumo Logic Cloud SIEM"
    }

    fn folder(&self) -> &'static str {
        "sumo"
    }

    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError> {
        let rule = match_rule(entry.meta, entry.query)?;
        let name = unique_name(&mut self.names, &resource_name(entry.stem));
        self.built.push(Built {
            api: api_body(&rule)?,
            terraform: terraform(&rule, &name)?,
            name,
        });
        Ok(())
    }

    fn len(&self) -> usize {
        self.built.len()
    }

    /// `--as rule`: `<rule>.json`, the API body; `--as repo`:
    /// `terraform/<rule>.tf.json` per rule and `terraform/versions.tf.json`.
    fn files(&self, form: Form) -> Result<Vec<File>, DeployError> {
        let mut files: Vec<File> = self
            .built
            .iter()
            .map(|built| match form {
                Form::Rule => File::new(format!("{}.json", built.name), format!("{}\n", built.api)),
                Form::Repo => File::new(
                    format!("terraform/{}.tf.json", built.name),
                    &built.terraform,
                ),
            })
            .collect();
        if form == Form::Repo {
            files.push(File::new("terraform/versions.tf.json", versions()));
        }
        Ok(files)
    }

    /// One API body per line.
    fn stdout(&self) -> Result<String, DeployError> {
        Ok(self.built.iter().map(|b| format!("{}\n", b.api)).collect())
    }

    fn how_to_deploy(&self, form: Form) -> String {
        match form {
            Form::Rule => "Each `.json` is the body of Cloud SIEM's create-rule call: \
                 `curl -u \"$ACCESS_ID:$ACCESS_KEY\" -H 'Content-Type: application/json' \
                 -d @rule.json https://api.<deployment>.sumologic.com/api/sec/v1/rules/templated`. \
                 Rules arrive disabled and as prototypes: review, then enable them under \
                 Cloud SIEM → Rules. See docs/deploy.md."
                .to_owned(),
            Form::Repo => "`terraform/` is a Terraform root module of \
                 `sumologic_cse_match_rule` resources (JSON syntax): set the provider's \
                 `SUMOLOGIC_ACCESSID`, `SUMOLOGIC_ACCESSKEY` and `SUMOLOGIC_ENVIRONMENT`, \
                 then `terraform init && terraform apply` in that folder. Rules arrive \
                 disabled and as prototypes. See docs/deploy.md."
                .to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_braces_are_separated_and_terraform_sequences_escaped() {
        assert_eq!(no_templates("a {{x}} b {y}"), "a { {x} } b {y}");
        assert_eq!(no_templates("{{{"), "{ { {");
        assert_eq!(
            terraform_literal("${a} %{b} $${c} $x"),
            "$${a} %%{b} $$${c} $x"
        );
    }

    #[test]
    fn record_types_choose_entities() {
        assert_eq!(
            RecordType::of_expression("objectType = \"NetworkDNS\" AND (x)"),
            RecordType::NetworkDns
        );
        assert_eq!(
            RecordType::of_expression("objectType = \"Endpoint\" AND (x)"),
            RecordType::Endpoint
        );
        assert_eq!(RecordType::of_expression("x = 1"), RecordType::Other);
        let dns: Vec<&str> = RecordType::NetworkDns
            .entity_selectors()
            .iter()
            .map(|s| s.expression)
            .collect();
        assert_eq!(dns, ["device_hostname", "srcDevice_ip"]);
    }

    #[test]
    fn resource_names_are_terraform_identifiers() {
        assert_eq!(resource_name("proc_creation-x"), "proc_creation-x");
        assert_eq!(resource_name("7zip.rule"), "_7zip_rule");
    }
}
