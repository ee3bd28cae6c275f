//! Every ATT&CK technique tag of the pack resolves through the table, so
//! no rule object is written with a mapping silently missing.

use tunnelhunt_deploy::attack;

use crate::common::pack;

#[test]
fn every_attack_technique_tag_in_the_pack_resolves() {
    let pack = pack();
    let metas = pack
        .rules
        .iter()
        .map(|(rule, _)| &rule.meta)
        .chain(pack.correlations.iter().map(|c| &c.meta));
    let mut tags = 0;
    for meta in metas {
        let mapping = attack::resolve(&meta.tags);
        assert!(
            mapping.unknown.is_empty(),
            "{}: {:?} not in data/attack.json",
            meta.title.value,
            mapping.unknown
        );
        tags += meta
            .tags
            .iter()
            .filter(|t| t.starts_with("attack.t"))
            .count();
        assert_eq!(mapping.techniques.len(), meta.attack_techniques().len());
    }
    assert!(tags > 100, "{tags} technique tags");
}

/// The ids SigmaHQ tags that the table's ATT&CK release (v18) does not
/// have: newer techniques (data/README.md). A new unknown tag fails here.
const NEWER_THAN_THE_TABLE: [&str; 12] = [
    "attack.t1685",
    "attack.t1685.001",
    "attack.t1685.002",
    "attack.t1685.004",
    "attack.t1685.005",
    "attack.t1685.006",
    "attack.t1686",
    "attack.t1686.001",
    "attack.t1686.002",
    "attack.t1686.003",
    "attack.t1689",
    "attack.t1690",
];

#[test]
fn every_sigmahq_technique_tag_resolves_but_the_newer_ones() {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    let sigmahq = std::path::Path::new(&root).join("sigmahq");
    let mut tags = std::collections::BTreeSet::new();
    for folder in ["rules", "rules-emerging-threats", "rules-threat-hunting"] {
        collect_tags(&sigmahq.join(folder), &mut tags);
    }
    assert!(tags.len() > 300, "{} distinct technique tags", tags.len());
    let all: Vec<String> = tags.into_iter().collect();
    let unknown = attack::resolve(&all).unknown;
    assert_eq!(unknown, NEWER_THAN_THE_TABLE);
}

fn collect_tags(dir: &std::path::Path, tags: &mut std::collections::BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_tags(&path, tags);
        } else if path.extension().is_some_and(|e| e == "yml") {
            let text = std::fs::read_to_string(&path).unwrap();
            tags.extend(text.lines().filter_map(|line| {
                // A YAML comment after the tag is not part of it.
                let item = line.split(" #").next().unwrap_or(line);
                let tag = item.trim().strip_prefix("- ")?.trim();
                (tag.starts_with("attack.t") && tag[8..].starts_with(|c: char| c.is_ascii_digit()))
                    .then(|| tag.to_ascii_lowercase())
            }));
        }
    }
}
