//! The Falcon data model as LogScale sees it: which events a Sigma
//! logsource selects and what its fields are called there.
//!
//! Where the names come from: CrowdStrike's Falcon event data dictionary
//! (event names `ProcessRollup2`, `SyntheticProcessRollup2`, `DnsRequest`,
//! `NetworkConnectIP4/6`, `NetworkReceiveAcceptIP4/6`, `AsepValueUpdate`,
//! `RegGenericValueUpdate`, `RegSystemConfigValueUpdate`; fields
//! `ImageFileName`, `CommandLine`, `ParentBaseFileName`, `UserName`,
//! `RawProcessId`, `DomainName`, `RemoteAddressIP4/6`, `LocalAddressIP4/6`,
//! `RemotePort`, `LocalPort`, `ConnectionDirection`, `RegObjectName`,
//! `RegValueName`) and the LogScale enrichment of Falcon data
//! (`event_platform` = `Win`/`Lin`/`Mac`, `ContextBaseFileName` on DNS and network
//! events, `#event_simpleName` as a tag field).
//!
//! Falcon is *not* Sysmon, and several Sigma fields only look like they have
//! a counterpart. The differences are data too ([`FieldSemantics`]), so the
//! renderer can refuse what would silently change a rule's meaning:
//!
//! * `ImageFileName` on Windows is the NT device path
//!   (`\Device\HarddiskVolume3\Windows\System32\ssh.exe`): a Sigma value
//!   anchored at the start or naming a drive letter can never match it.
//! * Only the parent's *file name* is recorded (`ParentBaseFileName`), and
//!   DNS and network events carry only the file name of the process
//!   (`ContextBaseFileName`): `ParentImage|endswith: '\ssh.exe'` is exactly
//!   `ParentBaseFileName` equal to `ssh.exe`, a full-path comparison is not
//!   expressible.
//! * Registry events split the key (`RegObjectName`, spelled
//!   `\REGISTRY\MACHINE\…` with `ControlSet001`) from the value name
//!   (`RegValueName`); the scope rebuilds Sigma's `TargetObject` as
//!   `key\value`, and values that depend on Sysmon's hive spelling (`HKLM\…`,
//!   `CurrentControlSet`) are refused.
//! * Sysmon's `Initiated` is the direction of the connection
//!   (`ConnectionDirection`: 0 outbound, 1 inbound), and Sysmon names the
//!   ends of a connection by who opened it (Source, Destination) where
//!   Falcon names them by host (Local, Remote): see [`DIRECTIONAL`].
//! * Sysmon's `IntegrityLevel` (`High`, or the label SID `S-1-16-12288` as
//!   event 4688 writes it) is Falcon's `IntegrityLevel`, the decimal
//!   mandatory-label RID: translated value by value ([`INTEGRITY_LEVELS`]),
//!   anything else refused. **Assumption** (not verifiable here): Sysmon's
//!   names stand for exactly the well-known RIDs (a process at Medium Plus,
//!   RID 8448, is not "Medium").
//! * macOS process events (`event_platform=Mac`, as pySigma's CrowdStrike
//!   pipeline also filters) carry the Linux field set. **Assumption**: the
//!   macOS `ProcessRollup2` uses the same field names with POSIX paths.
//! * Not covered (refused as logsources): `file_event` (Falcon records only
//!   classified file writes — `PeFileWritten`, `NewScriptWritten`, … — so a
//!   rule on other files would silently match nothing, and the writer is
//!   only a process id), `image_load` (`ClassifiedModuleLoad` names the
//!   module, not the loading image), `ps_script` (`ScriptControlScanTelemetry`
//!   `ScriptContent`: whether it holds Sigma's script blocks we could not
//!   verify from CrowdStrike's documentation).
//! * Fields the Falcon events do not carry (PE metadata `OriginalFileName`,
//!   `Product`, `Description`; `ParentCommandLine`; registry `Details`, whose
//!   Sysmon rendering `DWORD (0x…)` has no Falcon equivalent) are absent and
//!   therefore refused by [`Scope::field`].
//!
//! Scopes are chosen by exact product (see [`scope_for`]): a Windows scope
//! filters `event_platform=Win`, so using it for a rule that names no
//! product, or another product, would narrow or widen the rule.

use tunnelhunt_sigma::ast::LogSource;

use crate::model::{DataModel, FieldMap, LogsourceKey, Scope, logsource_label};
use crate::refusal::{Construct, Refusal};

/// How the value of a Falcon field relates to the Sigma field it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldSemantics {
    /// Same values as the Sigma field.
    Plain,
    /// The NT device path of a Windows image.
    NtDevicePath,
    /// Only the last path component; `separators` split paths of this
    /// scope's platform.
    BaseName { separators: &'static [char] },
    /// `TargetObject` rebuilt from `RegObjectName\RegValueName`, with the
    /// kernel's hive spelling.
    RegistryPath,
    /// An IPv4 address field (CIDRs of the other family do not apply).
    Ipv4,
    /// An IPv6 address field.
    Ipv6,
    /// `ConnectionDirection`: `Initiated: 'true'` is 0, `'false'` is 1.
    ConnectionDirection,
    /// `IntegrityLevel`: the mandatory-label RID as a decimal number, where
    /// Sigma has Sysmon's name (`High`) or the label SID (`S-1-16-12288`);
    /// translated value by value through [`INTEGRITY_LEVELS`].
    IntegrityLevel,
}

/// Sysmon's integrity-level names and the mandatory-label RIDs they stand
/// for (Microsoft, "Well-known SIDs": `SECURITY_MANDATORY_LOW_RID` 0x1000,
/// `MEDIUM` 0x2000, `HIGH` 0x3000, `SYSTEM` 0x4000; the label SID is
/// `S-1-16-<RID>`). Falcon's `IntegrityLevel` holds the RID in decimal
/// (the values pySigma's CrowdStrike pipeline uses agree). Names Sysmon
/// writes for other labels (`AppContainer`, …) are not translated: a rule
/// using them is refused.
pub(crate) const INTEGRITY_LEVELS: &[(&str, u32)] = &[
    ("Low", 0x1000),
    ("Medium", 0x2000),
    ("High", 0x3000),
    ("System", 0x4000),
];

/// A field whose semantics differ from [`FieldSemantics::Plain`] in a scope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SemanticsEntry {
    pub scope: &'static str,
    pub field: &'static str,
    pub semantics: FieldSemantics,
}

const WINDOWS_PATH: &[char] = &['\\'];
const POSIX_PATH: &[char] = &['/'];
/// A scope that serves every platform: either separator ends a directory.
const ANY_PATH: &[char] = &['\\', '/'];

/// Windows (and platform-independent) process events. Not mapped: Sigma's
/// `User` (Sysmon writes `DOMAIN\user`, Falcon's `UserName` is spelled
/// differently) and `Computer` (Sysmon's FQDN against Falcon's host name):
/// equal-looking values would compare differently.
const PROCESS_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "ImageFileName"),
    FieldMap::text("CommandLine", "CommandLine"),
    FieldMap::text("ParentImage", "ParentBaseFileName"),
    FieldMap::int("ProcessId", "RawProcessId"),
    // ProcessRollup2 `IntegrityLevel` (event data dictionary; Windows
    // only), translated value by value: see `INTEGRITY_LEVELS`.
    FieldMap::text("IntegrityLevel", "IntegrityLevel"),
];

/// Linux and macOS process events: user names carry no domain on either
/// side, and `ImageFileName` is the plain POSIX path the Sigma rule names
/// (the NT device-path spelling is Windows-only). macOS uses the same
/// `ProcessRollup2` fields as Linux (event data dictionary: the event is
/// listed for Windows, Linux and macOS with the same field names).
const LINUX_PROCESS_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "ImageFileName"),
    FieldMap::text("CommandLine", "CommandLine"),
    FieldMap::text("ParentImage", "ParentBaseFileName"),
    FieldMap::text("User", "UserName"),
    FieldMap::int("ProcessId", "RawProcessId"),
];

const DNS_FIELDS: &[FieldMap] = &[
    FieldMap::text("QueryName", "DomainName"),
    FieldMap::text("Image", "ContextBaseFileName"),
];

/// Connection ends are listed under both Falcon names; [`DIRECTIONAL`]
/// says which applies to which direction.
const NETWORK_FIELDS: &[FieldMap] = &[
    FieldMap::ip("DestinationIp", "RemoteAddressIP4"),
    FieldMap::ip("DestinationIp", "RemoteAddressIP6"),
    FieldMap::ip("DestinationIp", "LocalAddressIP4"),
    FieldMap::ip("DestinationIp", "LocalAddressIP6"),
    FieldMap::int("DestinationPort", "RemotePort"),
    FieldMap::int("DestinationPort", "LocalPort"),
    FieldMap::ip("SourceIp", "LocalAddressIP4"),
    FieldMap::ip("SourceIp", "LocalAddressIP6"),
    FieldMap::ip("SourceIp", "RemoteAddressIP4"),
    FieldMap::ip("SourceIp", "RemoteAddressIP6"),
    FieldMap::int("SourcePort", "LocalPort"),
    FieldMap::int("SourcePort", "RemotePort"),
    FieldMap::text("Image", "ContextBaseFileName"),
    FieldMap::bool("Initiated", "ConnectionDirection"),
];

/// Which end of a connection a Sigma field names, by direction. Sysmon
/// calls the initiator of the connection Source and the other end
/// Destination; Falcon calls this host Local and the peer Remote. So
/// `DestinationPort` is `RemotePort` on an outbound connection
/// (`ConnectionDirection=0`) and `LocalPort` on an inbound one (`1`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionEnd {
    pub sigma: &'static str,
    /// The Falcon fields on connections this host opened.
    pub outbound: &'static [&'static str],
    /// The Falcon fields on connections the peer opened.
    pub inbound: &'static [&'static str],
}

/// The Falcon field holding the direction: 0 outbound, 1 inbound.
pub(crate) const DIRECTION_FIELD: &str = "ConnectionDirection";

pub(crate) const DIRECTIONAL: &[ConnectionEnd] = &[
    ConnectionEnd {
        sigma: "DestinationIp",
        outbound: &["RemoteAddressIP4", "RemoteAddressIP6"],
        inbound: &["LocalAddressIP4", "LocalAddressIP6"],
    },
    ConnectionEnd {
        sigma: "DestinationPort",
        outbound: &["RemotePort"],
        inbound: &["LocalPort"],
    },
    ConnectionEnd {
        sigma: "SourceIp",
        outbound: &["LocalAddressIP4", "LocalAddressIP6"],
        inbound: &["RemoteAddressIP4", "RemoteAddressIP6"],
    },
    ConnectionEnd {
        sigma: "SourcePort",
        outbound: &["LocalPort"],
        inbound: &["RemotePort"],
    },
];

/// The connection end a Sigma field names, in scopes with connection
/// events.
pub(crate) fn directional(scope: &Scope, sigma_field: &str) -> Option<&'static ConnectionEnd> {
    if !scope.fields.iter().any(|f| f.target == DIRECTION_FIELD) {
        return None;
    }
    DIRECTIONAL
        .iter()
        .find(|end| end.sigma.eq_ignore_ascii_case(sigma_field))
}

const REGISTRY_FIELDS: &[FieldMap] = &[FieldMap::text("TargetObject", "TargetObject")];

const PROCESS_EVENTS: &str =
    "(#event_simpleName=ProcessRollup2 or #event_simpleName=SyntheticProcessRollup2)";
const NETWORK_EVENTS: &str = "(#event_simpleName=NetworkConnectIP4 or #event_simpleName=NetworkConnectIP6 \
     or #event_simpleName=NetworkReceiveAcceptIP4 or #event_simpleName=NetworkReceiveAcceptIP6)";
/// Registry value writes, and Sigma's `TargetObject` rebuilt from the key and
/// the value name.
const REGISTRY_EVENTS: &str = "(#event_simpleName=AsepValueUpdate or #event_simpleName=RegGenericValueUpdate \
     or #event_simpleName=RegSystemConfigValueUpdate) event_platform=Win\n\
     | TargetObject := format(format=\"%s\\\\%s\", field=[RegObjectName, RegValueName])";

/// Scope names, shared by [`FALCON`] and [`SEMANTICS`].
mod names {
    pub(crate) const PROC_WIN: &str = "ProcessRollup2 (Windows)";
    pub(crate) const PROC_LIN: &str = "ProcessRollup2 (Linux)";
    pub(crate) const PROC_MAC: &str = "ProcessRollup2 (macOS)";
    pub(crate) const PROC_ANY: &str = "ProcessRollup2 (any platform)";
    pub(crate) const DNS_WIN: &str = "DnsRequest (Windows)";
    pub(crate) const DNS_ANY: &str = "DnsRequest (any platform)";
    pub(crate) const NET_WIN: &str = "NetworkConnect/ReceiveAccept (Windows)";
    pub(crate) const NET_LIN: &str = "NetworkConnect/ReceiveAccept (Linux)";
    pub(crate) const NET_ANY: &str = "NetworkConnect/ReceiveAccept (any platform)";
    pub(crate) const REG_SET: &str = "Registry value update (registry_set)";
    pub(crate) const REG_EVENT: &str = "Registry value update (registry_event)";
}

/// Falcon events in LogScale.
pub(crate) const FALCON: DataModel = DataModel {
    name: "CrowdStrike Falcon in LogScale",
    scopes: &[
        Scope {
            key: LogsourceKey::category("windows", "process_creation"),
            name: names::PROC_WIN,
            selector: concat!(
                "(#event_simpleName=ProcessRollup2 or #event_simpleName=SyntheticProcessRollup2)",
                " event_platform=Win"
            ),
            fields: PROCESS_FIELDS,
        },
        Scope {
            key: LogsourceKey::category("linux", "process_creation"),
            name: names::PROC_LIN,
            selector: concat!(
                "(#event_simpleName=ProcessRollup2 or #event_simpleName=SyntheticProcessRollup2)",
                " event_platform=Lin"
            ),
            fields: LINUX_PROCESS_FIELDS,
        },
        Scope {
            key: LogsourceKey::category("macos", "process_creation"),
            name: names::PROC_MAC,
            selector: concat!(
                "(#event_simpleName=ProcessRollup2 or #event_simpleName=SyntheticProcessRollup2)",
                " event_platform=Mac"
            ),
            fields: LINUX_PROCESS_FIELDS,
        },
        Scope {
            key: LogsourceKey::any_product("process_creation"),
            name: names::PROC_ANY,
            selector: PROCESS_EVENTS,
            fields: PROCESS_FIELDS,
        },
        Scope {
            key: LogsourceKey::category("windows", "dns_query"),
            name: names::DNS_WIN,
            selector: "#event_simpleName=DnsRequest event_platform=Win",
            fields: DNS_FIELDS,
        },
        Scope {
            key: LogsourceKey::any_product("dns_query"),
            name: names::DNS_ANY,
            selector: "#event_simpleName=DnsRequest",
            fields: DNS_FIELDS,
        },
        Scope {
            key: LogsourceKey::category("windows", "network_connection"),
            name: names::NET_WIN,
            selector: concat!(
                "(#event_simpleName=NetworkConnectIP4 or #event_simpleName=NetworkConnectIP6",
                " or #event_simpleName=NetworkReceiveAcceptIP4 or #event_simpleName=NetworkReceiveAcceptIP6)",
                " event_platform=Win"
            ),
            fields: NETWORK_FIELDS,
        },
        Scope {
            key: LogsourceKey::category("linux", "network_connection"),
            name: names::NET_LIN,
            selector: concat!(
                "(#event_simpleName=NetworkConnectIP4 or #event_simpleName=NetworkConnectIP6",
                " or #event_simpleName=NetworkReceiveAcceptIP4 or #event_simpleName=NetworkReceiveAcceptIP6)",
                " event_platform=Lin"
            ),
            fields: NETWORK_FIELDS,
        },
        Scope {
            key: LogsourceKey::any_product("network_connection"),
            name: names::NET_ANY,
            selector: NETWORK_EVENTS,
            fields: NETWORK_FIELDS,
        },
        Scope {
            key: LogsourceKey::category("windows", "registry_set"),
            name: names::REG_SET,
            selector: REGISTRY_EVENTS,
            fields: REGISTRY_FIELDS,
        },
        Scope {
            key: LogsourceKey::category("windows", "registry_event"),
            name: names::REG_EVENT,
            selector: REGISTRY_EVENTS,
            fields: REGISTRY_FIELDS,
        },
    ],
};

/// Falcon fields whose values differ from the Sigma field's, per scope.
pub(crate) const SEMANTICS: &[SemanticsEntry] = &[
    entry(
        names::PROC_WIN,
        "ImageFileName",
        FieldSemantics::NtDevicePath,
    ),
    entry(
        names::PROC_ANY,
        "ImageFileName",
        FieldSemantics::NtDevicePath,
    ),
    entry(
        names::PROC_WIN,
        "IntegrityLevel",
        FieldSemantics::IntegrityLevel,
    ),
    entry(
        names::PROC_ANY,
        "IntegrityLevel",
        FieldSemantics::IntegrityLevel,
    ),
    entry(names::PROC_WIN, "ParentBaseFileName", base(WINDOWS_PATH)),
    entry(names::PROC_LIN, "ParentBaseFileName", base(POSIX_PATH)),
    entry(names::PROC_MAC, "ParentBaseFileName", base(POSIX_PATH)),
    entry(names::PROC_ANY, "ParentBaseFileName", base(ANY_PATH)),
    entry(names::DNS_WIN, "ContextBaseFileName", base(WINDOWS_PATH)),
    entry(names::DNS_ANY, "ContextBaseFileName", base(ANY_PATH)),
    entry(names::NET_WIN, "ContextBaseFileName", base(WINDOWS_PATH)),
    entry(names::NET_LIN, "ContextBaseFileName", base(POSIX_PATH)),
    entry(names::NET_ANY, "ContextBaseFileName", base(ANY_PATH)),
    entry(names::REG_SET, "TargetObject", FieldSemantics::RegistryPath),
    entry(
        names::REG_EVENT,
        "TargetObject",
        FieldSemantics::RegistryPath,
    ),
    entry(names::NET_WIN, "RemoteAddressIP4", FieldSemantics::Ipv4),
    entry(names::NET_LIN, "RemoteAddressIP4", FieldSemantics::Ipv4),
    entry(names::NET_ANY, "RemoteAddressIP4", FieldSemantics::Ipv4),
    entry(names::NET_WIN, "LocalAddressIP4", FieldSemantics::Ipv4),
    entry(names::NET_LIN, "LocalAddressIP4", FieldSemantics::Ipv4),
    entry(names::NET_ANY, "LocalAddressIP4", FieldSemantics::Ipv4),
    entry(names::NET_WIN, "RemoteAddressIP6", FieldSemantics::Ipv6),
    entry(names::NET_LIN, "RemoteAddressIP6", FieldSemantics::Ipv6),
    entry(names::NET_ANY, "RemoteAddressIP6", FieldSemantics::Ipv6),
    entry(names::NET_WIN, "LocalAddressIP6", FieldSemantics::Ipv6),
    entry(names::NET_LIN, "LocalAddressIP6", FieldSemantics::Ipv6),
    entry(names::NET_ANY, "LocalAddressIP6", FieldSemantics::Ipv6),
    entry(
        names::NET_WIN,
        "ConnectionDirection",
        FieldSemantics::ConnectionDirection,
    ),
    entry(
        names::NET_LIN,
        "ConnectionDirection",
        FieldSemantics::ConnectionDirection,
    ),
    entry(
        names::NET_ANY,
        "ConnectionDirection",
        FieldSemantics::ConnectionDirection,
    ),
];

const fn entry(
    scope: &'static str,
    field: &'static str,
    semantics: FieldSemantics,
) -> SemanticsEntry {
    SemanticsEntry {
        scope,
        field,
        semantics,
    }
}

const fn base(separators: &'static [char]) -> FieldSemantics {
    FieldSemantics::BaseName { separators }
}

/// How `field` of `scope` relates to its Sigma field.
pub(crate) fn semantics_of(scope: &Scope, field: &str) -> FieldSemantics {
    SEMANTICS
        .iter()
        .find(|e| e.scope == scope.name && e.field == field)
        .map_or(FieldSemantics::Plain, |e| e.semantics)
}

/// The scope of a rule: same category and *the same product* (a rule
/// without a product gets the scope without a platform filter). Sigma
/// `service`-only logsources (Windows Security, Zeek) have no Falcon events.
pub(crate) fn scope_for(logsource: &LogSource) -> Result<&'static Scope, Refusal> {
    let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    };
    FALCON
        .scopes
        .iter()
        .find(|scope| {
            same(scope.key.category, logsource.category.as_deref())
                && same(scope.key.product, logsource.product.as_deref())
                && logsource.service.is_none()
        })
        .ok_or_else(|| {
            Refusal::new(
                Construct::Logsource,
                format!(
                    "logsource '{}' has no Falcon events in the '{}' data model",
                    logsource_label(logsource),
                    FALCON.name
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            product: product.map(str::to_owned),
            category: category.map(str::to_owned),
            service: service.map(str::to_owned),
            definition: None,
        }
    }

    #[test]
    fn scopes_match_product_exactly() {
        let name = |l| scope_for(&l).map(|s| s.name);
        assert_eq!(
            name(ls(Some("windows"), Some("process_creation"), None)),
            Ok(names::PROC_WIN)
        );
        assert_eq!(
            name(ls(Some("Linux"), Some("process_creation"), None)),
            Ok(names::PROC_LIN)
        );
        assert_eq!(
            name(ls(None, Some("process_creation"), None)),
            Ok(names::PROC_ANY)
        );
        assert_eq!(
            name(ls(Some("macos"), Some("process_creation"), None)),
            Ok(names::PROC_MAC)
        );
        assert_eq!(
            scope_for(&ls(Some("macos"), Some("network_connection"), None))
                .unwrap_err()
                .construct,
            Construct::Logsource
        );
        assert!(scope_for(&ls(Some("windows"), None, Some("security"))).is_err());
        assert!(scope_for(&ls(Some("zeek"), None, Some("dns"))).is_err());
    }

    #[test]
    fn every_semantics_entry_names_a_mapped_field_of_a_real_scope() {
        for e in SEMANTICS {
            let scope = FALCON
                .scopes
                .iter()
                .find(|s| s.name == e.scope)
                .unwrap_or_else(|| panic!("no scope {}", e.scope));
            assert!(
                scope.fields.iter().any(|f| f.target == e.field),
                "{} has no field {}",
                e.scope,
                e.field
            );
        }
    }

    #[test]
    fn fields_without_a_falcon_counterpart_are_refused() {
        let scope = scope_for(&ls(Some("windows"), Some("process_creation"), None)).unwrap();
        for field in [
            "OriginalFileName",
            "Product",
            "Description",
            "ParentCommandLine",
        ] {
            assert_eq!(
                scope.field(field).unwrap_err().construct,
                Construct::Field,
                "{field}"
            );
        }
        assert_eq!(
            semantics_of(scope, "ImageFileName"),
            FieldSemantics::NtDevicePath
        );
        assert_eq!(semantics_of(scope, "CommandLine"), FieldSemantics::Plain);
    }
}
