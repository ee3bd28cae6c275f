//! Analytics rules as an ARM template: one
//! `Microsoft.OperationalInsights/workspaces/providers/alertRules` resource
//! per rule, in the shape Sentinel's own exported templates and the
//! Azure-Sentinel repository's solution packages use, with `properties` as
//! the REST API's `ScheduledAlertRuleProperties` of [`API_VERSION`]
//! defines them (checked against that specification in the tests,
//! `validators/sentinel/`).
//!
//! Two things differ from the YAML: durations are ISO 8601 (`PT5M`,
//! `P1D`), and a string that starts with `[` is escaped as `[[`, because
//! ARM evaluates such a string as a template expression.

use serde::Serialize;

use super::{AnalyticsRule, RuleKind};
use crate::DeployError;

/// The stable `Microsoft.SecurityInsights` API version the templates name.
pub const API_VERSION: &str = "2024-03-01";

/// The resource type of a workspace's analytics rule.
pub const RESOURCE_TYPE: &str = "Microsoft.OperationalInsights/workspaces/providers/alertRules";

/// `300` → `PT5M`, `3900` → `PT1H5M`, `86400` → `P1D`.
pub fn iso_duration(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (hours, minutes, seconds) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rest > 0 || days == 0 {
        out.push('T');
        for (value, unit) in [(hours, 'H'), (minutes, 'M'), (seconds, 'S')] {
            if value > 0 {
                out.push_str(&format!("{value}{unit}"));
            }
        }
        if rest == 0 {
            out.push_str("0S");
        }
    }
    out
}

/// A string as ARM reads it back: one leading `[` more when it starts with
/// `[`, which ARM would otherwise evaluate as an expression.
pub fn arm_text(text: &str) -> String {
    if text.starts_with('[') {
        format!("[{text}")
    } else {
        text.to_owned()
    }
}

/// The value a string written by [`arm_text`] deploys as.
pub fn arm_value(written: &str) -> &str {
    if written.starts_with("[[") {
        &written[1..]
    } else {
        written
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Template<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    content_version: &'static str,
    parameters: Parameters,
    resources: Vec<Resource<'a>>,
}

#[derive(Serialize)]
struct Parameters {
    workspace: Parameter,
}

#[derive(Serialize)]
struct Parameter {
    #[serde(rename = "type")]
    kind: &'static str,
    metadata: ParameterMetadata,
}

#[derive(Serialize)]
struct ParameterMetadata {
    description: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Resource<'a> {
    id: String,
    name: String,
    #[serde(rename = "type")]
    resource_type: &'static str,
    kind: &'static str,
    api_version: &'static str,
    properties: Properties<'a>,
}

/// `ScheduledAlertRuleProperties` (and the common properties it includes).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
    display_name: String,
    description: String,
    severity: &'static str,
    enabled: bool,
    query: String,
    query_frequency: String,
    query_period: String,
    trigger_operator: &'static str,
    trigger_threshold: u32,
    suppression_duration: String,
    suppression_enabled: bool,
    tactics: &'a [String],
    techniques: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    entity_mappings: Vec<EntityMapping>,
    #[serde(skip_serializing_if = "CustomDetails::is_empty")]
    custom_details: CustomDetails,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert_details_override: Option<AlertDetailsOverride>,
    event_grouping_settings: EventGroupingSettings,
    incident_configuration: IncidentConfiguration,
}

/// `customDetails` as a JSON object in the rule's key order (a map type
/// would sort the keys, or not, depending on serde_json's features).
struct CustomDetails(Vec<(String, String)>);

impl CustomDetails {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for CustomDetails {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, column) in &self.0 {
            map.serialize_entry(key, column)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntityMapping {
    entity_type: &'static str,
    field_mappings: Vec<FieldMapping>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FieldMapping {
    identifier: &'static str,
    column_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AlertDetailsOverride {
    alert_display_name_format: String,
    alert_description_format: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventGroupingSettings {
    aggregation_kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IncidentConfiguration {
    create_incident: bool,
    grouping_configuration: GroupingConfiguration,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupingConfiguration {
    enabled: bool,
    reopen_closed_incident: bool,
    lookback_duration: String,
    matching_method: &'static str,
}

fn resource(rule: &AnalyticsRule) -> Resource<'_> {
    // ATT&CK technique ids only: the API's `techniques` holds parents
    // (`T1090`), and a sub-technique's parent stands for it.
    let mut techniques: Vec<&str> = rule
        .relevant_techniques
        .iter()
        .map(|t| t.split_once('.').map_or(t.as_str(), |(parent, _)| parent))
        .collect();
    techniques.dedup();
    let custom_details = CustomDetails(
        rule.custom_details
            .iter()
            .map(|(k, v)| (k.clone(), arm_text(v)))
            .collect(),
    );
    let id = rule.id.to_ascii_lowercase();
    Resource {
        id: format!(
            "[concat(resourceId('Microsoft.OperationalInsights/workspaces/providers', \
             parameters('workspace'), 'Microsoft.SecurityInsights'), '/alertRules/{id}')]"
        ),
        name: format!("[concat(parameters('workspace'), '/Microsoft.SecurityInsights/{id}')]"),
        resource_type: RESOURCE_TYPE,
        kind: RuleKind::Scheduled.as_str(),
        api_version: API_VERSION,
        properties: Properties {
            display_name: arm_text(&rule.name),
            description: arm_text(&rule.description),
            severity: rule.severity.as_str(),
            enabled: true,
            query: arm_text(&rule.query),
            query_frequency: iso_duration(rule.query_frequency_secs),
            query_period: iso_duration(rule.query_period_secs),
            trigger_operator: "GreaterThan",
            trigger_threshold: 0,
            suppression_duration: "PT1H".to_owned(),
            suppression_enabled: false,
            tactics: &rule.tactics,
            techniques,
            entity_mappings: rule
                .entity_mappings
                .iter()
                .map(|m| EntityMapping {
                    entity_type: m.entity_type,
                    field_mappings: m
                        .field_mappings
                        .iter()
                        .map(|f| FieldMapping {
                            identifier: f.identifier,
                            column_name: arm_text(&f.column_name),
                        })
                        .collect(),
                })
                .collect(),
            custom_details,
            alert_details_override: rule.alert_details_override.as_ref().map(|o| {
                AlertDetailsOverride {
                    alert_display_name_format: arm_text(&o.alert_display_name_format),
                    alert_description_format: arm_text(&o.alert_description_format),
                }
            }),
            event_grouping_settings: EventGroupingSettings {
                aggregation_kind: "AlertPerResult",
            },
            incident_configuration: IncidentConfiguration {
                create_incident: true,
                grouping_configuration: GroupingConfiguration {
                    enabled: false,
                    reopen_closed_incident: false,
                    lookback_duration: "PT5H".to_owned(),
                    matching_method: "AllEntities",
                },
            },
        },
    }
}

/// One deployment template holding `rules`.
pub fn template(rules: &[&AnalyticsRule]) -> Result<String, DeployError> {
    let template = Template {
        schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        content_version: "1.0.0.0",
        parameters: Parameters {
            workspace: Parameter {
                kind: "String",
                metadata: ParameterMetadata {
                    description: "The Log Analytics workspace Microsoft Sentinel runs on",
                },
            },
        },
        resources: rules.iter().map(|r| resource(r)).collect(),
    };
    serde_json::to_string_pretty(&template)
        .map(|text| text + "\n")
        .map_err(|e| DeployError::Serialize {
            what: "a Sentinel ARM template",
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso_duration(300), "PT5M");
        assert_eq!(iso_duration(3900), "PT1H5M");
        assert_eq!(iso_duration(86_400), "P1D");
        assert_eq!(iso_duration(90_000), "P1DT1H");
        assert_eq!(iso_duration(14 * 86_400), "P14D");
    }

    #[test]
    fn a_leading_bracket_is_not_an_expression() {
        assert_eq!(arm_text("[x]"), "[[x]");
        assert_eq!(arm_value(&arm_text("[x]")), "[x]");
        assert_eq!(arm_value(&arm_text("a[x]")), "a[x]");
    }
}
