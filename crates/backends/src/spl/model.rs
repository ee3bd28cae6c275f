//! Splunk field mappings of the default flavor, as reviewable `const`
//! data.
//!
//! Two data models (this file holds the first):
//!
//! * **Sysmon through the Splunk Add-on for Sysmon** (and the Splunk Add-on
//!   for Microsoft Windows for the Security, System and PowerShell
//!   channels), with
//!   events collected as XML (`renderXml = true`). The add-ons extract every
//!   `<Data Name="…">` element of `EventData` under its own name, so the
//!   Sysmon field names of the Sysmon schema (`Image`, `CommandLine`,
//!   `TargetObject`, `QueryName`, …) and of the Security schema
//!   (`IpAddress`, `LogonType`, `DestAddress`, …) are the Splunk field
//!   names; the event id is `EventCode`. Events are selected by
//!   `source="XmlWinEventLog:<channel>"`, which both the older
//!   (`sourcetype=XmlWinEventLog:Microsoft-Windows-Sysmon/Operational`) and
//!   the current (`sourcetype=XmlWinEventLog`) add-on versions set, plus the
//!   EventCodes of the Sigma category (the Sysmon event ids of the Sigma
//!   taxonomy: 1 process creation, 2 file time change, 3 network
//!   connection, 5 process end, 6 driver load, 7 image load, 8 remote
//!   thread, 9 raw access, 10 process access, 11 file create, 12/13/14
//!   registry, 15 stream hash, 17/18 pipes, 19/20/21 WMI, 22 DNS query,
//!   23/26 file delete, 25 tampering; PowerShell 4103 module and 4104
//!   script block logging).
//! * **CIM data models for `tstats`**: see [`super::cim_model`].
//!
//! Linux (Sysmon for Linux) and Zeek sourcetypes are not mapped: their
//! field extraction differs between add-on versions, and a wrong name would
//! silently match nothing. Rules for them are refused by logsource.

use crate::model::{FieldMap, LogsourceKey, Scope};

/// A Splunk event set: the Sigma scope (fields) plus what selects the
/// events, written as data so the search prefix and its `eval` form (used
/// by the pack query) come from one place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplScope {
    pub scope: Scope,
    /// `source` value of the channel.
    pub source: &'static str,
    /// `EventCode` values; empty for a whole channel (Sigma `service`).
    pub event_codes: &'static [u32],
}

const SYSMON_SOURCE: &str = "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational";
const POWERSHELL_SOURCE: &str = "XmlWinEventLog:Microsoft-Windows-PowerShell/Operational";

const SYSMON_PROCESS: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("CommandLine", "CommandLine"),
    FieldMap::text("ParentImage", "ParentImage"),
    FieldMap::text("ParentCommandLine", "ParentCommandLine"),
    FieldMap::text("OriginalFileName", "OriginalFileName"),
    FieldMap::text("Description", "Description"),
    FieldMap::text("Product", "Product"),
    FieldMap::text("Company", "Company"),
    FieldMap::text("FileVersion", "FileVersion"),
    FieldMap::text("CurrentDirectory", "CurrentDirectory"),
    FieldMap::text("User", "User"),
    FieldMap::text("IntegrityLevel", "IntegrityLevel"),
    FieldMap::text("Hashes", "Hashes"),
    FieldMap::text("LogonId", "LogonId"),
    FieldMap::text("ParentUser", "ParentUser"),
    FieldMap::int("ProcessId", "ProcessId"),
    FieldMap::int("ParentProcessId", "ParentProcessId"),
    FieldMap::int("TerminalSessionId", "TerminalSessionId"),
];

const SYSMON_NETWORK: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("User", "User"),
    FieldMap::text("Protocol", "Protocol"),
    FieldMap::bool("Initiated", "Initiated"),
    FieldMap::ip("SourceIp", "SourceIp"),
    FieldMap::text("SourceHostname", "SourceHostname"),
    FieldMap::int("SourcePort", "SourcePort"),
    FieldMap::ip("DestinationIp", "DestinationIp"),
    FieldMap::text("DestinationHostname", "DestinationHostname"),
    FieldMap::int("DestinationPort", "DestinationPort"),
    FieldMap::text("DestinationPortName", "DestinationPortName"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_REGISTRY: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("EventType", "EventType"),
    FieldMap::text("TargetObject", "TargetObject"),
    FieldMap::text("Details", "Details"),
    FieldMap::text("NewName", "NewName"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_DNS: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("QueryName", "QueryName"),
    FieldMap::text("QueryStatus", "QueryStatus"),
    FieldMap::text("QueryResults", "QueryResults"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_FILE: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("TargetFilename", "TargetFilename"),
    FieldMap::text("CreationUtcTime", "CreationUtcTime"),
    FieldMap::text("PreviousCreationUtcTime", "PreviousCreationUtcTime"),
    FieldMap::text("Hashes", "Hashes"),
    FieldMap::text("IsExecutable", "IsExecutable"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_STREAM_HASH: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("TargetFilename", "TargetFilename"),
    FieldMap::text("Hash", "Hash"),
    FieldMap::text("Contents", "Contents"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_IMAGE_LOAD: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("ImageLoaded", "ImageLoaded"),
    FieldMap::text("FileVersion", "FileVersion"),
    FieldMap::text("Description", "Description"),
    FieldMap::text("Product", "Product"),
    FieldMap::text("Company", "Company"),
    FieldMap::text("OriginalFileName", "OriginalFileName"),
    FieldMap::text("Hashes", "Hashes"),
    FieldMap::text("Signed", "Signed"),
    FieldMap::text("Signature", "Signature"),
    FieldMap::text("SignatureStatus", "SignatureStatus"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_DRIVER_LOAD: &[FieldMap] = &[
    FieldMap::text("ImageLoaded", "ImageLoaded"),
    FieldMap::text("Hashes", "Hashes"),
    FieldMap::text("Signed", "Signed"),
    FieldMap::text("Signature", "Signature"),
    FieldMap::text("SignatureStatus", "SignatureStatus"),
];

const SYSMON_PROCESS_ACCESS: &[FieldMap] = &[
    FieldMap::text("SourceImage", "SourceImage"),
    FieldMap::text("TargetImage", "TargetImage"),
    FieldMap::text("GrantedAccess", "GrantedAccess"),
    FieldMap::text("CallTrace", "CallTrace"),
    FieldMap::text("SourceUser", "SourceUser"),
    FieldMap::text("TargetUser", "TargetUser"),
    FieldMap::int("SourceProcessId", "SourceProcessId"),
    FieldMap::int("TargetProcessId", "TargetProcessId"),
];

const SYSMON_REMOTE_THREAD: &[FieldMap] = &[
    FieldMap::text("SourceImage", "SourceImage"),
    FieldMap::text("TargetImage", "TargetImage"),
    FieldMap::text("StartAddress", "StartAddress"),
    FieldMap::text("StartModule", "StartModule"),
    FieldMap::text("StartFunction", "StartFunction"),
    FieldMap::text("SourceUser", "SourceUser"),
    FieldMap::text("TargetUser", "TargetUser"),
    FieldMap::int("SourceProcessId", "SourceProcessId"),
    FieldMap::int("TargetProcessId", "TargetProcessId"),
];

const SYSMON_RAW_ACCESS: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("Device", "Device"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_PROCESS_END: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_PIPE: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("PipeName", "PipeName"),
    FieldMap::text("EventType", "EventType"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const SYSMON_WMI: &[FieldMap] = &[
    FieldMap::text("EventType", "EventType"),
    FieldMap::text("Operation", "Operation"),
    FieldMap::text("User", "User"),
    FieldMap::text("EventNamespace", "EventNamespace"),
    FieldMap::text("Name", "Name"),
    FieldMap::text("Query", "Query"),
    FieldMap::text("Type", "Type"),
    FieldMap::text("Destination", "Destination"),
    FieldMap::text("Consumer", "Consumer"),
    FieldMap::text("Filter", "Filter"),
];

const SYSMON_TAMPERING: &[FieldMap] = &[
    FieldMap::text("Image", "Image"),
    FieldMap::text("Type", "Type"),
    FieldMap::text("User", "User"),
    FieldMap::int("ProcessId", "ProcessId"),
];

const POWERSHELL_MODULE: &[FieldMap] = &[
    FieldMap::text("Payload", "Payload"),
    FieldMap::text("ContextInfo", "ContextInfo"),
];

/// The PowerShell/Operational channel read whole (Sigma `service:
/// powershell`).
const POWERSHELL_CHANNEL: &[FieldMap] = &[
    FieldMap::int("EventID", "EventCode"),
    FieldMap::text("ScriptBlockText", "ScriptBlockText"),
    FieldMap::text("ScriptBlockId", "ScriptBlockId"),
    FieldMap::text("Path", "Path"),
    FieldMap::text("Payload", "Payload"),
    FieldMap::text("ContextInfo", "ContextInfo"),
];

const POWERSHELL_SCRIPT: &[FieldMap] = &[
    FieldMap::text("ScriptBlockText", "ScriptBlockText"),
    FieldMap::text("ScriptBlockId", "ScriptBlockId"),
    FieldMap::text("Path", "Path"),
];

/// Security channel fields as the Windows add-on extracts them from
/// `EventData` (names of the Security event schemas: 4624 logon, 4688
/// process creation, 5156 WFP connection).
const SECURITY: &[FieldMap] = &[
    FieldMap::int("EventID", "EventCode"),
    FieldMap::text("SubjectUserName", "SubjectUserName"),
    FieldMap::text("SubjectDomainName", "SubjectDomainName"),
    FieldMap::text("TargetUserName", "TargetUserName"),
    FieldMap::text("TargetDomainName", "TargetDomainName"),
    FieldMap::int("LogonType", "LogonType"),
    FieldMap::ip("IpAddress", "IpAddress"),
    FieldMap::int("IpPort", "IpPort"),
    FieldMap::text("WorkstationName", "WorkstationName"),
    FieldMap::text("ProcessName", "ProcessName"),
    FieldMap::text("NewProcessName", "NewProcessName"),
    FieldMap::text("ParentProcessName", "ParentProcessName"),
    FieldMap::text("CommandLine", "CommandLine"),
    FieldMap::text("Application", "Application"),
    FieldMap::text("Direction", "Direction"),
    FieldMap::ip("SourceAddress", "SourceAddress"),
    FieldMap::int("SourcePort", "SourcePort"),
    FieldMap::ip("DestAddress", "DestAddress"),
    FieldMap::int("DestPort", "DestPort"),
    FieldMap::int("Protocol", "Protocol"),
    FieldMap::text("AccessList", "AccessList"),
    FieldMap::text("AccessMask", "AccessMask"),
    FieldMap::text("Accesses", "Accesses"),
    FieldMap::text("AttributeLDAPDisplayName", "AttributeLDAPDisplayName"),
    FieldMap::text("AttributeValue", "AttributeValue"),
    FieldMap::text("AuthenticationPackageName", "AuthenticationPackageName"),
    FieldMap::text("CallerProcessName", "CallerProcessName"),
    FieldMap::text("FailureCode", "FailureCode"),
    FieldMap::text("ImpersonationLevel", "ImpersonationLevel"),
    FieldMap::text("LmPackageName", "LmPackageName"),
    FieldMap::text("LogonProcessName", "LogonProcessName"),
    FieldMap::text("MemberName", "MemberName"),
    FieldMap::text("MemberSid", "MemberSid"),
    FieldMap::text("NewTargetUserName", "NewTargetUserName"),
    FieldMap::text("ObjectClass", "ObjectClass"),
    FieldMap::text("ObjectDN", "ObjectDN"),
    FieldMap::text("ObjectName", "ObjectName"),
    FieldMap::text("ObjectServer", "ObjectServer"),
    FieldMap::text("ObjectType", "ObjectType"),
    FieldMap::text("OperationType", "OperationType"),
    FieldMap::text("PrivilegeList", "PrivilegeList"),
    FieldMap::text("Properties", "Properties"),
    FieldMap::text("RelativeTargetName", "RelativeTargetName"),
    FieldMap::text("SamAccountName", "SamAccountName"),
    FieldMap::text("ServiceAccount", "ServiceAccount"),
    FieldMap::text("ServiceFileName", "ServiceFileName"),
    FieldMap::text("ServiceName", "ServiceName"),
    FieldMap::text("ServicePrincipalNames", "ServicePrincipalNames"),
    FieldMap::text("ServiceType", "ServiceType"),
    FieldMap::text("ShareLocalPath", "ShareLocalPath"),
    FieldMap::text("ShareName", "ShareName"),
    FieldMap::text("StartType", "StartType"),
    FieldMap::text("Status", "Status"),
    FieldMap::text("SubStatus", "SubStatus"),
    FieldMap::text("SubjectLogonId", "SubjectLogonId"),
    FieldMap::text("SubjectUserSid", "SubjectUserSid"),
    FieldMap::text("TargetLogonId", "TargetLogonId"),
    FieldMap::text("TargetServerName", "TargetServerName"),
    FieldMap::text("TargetSid", "TargetSid"),
    FieldMap::text("TargetUserSid", "TargetUserSid"),
    FieldMap::text("TaskContent", "TaskContent"),
    FieldMap::text("TaskName", "TaskName"),
    FieldMap::text("TicketEncryptionType", "TicketEncryptionType"),
    FieldMap::text("TicketOptions", "TicketOptions"),
    FieldMap::text("TokenElevationType", "TokenElevationType"),
    FieldMap::text("AllowedToDelegateTo", "AllowedToDelegateTo"),
    FieldMap::text("AuditPolicyChanges", "AuditPolicyChanges"),
    FieldMap::text("CategoryId", "CategoryId"),
    FieldMap::text("SubcategoryGuid", "SubcategoryGuid"),
    FieldMap::text("PackageName", "PackageName"),
    FieldMap::text("LayerRTID", "LayerRTID"),
    FieldMap::text("FilterRTID", "FilterRTID"),
    FieldMap::text("DestinationDRA", "DestinationDRA"),
];

/// System channel fields (Sigma `service: system`): `<Data Name="…">`
/// elements the add-on extracts under their own names — the Service
/// Control Manager's 7045 service install (`ServiceName`, `ImagePath`,
/// `ServiceType`, `StartType`, `AccountName`, the names Splunk's own
/// detections search, e.g. `EventCode=7045 ImagePath=…`) and the
/// positional `param1`…`param4` of 7036/7040. `Provider_Name` (the
/// `<Provider Name>` attribute) is not mapped: which field the add-on
/// puts it in (`SourceName` holds `EventSourceName`, which can differ) was
/// not verified, so rules testing it are refused.
const SYSTEM: &[FieldMap] = &[
    FieldMap::int("EventID", "EventCode"),
    FieldMap::text("ServiceName", "ServiceName"),
    FieldMap::text("ImagePath", "ImagePath"),
    FieldMap::text("ServiceType", "ServiceType"),
    FieldMap::text("StartType", "StartType"),
    FieldMap::text("AccountName", "AccountName"),
    FieldMap::text("param1", "param1"),
    FieldMap::text("param2", "param2"),
    FieldMap::text("param3", "param3"),
    FieldMap::text("param4", "param4"),
];

/// A scope of the Sysmon channel.
const fn sysmon_scope(
    category: &'static str,
    name: &'static str,
    fields: &'static [FieldMap],
    event_codes: &'static [u32],
) -> SplScope {
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", category),
            name,
            selector: SYSMON_SOURCE,
            fields,
        },
        source: SYSMON_SOURCE,
        event_codes,
    }
}

/// The Sysmon add-on data model, in lookup order.
pub(crate) const SYSMON: &[SplScope] = &[
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "process_creation"),
            name: "Sysmon process creation (EventCode 1)",
            selector: SYSMON_SOURCE,
            fields: SYSMON_PROCESS,
        },
        source: SYSMON_SOURCE,
        event_codes: &[1],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "network_connection"),
            name: "Sysmon network connection (EventCode 3)",
            selector: SYSMON_SOURCE,
            fields: SYSMON_NETWORK,
        },
        source: SYSMON_SOURCE,
        event_codes: &[3],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "registry_set"),
            name: "Sysmon registry value set (EventCode 13)",
            selector: SYSMON_SOURCE,
            fields: SYSMON_REGISTRY,
        },
        source: SYSMON_SOURCE,
        event_codes: &[13],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "registry_add"),
            name: "Sysmon registry object create/delete (EventCode 12)",
            selector: SYSMON_SOURCE,
            fields: SYSMON_REGISTRY,
        },
        source: SYSMON_SOURCE,
        event_codes: &[12],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "registry_delete"),
            name: "Sysmon registry object create/delete (EventCode 12)",
            selector: SYSMON_SOURCE,
            fields: SYSMON_REGISTRY,
        },
        source: SYSMON_SOURCE,
        event_codes: &[12],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "registry_rename"),
            name: "Sysmon registry rename (EventCode 14)",
            selector: SYSMON_SOURCE,
            fields: SYSMON_REGISTRY,
        },
        source: SYSMON_SOURCE,
        event_codes: &[14],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "registry_event"),
            name: "Sysmon registry events (EventCode 12, 13, 14)",
            selector: SYSMON_SOURCE,
            fields: SYSMON_REGISTRY,
        },
        source: SYSMON_SOURCE,
        event_codes: &[12, 13, 14],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "dns_query"),
            name: "Sysmon DNS query (EventCode 22)",
            selector: SYSMON_SOURCE,
            fields: SYSMON_DNS,
        },
        source: SYSMON_SOURCE,
        event_codes: &[22],
    },
    sysmon_scope(
        "file_event",
        "Sysmon file create (EventCode 11)",
        SYSMON_FILE,
        &[11],
    ),
    sysmon_scope(
        "file_change",
        "Sysmon file creation time changed (EventCode 2)",
        SYSMON_FILE,
        &[2],
    ),
    sysmon_scope(
        "file_delete",
        "Sysmon file delete (EventCode 23, 26)",
        SYSMON_FILE,
        &[23, 26],
    ),
    sysmon_scope(
        "create_stream_hash",
        "Sysmon alternate data stream (EventCode 15)",
        SYSMON_STREAM_HASH,
        &[15],
    ),
    sysmon_scope(
        "image_load",
        "Sysmon image load (EventCode 7)",
        SYSMON_IMAGE_LOAD,
        &[7],
    ),
    sysmon_scope(
        "driver_load",
        "Sysmon driver load (EventCode 6)",
        SYSMON_DRIVER_LOAD,
        &[6],
    ),
    sysmon_scope(
        "process_access",
        "Sysmon process access (EventCode 10)",
        SYSMON_PROCESS_ACCESS,
        &[10],
    ),
    sysmon_scope(
        "create_remote_thread",
        "Sysmon remote thread (EventCode 8)",
        SYSMON_REMOTE_THREAD,
        &[8],
    ),
    sysmon_scope(
        "raw_access_thread",
        "Sysmon raw disk access (EventCode 9)",
        SYSMON_RAW_ACCESS,
        &[9],
    ),
    sysmon_scope(
        "process_termination",
        "Sysmon process terminated (EventCode 5)",
        SYSMON_PROCESS_END,
        &[5],
    ),
    sysmon_scope(
        "pipe_created",
        "Sysmon pipe created/connected (EventCode 17, 18)",
        SYSMON_PIPE,
        &[17, 18],
    ),
    sysmon_scope(
        "wmi_event",
        "Sysmon WMI activity (EventCode 19, 20, 21)",
        SYSMON_WMI,
        &[19, 20, 21],
    ),
    sysmon_scope(
        "process_tampering",
        "Sysmon process tampering (EventCode 25)",
        SYSMON_TAMPERING,
        &[25],
    ),
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "ps_script"),
            name: "PowerShell script block (EventCode 4104)",
            selector: POWERSHELL_SOURCE,
            fields: POWERSHELL_SCRIPT,
        },
        source: POWERSHELL_SOURCE,
        event_codes: &[4104],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::category("windows", "ps_module"),
            name: "PowerShell module logging (EventCode 4103)",
            selector: POWERSHELL_SOURCE,
            fields: POWERSHELL_MODULE,
        },
        source: POWERSHELL_SOURCE,
        event_codes: &[4103],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::service("windows", "powershell"),
            name: "PowerShell/Operational channel",
            selector: POWERSHELL_SOURCE,
            fields: POWERSHELL_CHANNEL,
        },
        source: POWERSHELL_SOURCE,
        event_codes: &[],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::service("windows", "security"),
            name: "Windows Security channel",
            selector: "XmlWinEventLog:Security",
            fields: SECURITY,
        },
        source: "XmlWinEventLog:Security",
        event_codes: &[],
    },
    SplScope {
        scope: Scope {
            key: LogsourceKey::service("windows", "system"),
            name: "Windows System channel",
            selector: "XmlWinEventLog:System",
            fields: SYSTEM,
        },
        source: "XmlWinEventLog:System",
        event_codes: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_need_no_quoting() {
        // Field names are written bare in search terms and in single quotes
        // in eval; neither form can carry a quote or a space.
        let all = SYSMON.iter().flat_map(|s| s.scope.fields).chain(
            super::super::cim_model::CIM
                .iter()
                .flat_map(|s| s.scope.fields),
        );
        for field in all {
            assert!(
                field
                    .target
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "{}",
                field.target
            );
        }
    }

    #[test]
    fn every_sysmon_scope_selects_events() {
        for s in SYSMON {
            assert!(s.source.starts_with("XmlWinEventLog:"), "{}", s.scope.name);
            assert_eq!(s.scope.selector, s.source);
        }
    }
}
