//! The hunt report: one HTML file a responder opens from disk.
//!
//! Server-side (works with JavaScript off): the run card, a verdict per
//! host, the correlation chains, the ATT&CK techniques, the first
//! [`SERVER_ROWS`] alerts with a `<details>` per row saying why it fired,
//! and the detection page of every rule that fired. The script
//! (`assets/report.js`) reads the alerts embedded as JSON and adds the
//! filters, paging over all of them and the per-host timeline.

use std::collections::{BTreeMap, BTreeSet};

use maud::{Markup, html};
use serde::Serialize;

use crate::detection::rule_article;
use crate::limits::{MAX_ALERTS, SERVER_ROWS};
use crate::model::{Alert, HuntReport, Level};
use crate::page::RulePage;
use crate::shell::{Shell, embed_json};
use crate::text::{cut, level_class, visible};

/// The report's script.
pub const REPORT_SCRIPT: &str = include_str!("../assets/report.js");

/// Characters of an activity shown in a table cell (the row's details
/// have all of it).
const CELL_CHARS: usize = 160;

/// What the script reads: the alerts and, per rule, its page's anchor and
/// the fields it tests.
#[derive(Serialize)]
struct Data<'a> {
    alerts: Vec<EmbeddedAlert<'a>>,
    rules: BTreeMap<&'a str, RuleRef<'a>>,
    server_rows: usize,
}

#[derive(Serialize)]
struct EmbeddedAlert<'a> {
    #[serde(flatten)]
    alert: &'a Alert,
    /// The detection page's anchor (the rule's slug).
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<&'a str>,
}

#[derive(Serialize)]
struct RuleRef<'a> {
    fields: &'a [String],
}

/// The whole report as one HTML document.
pub fn render(report: &HuntReport) -> serde_json::Result<String> {
    let pages = Pages::of(&report.rules);
    let page_of = |alert: &Alert| pages.slug(alert);
    let data = Data {
        alerts: (report.alerts.iter())
            .map(|alert| EmbeddedAlert {
                alert,
                page: page_of(alert),
            })
            .collect(),
        rules: (report.rules.iter())
            .map(|p| (p.slug.as_str(), RuleRef { fields: &p.fields }))
            .collect(),
        server_rows: SERVER_ROWS,
    };
    let data = embed_json(&data)?;
    let body = html! {
        header.top {
            h1 { "tunnelhunt hunt report" }
            p { (report.alerts_total) " alerts · " (hosts(report).len()) " hosts · " (report.summary.totals.records_read) " records read" }
        }
        nav.sections aria-label="Sections" {
            a href="#run" { "Run" }
            a href="#hosts" { "Hosts" }
            a href="#timeline" { "Timeline" }
            a href="#chains" { "Chains" }
            a href="#attack" { "ATT&CK" }
            a href="#alerts" { "Alerts" }
            a href="#rules" { "Detection pages" }
        }
        main {
            @if (report.alerts.len() as u64) < report.alerts_total {
                p.notice role="status" {
                    "This report keeps the top " (report.alerts.len()) " of " (report.alerts_total)
                    " alerts (highest level first; the limit is " (MAX_ALERTS) " alerts). "
                    "The run card and the counts below cover every alert; the host verdicts, timeline and table cover the alerts kept."
                }
            }
            (run_card(report))
            (host_verdicts(report))
            section #timeline {
                h2 { "Timeline per host" }
                p.muted #timeline-help { "Alerts over time, one row per branch. Needs JavaScript." }
                div #timeline-hosts {}
            }
            (chains(report))
            (techniques(report))
            (alert_table(report, &page_of))
            section #rules {
                h2 { "Detection pages of the rules that fired" }
                @for page in &report.rules { (rule_article(page, 3)) }
            }
        }
    };
    Ok(Shell {
        title: "tunnelhunt hunt report",
        body,
        data: Some(data),
        script: REPORT_SCRIPT,
    }
    .render())
}

fn run_card(report: &HuntReport) -> Markup {
    let run = &report.run;
    let s = &report.summary;
    html! {
        section #run {
            h2 { "Run" }
            dl.card {
                dt { "Command" } dd.mono { (visible(&run.command)) }
                dt { "Version" } dd { "tunnelhunt " (run.version) }
                dt { "Rules" } dd { (s.rules.compiled) " compiled from " (list(&run.rules)) @if s.rules.errors > 0 { ", " (s.rules.errors) " with errors (left out)" } @if s.rules.not_selected > 0 { ", " (s.rules.not_selected) " not selected" } }
                dt { "Filters" } dd { @if run.filters.is_empty() { "none" } @else { (list(&run.filters)) } }
                dt { "Inputs" } dd { (list(&run.inputs)) }
                dt { "Files" } dd { (s.files.found) " found, " (s.files.read) " read, " (s.files.skipped) " skipped, " (s.files.unreadable) " unreadable" }
                @if s.time_range.from.is_some() || s.time_range.to.is_some() {
                    dt { "Time range" } dd { (s.time_range.from.as_deref().unwrap_or("…")) " to " (s.time_range.to.as_deref().unwrap_or("…")) ": " (s.time_range.alerts_outside) " alerts left out, " (s.time_range.alerts_without_timestamp) " kept without a timestamp" }
                }
                @if let Some(stopped) = &s.stopped { dt { "Stopped" } dd.fail { (visible(stopped)) } }
                dt { "Elapsed" } dd { (format!("{:.2} s", s.elapsed_seconds)) }
            }
            h3 { "Records per format" }
            p.muted { "read = evaluated + skipped by the prefilter + unparseable" }
            table {
                thead { tr {
                    th scope="col" { "Format" } th.num scope="col" { "Files" } th.num scope="col" { "Bytes" } th.num scope="col" { "Read" }
                    th.num scope="col" { "Evaluated" } th.num scope="col" { "Prefiltered" } th.num scope="col" { "Unparseable" } th.num scope="col" { "Damaged" } th.num scope="col" { "Alerts" }
                } }
                tbody {
                    @for (name, f) in s.formats.iter().map(|(n, f)| (n.as_str(), f)).chain([("total", &s.totals)]) {
                        tr {
                            th scope="row" { (name) }
                            td.num { (f.files) } td.num { (f.bytes) } td.num { (f.records_read) } td.num { (f.events_evaluated) }
                            td.num { (f.skipped_by_prefilter) } td.num { (f.unparseable) } td.num { (f.damaged) } td.num { (f.alerts) }
                        }
                    }
                }
            }
            @let problems: Vec<&String> = s.formats.values().flat_map(|f| f.first_unparseable.iter().chain(&f.first_damaged)).collect();
            @if !problems.is_empty() {
                h3 { "First unparseable records and damaged chunks" }
                ul { @for p in problems { li.mono { (visible(p)) } } }
            }
            @if !s.unreadable.is_empty() {
                h3 { "Unreadable" }
                ul { @for p in &s.unreadable { li.mono { (visible(p)) } } }
            }
            @if !s.skipped.is_empty() {
                h3 { "Skipped" }
                ul { @for g in &s.skipped { li { (visible(&g.reason)) ": " (g.count) } } }
            }
        }
    }
}

fn list(items: &[String]) -> Markup {
    html! { @for (i, item) in items.iter().enumerate() { @if i > 0 { ", " } code { (visible(item)) } } }
}

/// One host's alerts, summed up.
#[derive(Default)]
struct Verdict<'a> {
    alerts: usize,
    highest: Option<Level>,
    branches: BTreeSet<&'a str>,
    first: Option<&'a str>,
    last: Option<&'a str>,
    correlated: usize,
}

const NO_HOST: &str = "(no host)";

fn hosts(report: &HuntReport) -> BTreeMap<&str, Verdict<'_>> {
    let mut hosts: BTreeMap<&str, Verdict<'_>> = BTreeMap::new();
    for alert in &report.alerts {
        let v = hosts.entry(alert.host().unwrap_or(NO_HOST)).or_default();
        v.alerts += 1;
        v.highest = v.highest.max(alert.level);
        v.branches
            .insert(alert.branch.as_deref().unwrap_or("(no branch)"));
        v.correlated += usize::from(alert.correlation.is_some());
        if let Some(t) = alert.timestamp.as_deref() {
            // RFC 3339 in UTC compares as text.
            v.first = Some(v.first.map_or(t, |f| f.min(t)));
            v.last = Some(v.last.map_or(t, |l| l.max(t)));
        }
    }
    hosts
}

fn host_verdicts(report: &HuntReport) -> Markup {
    let mut hosts: Vec<(&str, Verdict<'_>)> = hosts(report).into_iter().collect();
    hosts.sort_by(|a, b| {
        b.1.highest
            .cmp(&a.1.highest)
            .then(b.1.alerts.cmp(&a.1.alerts))
            .then(a.0.cmp(b.0))
    });
    html! {
        section #hosts {
            h2 { "Verdict per host" }
            @if hosts.is_empty() { p { "No alerts: no host shows the tunnelling this rule set looks for." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Host" } th scope="col" { "Verdict" } th.num scope="col" { "Alerts" } th scope="col" { "Branches" } th scope="col" { "First" } th scope="col" { "Last" } } }
                    tbody {
                        @for (host, v) in &hosts {
                            tr {
                                th scope="row" { (visible(host)) }
                                td {
                                    @if let Some(level) = v.highest { span class=(level_class(level)) { (level.as_str()) } " — " }
                                    (v.branches.len()) " branch" @if v.branches.len() != 1 { "es" }
                                    @if v.correlated > 0 { ", " strong { (v.correlated) " correlated chain" @if v.correlated != 1 { "s" } } }
                                }
                                td.num { (v.alerts) }
                                td { @for b in &v.branches { span.pill { (visible(b)) } } }
                                td.mono.time { (v.first.unwrap_or("—")) }
                                td.mono.time { (v.last.unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn chains(report: &HuntReport) -> Markup {
    // By place (path and line or record), whatever chunk or format the
    // evidence names.
    let by_place: BTreeMap<String, Vec<&Alert>> = report
        .alerts
        .iter()
        .filter(|a| a.correlation.is_none())
        .fold(BTreeMap::new(), |mut m, a| {
            m.entry(a.source.label()).or_insert_with(Vec::new).push(a);
            m
        });
    let correlated: Vec<&Alert> = report
        .alerts
        .iter()
        .filter(|a| a.correlation.is_some())
        .collect();
    html! {
        section #chains {
            h2 { "Tunnel chains (correlations)" }
            @if correlated.is_empty() { p { "No correlation rule fired." } }
            @for alert in correlated {
                @if let Some(c) = &alert.correlation {
                    div.chain {
                        h3 { (visible(alert.host().unwrap_or(NO_HOST))) ": " (visible(&alert.rule_title)) }
                        p { (c.kind) " " (c.figure) " (" (c.condition) " in " (c.timespan) ") from " span.mono { (c.window_start) } " to " span.mono { (c.window_end) } }
                        ol {
                            @for source in &c.evidence {
                                li {
                                    @match by_place.get(&source.label()) {
                                        Some(alerts) => {
                                            @for a in alerts { (visible(&a.rule_title)) " · " span.mono { (a.timestamp.as_deref().unwrap_or("")) } " · " }
                                        }
                                        None => {}
                                    }
                                    span.mono { (visible(&source.label())) }
                                }
                            }
                        }
                        @if c.evidence_total > c.evidence.len() as u64 { p.muted { (c.evidence_total - c.evidence.len() as u64) " more events not listed" } }
                    }
                }
            }
        }
    }
}

fn techniques(report: &HuntReport) -> Markup {
    let mut seen: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for alert in &report.alerts {
        for t in &alert.attack {
            let entry = seen.entry(t.as_str()).or_default();
            entry.0 += 1;
            entry.1.insert(alert.rule_title.as_str());
        }
    }
    html! {
        section #attack {
            h2 { "ATT&CK techniques seen" }
            @if seen.is_empty() { p { "None." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Technique" } th.num scope="col" { "Alerts" } th scope="col" { "Rules" } } }
                    tbody { @for (t, (n, rules)) in &seen { tr { th scope="row" { (t) } td.num { (n) } td { @for r in rules { span.pill { (visible(r)) } } } } } }
                }
            }
        }
    }
}

/// Which embedded page an alert links to: its rule's, found by id, or
/// by title for a rule without one.
struct Pages<'a> {
    by_key: BTreeMap<&'a str, &'a str>,
}

impl<'a> Pages<'a> {
    fn of(pages: &'a [RulePage]) -> Pages<'a> {
        let by_key = pages
            .iter()
            .map(|p| (p.id.as_deref().unwrap_or(&p.title), p.slug.as_str()))
            .collect();
        Pages { by_key }
    }

    fn slug(&self, alert: &Alert) -> Option<&'a str> {
        let key = alert.rule_id.as_deref().unwrap_or(&alert.rule_title);
        self.by_key.get(key).copied()
    }
}

fn alert_table<'a>(report: &'a HuntReport, page_of: &dyn Fn(&Alert) -> Option<&'a str>) -> Markup {
    let shown = report.alerts.len().min(SERVER_ROWS);
    html! {
        section #alerts {
            h2 { "Alerts" }
            form.filters #filters hidden aria-label="Filter the alerts" {
                label { "Host" select #f-host { option value="" { "any" } } }
                label { "Branch" select #f-branch { option value="" { "any" } } }
                label { "Level at least" select #f-level { option value="" { "any" } @for l in Level::ALL { option value=(l.as_str()) { (l.as_str()) } } } }
                label { "Rule" select #f-rule { option value="" { "any" } } }
                label { "From (UTC)" input #f-from type="text" placeholder="2024-05-01T00:00:00Z"; }
                label { "To (UTC)" input #f-to type="text" placeholder="2024-05-02T00:00:00Z"; }
                label { "Text" input #f-text type="search" placeholder="any value"; }
                button #f-clear type="button" { "Clear" }
            }
            p #alert-count role="status" { "Showing " (shown) " of " (report.alerts.len()) " alerts" @if shown < report.alerts.len() { " (the rest with JavaScript)" } "." }
            table #alert-table {
                thead { tr {
                    th scope="col" { "Time" } th scope="col" { "Host" } th scope="col" { "User" } th scope="col" { "Branch" }
                    th scope="col" { "Level" } th scope="col" { "Rule" } th scope="col" { "What happened (expand: why it fired)" }
                } }
                tbody #alert-rows {
                    @for alert in report.alerts.iter().take(SERVER_ROWS) { (alert_row(alert, page_of(alert))) }
                }
            }
            div.pager #pager hidden {
                button #p-prev type="button" { "Previous" }
                span #p-label {}
                button #p-next type="button" { "Next" }
            }
        }
    }
}

fn alert_row(alert: &Alert, page: Option<&str>) -> Markup {
    let activity = alert.activity().unwrap_or_else(|| "(details)".to_owned());
    html! {
        tr {
            td.mono.time { (alert.timestamp.as_deref().unwrap_or("—")) }
            td { (visible(alert.host().unwrap_or(""))) }
            td { (visible(alert.user.as_deref().unwrap_or(""))) }
            td { (visible(alert.branch.as_deref().unwrap_or(""))) }
            td { @if let Some(l) = alert.level { span class=(level_class(l)) { (l.as_str()) } } }
            td { @match page { Some(slug) => a href=(format!("#rule-{slug}")) { (visible(&alert.rule_title)) }, None => (visible(&alert.rule_title)) } }
            td {
                details {
                    summary.mono { (visible(&cut(&activity, CELL_CHARS))) }
                    div.why {
                        dl.card {
                            dt { "Rule" } dd { (visible(&alert.rule_title)) @if let Some(id) = &alert.rule_id { " " span.mono.muted { (id) } } }
                            dt { "Source" } dd.mono { (visible(&alert.location())) " (" (alert.source.format) ")" }
                            @if let Some(c) = &alert.correlation { dt { "Correlation" } dd { (c.summary()) } }
                            @if let Some(event) = &alert.event {
                                @for (name, value) in &event.fields {
                                    dt { (name) } dd.mono { (visible(&display_value(value))) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A JSON value as one line of text: strings bare, lists joined.
fn display_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(display_value)
            .collect::<Vec<_>>()
            .join(" | "),
        other => other.to_string(),
    }
}
