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
