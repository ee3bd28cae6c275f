//! A report made of hostile values: what the browser test checks in
//! Chromium (`validators/browser`), checked here on the text — nothing
//! from a log becomes markup, and the embedded JSON stays in its block.

use tunnelhunt_report::model::{Alert, HuntReport, RunCard, Summary};
use tunnelhunt_report::page::{Logic, RulePage};
use tunnelhunt_report::render_hunt_report;

const CANARIES: [&str; 6] = [
    "<script>window.__pwned=1</script>",
    "</script><script>window.__pwned=2</script>",
    "\"><img src=x onerror=window.__pwned=3>",
    "javascript:window.__pwned=4",
    "evil\u{202e}exe.txt",
    "<!--",
];

fn hostile_alert(value: &str, line: u64) -> Alert {
    serde_json::from_value(serde_json::json!({
        "rule_id": "r-1",
        "rule_title": format!("Rule {value}"),
        "level": "high",
        "branch": value,
        "attack": ["T1572"],
        "timestamp": "2024-05-01T10:00:00Z",
        "computer": value,
        "user": value,
        "command_line": value,
        "source": {"path": value, "line": line, "format": "jsonl"},
        "event": {"logsource": {"product": value}, "fields": {"CommandLine": value, "Image": [value, value]}}
    }))
    .expect("the alert schema")
}

fn report() -> HuntReport {
    HuntReport {
        run: RunCard {
            command: format!("tunnelhunt scan {}", CANARIES[0]),
            version: "0".into(),
            rules: vec!["built-in".into()],
            filters: vec![],
            inputs: CANARIES.iter().map(|c| (*c).to_owned()).collect(),
        },
        summary: Summary::default(),
        alerts: CANARIES
            .iter()
            .enumerate()
            .map(|(i, c)| hostile_alert(c, i as u64))
            .collect(),
        alerts_total: CANARIES.len() as u64,
        rules: vec![RulePage {
            slug: "r".into(),
            id: Some("r-1".into()),
            title: format!("Rule {}", CANARIES[1]),
            logic: Logic::Check(CANARIES[2].into()),
            sigma: CANARIES[1].into(),
            guide: Some(format!(
                "# Guide\n\n{}\n\n[x]({})",
                CANARIES[0], CANARIES[3]
            )),
            references: vec![CANARIES[3].into()],
            ..RulePage::default()
        }],
    }
}

#[test]
fn no_hostile_value_becomes_markup() {
    let html = render_hunt_report(&report()).expect("renders");
    // Our own two script elements, and no other.
    assert_eq!(html.matches("<script").count(), 2, "{html}");
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(!html.contains("<img"));
    assert!(!html.contains("href=\"javascript:"));
    assert!(!html.contains("<!--"));
    assert!(
        !html.contains('\u{202e}'),
        "a bidi override is shown, not applied"
    );
    assert!(html.contains("evil\\u{202e}exe.txt"));
}

#[test]
fn the_embedded_data_reads_back_whole() {
    let html = render_hunt_report(&report()).expect("renders");
    let start = html.find("id=\"data\">").expect("data block") + "id=\"data\">".len();
    let end = start + html[start..].find("</script>").expect("end of the block");
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).expect("JSON");
    let values: Vec<&str> = data["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .map(|a| a["command_line"].as_str().expect("text"))
        .collect();
    assert_eq!(values, CANARIES);
}
