//! Google SecOps rule objects: golden files of pack rules and of a
//! correlation, the backend's text split and rebuilt byte for byte, the
//! lint and yaraast over every object (validators/yaral/secops_check.py),
//! and hostile metadata read back exactly by yaraast.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use tunnelhunt_backends::yaral::YaraL;
use tunnelhunt_deploy::guide::Guide;
use tunnelhunt_deploy::objects::{Entry, Form, Objects, Platform};
use tunnelhunt_deploy::secops::{SecOpsObjects, rule, sections};
use tunnelhunt_deploy::{Kind, RuleMeta};
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

use crate::common::{Pack, Rendered, pack, rendered, repo_root, validator_python};

/// A rule and two correlations the pack does not have in YARA-L (its
/// correlations read fields UDM lacks): one an hour wide, one two hours,
/// so the objects show both run frequencies of a multi-event rule.
const CORRELATED: &str = r#"title: Remote Forward With plink
id: 7c2d4e10-1111-4a2b-8c3d-000000000001
name: plink_remote_forward
status: test
level: high
author: tunnelhunt tests
date: 2026-12-01
logsource:
    category: process_creation
    product: windows
detection:
    sel:
        Image|endswith: '\plink.exe'
        CommandLine|contains: ' -R '
    condition: sel
---
title: Repeated Remote Forwards Per User
id: 7c2d4e10-1111-4a2b-8c3d-000000000002
status: test
level: high
author: tunnelhunt tests
date: 2026-12-01
tags:
    - attack.command-and-control
    - attack.t1572
correlation:
    type: event_count
    rules:
        - plink_remote_forward
    group-by:
        - User
    timespan: 1h
    condition:
        gte: 3
---
title: Many Forwarded Command Lines Per Parent
id: 7c2d4e10-1111-4a2b-8c3d-000000000003
level: medium
correlation:
    type: value_count
    rules:
        - plink_remote_forward
    group-by:
        - ParentImage
    timespan: 2h
    condition:
        field: CommandLine
        gte: 5
"#;

fn correlated() -> Pack {
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("correlated.yml"), CORRELATED);
    collection.finish();
    assert!(!collection.has_errors(), "{:?}", collection.diagnostics());
    let rules = collection
        .rules()
        .map(|rule| {
            let expr = lower_rule(rule, &[], &Placeholders::new()).expect("lowers");
            (rule.clone(), expr)
        })
        .collect();
    Pack {
        rules,
        correlations: collection.correlations().cloned().collect(),
    }
}

/// The pack's YARA-L renderings and the correlated set's, with their
/// platform and logsource as the CLI gives them.
struct Item {
    rendered: Rendered,
    platform: Platform,
    logsource: LogSource,
}

fn items() -> Vec<Item> {
    let mut out = Vec::new();
    for set in [pack(), correlated()] {
        for item in rendered(&set, &YaraL).0 {
            out.push(Item {
                platform: item.platform(),
                logsource: item.logsource.clone(),
                rendered: item,
            });
        }
    }
    out
}

fn collect<'a>(items: impl IntoIterator<Item = &'a Item>) -> SecOpsObjects {
    let mut objects = SecOpsObjects::default();
    for item in items {
        objects
            .add(&Entry {
                meta: &item.rendered.meta,
                query: &item.rendered.query,
                stem: &item.rendered.stem,
                platform: item.platform,
                logsource: &item.logsource,
                stable: item.rendered.stable,
            })
            .unwrap_or_else(|e| panic!("{}: {e}", item.rendered.stem));
    }
    objects
}

static ITEMS: LazyLock<Vec<Item>> = LazyLock::new(items);

#[test]
fn golden_objects() {
    let chosen: Vec<&Item> = [
        "proc_creation_lnx_ssh_local_port_forward",
        "registry_set_win_portproxy_entry",
        "dns_query_long_query_name",
        "correlated",
    ]
    .iter()
    .flat_map(|stem| ITEMS.iter().filter(move |i| i.rendered.stem == *stem))
    .collect();
    assert_eq!(
        chosen.len(),
        6,
        "three pack rules, one rule and two correlations"
    );
    let objects = collect(chosen);
    for file in objects.files(Form::Repo).unwrap() {
        if file.path.starts_with("rules") || file.path == Path::new("rule_config.yaml") {
            let name = file.path.to_string_lossy().replace(['/', '.'], "_");
            insta::assert_snapshot!(name, file.contents);
        }
    }
}

#[test]
fn every_rendering_splits_and_renders_back_byte_for_byte() {
    for item in ITEMS.iter() {
        let sections = sections::split(&item.rendered.query)
            .unwrap_or_else(|e| panic!("{}: {e}", item.rendered.stem));
        assert_eq!(
            sections.render(),
            item.rendered.query,
            "{}",
            item.rendered.stem
        );
    }
    let correlations = ITEMS
        .iter()
        .filter(|i| matches!(i.rendered.meta.kind, Kind::Correlation { .. }))
        .count();
    assert_eq!(correlations, 2);
}

#[test]
fn the_repo_form_has_a_config_entry_and_a_guide_per_rule() {
    let objects = collect(ITEMS.iter());
    let files = objects.files(Form::Repo).unwrap();
    let paths: Vec<String> = files
        .iter()
        .map(|f| f.path.to_string_lossy().replace('\\', "/"))
        .collect();
    let rules: Vec<&String> = paths.iter().filter(|p| p.starts_with("rules/")).collect();
    assert_eq!(rules.len(), objects.len());
    let config = files
        .iter()
        .find(|f| f.path == Path::new("rule_config.yaml"))
        .unwrap();
    let parsed = saphyr_names(&config.contents);
    let names: Vec<String> = rules
        .iter()
        .map(|p| {
            p.trim_start_matches("rules/")
                .trim_end_matches(".yaral")
                .to_owned()
        })
        .collect();
    assert_eq!(parsed, names);
    let pack_rules = ITEMS
        .iter()
        .filter(|i| i.rendered.stem != "correlated")
        .count();
    let guides = paths.iter().filter(|p| p.starts_with("guides/")).count();
    assert_eq!(guides, pack_rules, "every pack rule has a guide");
    assert!(paths.contains(&"README.md".to_owned()));
    // --as rule: the same rules, no config.
    let rule_form = objects.files(Form::Rule).unwrap();
    assert!(
        rule_form
            .iter()
            .all(|f| f.path.parent() == Some(Path::new("")))
    );
    assert!(
        !rule_form
            .iter()
            .any(|f| f.path == Path::new("rule_config.yaml"))
    );
}

/// The rule names of a `rule_config.yaml`, in order, read by saphyr.
fn saphyr_names(text: &str) -> Vec<String> {
    use saphyr::{LoadableYamlNode, Yaml};
    let docs = Yaml::load_from_str(text).unwrap();
    let root = docs[0].as_mapping().expect("a mapping");
    root.iter()
        .map(|(key, value)| {
            let fields = value.as_mapping().expect("a mapping per rule");
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k.as_str() == Some(name))
                    .map(|(_, v)| v.clone())
            };
            assert_eq!(field("enabled").and_then(|v| v.as_bool()), Some(true));
            assert_eq!(field("alerting").and_then(|v| v.as_bool()), Some(false));
            assert!(
                matches!(
                    field("run_frequency").as_ref().and_then(|v| v.as_str()),
                    Some("LIVE" | "HOURLY")
                ),
                "{text}"
            );
            key.as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn a_second_rule_with_the_same_name_is_refused() {
    let item = ITEMS
        .iter()
        .find(|i| i.rendered.stem != "correlated")
        .unwrap();
    let mut objects = collect([item]);
    let again = Entry {
        meta: &item.rendered.meta,
        query: &item.rendered.query,
        stem: "copy",
        platform: item.platform,
        logsource: &item.logsource,
        stable: false,
    };
    let refusal = objects.add(&again).unwrap_err().to_string();
    assert!(refusal.contains("is taken by an earlier rule"), "{refusal}");
    assert_eq!(objects.len(), 1);
}

#[test]
fn every_object_passes_yaraast_and_the_secops_lint() {
    let Some(python) = validator_python("validators/yaral/setup.sh") else {
        return;
    };
    let objects = collect(ITEMS.iter());
    let dir = tempfile::tempdir().unwrap();
    for form in [Form::Repo, Form::Rule] {
        let root = dir.path().join(format!("{form:?}"));
        for file in objects.files(form).unwrap() {
            let path = root.join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, file.contents).unwrap();
        }
        let output = Command::new(&python)
            .arg(repo_root().join("validators/yaral/secops_check.py"))
            .arg(&root)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "secops_check failed on {form:?}");
        assert!(
            stdout.contains(&format!("{} rules checked, 0 problems", objects.len())),
            "{stdout}"
        );
    }
}

/// Text with what could end a YARA-L string or reach the rule's grammar:
/// quotes, backslashes, escapes written out, newlines, tabs, comment
/// starts, variables, braces, back quotes, regex slashes, non-ASCII.
fn hostile_text() -> impl Strategy<Value = String> {
    crate::common::hostile_text(
        &[
            "\"",
            "\\",
            "\\n",
            "\\\"",
            "\n",
            "\r\n",
            "\t",
            "//",
            "/*",
            "*/",
            "$e",
            "#e",
            "{",
            "}",
            "`",
            "/x/ nocase",
            "rule x {",
            "  condition:",
            "é€😀",
        ],
        0..12,
    )
}

fn hostile_meta(
    base: &RuleMeta,
    title: &str,
    description: &str,
    guide: &str,
    fp: &str,
) -> RuleMeta {
    let mut meta = base.clone();
    meta.title = title.to_owned();
    meta.description = description.to_owned();
    meta.falsepositives = vec![fp.to_owned()];
    meta.guide = Guide::parse(&format!("## Investigation\n\n{guide}\nend"));
    meta
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Without the validator: hostile values never break the rule's layout
    /// (the object still has exactly its meta keys, one per line).
    #[test]
    fn hostile_metadata_stays_inside_its_literals(
        title in hostile_text(),
        description in hostile_text(),
        guide in hostile_text(),
        fp in hostile_text(),
    ) {
        let item = &ITEMS[0];
        let meta = hostile_meta(&item.rendered.meta, &title, &description, &guide, &fp);
        let object = rule::rule(&meta, &item.rendered.query, &item.logsource, item.platform).unwrap();
        let body = object.text.split_once("\n\n").unwrap().1;
        let parsed = sections::split(body).unwrap();
        let clean = rule::rule(&item.rendered.meta, &item.rendered.query, &item.logsource, item.platform).unwrap();
        let clean = sections::split(clean.text.split_once("\n\n").unwrap().1).unwrap().meta();
        let keys = |meta: Vec<(&str, &str)>| meta.into_iter().map(|(k, _)| k.to_owned()).collect::<Vec<_>>();
        prop_assert_eq!(keys(parsed.meta()), keys(clean));
        prop_assert_eq!(parsed.lines(sections::Section::Condition), ["$e"]);
    }
}

/// With the validator: yaraast reads every hostile value back exactly.
/// The cases come from the same strategy, run through one python process.
#[test]
fn hostile_metadata_comes_back_exactly_from_yaraast() {
    let Some(python) = validator_python("validators/yaral/setup.sh") else {
        return;
    };
    let item = &ITEMS[0];
    let mut runner = TestRunner::deterministic();
    let strategy = (
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut expected: Vec<(PathBuf, [String; 4])> = Vec::new();
    for case in 0..256 {
        let (title, description, guide, fp) = strategy.new_tree(&mut runner).unwrap().current();
        let meta = hostile_meta(&item.rendered.meta, &title, &description, &guide, &fp);
        let object =
            rule::rule(&meta, &item.rendered.query, &item.logsource, item.platform).unwrap();
        let path = dir.path().join(format!("case{case}.yaral"));
        std::fs::write(&path, &object.text).unwrap();
        let investigation = meta
            .guide
            .section(tunnelhunt_deploy::guide::Section::Investigation)
            .unwrap_or_default()
            .to_owned();
        expected.push((path, [title, description, investigation, fp]));
    }
    let output = Command::new(python)
        .arg(repo_root().join("validators/yaral/secops_check.py"))
        .arg("--meta")
        .args(expected.iter().map(|(path, _)| path))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_slice(&output.stdout).unwrap();
    for (path, [title, description, investigation, fp]) in &expected {
        let meta = &read[&path.to_string_lossy().into_owned()];
        assert_eq!(meta["rule_name"], *title);
        assert_eq!(meta["description"], *description);
        assert_eq!(meta["false_positives"], *fp);
        assert_eq!(
            meta.get("investigation").cloned().unwrap_or_default(),
            *investigation
        );
    }
    println!("{} hostile objects read back by yaraast", expected.len());
}
