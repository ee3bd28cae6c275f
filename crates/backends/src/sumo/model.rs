//! The two Sumo Logic data models.
//!
//! **Cloud SIEM records** (default flavor). Attribute names and types are
//! Sumo's normalized schema (SumoLogic/cloud-siem-content-catalog,
//! `schema/general_fields.md`: `baseImage`, `commandLine`,
//! `parentBaseImage`, `parentCommandLine`, `pid`/`parentPid` (int),
//! `user_username`, `srcDevice_ip`, `srcPort` (int), `dstDevice_ip`,
//! `dstPort` (int), `dstDevice_hostname`, `dns_query`, `changeTarget`) and
//! the record types of `schema/record_types.md` (`EndpointProcess` for
//! process auditing, `Network`, `NetworkDNS`, `Endpoint` for other
//! endpoint behaviour such as registry changes). A scope's selector is the
//! `objectType` test that picks its records. Sysmon fields without a
//! normalized attribute (`OriginalFileName`, `Description`, `Details`,
//! `Initiated`, …) are not mapped: a rule using them is refused.
//!
//! **Log search over Windows event JSON** (`search` flavor): the tables
//! are in [`super::sysmon`] (Sysmon) and [`super::winevent`] (Security and
//! PowerShell/Operational channels); every field is extracted with
//! `json … nodrop` under its event-schema name. The source scopes are
//! conventions, [`SEARCH_SOURCE`] and [`SEARCH_SOURCES`]: replace them
//! with the source categories your event JSON is collected under.

use crate::model::{DataModel, FieldMap, LogsourceKey, Scope};

pub(crate) use super::sysmon::SYSMON_JSON;

/// The search scope the log-search flavor starts with. Overridable by
/// editing the query; named here so it is reviewed with the mapping.
pub const SEARCH_SOURCE: &str = "_sourceCategory=windows/sysmon";

/// The search scope of each non-Sysmon channel, by scope name
/// ([`super::winevent`]); every other scope uses [`SEARCH_SOURCE`]. Like
/// it, placeholders to set to where the channel is collected (the
/// selectors also test `Channel`, so a shared category stays exact).
pub const SEARCH_SOURCES: &[(&str, &str)] = &[
    (
        super::winevent::SECURITY_SCOPE,
        "_sourceCategory=windows/security",
    ),
    (
        super::winevent::PS_SCRIPT_SCOPE,
        "_sourceCategory=windows/powershell",
    ),
    (
        super::winevent::PS_MODULE_SCOPE,
        "_sourceCategory=windows/powershell",
    ),
    (
        super::winevent::PS_CHANNEL_SCOPE,
        "_sourceCategory=windows/powershell",
    ),
];

/// The search scope (`_sourceCategory=…`) a scope's records are under.
pub(crate) fn search_source(scope: &Scope) -> &'static str {
    SEARCH_SOURCES
        .iter()
        .find(|(name, _)| *name == scope.name)
        .map_or(SEARCH_SOURCE, |(_, source)| source)
}

/// Where the Sysmon event id is in the JSON record, and the name the
/// query extracts it as.
pub(crate) const SEARCH_EVENT_ID: (&str, &str) = ("Event.System.EventID", "EventID");

const CSE_PROCESS: &[FieldMap] = &[
    FieldMap::text("Image", "baseImage"),
    FieldMap::text("CommandLine", "commandLine"),
    FieldMap::int("ProcessId", "pid"),
    FieldMap::text("ParentImage", "parentBaseImage"),
    FieldMap::text("ParentCommandLine", "parentCommandLine"),
    FieldMap::int("ParentProcessId", "parentPid"),
    FieldMap::text("User", "user_username"),
];

const CSE_NETWORK: &[FieldMap] = &[
    FieldMap::text("Image", "baseImage"),
    FieldMap::int("ProcessId", "pid"),
    FieldMap::text("User", "user_username"),
    FieldMap::ip("SourceIp", "srcDevice_ip"),
    FieldMap::int("SourcePort", "srcPort"),
    FieldMap::ip("DestinationIp", "dstDevice_ip"),
    FieldMap::int("DestinationPort", "dstPort"),
    FieldMap::text("DestinationHostname", "dstDevice_hostname"),
];

const CSE_DNS: &[FieldMap] = &[
    FieldMap::text("QueryName", "dns_query"),
    FieldMap::text("Image", "baseImage"),
    FieldMap::int("ProcessId", "pid"),
];

const CSE_REGISTRY: &[FieldMap] = &[
    FieldMap::text("TargetObject", "changeTarget"),
    FieldMap::text("Image", "baseImage"),
    FieldMap::int("ProcessId", "pid"),
    FieldMap::text("User", "user_username"),
];

/// Sumo Logic Cloud SIEM normalized records.
pub(crate) const CSE: DataModel = DataModel {
    name: "Sumo Logic Cloud SIEM records",
    scopes: &[
        Scope {
            key: LogsourceKey::any_product("process_creation"),
            name: "EndpointProcess",
            selector: r#"objectType = "EndpointProcess""#,
            fields: CSE_PROCESS,
        },
        Scope {
            key: LogsourceKey::any_product("network_connection"),
            name: "Network",
            selector: r#"objectType = "Network""#,
            fields: CSE_NETWORK,
        },
        Scope {
            key: LogsourceKey::any_product("dns_query"),
            name: "NetworkDNS",
            selector: r#"objectType = "NetworkDNS""#,
            fields: CSE_DNS,
        },
        Scope {
            key: LogsourceKey::any_product("registry_set"),
            name: "Endpoint",
            selector: r#"objectType = "Endpoint""#,
            fields: CSE_REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_add"),
            name: "Endpoint",
            selector: r#"objectType = "Endpoint""#,
            fields: CSE_REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_delete"),
            name: "Endpoint",
            selector: r#"objectType = "Endpoint""#,
            fields: CSE_REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_event"),
            name: "Endpoint",
            selector: r#"objectType = "Endpoint""#,
            fields: CSE_REGISTRY,
        },
    ],
};

/// The name a JSON path is extracted as: its last segment.
pub(crate) fn search_alias(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_aliases_are_unique_identifiers_per_scope() {
        for scope in SYSMON_JSON.scopes {
            let mut seen = std::collections::BTreeSet::new();
            for field in scope.fields {
                let alias = search_alias(field.target);
                assert!(alias.chars().all(|c| c.is_ascii_alphanumeric()), "{alias}");
                assert_eq!(alias, field.sigma, "evtx JSON keeps the event's names");
                assert!(seen.insert(alias), "{alias} twice in {}", scope.name);
                // The event id is extracted once, always, under its alias.
                assert_eq!(
                    alias == SEARCH_EVENT_ID.1,
                    field.target == SEARCH_EVENT_ID.0,
                    "{alias}"
                );
            }
        }
    }

    #[test]
    fn cse_attributes_are_schema_identifiers() {
        for scope in CSE.scopes {
            assert!(
                scope.selector.starts_with("objectType = \""),
                "{}",
                scope.name
            );
            for field in scope.fields {
                assert!(
                    field
                        .target
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{}",
                    field.target
                );
            }
        }
    }
}
