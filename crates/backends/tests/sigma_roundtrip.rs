//! The Sigma writer's promise: what it writes loads back as the same rule.
//!
//! * every T1572 pack rule and every probe: write → load gives an equal AST
//!   (positions aside) and an equal lowered IR;
//! * the pack with the example tuning filters: the written rule, loaded
//!   *without* the filters, lowers to the IR of rule AND filters;
//! * random strings as values, titles, descriptions and custom attributes
//!   come back exactly (property tests).

use crate::common;
use crate::sigma_support;

use proptest::prelude::*;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::sigma::SigmaOut;
use tunnelhunt_backends::{Backend, RuleInput};
use tunnelhunt_sigma::ast::{AttrValue, SearchBody, Value};

use common::{LoadedRule, load, pack_rules, probe_rules, tuned_rules};
use sigma_support::{ir_without_positions, without_positions};

fn write(rule: &LoadedRule) -> String {
    rule.with_input(|input| SigmaOut.render(input, Flavor::DEFAULT))
        .expect("the Sigma writer never refuses")
}

fn reload(name: &str, text: &str) -> LoadedRule {
    let mut rules = load(&[(format!("{name}.yml"), text.to_owned())]);
    assert_eq!(rules.len(), 1, "{name}: one rule back\n{text}");
    rules.remove(0)
}

fn assert_round_trip(rules: &[LoadedRule]) {
    assert!(!rules.is_empty());
    for rule in rules {
        assert!(rule.filters.is_empty(), "{} has filters", rule.name);
        let text = write(rule);
        let back = reload(&rule.name, &text);
        assert_eq!(
            without_positions(&back.rule),
            without_positions(&rule.rule),
            "{}: AST differs\n{text}",
            rule.name
        );
        assert_eq!(
            ir_without_positions(&back.expr),
            ir_without_positions(&rule.expr),
            "{}: IR differs\n{text}",
            rule.name
        );
        // Writing is idempotent: normalized output is a fixed point.
        assert_eq!(write(&back), text, "{}: second write differs", rule.name);
    }
}

#[test]
fn pack_rules_load_back_as_the_same_rules() {
    assert_round_trip(&pack_rules());
}

#[test]
fn probe_rules_load_back_as_the_same_rules() {
    assert_round_trip(&probe_rules());
}

#[test]
fn folded_filters_keep_the_meaning_of_rule_and_filters() {
    let tuned = tuned_rules();
    assert!(
        !tuned.is_empty(),
        "the example filters tune some pack rules"
    );
    for rule in &tuned {
        let text = write(rule);
        assert!(text.starts_with("# Tuned by tunnelhunt"), "{text}");
        let back = reload(&rule.name, &text);
        assert_eq!(
            ir_without_positions(&back.expr),
            ir_without_positions(&rule.expr),
            "{}\n{text}",
            rule.name
        );
        assert_eq!(
            without_positions(&back.rule).meta,
            without_positions(&rule.rule).meta
        );
    }
}

/// A one-rule document whose selection holds `value` under `|contains`.
fn rule_with(title: &str, description: &str, value: &str, branch: &str) -> String {
    let rule = LoadedRule {
        name: "generated".into(),
        rule: {
            let base = load(&[(
                "base.yml".into(),
                "title: base\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        \
                 CommandLine|contains: 'x'\n    condition: sel\nbranch: b\n"
                    .into(),
            )]);
            let mut rule = base[0].rule.clone();
            rule.meta.title.value = title.to_owned();
            rule.meta.description = Some(description.to_owned());
            rule.meta.custom = vec![("branch".into(), AttrValue::String(branch.to_owned()))];
            let SearchBody::AllOf(matchers) = &mut rule.detection.searches[0].body else {
                unreachable!()
            };
            matchers[0].values[0].value = Value::Str(value.to_owned());
            rule
        },
        filters: Vec::new(),
        expr: tunnelhunt_sigma::ir::Expr::Const(true),
    };
    write(&rule)
}

/// Strings a YAML reader might take for something else.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\\t\\n\\r]{0,24}",
        prop::sample::select(vec![
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "~",
            "null",
            "true",
            "1e3",
            "0x10",
            "0o7",
            "1_000",
            ".inf",
            "-.nan",
            "2026-11-28",
            "12:30:00",
            "=",
            "<<",
            "*alias",
            "&anchor",
            "!tag",
            "%TAG",
            "@x",
            "`x`",
            "- x",
            "? x",
            ": x",
            "a: b",
            "a #b",
            "#c",
            "'",
            "\"",
            "\\",
            "|",
            ">",
            "---",
            "...",
            " lead",
            "trail ",
            "\u{FEFF}x",
            "a\u{85}b",
            "a\u{2028}b",
            "\u{7}",
            "tab\there",
            "–R",
            "a\n",
            "a\n\n",
            "\n",
            "",
        ])
        .prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_string_survives_write_and_load(
        title in tricky_string().prop_filter("a title is not blank", |t| !t.trim().is_empty() && t.chars().count() <= 256),
        description in tricky_string(),
        value in tricky_string(),
        branch in tricky_string(),
    ) {
        let text = rule_with(&title, &description, &value, &branch);
        let back = load(&[("generated.yml".into(), text.clone())]);
        let rule = &back[0].rule;
        prop_assert_eq!(&rule.meta.title.value, &title, "{}", text);
        prop_assert_eq!(rule.meta.description.as_deref(), Some(description.as_str()), "{}", text);
        prop_assert_eq!(rule.meta.custom("branch"), Some(&AttrValue::String(branch.clone())), "{}", text);
        let SearchBody::AllOf(matchers) = &rule.detection.searches[0].body else {
            panic!("selection is a mapping: {text}");
        };
        prop_assert_eq!(&matchers[0].values[0].value, &Value::Str(value.clone()), "{}", text);
    }
}

#[test]
fn the_pack_is_one_multi_document_stream() {
    let rules = pack_rules();
    let pack = common::with_inputs(&rules, |inputs: &[RuleInput<'_>]| {
        SigmaOut.render_pack(inputs, Flavor::DEFAULT)
    });
    assert!(pack.omitted.is_empty());
    let back = load(&[("pack.yml".into(), pack.text.clone())]);
    assert_eq!(back.len(), rules.len());
    assert_eq!(pack.text.matches("\n---\n").count(), rules.len() - 1);
}
