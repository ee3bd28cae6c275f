//! ATT&CK Navigator layers as a user writes them: `rules layer` (the
//! coverage of a rule set), `scan --format layer` (what fired) and the
//! coverage layer every `export --as repo` adds.

use crate::common;

use std::fs;

use common::{repo, stderr, stdout, tunnelhunt};

fn technique<'a>(layer: &'a serde_json::Value, id: &str, tactic: &str) -> &'a serde_json::Value {
    layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["techniqueID"] == id && t["tactic"] == tactic)
        .unwrap_or_else(|| panic!("{id} under {tactic} in the layer"))
}

#[test]
fn rules_layer_scores_the_packs_techniques_by_their_rules() {
    let out = tunnelhunt(&["rules", "layer"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let layer: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(layer["versions"]["layer"], "4.5");
    assert_eq!(layer["domain"], "enterprise-attack");
    let t1572 = technique(&layer, "T1572", "command-and-control");
    let rules = t1572["metadata"].as_array().unwrap().len();
    assert_eq!(t1572["score"].as_u64(), Some(rules as u64));
    assert!(rules > 20, "{rules}");

    let dir = common::scratch("navigator_layers", "rules");
    let file = dir.join("examples.json");
    let examples = repo().join("examples/rules");
    let out = tunnelhunt(&[
        "rules",
        "layer",
        "-r",
        examples.to_str().unwrap(),
        "-o",
        file.to_str().unwrap(),
        "--name",
        "examples",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let layer: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(layer["name"], "examples");
}

#[test]
fn scan_format_layer_scores_what_fired_by_alerts_with_rules_and_hosts() {
    let events = repo().join("examples/events/sysmon_process_creation.jsonl");
    let out = tunnelhunt(&["scan", "-q", "--format", "layer", events.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let layer: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let jsonl = tunnelhunt(&["scan", "-q", "--format", "jsonl", events.to_str().unwrap()]);
    let alerts: Vec<serde_json::Value> = stdout(&jsonl)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tunnelling = alerts
        .iter()
        .filter(|a| a["attack"].as_array().unwrap().iter().any(|t| t == "T1572"))
        .count();
    assert!(tunnelling > 0);
    let t1572 = technique(&layer, "T1572", "command-and-control");
    assert_eq!(t1572["score"].as_u64(), Some(tunnelling as u64));
    let comment = t1572["comment"].as_str().unwrap();
    assert!(
        comment.contains("Port Proxy Created or Changed With Netsh (1)"),
        "{comment}"
    );
    assert!(comment.contains("Hosts: "), "{comment}");
}

#[test]
fn export_as_repo_adds_the_coverage_layer_and_replaces_it_on_the_next_export() {
    let dir = common::scratch("navigator_layers", "repo");
    let out_dir = dir.join("out");
    for _ in 0..2 {
        let out = tunnelhunt(&[
            "export",
            "-t",
            "eql",
            "--as",
            "repo",
            "-o",
            out_dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let layer: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(out_dir.join("navigator/coverage-layer.json")).unwrap(),
    )
    .unwrap();
    assert!(technique(&layer, "T1572", "command-and-control")["score"].as_u64() > Some(20));
    let index = fs::read_to_string(out_dir.join("README.md")).unwrap();
    assert!(index.contains("- `navigator/coverage-layer.json`"));
}

#[test]
fn scan_format_layer_refuses_with_event() {
    let events = repo().join("examples/events/sysmon_process_creation.jsonl");
    let out = tunnelhunt(&[
        "scan",
        "--format",
        "layer",
        "--with-event",
        events.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--format layer holds no alerts"));
}
