//! ATT&CK Navigator layers (layer format 4.5): what a rule set covers, or
//! what a scan saw fire, drawn on the ATT&CK matrix.
//!
//! A layer scores techniques; the Navigator colours each by the gradient
//! and shows the comment and metadata on hover. Both layers here are built
//! the same way from [`Cell`]s — one per technique, holding its score and
//! what explains it (the rules' titles, the hosts) — and every technique
//! is written once per tactic it serves in the ATT&CK table
//! ([`crate::attack`]), with that tactic's shortname, so the annotation
//! sits under the right columns and never under a tactic ATT&CK does not
//! give the technique. A technique outside the table is never drawn: the
//! table is what the layer's ids are checked against.
//!
//! The format is MITRE's layer format v4.5
//! (`layers/spec/v4.5/layerformat.md` in mitre-attack/attack-navigator);
//! `validators/navigator/` holds a JSON Schema written from it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::DeployError;
use crate::attack::{self, Technique};
use crate::meta::RuleMeta;

/// The layer format version written.
pub const LAYER_VERSION: &str = "4.5";
/// The Navigator release whose layer format is 4.5.
pub const NAVIGATOR_VERSION: &str = "5.1.0";

/// The gradient's colours: low scores pale, high scores strong.
const GRADIENT: [&str; 3] = ["#fff7ec", "#fc8d59", "#b30000"];

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    pub name: String,
    pub versions: Versions,
    pub domain: &'static str,
    pub description: String,
    /// 3: techniques with the highest score first.
    pub sorting: u8,
    pub layout: Layout,
    pub hide_disabled: bool,
    pub techniques: Vec<LayerTechnique>,
    pub gradient: Gradient,
    pub legend_items: Vec<LegendItem>,
    pub metadata: Vec<Metadata>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Versions {
    /// The ATT&CK release of the table (its major version, e.g. `18`).
    pub attack: String,
    pub navigator: &'static str,
    pub layer: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    pub layout: &'static str,
    #[serde(rename = "showID")]
    pub show_id: bool,
    pub show_name: bool,
    pub expanded_subtechniques: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LayerTechnique {
    #[serde(rename = "techniqueID")]
    pub technique_id: String,
    pub tactic: String,
    /// `None` for a parent drawn only to open its covered sub-techniques.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u64>,
    pub color: String,
    pub comment: String,
    pub enabled: bool,
    pub metadata: Vec<Metadata>,
    pub links: Vec<Link>,
    pub show_subtechniques: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Gradient {
    pub colors: Vec<&'static str>,
    pub min_value: u64,
    pub max_value: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LegendItem {
    pub label: String,
    pub color: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metadata {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// One technique's score and what explains it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub score: u64,
    pub comment: String,
    pub metadata: Vec<Metadata>,
}

/// What a layer is about: its name, description and the word its scores
/// count (`rules`, `alerts`), for the legend.
#[derive(Debug, Clone)]
pub struct Title {
    pub name: String,
    pub description: String,
    pub counts: &'static str,
}

/// A layer of `cells` (technique id → cell); ids outside the ATT&CK table
/// are left out and returned beside the layer.
pub fn layer(title: &Title, cells: &BTreeMap<String, Cell>) -> (Layer, Vec<String>) {
    let table = attack::table();
    let mut unknown = Vec::new();
    let mut techniques = Vec::new();
    let known: BTreeMap<&str, (&Technique, &Cell)> = cells
        .iter()
        .filter_map(|(id, cell)| match table.technique(id) {
            Some(technique) => Some((technique.id.as_str(), (technique, cell))),
            None => {
                unknown.push(id.clone());
                None
            }
        })
        .collect();
    // Parents of covered sub-techniques open them in the matrix.
    let parents: BTreeSet<&str> = known
        .values()
        .filter_map(|(technique, _)| technique.parent_id())
        .collect();
    let mut drawn: BTreeSet<&str> = known.keys().copied().collect();
    drawn.extend(parents.iter().copied());
    let max = known
        .values()
        .map(|(_, cell)| cell.score)
        .max()
        .unwrap_or(0);
    for id in drawn {
        let Some(technique) = table.technique(id) else {
            continue; // a parent the table lacks: its sub-technique is drawn alone
        };
        let cell = known.get(id).map(|(_, cell)| *cell);
        for tactic in technique.tactics.iter().filter_map(|t| table.tactic(t)) {
            techniques.push(LayerTechnique {
                technique_id: technique.id.clone(),
                tactic: tactic.shortname.clone(),
                score: cell.map(|c| c.score),
                color: String::new(),
                comment: cell.map(|c| c.comment.clone()).unwrap_or_default(),
                enabled: true,
                metadata: cell.map(|c| c.metadata.clone()).unwrap_or_default(),
                links: vec![Link {
                    label: format!("{} {}", technique.id, technique.name),
                    url: technique.url(),
                }],
                show_subtechniques: parents.contains(id),
            });
        }
    }
    let layer = Layer {
        name: title.name.clone(),
        versions: Versions {
            attack: ATTACK_RELEASE.to_owned(),
            navigator: NAVIGATOR_VERSION,
            layer: LAYER_VERSION,
        },
        domain: "enterprise-attack",
        description: title.description.clone(),
        sorting: 3,
        layout: Layout {
            layout: "side",
            show_id: true,
            show_name: true,
            expanded_subtechniques: "annotated",
        },
        hide_disabled: false,
        techniques,
        gradient: Gradient {
            colors: GRADIENT.to_vec(),
            min_value: 0,
            max_value: max.max(1),
        },
        legend_items: vec![
            LegendItem {
                label: format!("1 {}", title.counts),
                color: GRADIENT[0],
            },
            LegendItem {
                label: format!("{} {}", max.max(1), title.counts),
                color: GRADIENT[2],
            },
        ],
        metadata: vec![Metadata {
            name: "ATT&CK table".to_owned(),
            value: table.attack_version.clone(),
        }],
    };
    (layer, unknown)
}

/// The ATT&CK release of the `mitre/cti` commit the table was generated
/// from ([`TABLE_COMMIT`]), as `versions.attack` names it.
pub const ATTACK_RELEASE: &str = "18";

/// The coverage of a rule set: each technique scored by how many rules
/// (and correlations) tag it, their titles as metadata.
pub fn coverage(name: &str, rules: &[&RuleMeta]) -> (Layer, Vec<String>) {
    let mut titles: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for meta in rules {
        for technique in &meta.attack.techniques {
            titles
                .entry(technique.id.clone())
                .or_default()
                .push(&meta.title);
        }
        for tag in &meta.attack.unknown {
            let id = tag.trim_start_matches("attack.").to_ascii_uppercase();
            titles.entry(id).or_default().push(&meta.title);
        }
    }
    let cells = titles
        .into_iter()
        .map(|(id, titles)| {
            let cell = Cell {
                score: titles.len() as u64,
                comment: format!(
                    "{} rule{} detect {id}",
                    titles.len(),
                    if titles.len() == 1 { "" } else { "s" }
                ),
                metadata: titles
                    .iter()
                    .map(|title| Metadata {
                        name: "rule".to_owned(),
                        value: (*title).to_owned(),
                    })
                    .collect(),
            };
            (id, cell)
        })
        .collect();
    layer(
        &Title {
            name: name.to_owned(),
            description: format!(
                "ATT&CK coverage of {} rules: each technique scored by how many rules detect it",
                rules.len()
            ),
            counts: "rules",
        },
        &cells,
    )
}

/// A layer as the JSON file the Navigator opens.
pub fn to_json(layer: &Layer) -> Result<String, DeployError> {
    serde_json::to_string_pretty(layer)
        .map(|mut text| {
            text.push('\n');
            text
        })
        .map_err(|e| DeployError::Serialize {
            what: "an ATT&CK Navigator layer",
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_technique_is_drawn_under_each_of_its_tactics_and_opens_its_parent() {
        let cells = BTreeMap::from([
            (
                "T1090.001".to_owned(),
                Cell {
                    score: 2,
                    ..Cell::default()
                },
            ),
            (
                "T9999".to_owned(),
                Cell {
                    score: 1,
                    ..Cell::default()
                },
            ),
        ]);
        let title = Title {
            name: "t".into(),
            description: String::new(),
            counts: "rules",
        };
        let (layer, unknown) = layer(&title, &cells);
        assert_eq!(unknown, ["T9999"]);
        let drawn: Vec<(&str, &str, Option<u64>, bool)> = layer
            .techniques
            .iter()
            .map(|t| {
                (
                    t.technique_id.as_str(),
                    t.tactic.as_str(),
                    t.score,
                    t.show_subtechniques,
                )
            })
            .collect();
        assert_eq!(
            drawn,
            [
                ("T1090", "command-and-control", None, true),
                ("T1090.001", "command-and-control", Some(2), false),
            ]
        );
        assert_eq!(layer.gradient.max_value, 2);
    }

    /// The table's `attack_version` [`ATTACK_RELEASE`] belongs to: a
    /// regenerated table fails this test until the release is checked.
    const TABLE_COMMIT: &str = "mitre/cti 421deacb7719";

    #[test]
    fn the_attack_release_is_the_tables() {
        assert_eq!(attack::table().attack_version, TABLE_COMMIT);
    }
}
