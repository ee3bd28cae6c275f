//! Field-mapping tables: Sigma taxonomy names for fields a source writes
//! under its own names.
//!
//! Mapping is data, not code: each table below is reviewable on its own,
//! and a reader consults it only after the event's own field names, so both
//! the Sigma name (`Image`) and the native one (`NewProcessName`) reach the
//! same value. Readers for other sources add their tables here.

/// One Sigma name and the native field that holds its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    pub sigma: &'static str,
    pub native: &'static str,
}

/// The aliases that apply to one Windows event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowsAliases {
    /// `System/Provider/@Name`.
    pub provider: &'static str,
    pub event_id: u32,
    pub aliases: &'static [Alias],
}

/// Windows event types whose fields carry other names than Sigma's
/// taxonomy (which follows Sysmon). The Security 4688 rows are the ones
/// SigmaHQ's `tests/thor.yml` lists for `process_creation`.
pub const WINDOWS: &[WindowsAliases] = &[WindowsAliases {
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
}];

/// The aliases for a Windows event, empty when none apply.
pub fn windows_aliases(provider: Option<&str>, event_id: Option<u32>) -> &'static [Alias] {
    let (Some(provider), Some(event_id)) = (provider, event_id) else {
        return &[];
    };
    WINDOWS
        .iter()
        .find(|t| t.event_id == event_id && t.provider.eq_ignore_ascii_case(provider))
        .map_or(&[], |t| t.aliases)
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
    fn tables_have_no_duplicates() {
        for table in WINDOWS {
            for (i, a) in table.aliases.iter().enumerate() {
                assert!(
                    table.aliases[i + 1..].iter().all(|b| b.sigma != a.sigma),
                    "{} mapped twice for {}",
                    a.sigma,
                    table.event_id
                );
            }
        }
    }
}
