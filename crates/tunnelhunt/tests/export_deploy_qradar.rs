//! `tunnelhunt export --target aql --as rule|repo` as a user runs it:
//! QRadar saved searches on stdout and in the `saved_searches/` layout,
//! with the schedule file's look-back as the AQL's time clause.

use crate::common;

use std::fs;

use common::{stderr, stdout, tunnelhunt};

#[test]
fn as_rule_prints_one_saved_search_per_rendered_rule() {
    let out = tunnelhunt(&["export", "--target", "aql", "--as", "rule"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let netsh = files
        .iter()
        .find(|file| file["sigma_id"] == "f8fe5df9-b306-4fef-860a-adab51d12f8c")
        .expect("the netsh rule has a saved search");
    let search = &netsh["saved_search"];
    assert_eq!(search["database"], "EVENTS");
    assert!(
        search["aql"]
            .as_str()
            .unwrap()
            .starts_with("SELECT *\nFROM events\n")
    );
    assert!(
        search["aql"]
            .as_str()
            .unwrap()
            .ends_with("\nLAST 10 MINUTES")
    );
    assert_eq!(
        (netsh["run_every"].as_str(), netsh["lookback"].as_str()),
        (Some("5m"), Some("10m"))
    );
    assert!(
        search["description"]
            .as_str()
            .unwrap()
            .contains("## Investigation")
    );
    assert!(stderr(&out).contains(": refused: "));
}

#[test]
fn as_repo_sorts_saved_searches_by_platform_and_honours_the_schedule_file() {
    let dir = common::scratch("export_deploy_qradar", "repo");
    let schedule = dir.join("schedule.toml");
    fs::write(&schedule, "[high]\ninterval = \"10m\"\nlookback = \"2h\"\n").unwrap();
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "-t",
        "aql",
        "--as",
        "repo",
        "--schedule",
        schedule.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let base = out_dir.join("qradar/saved_searches/windows/proc_creation_win_netsh_portproxy_add");
    let file: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(base.with_extension("json")).unwrap()).unwrap();
    assert_eq!(file["lookback"], "2h");
    let aql = fs::read_to_string(base.with_extension("aql")).unwrap();
    assert!(aql.ends_with("\nLAST 120 MINUTES\n"), "{aql}");
    assert_eq!(
        file["saved_search"]["aql"].as_str().unwrap(),
        aql.trim_end()
    );
    let all: Vec<serde_json::Value> = serde_json::from_str(
        &fs::read_to_string(out_dir.join("qradar/saved_searches.json")).unwrap(),
    )
    .unwrap();
    assert!(all.iter().any(|f| f == &file));
    let readme = fs::read_to_string(out_dir.join("README.md")).unwrap();
    assert!(readme.contains("Save Criteria"), "{readme}");
}
