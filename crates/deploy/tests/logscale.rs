//! LogScale alert resources and Next-Gen SIEM correlation rules of the
//! pack: golden files, the humio-operator CRDs and the correlation-rule
//! JSON Schema (validators/logscale), the CQL tokenizer over every
//! carried query, the schedule limits, and the injection round trip
//! through `serde_norway` and `serde_json` (and, with the validators,
//! through PyYAML, the YAML 1.1 reader kubectl's ecosystem shares).

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use tunnelhunt_backends::cql::Cql;
use tunnelhunt_deploy::guide::Guide;
use tunnelhunt_deploy::logscale::{LogScaleObjects, humio, ngsiem};
use tunnelhunt_deploy::{Entry, Form, Kind, Objects, Platform, Schedule};
use tunnelhunt_sigma::ast::LogSource;

use crate::common::{Rendered, pack_with, rendered_with, repo_root, validator_python};
use crate::cql_support;

/// No pack correlation renders in LogScale (their logsources have no
/// Falcon events, or they are `temporal_ordered`), so this one, over a
/// pack rule, stands for them: a threshold over a window, as the
/// fixed-bucket approximation states it.
const CORRELATION: &str = r#"title: Tunnelling Tool Started Repeatedly From One Image
id: 7d3f0c2e-5a61-4b8e-9c14-2e7b9a0d4f31
name: tunnelling_tool_repeated
status: experimental
description: The same tunnelling tool binary starts three times within half an hour, as a tunnel that reconnects does.
author: tunnelhunt tests
date: 2026-12-08
level: high
tags:
    - attack.command-and-control
    - attack.t1572
correlation:
    type: event_count
    rules:
        - 5bf2adf3-b56c-4b8b-8776-3cc692360d80
    group-by:
        - Image
    timespan: 30m
    condition:
        gte: 3
"#;

/// The pack and [`CORRELATION`] through the CQL backend, correlations
/// approximated (as `export --approximate`; without it LogScale refuses
/// them).
static PACK_CQL: LazyLock<Vec<Rendered>> = LazyLock::new(|| {
    let pack = pack_with(&[(
        "t1572/correlation_tunnelling_tool_repeated.yml",
        CORRELATION,
    )]);
    rendered_with(&pack, &Cql, true).0
});

fn collect(items: &[Rendered]) -> LogScaleObjects {
    let mut objects = LogScaleObjects::default();
    let logsource = LogSource::default();
    for item in items {
        objects
            .add(&Entry {
                meta: &item.meta,
                query: &item.query,
                stem: &item.stem,
                platform: Platform::Windows,
                logsource: &logsource,
                stable: item.stable,
            })
            .expect("pack objects build with the default schedules");
    }
    objects
}

fn item(stem: &str) -> &'static Rendered {
    PACK_CQL
        .iter()
        .find(|i| i.stem == stem)
        .unwrap_or_else(|| panic!("{stem} renders in CQL"))
}

#[test]
fn golden_objects() {
    for stem in [
        "proc_creation_tunneling_tool_arguments",
        "dns_query_long_query_name",
        "correlation_tunnelling_tool_repeated",
    ] {
        let objects = collect(std::slice::from_ref(item(stem)));
        let files = objects.files(Form::Rule).unwrap();
        let name = humio::object_name(stem);
        for file in files {
            let path = file.path.to_string_lossy().into_owned();
            let suffix = path.strip_prefix(&name).unwrap();
            insta::assert_snapshot!(format!("{stem}{suffix}"), file.contents);
        }
    }
}

#[test]
fn rules_are_filter_alerts_and_correlations_aggregate_over_their_window() {
    let mut kinds = (0, 0);
    for item in PACK_CQL.iter() {
        let resource = humio::resource(&item.meta, &item.query, "x", "x");
        let rule = ngsiem::rule(&item.meta, &item.query, "x").unwrap();
        match item.meta.kind {
            Kind::Rule => {
                kinds.0 += 1;
                assert_eq!(resource.kind, humio::AlertKind::HumioFilterAlert);
                assert_eq!(resource.spec.throttle_field, Some("aid"));
                assert_eq!(resource.spec.search_interval_seconds, None);
                assert_eq!(rule.search.trigger_mode, ngsiem::TriggerMode::Summary);
            }
            Kind::Correlation { timespan_secs } => {
                kinds.1 += 1;
                assert_eq!(resource.kind, humio::AlertKind::HumioAggregateAlert);
                let interval = item.meta.schedule.interval_secs;
                let searched = resource.spec.search_interval_seconds.unwrap();
                assert!(searched >= timespan_secs + interval, "{}", item.stem);
                assert!(item.query.contains("groupBy("), "{}", item.query);
                assert!(
                    resource
                        .spec
                        .description
                        .contains("Fixed-bucket approximation"),
                    "{}",
                    resource.spec.description
                );
                assert_eq!(rule.search.trigger_mode, ngsiem::TriggerMode::Verbose);
            }
        }
        assert!(!resource.spec.enabled);
        assert_eq!(rule.status, ngsiem::Status::Inactive);
        assert_eq!(rule.search.filter, resource.spec.query_string);
    }
    assert!(kinds.0 > 0 && kinds.1 > 0, "{kinds:?}");
}

#[test]
fn every_carried_query_is_the_rendered_one_and_tokenizes() {
    let objects = collect(&PACK_CQL);
    let files = objects.files(Form::Repo).unwrap();
    let mut checked = 0;
    for file in &files {
        let path = file.path.to_string_lossy();
        let query = if path.starts_with("alerts/") {
            let value: serde_norway::Value = serde_norway::from_str(&file.contents).unwrap();
            value["spec"]["queryString"].as_str().unwrap().to_owned()
        } else if path.starts_with("ngsiem/") {
            let value: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
            value["search"]["filter"].as_str().unwrap().to_owned()
        } else {
            continue;
        };
        assert!(
            PACK_CQL.iter().any(|i| i.query.trim_end() == query),
            "{path}"
        );
        if let Err(problem) = cql_support::literals(&query) {
            panic!("{path}: query does not tokenize ({problem}):\n{query}");
        }
        checked += 1;
    }
    assert_eq!(checked, 2 * PACK_CQL.len());
}

#[test]
fn the_kustomization_lists_every_alert_file() {
    let objects = collect(&PACK_CQL);
    let files = objects.files(Form::Repo).unwrap();
    let kustomization = files
        .iter()
        .find(|f| f.path == Path::new("kustomization.yaml"))
        .unwrap();
    let value: serde_norway::Value = serde_norway::from_str(&kustomization.contents).unwrap();
    let listed: Vec<&str> = value["resources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let alerts: Vec<String> = files
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .filter(|p| p.starts_with("alerts/"))
        .collect();
    assert_eq!(listed, alerts);
    let stream = objects.stdout().unwrap();
    assert_eq!(stream.matches("---\n").count(), PACK_CQL.len());
}

#[test]
fn schedules_outside_what_next_gen_siem_runs_are_refused() {
    let base = item("proc_creation_tunneling_tool_arguments");
    let with = |interval_secs, lookback_secs| {
        let mut meta = base.meta.clone();
        meta.schedule = Schedule {
            interval_secs,
            lookback_secs,
        };
        ngsiem::rule(&meta, &base.query, "x")
    };
    let ok = with(3600, 3900).unwrap();
    assert_eq!(ok.search.lookback, "1h5m");
    assert_eq!(ok.operation.schedule.definition, "@every 1h0m");
    assert_eq!(with(300, 600).unwrap().search.lookback, "0h10m");
    assert!(with(30, 330).is_err(), "runs every 30 s");
    assert!(with(300, 330).is_err(), "330 s is not whole minutes");
    assert!(with(3600, 169 * 3600).is_err(), "beyond 168 h");
}

#[test]
fn two_rules_with_one_stem_and_title_get_distinct_names() {
    let base = item("proc_creation_tunneling_tool_arguments");
    let logsource = LogSource::default();
    let mut twin = base.meta.clone();
    twin.id = Some("0badc0de-0000-4000-8000-000000000000".to_owned());
    let mut objects = LogScaleObjects::default();
    for meta in [&base.meta, &twin] {
        objects
            .add(&Entry {
                meta,
                query: &base.query,
                stem: &base.stem,
                platform: Platform::Windows,
                logsource: &logsource,
                stable: false,
            })
            .unwrap();
    }
    let files = objects.files(Form::Repo).unwrap();
    let names: Vec<String> = files
        .iter()
        .filter(|f| f.path.starts_with("alerts"))
        .map(|f| {
            let value: serde_norway::Value = serde_norway::from_str(&f.contents).unwrap();
            format!(
                "{} | {}",
                value["metadata"]["name"].as_str().unwrap(),
                value["spec"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            format!(
                "proc-creation-tunneling-tool-arguments | {}",
                base.meta.title
            ),
            format!(
                "proc-creation-tunneling-tool-arguments-0badc0de | {} (0badc0de-0000-4000-8000-000000000000)",
                base.meta.title
            ),
        ]
    );
}

#[test]
fn every_pack_object_passes_the_crds_and_the_correlation_rule_schema() {
    let Some(python) = validator_python("validators/logscale/setup.sh") else {
        return;
    };
    let objects = collect(&PACK_CQL);
    let dir = tempfile::tempdir().unwrap();
    for file in objects.files(Form::Repo).unwrap() {
        let path = dir.path().join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.contents).unwrap();
    }
    let output = Command::new(python)
        .arg(repo_root().join("validators/logscale/logscale_check.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "logscale_check failed");
    let n = PACK_CQL.len();
    assert!(
        stdout.contains(&format!(
            "{n} alert resources, {n} correlation rules checked, 0 problems"
        )),
        "{stdout}"
    );
}

/// Text with every metacharacter of YAML, JSON, CQL and Markdown the
/// objects hold, and the plain scalars a YAML 1.1 reader (PyYAML, older
/// Kubernetes tooling) takes for booleans, nulls, numbers or dates.
fn hostile_text() -> impl Strategy<Value = String> {
    crate::common::hostile_text(
        &[
            "\"",
            "'",
            "\\",
            "\n",
            "\r\n",
            "\t",
            " ",
            "#",
            ": ",
            "- ",
            "? ",
            "---",
            "...",
            "{a: [1, 2]}",
            "&anchor *alias !tag %YAML @`|>",
            "$x ${y}",
            "// */ /re/i",
            "on",
            "yes",
            "N",
            "~",
            "null",
            "0x1F",
            "1e3",
            "2001-12-14",
            "12:30:45",
            ".inf",
            "\u{1b}[31m",
            "\u{85}\u{2028}\u{feff}",
            "é€😀",
        ],
        0..10,
    )
}

/// A pack rule's metadata with hostile title, description, false
/// positive and guide text.
fn hostile_meta(
    title: &str,
    description: &str,
    falsepositive: &str,
    guide: &str,
) -> tunnelhunt_deploy::RuleMeta {
    let mut meta = item("proc_creation_tunneling_tool_arguments").meta.clone();
    meta.title = title.to_owned();
    meta.description = description.to_owned();
    meta.falsepositives = vec![falsepositive.to_owned()];
    meta.guide = Guide::parse(&format!("## Investigation\n\n{guide}\nend"));
    meta.branch = Some(title.to_owned());
    meta
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn metadata_comes_back_exactly_from_yaml_and_json(
        title in hostile_text(),
        description in hostile_text(),
        falsepositive in hostile_text(),
        guide in hostile_text(),
    ) {
        let query = &item("proc_creation_tunneling_tool_arguments").query;
        let meta = hostile_meta(&title, &description, &falsepositive, &guide);
        let resource = humio::resource(&meta, query, "x", &title);
        let yaml = humio::to_yaml(&resource).unwrap();
        let back: serde_norway::Value = serde_norway::from_str(&yaml).unwrap();
        prop_assert_eq!(back["spec"]["name"].as_str(), Some(title.as_str()));
        prop_assert_eq!(back["spec"]["description"].as_str(), Some(resource.spec.description.as_str()));
        prop_assert!(resource.spec.description.contains(description.as_str()));
        prop_assert!(resource.spec.description.contains(falsepositive.as_str()));
        prop_assert_eq!(back["spec"]["queryString"].as_str(), Some(query.trim_end()));
        let labels: Vec<&str> = back["spec"]["labels"].as_sequence().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        prop_assert_eq!(labels, resource.spec.labels.iter().map(String::as_str).collect::<Vec<_>>());

        let rule = ngsiem::rule(&meta, query, &title).unwrap();
        let json: serde_json::Value = serde_json::from_str(&ngsiem::to_json(&rule).unwrap()).unwrap();
        prop_assert_eq!(json["name"].as_str(), Some(title.as_str()));
        prop_assert_eq!(json["description"].as_str(), Some(resource.spec.description.as_str()));
        prop_assert_eq!(json["search"]["filter"].as_str(), Some(query.trim_end()));
    }
}

/// The same hostile values read by PyYAML and checked against the CRDs:
/// a string a YAML 1.1 reader turns into a boolean, number or date fails
/// the CRD's `type: string`, and the dump must equal what was written.
#[test]
fn hostile_metadata_survives_pyyaml_and_the_crds() {
    let Some(python) = validator_python("validators/logscale/setup.sh") else {
        return;
    };
    let query = &item("proc_creation_tunneling_tool_arguments").query;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("alerts")).unwrap();
    let mut expected = Vec::new();
    for n in 0..200 {
        let text = |runner: &mut proptest::test_runner::TestRunner| {
            hostile_text().new_tree(runner).unwrap().current()
        };
        let title = format!("t{n} {}", text(&mut runner));
        let meta = hostile_meta(
            &title,
            &text(&mut runner),
            &text(&mut runner),
            &text(&mut runner),
        );
        let resource = humio::resource(&meta, query, &format!("hostile-{n}"), &title);
        std::fs::write(
            dir.path().join(format!("alerts/hostile-{n}.yaml")),
            humio::to_yaml(&resource).unwrap(),
        )
        .unwrap();
        expected.push(serde_json::json!({
            "name": resource.spec.name,
            "description": resource.spec.description,
            "labels": resource.spec.labels,
        }));
    }
    let output = Command::new(python)
        .arg(repo_root().join("validators/logscale/logscale_check.py"))
        .arg("--dump")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dumped: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(dumped.len(), expected.len());
    for (n, want) in expected.iter().enumerate() {
        assert_eq!(&dumped[&format!("alerts/hostile-{n}.yaml")], want);
    }
}
