//! Defender for Endpoint → Sigma: the mapping tables.
//!
//! Everything here is data. [`ACTIONS`] says which table an `ActionType`
//! belongs to and which Sigma logsource it is; [`TABLES`] names the tables;
//! the `*_FIELDS` tables give, per Advanced Hunting table, the Sigma
//! taxonomy name of each column. A Sigma field that is not one column
//! renamed (a path joined from folder and file name, `DOMAIN\name`, a
//! registry path respelled the way Sysmon writes it, a value inside the
//! `AdditionalFields` JSON) is a [`Derive`] — the name of a small function
//! in [`super::derive`] — so the tables stay reviewable line by line.
//!
//! Column names and action types follow Microsoft's Advanced Hunting schema
//! reference (DeviceProcessEvents, DeviceNetworkEvents,
//! DeviceRegistryEvents, DeviceEvents).

/// The Advanced Hunting tables this reader maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    DeviceProcessEvents,
    DeviceNetworkEvents,
    DeviceRegistryEvents,
    DeviceEvents,
    /// Any other table (or one that could not be recognised): the row is
    /// still an event, with its own column names and `Computer`.
    Other,
}

/// Table names as the schema, the `Type` column and the Streaming API's
/// `AdvancedHunting-<table>` category spell them.
pub const TABLES: &[(&str, Table)] = &[
    ("DeviceProcessEvents", Table::DeviceProcessEvents),
    ("DeviceNetworkEvents", Table::DeviceNetworkEvents),
    ("DeviceRegistryEvents", Table::DeviceRegistryEvents),
    ("DeviceEvents", Table::DeviceEvents),
];

impl Table {
    /// The table's name, `None` for [`Table::Other`].
    pub fn name(self) -> Option<&'static str> {
        TABLES.iter().find(|(_, t)| *t == self).map(|(n, _)| *n)
    }

    /// The table with this name (ASCII case-insensitive).
    pub fn from_name(name: &str) -> Option<Table> {
        TABLES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, t)| *t)
    }

    /// The field tables that apply to rows of this table, most specific
    /// first.
    pub fn fields(self) -> &'static [&'static [FieldMap]] {
        match self {
            Table::DeviceProcessEvents => &[PROCESS_FIELDS, DEVICE_FIELDS],
            Table::DeviceNetworkEvents => &[NETWORK_FIELDS, INITIATOR_FIELDS, DEVICE_FIELDS],
            Table::DeviceRegistryEvents => &[REGISTRY_FIELDS, INITIATOR_FIELDS, DEVICE_FIELDS],
            Table::DeviceEvents => &[DEVICE_EVENTS_FIELDS, INITIATOR_FIELDS, DEVICE_FIELDS],
            Table::Other => &[DEVICE_FIELDS],
        }
    }
}

/// What one `ActionType` value means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    pub action: &'static str,
    pub table: Table,
    /// The Sigma category the row declares, when one category fits.
    pub category: Option<&'static str>,
    /// For registry rows: Sysmon's `EventType` and EventID for the same
    /// operation. Registry rows route by that EventID, not by a declared
    /// category, because Sigma's registry categories overlap
    /// (`registry_event` covers `registry_add`, `registry_delete`,
    /// `registry_set` and `registry_rename`) and an event can declare only
    /// one; the engine's routing table knows the EventIDs of each.
    pub sysmon: Option<(&'static str, u32)>,
    /// For network rows: Sysmon's `Initiated` (`true` for outbound).
    pub initiated: Option<&'static str>,
}

const fn action(action: &'static str, table: Table, category: Option<&'static str>) -> Action {
    Action {
        action,
        table,
        category,
        sysmon: None,
        initiated: None,
    }
}

const fn connection(name: &'static str, initiated: &'static str) -> Action {
    Action {
        initiated: Some(initiated),
        ..action(name, Table::DeviceNetworkEvents, Some("network_connection"))
    }
}

const fn registry(name: &'static str, event_type: &'static str, event_id: u32) -> Action {
    Action {
        sysmon: Some((event_type, event_id)),
        ..action(name, Table::DeviceRegistryEvents, None)
    }
}

/// The action types that identify a table or a logsource.
pub const ACTIONS: &[Action] = &[
    action(
        "ProcessCreated",
        Table::DeviceProcessEvents,
        Some("process_creation"),
    ),
    connection("ConnectionSuccess", "true"),
    connection("ConnectionFailed", "true"),
    connection("ConnectionAttempt", "true"),
    connection("ConnectionRequest", "true"),
    connection("InboundConnectionAccepted", "false"),
    action(
        "ListeningConnectionCreated",
        Table::DeviceNetworkEvents,
        None,
    ),
    registry("RegistryKeyCreated", "CreateKey", 12),
    registry("RegistryKeyDeleted", "DeleteKey", 12),
    registry("RegistryValueDeleted", "DeleteValue", 12),
    registry("RegistryValueSet", "SetValue", 13),
    registry("RegistryKeyRenamed", "RenameKey", 14),
    action("DnsQueryResponse", Table::DeviceEvents, Some("dns_query")),
];

/// The [`Action`] for an `ActionType` value.
pub fn action_of(action_type: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.action == action_type)
}

/// Columns that identify a table when a row carries neither its table name
/// nor a known `ActionType`, tried in order. DeviceEvents has nearly every
/// column, so it is recognised by its action types only.
pub const TABLE_COLUMNS: &[(&[&str], Table)] = &[
    (&["RegistryKey"], Table::DeviceRegistryEvents),
    (&["RemoteIP"], Table::DeviceNetworkEvents),
    (&["RemotePort"], Table::DeviceNetworkEvents),
    (
        &["ProcessCommandLine", "FolderPath"],
        Table::DeviceProcessEvents,
    ),
];

/// One Sigma field and where its value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMap {
    pub sigma: &'static str,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// This column's value, renamed.
    Column(&'static str),
    /// Computed from several columns by a function of [`super::derive`].
    Derive(Derive),
}

/// The computed fields; each names a function of [`super::derive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    /// The full path of an image: `folder` when it already ends with the
    /// file name, else `folder\file` ([`super::derive::image_path`]).
    Path {
        folder: &'static str,
        file: &'static str,
    },
    /// `domain\name`, or `name` alone ([`super::derive::account`]).
    Account {
        domain: &'static str,
        name: &'static str,
    },
    /// `RegistryKey\RegistryValueName` spelled as Sysmon spells it
    /// ([`super::derive::registry_target`]).
    RegistryTarget,
    /// Sysmon's `EventType` for the row's `ActionType` ([`ACTIONS`]).
    RegistryEventType,
    /// Sysmon's `Initiated` for the row's `ActionType` ([`ACTIONS`]).
    Initiated,
    /// The host of a URL column, or its value when it is a bare host name
    /// ([`super::derive::url_host`]).
    UrlHost(&'static str),
    /// `DnsQueryString` inside the `AdditionalFields` JSON
    /// ([`super::derive::additional_field`]).
    DnsQueryName,
}

const fn col(sigma: &'static str, column: &'static str) -> FieldMap {
    FieldMap {
        sigma,
        source: Source::Column(column),
    }
}

const fn derive(sigma: &'static str, derive: Derive) -> FieldMap {
    FieldMap {
        sigma,
        source: Source::Derive(derive),
    }
}

/// Every table: the device.
pub const DEVICE_FIELDS: &[FieldMap] = &[col("Computer", "DeviceName")];

/// DeviceProcessEvents: the new process is the subject, the initiating
/// process its parent (Sysmon EventID 1).
pub const PROCESS_FIELDS: &[FieldMap] = &[
    derive(
        "Image",
        Derive::Path {
            folder: "FolderPath",
            file: "FileName",
        },
    ),
    col("CommandLine", "ProcessCommandLine"),
    col("OriginalFileName", "ProcessVersionInfoOriginalFileName"),
    col("Product", "ProcessVersionInfoProductName"),
    col("Description", "ProcessVersionInfoFileDescription"),
    col("Company", "ProcessVersionInfoCompanyName"),
    col("FileVersion", "ProcessVersionInfoProductVersion"),
    col("IntegrityLevel", "ProcessIntegrityLevel"),
    derive(
        "User",
        Derive::Account {
            domain: "AccountDomain",
            name: "AccountName",
        },
    ),
    derive(
        "ParentImage",
        Derive::Path {
            folder: "InitiatingProcessFolderPath",
            file: "InitiatingProcessFileName",
        },
    ),
    col("ParentCommandLine", "InitiatingProcessCommandLine"),
    col("ParentProcessId", "InitiatingProcessId"),
    derive(
        "ParentUser",
        Derive::Account {
            domain: "InitiatingProcessAccountDomain",
            name: "InitiatingProcessAccountName",
        },
    ),
];

/// Tables where the initiating process is the subject (Sysmon network,
/// registry and DNS events name the acting process `Image`).
pub const INITIATOR_FIELDS: &[FieldMap] = &[
    derive(
        "Image",
        Derive::Path {
            folder: "InitiatingProcessFolderPath",
            file: "InitiatingProcessFileName",
        },
    ),
    col("CommandLine", "InitiatingProcessCommandLine"),
    col("ProcessId", "InitiatingProcessId"),
    col(
        "OriginalFileName",
        "InitiatingProcessVersionInfoOriginalFileName",
    ),
    col("Product", "InitiatingProcessVersionInfoProductName"),
    col("Description", "InitiatingProcessVersionInfoFileDescription"),
    col("Company", "InitiatingProcessVersionInfoCompanyName"),
    col("IntegrityLevel", "InitiatingProcessIntegrityLevel"),
    derive(
        "User",
        Derive::Account {
            domain: "InitiatingProcessAccountDomain",
            name: "InitiatingProcessAccountName",
        },
    ),
];

/// DeviceNetworkEvents (Sysmon EventID 3).
pub const NETWORK_FIELDS: &[FieldMap] = &[
    col("DestinationIp", "RemoteIP"),
    col("DestinationPort", "RemotePort"),
    derive("DestinationHostname", Derive::UrlHost("RemoteUrl")),
    col("SourceIp", "LocalIP"),
    col("SourcePort", "LocalPort"),
    derive("Initiated", Derive::Initiated),
];

/// DeviceRegistryEvents (Sysmon EventIDs 12, 13, 14).
pub const REGISTRY_FIELDS: &[FieldMap] = &[
    derive("TargetObject", Derive::RegistryTarget),
    col("Details", "RegistryValueData"),
    derive("EventType", Derive::RegistryEventType),
];

/// DeviceEvents with ActionType DnsQueryResponse (Sysmon EventID 22).
pub const DEVICE_EVENTS_FIELDS: &[FieldMap] = &[derive("QueryName", Derive::DnsQueryName)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sigma_name_twice_in_one_table() {
        for table in [
            Table::DeviceProcessEvents,
            Table::DeviceNetworkEvents,
            Table::DeviceRegistryEvents,
            Table::DeviceEvents,
            Table::Other,
        ] {
            let names: Vec<_> = table
                .fields()
                .iter()
                .flat_map(|t| t.iter().map(|f| f.sigma))
                .collect();
            for (i, n) in names.iter().enumerate() {
                assert!(!names[i + 1..].contains(n), "{n} twice for {table:?}");
            }
        }
    }

    #[test]
    fn actions_are_unique_and_consistent() {
        for (i, a) in ACTIONS.iter().enumerate() {
            assert!(ACTIONS[i + 1..].iter().all(|b| b.action != a.action));
            assert_eq!(
                a.sysmon.is_some(),
                a.table == Table::DeviceRegistryEvents,
                "{}",
                a.action
            );
        }
        assert_eq!(
            action_of("RegistryValueSet").unwrap().sysmon,
            Some(("SetValue", 13))
        );
        assert_eq!(action_of("nope"), None);
    }

    #[test]
    fn table_names_round_trip() {
        for (name, table) in TABLES {
            assert_eq!(Table::from_name(name), Some(*table));
            assert_eq!(table.name(), Some(*name));
        }
        assert_eq!(
            Table::from_name("deviceprocessevents"),
            Some(Table::DeviceProcessEvents)
        );
        assert_eq!(Table::Other.name(), None);
    }
}
