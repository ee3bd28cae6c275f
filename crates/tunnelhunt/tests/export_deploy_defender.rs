//! `tunnelhunt export --target kql --as rule|repo` as a user runs it:
//! Defender XDR custom detection rules (Graph request bodies) on stdout and
//! in the DetectionRules layout with its deployment README.

use crate::common;

use std::fs;

use common::{stderr, stdout, tunnelhunt};

#[test]
fn as_rule_prints_one_graph_request_body_per_rendered_rule() {
    let out = tunnelhunt(&[
        "export", "--target", "kql", "--flavor", "default", "--as", "rule",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rules: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let netsh = rules
        .iter()
        .find(|rule| rule["displayName"] == "Port Proxy Created or Changed With Netsh")
        .expect("the netsh rule has an object");
    assert_eq!(netsh["isEnabled"], false);
    let template = &netsh["detectionAction"]["alertTemplate"];
    assert_eq!(template["severity"], "high");
    assert_eq!(template["category"], "CommandAndControl");
    assert_eq!(
        template["mitreTechniques"],
        serde_json::json!(["T1572", "T1090.001"])
    );
    assert!(
        template["recommendedActions"]
            .as_str()
            .unwrap()
            .contains("**Contain.**")
    );
    assert!(
        template["description"]
            .as_str()
            .unwrap()
            .contains("Investigation:")
    );
    let query = netsh["queryCondition"]["queryText"].as_str().unwrap();
    assert!(query.starts_with("DeviceProcessEvents\n"), "{query}");
    assert!(
        netsh["detectionAction"]["responseActions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(netsh["detectionAction"]["organizationalScope"].is_null());
    let periods: Vec<&str> = rules
        .iter()
        .map(|r| r["schedule"]["period"].as_str().unwrap())
        .collect();
    assert!(
        periods.contains(&"0") && periods.contains(&"1H"),
        "{periods:?}"
    );
}

#[test]
fn as_repo_lays_out_detection_rules_by_platform_with_a_deployment_readme() {
    let dir = common::scratch("export_deploy_defender", "repo");
    let out_dir = dir.join("out");
    // High rules every 6 hours: Defender runs them every 3 (the longest
    // period not longer).
    let schedule = dir.join("schedule.toml");
    fs::write(&schedule, "[high]\ninterval = \"6h\"\n").unwrap();
    let out = tunnelhunt(&[
        "export",
        "-t",
        "kql",
        "--flavor",
        "default",
        "--as",
        "repo",
        "--schedule",
        schedule.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let netsh =
        out_dir.join("defender/DetectionRules/windows/proc_creation_win_netsh_portproxy_add.json");
    let rule: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(netsh).unwrap()).unwrap();
    assert_eq!(rule["schedule"]["period"], "3H");
    let readme = fs::read_to_string(out_dir.join("defender/README.md")).unwrap();
    assert!(readme.contains("POST"));
    assert!(readme.contains("https://graph.microsoft.com/beta/security/rules/detectionRules"));
    let index = fs::read_to_string(out_dir.join("README.md")).unwrap();
    assert!(index.contains("## Microsoft Defender XDR"));
    assert!(
        index.contains(
            "`defender/DetectionRules/linux/proc_creation_lnx_tunneling_tool_image.json`"
        )
    );
    let written = stderr(&out);
    assert!(
        written.contains("Microsoft Defender XDR rule objects"),
        "{written}"
    );
}
