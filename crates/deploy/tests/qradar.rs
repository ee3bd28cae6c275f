//! QRadar saved searches of the pack: golden objects, every AQL through
//! the backends' AQL lexer, the schema and checks of validators/qradar,
//! a correlation's aggregate search, and the injection round trip through
//! `serde_json`.

use std::process::Command;
use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;
use tunnelhunt_backends::aql::Aql;
use tunnelhunt_backends::{Backend, CorrelationInput, Flavor, RuleInput};
use tunnelhunt_deploy::guide::Guide;
use tunnelhunt_deploy::{Kind, RuleMeta, Schedules, qradar};

use tunnelhunt_sigma::ast::{Correlation, Rule};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

use crate::common::{Rendered, pack, rendered, repo_root, validator_python};
use crate::json_keys::pretty_sorted;

#[path = "../../backends/tests/aql_support/mod.rs"]
mod aql_support;

fn object(item: &Rendered) -> String {
    qradar::to_json(&qradar::file(&item.meta, &item.query)).expect("serializes")
}

#[test]
fn golden_objects() {
    let (items, _) = rendered(&pack(), &Aql);
    for stem in [
        "proc_creation_win_netsh_portproxy_add",
        "registry_set_win_portproxy_entry",
        "win_security_rdp_logon_from_loopback",
    ] {
        let item = items
            .iter()
            .find(|i| i.stem == stem)
            .unwrap_or_else(|| panic!("{stem} renders in AQL"));
        insta::assert_snapshot!(format!("{stem}.json"), pretty_sorted(&object(item)));
    }
}

#[test]
fn every_saved_search_is_the_backends_aql_with_the_look_back_as_time_clause() {
    let (items, _) = rendered(&pack(), &Aql);
    assert!(!items.is_empty());
    for item in &items {
        let search = qradar::saved_search(&item.meta, &item.query);
        if let Err(problem) = aql_support::lex(&search.aql) {
            panic!("{}: invalid AQL ({problem}):\n{}", item.stem, search.aql);
        }
        assert_eq!(
            aql_support::lex(&search.aql).unwrap(),
            aql_support::lex(&item.query).unwrap(),
            "the saved search keeps every literal of the query"
        );
        let minutes = item.meta.schedule.lookback_secs.div_ceil(60);
        assert_eq!(
            search.aql,
            format!("{}\nLAST {minutes} MINUTES", item.query.trim_end())
        );
        assert!(!search.is_aggregate);
    }
}

/// A correlation AQL can state (no pack correlation is one: their
/// logsources or their order are outside its model), in the Sigma the
/// pack writes.
const CORRELATION: &str = r#"
title: Outbound SSH
name: outbound_ssh
id: 5b1c7a10-0000-4000-8000-0000000000a1
level: low
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        DestinationPort: 22
    condition: selection
---
title: Many Outbound SSH Connections From One Program
id: 5b1c7a10-0000-4000-8000-0000000000a2
level: high
tags:
    - attack.t1572
correlation:
    type: event_count
    rules:
        - outbound_ssh
    group-by:
        - Image
    timespan: 30m
    condition:
        gte: 20
"#;

/// The correlation rendered with the fixed-interval approximation AQL
/// offers (`export --approximate`).
fn correlation_search() -> (Correlation, String) {
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("correlation.yml"), CORRELATION);
    collection.finish();
    assert!(!collection.has_errors(), "{:?}", collection.diagnostics());
    let rules: Vec<(Rule, Expr)> = collection
        .rules()
        .map(|rule| {
            let expr = lower_rule(rule, &[], &Placeholders::new()).expect("lowers");
            (rule.clone(), expr)
        })
        .collect();
    let inputs: Vec<RuleInput> = rules
        .iter()
        .map(|(rule, expr)| RuleInput {
            rule,
            filters: &[],
            expr,
        })
        .collect();
    let correlation = collection
        .correlations()
        .next()
        .expect("the correlation parses")
        .clone();
    let all = [&correlation];
    let input = CorrelationInput::resolve(&correlation, &inputs, &all, true).expect("it resolves");
    let query = Aql
        .render_correlation(&input, Flavor::DEFAULT)
        .expect("AQL approximates an event count");
    (correlation, query)
}

#[test]
fn a_correlation_is_an_aggregate_search_over_its_own_interval() {
    let (correlation, query) = correlation_search();
    let meta = RuleMeta::new(
        &correlation.meta,
        None,
        Kind::Correlation {
            timespan_secs: correlation.timespan_secs,
        },
        &Schedules::default(),
    );
    let file = qradar::file(&meta, &query);
    assert!(file.saved_search.is_aggregate);
    assert_eq!(file.saved_search.aql, query.trim_end());
    assert!(aql_support::lex(&file.saved_search.aql).is_ok());
    assert_eq!(
        file.lookback,
        tunnelhunt_deploy::schedule::format_duration(correlation.timespan_secs)
    );
    assert!(
        file.saved_search
            .aql
            .lines()
            .last()
            .unwrap()
            .starts_with("LAST "),
        "{}",
        file.saved_search.aql
    );
}

#[test]
fn every_pack_object_passes_the_qradar_validator() {
    let Some(python) = validator_python("validators/qradar/setup.sh") else {
        return;
    };
    let (items, refused) = rendered(&pack(), &Aql);
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for item in &items {
        let path = dir.path().join(format!("{}.json", item.stem));
        std::fs::write(&path, object(item)).unwrap();
        paths.push(path);
    }
    let (correlation, query) = correlation_search();
    let meta = RuleMeta::new(
        &correlation.meta,
        None,
        Kind::Correlation {
            timespan_secs: correlation.timespan_secs,
        },
        &Schedules::default(),
    );
    let path = dir.path().join("correlation.json");
    std::fs::write(
        &path,
        qradar::to_json(&qradar::file(&meta, &query)).unwrap(),
    )
    .unwrap();
    paths.push(path);
    let output = Command::new(python)
        .arg(repo_root().join("validators/qradar/qradar_check.py"))
        .args(&paths)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "qradar_check failed");
    let checked = items.len() + 1;
    assert!(
        stdout.contains(&format!("{checked} saved searches checked, 0 problems")),
        "{stdout}"
    );
    println!(
        "{} pack saved searches and 1 correlation, {refused} refused by AQL",
        items.len()
    );
}

/// Text with the metacharacters of JSON, AQL and Markdown: quotes of both
/// kinds, `''`, backslashes, newlines, `/*`, `*/`, `#`, `:`, `{`, `$`,
/// backticks, control characters, non-ASCII.
fn hostile_text() -> impl Strategy<Value = String> {
    crate::common::hostile_text(
        &[
            "\"",
            "'",
            "''",
            "\\",
            "\n",
            "\r\n",
            "/*",
            "*/",
            "#",
            ":",
            "{\"a\": 1}",
            "${x}",
            "`",
            "LAST 5 DAYS",
            "\u{1b}[31m",
            "é€😀",
        ],
        0..12,
    )
}

static PACK_AQL: LazyLock<Vec<Rendered>> = LazyLock::new(|| rendered(&pack(), &Aql).0);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn metadata_comes_back_exactly_from_json(
        title in hostile_text(),
        description in hostile_text(),
        guide_body in hostile_text(),
    ) {
        let items = &*PACK_AQL;
        let mut meta = items[0].meta.clone();
        meta.title = title.clone();
        meta.description = description.clone();
        meta.guide = Guide::parse(&format!("## Investigation\n\n{guide_body}\nend"));
        let file = qradar::file(&meta, &items[0].query);
        let back: Value = serde_json::from_str(&qradar::to_json(&file).unwrap()).unwrap();
        let search = &back["saved_search"];
        prop_assert_eq!(search["name"].as_str(), Some(title.as_str()));
        prop_assert_eq!(search["description"].as_str(), Some(file.saved_search.description.as_str()));
        prop_assert!(file.saved_search.description.starts_with(&description));
        prop_assert_eq!(search["aql"].as_str(), Some(file.saved_search.aql.as_str()));
        // The metadata never reaches the AQL: it stays the backend's.
        prop_assert!(!file.saved_search.aql.contains(&title) || items[0].query.contains(&title));

        let line: Value = serde_json::from_str(&serde_json::to_string(&file).unwrap()).unwrap();
        prop_assert_eq!(line["saved_search"]["name"].as_str(), Some(title.as_str()));
    }
}
