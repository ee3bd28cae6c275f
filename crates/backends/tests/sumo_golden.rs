//! Golden snapshots of the Sumo Logic backend: every rule of the built-in
//! T1572 pack and every one-feature probe in both flavors (Cloud SIEM
//! match rule, log search over Sysmon JSON), refusals written as text,
//! plus the pack query. A person reviews each snapshot; CI fails on a
//! missing or changed one.

use crate::common;

use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::sumo::{SEARCH_FLAVOR, Sumo};

use common::{LoadedRule, flavor_sections, pack_rules, probe_rules, with_inputs, with_omitted};

/// Both flavors of one rule, one snapshot.
fn both_flavors(rule: &LoadedRule) -> String {
    rule.with_input(|input| {
        flavor_sections(Sumo.render_all(input), |flavor| {
            format!(
                "===== {} =====\n",
                flavor.suffix().unwrap_or("default (Cloud SIEM match rule)")
            )
        })
    })
}

fn snapshot_each(prefix: &str, rules: &[LoadedRule]) {
    assert!(!rules.is_empty(), "no {prefix} rules found");
    for rule in rules {
        insta::assert_snapshot!(format!("sumo_{prefix}__{}", rule.name), both_flavors(rule));
    }
}

#[test]
fn pack_rules_render_as_reviewed() {
    snapshot_each("pack", &pack_rules());
}

#[test]
fn probe_rules_render_as_reviewed() {
    snapshot_each("probe", &probe_rules());
}

#[test]
fn pack_query_renders_as_reviewed() {
    let rules = pack_rules();
    let packs: Vec<_> = with_inputs(&rules, |inputs| {
        Sumo.flavors()
            .iter()
            .map(|flavor| Sumo.render_pack(inputs, *flavor))
            .collect()
    });
    // Cloud SIEM has no union: both flavors' pack is the same log search.
    assert_eq!(packs[0].text, packs[1].text);
    assert_eq!(packs[0].flavor, Flavor::DEFAULT);
    assert_eq!(packs[1].flavor, SEARCH_FLAVOR);
    let text = with_omitted(&packs[0], "\n===== omitted =====\n", "");
    insta::assert_snapshot!("sumo_pack_query", text);
}
