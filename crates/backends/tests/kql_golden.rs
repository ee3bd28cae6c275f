//! Golden snapshots of the KQL backend: every rule of the built-in T1572
//! pack and every one-feature probe, in both flavors (Defender XDR and
//! Sentinel), refusals written as text, plus the pack queries. A person
//! reviews each snapshot; CI fails on a missing or changed one.

mod kql_support;

use tunnelhunt_backends::{Backend, RuleInput, kql::Kql};

use kql_support::{LoadedRule, pack_rules, probe_rules};

/// Both flavors of one rule, one snapshot.
fn both_flavors(rule: &LoadedRule) -> String {
    rule.with_input(|input| {
        Kql.render_all(input)
            .into_iter()
            .map(|(flavor, result)| {
                let name = flavor.unwrap_or("default (Defender XDR)");
                match result {
                    Ok(text) => format!("===== {name} =====\n{text}\n"),
                    Err(refusal) => format!("===== {name} =====\nREFUSED {refusal}\n"),
                }
            })
            .collect()
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
    let filters: Vec<Vec<&tunnelhunt_sigma::ast::Filter>> =
        rules.iter().map(|r| r.filters.iter().collect()).collect();
    let inputs: Vec<RuleInput<'_>> = rules
        .iter()
        .zip(&filters)
        .map(|(r, f)| RuleInput {
            rule: &r.rule,
            filters: f,
            expr: &r.expr,
        })
        .collect();
    for flavor in Kql.flavors() {
        let pack = Kql.render_pack(&inputs, *flavor);
        assert_eq!(pack.flavor, *flavor);
        assert_eq!(
            pack.omitted.len() + pack.text.matches("| extend DetectionBranch = ").count(),
            rules.len(),
            "every pack rule is either in the query or listed as omitted"
        );
        insta::assert_snapshot!(
            format!("pack_query__{}", flavor.unwrap_or("default")),
            pack.text
        );
    }
}
