//! QRadar property names, as reviewable `const` data.
//!
//! Events come from the *Microsoft Windows Security Event Log* DSM
//! (`devicetype = 12`), which also parses the Sysmon channel when it is
//! collected (WinCollect or a syslog forwarder). Names follow the DSM's
//! normalized columns (`username`, `sourceip`, `destinationip`,
//! `destinationport`) and the custom event properties of IBM's Windows /
//! Sysmon content ("Process Path", "Command", "Parent Process Path",
//! "Parent Command", "Filename", "Process ID", "Event ID", "Object Name",
//! "Destination Hostname", "Logon Type", "Application"), which are also the
//! names IBM's own Sigma backend (pySigma-backend-QRadar-AQL) maps Sigma
//! fields to.
//!
//! Uncertainty, stated so a reviewer can check it against their console:
//! custom properties exist only where the content extension that defines
//! them is installed; "Filename" holds the PE original file name only in
//! IBM's Sysmon mapping (elsewhere it is a file name); "Event ID" is
//! compared as text (`'1'`) as IBM's backend does. Sigma fields with no
//! property here — `Description`, `Product`, `Details`, `QueryName`,
//! `Initiated`, `ScriptBlockText` — are refused rather than guessed, and
//! Sysmon for Linux / Zeek have no scope.

use crate::model::{FieldMap, LogsourceKey, Scope};

const PROCESS: &[FieldMap] = &[
    FieldMap::text("Image", "\"Process Path\""),
    FieldMap::text("CommandLine", "\"Command\""),
    FieldMap::text("ParentImage", "\"Parent Process Path\""),
    FieldMap::text("ParentCommandLine", "\"Parent Command\""),
    FieldMap::text("OriginalFileName", "\"Filename\""),
    FieldMap::text("IntegrityLevel", "\"Integrity Level\""),
    FieldMap::text("User", "username"),
    FieldMap::text("ProcessId", "\"Process ID\""),
    FieldMap::text("ParentProcessId", "\"Parent Process ID\""),
];

const NETWORK: &[FieldMap] = &[
    FieldMap::text("Image", "\"Process Path\""),
    FieldMap::text("User", "username"),
    FieldMap::ip("SourceIp", "sourceip"),
    FieldMap::int("SourcePort", "sourceport"),
    FieldMap::ip("DestinationIp", "destinationip"),
    FieldMap::int("DestinationPort", "destinationport"),
    FieldMap::text("DestinationHostname", "\"Destination Hostname\""),
];

const REGISTRY: &[FieldMap] = &[
    FieldMap::text("Image", "\"Process Path\""),
    FieldMap::text("TargetObject", "\"Object Name\""),
    FieldMap::text("User", "username"),
];

const DNS: &[FieldMap] = &[
    FieldMap::text("Image", "\"Process Path\""),
    FieldMap::text("User", "username"),
];

const SECURITY: &[FieldMap] = &[
    FieldMap::text("EventID", "\"Event ID\""),
    FieldMap::text("LogonType", "\"Logon Type\""),
    FieldMap::ip("IpAddress", "sourceip"),
    FieldMap::int("IpPort", "sourceport"),
    FieldMap::text("TargetUserName", "username"),
    FieldMap::text("Application", "\"Application\""),
    FieldMap::ip("SourceAddress", "sourceip"),
    FieldMap::int("SourcePort", "sourceport"),
    FieldMap::ip("DestAddress", "destinationip"),
    FieldMap::int("DestPort", "destinationport"),
];

/// Scopes in lookup order. `selector` is the WHERE prefix that selects the
/// events.
pub const SCOPES: &[Scope] = &[
    Scope {
        key: LogsourceKey::category("windows", "process_creation"),
        name: "Sysmon process creation (Event ID 1)",
        selector: "devicetype = 12 AND \"Event ID\" = '1'",
        fields: PROCESS,
    },
    Scope {
        key: LogsourceKey::category("windows", "network_connection"),
        name: "Sysmon network connection (Event ID 3)",
        selector: "devicetype = 12 AND \"Event ID\" = '3'",
        fields: NETWORK,
    },
    Scope {
        key: LogsourceKey::category("windows", "registry_set"),
        name: "Sysmon registry value set (Event ID 13)",
        selector: "devicetype = 12 AND \"Event ID\" = '13'",
        fields: REGISTRY,
    },
    Scope {
        key: LogsourceKey::category("windows", "registry_add"),
        name: "Sysmon registry object create/delete (Event ID 12)",
        selector: "devicetype = 12 AND \"Event ID\" = '12'",
        fields: REGISTRY,
    },
    Scope {
        key: LogsourceKey::category("windows", "registry_delete"),
        name: "Sysmon registry object create/delete (Event ID 12)",
        selector: "devicetype = 12 AND \"Event ID\" = '12'",
        fields: REGISTRY,
    },
    Scope {
        key: LogsourceKey::category("windows", "registry_event"),
        name: "Sysmon registry events (Event ID 12, 13, 14)",
        selector: "devicetype = 12 AND \"Event ID\" IN ('12', '13', '14')",
        fields: REGISTRY,
    },
    Scope {
        key: LogsourceKey::category("windows", "dns_query"),
        name: "Sysmon DNS query (Event ID 22)",
        selector: "devicetype = 12 AND \"Event ID\" = '22'",
        fields: DNS,
    },
    Scope {
        key: LogsourceKey::service("windows", "security"),
        name: "Windows Security Event Log",
        selector: "devicetype = 12",
        fields: SECURITY,
    },
];

/// Normalized IPv4 columns and their IPv6 counterparts: QRadar keeps IPv6
/// addresses of events in separate columns, so an IPv6 CIDR is tested on
/// those.
pub(crate) const IPV6_COLUMNS: &[(&str, &str)] =
    &[("sourceip", "sourcev6"), ("destinationip", "destinationv6")];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_names_are_identifiers_or_double_quoted_names() {
        for scope in SCOPES {
            for field in scope.fields {
                let t = field.target;
                let quoted = t.len() > 2
                    && t.starts_with('"')
                    && t.ends_with('"')
                    && !t[1..t.len() - 1].contains('"');
                let bare = t
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
                assert!(quoted || bare, "{t}");
            }
        }
    }
}
