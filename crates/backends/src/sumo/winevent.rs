//! Windows event channels other than Sysmon, for the log-search flavor.
//!
//! Same record shape as [`super::sysmon`]: the evtx JSON that
//! `evtx_dump -o jsonl` writes (`{"Event":{"System":{"EventID":4624,
//! "Channel":"Security",…},"EventData":{"TargetUserName":…}}}`), every
//! `<Data Name="…">` element of `EventData` under its own name, which is
//! also the Sigma field name of the Windows taxonomy. `EventID` and
//! `Channel` are the `System` elements of the same names.
//!
//! Field names, per channel:
//!
//! * **Security** — the `EventData` names of Microsoft's Security audit
//!   event reference (learn.microsoft.com, "Advanced security audit
//!   policy" event pages: 4624/4625 logon, 4648 explicit credentials,
//!   4656/4663 object access, 4657 registry value, 4662 directory object,
//!   4688 process creation, 4697 service install, 4698–4702 scheduled
//!   tasks, 4720/4738 accounts, 4768/4769/4771 Kerberos, 4776 NTLM,
//!   4781 rename, 4898/4899 certificate templates, 5136 directory change,
//!   5140/5145 shares, 5156 WFP, 5379 credential read). The list is the
//!   one the Splunk default flavor maps (`crate::spl::model`), plus the
//!   4624 (`TargetOutbound*`, `KeyLength`), 4657, 4673 (`Service`),
//!   4697, 4702 (`TaskContentNew`), 4738, 4768/4771, 4776, 4781, 4648,
//!   4904/4905, 5379, 6416 and 4898/4899 names that list lacks. Types as there: `LogonType`, ports and the
//!   WFP `Protocol` are numbers, `IpAddress`/`SourceAddress`/`DestAddress`
//!   addresses, everything else (hex masks and status codes included)
//!   text.
//! * **PowerShell/Operational** — 4104 script block logging
//!   (`ScriptBlockText`, `ScriptBlockId`, `Path`, `MessageNumber`,
//!   `MessageTotal`) and 4103 module logging (`Payload`, `ContextInfo`),
//!   the EventData names of the channel's manifest (`Get-WinEvent
//!   -ListProvider Microsoft-Windows-PowerShell`).
//!
//! Each scope's selector tests the channel as well as the event id, so the
//! query stays exact when one source category holds several channels.
//! The `System` channel is not mapped: Sigma's system rules test
//! `Provider_Name`, an attribute (`Event.System.Provider.#attributes.Name`
//! in evtx JSON) whose `json` extraction path was not verified, and the
//! event ids of classic providers such as the Service Control Manager
//! carry a `Qualifiers` attribute that changes the JSON shape of
//! `EventID`. "Windows PowerShell" (classic, `powershell-classic`) writes
//! unnamed `<Data>` elements and is not mapped either.

use crate::model::FieldMap;

/// Scope names; [`super::model::SEARCH_SOURCES`] gives each its source
/// category.
pub(crate) const SECURITY_SCOPE: &str = "Windows Security channel";
pub(crate) const PS_SCRIPT_SCOPE: &str = "PowerShell/Operational EventID 4104";
pub(crate) const PS_MODULE_SCOPE: &str = "PowerShell/Operational EventID 4103";
pub(crate) const PS_CHANNEL_SCOPE: &str = "PowerShell/Operational channel";

/// The Security channel (Sigma `service: security`).
pub(super) const SECURITY: &[FieldMap] = &[
    FieldMap::int("EventID", "Event.System.EventID"),
    FieldMap::text("Channel", "Event.System.Channel"),
    FieldMap::text("SubjectUserName", "Event.EventData.SubjectUserName"),
    FieldMap::text("SubjectDomainName", "Event.EventData.SubjectDomainName"),
    FieldMap::text("TargetUserName", "Event.EventData.TargetUserName"),
    FieldMap::text("TargetDomainName", "Event.EventData.TargetDomainName"),
    FieldMap::int("LogonType", "Event.EventData.LogonType"),
    FieldMap::ip("IpAddress", "Event.EventData.IpAddress"),
    FieldMap::int("IpPort", "Event.EventData.IpPort"),
    FieldMap::text("WorkstationName", "Event.EventData.WorkstationName"),
    FieldMap::text("ProcessName", "Event.EventData.ProcessName"),
    FieldMap::text("NewProcessName", "Event.EventData.NewProcessName"),
    FieldMap::text("ParentProcessName", "Event.EventData.ParentProcessName"),
    FieldMap::text("CommandLine", "Event.EventData.CommandLine"),
    FieldMap::text("Application", "Event.EventData.Application"),
    FieldMap::text("Direction", "Event.EventData.Direction"),
    FieldMap::ip("SourceAddress", "Event.EventData.SourceAddress"),
    FieldMap::int("SourcePort", "Event.EventData.SourcePort"),
    FieldMap::ip("DestAddress", "Event.EventData.DestAddress"),
    FieldMap::int("DestPort", "Event.EventData.DestPort"),
    FieldMap::int("Protocol", "Event.EventData.Protocol"),
    FieldMap::text("AccessList", "Event.EventData.AccessList"),
    FieldMap::text("AccessMask", "Event.EventData.AccessMask"),
    FieldMap::text("Accesses", "Event.EventData.Accesses"),
    FieldMap::text(
        "AttributeLDAPDisplayName",
        "Event.EventData.AttributeLDAPDisplayName",
    ),
    FieldMap::text("AttributeValue", "Event.EventData.AttributeValue"),
    FieldMap::text(
        "AuthenticationPackageName",
        "Event.EventData.AuthenticationPackageName",
    ),
    FieldMap::text("CallerProcessName", "Event.EventData.CallerProcessName"),
    FieldMap::text("FailureCode", "Event.EventData.FailureCode"),
    FieldMap::text("ImpersonationLevel", "Event.EventData.ImpersonationLevel"),
    FieldMap::text("LmPackageName", "Event.EventData.LmPackageName"),
    FieldMap::text("LogonProcessName", "Event.EventData.LogonProcessName"),
    FieldMap::text("MemberName", "Event.EventData.MemberName"),
    FieldMap::text("MemberSid", "Event.EventData.MemberSid"),
    FieldMap::text("NewTargetUserName", "Event.EventData.NewTargetUserName"),
    FieldMap::text("ObjectClass", "Event.EventData.ObjectClass"),
    FieldMap::text("ObjectDN", "Event.EventData.ObjectDN"),
    FieldMap::text("ObjectName", "Event.EventData.ObjectName"),
    FieldMap::text("ObjectServer", "Event.EventData.ObjectServer"),
    FieldMap::text("ObjectType", "Event.EventData.ObjectType"),
    FieldMap::text("OperationType", "Event.EventData.OperationType"),
    FieldMap::text("PrivilegeList", "Event.EventData.PrivilegeList"),
    FieldMap::text("Properties", "Event.EventData.Properties"),
    FieldMap::text("RelativeTargetName", "Event.EventData.RelativeTargetName"),
    FieldMap::text("SamAccountName", "Event.EventData.SamAccountName"),
    FieldMap::text("ServiceAccount", "Event.EventData.ServiceAccount"),
    FieldMap::text("ServiceFileName", "Event.EventData.ServiceFileName"),
    FieldMap::text("ServiceName", "Event.EventData.ServiceName"),
    FieldMap::text(
        "ServicePrincipalNames",
        "Event.EventData.ServicePrincipalNames",
    ),
    FieldMap::text("ServiceType", "Event.EventData.ServiceType"),
    FieldMap::text("ShareLocalPath", "Event.EventData.ShareLocalPath"),
    FieldMap::text("ShareName", "Event.EventData.ShareName"),
    FieldMap::text("StartType", "Event.EventData.StartType"),
    FieldMap::text("Status", "Event.EventData.Status"),
    FieldMap::text("SubStatus", "Event.EventData.SubStatus"),
    FieldMap::text("SubjectLogonId", "Event.EventData.SubjectLogonId"),
    FieldMap::text("SubjectUserSid", "Event.EventData.SubjectUserSid"),
    FieldMap::text("TargetLogonId", "Event.EventData.TargetLogonId"),
    FieldMap::text("TargetServerName", "Event.EventData.TargetServerName"),
    FieldMap::text("TargetSid", "Event.EventData.TargetSid"),
    FieldMap::text("TargetUserSid", "Event.EventData.TargetUserSid"),
    FieldMap::text("TaskContent", "Event.EventData.TaskContent"),
    FieldMap::text("TaskName", "Event.EventData.TaskName"),
    FieldMap::text(
        "TicketEncryptionType",
        "Event.EventData.TicketEncryptionType",
    ),
    FieldMap::text("TicketOptions", "Event.EventData.TicketOptions"),
    FieldMap::text("TokenElevationType", "Event.EventData.TokenElevationType"),
    FieldMap::text("AllowedToDelegateTo", "Event.EventData.AllowedToDelegateTo"),
    FieldMap::text("AuditPolicyChanges", "Event.EventData.AuditPolicyChanges"),
    FieldMap::text("CategoryId", "Event.EventData.CategoryId"),
    FieldMap::text("SubcategoryGuid", "Event.EventData.SubcategoryGuid"),
    FieldMap::text("PackageName", "Event.EventData.PackageName"),
    FieldMap::text("LayerRTID", "Event.EventData.LayerRTID"),
    FieldMap::text("FilterRTID", "Event.EventData.FilterRTID"),
    FieldMap::text("DestinationDRA", "Event.EventData.DestinationDRA"),
    FieldMap::text("ObjectValueName", "Event.EventData.ObjectValueName"),
    FieldMap::text("OldValue", "Event.EventData.OldValue"),
    FieldMap::text("NewValue", "Event.EventData.NewValue"),
    FieldMap::text("Workstation", "Event.EventData.Workstation"),
    FieldMap::text("TargetInfo", "Event.EventData.TargetInfo"),
    FieldMap::text("TargetName", "Event.EventData.TargetName"),
    FieldMap::text("ServiceStartType", "Event.EventData.ServiceStartType"),
    FieldMap::text("OldTargetUserName", "Event.EventData.OldTargetUserName"),
    FieldMap::text("NewUacValue", "Event.EventData.NewUacValue"),
    FieldMap::text("OldUacValue", "Event.EventData.OldUacValue"),
    FieldMap::text("PreAuthType", "Event.EventData.PreAuthType"),
    FieldMap::text("SidHistory", "Event.EventData.SidHistory"),
    FieldMap::text("TemplateContent", "Event.EventData.TemplateContent"),
    FieldMap::text("NewTemplateContent", "Event.EventData.NewTemplateContent"),
    // 4624 logon: outbound credentials and session key length.
    FieldMap::text(
        "TargetOutboundUserName",
        "Event.EventData.TargetOutboundUserName",
    ),
    FieldMap::text(
        "TargetOutboundDomainName",
        "Event.EventData.TargetOutboundDomainName",
    ),
    FieldMap::int("KeyLength", "Event.EventData.KeyLength"),
    // 4673 privileged service called.
    FieldMap::text("Service", "Event.EventData.Service"),
    // 4702 scheduled task updated.
    FieldMap::text("TaskContentNew", "Event.EventData.TaskContentNew"),
    // 4904/4905 security event source (un)registered.
    FieldMap::text("AuditSourceName", "Event.EventData.AuditSourceName"),
    // 6416 external device recognized.
    FieldMap::text("ClassName", "Event.EventData.ClassName"),
    FieldMap::text("DeviceDescription", "Event.EventData.DeviceDescription"),
];

/// Script block logging, EventID 4104 (Sigma `category: ps_script`).
pub(super) const PS_SCRIPT: &[FieldMap] = &[
    FieldMap::int("EventID", "Event.System.EventID"),
    FieldMap::text("Channel", "Event.System.Channel"),
    FieldMap::text("ScriptBlockText", "Event.EventData.ScriptBlockText"),
    FieldMap::text("ScriptBlockId", "Event.EventData.ScriptBlockId"),
    FieldMap::text("Path", "Event.EventData.Path"),
    FieldMap::int("MessageNumber", "Event.EventData.MessageNumber"),
    FieldMap::int("MessageTotal", "Event.EventData.MessageTotal"),
];

/// Module logging, EventID 4103 (Sigma `category: ps_module`).
pub(super) const PS_MODULE: &[FieldMap] = &[
    FieldMap::int("EventID", "Event.System.EventID"),
    FieldMap::text("Channel", "Event.System.Channel"),
    FieldMap::text("Payload", "Event.EventData.Payload"),
    FieldMap::text("ContextInfo", "Event.EventData.ContextInfo"),
];

/// The whole PowerShell/Operational channel (Sigma `service: powershell`).
pub(super) const PS_CHANNEL: &[FieldMap] = &[
    FieldMap::int("EventID", "Event.System.EventID"),
    FieldMap::text("Channel", "Event.System.Channel"),
    FieldMap::text("ScriptBlockText", "Event.EventData.ScriptBlockText"),
    FieldMap::text("ScriptBlockId", "Event.EventData.ScriptBlockId"),
    FieldMap::text("Path", "Event.EventData.Path"),
    FieldMap::int("MessageNumber", "Event.EventData.MessageNumber"),
    FieldMap::int("MessageTotal", "Event.EventData.MessageTotal"),
    FieldMap::text("Payload", "Event.EventData.Payload"),
    FieldMap::text("ContextInfo", "Event.EventData.ContextInfo"),
];
