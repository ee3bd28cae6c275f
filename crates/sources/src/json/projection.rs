//! Field projection for the evtx JSON shape: which names of a record the
//! parser keeps.
//!
//! A rule set reads a few dozen fields of a record that has a few dozen
//! more. The evtx-JSON and EVTX readers parse each record straight into
//! an [`EvtxJsonEvent`](super::EvtxJsonEvent) (see `evtx_shape::de`); with
//! a projection they keep, in `EventData` and in the elements of
//! `UserData`, only the names asked for, and skip the values of the others
//! without building them (still checked as JSON, so a malformed record is
//! reported exactly as without a projection). `System` keeps what the
//! event itself reads (id, channel, provider, computer, record id, time)
//! plus the names asked for.
//!
//! An event built with a projection answers [`Event::field`] for every
//! name asked for exactly as the full event does, including the Sigma
//! names the Windows mapping ([`crate::mapping`]) derives from native
//! ones: each name is expanded, through every table, to the native fields
//! an event's table could read it from. It does not answer for other
//! names, and [`Event::for_each_value`] (keyword searches) and
//! [`EvtxJsonEvent::to_json`](super::EvtxJsonEvent::to_json) see only the
//! kept fields: a caller that needs those reads without a projection.
//!
//! [`Event::field`]: tunnelhunt_engine::Event::field
//! [`Event::for_each_value`]: tunnelhunt_engine::Event::for_each_value

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use crate::dns_name::{self, DerivedField};
use crate::mapping;

/// `System` elements the event reads whatever the rules ask for: the
/// accessors (`event_id`, `channel`, `provider`, `computer`, `record_id`,
/// `timestamp`), the Windows mapping's choice of table and the routing.
const SYSTEM_ALWAYS: [&str; 6] = [
    "EventID",
    "Channel",
    "Provider",
    "Computer",
    "EventRecordID",
    "TimeCreated",
];

/// The names the evtx-shape parser keeps (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvtxProjection {
    /// Names kept in `EventData` and in `UserData`'s elements.
    data: NameSet,
    /// Element names kept in `System`.
    system: NameSet,
}

impl EvtxProjection {
    /// Keep what lookups of `fields` (Sigma names, as rules and outputs
    /// use them) need.
    pub fn new<'a>(fields: impl IntoIterator<Item = &'a str>) -> Self {
        let mut data = NameSet::default();
        let mut system = NameSet::default();
        SYSTEM_ALWAYS.iter().for_each(|name| system.insert(name));
        // `Data` holds the named-`Data` layout's fields.
        data.insert("Data");
        for name in fields {
            data.insert(name);
            // A spaced EventData name is kept for either spelling
            // ([`mapping::same_name_without_spaces`]): the set holds the
            // spelling without spaces, which `keeps_data` also tries.
            if mapping::has_space(name) {
                data.insert(&mapping::without_spaces(name));
            }
            system.insert(name);
            // `Provider_Name` reads attribute `Name` of element `Provider`.
            if let Some((element, _)) = name.split_once('_') {
                system.insert(element);
            }
            // A derived DNS field is computed from the query name.
            if DerivedField::from_name(name).is_some() {
                data.insert(dns_name::QUERY_NAME);
            }
            for table in mapping::WINDOWS {
                for alias in table.aliases.iter().filter(|a| a.sigma == name) {
                    data.insert(alias.native);
                }
                for join in table.joins.iter().filter(|j| j.sigma == name) {
                    data.insert(join.qualifier);
                    data.insert(join.name);
                }
            }
        }
        EvtxProjection { data, system }
    }

    /// Whether `EventData` or a `UserData` element keeps `name`, asked for
    /// with or without its spaces.
    pub fn keeps_data(&self, name: &str) -> bool {
        self.data.contains(name)
            || (mapping::has_space(name) && self.data.contains(&mapping::without_spaces(name)))
    }

    /// Whether `System` keeps element `name`.
    pub fn keeps_system(&self, name: &str) -> bool {
        self.system.contains(name)
    }
}

/// A set of names, asked once per key of every record, most of them not
/// in it: a bit per (length, first byte) pair turns nearly every miss
/// away before hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NameSet {
    /// Word: the length (63: 63 or more); bit: the first byte's low six
    /// bits.
    shapes: [u64; 64],
    names: HashSet<Box<str>, BuildHasherDefault<WordHasher>>,
}

impl Default for NameSet {
    fn default() -> Self {
        NameSet {
            shapes: [0; 64],
            names: HashSet::default(),
        }
    }
}

impl NameSet {
    fn insert(&mut self, name: &str) {
        let (word, bit) = shape(name);
        self.shapes[word] |= bit;
        if !self.names.contains(name) {
            self.names.insert(name.into());
        }
    }

    fn contains(&self, name: &str) -> bool {
        let (word, bit) = shape(name);
        self.shapes[word] & bit != 0 && self.names.contains(name)
    }
}

fn shape(name: &str) -> (usize, u64) {
    let first = name.as_bytes().first().copied().unwrap_or(0);
    (name.len().min(63), 1 << (first & 63))
}

/// The multiply-rotate hash rustc uses for its own tables (`FxHasher`),
/// eight bytes at a step. The names are ours (rule fields) and the keys
/// only looked up, so a keyed hash against flooding buys nothing here.
#[derive(Default)]
struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn finish(&self) -> u64 {
        // The product's high bits are its best; hashbrown also takes low
        // ones for the bucket.
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_expand_through_the_windows_tables() {
        let p = EvtxProjection::new(["Image", "User", "Provider_Name", "CommandLine"]);
        for kept in [
            "Image",
            "NewProcessName",
            "User",
            "SubjectUserName",
            "SubjectDomainName",
            "CommandLine",
            "Data",
            "Provider_Name",
        ] {
            assert!(p.keeps_data(kept), "{kept}");
        }
        for dropped in ["ParentImage", "ParentProcessName", "Hashes", "Provider", ""] {
            assert!(!p.keeps_data(dropped), "{dropped}");
        }
        for kept in SYSTEM_ALWAYS.iter().chain(&["Provider_Name", "Image"]) {
            assert!(p.keeps_system(kept), "{kept}");
        }
        for dropped in ["Execution", "Security", "Keywords", "NewProcessName"] {
            assert!(!p.keeps_system(dropped), "{dropped}");
        }
    }

    #[test]
    fn spaced_names_are_kept_for_either_spelling() {
        let p = EvtxProjection::new(["ThreatName", "Source Name"]);
        for kept in ["ThreatName", "Threat Name", "Source Name", "SourceName"] {
            assert!(p.keeps_data(kept), "{kept}");
        }
        assert!(!p.keeps_data("Process Name"));
    }

    #[test]
    fn many_names_of_every_length() {
        let names: Vec<String> = (0..2000)
            .map(|i| format!("{}{i}", "F".repeat(i % 40)))
            .collect();
        let p = EvtxProjection::new(names.iter().map(String::as_str));
        assert!(names.iter().all(|n| p.keeps_data(n) && p.keeps_system(n)));
        assert!(!p.keeps_data("F2000") && !p.keeps_data("2000") && !p.keeps_data("F0"));
    }

    #[test]
    fn long_names_share_the_last_length_word() {
        let long = "x".repeat(80);
        let p = EvtxProjection::new([long.as_str()]);
        assert!(p.keeps_data(&long));
        assert!(!p.keeps_data(&"y".repeat(70)));
        assert!(!p.keeps_data(&"x".repeat(79)));
    }
}
