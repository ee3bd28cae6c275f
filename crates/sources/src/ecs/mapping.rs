//! ECS → Sigma: the mapping tables.
//!
//! [`FIELDS`] gives the ECS field (or the first present of several) behind
//! each Sigma taxonomy name; a name computed from several fields is an
//! [`EcsDerive`], named after the function that computes it in
//! `ecs::event`. The other tables say how ECS categorisation
//! (`event.category`, `event.type`, `network.direction`, `host.os.*`)
//! translates into Sigma's logsource and Sysmon's field values.
//!
//! Field names follow the Elastic Common Schema as Winlogbeat, Elastic
//! Agent and Elastic Defend write it.

/// One Sigma field and where its value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EcsField {
    pub sigma: &'static str,
    pub source: EcsSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcsSource {
    /// The first of these ECS fields that the document has.
    Path(&'static [&'static str]),
    /// Computed from several fields.
    Derive(EcsDerive),
}

/// The computed fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcsDerive {
    /// `user.domain\user.name`.
    User,
    /// `registry.path` (or `registry.hive\registry.key\registry.value`) in
    /// Sysmon's spelling.
    RegistryTarget,
    /// Sysmon's `EventType` for the registry operation ([`REGISTRY_TYPES`]).
    RegistryEventType,
    /// Sysmon's `Initiated` from `network.direction` ([`DIRECTIONS`]).
    Initiated,
}

const fn path(sigma: &'static str, paths: &'static [&'static str]) -> EcsField {
    EcsField {
        sigma,
        source: EcsSource::Path(paths),
    }
}

const fn derive(sigma: &'static str, how: EcsDerive) -> EcsField {
    EcsField {
        sigma,
        source: EcsSource::Derive(how),
    }
}

/// Sigma taxonomy names and the ECS fields behind them. A Winlogbeat
/// document's own `winlog.event_data` names come first (they already are
/// Sysmon's); these apply after them.
pub const FIELDS: &[EcsField] = &[
    path("Image", &["process.executable"]),
    path("CommandLine", &["process.command_line"]),
    path("OriginalFileName", &["process.pe.original_file_name"]),
    path("Product", &["process.pe.product"]),
    path("Description", &["process.pe.description"]),
    path("Company", &["process.pe.company"]),
    path("ProcessId", &["process.pid"]),
    path("CurrentDirectory", &["process.working_directory"]),
    path("ParentImage", &["process.parent.executable"]),
    path("ParentCommandLine", &["process.parent.command_line"]),
    path("ParentProcessId", &["process.parent.pid"]),
    derive("User", EcsDerive::User),
    path(
        "Computer",
        &["winlog.computer_name", "host.name", "host.hostname"],
    ),
    path("DestinationIp", &["destination.ip"]),
    path("DestinationPort", &["destination.port"]),
    path("DestinationHostname", &["destination.domain"]),
    path("SourceIp", &["source.ip"]),
    path("SourcePort", &["source.port"]),
    path("Protocol", &["network.transport"]),
    derive("Initiated", EcsDerive::Initiated),
    path("QueryName", &["dns.question.name"]),
    derive("TargetObject", EcsDerive::RegistryTarget),
    path("Details", &["registry.data.strings"]),
    derive("EventType", EcsDerive::RegistryEventType),
    path("EventID", &["winlog.event_id"]),
    path("Channel", &["winlog.channel"]),
    path("Provider_Name", &["winlog.provider_name"]),
    path("EventRecordID", &["winlog.record_id"]),
];

/// `host.os.type` / `host.os.platform` / `host.os.family` values and the
/// Sigma product they mean.
pub const PRODUCTS: &[(&str, &str)] = &[
    ("windows", "windows"),
    ("linux", "linux"),
    ("macos", "macos"),
    ("darwin", "macos"),
];

/// The host fields [`PRODUCTS`] is consulted on, in order.
pub const PRODUCT_FIELDS: &[&str] = &["host.os.type", "host.os.platform", "host.os.family"];

/// A registry event's `event.type` and the Sysmon operation it is:
/// `EventType` and EventID. Registry events route by that EventID (see
/// `mde::mapping::Action::sysmon` for why not by a declared category). A
/// deletion is of a value when the event names one, else of a key.
pub const REGISTRY_TYPES: &[(&str, &str, u32)] = &[
    ("change", "SetValue", 13),
    ("creation", "CreateKey", 12),
    ("deletion", "DeleteValue", 12),
];

/// Sysmon's `EventType` for deleting a key rather than a value.
pub const DELETE_KEY: &str = "DeleteKey";

/// `network.direction` values and Sysmon's `Initiated`.
pub const DIRECTIONS: &[(&str, &str)] = &[
    ("egress", "true"),
    ("outbound", "true"),
    ("ingress", "false"),
    ("inbound", "false"),
];

/// What an `event.category`/`event.type` pair declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryRule {
    /// `event.category` must contain this.
    pub ecs_category: &'static str,
    /// `event.type` must contain this, when set.
    pub ecs_type: Option<&'static str>,
    /// The document must have this field, when set.
    pub needs: Option<&'static str>,
    pub sigma_category: &'static str,
}

/// ECS categorisation → Sigma category, first match wins. Process events
/// are creations only when `event.type` says `start` (ends, and Elastic
/// Defend's `already_running` snapshots, are not). DNS lookups are
/// `network` events with a question; `dns` is accepted as a category too,
/// as some shippers write it.
pub const CATEGORIES: &[CategoryRule] = &[
    CategoryRule {
        ecs_category: "process",
        ecs_type: Some("start"),
        needs: None,
        sigma_category: "process_creation",
    },
    CategoryRule {
        ecs_category: "network",
        ecs_type: None,
        needs: Some("dns.question.name"),
        sigma_category: "dns_query",
    },
    CategoryRule {
        ecs_category: "dns",
        ecs_type: None,
        needs: Some("dns.question.name"),
        sigma_category: "dns_query",
    },
    CategoryRule {
        ecs_category: "network",
        ecs_type: None,
        needs: Some("destination.ip"),
        sigma_category: "network_connection",
    },
    CategoryRule {
        ecs_category: "network",
        ecs_type: None,
        needs: Some("destination.port"),
        sigma_category: "network_connection",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sigma_name_twice() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(
                FIELDS[i + 1..].iter().all(|g| g.sigma != f.sigma),
                "{} mapped twice",
                f.sigma
            );
        }
    }
}
