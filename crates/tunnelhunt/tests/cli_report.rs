//! `scan --format html` and `rules page` from the command line (issue
//! 18): the files are written, self-contained, carry every alert the
//! JSON lines carry, and no hostile value becomes markup. The browser
//! checks of the same files are `report_browser`.

use crate::common;
use crate::report_support;

use common::{scratch, stderr, tunnelhunt};
use report_support::{CANARIES, alerts, write_hostile_corpus};

/// The alerts embedded in a report, read back from its data block.
fn embedded_alerts(html: &str) -> Vec<serde_json::Value> {
    let start = html.find("id=\"data\">").unwrap() + "id=\"data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    data["alerts"].as_array().unwrap().clone()
}

#[test]
fn the_report_holds_every_alert_of_the_scan_and_fetches_nothing() {
    let dir = scratch("cli_report", "examples");
    let report = dir.join("report.html");
    let out = tunnelhunt(&[
        "scan",
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
        "examples/events",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("HTML report: "),
        "the size is reported: {}",
        stderr(&out)
    );
    let html = std::fs::read_to_string(&report).unwrap();
    let jsonl = tunnelhunt(&["scan", "--quiet", "--format", "jsonl", "examples/events"]);
    let expected = alerts(&jsonl.stdout);
    let embedded = embedded_alerts(&html);
    assert_eq!(embedded.len(), expected.len());
    for (got, want) in embedded.iter().zip(&expected) {
        for key in ["rule_id", "timestamp", "computer", "command_line", "source"] {
            assert_eq!(got[key], want[key], "{key}");
        }
        // A correlation or behaviour alert stands for many events: it
        // carries its evidence, not one normalized event.
        let per_event = want.get("correlation").is_none() && want.get("behaviour").is_none();
        assert!(
            !per_event || got["event"]["fields"].is_object(),
            "the normalized event is embedded"
        );
        if want.get("behaviour").is_some() {
            assert_eq!(got["behaviour"]["score"], want["behaviour"]["score"]);
        }
    }
    assert!(html.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"));
    assert!(!html.contains(" src="), "nothing is loaded from anywhere");
    // Every rule that fired has its detection page in the report.
    for alert in &expected {
        let id = alert["rule_id"].as_str().unwrap();
        assert!(html.contains(id), "no page for {id}");
    }
}

#[test]
fn hostile_values_stay_text() {
    let dir = scratch("cli_report", "hostile");
    let records = write_hostile_corpus(&dir);
    let report = dir.join("hostile.html");
    let input = dir.join("hostile.jsonl");
    let out = tunnelhunt(&[
        "scan",
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only the data block and our script"
    );
    assert!(!html.contains("<img") && !html.contains("<svg onload") && !html.contains("<!--"));
    assert!(!html.contains('\u{202e}') && !html.contains('\u{2028}'));
    let embedded = embedded_alerts(&html);
    assert!(
        embedded.len() >= records,
        "{} alerts for {records} records",
        embedded.len()
    );
    for canary in CANARIES {
        assert!(
            embedded
                .iter()
                .any(|a| a["command_line"].as_str().unwrap().ends_with(canary)),
            "the value reads back whole: {canary:?}"
        );
    }
    let huge = embedded
        .iter()
        .map(|a| a["command_line"].as_str().unwrap())
        .find(|c| c.contains("AAAA"))
        .unwrap();
    assert!(
        huge.ends_with("characters cut]"),
        "a huge value is cut, and says so"
    );
}

#[test]
fn every_pack_rule_gets_a_detection_page() {
    let dir = scratch("cli_report", "pages");
    let out = tunnelhunt(&["rules", "page", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = tunnelhunt(&["rules", "list", "--format", "json"]);
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).unwrap();
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    for rule in &rules {
        let title = rule["title"].as_str().unwrap();
        assert!(index.contains(title), "{title} is not in the index");
    }
    let pages = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        pages,
        rules.len() + 2,
        "a page per rule, the index and the coverage page"
    );
    let page =
        std::fs::read_to_string(dir.join("proc_creation_win_ssh_local_port_forward.html")).unwrap();
    assert!(page.contains("Its logic, in words"));
    assert!(
        page.contains("DeviceProcessEvents"),
        "the KQL query is there"
    );
    assert!(
        page.contains("seed-1-openssh-local-forward"),
        "the seed scenario proves it"
    );
    assert!(page.contains("Investigation"), "the guide is there");
}
