//! `tunnelhunt export --target kql --as rule|repo` as a user runs it:
//! Microsoft Sentinel analytics rules (an ARM template on stdout, the
//! Azure-Sentinel layout with `--out`), and, with the shared corpus, every
//! SigmaHQ rule tree through the same objects and the repository's checks
//! (and the REST API specification with `TUNNELHUNT_VALIDATORS`).

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{stderr, stdout, tunnelhunt};
use tunnelhunt_deploy::sentinel::check;

#[test]
fn as_rule_prints_one_arm_template_holding_every_rendered_rule() {
    let out = tunnelhunt(&[
        "export", "--target", "kql", "--flavor", "sentinel", "--as", "rule",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let template: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let resources = template["resources"].as_array().unwrap();
    let netsh = resources
        .iter()
        .find(|r| {
            r["name"]
                .as_str()
                .unwrap()
                .contains("f8fe5df9-b306-4fef-860a-adab51d12f8c")
        })
        .expect("the netsh rule has an object");
    assert_eq!(
        netsh["type"],
        "Microsoft.OperationalInsights/workspaces/providers/alertRules"
    );
    let properties = &netsh["properties"];
    assert_eq!(
        (
            properties["severity"].as_str(),
            properties["queryFrequency"].as_str(),
            properties["queryPeriod"].as_str()
        ),
        (Some("High"), Some("PT5M"), Some("PT10M"))
    );
    assert!(
        properties["description"]
            .as_str()
            .unwrap()
            .contains("### Investigation")
    );
    assert!(properties["query"].as_str().unwrap().starts_with("Event\n"));
    assert_eq!(
        properties["tactics"],
        serde_json::json!(["CommandAndControl"])
    );
    // Only the sentinel flavor has objects: the default flavor's queries
    // were rendered and refused as for --as query, nothing more.
    assert!(stderr(&out).contains("refused"), "{}", stderr(&out));
}

#[test]
fn as_repo_lays_out_detections_by_table_and_one_template() {
    let dir = common::scratch("export_deploy_sentinel", "repo");
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "--target",
        "kql",
        "--flavor",
        "sentinel",
        "--as",
        "repo",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let base = out_dir.join("sentinel");
    let netsh = base.join("Detections/Sysmon/proc_creation_win_netsh_portproxy_add.yaml");
    let rdp = base.join("Detections/SecurityEvent/win_security_rdp_logon_from_loopback.yaml");
    let linux =
        base.join("Detections/DeviceProcessEvents/proc_creation_lnx_ssh_local_port_forward.yaml");
    for file in [&netsh, &rdp, &linux] {
        let text = fs::read_to_string(file).unwrap();
        assert_eq!(check::check_text(&text), [], "{}", file.display());
    }
    let template: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(base.join("azuredeploy.json")).unwrap()).unwrap();
    let yaml_files = walk(&base.join("Detections"));
    assert_eq!(
        template["resources"].as_array().unwrap().len(),
        yaml_files.len()
    );
    let readme = fs::read_to_string(out_dir.join("README.md")).unwrap();
    assert!(
        readme.contains("## Microsoft Sentinel") && readme.contains("az deployment group create")
    );
    assert!(
        stderr(&out).contains(&format!(
            "wrote {} Microsoft Sentinel rule objects",
            yaml_files.len()
        )),
        "{}",
        stderr(&out)
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `TUNNELHUNT_VENV`'s python when `TUNNELHUNT_VALIDATORS` is set.
fn validator_python() -> Option<PathBuf> {
    std::env::var_os("TUNNELHUNT_VALIDATORS")?;
    let venv = std::env::var_os("TUNNELHUNT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join("target/validators-venv"));
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "TUNNELHUNT_VALIDATORS is set but {} is missing: run validators/sentinel/setup.sh",
        python.display()
    );
    Some(python)
}

#[test]
fn every_sigmahq_tree_makes_objects_that_pass_the_repository_checks() {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    let python = validator_python();
    if python.is_none() {
        println!("skipped (the ARM check only): TUNNELHUNT_VALIDATORS not set");
    }
    let dir = common::scratch("export_deploy_sentinel", "sigmahq");
    for tree in ["rules", "rules-threat-hunting", "rules-emerging-threats"] {
        let rules = PathBuf::from(&root).join("sigmahq").join(tree);
        let out_dir = dir.join(tree);
        let out = tunnelhunt(&[
            "export",
            "--target",
            "kql",
            "--flavor",
            "sentinel",
            "-r",
            rules.to_str().unwrap(),
            "--as",
            "repo",
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{tree}: {}", stderr(&out));
        let files = walk(&out_dir.join("sentinel/Detections"));
        let texts: Vec<(String, String)> = files
            .iter()
            .map(|f| (f.display().to_string(), fs::read_to_string(f).unwrap()))
            .collect();
        for (name, text) in &texts {
            assert_eq!(check::check_text(text), [], "{name}");
        }
        let named: Vec<(&str, &str)> = texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        assert!(check::duplicate_ids(&named).is_empty(), "{tree}");
        let refused = stderr(&out)
            .matches("Microsoft Sentinel: no rule object")
            .count();
        if let Some(python) = &python {
            let check = Command::new(python)
                .arg(common::repo().join("validators/sentinel/sentinel_check.py"))
                .arg(out_dir.join("sentinel/azuredeploy.json"))
                .output()
                .unwrap();
            let report = String::from_utf8_lossy(&check.stdout);
            assert!(check.status.success(), "{tree}: {report}");
            assert!(
                report.contains(&format!("{} rules checked, 0 problems", files.len())),
                "{report}"
            );
            assert_queries_bind(
                &out_dir.join("sentinel/azuredeploy.json"),
                &dir.join(format!("{tree}.queries.json")),
            );
        }
        println!(
            "{tree}: {} Sentinel objects pass the repository checks, {refused} refused",
            files.len()
        );
    }
}

/// Every query of an ARM template parses and binds in Kusto.Language with
/// the Sentinel schema (`validators/kql`).
fn assert_queries_bind(template: &Path, scratch: &Path) {
    let kql = common::repo().join("validators/kql");
    assert!(
        kql.join("node_modules/@kusto/language-service-next/package.json")
            .is_file(),
        "TUNNELHUNT_VALIDATORS is set but the KQL validator is not installed: run validators/kql/setup.sh"
    );
    let template: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(template).unwrap()).unwrap();
    let queries: Vec<&str> = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let query = r["properties"]["query"].as_str().unwrap();
            // ARM's escape of a leading `[` (see tunnelhunt_deploy::sentinel::arm).
            query
                .strip_prefix('[')
                .filter(|q| q.starts_with('['))
                .unwrap_or(query)
        })
        .collect();
    fs::write(scratch, serde_json::to_string(&queries).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(kql.join("validate.js"))
        .arg(scratch)
        .output()
        .unwrap();
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failing: Vec<&serde_json::Value> = results
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ok"] != true)
        .collect();
    assert!(
        failing.is_empty(),
        "{} queries do not bind: {:?}",
        failing.len(),
        failing.first()
    );
}
