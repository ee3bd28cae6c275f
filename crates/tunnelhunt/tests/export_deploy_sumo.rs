//! `tunnelhunt export --target sumo --as rule|repo` as a user runs it:
//! Cloud SIEM rules-API bodies on stdout, one file per rule, and the
//! Terraform root module of `--as repo`.

use crate::common;

use std::fs;

use common::{stderr, stdout, tunnelhunt};

#[test]
fn as_rule_prints_one_rules_api_body_per_rendered_rule() {
    let out = tunnelhunt(&["export", "--target", "sumo", "--as", "rule"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bodies: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let registry = bodies
        .iter()
        .map(|body| &body["fields"])
        .find(|rule| rule["name"] == "Port Proxy Entry Written to the Registry")
        .expect("the registry rule has an object");
    assert!(
        registry["expression"]
            .as_str()
            .unwrap()
            .starts_with("objectType = \"Endpoint\" AND (")
    );
    assert_eq!(registry["scoreMapping"]["default"], 7);
    assert_eq!(
        (
            registry["enabled"].as_bool(),
            registry["isPrototype"].as_bool()
        ),
        (Some(false), Some(true))
    );
    let tags: Vec<&str> = registry["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"_mitreAttackTactic:TA0011"), "{tags:?}");
    assert!(
        tags.contains(&"_mitreAttackTechnique:T1090.001"),
        "{tags:?}"
    );
    assert!(
        registry["descriptionExpression"]
            .as_str()
            .unwrap()
            .contains("## Investigation")
    );
    // Correlations and rules Cloud SIEM cannot express are refused by name.
    assert!(stderr(&out).contains(": refused: "));
}

#[test]
fn as_repo_writes_a_terraform_module_and_as_rule_one_body_per_file() {
    let dir = common::scratch("export_deploy_sumo", "repo");
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "-t",
        "sumo",
        "--as",
        "repo",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let terraform = out_dir.join("sumo/terraform");
    let versions: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(terraform.join("versions.tf.json")).unwrap())
            .unwrap();
    assert_eq!(
        versions["terraform"]["required_providers"]["sumologic"]["source"],
        "SumoLogic/sumologic"
    );
    let resource: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(terraform.join("registry_set_win_portproxy_entry.tf.json")).unwrap(),
    )
    .unwrap();
    let rule =
        &resource["resource"]["sumologic_cse_match_rule"]["registry_set_win_portproxy_entry"];
    assert_eq!(rule["severity_mapping"][0]["type"], "constant");
    assert_eq!(rule["entity_selectors"][0]["entity_type"], "_hostname");
    let readme = fs::read_to_string(out_dir.join("README.md")).unwrap();
    assert!(readme.contains("terraform init"), "{readme}");
    assert!(
        readme.contains("- `sumo/terraform/versions.tf.json`"),
        "{readme}"
    );

    let out = tunnelhunt(&[
        "export",
        "-t",
        "sumo",
        "--as",
        "rule",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(out_dir.join("sumo/registry_set_win_portproxy_entry.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(body["fields"]["stream"], "record");
    assert!(
        !out_dir.join("sumo/terraform").exists(),
        "an export replaces the last one"
    );
}
