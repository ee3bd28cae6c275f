//! Sysmon JSON for the log-search flavor.
//!
//! Records are the evtx JSON shape (`{"Event":{"System":{"EventID":1,…},
//! "EventData":{…}}}`, what `evtx_dump -o jsonl` and Sysmon-to-JSON
//! shippers write). Sigma's categories for Sysmon data use Sysmon's own
//! field names, so each Sigma field is the EventData key of the same name;
//! the tables below list, per Sysmon event, the fields of Microsoft's
//! Sysmon schema (v15, `sysmon -s`) and nothing else, so a field Sysmon
//! does not write is refused rather than searched in vain (plus the
//! `System` element `EventID` where Sigma rules test it: registry and WMI
//! events). Types: process
//! and thread ids and ports are numbers (compared through `num()`), the
//! IP fields addresses; `LogonId` and `GrantedAccess` are hexadecimal
//! text. A scope's selector is the EventID test (for `registry_add` /
//! `registry_delete`, also Sysmon's `EventType`).

use crate::model::{DataModel, FieldMap, LogsourceKey, Scope};

use super::winevent;

const PROCESS_CREATE: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("FileVersion", "Event.EventData.FileVersion"),
    FieldMap::text("Description", "Event.EventData.Description"),
    FieldMap::text("Product", "Event.EventData.Product"),
    FieldMap::text("Company", "Event.EventData.Company"),
    FieldMap::text("OriginalFileName", "Event.EventData.OriginalFileName"),
    FieldMap::text("CommandLine", "Event.EventData.CommandLine"),
    FieldMap::text("CurrentDirectory", "Event.EventData.CurrentDirectory"),
    FieldMap::text("User", "Event.EventData.User"),
    FieldMap::text("LogonGuid", "Event.EventData.LogonGuid"),
    FieldMap::text("LogonId", "Event.EventData.LogonId"),
    FieldMap::int("TerminalSessionId", "Event.EventData.TerminalSessionId"),
    FieldMap::text("IntegrityLevel", "Event.EventData.IntegrityLevel"),
    FieldMap::text("Hashes", "Event.EventData.Hashes"),
    FieldMap::text("ParentProcessGuid", "Event.EventData.ParentProcessGuid"),
    FieldMap::int("ParentProcessId", "Event.EventData.ParentProcessId"),
    FieldMap::text("ParentImage", "Event.EventData.ParentImage"),
    FieldMap::text("ParentCommandLine", "Event.EventData.ParentCommandLine"),
    FieldMap::text("ParentUser", "Event.EventData.ParentUser"),
];

const FILE_CREATE_TIME: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("TargetFilename", "Event.EventData.TargetFilename"),
    FieldMap::text("CreationUtcTime", "Event.EventData.CreationUtcTime"),
    FieldMap::text(
        "PreviousCreationUtcTime",
        "Event.EventData.PreviousCreationUtcTime",
    ),
    FieldMap::text("User", "Event.EventData.User"),
];

const NETWORK_CONNECT: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("User", "Event.EventData.User"),
    FieldMap::text("Protocol", "Event.EventData.Protocol"),
    FieldMap::text("Initiated", "Event.EventData.Initiated"),
    FieldMap::text("SourceIsIpv6", "Event.EventData.SourceIsIpv6"),
    FieldMap::ip("SourceIp", "Event.EventData.SourceIp"),
    FieldMap::text("SourceHostname", "Event.EventData.SourceHostname"),
    FieldMap::int("SourcePort", "Event.EventData.SourcePort"),
    FieldMap::text("SourcePortName", "Event.EventData.SourcePortName"),
    FieldMap::text("DestinationIsIpv6", "Event.EventData.DestinationIsIpv6"),
    FieldMap::ip("DestinationIp", "Event.EventData.DestinationIp"),
    FieldMap::text("DestinationHostname", "Event.EventData.DestinationHostname"),
    FieldMap::int("DestinationPort", "Event.EventData.DestinationPort"),
    FieldMap::text("DestinationPortName", "Event.EventData.DestinationPortName"),
];

const PROCESS_TERMINATE: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("User", "Event.EventData.User"),
];

const DRIVER_LOAD: &[FieldMap] = &[
    FieldMap::text("ImageLoaded", "Event.EventData.ImageLoaded"),
    FieldMap::text("Hashes", "Event.EventData.Hashes"),
    FieldMap::text("Signed", "Event.EventData.Signed"),
    FieldMap::text("Signature", "Event.EventData.Signature"),
    FieldMap::text("SignatureStatus", "Event.EventData.SignatureStatus"),
];

const IMAGE_LOAD: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("ImageLoaded", "Event.EventData.ImageLoaded"),
    FieldMap::text("FileVersion", "Event.EventData.FileVersion"),
    FieldMap::text("Description", "Event.EventData.Description"),
    FieldMap::text("Product", "Event.EventData.Product"),
    FieldMap::text("Company", "Event.EventData.Company"),
    FieldMap::text("OriginalFileName", "Event.EventData.OriginalFileName"),
    FieldMap::text("Hashes", "Event.EventData.Hashes"),
    FieldMap::text("Signed", "Event.EventData.Signed"),
    FieldMap::text("Signature", "Event.EventData.Signature"),
    FieldMap::text("SignatureStatus", "Event.EventData.SignatureStatus"),
    FieldMap::text("User", "Event.EventData.User"),
];

const CREATE_REMOTE_THREAD: &[FieldMap] = &[
    FieldMap::text("SourceProcessGuid", "Event.EventData.SourceProcessGuid"),
    FieldMap::int("SourceProcessId", "Event.EventData.SourceProcessId"),
    FieldMap::text("SourceImage", "Event.EventData.SourceImage"),
    FieldMap::text("TargetProcessGuid", "Event.EventData.TargetProcessGuid"),
    FieldMap::int("TargetProcessId", "Event.EventData.TargetProcessId"),
    FieldMap::text("TargetImage", "Event.EventData.TargetImage"),
    FieldMap::int("NewThreadId", "Event.EventData.NewThreadId"),
    FieldMap::text("StartAddress", "Event.EventData.StartAddress"),
    FieldMap::text("StartModule", "Event.EventData.StartModule"),
    FieldMap::text("StartFunction", "Event.EventData.StartFunction"),
    FieldMap::text("SourceUser", "Event.EventData.SourceUser"),
    FieldMap::text("TargetUser", "Event.EventData.TargetUser"),
];

const RAW_ACCESS_READ: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("Device", "Event.EventData.Device"),
    FieldMap::text("User", "Event.EventData.User"),
];

const PROCESS_ACCESS: &[FieldMap] = &[
    FieldMap::text("SourceProcessGUID", "Event.EventData.SourceProcessGUID"),
    FieldMap::int("SourceProcessId", "Event.EventData.SourceProcessId"),
    FieldMap::int("SourceThreadId", "Event.EventData.SourceThreadId"),
    FieldMap::text("SourceImage", "Event.EventData.SourceImage"),
    FieldMap::text("TargetProcessGUID", "Event.EventData.TargetProcessGUID"),
    FieldMap::int("TargetProcessId", "Event.EventData.TargetProcessId"),
    FieldMap::text("TargetImage", "Event.EventData.TargetImage"),
    FieldMap::text("GrantedAccess", "Event.EventData.GrantedAccess"),
    FieldMap::text("CallTrace", "Event.EventData.CallTrace"),
    FieldMap::text("SourceUser", "Event.EventData.SourceUser"),
    FieldMap::text("TargetUser", "Event.EventData.TargetUser"),
];

const FILE_CREATE: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("TargetFilename", "Event.EventData.TargetFilename"),
    FieldMap::text("CreationUtcTime", "Event.EventData.CreationUtcTime"),
    FieldMap::text("User", "Event.EventData.User"),
];

const REGISTRY: &[FieldMap] = &[
    // The System element: registry rules tell 12/13/14 apart by it.
    FieldMap::int("EventID", "Event.System.EventID"),
    FieldMap::text("EventType", "Event.EventData.EventType"),
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("TargetObject", "Event.EventData.TargetObject"),
    FieldMap::text("Details", "Event.EventData.Details"),
    FieldMap::text("NewName", "Event.EventData.NewName"),
    FieldMap::text("User", "Event.EventData.User"),
];

const FILE_CREATE_STREAM_HASH: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("TargetFilename", "Event.EventData.TargetFilename"),
    FieldMap::text("CreationUtcTime", "Event.EventData.CreationUtcTime"),
    FieldMap::text("Hash", "Event.EventData.Hash"),
    FieldMap::text("Contents", "Event.EventData.Contents"),
    FieldMap::text("User", "Event.EventData.User"),
];

const PIPE: &[FieldMap] = &[
    FieldMap::text("EventType", "Event.EventData.EventType"),
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("PipeName", "Event.EventData.PipeName"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("User", "Event.EventData.User"),
];

const WMI: &[FieldMap] = &[
    FieldMap::int("EventID", "Event.System.EventID"),
    FieldMap::text("EventType", "Event.EventData.EventType"),
    FieldMap::text("Operation", "Event.EventData.Operation"),
    FieldMap::text("User", "Event.EventData.User"),
    FieldMap::text("EventNamespace", "Event.EventData.EventNamespace"),
    FieldMap::text("Name", "Event.EventData.Name"),
    FieldMap::text("Query", "Event.EventData.Query"),
    FieldMap::text("Type", "Event.EventData.Type"),
    FieldMap::text("Destination", "Event.EventData.Destination"),
    FieldMap::text("Consumer", "Event.EventData.Consumer"),
    FieldMap::text("Filter", "Event.EventData.Filter"),
];

const DNS_QUERY: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("QueryName", "Event.EventData.QueryName"),
    FieldMap::text("QueryStatus", "Event.EventData.QueryStatus"),
    FieldMap::text("QueryResults", "Event.EventData.QueryResults"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("User", "Event.EventData.User"),
];

const FILE_DELETE: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("User", "Event.EventData.User"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("TargetFilename", "Event.EventData.TargetFilename"),
    FieldMap::text("Hashes", "Event.EventData.Hashes"),
    FieldMap::text("IsExecutable", "Event.EventData.IsExecutable"),
    FieldMap::text("Archived", "Event.EventData.Archived"),
];

const PROCESS_TAMPERING: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("Type", "Event.EventData.Type"),
    FieldMap::text("User", "Event.EventData.User"),
];

const FILE_BLOCK: &[FieldMap] = &[
    FieldMap::text("ProcessGuid", "Event.EventData.ProcessGuid"),
    FieldMap::int("ProcessId", "Event.EventData.ProcessId"),
    FieldMap::text("User", "Event.EventData.User"),
    FieldMap::text("Image", "Event.EventData.Image"),
    FieldMap::text("TargetFilename", "Event.EventData.TargetFilename"),
    FieldMap::text("Hashes", "Event.EventData.Hashes"),
];

/// Sysmon JSON (and the Security and PowerShell channels, see
/// [`super::winevent`]) for log search. Selectors test the extracted
/// `EventID` (and, outside Sysmon, `Channel`).
pub(crate) const SYSMON_JSON: DataModel = DataModel {
    name: "Sumo Logic log search over Windows event JSON",
    scopes: &[
        Scope {
            key: LogsourceKey::any_product("process_creation"),
            name: "Sysmon EventID 1",
            selector: "num(EventID) = 1",
            fields: PROCESS_CREATE,
        },
        Scope {
            key: LogsourceKey::any_product("file_change"),
            name: "Sysmon EventID 2",
            selector: "num(EventID) = 2",
            fields: FILE_CREATE_TIME,
        },
        Scope {
            key: LogsourceKey::any_product("network_connection"),
            name: "Sysmon EventID 3",
            selector: "num(EventID) = 3",
            fields: NETWORK_CONNECT,
        },
        Scope {
            key: LogsourceKey::any_product("process_termination"),
            name: "Sysmon EventID 5",
            selector: "num(EventID) = 5",
            fields: PROCESS_TERMINATE,
        },
        Scope {
            key: LogsourceKey::any_product("driver_load"),
            name: "Sysmon EventID 6",
            selector: "num(EventID) = 6",
            fields: DRIVER_LOAD,
        },
        Scope {
            key: LogsourceKey::any_product("image_load"),
            name: "Sysmon EventID 7",
            selector: "num(EventID) = 7",
            fields: IMAGE_LOAD,
        },
        Scope {
            key: LogsourceKey::any_product("create_remote_thread"),
            name: "Sysmon EventID 8",
            selector: "num(EventID) = 8",
            fields: CREATE_REMOTE_THREAD,
        },
        Scope {
            key: LogsourceKey::any_product("raw_access_thread"),
            name: "Sysmon EventID 9",
            selector: "num(EventID) = 9",
            fields: RAW_ACCESS_READ,
        },
        Scope {
            key: LogsourceKey::any_product("process_access"),
            name: "Sysmon EventID 10",
            selector: "num(EventID) = 10",
            fields: PROCESS_ACCESS,
        },
        Scope {
            key: LogsourceKey::any_product("file_event"),
            name: "Sysmon EventID 11",
            selector: "num(EventID) = 11",
            fields: FILE_CREATE,
        },
        Scope {
            key: LogsourceKey::any_product("registry_add"),
            name: "Sysmon EventID 12",
            selector: r#"(num(EventID) = 12 and EventType = "CreateKey")"#,
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_delete"),
            name: "Sysmon EventID 12",
            selector: r#"(num(EventID) = 12 and (EventType = "DeleteKey" or EventType = "DeleteValue"))"#,
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_set"),
            name: "Sysmon EventID 13",
            selector: "num(EventID) = 13",
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_rename"),
            name: "Sysmon EventID 14",
            selector: "num(EventID) = 14",
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("registry_event"),
            name: "Sysmon EventID 12/13/14",
            selector: "(num(EventID) = 12 or num(EventID) = 13 or num(EventID) = 14)",
            fields: REGISTRY,
        },
        Scope {
            key: LogsourceKey::any_product("create_stream_hash"),
            name: "Sysmon EventID 15",
            selector: "num(EventID) = 15",
            fields: FILE_CREATE_STREAM_HASH,
        },
        Scope {
            key: LogsourceKey::any_product("pipe_created"),
            name: "Sysmon EventID 17/18",
            selector: "(num(EventID) = 17 or num(EventID) = 18)",
            fields: PIPE,
        },
        Scope {
            key: LogsourceKey::any_product("wmi_event"),
            name: "Sysmon EventID 19/20/21",
            selector: "(num(EventID) = 19 or num(EventID) = 20 or num(EventID) = 21)",
            fields: WMI,
        },
        Scope {
            key: LogsourceKey::any_product("dns_query"),
            name: "Sysmon EventID 22",
            selector: "num(EventID) = 22",
            fields: DNS_QUERY,
        },
        Scope {
            key: LogsourceKey::any_product("file_delete"),
            name: "Sysmon EventID 23/26",
            selector: "(num(EventID) = 23 or num(EventID) = 26)",
            fields: FILE_DELETE,
        },
        Scope {
            key: LogsourceKey::any_product("process_tampering"),
            name: "Sysmon EventID 25",
            selector: "num(EventID) = 25",
            fields: PROCESS_TAMPERING,
        },
        Scope {
            key: LogsourceKey::any_product("file_block_executable"),
            name: "Sysmon EventID 27",
            selector: "num(EventID) = 27",
            fields: FILE_BLOCK,
        },
        Scope {
            key: LogsourceKey::any_product("file_block_shredding"),
            name: "Sysmon EventID 28",
            selector: "num(EventID) = 28",
            fields: FILE_BLOCK,
        },
        Scope {
            key: LogsourceKey::any_product("file_executable_detected"),
            name: "Sysmon EventID 29",
            selector: "num(EventID) = 29",
            fields: FILE_BLOCK,
        },
        Scope {
            key: LogsourceKey::service("windows", "security"),
            name: winevent::SECURITY_SCOPE,
            selector: r#"Channel = "Security""#,
            fields: winevent::SECURITY,
        },
        Scope {
            key: LogsourceKey::category("windows", "ps_script"),
            name: winevent::PS_SCRIPT_SCOPE,
            selector: r#"(Channel = "Microsoft-Windows-PowerShell/Operational" and num(EventID) = 4104)"#,
            fields: winevent::PS_SCRIPT,
        },
        Scope {
            key: LogsourceKey::category("windows", "ps_module"),
            name: winevent::PS_MODULE_SCOPE,
            selector: r#"(Channel = "Microsoft-Windows-PowerShell/Operational" and num(EventID) = 4103)"#,
            fields: winevent::PS_MODULE,
        },
        Scope {
            key: LogsourceKey::service("windows", "powershell"),
            name: winevent::PS_CHANNEL_SCOPE,
            selector: r#"Channel = "Microsoft-Windows-PowerShell/Operational""#,
            fields: winevent::PS_CHANNEL,
        },
    ],
};
