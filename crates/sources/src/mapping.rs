//! The Windows field-mapping table: Sigma taxonomy names for fields a
//! Windows event writes under its own names.
//!
//! Mapping is data, not code: the table below is reviewable on its own,
//! and a reader consults it only after the event's own field names, so both
//! the Sigma name (`Image`) and the native one (`NewProcessName`) reach the
//! same value. Most entries are renames ([`Alias`]); a Sigma field made of
//! several native ones is a [`Join`], a named rule in the same table, so
//! that what the mapping does stays readable in one place.
//!
//! The table is shared by every reader whose events are Windows events in
//! the evtx shape: EVTX, evtx-JSON, XML and the SIEM exports (one event
//! type, [`crate::json::EvtxJsonEvent`]); Winlogbeat documents use its
//! aliases. So is the one rule for EventData names written with spaces
//! ([`same_name_without_spaces`]).
//! Sources with their own column names keep their tables beside their
//! reader (`ecs::mapping`, `mde::mapping`, `zeek::mapping`), since nothing
//! else reads them.

/// One Sigma name and the native field that holds its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    pub sigma: &'static str,
    pub native: &'static str,
}

/// One Sigma name whose value joins two native fields: `qualifier`,
/// `separator`, `name` (`CORP\alice`), or `name` alone when the qualifier
/// is missing or empty; absent without a name (a domain is not a user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Join {
    pub sigma: &'static str,
    pub qualifier: &'static str,
    pub name: &'static str,
    pub separator: &'static str,
}

impl Join {
    /// The joined value, with `field` giving the text of a native field.
    pub fn apply<'a>(&self, field: impl Fn(&str) -> Option<&'a str>) -> Option<String> {
        qualified_name(field(self.qualifier), field(self.name), self.separator)
    }
}

/// `qualifier` + `separator` + `name`, or `name` when there is no
/// qualifier; `None` without a name. The one spelling of `DOMAIN\user`
/// for every source (Security 4688, ECS `user.*`, Defender `Account*`).
pub fn qualified_name(
    qualifier: Option<&str>,
    name: Option<&str>,
    separator: &str,
) -> Option<String> {
    let name = name.filter(|n| !n.is_empty())?;
    Some(match qualifier.filter(|q| !q.is_empty()) {
        Some(qualifier) => format!("{qualifier}{separator}{name}"),
        None => name.to_owned(),
    })
}

/// The mapping of one Windows event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowsMapping {
    /// `System/Provider/@Name`.
    pub provider: &'static str,
    pub event_id: u32,
    pub aliases: &'static [Alias],
    pub joins: &'static [Join],
}

/// Windows event types whose fields carry other names than Sigma's
/// taxonomy (which follows Sysmon). The Security 4688 aliases are the ones
/// SigmaHQ's `tests/thor.yml` lists for `process_creation`; its `User` is
/// the subject (the account that started the process), as Sysmon's is.
pub const WINDOWS: &[WindowsMapping] = &[WindowsMapping {
    provider: "Microsoft-Windows-Security-Auditing",
    event_id: 4688,
    aliases: &[
        Alias {
            sigma: "Image",
            native: "NewProcessName",
        },
        Alias {
            sigma: "ParentImage",
            native: "ParentProcessName",
        },
    ],
    joins: &[Join {
        sigma: "User",
        qualifier: "SubjectDomainName",
        name: "SubjectUserName",
        separator: "\\",
    }],
}];

/// The mapping of a Windows event, if one applies.
pub fn windows_mapping(
    provider: Option<&str>,
    event_id: Option<u32>,
) -> Option<&'static WindowsMapping> {
    let (provider, event_id) = (provider?, event_id?);
    WINDOWS
        .iter()
        .find(|t| t.event_id == event_id && t.provider.eq_ignore_ascii_case(provider))
}

/// The aliases for a Windows event, empty when none apply.
pub fn windows_aliases(provider: Option<&str>, event_id: Option<u32>) -> &'static [Alias] {
    windows_mapping(provider, event_id).map_or(&[], |t| t.aliases)
}

/// Whether two Windows EventData names are the same name as Sigma reads
/// them: equal once their spaces are left out.
///
/// Some providers name EventData fields with spaces (Windows Defender's
/// `Threat Name`, `Source Name`, `Process Name`, `Detection User`);
/// SigmaHQ's rules and regression data write them without (`ThreatName`),
/// following the field-naming convention of its taxonomy. Readers of
/// Windows events try the exact name first and this comparison only when
/// that misses and one of the names has a space, so both spellings reach
/// the same value and an event without spaced names pays nothing.
pub fn same_name_without_spaces(a: &str, b: &str) -> bool {
    a.bytes()
        .filter(|&c| c != b' ')
        .eq(b.bytes().filter(|&c| c != b' '))
}

/// Whether a name has a space, the case [`same_name_without_spaces`] is for.
pub fn has_space(name: &str) -> bool {
    name.as_bytes().contains(&b' ')
}

/// `name` with its spaces left out: the spelling Sigma gives a spaced
/// EventData name.
pub fn without_spaces(name: &str) -> String {
    name.replace(' ', "")
}

/// Sigma categories of Sysmon for Linux events (channel
/// `Linux-Sysmon/Operational`) by EventID. The engine's routing table
/// derives categories from Sysmon EventIDs for product `windows` only;
/// Linux events declare theirs (the table's linux `DECLARED` entries).
pub const LINUX_SYSMON_CATEGORIES: &[(u32, &str)] = &[
    (1, "process_creation"),
    (3, "network_connection"),
    (5, "process_termination"),
    (11, "file_event"),
    (23, "file_delete"),
];

/// The Sigma category of a Sysmon for Linux event.
pub fn linux_sysmon_category(event_id: Option<u32>) -> Option<&'static str> {
    let id = event_id?;
    LINUX_SYSMON_CATEGORIES
        .iter()
        .find(|(e, _)| *e == id)
        .map(|&(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_4688_maps_process_names() {
        let aliases = windows_aliases(Some("Microsoft-Windows-Security-Auditing"), Some(4688));
        assert!(aliases.contains(&Alias {
            sigma: "Image",
            native: "NewProcessName"
        }));
        assert!(windows_aliases(Some("Microsoft-Windows-Sysmon"), Some(1)).is_empty());
        assert!(windows_aliases(None, Some(4688)).is_empty());
    }

    #[test]
    fn security_4688_joins_the_subject_into_user() {
        let table = windows_mapping(Some("microsoft-windows-security-auditing"), Some(4688));
        let [join] = table.unwrap().joins else {
            panic!("one join for 4688");
        };
        let fields = |domain: &'static str| {
            move |name: &str| match name {
                "SubjectDomainName" => Some(domain),
                "SubjectUserName" => Some("alice"),
                _ => None,
            }
        };
        assert_eq!(join.sigma, "User");
        assert_eq!(join.apply(fields("CORP")).as_deref(), Some("CORP\\alice"));
        assert_eq!(join.apply(fields("")).as_deref(), Some("alice"));
        assert_eq!(join.apply(|_| None), None);
        assert_eq!(qualified_name(Some("CORP"), Some(""), "\\"), None);
    }

    #[test]
    fn tables_have_no_duplicates() {
        for table in WINDOWS {
            let names: Vec<&str> = (table.aliases.iter().map(|a| a.sigma))
                .chain(table.joins.iter().map(|j| j.sigma))
                .collect();
            for (i, a) in names.iter().enumerate() {
                assert!(
                    !names[i + 1..].contains(a),
                    "{a} mapped twice for {}",
                    table.event_id
                );
            }
        }
    }
}
