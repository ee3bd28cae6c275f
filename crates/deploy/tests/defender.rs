//! Defender XDR custom detection rules of the pack: golden files, the
//! Graph detectionRule schema (validators/defender) over every object and
//! over deliberately broken ones, the query checks (required columns,
//! continuous eligibility) and the injection round trip through
//! `serde_json`.

use std::process::Command;
use std::sync::LazyLock;

use proptest::prelude::*;
use tunnelhunt_backends::kql::Kql;
use tunnelhunt_deploy::defender::{self, Period, query};
use tunnelhunt_deploy::guide::{Guide, Section};

use crate::common::{Rendered, pack, rendered, repo_root, validator_python};

/// The pack rendered once for every test.
static PACK_KQL: LazyLock<(Vec<Rendered>, usize)> = LazyLock::new(|| rendered(&pack(), &Kql));

fn object(item: &Rendered) -> serde_json::Value {
    let rule = defender::rule(&item.meta, &item.query).expect("pack rules have objects");
    serde_json::from_str(&defender::to_json(&rule).expect("serializes")).expect("parses")
}

#[test]
fn golden_objects() {
    let (items, _) = &*PACK_KQL;
    for stem in [
        "proc_creation_win_netsh_portproxy_add",
        "registry_set_win_portproxy_entry",
        "dns_query_tunnel_service_domain",
        // Scheduled hourly: its IP-range functions are not transformation KQL.
        "net_connection_win_webserver_loopback_remote_access",
    ] {
        let item = items
            .iter()
            .find(|i| i.stem == stem)
            .unwrap_or_else(|| panic!("{stem} renders in KQL"));
        let rule = defender::rule(&item.meta, &item.query).unwrap();
        insta::assert_snapshot!(format!("{stem}.json"), defender::to_json(&rule).unwrap());
    }
}

#[test]
fn every_pack_object_returns_what_defender_requires_and_runs_continuously_only_when_it_may() {
    let (items, _) = &*PACK_KQL;
    assert!(items.len() >= 20, "{} pack renderings", items.len());
    let mut continuous = 0;
    for item in items {
        let rule = defender::rule(&item.meta, &item.query)
            .unwrap_or_else(|e| panic!("{}: {e}", item.stem));
        let text = &rule.query_condition.query_text;
        assert!(
            !text.contains("//"),
            "{}: a comment in the query",
            item.stem
        );
        let analysis = query::analyse(text).unwrap();
        for column in query::REQUIRED_COLUMNS {
            assert!(analysis.returns(column), "{}: {column}", item.stem);
        }
        let json = object(item);
        for asset in json["detectionAction"]["alertTemplate"]["impactedAssets"]
            .as_array()
            .unwrap()
        {
            let column = match asset["identifier"].as_str().unwrap() {
                "deviceId" => "DeviceId",
                "accountSid" => "AccountSid",
                "initiatingProcessAccountUpn" => "InitiatingProcessAccountUpn",
                other => panic!("{}: unexpected identifier {other}", item.stem),
            };
            assert!(analysis.returns(column), "{}: {column}", item.stem);
        }
        if rule.schedule.period == Period::Continuous {
            continuous += 1;
            assert!(analysis.nrt_eligible, "{}", item.stem);
            assert!(!text.contains("ipv4_is_in_any_range"), "{}", item.stem);
            assert!(item.meta.schedule.interval_secs < 3600, "{}", item.stem);
        } else {
            let interval = rule.schedule.period.interval_secs().unwrap();
            assert!(
                interval <= item.meta.schedule.interval_secs.max(3600),
                "{}: {interval}",
                item.stem
            );
        }
    }
    assert!(continuous > 0, "no pack rule runs continuously");
}

/// A way to break a good object.
type Breakage = fn(&mut serde_json::Value);

/// Run the schema checker on `files`; its stdout and whether it passed.
fn check(python: &std::path::Path, files: &[std::path::PathBuf]) -> (String, bool) {
    let output = Command::new(python)
        .arg(repo_root().join("validators/defender/defender_check.py"))
        .args(files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    (stdout, output.status.success())
}

#[test]
fn every_pack_object_passes_the_graph_schema_and_broken_ones_fail_it() {
    let Some(python) = validator_python("validators/defender/setup.sh") else {
        return;
    };
    let (items, refused) = &*PACK_KQL;
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for item in items {
        let path = dir.path().join(format!("{}.json", item.stem));
        std::fs::write(&path, object(item).to_string()).unwrap();
        paths.push(path);
    }
    let (stdout, ok) = check(&python, &paths);
    assert!(ok, "defender_check failed");
    assert!(
        stdout.contains(&format!("{} rules checked, 0 problems", items.len())),
        "{stdout}"
    );
    println!("{} pack objects, {refused} refused by KQL", items.len());

    let good = object(&items[0]);
    let breakages: [(&str, Breakage); 7] = [
        ("period 5 minutes", |o| {
            o["schedule"]["period"] = "5M".into()
        }),
        ("severity critical", |o| {
            o["detectionAction"]["alertTemplate"]["severity"] = "critical".into()
        }),
        ("no query", |o| {
            o["queryCondition"]
                .as_object_mut()
                .unwrap()
                .remove("queryText");
        }),
        ("a tactic id as category", |o| {
            o["detectionAction"]["alertTemplate"]["category"] = "TA0011".into()
        }),
        ("a tag as technique", |o| {
            o["detectionAction"]["alertTemplate"]["mitreTechniques"] =
                serde_json::json!(["attack.t1572"])
        }),
        ("an unknown user identifier", |o| {
            o["detectionAction"]["alertTemplate"]["impactedAssets"] = serde_json::json!([{
                "@odata.type": "#microsoft.graph.security.impactedUserAsset",
                "identifier": "InitiatingProcessAccountSid"
            }])
        }),
        ("an unknown field", |o| o["queryFrequency"] = "PT1H".into()),
    ];
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        let path = dir.path().join("broken.json");
        std::fs::write(&path, broken.to_string()).unwrap();
        let (stdout, ok) = check(&python, std::slice::from_ref(&path));
        assert!(!ok, "{what} passes the schema: {stdout}");
    }
}

/// Text with JSON's and KQL's metacharacters and the Markdown the guides
/// hold: quotes, backslashes, newlines, `#`, `:`, `{`, `$`, backticks,
/// `|`, control characters and non-ASCII.
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
            "{\"a\": 1}",
            "${x}",
            "`code`",
            "| where",
            "\u{1b}[31m",
            "\u{0}",
            "é€😀",
        ],
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn metadata_comes_back_exactly_from_json(
        title in hostile_text(),
        description in hostile_text(),
        response in hostile_text(),
    ) {
        let (items, _) = &*PACK_KQL;
        let mut meta = items[0].meta.clone();
        meta.title = title.clone();
        meta.description = description.clone();
        meta.guide = Guide::parse(&format!("## Response\n\n{response}\nend"));
        let rule = defender::rule(&meta, &items[0].query).unwrap();
        let back: serde_json::Value =
            serde_json::from_str(&defender::to_json(&rule).unwrap()).unwrap();
        let template = &back["detectionAction"]["alertTemplate"];
        prop_assert_eq!(back["displayName"].as_str(), Some(title.as_str()));
        prop_assert_eq!(template["title"].as_str(), Some(title.as_str()));
        prop_assert!(template["description"].as_str().unwrap().starts_with(description.as_str()));
        prop_assert_eq!(
            template["recommendedActions"].as_str(),
            meta.guide.section(Section::Response)
        );
        prop_assert_eq!(
            back["queryCondition"]["queryText"].as_str(),
            Some(rule.query_condition.query_text.as_str())
        );
    }
}
