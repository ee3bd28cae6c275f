//! The YARA-L backend's output through a YARA-L parser: yaraast (PyPI,
//! pinned by `validators/yaral/setup.sh`) plus the strict events grammar
//! of `validators/yaral/yaral_check.py`. Runs when `TUNNELHUNT_VALIDATORS`
//! is set (CI sets it); otherwise says it was skipped.

use crate::common;
use crate::yaral_support;

use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::yaral::{YaraL, rule_name};

use common::{
    NASTY, literal_pattern, load_one, pack_rules, probe_rules, slash_literal_body, value_rule,
    with_inputs,
};
use yaral_support::{YaralItem, check_yaral, yaral_checker};

/// The title as the meta section writes it: every line-breaking
/// character a space, trimmed.
fn one_line(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced.trim().to_owned()
}

#[test]
fn every_rendered_rule_and_the_pack_rule_parse() {
    let Some(checker) = yaral_checker() else {
        return;
    };
    let mut rules = pack_rules();
    rules.extend(probe_rules());
    let mut items: Vec<YaralItem> = rules
        .iter()
        .filter_map(|rule| {
            rule.with_input(|input| {
                let text = YaraL.render(input, Flavor::DEFAULT).ok()?;
                let mut meta = vec![("title".to_owned(), one_line(input.title()))];
                if let Some(id) = input.id() {
                    meta.push(("id".to_owned(), id.to_owned()));
                }
                Some(YaralItem {
                    label: rule.name.clone(),
                    name: rule_name(input),
                    text,
                    meta,
                })
            })
        })
        .collect();
    assert!(items.len() >= 60, "only {} rules rendered", items.len());
    let pack = with_inputs(&pack_rules(), |inputs| {
        YaraL.render_pack(inputs, Flavor::DEFAULT)
    });
    items.push(YaralItem {
        label: "pack".to_owned(),
        name: "tunnelhunt_pack".to_owned(),
        text: pack.text,
        meta: Vec::new(),
    });
    let results = check_yaral(&checker, &items);
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.errors.is_empty())
        .map(|r| format!("{}: {:?}", r.label, r.errors))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("yaral_check: {} rules parse cleanly", results.len());
}

#[test]
fn the_checker_rejects_broken_rules() {
    let Some(checker) = yaral_checker() else {
        return;
    };
    let probes = probe_rules();
    let render = |name: &str| -> (String, String) {
        let rule = probes.iter().find(|r| r.name == name).expect("probe");
        rule.with_input(|input| {
            (
                rule_name(input),
                YaraL.render(input, Flavor::DEFAULT).expect("renders"),
            )
        })
    };
    let (nested_name, nested) = render("p53_cond_nested_parens");
    let (slash_name, slash) = render("p44_slash");
    let broken = [
        (
            "unbalanced",
            nested_name.clone(),
            nested.replacen("))", ")", 1),
        ),
        (
            "rule name",
            nested_name.clone(),
            nested.replacen(&nested_name, "bad.name", 1),
        ),
        (
            "and/or mixed without parentheses",
            nested_name.clone(),
            nested
                .replacen("(($e", "($e", 1)
                .replacen("nocase) and", "nocase and", 1),
        ),
        (
            "conditions section",
            nested_name.clone(),
            nested.replace("condition:", "conditions:"),
        ),
        (
            "unescaped slash",
            slash_name.clone(),
            slash.replace("\\/", "/"),
        ),
        (
            "unquoted value",
            slash_name,
            slash.replace(" = /", " = ").replace("/ nocase", " nocase"),
        ),
    ];
    let items: Vec<YaralItem> = broken
        .iter()
        .map(|(label, name, text)| YaralItem {
            label: (*label).to_owned(),
            name: name.clone(),
            text: text.clone(),
            meta: Vec::new(),
        })
        .collect();
    for result in check_yaral(&checker, &items) {
        assert!(
            !result.errors.is_empty(),
            "accepted a broken rule: {}",
            result.label
        );
    }
}

#[test]
fn literals_read_back_exactly_through_yaraast() {
    let Some(checker) = yaral_checker() else {
        return;
    };
    let mut items = Vec::new();
    let mut expected = Vec::new();
    for value in NASTY {
        for modifier in ["", "|contains"] {
            let rule = load_one(&value_rule(
                "process_creation",
                "CommandLine",
                modifier,
                value,
            ));
            let (name, text) = rule.with_input(|input| {
                (
                    rule_name(input),
                    YaraL.render(input, Flavor::DEFAULT).expect("renders"),
                )
            });
            items.push(YaralItem {
                label: format!("{modifier} {value:?}"),
                name,
                text,
                meta: Vec::new(),
            });
            expected.push(value.to_string());
        }
    }
    for (result, value) in check_yaral(&checker, &items).iter().zip(&expected) {
        assert!(
            result.errors.is_empty(),
            "{}: {:?}",
            result.label,
            result.errors
        );
        // The first string literal is the event type.
        let read = match (result.strings.get(1), result.regexes.first()) {
            (Some(string), None) => string.clone(),
            (None, Some(regex)) => literal_pattern(&slash_literal_body(regex)).1,
            other => panic!("{}: {other:?}", result.label),
        };
        assert_eq!(&read, value, "{}", result.label);
    }
}
