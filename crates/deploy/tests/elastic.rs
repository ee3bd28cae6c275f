//! Elastic rule objects of the pack: golden files, Elastic's API schema
//! and repository content rules (validators/elastic), and the injection
//! round trip through `toml` and `serde_json`.

use std::process::Command;
use std::sync::LazyLock;

use proptest::prelude::*;
use tunnelhunt_backends::eql::Eql;
use tunnelhunt_deploy::elastic;
use tunnelhunt_deploy::guide::Guide;

use crate::common::{Rendered, pack, rendered, repo_root, validator_python};

fn objects(item: &Rendered) -> (String, String) {
    let rule = elastic::rule(&item.meta, &item.query).expect("pack rules have ids");
    let toml =
        elastic::to_toml(&elastic::metadata(&item.meta, item.stable), &rule).expect("serializes");
    let line = elastic::to_ndjson_line(&rule).expect("serializes");
    (toml, line)
}

use crate::json_keys::sorted;

#[test]
fn golden_objects() {
    let (items, _) = rendered(&pack(), &Eql);
    for stem in [
        "proc_creation_win_netsh_portproxy_add",
        "registry_set_win_portproxy_entry",
        "correlation_win_ssh_forward_then_loopback_remote_access",
    ] {
        let item = items
            .iter()
            .find(|i| i.stem == stem)
            .unwrap_or_else(|| panic!("{stem} renders in EQL"));
        let (toml, line) = objects(item);
        insta::assert_snapshot!(format!("{stem}.toml"), toml);
        // Keys sorted: serde_json keeps insertion order when another crate
        // of the build turns on its `preserve_order` feature (evtx does),
        // so the snapshot must not depend on which crates are built.
        let pretty = sorted(serde_json::from_str(&line).unwrap());
        insta::assert_snapshot!(
            format!("{stem}.json"),
            serde_json::to_string_pretty(&pretty).unwrap()
        );
    }
}

#[test]
fn correlations_look_back_over_their_whole_window() {
    let (items, _) = rendered(&pack(), &Eql);
    let correlations: Vec<&Rendered> = items
        .iter()
        .filter(|i| matches!(i.meta.kind, tunnelhunt_deploy::Kind::Correlation { .. }))
        .collect();
    assert!(!correlations.is_empty(), "EQL renders a pack correlation");
    for item in correlations {
        let tunnelhunt_deploy::Kind::Correlation { timespan_secs } = item.meta.kind else {
            unreachable!()
        };
        let schedule = item.meta.schedule;
        assert!(schedule.lookback_secs >= timespan_secs + schedule.interval_secs);
        assert!(item.query.contains("sequence"), "{}", item.query);
    }
}

#[test]
fn every_pack_object_passes_elastics_schema_and_content_rules() {
    let Some(python) = validator_python("validators/elastic/setup.sh") else {
        return;
    };
    let (items, refused) = rendered(&pack(), &Eql);
    let dir = tempfile::tempdir().unwrap();
    let mut ndjson = String::new();
    let mut paths = Vec::new();
    for item in &items {
        let (toml, line) = objects(item);
        let path = dir.path().join(format!("{}.toml", item.stem));
        std::fs::write(&path, toml).unwrap();
        paths.push(path);
        ndjson.push_str(&line);
        ndjson.push('\n');
    }
    let all = dir.path().join("rules.ndjson");
    std::fs::write(&all, ndjson).unwrap();
    paths.push(all);
    let output = Command::new(python)
        .arg(repo_root().join("validators/elastic/elastic_check.py"))
        .args(&paths)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "elastic_check failed");
    let checked = 2 * items.len();
    assert!(
        stdout.contains(&format!("{checked} rules checked, 0 problems")),
        "{stdout}"
    );
    println!(
        "{} pack objects (TOML and NDJSON each), {refused} refused by EQL",
        items.len()
    );
}

/// Text with every metacharacter of TOML, JSON and Markdown the objects
/// hold: quotes of both kinds, backslashes, newlines, `'''`, `"""`, `#`,
/// brackets, control characters and non-ASCII.
fn hostile_text() -> impl Strategy<Value = String> {
    crate::common::hostile_text(
        &[
            "\"",
            "'''",
            "\"\"\"",
            "\\",
            "\n",
            "\r\n",
            "\t",
            "#",
            "[rule]",
            "{\"a\": 1}",
            "\u{1b}[31m",
            "\u{7f}",
            "é€😀",
        ],
        0..12,
    )
}

/// The pack rendered once for every proptest case.
static PACK_EQL: LazyLock<Vec<Rendered>> = LazyLock::new(|| rendered(&pack(), &Eql).0);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn metadata_comes_back_exactly_from_toml_and_json(
        title in hostile_text(),
        description in hostile_text(),
        guide_body in hostile_text(),
        falsepositive in hostile_text(),
    ) {
        let items = &*PACK_EQL;
        let mut meta = items[0].meta.clone();
        meta.title = title.clone();
        meta.description = description.clone();
        meta.falsepositives = vec![falsepositive.clone()];
        meta.guide = Guide::parse(&format!("## Investigation\n\n{guide_body}\nend"));
        let rule = elastic::rule(&meta, &items[0].query).unwrap();

        let toml_text = elastic::to_toml(&elastic::metadata(&meta, false), &rule).unwrap();
        let parsed: toml::Table = toml::from_str(&toml_text).unwrap();
        let back = &parsed["rule"];
        prop_assert_eq!(back["name"].as_str(), Some(title.as_str()));
        prop_assert_eq!(back["description"].as_str(), Some(description.as_str()));
        prop_assert_eq!(back["false_positives"][0].as_str(), Some(falsepositive.as_str()));
        prop_assert_eq!(back.get("note").and_then(|n| n.as_str()), rule.note.as_deref());

        let json: serde_json::Value = serde_json::from_str(&elastic::to_ndjson_line(&rule).unwrap()).unwrap();
        prop_assert_eq!(json["name"].as_str(), Some(title.as_str()));
        prop_assert_eq!(json["description"].as_str(), Some(description.as_str()));
        prop_assert_eq!(json.get("note").and_then(|n| n.as_str()), rule.note.as_deref());
        prop_assert_eq!(json["query"].as_str(), Some(rule.query.as_str()));
    }
}
