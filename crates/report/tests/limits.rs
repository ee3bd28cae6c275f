//! Past its limit a report keeps the top alerts, and says so.

use tunnelhunt_report::limits::{MAX_ALERTS, TopAlerts};
use tunnelhunt_report::model::{HuntReport, RunCard, Summary};
use tunnelhunt_report::render_hunt_report;

fn line(n: usize, level: &str) -> String {
    serde_json::json!({
        "rule_title": "r", "level": level, "computer": format!("h{n}"),
        "source": {"path": "f", "line": n, "format": "jsonl"}
    })
    .to_string()
}

#[test]
fn a_report_past_its_limit_keeps_the_top_alerts_and_says_so() {
    let mut top = TopAlerts::new(3);
    for (n, level) in ["low", "critical", "low", "high", "medium", "high"]
        .iter()
        .enumerate()
    {
        top.push_line(line(n, level)).unwrap();
    }
    let (alerts, total) = top.finish().unwrap();
    assert_eq!(total, 6);
    let hosts: Vec<_> = alerts.iter().map(|a| a.computer.clone().unwrap()).collect();
    assert_eq!(
        hosts,
        ["h1", "h3", "h5"],
        "the highest levels, in output order"
    );
    let html = render_hunt_report(&HuntReport {
        run: RunCard::default(),
        summary: Summary::default(),
        alerts,
        alerts_total: total,
        rules: vec![],
    })
    .unwrap();
    assert!(
        html.contains(&format!("This report keeps the top 3 of 6 alerts (highest level first; the limit is {MAX_ALERTS} alerts)")),
        "the notice is missing"
    );
}
