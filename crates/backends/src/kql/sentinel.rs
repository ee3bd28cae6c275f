//! The Microsoft Sentinel data model (`sentinel` flavor): Windows
//! Security events in `SecurityEvent`, and Sysmon and PowerShell events
//! in the `Event` table with their `EventData` XML parsed into a property
//! bag. See [`super::model`] for the types and the reasons.
//!
//! Column names: Azure Monitor table reference for `SecurityEvent` and
//! `Event` (learn.microsoft.com/azure/azure-monitor/reference/tables);
//! Sysmon field names and event ids: Microsoft's Sysmon documentation
//! (learn.microsoft.com/sysinternals/downloads/sysmon, "Events");
//! PowerShell 4103/4104 EventData names as Windows writes them.
//!
//! Also served, each from a documented Sentinel table:
//!
//! * `windows` / `system` and `application` services: the `Event` table's
//!   rows of that `EventLog`, Sigma's System fields as `Event` columns
//!   (`EventID`; `Provider_Name` is `Source`, `Channel` is `EventLog`);
//!   System rules on the Service Control Manager's 7045 data
//!   (`ServiceName`, `ImagePath`, `ServiceType`, `StartType`,
//!   `AccountName`) parse `EventData` as the Sysmon sources do. Other
//!   EventData names (and Application's unnamed `Data`) are refused.
//! * `linux` / `macos` process creation: `DeviceProcessEvents`, which the
//!   Microsoft Defender XDR connector streams into the workspace (same
//!   schema and mapping as the default flavor).
//! * `SecurityEvent`: EventData fields that the table reference lists as
//!   columns of the same name.
//!
//! Assumptions (docs/backends.md, "Assumptions to check on a live
//! system"): `Event.Source` holds the provider name Sigma calls
//! `Provider_Name` (as the Sysmon selectors already assume); an event
//! with a single `<Data>` element parses to an object, not an array, and
//! would not fill the property bag (7045 has five).

use super::model::{
    ACCOUNT_USER, Columns, KqlModel, PARENT_USER, Source, XDR_PROCESS_FIELDS, concat_fields,
};
use crate::model::{FieldMap, LogsourceKey, Scope};

/// Rows of one Windows event provider in Sentinel's `Event` table, with
/// their `EventData` XML parsed into one property bag, `{"Image": "…",
/// "DestinationPort": "443", …}`: each `<Data Name="…">` element becomes
/// a key. `mv-apply` keeps one row per event.
macro_rules! event_data_selector {
    ($source:literal, $event_ids:literal) => {
        concat!(
            "Event\n| where Source == \"",
            $source,
            "\" and EventID ",
            $event_ids,
            "\n| extend EventDataItems = parse_xml(EventData).DataItem.EventData.Data",
            "\n| mv-apply EventDataItem = EventDataItems on (summarize EventProperties = ",
            "make_bag(bag_pack(tostring(EventDataItem[\"@Name\"]), tostring(EventDataItem[\"#text\"]))))"
        )
    };
}

/// Every event of one Windows log (`EventLog`) with its `EventData`
/// parsed as in [`event_data_selector`].
macro_rules! event_data_log_selector {
    ($log:literal) => {
        concat!(
            "Event\n| where EventLog == \"",
            $log,
            "\"",
            "\n| extend EventDataItems = parse_xml(EventData).DataItem.EventData.Data",
            "\n| mv-apply EventDataItem = EventDataItems on (summarize EventProperties = ",
            "make_bag(bag_pack(tostring(EventDataItem[\"@Name\"]), tostring(EventDataItem[\"#text\"]))))"
        )
    };
}

/// Sysmon events (`Microsoft-Windows-Sysmon/Operational`).
macro_rules! sysmon_selector {
    ($event_ids:literal) => {
        event_data_selector!("Microsoft-Windows-Sysmon", $event_ids)
    };
}

/// Windows Security 4688 as `SecurityEvent` columns. `NewProcessId` is
/// hexadecimal text there and `User` has no single counterpart (the
/// creator is the Subject, the new process's account the Target), so
/// neither is mapped.
const SECURITY_4688_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "NewProcessName"),
    FieldMap::text("CommandLine", "CommandLine"),
    FieldMap::text("ParentImage", "ParentProcessName"),
    FieldMap::text("SubjectUserName", "SubjectUserName"),
    FieldMap::text("SubjectDomainName", "SubjectDomainName"),
    FieldMap::text("TargetUserName", "TargetUserName"),
    FieldMap::text("TargetDomainName", "TargetDomainName"),
    FieldMap::text("MandatoryLabel", "MandatoryLabel"),
    FieldMap::text("TokenElevationType", "TokenElevationType"),
];

/// Security-log fields that `SecurityEvent` stores as columns of the same
/// name (the EventData names Sigma rules use).
const SECURITY_FIELDS: &[FieldMap] = &[
    FieldMap::int("EventID", "EventID"),
    FieldMap::int("LogonType", "LogonType"),
    FieldMap::ip("IpAddress", "IpAddress"),
    FieldMap::text("IpPort", "IpPort"),
    FieldMap::text("TargetUserName", "TargetUserName"),
    FieldMap::text("TargetDomainName", "TargetDomainName"),
    FieldMap::text("TargetUserSid", "TargetUserSid"),
    FieldMap::text("TargetLogonId", "TargetLogonId"),
    FieldMap::text("SubjectUserName", "SubjectUserName"),
    FieldMap::text("SubjectDomainName", "SubjectDomainName"),
    FieldMap::text("SubjectUserSid", "SubjectUserSid"),
    FieldMap::text("SubjectLogonId", "SubjectLogonId"),
    FieldMap::text("WorkstationName", "WorkstationName"),
    FieldMap::text("LogonProcessName", "LogonProcessName"),
    FieldMap::text("AuthenticationPackageName", "AuthenticationPackageName"),
    FieldMap::text("ProcessName", "ProcessName"),
    FieldMap::text("NewProcessName", "NewProcessName"),
    FieldMap::text("ParentProcessName", "ParentProcessName"),
    FieldMap::text("CommandLine", "CommandLine"),
    FieldMap::text("ObjectName", "ObjectName"),
    FieldMap::text("ObjectType", "ObjectType"),
    FieldMap::text("ObjectServer", "ObjectServer"),
    FieldMap::text("AccessMask", "AccessMask"),
    FieldMap::text("ServiceName", "ServiceName"),
    FieldMap::text("ServiceFileName", "ServiceFileName"),
    FieldMap::text("ServiceType", "ServiceType"),
    FieldMap::text("Status", "Status"),
    FieldMap::text("SubStatus", "SubStatus"),
    FieldMap::text("ShareName", "ShareName"),
    FieldMap::text("RelativeTargetName", "RelativeTargetName"),
    FieldMap::text("PrivilegeList", "PrivilegeList"),
    FieldMap::text("ElevatedToken", "ElevatedToken"),
    FieldMap::text("CallerProcessName", "CallerProcessName"),
    FieldMap::text("TargetServerName", "TargetServerName"),
    FieldMap::text("MemberName", "MemberName"),
    FieldMap::text("MemberSid", "MemberSid"),
    FieldMap::text("SamAccountName", "SamAccountName"),
    // Further EventData names that the SecurityEvent table reference
    // (Azure Monitor, "SecurityEvent") lists as columns of the same name
    // and type; EventData names it does not list stay refused.
    FieldMap::text("AllowedToDelegateTo", "AllowedToDelegateTo"),
    FieldMap::text("AuditPolicyChanges", "AuditPolicyChanges"),
    FieldMap::text("ClassName", "ClassName"),
    FieldMap::int("KeyLength", "KeyLength"),
    FieldMap::text("NewUacValue", "NewUacValue"),
    FieldMap::text("ObjectValueName", "ObjectValueName"),
    FieldMap::text("Properties", "Properties"),
    FieldMap::int("ServiceStartType", "ServiceStartType"),
    FieldMap::text("ShareLocalPath", "ShareLocalPath"),
    FieldMap::text("SidHistory", "SidHistory"),
    FieldMap::text("SubcategoryGuid", "SubcategoryGuid"),
    FieldMap::text("TargetInfo", "TargetInfo"),
    FieldMap::text("TargetOutboundUserName", "TargetOutboundUserName"),
    FieldMap::text("TargetSid", "TargetSid"),
    FieldMap::text("TemplateContent", "TemplateContent"),
    FieldMap::text("Workstation", "Workstation"),
];

const SYSMON_PROCESS: [FieldMap; 3] = [
    FieldMap::text("Image", "Image"),
    FieldMap::int("ProcessId", "ProcessId"),
    FieldMap::text("User", "User"),
];

const SYSMON_PROCESS_CREATION_FIELDS: &[FieldMap] = &concat_fields::<3, 14, 17>(
    SYSMON_PROCESS,
    [
        FieldMap::text("CommandLine", "CommandLine"),
        FieldMap::text("OriginalFileName", "OriginalFileName"),
        FieldMap::text("Product", "Product"),
        FieldMap::text("Description", "Description"),
        FieldMap::text("Company", "Company"),
        FieldMap::text("FileVersion", "FileVersion"),
        FieldMap::text("CurrentDirectory", "CurrentDirectory"),
        FieldMap::text("IntegrityLevel", "IntegrityLevel"),
        FieldMap::text("Hashes", "Hashes"),
        FieldMap::text("LogonId", "LogonId"),
        FieldMap::text("ParentImage", "ParentImage"),
        FieldMap::text("ParentCommandLine", "ParentCommandLine"),
        FieldMap::int("ParentProcessId", "ParentProcessId"),
        FieldMap::text("ParentUser", "ParentUser"),
    ],
);

const SYSMON_NETWORK_FIELDS: &[FieldMap] = &concat_fields::<3, 10, 13>(
    SYSMON_PROCESS,
    [
        FieldMap::text("Protocol", "Protocol"),
        FieldMap::text("Initiated", "Initiated"),
        FieldMap::ip("SourceIp", "SourceIp"),
        FieldMap::text("SourceHostname", "SourceHostname"),
        FieldMap::int("SourcePort", "SourcePort"),
        FieldMap::ip("DestinationIp", "DestinationIp"),
        FieldMap::text("DestinationHostname", "DestinationHostname"),
        FieldMap::int("DestinationPort", "DestinationPort"),
        FieldMap::text("DestinationPortName", "DestinationPortName"),
        FieldMap::text("DestinationIsIpv6", "DestinationIsIpv6"),
    ],
);

const SYSMON_DNS_FIELDS: &[FieldMap] = &concat_fields::<3, 3, 6>(
    SYSMON_PROCESS,
    [
        FieldMap::text("QueryName", "QueryName"),
        FieldMap::text("QueryStatus", "QueryStatus"),
        FieldMap::text("QueryResults", "QueryResults"),
    ],
);

const SYSMON_REGISTRY_FIELDS: &[FieldMap] = &concat_fields::<3, 4, 7>(
    SYSMON_PROCESS,
    [
        FieldMap::text("EventType", "EventType"),
        FieldMap::text("TargetObject", "TargetObject"),
        FieldMap::text("Details", "Details"),
        FieldMap::text("NewName", "NewName"),
    ],
);

const SYSMON_FILE_FIELDS: &[FieldMap] = &concat_fields::<3, 1, 4>(
    SYSMON_PROCESS,
    [FieldMap::text("TargetFilename", "TargetFilename")],
);

const SYSMON_IMAGE_LOAD_FIELDS: &[FieldMap] = &concat_fields::<3, 8, 11>(
    SYSMON_PROCESS,
    [
        FieldMap::text("ImageLoaded", "ImageLoaded"),
        FieldMap::text("OriginalFileName", "OriginalFileName"),
        FieldMap::text("Product", "Product"),
        FieldMap::text("Description", "Description"),
        FieldMap::text("Company", "Company"),
        FieldMap::text("Signed", "Signed"),
        FieldMap::text("Signature", "Signature"),
        FieldMap::text("SignatureStatus", "SignatureStatus"),
    ],
);

/// A source in Sentinel's `Event` table, fields from its EventData.
const fn event_log(
    category: &'static str,
    name: &'static str,
    selector: &'static str,
    fields: &'static [FieldMap],
) -> Source {
    Source {
        scope: Scope {
            key: LogsourceKey::category("windows", category),
            name,
            selector,
            fields,
        },
        columns: Columns::EventData,
    }
}

const SYSMON_PROCESS_ACCESS_FIELDS: &[FieldMap] = &[
    FieldMap::text("SourceImage", "SourceImage"),
    FieldMap::int("SourceProcessId", "SourceProcessId"),
    FieldMap::text("SourceUser", "SourceUser"),
    FieldMap::text("TargetImage", "TargetImage"),
    FieldMap::int("TargetProcessId", "TargetProcessId"),
    FieldMap::text("TargetUser", "TargetUser"),
    FieldMap::text("GrantedAccess", "GrantedAccess"),
    FieldMap::text("CallTrace", "CallTrace"),
];

const SYSMON_REMOTE_THREAD_FIELDS: &[FieldMap] = &[
    FieldMap::text("SourceImage", "SourceImage"),
    FieldMap::int("SourceProcessId", "SourceProcessId"),
    FieldMap::text("SourceUser", "SourceUser"),
    FieldMap::text("TargetImage", "TargetImage"),
    FieldMap::int("TargetProcessId", "TargetProcessId"),
    FieldMap::text("TargetUser", "TargetUser"),
    FieldMap::text("StartAddress", "StartAddress"),
    FieldMap::text("StartModule", "StartModule"),
    FieldMap::text("StartFunction", "StartFunction"),
];

const SYSMON_PIPE_FIELDS: &[FieldMap] = &concat_fields::<3, 2, 5>(
    SYSMON_PROCESS,
    [
        FieldMap::text("PipeName", "PipeName"),
        FieldMap::text("EventType", "EventType"),
    ],
);

const SYSMON_DRIVER_LOAD_FIELDS: &[FieldMap] = &[
    FieldMap::text("ImageLoaded", "ImageLoaded"),
    FieldMap::text("Hashes", "Hashes"),
    FieldMap::text("Signed", "Signed"),
    FieldMap::text("Signature", "Signature"),
    FieldMap::text("SignatureStatus", "SignatureStatus"),
];

const SYSMON_FILE_DELETE_FIELDS: &[FieldMap] = &concat_fields::<3, 3, 6>(
    SYSMON_PROCESS,
    [
        FieldMap::text("TargetFilename", "TargetFilename"),
        FieldMap::text("Hashes", "Hashes"),
        FieldMap::text("IsExecutable", "IsExecutable"),
    ],
);

const SYSMON_STREAM_HASH_FIELDS: &[FieldMap] = &concat_fields::<3, 3, 6>(
    SYSMON_PROCESS,
    [
        FieldMap::text("TargetFilename", "TargetFilename"),
        FieldMap::text("Hash", "Hash"),
        FieldMap::text("Contents", "Contents"),
    ],
);

/// PowerShell script block logging (event 4104).
const POWERSHELL_SCRIPT_FIELDS: &[FieldMap] = &[
    FieldMap::text("ScriptBlockText", "ScriptBlockText"),
    FieldMap::text("ScriptBlockId", "ScriptBlockId"),
    FieldMap::text("Path", "Path"),
    FieldMap::int("MessageNumber", "MessageNumber"),
    FieldMap::int("MessageTotal", "MessageTotal"),
];

/// PowerShell module logging (event 4103).
const POWERSHELL_MODULE_FIELDS: &[FieldMap] = &[
    FieldMap::text("ContextInfo", "ContextInfo"),
    FieldMap::text("Payload", "Payload"),
    FieldMap::text("UserData", "UserData"),
];

/// The System part of a classic Windows event log record as `Event`
/// columns: Sigma's `Provider_Name` is the provider the table stores in
/// `Source`, `Channel` the log it stores in `EventLog`.
const EVENT_SYSTEM_FIELDS: [FieldMap; 3] = [
    FieldMap::int("EventID", "EventID"),
    FieldMap::text("Provider_Name", "Source"),
    FieldMap::text("Channel", "EventLog"),
];

/// The System and Application logs' events in the `Event` table, System
/// fields only (no EventData parsing: events whose data is `UserData`,
/// such as System 104, stay visible).
const fn event_channel(
    service: &'static str,
    name: &'static str,
    selector: &'static str,
) -> Source {
    Source {
        scope: Scope {
            key: LogsourceKey::service("windows", service),
            name,
            selector,
            fields: &EVENT_SYSTEM_FIELDS,
        },
        columns: Columns::Table(&[]),
    }
}

/// System-log events with EventData: the data of the Service Control
/// Manager's service-installation event 7045 (`ServiceName`, `ImagePath`,
/// `ServiceType`, `StartType`, `AccountName`; Microsoft's event schema for
/// the provider), which SigmaHQ's System rules test. Other EventData names
/// are refused rather than assumed.
const SYSTEM_EVENT_DATA_FIELDS: &[FieldMap] = &concat_fields::<3, 5, 8>(
    EVENT_SYSTEM_FIELDS,
    [
        FieldMap::text("ServiceName", "ServiceName"),
        FieldMap::text("ImagePath", "ImagePath"),
        FieldMap::text("ServiceType", "ServiceType"),
        FieldMap::text("StartType", "StartType"),
        FieldMap::text("AccountName", "AccountName"),
    ],
);

/// Linux and macOS process creation in Sentinel: the `DeviceProcessEvents`
/// table that Sentinel's Microsoft Defender XDR connector streams into the
/// workspace (Azure Monitor table reference, "DeviceProcessEvents"; same
/// columns as in Advanced Hunting), mapped as the default flavor maps it.
/// Sentinel has no other documented table of Linux or macOS process
/// creations (`Syslog` holds no process events; ASIM parsers are out of
/// scope).
const fn defender_process(product: &'static str) -> Source {
    Source {
        scope: Scope {
            key: LogsourceKey::category(product, "process_creation"),
            name: "DeviceProcessEvents",
            selector: "DeviceProcessEvents",
            fields: XDR_PROCESS_FIELDS,
        },
        columns: Columns::Table(&[ACCOUNT_USER, PARENT_USER]),
    }
}

/// Microsoft Sentinel: `SecurityEvent` and Sysmon in `Event`.
pub(crate) const SENTINEL: KqlModel = KqlModel {
    name: "Microsoft Sentinel",
    sources: &[
        Source {
            scope: Scope {
                key: LogsourceKey::category("windows", "process_creation"),
                name: "SecurityEvent (4688)",
                selector: "SecurityEvent\n| where EventID == 4688",
                fields: SECURITY_4688_FIELDS,
            },
            columns: Columns::Table(&[]),
        },
        event_log(
            "process_creation",
            "Event (Sysmon 1)",
            sysmon_selector!("== 1"),
            SYSMON_PROCESS_CREATION_FIELDS,
        ),
        Source {
            scope: Scope {
                key: LogsourceKey::service("windows", "security"),
                name: "SecurityEvent",
                selector: "SecurityEvent",
                fields: SECURITY_FIELDS,
            },
            columns: Columns::Table(&[]),
        },
        event_channel(
            "system",
            "Event (System)",
            "Event\n| where EventLog == \"System\"",
        ),
        Source {
            scope: Scope {
                key: LogsourceKey::service("windows", "system"),
                name: "Event (System, EventData)",
                selector: event_data_log_selector!("System"),
                fields: SYSTEM_EVENT_DATA_FIELDS,
            },
            columns: Columns::EventData,
        },
        event_channel(
            "application",
            "Event (Application)",
            "Event\n| where EventLog == \"Application\"",
        ),
        defender_process("linux"),
        defender_process("macos"),
        event_log(
            "network_connection",
            "Event (Sysmon 3)",
            sysmon_selector!("== 3"),
            SYSMON_NETWORK_FIELDS,
        ),
        event_log(
            "dns_query",
            "Event (Sysmon 22)",
            sysmon_selector!("== 22"),
            SYSMON_DNS_FIELDS,
        ),
        event_log(
            "registry_add",
            "Event (Sysmon 12)",
            concat!(
                sysmon_selector!("== 12"),
                "\n| where tostring(EventProperties[\"EventType\"]) == \"CreateKey\""
            ),
            SYSMON_REGISTRY_FIELDS,
        ),
        event_log(
            "registry_delete",
            "Event (Sysmon 12)",
            concat!(
                sysmon_selector!("== 12"),
                "\n| where tostring(EventProperties[\"EventType\"]) in (\"DeleteKey\", \"DeleteValue\")"
            ),
            SYSMON_REGISTRY_FIELDS,
        ),
        event_log(
            "registry_set",
            "Event (Sysmon 13)",
            sysmon_selector!("== 13"),
            SYSMON_REGISTRY_FIELDS,
        ),
        event_log(
            "registry_rename",
            "Event (Sysmon 14)",
            sysmon_selector!("== 14"),
            SYSMON_REGISTRY_FIELDS,
        ),
        event_log(
            "registry_event",
            "Event (Sysmon 12, 13, 14)",
            sysmon_selector!("in (12, 13, 14)"),
            SYSMON_REGISTRY_FIELDS,
        ),
        event_log(
            "file_event",
            "Event (Sysmon 11)",
            sysmon_selector!("== 11"),
            SYSMON_FILE_FIELDS,
        ),
        event_log(
            "image_load",
            "Event (Sysmon 7)",
            sysmon_selector!("== 7"),
            SYSMON_IMAGE_LOAD_FIELDS,
        ),
        event_log(
            "driver_load",
            "Event (Sysmon 6)",
            sysmon_selector!("== 6"),
            SYSMON_DRIVER_LOAD_FIELDS,
        ),
        event_log(
            "create_remote_thread",
            "Event (Sysmon 8)",
            sysmon_selector!("== 8"),
            SYSMON_REMOTE_THREAD_FIELDS,
        ),
        event_log(
            "process_access",
            "Event (Sysmon 10)",
            sysmon_selector!("== 10"),
            SYSMON_PROCESS_ACCESS_FIELDS,
        ),
        event_log(
            "create_stream_hash",
            "Event (Sysmon 15)",
            sysmon_selector!("== 15"),
            SYSMON_STREAM_HASH_FIELDS,
        ),
        event_log(
            "pipe_created",
            "Event (Sysmon 17, 18)",
            sysmon_selector!("in (17, 18)"),
            SYSMON_PIPE_FIELDS,
        ),
        event_log(
            "file_delete",
            "Event (Sysmon 23, 26)",
            sysmon_selector!("in (23, 26)"),
            SYSMON_FILE_DELETE_FIELDS,
        ),
        event_log(
            "ps_script",
            "Event (PowerShell 4104)",
            event_data_selector!("Microsoft-Windows-PowerShell", "== 4104"),
            POWERSHELL_SCRIPT_FIELDS,
        ),
        event_log(
            "ps_module",
            "Event (PowerShell 4103)",
            event_data_selector!("Microsoft-Windows-PowerShell", "== 4103"),
            POWERSHELL_MODULE_FIELDS,
        ),
    ],
};
