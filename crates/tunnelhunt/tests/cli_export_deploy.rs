//! `tunnelhunt export --as rule|repo` as a user runs it: Elastic rule
//! objects on stdout and in the detection-rules layout, the look-back of
//! a correlation, and the usage errors of targets without objects.

use crate::common;

use std::fs;

use common::{stderr, stdout, tunnelhunt};

#[test]
fn as_rule_prints_one_kibana_import_line_per_rendered_rule() {
    let out = tunnelhunt(&["export", "--target", "eql", "--as", "rule"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let netsh = lines
        .iter()
        .find(|rule| rule["rule_id"] == "f8fe5df9-b306-4fef-860a-adab51d12f8c")
        .expect("the netsh rule has an object");
    assert_eq!(netsh["type"], "eql");
    assert_eq!(
        (netsh["severity"].as_str(), netsh["risk_score"].as_u64()),
        (Some("high"), Some(73))
    );
    assert_eq!(
        (netsh["interval"].as_str(), netsh["from"].as_str()),
        (Some("5m"), Some("now-10m"))
    );
    assert!(
        netsh["note"]
            .as_str()
            .unwrap()
            .contains("### Investigation")
    );
    assert!(!netsh["query"].as_str().unwrap().starts_with("//"));
    let refused = stderr(&out).matches(": refused: ").count();
    assert!(refused > 0 && !lines.is_empty());
}

#[test]
fn as_repo_lays_out_detection_rules_and_honours_the_schedule_file() {
    let dir = common::scratch("export_deploy", "repo");
    let schedule = dir.join("schedule.toml");
    fs::write(
        &schedule,
        "[high]\ninterval = \"10m\"\nlookback = \"30m\"\n[critical]\ninterval = \"10m\"\n",
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "--target",
        "eql",
        "--as",
        "repo",
        "--schedule",
        schedule.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let netsh = fs::read_to_string(
        out_dir.join("elastic/rules/windows/proc_creation_win_netsh_portproxy_add.toml"),
    )
    .unwrap();
    let parsed: toml::Table = toml::from_str(&netsh).unwrap();
    assert_eq!(parsed["rule"]["interval"].as_str(), Some("10m"));
    assert_eq!(parsed["rule"]["from"].as_str(), Some("now-30m"));
    let correlation = fs::read_to_string(out_dir.join(
        "elastic/rules/cross-platform/correlation_win_ssh_forward_then_loopback_remote_access.toml",
    ))
    .unwrap();
    let parsed: toml::Table = toml::from_str(&correlation).unwrap();
    // Critical: the 10-minute window plus the 10-minute interval the file sets.
    assert_eq!(parsed["rule"]["from"].as_str(), Some("now-20m"));
    let ndjson = fs::read_to_string(out_dir.join("elastic/rules.ndjson")).unwrap();
    let tomls = walk_count(&out_dir.join("elastic/rules"));
    assert_eq!(ndjson.lines().count(), tomls);

    // Exporting again into the same directory replaces it.
    let again = tunnelhunt(&[
        "export",
        "-t",
        "eql",
        "--as",
        "repo",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
}

fn walk_count(dir: &std::path::Path) -> usize {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() { walk_count(&path) } else { 1 }
        })
        .sum()
}

#[test]
fn object_forms_refuse_targets_without_objects_and_repo_without_out() {
    for args in [
        &["export", "-t", "sigma", "--as", "rule"][..],
        &["export", "-t", "all", "--as", "rule"][..],
        &["export", "-t", "eql", "--as", "repo"][..],
        &["export", "-t", "eql", "--schedule", "x.toml"][..],
    ] {
        let out = tunnelhunt(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    // The list grows as vendors are added; Elastic's is always in it.
    let out = tunnelhunt(&["export", "-t", "sigma", "--as", "rule"]);
    let message = stderr(&out);
    assert!(message.contains("target sigma has no rule object yet (rule objects: "));
    assert!(message.contains("eql"), "{message}");
}

#[test]
fn target_all_as_repo_writes_every_vendor_with_objects_and_lists_them() {
    let dir = common::scratch("export_deploy", "all");
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "--target",
        "all",
        "--as",
        "repo",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let readme = fs::read_to_string(out_dir.join("README.md")).unwrap();
    let messages = stderr(&out);
    let wrote: Vec<&str> = messages
        .lines()
        .filter(|line| line.starts_with("tunnelhunt: wrote "))
        .collect();
    // Every vendor folder the export announces exists, is listed in the
    // README, and holds files; normalized Sigma (no SIEM) has none.
    assert!(wrote.len() >= 2, "{messages}");
    for line in wrote {
        let folder = line.rsplit('/').next().unwrap();
        assert!(out_dir.join(folder).is_dir(), "{line}");
        assert!(
            readme.contains(&format!("- `{folder}/")),
            "{folder}: {readme}"
        );
    }
    assert!(!out_dir.join("sigma").exists());
}

#[test]
fn building_blocks_and_analytic_inputs_get_no_object_and_are_named() {
    // fd374941…: a DNS base rule only `generate: false` correlations read;
    // c7a4e0d9…: the input of the DNS information-volume analytic. Both
    // match every qualifying event by design: as SIEM rules they would
    // alert on each one, which `scan` never does.
    let out = tunnelhunt(&["export", "--target", "eql", "--as", "rule"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = stdout(&out)
        .lines()
        .map(|line| {
            let rule: serde_json::Value = serde_json::from_str(line).unwrap();
            rule["rule_id"].as_str().unwrap().to_owned()
        })
        .collect();
    for quiet in [
        "fd374941-aec4-4e5c-83aa-efc6ff24426e",
        "c7a4e0d9-5f21-4b3a-8e6c-1a9d2b7f4e08",
    ] {
        assert!(!ids.iter().any(|id| id == quiet), "{quiet} has an object");
    }
    let message = stderr(&out);
    assert!(message.contains("raise no alert of their own and are not deployed"));
    assert!(message.contains("(fd374941-aec4-4e5c-83aa-efc6ff24426e) (a building block"));
    assert!(message.contains(
        "(c7a4e0d9-5f21-4b3a-8e6c-1a9d2b7f4e08) (the input of the behaviour analytic 'dns_volume'"
    ));
}
