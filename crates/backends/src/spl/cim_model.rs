//! Splunk CIM field mappings for the `cim` flavor (`tstats`), as
//! reviewable `const` data.
//!
//! Source: the Splunk Common Information Model manual, data model
//! reference — `Endpoint.Processes`, `Endpoint.Registry`,
//! `Endpoint.Filesystem`, `Network_Traffic.All_Traffic`,
//! `Network_Resolution.DNS`. Only fields whose CIM meaning is the Sigma
//! meaning are mapped: CIM `process_name` is a file name, so Sigma `Image`
//! (a full path) maps to `process_path`; the Registry, Filesystem and
//! Traffic datasets carry no process path, so `Image` is refused there
//! rather than approximated.

use crate::model::{FieldMap, LogsourceKey, Scope};

/// A CIM data model dataset for `tstats`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CimScope {
    /// Fields are the dataset-local CIM names (`process_path`); the query
    /// prefixes them with `dataset.`.
    pub scope: Scope,
    /// `Endpoint.Processes`
    pub datamodel: &'static str,
    /// `Processes`: the prefix of field names in `where` and `by`.
    pub dataset: &'static str,
    /// Fields listed in `by`, so a hit shows where and what.
    pub by: &'static [&'static str],
}

const CIM_PROCESSES: &[FieldMap] = &[
    FieldMap::text("Image", "process_path"),
    FieldMap::text("CommandLine", "process"),
    FieldMap::text("ParentImage", "parent_process_path"),
    FieldMap::text("ParentCommandLine", "parent_process"),
    FieldMap::text("OriginalFileName", "original_file_name"),
    FieldMap::text("CurrentDirectory", "process_current_directory"),
    FieldMap::text("IntegrityLevel", "process_integrity_level"),
    FieldMap::text("User", "user"),
    FieldMap::int("ProcessId", "process_id"),
    FieldMap::int("ParentProcessId", "parent_process_id"),
];

const CIM_REGISTRY: &[FieldMap] = &[
    FieldMap::text("TargetObject", "registry_path"),
    FieldMap::text("Details", "registry_value_data"),
    FieldMap::text("User", "user"),
    FieldMap::int("ProcessId", "process_id"),
];

const CIM_TRAFFIC: &[FieldMap] = &[
    FieldMap::ip("DestinationIp", "dest_ip"),
    FieldMap::int("DestinationPort", "dest_port"),
    FieldMap::ip("SourceIp", "src_ip"),
    FieldMap::int("SourcePort", "src_port"),
    FieldMap::text("User", "user"),
];

const CIM_DNS: &[FieldMap] = &[FieldMap::text("QueryName", "query")];

const CIM_FILESYSTEM: &[FieldMap] = &[
    FieldMap::text("TargetFilename", "file_path"),
    FieldMap::text("User", "user"),
    FieldMap::int("ProcessId", "process_id"),
];

/// The CIM data models, in lookup order. Product-less keys: CIM normalizes
/// every product into the same dataset.
pub const CIM: &[CimScope] = &[
    CimScope {
        scope: Scope {
            key: LogsourceKey::any_product("process_creation"),
            name: "Endpoint.Processes",
            selector: "Endpoint.Processes",
            fields: CIM_PROCESSES,
        },
        datamodel: "Endpoint.Processes",
        dataset: "Processes",
        by: &[
            "dest",
            "user",
            "parent_process_path",
            "process_path",
            "process",
        ],
    },
    CimScope {
        scope: Scope {
            key: LogsourceKey::any_product("registry_set"),
            name: "Endpoint.Registry",
            selector: "Endpoint.Registry",
            fields: CIM_REGISTRY,
        },
        datamodel: "Endpoint.Registry",
        dataset: "Registry",
        by: &["dest", "user", "registry_path", "registry_value_data"],
    },
    CimScope {
        scope: Scope {
            key: LogsourceKey::any_product("registry_event"),
            name: "Endpoint.Registry",
            selector: "Endpoint.Registry",
            fields: CIM_REGISTRY,
        },
        datamodel: "Endpoint.Registry",
        dataset: "Registry",
        by: &["dest", "user", "registry_path", "registry_value_data"],
    },
    CimScope {
        scope: Scope {
            key: LogsourceKey::any_product("network_connection"),
            name: "Network_Traffic.All_Traffic",
            selector: "Network_Traffic",
            fields: CIM_TRAFFIC,
        },
        datamodel: "Network_Traffic",
        dataset: "All_Traffic",
        by: &["src", "dest_ip", "dest_port", "user"],
    },
    CimScope {
        scope: Scope {
            key: LogsourceKey::any_product("file_event"),
            name: "Endpoint.Filesystem",
            selector: "Endpoint.Filesystem",
            fields: CIM_FILESYSTEM,
        },
        datamodel: "Endpoint.Filesystem",
        dataset: "Filesystem",
        by: &["dest", "user", "file_path"],
    },
    CimScope {
        scope: Scope {
            key: LogsourceKey::any_product("dns_query"),
            name: "Network_Resolution.DNS",
            selector: "Network_Resolution",
            fields: CIM_DNS,
        },
        datamodel: "Network_Resolution",
        dataset: "DNS",
        by: &["src", "query"],
    },
];
