//! The ES app's `.conf` files: a correlation search stanza per detection
//! (`savedsearches.conf`), its filter macro (`macros.conf`), and the
//! app's identity (`app.conf`, `metadata/default.meta`).
//!
//! The settings are those `contentctl build` writes for the same detection
//! (the tests compare them key by key), plus what contentctl leaves out:
//! the guide as the notable's next steps, and the import disabled.

use serde_json::{Value, json};

use super::conf::{self, ConfError, Stanza, json_value};
use super::detection::{APP_ID, DRILLDOWN_EARLIEST, DRILLDOWN_LATEST, Detection, RISK_FIELD};

const HEADER: &str = "Written by tunnelhunt export --target spl --as rule|repo.\n\
                      Correlation searches are imported disabled: review each schedule, then enable it.";

/// `action.correlationsearch.annotations`: what contentctl computes for a
/// detection without ATT&CK enrichment (kill-chain phases need MITRE's
/// data, which the objects never download).
pub fn annotations(detection: &Detection, story: &str) -> Value {
    let mut annotations = json!({
        "analytic_story": [story],
        "cis20": [detection.domain.cis20()],
        "data_source": detection.data_source.map(|d| vec![d.name]).unwrap_or_default(),
        "nist": [detection.analytic.nist()],
        "type": detection.analytic.as_str(),
        "type_list": [detection.analytic.as_str()],
    });
    if !detection.mitre_attack.is_empty() {
        annotations["mitre_attack"] = json!(detection.mitre_attack);
    }
    annotations
}

/// `action.risk.param._risk`: the host is the risk object, scored by level.
pub fn risk(detection: &Detection) -> Value {
    json!([{
        "risk_object_field": RISK_FIELD,
        "risk_object_type": "system",
        "risk_score": detection.risk_score,
    }])
}

pub fn drilldowns(detection: &Detection) -> Value {
    Value::Array(
        detection
            .drilldowns(&detection.search)
            .into_iter()
            .map(|d| {
                json!({
                    "name": d.name,
                    "search": d.search,
                    "earliest_offset": DRILLDOWN_EARLIEST,
                    "latest_offset": DRILLDOWN_LATEST,
                })
            })
            .collect(),
    )
}

/// One correlation search.
pub fn stanza(detection: &Detection, story: &str) -> Stanza {
    let mut s = Stanza::new(detection.stanza());
    s.set("description", &detection.description)
        .set("search", &detection.search)
        .set("enableSched", "1")
        .set("cron_schedule", &detection.cron)
        .set("dispatch.earliest_time", &detection.earliest)
        .set("dispatch.latest_time", detection.latest)
        .set("schedule_window", "auto")
        .set("action.correlationsearch.enabled", "1")
        .set("action.correlationsearch.detection_type", "ebd")
        .set("action.correlationsearch.label", detection.stanza())
        .set(
            "action.correlationsearch.annotations",
            json_value(&annotations(detection, story)),
        )
        .set(
            "action.correlationsearch.metadata",
            json_value(&json!({
                "detection_id": detection.id,
                "detection_version": "1",
                "deprecated": "0",
            })),
        );
    if detection.analytic.risk() {
        s.set("action.risk", "1")
            .set("action.risk.param._risk_message", detection.risk_message())
            .set("action.risk.param._risk", json_value(&risk(detection)))
            .set("action.risk.param._risk_score", "0")
            .set("action.risk.param.verbose", "0");
    }
    if detection.analytic.notable() {
        s.set("action.notable", "1")
            .set("action.notable.param.rule_title", &detection.name)
            .set(
                "action.notable.param.rule_description",
                &detection.description,
            )
            .set(
                "action.notable.param.security_domain",
                detection.domain.as_str(),
            )
            .set("action.notable.param.severity", detection.severity.as_str())
            .set("action.notable.param.nes_fields", RISK_FIELD);
        if let Some(steps) = &detection.next_steps {
            // ES's next-steps field: JSON, version 1, plain text.
            s.set(
                "action.notable.param.next_steps",
                json_value(&json!({"version": 1, "data": steps})),
            );
        }
    }
    // Written for every type, as contentctl does: ES offers them wherever
    // the search's results are shown.
    s.set(
        "action.notable.param.drilldown_searches",
        json_value(&drilldowns(detection)),
    );
    s.set("alert.suppress", "1")
        .set("alert.suppress.fields", RISK_FIELD)
        .set("alert.suppress.period", &detection.suppress_period)
        .set("alert.digest_mode", "1")
        .set("alert.track", "0")
        .set("counttype", "number of events")
        .set("relation", "greater than")
        .set("quantity", "0")
        .set("is_visible", "false")
        .set("disabled", "1");
    s
}

/// The filter macro teams tune without editing the search.
pub fn filter_macro(detection: &Detection) -> Stanza {
    let mut s = Stanza::new(&detection.filter_macro);
    s.set("definition", "search *").set(
        "description",
        format!(
            "Filter for {}: add exclusions here (for example: search NOT Image=\"*\\\\backup.exe\") \
             instead of editing the correlation search.",
            detection.name
        ),
    );
    s
}

pub fn savedsearches_conf(detections: &[Detection], story: &str) -> Result<String, ConfError> {
    let stanzas: Vec<Stanza> = detections.iter().map(|d| stanza(d, story)).collect();
    conf::render(HEADER, &stanzas)
}

pub fn macros_conf(detections: &[Detection]) -> Result<String, ConfError> {
    let stanzas: Vec<Stanza> = detections.iter().map(filter_macro).collect();
    conf::render(HEADER, &stanzas)
}

pub fn app_conf() -> Result<String, ConfError> {
    let mut launcher = Stanza::new("launcher");
    launcher
        .set("author", "tunnelhunt")
        .set(
            "description",
            "Correlation searches exported from Sigma rules by tunnelhunt",
        )
        .set("version", "1.0.0");
    let mut package = Stanza::new("package");
    package.set("id", APP_ID);
    let mut ui = Stanza::new("ui");
    ui.set("is_visible", "false").set("label", APP_ID);
    conf::render(HEADER, &[launcher, package, ui])
}

/// Shares the searches and macros with every app, so ES (another app)
/// runs them.
pub fn default_meta() -> Result<String, ConfError> {
    let stanzas: Vec<Stanza> = ["savedsearches", "macros"]
        .into_iter()
        .map(|kind| {
            let mut s = Stanza::new(kind);
            s.set("access", "read : [ * ], write : [ admin ]")
                .set("export", "system");
            s
        })
        .collect();
    conf::render(HEADER, &stanzas)
}
