//! Where each Sigma logsource lives in KQL, and what its fields are called.
//!
//! Two data models, one per flavor:
//!
//! * **Defender XDR Advanced Hunting** (default). Table and column names
//!   and types are Microsoft's advanced hunting schema reference
//!   (learn.microsoft.com, "DeviceProcessEvents table in the advanced
//!   hunting schema" and its siblings for DeviceNetworkEvents,
//!   DeviceRegistryEvents, DeviceEvents, DeviceFileEvents,
//!   DeviceImageLoadEvents); the same columns are in
//!   `validators/kql/schema.json`, against which every output is bound.
//!   DNS queries are `DeviceEvents` rows with `ActionType ==
//!   "DnsQueryResponse"`, the queried name in `AdditionalFields.DnsQueryString`.
//! * **Microsoft Sentinel** (`sentinel`, tables in [`super::sentinel`]). Process creation is Windows
//!   Security event 4688 in `SecurityEvent` (column names from the Azure
//!   Monitor table reference) when the rule's fields exist there, and
//!   Sysmon event 1 otherwise (4688 has no PE version info, so rules on
//!   `OriginalFileName`/`Product`/`Description` need Sysmon); the
//!   `security` service is `SecurityEvent` itself, and the Sysmon and
//!   PowerShell (4103, 4104) categories come from the `Event` table, whose
//!   `EventData` XML is parsed into a property bag (see [`EVENT_DATA_BAG`])
//!   so that every event field is a real, typed column. Sysmon field names
//!   and event ids: Microsoft's Sysmon documentation (learn.microsoft.com,
//!   sysinternals/downloads/sysmon, "Events").
//!
//! Sigma fields that are not stored as such are *computed* columns
//! ([`Computed`]), extended into the query only when a rule uses them:
//! Sysmon's `TargetObject` (`HKLM\…\Key\Value`) from MDE's `RegistryKey`
//! (`HKEY_LOCAL_MACHINE\…\Key`) and `RegistryValueName`, Sysmon's `User`
//! (`DOMAIN\name`) from two account columns, Sysmon's `Initiated` from
//! MDE's `ActionType`, and the DNS query name from `AdditionalFields`.

use crate::model::{FieldKind, FieldMap, LogsourceKey, Scope};
use crate::refusal::{Construct, Refusal};
use tunnelhunt_sigma::ast::LogSource;

/// A column a Sigma field maps to that the table does not store: the
/// query gets `| extend <column> = <expression>` before its `where`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Computed {
    pub column: &'static str,
    pub expression: &'static str,
}

/// How the mapped columns come into being.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// Stored columns, plus the listed computed ones.
    Table(&'static [Computed]),
    /// Every field is an EventData property of a Windows event in the
    /// `Event` table, taken out of the bag the selector builds
    /// ([`EVENT_DATA_BAG`]) and typed by its [`FieldKind`] — except the
    /// `Event` table's own columns ([`EVENT_COLUMNS`]), which are stored.
    EventData,
}

/// One logsource's rows in KQL.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// Logsource, display name, selector (the table and the operators
    /// that narrow it to the logsource's rows), and the field mappings.
    pub scope: Scope,
    pub columns: Columns,
}

impl Source {
    /// The `extend` expression of a mapped column, when it is computed.
    pub fn computed(&self, field: &FieldMap) -> Option<String> {
        match self.columns {
            Columns::Table(list) => list
                .iter()
                .find(|c| c.column == field.target)
                .map(|c| c.expression.to_owned()),
            Columns::EventData if EVENT_COLUMNS.contains(&field.target) => None,
            Columns::EventData => {
                let raw = format!("{EVENT_DATA_BAG}[\"{}\"]", field.target);
                Some(match field.kind {
                    FieldKind::Int => format!("tolong({raw})"),
                    FieldKind::Bool => format!("tobool({raw})"),
                    FieldKind::Text | FieldKind::Ip => format!("tostring({raw})"),
                })
            }
        }
    }
}

/// A flavor's data model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KqlModel {
    pub name: &'static str,
    pub sources: &'static [Source],
}

impl KqlModel {
    /// Every source that serves the rule's logsource, in priority order
    /// (never empty): a rule is rendered against the first one that maps
    /// all its fields.
    pub(crate) fn sources_for(
        &self,
        logsource: &LogSource,
    ) -> Result<Vec<&'static Source>, Refusal> {
        let all: Vec<&'static Source> = self
            .sources
            .iter()
            .filter(|s| s.scope.serves(logsource))
            .collect();
        if all.is_empty() {
            return Err(Refusal::new(
                Construct::Logsource,
                format!(
                    "logsource '{}' has no table in the '{}' data model",
                    crate::model::logsource_label(logsource),
                    self.name
                ),
            ));
        }
        Ok(all)
    }
}

/// The property bag the `Event` selectors build from `EventData`.
pub(crate) const EVENT_DATA_BAG: &str = "EventProperties";

/// Columns of Sentinel's `Event` table (Azure Monitor table reference,
/// "Event") that a Sigma field may map to directly: the System part of the
/// Windows event (`EventID`; `Source`, the provider; `EventLog`, the
/// channel). A field mapped to one of them is never looked up in the bag.
pub(crate) const EVENT_COLUMNS: &[&str] = &["EventID", "Source", "EventLog"];

// ---------------------------------------------------------------- XDR ----

/// Sysmon `User` (`DOMAIN\name`) from MDE's account columns.
pub(super) const ACCOUNT_USER: Computed = Computed {
    column: "User",
    expression: r#"iff(isempty(AccountDomain), AccountName, strcat(AccountDomain, @"\", AccountName))"#,
};
const INITIATING_USER: Computed = Computed {
    column: "User",
    expression: r#"iff(isempty(InitiatingProcessAccountDomain), InitiatingProcessAccountName, strcat(InitiatingProcessAccountDomain, @"\", InitiatingProcessAccountName))"#,
};
pub(super) const PARENT_USER: Computed = Computed {
    column: "ParentUser",
    expression: r#"iff(isempty(InitiatingProcessAccountDomain), InitiatingProcessAccountName, strcat(InitiatingProcessAccountDomain, @"\", InitiatingProcessAccountName))"#,
};

/// Sysmon's `TargetObject` is the key path and the value name joined by a
/// backslash, with abbreviated hives (`HKLM\`, `HKU\`, `HKCR\`); MDE
/// stores the key (`HKEY_LOCAL_MACHINE\…`) and the value name apart, and
/// the name is empty for key events. Rebuilding the Sysmon string is the
/// one sound way to evaluate any Sigma test on `TargetObject` — `contains
/// "\tcp\"` must see the separator between key and value, and `startswith
/// "HKLM\"` must see the abbreviated hive. MDE writes a user's hive as
/// `HKEY_CURRENT_USER\<SID>\…` where Sysmon writes `HKU\<SID>\…`.
/// `startswith` is case-insensitive and the offsets are the lengths of the
/// long hive names, so no regex rewrite (and its escaping rules) is needed.
const TARGET_OBJECT: Computed = Computed {
    column: "TargetObject",
    expression: concat!(
        "strcat(case(",
        r#"RegistryKey startswith @"HKEY_LOCAL_MACHINE\", strcat("HKLM", substring(RegistryKey, 18)), "#,
        r#"RegistryKey startswith @"HKEY_USERS\", strcat("HKU", substring(RegistryKey, 10)), "#,
        r#"RegistryKey startswith @"HKEY_CURRENT_USER\S-1-", strcat("HKU", substring(RegistryKey, 17)), "#,
        r#"RegistryKey startswith @"HKEY_CURRENT_USER\", strcat("HKCU", substring(RegistryKey, 17)), "#,
        r#"RegistryKey startswith @"HKEY_CLASSES_ROOT\", strcat("HKCR", substring(RegistryKey, 17)), "#,
        "RegistryKey), ",
        r#"iff(isempty(RegistryValueName), "", strcat(@"\", RegistryValueName)))"#
    ),
};

/// Sysmon's `Initiated` ("true" for a connection this host opened,
/// "false" for one it accepted) from MDE's `ActionType`. Listening
/// sockets and other action types have no Sysmon counterpart: "".
const INITIATED: Computed = Computed {
    column: "Initiated",
    expression: r#"case(ActionType in ("ConnectionSuccess", "ConnectionFailed", "ConnectionAttempt", "ConnectionRequest"), "true", ActionType == "InboundConnectionAccepted", "false", "")"#,
};

/// The queried name of a `DnsQueryResponse` row.
const DNS_QUERY_NAME: Computed = Computed {
    column: "QueryName",
    expression: r#"tostring(parse_json(tostring(AdditionalFields)).DnsQueryString)"#,
};

/// The process behind a network, DNS, registry, file or image-load event
/// is the *initiating* process in MDE.
macro_rules! initiating_process_fields {
    () => {
        [
            FieldMap::text("Image", "InitiatingProcessFolderPath"),
            FieldMap::text("CommandLine", "InitiatingProcessCommandLine"),
            FieldMap::int("ProcessId", "InitiatingProcessId"),
            FieldMap::text(
                "OriginalFileName",
                "InitiatingProcessVersionInfoOriginalFileName",
            ),
            FieldMap::text("Product", "InitiatingProcessVersionInfoProductName"),
            FieldMap::text("Description", "InitiatingProcessVersionInfoFileDescription"),
            FieldMap::text("Company", "InitiatingProcessVersionInfoCompanyName"),
            FieldMap::text("IntegrityLevel", "InitiatingProcessIntegrityLevel"),
            FieldMap::text("User", "User"),
        ]
    };
}

pub(super) const XDR_PROCESS_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "FolderPath"),
    FieldMap::text("CommandLine", "ProcessCommandLine"),
    FieldMap::int("ProcessId", "ProcessId"),
    FieldMap::text("OriginalFileName", "ProcessVersionInfoOriginalFileName"),
    FieldMap::text("Product", "ProcessVersionInfoProductName"),
    FieldMap::text("Description", "ProcessVersionInfoFileDescription"),
    FieldMap::text("Company", "ProcessVersionInfoCompanyName"),
    FieldMap::text("IntegrityLevel", "ProcessIntegrityLevel"),
    FieldMap::text("User", "User"),
    FieldMap::text("ParentImage", "InitiatingProcessFolderPath"),
    FieldMap::text("ParentCommandLine", "InitiatingProcessCommandLine"),
    FieldMap::int("ParentProcessId", "InitiatingProcessId"),
    FieldMap::text("ParentUser", "ParentUser"),
    FieldMap::text("md5", "MD5"),
    FieldMap::text("sha1", "SHA1"),
    FieldMap::text("sha256", "SHA256"),
];

const XDR_NETWORK_FIELDS: &[FieldMap] = &{
    let process = initiating_process_fields!();
    let network = [
        FieldMap::ip("DestinationIp", "RemoteIP"),
        FieldMap::int("DestinationPort", "RemotePort"),
        FieldMap::text("DestinationHostname", "RemoteUrl"),
        FieldMap::ip("SourceIp", "LocalIP"),
        FieldMap::int("SourcePort", "LocalPort"),
        FieldMap::text("Protocol", "Protocol"),
        FieldMap::text("Initiated", "Initiated"),
    ];
    concat_fields::<9, 7, 16>(process, network)
};

const XDR_DNS_FIELDS: &[FieldMap] = &{
    let process = initiating_process_fields!();
    concat_fields::<9, 1, 10>(process, [FieldMap::text("QueryName", "QueryName")])
};

const XDR_REGISTRY_FIELDS: &[FieldMap] = &{
    let process = initiating_process_fields!();
    let registry = [
        FieldMap::text("TargetObject", "TargetObject"),
        FieldMap::text("Details", "RegistryValueData"),
    ];
    concat_fields::<9, 2, 11>(process, registry)
};

const XDR_FILE_FIELDS: &[FieldMap] = &{
    let process = initiating_process_fields!();
    concat_fields::<9, 1, 10>(process, [FieldMap::text("TargetFilename", "FolderPath")])
};

const XDR_IMAGE_LOAD_FIELDS: &[FieldMap] = &{
    let process = initiating_process_fields!();
    concat_fields::<9, 1, 10>(process, [FieldMap::text("ImageLoaded", "FolderPath")])
};

const XDR_INITIATING: &[Computed] = &[INITIATING_USER];
const XDR_REGISTRY_COMPUTED: &[Computed] = &[INITIATING_USER, TARGET_OBJECT];

const fn xdr_registry(category: &'static str, selector: &'static str) -> Source {
    Source {
        scope: Scope {
            key: LogsourceKey::category("windows", category),
            name: "DeviceRegistryEvents",
            selector,
            fields: XDR_REGISTRY_FIELDS,
        },
        columns: Columns::Table(XDR_REGISTRY_COMPUTED),
    }
}

/// Defender XDR Advanced Hunting.
pub const XDR: KqlModel = KqlModel {
    name: "Defender XDR Advanced Hunting",
    sources: &[
        Source {
            scope: Scope {
                key: LogsourceKey::any_product("process_creation"),
                name: "DeviceProcessEvents",
                selector: "DeviceProcessEvents",
                fields: XDR_PROCESS_FIELDS,
            },
            columns: Columns::Table(&[ACCOUNT_USER, PARENT_USER]),
        },
        Source {
            scope: Scope {
                key: LogsourceKey::any_product("network_connection"),
                name: "DeviceNetworkEvents",
                selector: "DeviceNetworkEvents",
                fields: XDR_NETWORK_FIELDS,
            },
            columns: Columns::Table(&[INITIATING_USER, INITIATED]),
        },
        Source {
            scope: Scope {
                key: LogsourceKey::any_product("dns_query"),
                name: "DeviceEvents (DnsQueryResponse)",
                selector: "DeviceEvents\n| where ActionType == \"DnsQueryResponse\"",
                fields: XDR_DNS_FIELDS,
            },
            columns: Columns::Table(&[INITIATING_USER, DNS_QUERY_NAME]),
        },
        xdr_registry(
            "registry_set",
            "DeviceRegistryEvents\n| where ActionType == \"RegistryValueSet\"",
        ),
        xdr_registry(
            "registry_add",
            "DeviceRegistryEvents\n| where ActionType == \"RegistryKeyCreated\"",
        ),
        xdr_registry(
            "registry_delete",
            "DeviceRegistryEvents\n| where ActionType in (\"RegistryKeyDeleted\", \"RegistryValueDeleted\")",
        ),
        xdr_registry("registry_event", "DeviceRegistryEvents"),
        Source {
            scope: Scope {
                key: LogsourceKey::category("windows", "file_event"),
                name: "DeviceFileEvents",
                selector: "DeviceFileEvents\n| where ActionType == \"FileCreated\"",
                fields: XDR_FILE_FIELDS,
            },
            columns: Columns::Table(XDR_INITIATING),
        },
        Source {
            scope: Scope {
                key: LogsourceKey::category("windows", "image_load"),
                name: "DeviceImageLoadEvents",
                selector: "DeviceImageLoadEvents",
                fields: XDR_IMAGE_LOAD_FIELDS,
            },
            columns: Columns::Table(XDR_INITIATING),
        },
    ],
};

/// `a ++ b` for field lists built in const context.
pub(super) const fn concat_fields<const A: usize, const B: usize, const N: usize>(
    a: [FieldMap; A],
    b: [FieldMap; B],
) -> [FieldMap; N] {
    assert!(A + B == N, "concat_fields: N must be A + B");
    let mut out = [FieldMap::text("", ""); N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::sentinel::SENTINEL;

    fn logsource(product: &str, category: &str) -> LogSource {
        LogSource {
            product: Some(product.to_owned()),
            category: Some(category.to_owned()),
            service: None,
            definition: None,
        }
    }

    #[test]
    fn every_mapping_is_named_and_unique_per_source() {
        for model in [XDR, SENTINEL] {
            for source in model.sources {
                let mut seen = std::collections::BTreeSet::new();
                for field in source.scope.fields {
                    assert!(!field.sigma.is_empty() && !field.target.is_empty());
                    assert!(
                        seen.insert(field.sigma),
                        "{} maps {} twice",
                        source.scope.name,
                        field.sigma
                    );
                }
            }
        }
    }

    #[test]
    fn computed_columns_exist_for_fields_that_are_not_stored() {
        let registry = XDR
            .sources_for(&logsource("windows", "registry_set"))
            .unwrap()[0];
        let target_object = registry.scope.field("TargetObject").unwrap();
        assert!(
            registry
                .computed(target_object)
                .unwrap()
                .contains("RegistryValueName")
        );
        assert_eq!(
            registry.computed(registry.scope.field("Details").unwrap()),
            None
        );
        let sysmon = SENTINEL
            .sources_for(&logsource("windows", "network_connection"))
            .unwrap()[0];
        let port = sysmon.scope.field("DestinationPort").unwrap();
        assert_eq!(
            sysmon.computed(port).unwrap(),
            "tolong(EventProperties[\"DestinationPort\"])"
        );
    }

    #[test]
    fn registry_hive_offsets_are_the_long_hive_name_lengths() {
        for (hive, offset) in [
            ("HKEY_LOCAL_MACHINE", 18),
            ("HKEY_USERS", 10),
            ("HKEY_CURRENT_USER", 17),
            ("HKEY_CLASSES_ROOT", 17),
        ] {
            assert_eq!(hive.len(), offset);
            let test = format!("RegistryKey startswith @\"{hive}\\");
            assert!(TARGET_OBJECT.expression.contains(&test), "{test}");
        }
        assert!(
            TARGET_OBJECT
                .expression
                .contains("substring(RegistryKey, 18)")
        );
    }

    #[test]
    fn logsources_pick_their_tables() {
        let name = |model: KqlModel, product: &str, category: &str| {
            model
                .sources_for(&logsource(product, category))
                .map(|all| all[0].scope.name)
        };
        assert_eq!(
            name(XDR, "linux", "process_creation"),
            Ok("DeviceProcessEvents")
        );
        assert_eq!(
            name(XDR, "windows", "dns_query"),
            Ok("DeviceEvents (DnsQueryResponse)")
        );
        assert_eq!(
            name(SENTINEL, "windows", "process_creation"),
            Ok("SecurityEvent (4688)")
        );
        assert_eq!(
            name(SENTINEL, "windows", "registry_set"),
            Ok("Event (Sysmon 13)")
        );
        assert_eq!(
            name(SENTINEL, "linux", "process_creation"),
            Ok("DeviceProcessEvents")
        );
        assert_eq!(
            name(SENTINEL, "macos", "process_creation"),
            Ok("DeviceProcessEvents")
        );
        let refused = name(SENTINEL, "linux", "file_event").unwrap_err();
        assert_eq!(refused.construct, Construct::Logsource);
        assert!(name(XDR, "windows", "ps_script").is_err());
        assert!(name(XDR, "windows", "system").is_err());
    }

    fn service(product: &str, service: &str) -> LogSource {
        LogSource {
            product: Some(product.to_owned()),
            category: None,
            service: Some(service.to_owned()),
            definition: None,
        }
    }

    #[test]
    fn system_and_application_logs_come_from_the_event_table() {
        let system = SENTINEL.sources_for(&service("windows", "system")).unwrap();
        let names: Vec<_> = system.iter().map(|s| s.scope.name).collect();
        assert_eq!(names, ["Event (System)", "Event (System, EventData)"]);
        // The System part is stored in `Event` columns, never in the bag.
        for source in &system {
            for sigma in ["EventID", "Provider_Name", "Channel"] {
                let field = source.scope.field(sigma).unwrap();
                assert!(EVENT_COLUMNS.contains(&field.target), "{sigma}");
                assert_eq!(source.computed(field), None, "{sigma}");
            }
        }
        let image_path = system[1].scope.field("ImagePath").unwrap();
        assert_eq!(
            system[1].computed(image_path).unwrap(),
            "tostring(EventProperties[\"ImagePath\"])"
        );
        assert!(system[0].scope.field("ImagePath").is_err());
        assert!(system[1].scope.field("param1").is_err());
        let application = SENTINEL
            .sources_for(&service("windows", "application"))
            .unwrap();
        assert_eq!(application.len(), 1);
        assert!(application[0].scope.field("Data").is_err());
        assert_eq!(
            application[0].scope.field("Provider_Name").unwrap().target,
            "Source"
        );
    }
}
