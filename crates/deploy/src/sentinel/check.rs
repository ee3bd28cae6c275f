//! The checks the Azure-Sentinel repository's CI runs on analytics-rule
//! YAML (`.script/tests/detectionTemplateSchemaValidation/`), as a table:
//! each [`Check`] names the field, the repository file it comes from, and
//! a function that reports what is wrong. Our tests run it on every object
//! we write, on real rules kept in `validators/sentinel/rules/` (they
//! pass), and on broken copies of them (each break is reported).
//!
//! It reads the YAML back with saphyr, so it checks the text a pull request
//! would carry, not our in-memory model.

use std::collections::BTreeMap;

use saphyr::{LoadableYamlNode, Yaml};

use super::RuleKind;
use crate::attack;
use crate::schedule::parse_duration;

/// One problem: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

/// One check of the table.
pub struct Check {
    pub field: &'static str,
    /// The repository file the rule is taken from.
    pub source: &'static str,
    run: fn(&Yaml<'_>) -> Option<String>,
}

/// The severities of `ScheduledTemplateInternalModel.cs`.
pub const SEVERITIES: [&str; 4] = ["Informational", "Low", "Medium", "High"];

/// `AttackTactic.cs`.
pub const TACTICS: [&str; 16] = [
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "Exfiltration",
    "CommandAndControl",
    "Impact",
    "Reconnaissance",
    "ResourceDevelopment",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

/// `ScheduledTemplateTriggerOperatorConverter.cs`'s short forms.
pub const TRIGGER_OPERATORS: [&str; 4] = ["gt", "lt", "eq", "ne"];

/// An entity type, its valid identifiers, and the identifier sets one of
/// which must be mapped.
pub type EntityIdentifiers = (
    &'static str,
    &'static [&'static str],
    &'static [&'static [&'static str]],
);

/// Entity types of `EntityMappingIdentifiers.cs` (those a detection rule
/// of this kind can meet).
pub const ENTITY_IDENTIFIERS: &[EntityIdentifiers] = &[
    (
        "Account",
        &[
            "Name",
            "FullName",
            "NTDomain",
            "DnsDomain",
            "UPNSuffix",
            "Sid",
            "AadTenantId",
            "AadUserId",
            "PUID",
            "IsDomainJoined",
            "DisplayName",
            "ObjectGuid",
        ],
        &[
            &["FullName"],
            &["Sid"],
            &["Name"],
            &["AadUserId"],
            &["PUID"],
            &["ObjectGuid"],
        ],
    ),
    (
        "Host",
        &[
            "DnsDomain",
            "NTDomain",
            "HostName",
            "FullName",
            "NetBiosName",
            "AzureID",
            "OMSAgentID",
            "OSFamily",
            "OSVersion",
            "IsDomainJoined",
        ],
        &[
            &["FullName"],
            &["HostName"],
            &["NetBiosName"],
            &["AzureID"],
            &["OMSAgentID"],
        ],
    ),
    ("IP", &["Address"], &[&["Address"]]),
    ("DNS", &["DomainName"], &[&["DomainName"]]),
    (
        "Process",
        &[
            "ProcessId",
            "CommandLine",
            "ElevationToken",
            "CreationTimeUtc",
        ],
        &[&["CommandLine"], &["ProcessId"]],
    ),
    ("RegistryKey", &["Hive", "Key"], &[&["Key"], &["Hive"]]),
    (
        "RegistryValue",
        &["Name", "Value", "ValueType"],
        &[&["Name"]],
    ),
    ("File", &["Directory", "Name"], &[&["Name"]]),
    (
        "FileHash",
        &["Algorithm", "Value"],
        &[&["Algorithm", "Value"]],
    ),
    ("URL", &["Url"], &[&["Url"]]),
    ("Malware", &["Name", "Category"], &[&["Name"]]),
    ("AzureResource", &["ResourceId"], &[&["ResourceId"]]),
    (
        "CloudApplication",
        &["AppId", "Name", "InstanceName"],
        &[&["AppId"], &["Name"]],
    ),
];

fn get<'a, 'y>(doc: &'a Yaml<'y>, key: &str) -> Option<&'a Yaml<'y>> {
    doc.as_mapping_get(key)
}

fn text<'a>(doc: &'a Yaml<'_>, key: &str) -> Option<&'a str> {
    get(doc, key).and_then(|v| v.as_str())
}

fn list<'a, 'y>(doc: &'a Yaml<'y>, key: &str) -> &'a [Yaml<'y>] {
    get(doc, key)
        .and_then(|v| v.as_sequence())
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn is_nrt(doc: &Yaml<'_>) -> bool {
    text(doc, "kind").and_then(RuleKind::parse) == Some(RuleKind::Nrt)
}

/// `8-4-4-4-12` hexadecimal digits, as .NET's `Guid` parses a YAML id.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `^[a-zA-Z_]+\w*$`: a Log Analytics column name (`first_letters` says
/// which characters may start it).
fn column_like(text: &str, underscore_first: bool) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || (underscore_first && c == '_'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn placeholders(text: &str) -> usize {
    text.matches("{{").count()
}

fn required(doc: &Yaml<'_>) -> Option<String> {
    let mut wanted = vec!["id", "name", "description", "severity", "query", "kind"];
    if !is_nrt(doc) {
        wanted.extend([
            "requiredDataConnectors",
            "queryFrequency",
            "queryPeriod",
            "triggerOperator",
            "triggerThreshold",
        ]);
    }
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|k| get(doc, k).is_none_or(|v| v.is_null()))
        .collect();
    (!missing.is_empty()).then(|| format!("missing {}", missing.join(", ")))
}

fn id(doc: &Yaml<'_>) -> Option<String> {
    match text(doc, "id") {
        Some(id) if is_guid(id) => None,
        Some(id) => Some(format!("'{id}' is not a GUID")),
        None => Some("no id".to_owned()),
    }
}

fn name(doc: &Yaml<'_>) -> Option<String> {
    let n = text(doc, "name")?.chars().count();
    (n == 0 || n > 256).then(|| format!("{n} characters (1 to 256)"))
}

fn description(doc: &Yaml<'_>) -> Option<String> {
    let n = text(doc, "description")?.chars().count();
    (n > 5000).then(|| format!("{n} characters (at most 5000)"))
}

fn severity(doc: &Yaml<'_>) -> Option<String> {
    let s = text(doc, "severity")?;
    (!SEVERITIES.contains(&s)).then(|| format!("'{s}' is not one of {SEVERITIES:?}"))
}

fn query(doc: &Yaml<'_>) -> Option<String> {
    let n = text(doc, "query")?.chars().count();
    (n == 0 || n > 10_000).then(|| format!("{n} characters (1 to 10000)"))
}

fn kind(doc: &Yaml<'_>) -> Option<String> {
    let k = text(doc, "kind")?;
    RuleKind::parse(k)
        .is_none()
        .then(|| format!("'{k}' is not Scheduled or NRT"))
}

fn duration(doc: &Yaml<'_>, key: &str) -> Result<Option<u64>, String> {
    match get(doc, key) {
        None => Ok(None),
        Some(v) => {
            let t = v
                .as_str()
                .ok_or_else(|| format!("{key} is not a duration"))?;
            parse_duration(t)
                .map(Some)
                .map_err(|_| format!("{key} '{t}' is not a duration"))
        }
    }
}

fn schedule(doc: &Yaml<'_>) -> Option<String> {
    if is_nrt(doc) {
        let set: Vec<&str> = [
            "queryFrequency",
            "queryPeriod",
            "triggerOperator",
            "triggerThreshold",
        ]
        .into_iter()
        .filter(|k| get(doc, k).is_some())
        .collect();
        return (!set.is_empty())
            .then(|| format!("an NRT rule runs continuously: no {}", set.join(", ")));
    }
    let frequency = match duration(doc, "queryFrequency") {
        Ok(f) => f,
        Err(e) => return Some(e),
    };
    let period = match duration(doc, "queryPeriod") {
        Ok(p) => p,
        Err(e) => return Some(e),
    };
    let range = super::MIN_SCHEDULE_SECS..=super::MAX_SCHEDULE_SECS;
    for (key, value) in [("queryFrequency", frequency), ("queryPeriod", period)] {
        if let Some(secs) = value.filter(|s| !range.contains(s)) {
            return Some(format!("{key} of {secs}s is outside 5m to 14d"));
        }
    }
    match (frequency, period) {
        (Some(f), Some(p)) if p < f => {
            Some("queryPeriod is shorter than queryFrequency".to_owned())
        }
        _ => None,
    }
}

fn trigger(doc: &Yaml<'_>) -> Option<String> {
    if is_nrt(doc) {
        return None;
    }
    if let Some(op) = get(doc, "triggerOperator")
        && !op.as_str().is_some_and(|o| TRIGGER_OPERATORS.contains(&o))
    {
        return Some(format!(
            "triggerOperator is not one of {TRIGGER_OPERATORS:?}"
        ));
    }
    match get(doc, "triggerThreshold").map(|t| t.as_integer()) {
        Some(Some(0..=10_000)) | None => None,
        Some(_) => Some("triggerThreshold is not an integer from 0 to 10000".to_owned()),
    }
}

fn connectors(doc: &Yaml<'_>) -> Option<String> {
    for connector in list(doc, "requiredDataConnectors") {
        if text(connector, "connectorId").is_none_or(str::is_empty) {
            return Some("a connector has no connectorId".to_owned());
        }
        if list(connector, "dataTypes").is_empty() {
            return Some("a connector lists no dataTypes".to_owned());
        }
    }
    None
}

fn tactics(doc: &Yaml<'_>) -> Option<String> {
    let bad: Vec<String> = list(doc, "tactics")
        .iter()
        .filter(|t| !t.as_str().is_some_and(|t| TACTICS.contains(&t)))
        .map(|t| format!("{:?}", t.as_str().unwrap_or("?")))
        .collect();
    (!bad.is_empty()).then(|| format!("not Sentinel tactics: {}", bad.join(", ")))
}

fn is_technique_id(text: &str) -> bool {
    let (parent, sub) = match text.split_once('.') {
        Some((p, s)) => (p, Some(s)),
        None => (text, None),
    };
    let digits = |s: &str, n| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    parent.strip_prefix('T').is_some_and(|d| digits(d, 4)) && sub.is_none_or(|s| digits(s, 3))
}

fn techniques(doc: &Yaml<'_>) -> Option<String> {
    let tactics: Vec<&str> = list(doc, "tactics")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    let table = attack::table();
    for technique in list(doc, "relevantTechniques") {
        let Some(id) = technique.as_str().filter(|t| is_technique_id(t)) else {
            return Some(format!(
                "{technique:?} is not a technique id like T1572 or T1090.001"
            ));
        };
        // The repository's KillChainTechniquesHelper pairs the parent
        // technique with its tactics; a technique our table lacks is not
        // judged.
        let parent = id.split_once('.').map_or(id, |(p, _)| p);
        if let Some(row) = table.technique(parent) {
            for tactic_id in &row.tactics {
                let Some(tactic) = table.tactic(tactic_id) else {
                    continue;
                };
                let name = super::tactic_name(&tactic.name);
                if !tactics.contains(&name.as_str()) {
                    return Some(format!("{id} serves {name}, which tactics does not list"));
                }
            }
        }
    }
    None
}

fn entity_mappings(doc: &Yaml<'_>) -> Option<String> {
    let mappings = get(doc, "entityMappings")?;
    let mappings = mappings
        .as_sequence()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if !(1..=5).contains(&mappings.len()) {
        return Some(format!("{} mappings (1 to 5)", mappings.len()));
    }
    for mapping in mappings {
        let entity = text(mapping, "entityType").unwrap_or_default();
        let Some((_, valid, required)) = ENTITY_IDENTIFIERS.iter().find(|(t, _, _)| *t == entity)
        else {
            return Some(format!("unknown entity type '{entity}'"));
        };
        let fields = list(mapping, "fieldMappings");
        if !(1..=3).contains(&fields.len()) {
            return Some(format!("{entity}: {} identifiers (1 to 3)", fields.len()));
        }
        let mut used: Vec<&str> = Vec::new();
        for field in fields {
            let identifier = text(field, "identifier").unwrap_or_default();
            if !valid.contains(&identifier) {
                return Some(format!(
                    "{entity}: '{identifier}' is not one of its identifiers"
                ));
            }
            if used.contains(&identifier) {
                return Some(format!("{entity}: '{identifier}' is mapped twice"));
            }
            let column = text(field, "columnName").unwrap_or_default();
            if column.len() > 500 || !column_like(column, true) {
                return Some(format!("{entity}: '{column}' is not a column name"));
            }
            used.push(identifier);
        }
        if !required
            .iter()
            .any(|set| set.iter().all(|i| used.contains(i)))
        {
            return Some(format!(
                "{entity}: none of its required identifiers is mapped"
            ));
        }
    }
    None
}

/// The `*CustomEntity` columns of the old entity format.
const OLD_ENTITY_COLUMNS: [&str; 6] = [
    "AccountCustomEntity",
    "HostCustomEntity",
    "IPCustomEntity",
    "URLCustomEntity",
    "ProcessCustomEntity",
    "FileHashCustomEntity",
];

fn old_entity_columns(doc: &Yaml<'_>) -> Option<String> {
    let query = text(doc, "query")?;
    let mapped: Vec<&str> = list(doc, "entityMappings")
        .iter()
        .flat_map(|m| list(m, "fieldMappings"))
        .filter_map(|f| text(f, "columnName"))
        .collect();
    OLD_ENTITY_COLUMNS
        .iter()
        .find(|c| query.contains(*c) && !mapped.contains(c))
        .map(|c| format!("the query makes {c} but no entity mapping reads it"))
}

fn custom_details(doc: &Yaml<'_>) -> Option<String> {
    let details = get(doc, "customDetails")?.as_mapping()?;
    if details.len() > 20 {
        return Some(format!("{} custom details (at most 20)", details.len()));
    }
    for (key, value) in details {
        let key = key.as_str().unwrap_or_default();
        let value = value.as_str().unwrap_or_default();
        if key.len() > 20 || !column_like(key, false) {
            return Some(format!(
                "key '{key}' must be a letter then letters, digits or _ (at most 20)"
            ));
        }
        if value.len() > 500 || !column_like(value, true) {
            return Some(format!("'{key}': '{value}' is not a column name"));
        }
    }
    None
}

fn alert_details_override(doc: &Yaml<'_>) -> Option<String> {
    let o = get(doc, "alertDetailsOverride")?;
    for (key, max) in [
        ("alertDisplayNameFormat", 256),
        ("alertDescriptionFormat", 5000),
    ] {
        if let Some(format) = text(o, key) {
            if format.trim().is_empty() {
                return Some(format!("{key} is empty"));
            }
            if format.chars().count() > max {
                return Some(format!("{key} is over {max} characters"));
            }
            if placeholders(format) > 3 {
                return Some(format!("{key} has more than 3 {{{{column}}}} placeholders"));
            }
        }
    }
    None
}

fn event_grouping(doc: &Yaml<'_>) -> Option<String> {
    let kind = text(get(doc, "eventGroupingSettings")?, "aggregationKind")?;
    (!["SingleAlert", "AlertPerResult"].contains(&kind))
        .then(|| format!("aggregationKind '{kind}' is not SingleAlert or AlertPerResult"))
}

fn version(doc: &Yaml<'_>) -> Option<String> {
    let v = get(doc, "version")?;
    let Some(v) = v.as_str() else {
        return Some("version is not X.Y.Z text".to_owned());
    };
    let parts: Vec<&str> = v.split('.').collect();
    let ok = v.len() <= 20
        && parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    (!ok).then(|| format!("'{v}' is not X.Y.Z (all numbers)"))
}

/// Every check, in the order problems are reported.
pub const CHECKS: &[Check] = &[
    Check {
        field: "(required)",
        source: "Models/ScheduledTemplateInternalModel.cs, AnalyticsTemplateInternalModelBase.cs (Required.Always)",
        run: required,
    },
    Check {
        field: "id",
        source: "Models/AnalyticsTemplateInternalModelBase.cs (Guid Id)",
        run: id,
    },
    Check {
        field: "name",
        source: "Models/AnalyticsTemplateInternalModelBase.cs (StringLength(256))",
        run: name,
    },
    Check {
        field: "description",
        source: "Models/AnalyticsTemplateInternalModelBase.cs (StringLength(5000))",
        run: description,
    },
    Check {
        field: "severity",
        source: "Models/ScheduledTemplateInternalModel.cs (enum Severity)",
        run: severity,
    },
    Check {
        field: "query",
        source: "Models/ScheduledTemplateInternalModel.cs (StringLength(10000, MinimumLength = 1))",
        run: query,
    },
    Check {
        field: "kind",
        source: "Models/AlertRuleKind.cs",
        run: kind,
    },
    Check {
        field: "queryFrequency/queryPeriod",
        source: "Models/ScheduledTemplateInternalModel.cs (RangeTimeSpanIsoFormat 00:05:00–14.00:00:00), ModelValidationAttributes/PeriodGreaterThanOrEqualFrequencyAttribute.cs, NrtTemplateInternalModel.cs",
        run: schedule,
    },
    Check {
        field: "triggerOperator/triggerThreshold",
        source: "Models/ScheduledTemplateTriggerOperatorConverter.cs, ScheduledTemplateInternalModel.cs (Range(0, 10000))",
        run: trigger,
    },
    Check {
        field: "requiredDataConnectors",
        source: "Models/DataConnectorInternalModel.cs",
        run: connectors,
    },
    Check {
        field: "tactics",
        source: "Models/AttackTactic.cs",
        run: tactics,
    },
    Check {
        field: "relevantTechniques",
        source: "Models/AttackTechniques.cs, ModelValidationAttributes/NoTechniquesWithoutMatchingTactics.cs",
        run: techniques,
    },
    Check {
        field: "entityMappings",
        source: "ModelValidationAttributes/ValidEntityMappingsAttribute.cs (1–5 mappings, 1–3 identifiers), EntityMappingIdentifiers.cs",
        run: entity_mappings,
    },
    Check {
        field: "entityMappings (old columns)",
        source: "ModelValidationAttributes/NewEntityMappingsAttribute.cs",
        run: old_entity_columns,
    },
    Check {
        field: "customDetails",
        source: "Models/ScheduledTemplateInternalModel.cs (DictionaryLength(20), key and value regexes)",
        run: custom_details,
    },
    Check {
        field: "alertDetailsOverride",
        source: "Models/AlertDetailsOverride.cs (NonEmptyString, StringLength 256/5000), ModelValidationAttributes/MaxAmountOfDynamicContentPlaceHoldersAttribute.cs",
        run: alert_details_override,
    },
    Check {
        field: "eventGroupingSettings",
        source: "Models/EventGroupingSettings.cs",
        run: event_grouping,
    },
    Check {
        field: "version",
        source: "ModelValidationAttributes/QueryBasedTemplateVersionValidator.cs (X.Y.Z, StringLength(20))",
        run: version,
    },
];

/// The problems of one rule's YAML text (a text that is not one YAML
/// mapping is one problem).
pub fn check_text(yaml: &str) -> Vec<Problem> {
    let docs = match Yaml::load_from_str(yaml) {
        Ok(docs) => docs,
        Err(e) => {
            return vec![Problem {
                field: "(yaml)",
                message: e.to_string(),
            }];
        }
    };
    match docs.as_slice() {
        [doc] if doc.as_mapping().is_some() => check(doc),
        _ => vec![Problem {
            field: "(yaml)",
            message: "not one YAML mapping".to_owned(),
        }],
    }
}

/// The problems of one parsed rule.
pub fn check(doc: &Yaml<'_>) -> Vec<Problem> {
    CHECKS
        .iter()
        .filter_map(|c| {
            (c.run)(doc).map(|message| Problem {
                field: c.field,
                message,
            })
        })
        .collect()
}

/// Ids used by more than one of `files` (`Validate_DetectionTemplates_
/// NoSameTemplateIdTwice`), with the files that use each.
pub fn duplicate_ids<'a>(files: &[(&'a str, &str)]) -> BTreeMap<String, Vec<&'a str>> {
    let mut by_id: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
    for (name, yaml) in files {
        if let Ok(docs) = Yaml::load_from_str(yaml)
            && let Some(id) = docs.first().and_then(|d| text(d, "id"))
        {
            by_id.entry(id.to_ascii_lowercase()).or_default().push(name);
        }
    }
    by_id.retain(|_, names| names.len() > 1);
    by_id
}
