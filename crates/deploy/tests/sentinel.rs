//! Sentinel analytics rules of the pack: golden files, the Azure-Sentinel
//! repository's checks (on our objects, on real rules and on broken copies
//! of them), the ARM templates against the REST API specification
//! (validators/sentinel), the objects' queries bound by Kusto.Language
//! (validators/kql), and the injection round trip through saphyr and
//! serde_json.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use proptest::prelude::*;
use saphyr::{LoadableYamlNode, Yaml};
use tunnelhunt_backends::kql::{Kql, SENTINEL_FLAVOR};
use tunnelhunt_deploy::guide::Guide;
use tunnelhunt_deploy::sentinel::{self, AnalyticsRule, SentinelObjects, arm, check, yaml};
use tunnelhunt_deploy::{DeployError, Entry, Form, Kind, Objects, Platform, RuleMeta, Schedules};
use tunnelhunt_sigma::ast::{Level, LogSource};

use crate::common::{Pack, Rendered, pack, rendered_in, repo_root, validator_python};

static PACK: LazyLock<Pack> = LazyLock::new(pack);
static RENDERED: LazyLock<Vec<Rendered>> =
    LazyLock::new(|| rendered_in(&PACK, &Kql, SENTINEL_FLAVOR).0);

fn object(item: &Rendered) -> AnalyticsRule {
    sentinel::rule(&item.entry()).expect("pack rules make Sentinel objects")
}

fn find(stem: &str) -> &'static Rendered {
    RENDERED
        .iter()
        .find(|i| i.stem == stem)
        .unwrap_or_else(|| panic!("{stem} renders in the sentinel flavor"))
}

use crate::json_keys::sorted;

#[test]
fn golden_objects() {
    for stem in [
        "proc_creation_win_netsh_portproxy_add",
        "win_security_rdp_logon_from_loopback",
        "proc_creation_lnx_ssh_local_port_forward",
        "registry_set_win_portproxy_entry",
    ] {
        let rule = object(find(stem));
        insta::assert_snapshot!(format!("{stem}.yaml"), yaml::to_yaml(&rule).unwrap());
        // Keys sorted, as the Elastic golden test does (serde_json's
        // preserve_order may be on in the workspace build).
        let template: serde_json::Value =
            serde_json::from_str(&arm::template(&[&rule]).unwrap()).unwrap();
        insta::assert_snapshot!(
            format!("{stem}.azuredeploy.json"),
            serde_json::to_string_pretty(&sorted(template)).unwrap()
        );
    }
}

#[test]
fn every_pack_object_passes_the_repository_checks() {
    let mut files = Vec::new();
    for item in RENDERED.iter() {
        let rule = object(item);
        let text = yaml::to_yaml(&rule).unwrap();
        let problems = check::check_text(&text);
        assert!(problems.is_empty(), "{}: {problems:?}\n{text}", item.stem);
        // The entity and custom-detail columns exist: each is a column of
        // the table or made by the query's final `| extend`.
        for mapping in &rule.entity_mappings {
            for field in &mapping.field_mappings {
                assert!(
                    rule.query.contains(&format!("{} = ", field.column_name))
                        || [
                            "Computer",
                            "Account",
                            "CommandLine",
                            "NewProcessId",
                            "IpAddress",
                            "DeviceName",
                            "AccountName",
                            "ProcessCommandLine",
                            "ProcessId",
                            "UserName"
                        ]
                        .contains(&field.column_name.as_str()),
                    "{}: {} is neither extended nor a table column",
                    item.stem,
                    field.column_name
                );
            }
        }
        files.push((item.stem.clone(), text));
    }
    assert!(files.len() >= 20, "{} pack objects", files.len());
    let named: Vec<(&str, &str)> = files
        .iter()
        .map(|(s, t)| (s.as_str(), t.as_str()))
        .collect();
    assert!(check::duplicate_ids(&named).is_empty());
    println!("{} pack objects pass the repository checks", files.len());
}

#[test]
fn critical_rules_stay_scheduled_every_five_minutes() {
    let critical: Vec<&Rendered> = RENDERED
        .iter()
        .filter(|i| i.meta.level == Some(Level::Critical))
        .collect();
    assert!(
        !critical.is_empty(),
        "the pack has critical rules Sentinel renders"
    );
    for item in critical {
        let rule = object(item);
        let text = yaml::to_yaml(&rule).unwrap();
        assert!(text.contains("\nkind: Scheduled\n"), "{text}");
        assert_eq!(rule.query_frequency_secs, 300);
        assert_eq!(rule.severity, sentinel::Severity::High);
    }
}

fn real_rule(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("validators/sentinel/rules").join(name)).unwrap()
}

#[test]
fn the_repositorys_own_rules_pass_as_its_ci_would_judge_them() {
    let dir = repo_root().join("validators/sentinel/rules");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    for name in &names {
        let problems = check::check_text(&real_rule(name));
        if name == "ADFSKeyExportSysmon.yaml" {
            // An older revision, written before the template model made
            // `kind` required: that, and only that, is reported.
            let fields: Vec<(&str, &str)> = problems
                .iter()
                .map(|p| (p.field, p.message.as_str()))
                .collect();
            assert_eq!(fields, [("(required)", "missing kind")], "{name}");
            let fixed = real_rule(name) + "kind: Scheduled\n";
            assert!(check::check_text(&fixed).is_empty(), "{name} with a kind");
        } else {
            assert!(problems.is_empty(), "{name}: {problems:?}");
        }
    }
}

#[test]
fn each_broken_field_of_a_real_rule_is_reported() {
    let scheduled = "PotentialRemoteDesktopTunneling.yaml";
    let nrt = "NRT_SecurityEventLogCleared.yaml";
    // (file, text replaced, replacement, field reported)
    let breaks: &[(&str, &str, &str, &str)] = &[
        (
            scheduled,
            "id: d2e8fd50-8d66-11ec-b909-0242ac120002",
            "id: d2e8fd50-tunnel",
            "id",
        ),
        (
            scheduled,
            "severity: Medium",
            "severity: Critical",
            "severity",
        ),
        (
            scheduled,
            "queryFrequency: 1h",
            "queryFrequency: 1m",
            "queryFrequency/queryPeriod",
        ),
        (
            scheduled,
            "queryPeriod: 1h",
            "queryPeriod: 15d",
            "queryFrequency/queryPeriod",
        ),
        (
            scheduled,
            "queryPeriod: 1h",
            "queryPeriod: 30m",
            "queryFrequency/queryPeriod",
        ),
        (
            scheduled,
            "triggerOperator: gt",
            "triggerOperator: GreaterThanOrEqual",
            "triggerOperator/triggerThreshold",
        ),
        (
            scheduled,
            "triggerThreshold: 0",
            "triggerThreshold: 20000",
            "triggerOperator/triggerThreshold",
        ),
        (
            scheduled,
            "  - CommandAndControl",
            "  - Command and Control",
            "tactics",
        ),
        (
            scheduled,
            "  - CommandAndControl",
            "  - Persistence",
            "relevantTechniques",
        ),
        (scheduled, "  - T1572", "  - T157", "relevantTechniques"),
        (
            scheduled,
            "      - identifier: HostName",
            "      - identifier: Hostname",
            "entityMappings",
        ),
        (
            scheduled,
            "      - identifier: UPNSuffix\n        columnName: UPNSuffix",
            "      - identifier: UPNSuffix\n        columnName: UPNSuffix\n      - identifier: Sid\n        columnName: Sid\n      - identifier: NTDomain\n        columnName: Dom",
            "entityMappings",
        ),
        (
            scheduled,
            "        columnName: IpAddress",
            "        columnName: Ip Address",
            "entityMappings",
        ),
        (
            scheduled,
            "      - identifier: Address",
            "      - identifier: Url",
            "entityMappings",
        ),
        (
            scheduled,
            "version: 1.0.1",
            "version: 1.0.1-beta",
            "version",
        ),
        (scheduled, "kind: Scheduled", "kind: Hunting", "kind"),
        (
            scheduled,
            "name: Potential Remote Desktop Tunneling\n",
            "",
            "(required)",
        ),
        (
            scheduled,
            "kind: Scheduled",
            "kind: Scheduled\ncustomDetails:\n  1Branch: Branch",
            "customDetails",
        ),
        (
            scheduled,
            "kind: Scheduled",
            "kind: Scheduled\ncustomDetails:\n  Branch: Branch name",
            "customDetails",
        ),
        (
            scheduled,
            "kind: Scheduled",
            "kind: Scheduled\nalertDetailsOverride:\n  alertDisplayNameFormat: '{{A}} {{B}} {{C}} {{D}}'",
            "alertDetailsOverride",
        ),
        (
            scheduled,
            "kind: Scheduled",
            "kind: Scheduled\neventGroupingSettings:\n  aggregationKind: PerEntity",
            "eventGroupingSettings",
        ),
        (
            nrt,
            "kind: NRT",
            "queryFrequency: 1h\nkind: NRT",
            "queryFrequency/queryPeriod",
        ),
        (
            scheduled,
            "kind: Scheduled",
            "kind: Scheduled\nalertDetailsOverride:\n  alertDisplayNameFormat: ' '",
            "alertDetailsOverride",
        ),
        (
            scheduled,
            "| extend HostName",
            "| extend HostCustomEntity = Computer, HostName",
            "entityMappings (old columns)",
        ),
    ];
    for (file, from, to, field) in breaks {
        let good = real_rule(file);
        assert!(good.contains(from), "{file} holds {from:?}");
        let broken = good.replacen(from, to, 1);
        let problems = check::check_text(&broken);
        assert!(
            problems.iter().any(|p| p.field == *field),
            "{file}: {from:?} → {to:?} should be reported on {field}: {problems:?}"
        );
    }
    let long = real_rule(scheduled).replacen(
        "description: |\n",
        &format!("description: |\n   {}\n", "x".repeat(5001)),
        1,
    );
    assert!(
        check::check_text(&long)
            .iter()
            .any(|p| p.field == "description")
    );
    let twice = [
        ("a.yaml", real_rule(scheduled)),
        ("b.yaml", real_rule(scheduled)),
    ];
    let named: Vec<(&str, &str)> = twice.iter().map(|(n, t)| (*n, t.as_str())).collect();
    assert_eq!(check::duplicate_ids(&named).len(), 1);
    println!("{} broken copies, each reported", breaks.len() + 2);
}

/// A correlation rule over the pack's loopback RDP logon, as the KQL
/// backend renders event counts.
const CORRELATION_QUERY: &str = "// Title: Repeated loopback RDP logons\nlet m = union\n    (SecurityEvent\n    | where EventID == 4624\n    | project t = TimeGenerated, g = tostring(TargetUserName));\nm\n| summarize n = count() by g\n| where n >= 3";

fn correlation_meta(timespan_secs: u64) -> RuleMeta {
    let rule = &PACK
        .rules
        .iter()
        .find(|(r, _)| {
            r.origin
                .file
                .to_string_lossy()
                .contains("rdp_logon_from_loopback")
        })
        .expect("the pack has the loopback RDP rule")
        .0;
    RuleMeta::new(
        &rule.meta,
        None,
        Kind::Correlation { timespan_secs },
        &Schedules::default(),
    )
}

#[test]
fn correlations_look_back_over_their_window_and_map_no_entities() {
    let meta = correlation_meta(3600);
    let logsource = LogSource::default();
    let entry = Entry {
        meta: &meta,
        query: CORRELATION_QUERY,
        stem: "correlation",
        platform: Platform::CrossPlatform,
        logsource: &logsource,
        stable: false,
    };
    let rule = sentinel::rule(&entry).unwrap();
    assert!(rule.query_period_secs >= 3600 + rule.query_frequency_secs);
    assert!(rule.entity_mappings.is_empty());
    assert_eq!(
        rule.required_data_connectors[0].connector_id,
        "SecurityEvents"
    );
    assert!(check::check_text(&yaml::to_yaml(&rule).unwrap()).is_empty());

    let meta = correlation_meta(15 * 86_400);
    let entry = Entry {
        meta: &meta,
        ..entry
    };
    let refused = sentinel::rule(&entry).unwrap_err();
    assert!(matches!(refused, DeployError::Refused { .. }), "{refused}");
}

#[test]
fn the_repo_layout_sorts_by_table_and_refuses_an_id_twice() {
    let mut objects = SentinelObjects::default();
    for stem in [
        "proc_creation_win_netsh_portproxy_add",
        "win_security_rdp_logon_from_loopback",
        "proc_creation_lnx_ssh_local_port_forward",
    ] {
        let item = find(stem);
        objects.add(&item.entry()).unwrap();
    }
    let item = find("win_security_rdp_logon_from_loopback");
    assert!(objects.add(&item.entry()).is_err());
    let paths: Vec<String> = objects
        .files(Form::Repo)
        .unwrap()
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "Detections/Sysmon/proc_creation_win_netsh_portproxy_add.yaml",
            "Detections/SecurityEvent/win_security_rdp_logon_from_loopback.yaml",
            "Detections/DeviceProcessEvents/proc_creation_lnx_ssh_local_port_forward.yaml",
            "azuredeploy.json",
        ]
    );
    let rule_form = objects.files(Form::Rule).unwrap();
    assert_eq!(rule_form.len(), 6);
    let template: serde_json::Value = serde_json::from_str(&objects.stdout().unwrap()).unwrap();
    assert_eq!(template["resources"].as_array().unwrap().len(), 3);
}

#[test]
fn every_pack_template_passes_the_rest_api_specification() {
    let Some(python) = validator_python("validators/sentinel/setup.sh") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules: Vec<AnalyticsRule> = RENDERED.iter().map(object).collect();
    let mut paths = Vec::new();
    for (item, rule) in RENDERED.iter().zip(&rules) {
        let path = dir.path().join(format!("{}.azuredeploy.json", item.stem));
        std::fs::write(&path, arm::template(&[rule]).unwrap()).unwrap();
        paths.push(path);
    }
    let all = dir.path().join("azuredeploy.json");
    let refs: Vec<&AnalyticsRule> = rules.iter().collect();
    std::fs::write(&all, arm::template(&refs).unwrap()).unwrap();
    paths.push(all);
    let output = Command::new(python)
        .arg(repo_root().join("validators/sentinel/sentinel_check.py"))
        .args(&paths)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "sentinel_check failed");
    assert!(
        stdout.contains(&format!("{} rules checked, 0 problems", 2 * rules.len())),
        "{stdout}"
    );
}

#[test]
fn every_object_query_binds_in_kusto() {
    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
        return;
    }
    let script = repo_root().join("validators/kql/validate.js");
    assert!(
        repo_root()
            .join("validators/kql/node_modules/@kusto/language-service-next/package.json")
            .is_file(),
        "TUNNELHUNT_VALIDATORS is set but the KQL validator is not installed: run validators/kql/setup.sh"
    );
    let queries: Vec<String> = RENDERED.iter().map(|i| object(i).query).collect();
    let mut child = Command::new("node")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&queries).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), queries.len());
    for (item, result) in RENDERED.iter().zip(results) {
        assert_eq!(
            result["ok"], true,
            "{}: {}",
            item.stem, result["diagnostics"]
        );
    }
    println!("{} object queries bind in Kusto.Language", queries.len());
}

/// Text with every metacharacter of YAML, JSON, ARM and Markdown the
/// objects hold.
fn hostile_text() -> impl Strategy<Value = String> {
    crate::common::hostile_text(
        &[
            "\"",
            "'",
            "\\",
            "\n",
            "\r\n",
            "\t",
            "#",
            ": ",
            "- ",
            "{",
            "}}",
            "[",
            "$",
            "`",
            "|",
            ">",
            "&a *a !tag %",
            "---",
            "...",
            "yes",
            "1.0",
            " ",
            "\u{1b}[31m",
            "é€😀",
        ],
        1..12,
    )
}

fn yaml_text<'a>(doc: &'a Yaml<'_>, key: &str) -> Option<&'a str> {
    doc.as_mapping_get(key).and_then(|v| v.as_str())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn metadata_comes_back_exactly_from_yaml_and_arm(
        title in hostile_text(),
        description in hostile_text(),
        guide_body in hostile_text(),
        branch in hostile_text(),
    ) {
        let item = find("proc_creation_win_netsh_portproxy_add");
        let mut meta = item.meta.clone();
        meta.title = title.clone();
        meta.description = description.clone();
        meta.guide = Guide::parse(&format!("## Investigation\n\n{guide_body}\nend"));
        meta.branch = Some(branch.clone());
        let entry = Entry {
            meta: &meta,
            ..item.entry()
        };
        let rule = sentinel::rule(&entry).unwrap();
        prop_assert!(rule.description.starts_with(&description));
        // The branch becomes a KQL string literal only when it is a plain
        // word; anything that would need escaping stays out of the query.
        let literal = format!("Branch = \"{branch}\"");
        let plain = !branch.is_empty() && branch
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'));
        prop_assert_eq!(rule.query.contains(&literal), plain && branch.len() <= 64);
        prop_assert_eq!(rule.query.contains("Branch = "), plain && branch.len() <= 64);

        let text = yaml::to_yaml(&rule).unwrap();
        let docs = Yaml::load_from_str(&text).unwrap();
        prop_assert_eq!(docs.len(), 1);
        let doc = &docs[0];
        prop_assert_eq!(yaml_text(doc, "name"), Some(title.as_str()));
        prop_assert_eq!(yaml_text(doc, "description"), Some(rule.description.as_str()));
        prop_assert_eq!(yaml_text(doc, "query"), Some(rule.query.as_str()));
        let display = doc
            .as_mapping_get("alertDetailsOverride")
            .and_then(|o| yaml_text(o, "alertDisplayNameFormat"));
        prop_assert_eq!(
            display,
            rule.alert_details_override.as_ref().map(|o| o.alert_display_name_format.as_str())
        );
        // A title that already holds `{{`/`}}` cannot be a format string.
        if title.contains("{{") || title.contains("}}") {
            prop_assert!(rule.alert_details_override.is_none());
        }

        let template: serde_json::Value =
            serde_json::from_str(&arm::template(&[&rule]).unwrap()).unwrap();
        let properties = &template["resources"][0]["properties"];
        let back = |key: &str| properties[key].as_str().map(arm::arm_value);
        prop_assert_eq!(back("displayName"), Some(title.as_str()));
        prop_assert_eq!(back("description"), Some(rule.description.as_str()));
        prop_assert_eq!(back("query"), Some(rule.query.as_str()));
    }
}
