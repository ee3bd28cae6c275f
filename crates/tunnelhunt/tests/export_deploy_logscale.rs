//! `tunnelhunt export --target cql --as rule|repo` as a user runs it:
//! LogScale alert resources on stdout (one YAML stream for `kubectl apply
//! -f -`), the kustomize layout with the Next-Gen SIEM bodies beside it, a
//! correlation as an aggregate alert, a schedule Next-Gen SIEM cannot run,
//! and (with the validators) the whole export through
//! validators/logscale.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{repo, scratch, stderr, stdout, tunnelhunt};
use saphyr::{LoadableYamlNode, Scalar, Yaml};

fn text<'y>(node: &'y Yaml<'_>, path: &[&str]) -> Option<&'y str> {
    let mut node = node;
    for key in path {
        node = match node {
            Yaml::Mapping(map) => map.get(&Yaml::Value(Scalar::String(key.to_string().into())))?,
            _ => return None,
        };
    }
    match node {
        Yaml::Value(Scalar::String(s)) => Some(s.as_ref()),
        _ => None,
    }
}

fn integer(node: &Yaml<'_>, path: &[&str]) -> Option<i64> {
    let mut node = node;
    for key in path {
        node = match node {
            Yaml::Mapping(map) => map.get(&Yaml::Value(Scalar::String(key.to_string().into())))?,
            _ => return None,
        };
    }
    match node {
        Yaml::Value(Scalar::Integer(n)) => Some(*n),
        _ => None,
    }
}

/// A directory with one pack rule and a correlation over it (no pack
/// correlation renders in LogScale).
fn rules_with_a_correlation(dir: &Path) -> std::path::PathBuf {
    let rules = dir.join("rules");
    fs::create_dir_all(&rules).unwrap();
    let rule = "proc_creation_tunneling_tool_arguments.yml";
    fs::copy(repo().join("rules/t1572").join(rule), rules.join(rule)).unwrap();
    fs::write(
        rules.join("correlation_tool_repeated.yml"),
        "title: Tunnelling Tool Started Repeatedly From One Image\n\
         id: 7d3f0c2e-5a61-4b8e-9c14-2e7b9a0d4f31\n\
         level: high\n\
         tags:\n    - attack.t1572\n\
         correlation:\n    type: event_count\n    rules:\n        - 5bf2adf3-b56c-4b8b-8776-3cc692360d80\n\
         \x20   group-by:\n        - Image\n    timespan: 30m\n    condition:\n        gte: 3\n\
         \x20   generate: true\n",
    )
    .unwrap();
    rules
}

#[test]
fn as_rule_prints_one_yaml_stream_of_disabled_alerts() {
    let out = tunnelhunt(&["export", "--target", "cql", "--as", "rule"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = Yaml::load_from_str(&stdout(&out)).unwrap();
    let refused = stderr(&out).matches(": refused: ").count();
    assert!(!docs.is_empty() && refused > 0);
    for doc in &docs {
        assert_eq!(text(doc, &["apiVersion"]), Some("core.humio.com/v1alpha1"));
        assert_eq!(text(doc, &["kind"]), Some("HumioFilterAlert"));
        assert_eq!(text(doc, &["spec", "viewName"]), Some("falcon"));
        assert!(matches!(
            doc["spec"]["enabled"],
            Yaml::Value(Scalar::Boolean(false))
        ));
    }
    let tool = docs
        .iter()
        .find(|d| text(d, &["metadata", "name"]) == Some("proc-creation-tunneling-tool-arguments"))
        .expect("the tunnelling-tool rule has an alert");
    assert_eq!(integer(tool, &["spec", "throttleTimeSeconds"]), Some(300));
    assert_eq!(text(tool, &["spec", "throttleField"]), Some("aid"));
    assert!(
        text(tool, &["spec", "queryString"])
            .unwrap()
            .contains("#event_simpleName=ProcessRollup2")
    );
    assert!(
        text(tool, &["spec", "description"])
            .unwrap()
            .contains("## Investigation")
    );
}

#[test]
fn as_repo_writes_the_kustomize_layout_and_the_next_gen_siem_bodies() {
    let dir = scratch("export_deploy_logscale", "repo");
    let rules = rules_with_a_correlation(&dir);
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "--target",
        "cql",
        "--approximate",
        "--as",
        "repo",
        "-r",
        rules.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let base = out_dir.join("logscale");
    let kustomization =
        Yaml::load_from_str(&fs::read_to_string(base.join("kustomization.yaml")).unwrap()).unwrap();
    let Yaml::Sequence(resources) = &kustomization[0]["resources"] else {
        panic!("resources is a list");
    };
    let listed: Vec<&str> = resources
        .iter()
        .map(|r| match r {
            Yaml::Value(Scalar::String(s)) => s.as_ref(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        listed,
        [
            "alerts/proc-creation-tunneling-tool-arguments.yaml",
            "alerts/correlation-tool-repeated.yaml"
        ]
    );
    let correlation = Yaml::load_from_str(
        &fs::read_to_string(base.join("alerts/correlation-tool-repeated.yaml")).unwrap(),
    )
    .unwrap();
    let correlation = &correlation[0];
    assert_eq!(text(correlation, &["kind"]), Some("HumioAggregateAlert"));
    // High: a 5-minute interval, so the 30-minute window plus 5 minutes.
    assert_eq!(
        integer(correlation, &["spec", "searchIntervalSeconds"]),
        Some(35 * 60)
    );
    assert_eq!(
        text(correlation, &["spec", "triggerMode"]),
        Some("CompleteMode")
    );
    let body: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(base.join("ngsiem/correlation-tool-repeated.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(body["search"]["lookback"], "0h35m");
    assert_eq!(body["operation"]["schedule"]["definition"], "@every 0h5m");
    assert_eq!(body["status"], "inactive");
    assert_eq!(
        body["search"]["filter"].as_str(),
        text(correlation, &["spec", "queryString"])
    );
    let readme = fs::read_to_string(out_dir.join("README.md")).unwrap();
    assert!(readme.contains("kubectl apply -k logscale"), "{readme}");
    assert!(readme.contains("- `logscale/ngsiem/correlation-tool-repeated.json`"));

    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set (validators/logscale)");
        return;
    }
    let venv = std::env::var_os("TUNNELHUNT_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo().join("target/validators-venv"));
    let check = Command::new(venv.join("bin/python"))
        .arg(repo().join("validators/logscale/logscale_check.py"))
        .arg(&base)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    assert!(
        report.contains("2 alert resources, 2 correlation rules checked, 0 problems"),
        "{report}"
    );
}

#[test]
fn a_schedule_next_gen_siem_cannot_run_is_refused_by_name() {
    let dir = scratch("export_deploy_logscale", "schedule");
    let schedule = dir.join("schedule.toml");
    fs::write(&schedule, "[high]\ninterval = \"1m\"\n").unwrap();
    let out = tunnelhunt(&[
        "export",
        "--target",
        "cql",
        "--as",
        "rule",
        "--schedule",
        schedule.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "no rule object: schedule configuration: Next-Gen SIEM runs a correlation rule at most every 5 minutes, and \"Tunnelling Tool Recognised by Its Arguments\""
        ),
        "{}",
        stderr(&out)
    );
    let docs = Yaml::load_from_str(&stdout(&out)).unwrap();
    assert!(
        docs.iter()
            .all(|d| text(d, &["metadata", "name"])
                != Some("proc-creation-tunneling-tool-arguments"))
    );
}
