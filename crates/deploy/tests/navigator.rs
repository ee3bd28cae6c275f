//! ATT&CK Navigator layers: the pack's coverage layer (golden, the layer
//! format and ATT&CK table checks of validators/navigator) and the
//! injection round trip of rule titles through `serde_json`.

use std::collections::BTreeMap;
use std::process::Command;

use proptest::prelude::*;
use tunnelhunt_deploy::navigator::{self, Cell, Metadata, Title};
use tunnelhunt_deploy::{Kind, RuleMeta, Schedules};

use crate::common::{pack, repo_root, validator_python};

/// Every pack rule and correlation's metadata.
fn pack_metas() -> Vec<RuleMeta> {
    let pack = pack();
    let schedules = Schedules::default();
    let rules = pack
        .rules
        .iter()
        .map(|(rule, _)| RuleMeta::new(&rule.meta, None, Kind::Rule, &schedules));
    let correlations = pack.correlations.iter().map(|c| {
        RuleMeta::new(
            &c.meta,
            None,
            Kind::Correlation {
                timespan_secs: c.timespan_secs,
            },
            &schedules,
        )
    });
    rules.chain(correlations).collect()
}

#[test]
fn the_pack_coverage_layer_scores_each_technique_by_its_rules() {
    let metas = pack_metas();
    let refs: Vec<&RuleMeta> = metas.iter().collect();
    let (layer, unknown) = navigator::coverage("tunnelhunt T1572 pack", &refs);
    assert!(unknown.is_empty(), "{unknown:?}");
    let tunnelling = metas
        .iter()
        .filter(|m| m.tags.iter().any(|t| t == "attack.t1572"))
        .count();
    let t1572 = layer
        .techniques
        .iter()
        .find(|t| t.technique_id == "T1572")
        .expect("T1572 drawn");
    assert_eq!(t1572.score, Some(tunnelling as u64));
    assert_eq!(t1572.tactic, "command-and-control");
    assert_eq!(t1572.metadata.len(), tunnelling);
    assert_eq!(layer.gradient.max_value, tunnelling as u64);
    insta::assert_snapshot!("pack_coverage_layer", navigator::to_json(&layer).unwrap());
}

#[test]
fn the_pack_coverage_layer_passes_the_layer_format_and_attack_table_checks() {
    let Some(python) = validator_python("validators/navigator/setup.sh") else {
        return;
    };
    let metas = pack_metas();
    let refs: Vec<&RuleMeta> = metas.iter().collect();
    let (layer, _) = navigator::coverage("pack", &refs);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layer.json");
    std::fs::write(&path, navigator::to_json(&layer).unwrap()).unwrap();
    let mut broken = serde_json::to_value(&layer).unwrap();
    let t1572 = layer
        .techniques
        .iter()
        .position(|t| t.technique_id == "T1572")
        .unwrap();
    broken["techniques"][t1572]["tactic"] = "lateral-movement".into();
    let broken_path = dir.path().join("broken.json");
    std::fs::write(&broken_path, broken.to_string()).unwrap();
    let run = |path: &std::path::Path| {
        let output = Command::new(&python)
            .arg(repo_root().join("validators/navigator/navigator_check.py"))
            .arg(path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        print!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
        (stdout, output.status.success())
    };
    let (stdout, ok) = run(&path);
    assert!(
        ok && stdout.contains("1 layers checked, 0 problems"),
        "{stdout}"
    );
    let (stdout, ok) = run(&broken_path);
    assert!(
        !ok,
        "a technique under a tactic ATT&CK does not give it passes: {stdout}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn comments_and_metadata_come_back_exactly_from_json(
        text in proptest::collection::vec(
            prop_oneof![
                Just("\"".to_owned()), Just("\\".to_owned()), Just("\n".to_owned()),
                Just("#".to_owned()), Just(": ".to_owned()), Just("{".to_owned()),
                Just("$".to_owned()), Just("`".to_owned()), Just("\u{0}".to_owned()),
                Just("</script>".to_owned()), Just("é😀".to_owned()), "[a-z ]{0,5}",
            ],
            0..10,
        ).prop_map(|parts| parts.concat())
    ) {
        let cells = BTreeMap::from([(
            "T1572".to_owned(),
            Cell {
                score: 1,
                comment: text.clone(),
                metadata: vec![Metadata { name: text.clone(), value: text.clone() }],
            },
        )]);
        let title = Title { name: text.clone(), description: text.clone(), counts: "alerts" };
        let (layer, _) = navigator::layer(&title, &cells);
        let back: serde_json::Value =
            serde_json::from_str(&navigator::to_json(&layer).unwrap()).unwrap();
        prop_assert_eq!(back["name"].as_str(), Some(text.as_str()));
        prop_assert_eq!(back["techniques"][0]["comment"].as_str(), Some(text.as_str()));
        prop_assert_eq!(back["techniques"][0]["metadata"][0]["value"].as_str(), Some(text.as_str()));
    }
}
