//! The Elastic Common Schema as EQL queries it: which events a Sigma
//! logsource selects and what each Sigma field is called there.
//!
//! Where the names come from: the ECS field reference
//! (elastic.co/guide/en/ecs/current, `process.*`, `destination.*`,
//! `dns.question.name`, `registry.*`, `network.*`, `host.*`), as Elastic
//! Defend (its per-event field lists in elastic/endpoint-package,
//! `custom_documentation/`) and Winlogbeat's Sysmon module write them; the
//! event categories
//! are ECS `event.category` values (EQL's `process where …` is a filter on
//! `event.category`). The categorisation below is the one tunnelhunt's own
//! ECS reader (`tunnelhunt-sources`, `ecs::mapping`) uses to turn ECS
//! documents into Sigma logsources, so that a query and the engine agree
//! on which events a rule looks at:
//!
//! * `process_creation` — `process` events with `event.type` `start`
//!   (Elastic Defend's `already_running` snapshots and process ends are not
//!   creations);
//! * `dns_query` — `network` events that carry `dns.question.name`. ECS has
//!   no `dns` category: Elastic Defend and Winlogbeat file lookups under
//!   `network`, so `dns where …` would match nothing;
//! * `network_connection` — the other `network` events (in Elastic Defend
//!   these include `disconnect_received` alongside the connection events,
//!   as tunnelhunt's ECS reader also counts them; `destination.domain` is
//!   Winlogbeat's, from Sysmon 3 — Defend does not resolve it);
//! * `registry_set` / `registry_add` / `registry_delete` — `registry`
//!   events with `event.type` `change` / `creation` / `deletion`;
//!   `registry_event` is all of them;
//! * `file_event` / `file_delete` — `file` events with `event.type`
//!   `creation` / `deletion` (Sysmon 11 and 23/26 in Winlogbeat, file
//!   creations and deletions in Elastic Defend);
//! * `image_load` — Elastic Defend's `library` events (`dll.*`, the fields
//!   its `library` data stream documents; it has no `dll.pe.product`,
//!   `description` or `company`, so those Sigma fields are refused).
//!   Winlogbeat files Sysmon 7 differently (`process` category,
//!   `file.path`), so this scope is Defend's. Defend's stream also records
//!   driver loads (Sysmon 6, not 7): a rule that does not pin the loaded
//!   file can match those too;
//! * `ps_script` — PowerShell script-block logging (EventID 4104) as the
//!   Windows integration / Winlogbeat writes it (`powershell.file.*`),
//!   selected by `event.code` and `winlog.channel` under `any`, since the
//!   event category those shippers give it is not one EQL can rely on.
//!
//! A Sigma `product` becomes a filter on `host.os.type` ([`PRODUCTS`]).
//! Windows event log services (`security`, `system`, `application`) are
//! read as Winlogbeat / the Windows integration writes every channel:
//! `winlog.channel`, the event ID as the keyword `event.code`, and the
//! event's own data under `winlog.event_data.<Name>` with Windows' names —
//! so any Sigma field of those rules maps to `winlog.event_data.<field>`
//! ([`EcsScope::event_data`]). Those fields are keywords holding the text
//! Windows wrote, in which integers are canonical decimal; a Sigma number
//! compares with that text ([`DECIMAL_TEXT_FIELDS`]). They are queried
//! under `any`: the shippers categorise each event ID differently.
//!
//! Other logsources (Zeek logs, web servers, cloud audit logs, and the
//! remaining Windows categories) have no ECS scope here and are refused.
//!
//! `process.pe.product`/`description`/`company`/`file_version` come from Winlogbeat's
//! Sysmon module; Elastic Defend's process events do not carry them (its
//! documented fields stop at `process.pe.original_file_name` and
//! `imphash`), so rules on those fields match Winlogbeat data only.
//!
//! Value spellings follow Winlogbeat's Sysmon module: `registry.path` keeps
//! Sysmon's `HKLM\…` spelling and `registry.data.strings` Sysmon's
//! `Details`. Sigma `User` (`DOMAIN\name`) is split by ECS into
//! `user.domain` and `user.name`; the target `user` marks that pair, and
//! [`super::render`] translates each glob into conditions on the two parts
//! (Windows account and domain names cannot contain a backslash, so the
//! Sigma value's one backslash is the split).

use crate::model::{FieldMap, LogsourceKey, Scope};

/// One Sigma category as ECS events of one EQL event category.
#[derive(Debug, Clone, Copy)]
pub struct EcsScope {
    /// The EQL event category (`process where …`): ECS `event.category`.
    pub event_category: &'static str,
    /// `scope.selector` is the extra condition that narrows the category
    /// to the Sigma category (empty when there is none); `scope.name`
    /// names it in messages.
    pub scope: Scope,
    /// Where the scope's events keep their own fields by their own names
    /// (`winlog.event_data`): a Sigma field not in `scope.fields` maps to
    /// `<event_data>.<field>`. `None`: unmapped fields are refused.
    pub event_data: Option<&'static str>,
}

const fn scope(
    sigma_category: &'static str,
    event_category: &'static str,
    name: &'static str,
    selector: &'static str,
    fields: &'static [FieldMap],
) -> EcsScope {
    EcsScope {
        event_category,
        scope: Scope {
            key: LogsourceKey::any_product(sigma_category),
            name,
            selector,
            fields,
        },
        event_data: None,
    }
}

/// A Windows event log service: every event of its channel.
const fn channel(service: &'static str, name: &'static str, selector: &'static str) -> EcsScope {
    EcsScope {
        event_category: "any",
        scope: Scope {
            key: LogsourceKey {
                product: Some("windows"),
                category: None,
                service: Some(service),
            },
            name,
            selector,
            fields: CHANNEL_FIELDS,
        },
        event_data: Some("winlog.event_data"),
    }
}

// Every scope starts with the fields of the process behind the event.

const PROCESS_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "process.executable"),
    FieldMap::text("User", "user"),
    FieldMap::int("ProcessId", "process.pid"),
    FieldMap::text("Computer", "host.name"),
    FieldMap::text("CommandLine", "process.command_line"),
    FieldMap::text("OriginalFileName", "process.pe.original_file_name"),
    FieldMap::text("Product", "process.pe.product"),
    FieldMap::text("Description", "process.pe.description"),
    FieldMap::text("Company", "process.pe.company"),
    // ECS `pe.file_version`, as Winlogbeat's Sysmon module writes Sysmon's
    // `FileVersion` (Defend, like for `product`, does not document it).
    FieldMap::text("FileVersion", "process.pe.file_version"),
    FieldMap::text("CurrentDirectory", "process.working_directory"),
    FieldMap::text("ParentImage", "process.parent.executable"),
    FieldMap::text("ParentCommandLine", "process.parent.command_line"),
    FieldMap::int("ParentProcessId", "process.parent.pid"),
    // Sysmon's `Hashes` (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`): the target is
    // the object holding the hashes, [`HASHES`] each algorithm's field.
    FieldMap::text("Hashes", "process"),
];

const NETWORK_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "process.executable"),
    FieldMap::text("User", "user"),
    FieldMap::int("ProcessId", "process.pid"),
    FieldMap::text("Computer", "host.name"),
    FieldMap::ip("DestinationIp", "destination.ip"),
    FieldMap::int("DestinationPort", "destination.port"),
    FieldMap::text("DestinationHostname", "destination.domain"),
    FieldMap::ip("SourceIp", "source.ip"),
    FieldMap::int("SourcePort", "source.port"),
    FieldMap::text("SourceHostname", "source.domain"),
    FieldMap::text("Protocol", "network.transport"),
    // Sysmon's `true`/`false`, translated through [`DIRECTIONS`].
    FieldMap::bool("Initiated", "network.direction"),
];

const DNS_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "process.executable"),
    FieldMap::text("User", "user"),
    FieldMap::int("ProcessId", "process.pid"),
    FieldMap::text("Computer", "host.name"),
    FieldMap::text("QueryName", "dns.question.name"),
    // ECS computes these two from the public suffix list, as tunnelhunt
    // does (see `crate::derived`).
    FieldMap::text("QueryRegisteredDomain", "dns.question.registered_domain"),
    FieldMap::text("QuerySubdomain", "dns.question.subdomain"),
];

const REGISTRY_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "process.executable"),
    FieldMap::text("User", "user"),
    FieldMap::int("ProcessId", "process.pid"),
    FieldMap::text("Computer", "host.name"),
    FieldMap::text("TargetObject", "registry.path"),
    FieldMap::text("Details", "registry.data.strings"),
];

const FILE_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "process.executable"),
    FieldMap::text("User", "user"),
    FieldMap::int("ProcessId", "process.pid"),
    FieldMap::text("Computer", "host.name"),
    FieldMap::text("TargetFilename", "file.path"),
];

const LIBRARY_FIELDS: &[FieldMap] = &[
    FieldMap::text("Image", "process.executable"),
    FieldMap::int("ProcessId", "process.pid"),
    FieldMap::text("Computer", "host.name"),
    FieldMap::text("ImageLoaded", "dll.path"),
    FieldMap::text("OriginalFileName", "dll.pe.original_file_name"),
    FieldMap::text("Signature", "dll.code_signature.subject_name"),
    FieldMap::text("SignatureStatus", "dll.code_signature.status"),
    // As for processes: `dll.hash.*`, `dll.pe.imphash`.
    FieldMap::text("Hashes", "dll"),
];

const PS_SCRIPT_FIELDS: &[FieldMap] = &[
    FieldMap::text("Computer", "host.name"),
    FieldMap::text("ScriptBlockText", "powershell.file.script_block_text"),
    FieldMap::text("ScriptBlockId", "powershell.file.script_block_id"),
    FieldMap::text("Path", "file.path"),
];

/// The System part of a Windows event; everything else is event data.
const CHANNEL_FIELDS: &[FieldMap] = &[
    FieldMap::text("EventID", "event.code"),
    FieldMap::text("Provider_Name", "winlog.provider_name"),
    FieldMap::text("Channel", "winlog.channel"),
    FieldMap::text("Computer", "winlog.computer_name"),
];

/// Keyword fields whose values are integers in canonical decimal text: a
/// Sigma number equals such a value when it equals its text (`event.code
/// == "4624"`). Ordering comparisons are not expressible on text.
pub(crate) const DECIMAL_TEXT_FIELDS: &[&str] = &["event.code", "winlog.event_data.*"];

/// Sigma categories and their ECS scopes.
pub const SCOPES: &[EcsScope] = &[
    scope(
        "process_creation",
        "process",
        "ECS process start events",
        "event.type == \"start\"",
        PROCESS_FIELDS,
    ),
    scope(
        "network_connection",
        "network",
        "ECS network events without a DNS question",
        "?dns.question.name == null",
        NETWORK_FIELDS,
    ),
    scope(
        "dns_query",
        "network",
        "ECS network events with a DNS question",
        "?dns.question.name != null",
        DNS_FIELDS,
    ),
    scope(
        "registry_set",
        "registry",
        "ECS registry value changes",
        "event.type == \"change\"",
        REGISTRY_FIELDS,
    ),
    scope(
        "registry_add",
        "registry",
        "ECS registry key creations",
        "event.type == \"creation\"",
        REGISTRY_FIELDS,
    ),
    scope(
        "registry_delete",
        "registry",
        "ECS registry deletions",
        "event.type == \"deletion\"",
        REGISTRY_FIELDS,
    ),
    scope(
        "registry_event",
        "registry",
        "ECS registry events",
        "",
        REGISTRY_FIELDS,
    ),
    scope(
        "file_event",
        "file",
        "ECS file creations",
        "event.type == \"creation\"",
        FILE_FIELDS,
    ),
    scope(
        "file_delete",
        "file",
        "ECS file deletions",
        "event.type == \"deletion\"",
        FILE_FIELDS,
    ),
    scope(
        "image_load",
        "library",
        "Elastic Defend library loads",
        "",
        LIBRARY_FIELDS,
    ),
    scope(
        "ps_script",
        "any",
        "PowerShell script blocks (EventID 4104)",
        "event.code == \"4104\" and winlog.channel == \"Microsoft-Windows-PowerShell/Operational\"",
        PS_SCRIPT_FIELDS,
    ),
    channel(
        "security",
        "Windows Security events",
        "winlog.channel == \"Security\"",
    ),
    channel(
        "system",
        "Windows System events",
        "winlog.channel == \"System\"",
    ),
    channel(
        "application",
        "Windows Application events",
        "winlog.channel == \"Application\"",
    ),
];

/// The hash fields of a `Hashes` target object (`process`, `dll`), by
/// Sysmon's algorithm name.
pub const HASHES: &[(&str, &str)] = &[
    ("MD5", "hash.md5"),
    ("SHA1", "hash.sha1"),
    ("SHA256", "hash.sha256"),
    ("IMPHASH", "pe.imphash"),
];

/// Sigma products and the `host.os.type` value ECS gives them.
pub const PRODUCTS: &[(&str, &str)] = &[
    ("windows", "windows"),
    ("linux", "linux"),
    ("macos", "macos"),
];

/// Sysmon's `Initiated` value and the ECS `network.direction` values that
/// mean it (ECS allows both spellings of each direction).
pub const DIRECTIONS: &[(&str, &[&str])] = &[
    ("true", &["egress", "outbound"]),
    ("false", &["ingress", "inbound"]),
];

/// ECS fields every query may name besides the mapped ones: the
/// categorisation and host fields the selectors use.
pub const SELECTOR_FIELDS: &[&str] = &[
    "event.type",
    "event.code",
    "winlog.channel",
    "winlog.provider_name",
    "winlog.computer_name",
    "host.os.type",
    "dns.question.name",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sigma_field_is_mapped_twice_in_a_scope() {
        for s in SCOPES {
            for (i, f) in s.scope.fields.iter().enumerate() {
                assert!(
                    s.scope.fields[i + 1..].iter().all(|g| g.sigma != f.sigma),
                    "{} mapped twice in {}",
                    f.sigma,
                    s.scope.name
                );
            }
        }
    }

    #[test]
    fn every_ecs_name_is_a_plain_dotted_path() {
        let plain = |name: &str| {
            name.split('.').all(|part| {
                part.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
        };
        for s in SCOPES {
            assert!(plain(s.event_category), "{}", s.event_category);
            for f in s.scope.fields {
                assert!(plain(f.target), "{}", f.target);
            }
        }
    }
}
