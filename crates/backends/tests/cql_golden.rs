//! Golden snapshots of the LogScale backend: every rule of the built-in
//! T1572 pack and every one-feature probe (refusals written as text), the
//! pack tuned by the example filters, and the pack hunting query. A person
//! reviews each snapshot; CI fails on a missing or changed one. Every
//! query must also pass the literal-level tokenizer (no parser is available
//! offline).

use crate::common;
use crate::cql_support;

use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::cql::Cql;
use tunnelhunt_backends::{Backend, RuleInput};

use common::{LoadedRule, or_refused, pack_rules, probe_rules, tuned_rules, with_inputs};

fn rendered(rule: &LoadedRule) -> String {
    rule.with_input(|input| {
        or_refused(Cql.render(input, Flavor::DEFAULT).inspect(|text| {
            if let Err(problem) = cql_support::literals(text) {
                panic!(
                    "{}: query does not tokenize ({problem}):\n{text}",
                    rule.name
                );
            }
        }))
    })
}

fn snapshot_each(prefix: &str, rules: &[LoadedRule]) {
    assert!(!rules.is_empty(), "no {prefix} rules found");
    for rule in rules {
        insta::assert_snapshot!(format!("{prefix}__{}", rule.name), rendered(rule));
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
fn tuned_pack_rules_render_as_reviewed() {
    let tuned = tuned_rules();
    for rule in &tuned {
        let text = rendered(rule);
        if !text.starts_with("REFUSED") {
            assert!(
                text.contains("// filters: "),
                "{}: filters named\n{text}",
                rule.name
            );
        }
    }
    snapshot_each("tuned", &tuned);
    let pack = with_inputs(&tuned, |inputs: &[RuleInput<'_>]| {
        Cql.render_pack(inputs, Flavor::DEFAULT)
    });
    if let Err(problem) = cql_support::literals(&pack.text) {
        panic!(
            "tuned pack query does not tokenize ({problem}):\n{}",
            pack.text
        );
    }
    let clauses = pack.text.matches("| DetectionBranch := ").count();
    assert!(clauses > 0, "some tuned rule renders");
    assert_eq!(
        pack.text.matches("  // filters: ").count(),
        clauses,
        "{}",
        pack.text
    );
    insta::assert_snapshot!("tuned_pack_query", pack.text);
}

#[test]
fn pack_query_renders_as_reviewed() {
    let rules = pack_rules();
    let pack = with_inputs(&rules, |inputs: &[RuleInput<'_>]| {
        Cql.render_pack(inputs, Flavor::DEFAULT)
    });
    assert_eq!(
        pack.omitted.len() + pack.text.matches("| DetectionBranch := ").count(),
        rules.len(),
        "every pack rule is either in the query or listed as omitted"
    );
    if let Err(problem) = cql_support::literals(&pack.text) {
        panic!("pack query does not tokenize ({problem}):\n{}", pack.text);
    }
    let omitted: String = pack
        .omitted
        .iter()
        .map(|(label, refusal)| format!("// omitted {label}: {refusal}\n"))
        .collect();
    insta::assert_snapshot!("pack_query", format!("{}\n{omitted}", pack.text));
}
