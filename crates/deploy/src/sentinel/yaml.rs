//! An analytics rule as the Azure-Sentinel repository's YAML, written by
//! saphyr's emitter (the YAML library the workspace already parses with)
//! from a node tree, never by pasting strings: the emitter quotes and
//! escapes every scalar that needs it, and writes the query and the
//! description as literal blocks (`|`) as the repository does.

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};

use super::{AnalyticsRule, RuleKind};
use crate::DeployError;
use crate::schedule::format_duration;

fn text(value: &str) -> Yaml<'static> {
    Yaml::Value(Scalar::String(value.to_owned().into()))
}

fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> Yaml<'static> {
    Yaml::Sequence(items.into_iter().map(text).collect())
}

fn map(pairs: Vec<(&str, Yaml<'static>)>) -> Yaml<'static> {
    let mut mapping = Mapping::new();
    for (key, value) in pairs {
        mapping.insert(text(key), value);
    }
    Yaml::Mapping(mapping)
}

/// The rule as a YAML node, keys in the repository's order.
pub fn node(rule: &AnalyticsRule) -> Yaml<'static> {
    let mut pairs = vec![
        ("id", text(&rule.id)),
        ("name", text(&rule.name)),
        ("description", text(&rule.description)),
        ("severity", text(rule.severity.as_str())),
        (
            "requiredDataConnectors",
            Yaml::Sequence(
                rule.required_data_connectors
                    .iter()
                    .map(|c| {
                        map(vec![
                            ("connectorId", text(c.connector_id)),
                            ("dataTypes", list(c.data_types.iter().map(String::as_str))),
                        ])
                    })
                    .collect(),
            ),
        ),
    ];
    pairs.push((
        "queryFrequency",
        text(&format_duration(rule.query_frequency_secs)),
    ));
    pairs.push((
        "queryPeriod",
        text(&format_duration(rule.query_period_secs)),
    ));
    pairs.push(("triggerOperator", text("gt")));
    pairs.push(("triggerThreshold", Yaml::Value(Scalar::Integer(0))));
    // The repository leaves out what a rule does not have.
    if !rule.tactics.is_empty() {
        pairs.push(("tactics", list(rule.tactics.iter().map(String::as_str))));
    }
    if !rule.relevant_techniques.is_empty() {
        pairs.push((
            "relevantTechniques",
            list(rule.relevant_techniques.iter().map(String::as_str)),
        ));
    }
    pairs.push(("query", text(&rule.query)));
    if !rule.entity_mappings.is_empty() {
        pairs.push((
            "entityMappings",
            Yaml::Sequence(
                rule.entity_mappings
                    .iter()
                    .map(|m| {
                        map(vec![
                            ("entityType", text(m.entity_type)),
                            (
                                "fieldMappings",
                                Yaml::Sequence(
                                    m.field_mappings
                                        .iter()
                                        .map(|f| {
                                            map(vec![
                                                ("identifier", text(f.identifier)),
                                                ("columnName", text(&f.column_name)),
                                            ])
                                        })
                                        .collect(),
                                ),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ));
    }
    if !rule.custom_details.is_empty() {
        pairs.push((
            "customDetails",
            map(rule
                .custom_details
                .iter()
                .map(|(k, v)| (k.as_str(), text(v)))
                .collect()),
        ));
    }
    if let Some(o) = &rule.alert_details_override {
        pairs.push((
            "alertDetailsOverride",
            map(vec![
                ("alertDisplayNameFormat", text(&o.alert_display_name_format)),
                ("alertDescriptionFormat", text(&o.alert_description_format)),
            ]),
        ));
    }
    pairs.push((
        "eventGroupingSettings",
        map(vec![("aggregationKind", text("AlertPerResult"))]),
    ));
    pairs.push(("version", text(rule.version)));
    pairs.push(("kind", text(RuleKind::Scheduled.as_str())));
    map(pairs)
}

/// The rule's YAML file (without the `---` document marker, as the
/// repository's files start).
pub fn to_yaml(rule: &AnalyticsRule) -> Result<String, DeployError> {
    let mut out = String::new();
    let mut emitter = YamlEmitter::new(&mut out);
    emitter.multiline(true);
    emitter
        .dump(&node(rule))
        .map_err(|e| DeployError::Serialize {
            what: "a Sentinel analytics rule as YAML",
            reason: e.to_string(),
        })?;
    let body = out.strip_prefix("---\n").unwrap_or(&out);
    Ok(format!("{body}\n"))
}
