//! Google SecOps UDM as the YARA-L backend sees it: which
//! `metadata.event_type` a Sigma logsource selects, and which UDM field a
//! Sigma field is.
//!
//! Sources: the UDM field list (cloud.google.com/chronicle/docs/reference/
//! udm-field-list: `Noun.process`, `Process.file.full_path`,
//! `Process.command_line`, `Process.pid` (int), `Noun.ip` (repeated
//! string), `Noun.port` (int), `Noun.hostname`, `Noun.user.userid`,
//! `Network.dns.questions[].name`, `Registry.registry_key` /
//! `registry_value_data`) and the event-type enum (`PROCESS_LAUNCH`,
//! `NETWORK_CONNECTION`, `NETWORK_DNS`, `REGISTRY_CREATION`,
//! `REGISTRY_MODIFICATION`, `REGISTRY_DELETION`). Roles follow the UDM
//! convention for endpoint events: in a process launch the *new* process
//! is `target.process` and its parent is `principal.process`; in network,
//! DNS and registry events the acting process is `principal.process` and
//! the remote end / key is `target`.
//!
//! PE version data of a launched process (`Product`, `Description`,
//! `Company`) is in `target.asset.software` (`name`, `description`,
//! `vendor_name`): Google's WINDOWS_SYSMON parser change log (2024-04-24,
//! "mapping of Company, Description, Product and FileVersion fields to
//! target.asset.software"). `software` is repeated (any element matches).
//!
//! `TargetObject` is mapped to `target.registry.registry_key` on the
//! assumption that the parser keeps Sysmon's full object path there (the
//! UDM field is "the registry key"; the public parser page does not spell
//! out a split). Where a parser moves the value name into
//! `registry_value_name` instead, rules that match the last path element
//! of `TargetObject` must be re-checked.
//!
//! File events (added for SigmaHQ `file_event` / `file_delete`): the UDM
//! event types `FILE_CREATION` and `FILE_DELETION` (event-type enum of the
//! UDM usage guide, "file events performed on an endpoint"); the file acted
//! on is `target.file` (UDM field list: `File.full_path`, the file's full
//! path), the acting process `principal.process`, as for the other
//! endpoint events above. A Google Threat Intelligence hunting query (the
//! GRIDTIDE report) uses the same pairing: `metadata.event_type =
//! "FILE_CREATION"` with `target.file.full_path`, next to
//! `principal.process.file.full_path` for the acting process. Cross-check only:
//! pySigma's secops pipeline maps Sysmon event 11 to `FILE_CREATION` and
//! events 23/26 to `FILE_DELETION`. **Assumption** (not in the public
//! parser page we could read): the WINDOWS_SYSMON parser writes event 11
//! (a file created *or overwritten*) as `FILE_CREATION`, not
//! `FILE_MODIFICATION`, and keeps `TargetFilename` as written (drive-letter
//! path) in `target.file.full_path`.
//!
//! Left out on purpose (a rule using them is refused, never rewritten):
//!
//! * `OriginalFileName`: no UDM field is documented for it, and the parser
//!   change log does not list it with the PE version fields;
//! * `Initiated` (Sysmon's connection direction): UDM has
//!   `network.direction`, but the parser documentation does not promise
//!   that it is filled from `Initiated`; a query on it could silently
//!   match nothing.
//! * `image_load` / `driver_load` (`PROCESS_MODULE_LOAD`): whether the
//!   loaded module is `target.file` or `target.process.file` is not
//!   documented for the Sysmon parser; a guess could match nothing.
//! * `file_change` (Sysmon event 2, a changed creation time): UDM's
//!   `FILE_MODIFICATION` covers every modification, so it would widen.
//! * `pipe_created`, `ps_script`, Windows `security`: no documented UDM
//!   mapping of the event's own fields (`PipeName`, `ScriptBlockText`,
//!   the per-event-ID `EventData`).
//!
//! Field kinds matter: `target.port` and `*.pid` are integers in UDM and
//! compare with `=`/`<`/`>` against numbers; `*.ip` fields are strings that
//! `net.ip_in_range_cidr` understands (IPv4 and IPv6).

use crate::model::{DataModel, FieldMap, LogsourceKey, Scope};

/// UDM paths that are repeated fields (or lie under one): a comparison
/// holds when any element satisfies it, so an absent field (no element)
/// satisfies none, not even `= ""`.
pub(crate) const REPEATED: &[&str] = &[
    "principal.ip",
    "target.ip",
    "network.dns.questions.",
    "target.asset.software.",
];

/// Whether a UDM path is repeated (see [`REPEATED`]).
pub(crate) fn is_repeated(path: &str) -> bool {
    REPEATED.iter().any(|r| {
        if r.ends_with('.') {
            path.starts_with(r)
        } else {
            path == *r
        }
    })
}

/// The one event variable every rendered rule uses.
pub(crate) const EVENT: &str = "$e";

const PROCESS_LAUNCH: &[FieldMap] = &[
    FieldMap::text("Image", "target.process.file.full_path"),
    FieldMap::text("CommandLine", "target.process.command_line"),
    FieldMap::int("ProcessId", "target.process.pid"),
    FieldMap::text("ParentImage", "principal.process.file.full_path"),
    FieldMap::text("ParentCommandLine", "principal.process.command_line"),
    FieldMap::int("ParentProcessId", "principal.process.pid"),
    FieldMap::text("User", "principal.user.userid"),
    FieldMap::text("Product", "target.asset.software.name"),
    FieldMap::text("Description", "target.asset.software.description"),
    FieldMap::text("Company", "target.asset.software.vendor_name"),
];

const NETWORK_CONNECTION: &[FieldMap] = &[
    FieldMap::text("Image", "principal.process.file.full_path"),
    FieldMap::int("ProcessId", "principal.process.pid"),
    FieldMap::text("User", "principal.user.userid"),
    FieldMap::ip("SourceIp", "principal.ip"),
    FieldMap::int("SourcePort", "principal.port"),
    FieldMap::ip("DestinationIp", "target.ip"),
    FieldMap::int("DestinationPort", "target.port"),
    FieldMap::text("DestinationHostname", "target.hostname"),
];

const NETWORK_DNS: &[FieldMap] = &[
    FieldMap::text("QueryName", "network.dns.questions.name"),
    FieldMap::text("Image", "principal.process.file.full_path"),
    FieldMap::int("ProcessId", "principal.process.pid"),
    FieldMap::text("User", "principal.user.userid"),
];

const REGISTRY: &[FieldMap] = &[
    FieldMap::text("TargetObject", "target.registry.registry_key"),
    FieldMap::text("Details", "target.registry.registry_value_data"),
    FieldMap::text("Image", "principal.process.file.full_path"),
    FieldMap::int("ProcessId", "principal.process.pid"),
    FieldMap::text("User", "principal.user.userid"),
];

/// `FILE_CREATION` / `FILE_DELETION`: `target.file` is the file,
/// `principal.process` the process that wrote or deleted it (UDM usage
/// guide, file events; see the module doc for the parser assumption).
const FILE: &[FieldMap] = &[
    FieldMap::text("TargetFilename", "target.file.full_path"),
    FieldMap::text("Image", "principal.process.file.full_path"),
    FieldMap::int("ProcessId", "principal.process.pid"),
    FieldMap::text("User", "principal.user.userid"),
];

/// The UDM data model. A scope's `selector` is the events-section line
/// that picks its event type(s).
pub const UDM: DataModel = DataModel {
    name: "Google SecOps UDM",
    scopes: &[
        Scope {
            key: LogsourceKey::any_product("process_creation"),
            name: "PROCESS_LAUNCH",
            selector: r#"$e.metadata.event_type = "PROCESS_LAUNCH""#,
            fields: PROCESS_LAUNCH,
        },
        Scope {
            key: LogsourceKey::any_product("network_connection"),
            name: "NETWORK_CONNECTION",
            selector: r#"$e.metadata.event_type = "NETWORK_CONNECTION""#,
            fields: NETWORK_CONNECTION,
        },
        Scope {
            key: LogsourceKey::any_product("dns_query"),
            name: "NETWORK_DNS",
            selector: r#"$e.metadata.event_type = "NETWORK_DNS""#,
            fields: NETWORK_DNS,
        },
        Scope {
            key: LogsourceKey::any_product("registry_set"),
            name: "REGISTRY_MODIFICATION",
            selector: r#"$e.metadata.event_type = "REGISTRY_MODIFICATION""#,
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_add"),
            name: "REGISTRY_CREATION",
            selector: r#"$e.metadata.event_type = "REGISTRY_CREATION""#,
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_delete"),
            name: "REGISTRY_DELETION",
            selector: r#"$e.metadata.event_type = "REGISTRY_DELETION""#,
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_event"),
            name: "REGISTRY_CREATION/MODIFICATION/DELETION",
            selector: r#"($e.metadata.event_type = "REGISTRY_CREATION" or $e.metadata.event_type = "REGISTRY_MODIFICATION" or $e.metadata.event_type = "REGISTRY_DELETION")"#,
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("file_event"),
            name: "FILE_CREATION",
            selector: r#"$e.metadata.event_type = "FILE_CREATION""#,
            fields: FILE,
        },
        Scope {
            key: LogsourceKey::any_product("file_delete"),
            name: "FILE_DELETION",
            selector: r#"$e.metadata.event_type = "FILE_DELETION""#,
            fields: FILE,
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldKind;

    #[test]
    fn every_selector_names_the_event_variable_and_an_event_type() {
        for scope in UDM.scopes {
            assert!(
                scope.selector.contains("$e.metadata.event_type = \""),
                "{}",
                scope.name
            );
            for field in scope.fields {
                assert!(
                    field
                        .target
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'),
                    "{} is not a UDM path",
                    field.target
                );
            }
        }
    }

    #[test]
    fn repeated_fields_are_recognised() {
        assert!(is_repeated("target.ip"));
        assert!(is_repeated("network.dns.questions.name"));
        assert!(is_repeated("target.asset.software.name"));
        assert!(!is_repeated("target.hostname"));
        assert!(!is_repeated("target.ip_geo"));
    }

    #[test]
    fn ports_and_pids_are_integers_and_ips_are_ip_fields() {
        for scope in UDM.scopes {
            for field in scope.fields {
                let expected = if field.target.ends_with(".port") || field.target.ends_with(".pid")
                {
                    FieldKind::Int
                } else if field.target.ends_with(".ip") {
                    FieldKind::Ip
                } else {
                    FieldKind::Text
                };
                assert_eq!(field.kind, expected, "{}", field.target);
            }
        }
    }
}
