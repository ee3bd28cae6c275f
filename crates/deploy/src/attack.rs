//! The ATT&CK techniques and tactics the rule objects name, as data
//! (`data/attack.json`, compiled in).
//!
//! Why a table and not MITRE's STIX bundle at run time: an export must work
//! offline and give the same bytes every time, and pySigma's Elastic
//! formats fail offline because they download it. Why technique → tactics
//! and not Sigma's tag order: a Sigma rule lists tactic tags and technique
//! tags side by side, and pairing them by position files T1090 under
//! Lateral Movement. A technique's tactics are the ones ATT&CK gives it.
//!
//! The table holds only what the pack's and SigmaHQ's tags name (and their
//! parents), generated from MITRE's `mitre/cti` repository at a pinned commit
//! by `data/build_attack_table.py`; a tag it does not know (a technique
//! newer than that commit, or revoked) is reported by [`resolve`], never
//! guessed.

use std::sync::OnceLock;

use serde::Deserialize;

/// An ATT&CK tactic (`TA0011` Command and Control).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tactic {
    pub id: String,
    pub name: String,
    /// The tag form (`command-and-control`), as Sigma and Navigator write it.
    pub shortname: String,
}

impl Tactic {
    pub fn url(&self) -> String {
        format!("https://attack.mitre.org/tactics/{}/", self.id)
    }
}

/// An ATT&CK technique or sub-technique and the tactics it serves.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Technique {
    pub id: String,
    pub name: String,
    pub tactics: Vec<String>,
}

impl Technique {
    /// `https://attack.mitre.org/techniques/T1090/001/` for `T1090.001`.
    pub fn url(&self) -> String {
        format!(
            "https://attack.mitre.org/techniques/{}/",
            self.id.replace('.', "/")
        )
    }

    /// The parent's id for a sub-technique (`T1090` for `T1090.001`).
    pub fn parent_id(&self) -> Option<&str> {
        self.id.split_once('.').map(|(parent, _)| parent)
    }
}

#[derive(Debug, Deserialize)]
pub struct AttackTable {
    /// The ATT&CK release the names were taken from.
    pub attack_version: String,
    pub tactics: Vec<Tactic>,
    pub techniques: Vec<Technique>,
}

impl AttackTable {
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.techniques
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(id))
    }

    pub fn tactic(&self, id: &str) -> Option<&Tactic> {
        self.tactics.iter().find(|t| t.id == id)
    }
}

/// The compiled-in table.
pub fn table() -> &'static AttackTable {
    static TABLE: OnceLock<AttackTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("../data/attack.json"))
            .expect("data/attack.json is valid (the crate's tests parse it)")
    })
}

/// A rule's ATT&CK mapping: its techniques (table rows) and, per tactic in
/// table order, the techniques that serve it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mapping {
    pub techniques: Vec<&'static Technique>,
    pub tactics: Vec<(&'static Tactic, Vec<&'static Technique>)>,
    /// `attack.tNNNN` tags the table does not know, as written.
    pub unknown: Vec<String>,
}

/// Resolve a rule's tags (`attack.t1090.001`) through the table. Tactic
/// tags are not read: a technique's tactics come from ATT&CK.
pub fn resolve(tags: &[String]) -> Mapping {
    let table = table();
    let mut mapping = Mapping::default();
    for tag in tags {
        let Some(rest) = tag.strip_prefix("attack.t") else {
            continue;
        };
        let id = format!("T{}", rest.to_ascii_uppercase());
        match table.technique(&id) {
            Some(technique) if !mapping.techniques.contains(&technique) => {
                mapping.techniques.push(technique)
            }
            Some(_) => {}
            None => mapping.unknown.push(tag.clone()),
        }
    }
    for tactic in &table.tactics {
        let serving: Vec<&Technique> = mapping
            .techniques
            .iter()
            .copied()
            .filter(|t| t.tactics.contains(&tactic.id))
            .collect();
        if !serving.is_empty() {
            mapping.tactics.push((tactic, serving));
        }
    }
    mapping
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_technique_names_known_tactics_and_sub_techniques_have_their_parent() {
        let table = table();
        for technique in &table.techniques {
            assert!(!technique.tactics.is_empty(), "{}", technique.id);
            for tactic in &technique.tactics {
                assert!(table.tactic(tactic).is_some(), "{}: {tactic}", technique.id);
            }
            if let Some(parent) = technique.parent_id() {
                assert!(table.technique(parent).is_some(), "{}", technique.id);
            }
        }
    }

    #[test]
    fn tactics_come_from_the_technique_not_from_tag_order() {
        let tags = [
            "attack.lateral-movement",
            "attack.t1090",
            "attack.t1021.001",
            "attack.t9999",
        ]
        .map(String::from);
        let mapping = resolve(&tags);
        let by_tactic: Vec<(&str, Vec<&str>)> = mapping
            .tactics
            .iter()
            .map(|(tactic, ts)| {
                (
                    tactic.name.as_str(),
                    ts.iter().map(|t| t.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            by_tactic,
            [
                ("Lateral Movement", vec!["T1021.001"]),
                ("Command and Control", vec!["T1090"]),
            ]
        );
        assert_eq!(mapping.unknown, ["attack.t9999"]);
        assert_eq!(
            mapping.techniques[1].url(),
            "https://attack.mitre.org/techniques/T1021/001/"
        );
    }
}
