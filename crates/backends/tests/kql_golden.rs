//! Golden snapshots of the KQL backend: every rule of the built-in T1572
//! pack and every one-feature probe, in both flavors (Defender XDR and
//! Sentinel), refusals written as text, plus the pack queries. A person
//! reviews each snapshot; CI fails on a missing or changed one.

use crate::common;

use tunnelhunt_backends::{Backend, kql::Kql};

use common::{LoadedRule, flavor_sections, pack_rules, probe_rules, with_inputs};

/// Both flavors of one rule, one snapshot.
fn both_flavors(rule: &LoadedRule) -> String {
    rule.with_input(|input| {
        flavor_sections(Kql.render_all(input), |flavor| {
            format!(
                "===== {} =====\n",
                flavor.suffix().unwrap_or("default (Defender XDR)")
            )
        })
    })
}

fn snapshot_each(prefix: &str, rules: &[LoadedRule]) {
    assert!(!rules.is_empty(), "no {prefix} rules found");
    for rule in rules {
        insta::assert_snapshot!(format!("{prefix}__{}", rule.name), both_flavors(rule));
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
fn pack_queries_render_as_reviewed() {
    let rules = pack_rules();
    for flavor in Kql.flavors() {
        let pack = with_inputs(&rules, |inputs| Kql.render_pack(inputs, *flavor));
        assert_eq!(pack.flavor, *flavor);
        assert_eq!(
            pack.omitted.len() + pack.text.matches("| extend DetectionBranch = ").count(),
            rules.len(),
            "every pack rule is either in the query or listed as omitted"
        );
        insta::assert_snapshot!(format!("pack_query__{}", flavor.name()), pack.text);
    }
}
