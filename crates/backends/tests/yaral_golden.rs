//! Golden snapshots of the YARA-L 2.0 backend: every rule of the built-in
//! T1572 pack and every one-feature probe (refusals written as text), and
//! the pack rule. A person reviews each snapshot; CI fails on a missing or
//! changed one.

use crate::common;

use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::yaral::YaraL;

use common::{
    LoadedRule, or_refused, pack_rules, probe_rules, read_slashes, slash_literal_body, with_inputs,
    with_omitted,
};

fn rendered(rule: &LoadedRule) -> String {
    rule.with_input(|input| or_refused(YaraL.render(input, Flavor::DEFAULT)))
}

fn snapshot_each(prefix: &str, rules: &[LoadedRule]) {
    assert!(!rules.is_empty(), "no {prefix} rules found");
    for rule in rules {
        insta::assert_snapshot!(format!("yaral_{prefix}__{}", rule.name), rendered(rule));
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
fn pack_rule_renders_as_reviewed() {
    let rules = pack_rules();
    let pack = with_inputs(&rules, |inputs| YaraL.render_pack(inputs, Flavor::DEFAULT));
    let text = with_omitted(&pack, "\n===== omitted =====\n", "");
    insta::assert_snapshot!("yaral_pack_rule", text);
}

#[test]
fn rule_names_are_distinct_identifiers_across_the_pack_and_probes() {
    let mut rules = pack_rules();
    rules.extend(probe_rules());
    let mut names = std::collections::BTreeSet::new();
    for rule in &rules {
        let name = rule.with_input(tunnelhunt_backends::yaral::rule_name);
        assert!(
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{}: {name}",
            rule.name
        );
        assert!(names.insert(name.clone()), "{}: {name} twice", rule.name);
    }
}

/// Every `/…/` after `= ` compiles as RE2 syntax (the `regex` crate's
/// syntax is RE2's), so no pattern is cut short by an unescaped `/`.
fn regexes_compile(text: &str) -> usize {
    let mut count = 0;
    let mut rest = text;
    while let Some(at) = rest.find(" = /") {
        let (literal, tail) = read_slashes(&rest[at + 3..]);
        let pattern = slash_literal_body(literal);
        regex::Regex::new(&pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        count += 1;
        rest = tail;
    }
    count
}

#[test]
fn every_regex_literal_compiles_as_re2_syntax() {
    let mut rules = pack_rules();
    rules.extend(probe_rules());
    let mut count = 0;
    for rule in &rules {
        if let Ok(text) = rule.with_input(|input| YaraL.render(input, Flavor::DEFAULT)) {
            count += regexes_compile(&text);
        }
    }
    let pack = with_inputs(&pack_rules(), |inputs| {
        YaraL.render_pack(inputs, Flavor::DEFAULT)
    });
    count += regexes_compile(&pack.text);
    assert!(count > 300, "only {count} regexes");
}
