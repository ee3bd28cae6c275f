//! The security_content repository layout `contentctl` (Splunk's content
//! tool, 5.x) validates and builds into an ES app:
//!
//! ```text
//! contentctl.yml                       the app: id, label, offline build
//! detections/<domain>/<name>.yml       one detection per rule
//! stories/<story>.yml                  one analytic story for the export
//! macros/<name>_filter.yml             the filter macro of each detection
//! data_sources/<source>.yml            the data sources the detections name
//! ```
//!
//! Each detection carries its own (inline) deployment: the schedule of its
//! level and the actions of its type, so `contentctl build` writes the same
//! correlation search our `savedsearches.conf` holds. The guide goes where
//! security_content puts analyst text: the rule's triage sections in
//! `explanation` (ES's Use Case Library), its tuning advice in
//! `how_to_implement`; the story's narrative says what the pack covers.
//!
//! Written with `saphyr`'s emitter from a built tree, never by pasting
//! strings.

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};

use crate::DeployError;

use super::data_source::DataSource;
use super::detection::{
    APP_ID, APP_LABEL, DRILLDOWN_EARLIEST, DRILLDOWN_LATEST, Detection, RISK_FIELD,
};

/// The export's analytic story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    pub name: &'static str,
    pub id: &'static str,
    pub description: &'static str,
    pub narrative: &'static str,
}

/// The story when every detection is tagged T1572 (the built-in pack).
pub const TUNNELLING_STORY: Story = Story {
    name: "Protocol Tunneling T1572",
    id: "32cd6e44-adbc-4aad-8276-154c4a629a57",
    description: "Detect adversaries tunnelling other protocols through allowed channels \
                  (SSH and plink port forwards, netsh port proxies, tunnelling tools, \
                  tunnel-as-a-service agents, DNS tunnels and DNS over HTTPS), MITRE ATT&CK T1572.",
    narrative: "Tunnelling wraps one protocol in another to reach hosts a network would not \
                otherwise let through or to hide command and control. These detections come from \
                the Sigma rules of the tunnelhunt T1572 pack; each rule's investigation guide is \
                in its detection's explanation and, on a notable, in its next steps. Start from \
                the host (dest): which process opened the tunnel, to which remote endpoint, and \
                what it forwarded; then look for the same tool or destination on other hosts.",
};

/// The story of any other export.
pub const SIGMA_STORY: Story = Story {
    name: "Sigma Rules Exported by TunnelHunt",
    id: "fdc7436d-c3f3-4750-ad06-a9c9c26dce10",
    description: "Detections converted from Sigma rules by tunnelhunt.",
    narrative: "Each detection is a Sigma rule rendered as SPL for the Splunk add-ons' field \
                names by tunnelhunt, with its schedule, risk and notable settings from the rule's \
                level. The rule's own description and references explain what it looks for.",
};

/// Folders `contentctl validate` requires to exist, which the export
/// leaves empty (no lookups, baselines, playbooks, dashboards, or
/// deployments: each detection carries its own).
pub const EMPTY_DIRS: [&str; 6] = [
    "baselines",
    "dashboards",
    "deployments",
    "lookups",
    "playbooks",
    "removed",
];

/// `app_template/README.md`: `contentctl build` copies the template into
/// the app it builds, so this becomes the app's README.
pub const APP_README: &str = "# TunnelHunt\n\n\
Correlation searches exported from Sigma rules by tunnelhunt \
(`tunnelhunt export --target spl --as repo`). They are installed disabled: \
review each schedule in Enterprise Security's Content Management, then \
enable it. Tune a search in its `<name>_filter` macro, not in the search.\n";

const PRODUCTS: [&str; 3] = [
    "Splunk Enterprise",
    "Splunk Enterprise Security",
    "Splunk Cloud",
];

fn s(text: &str) -> Yaml<'static> {
    Yaml::Value(Scalar::String(yaml_text(text).into()))
}

fn int(value: i64) -> Yaml<'static> {
    Yaml::Value(Scalar::Integer(value))
}

fn boolean(value: bool) -> Yaml<'static> {
    Yaml::Value(Scalar::Boolean(value))
}

fn list<I: IntoIterator<Item = Yaml<'static>>>(items: I) -> Yaml<'static> {
    Yaml::Sequence(items.into_iter().collect())
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Yaml<'static> {
    list(items.into_iter().map(s))
}

fn map<const N: usize>(pairs: [(&str, Yaml<'static>); N]) -> Yaml<'static> {
    let mut mapping = Mapping::new();
    for (key, value) in pairs {
        mapping.insert(s(key), value);
    }
    Yaml::Mapping(mapping)
}

fn insert(yaml: &mut Yaml<'static>, key: &str, value: Yaml<'static>) {
    if let Yaml::Mapping(mapping) = yaml {
        mapping.insert(s(key), value);
    }
}

/// Text as YAML can carry it to every YAML 1.1 reader (PyYAML, which
/// `contentctl` uses): the line separators it knows (U+0085, U+2028,
/// U+2029) become newlines and the C1 control characters, which it
/// refuses to read even escaped in some positions, become U+FFFD.
pub fn yaml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{85}' | '\u{2028}' | '\u{2029}' => '\n',
            '\u{80}'..='\u{9f}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

pub fn to_yaml(doc: &Yaml<'_>, what: &'static str) -> Result<String, DeployError> {
    let mut out = String::new();
    let mut emitter = YamlEmitter::new(&mut out);
    emitter.multiline(true);
    emitter.dump(doc).map_err(|e| DeployError::Serialize {
        what,
        reason: e.to_string(),
    })?;
    out.push('\n');
    Ok(out)
}

/// One detection's YAML tree.
pub fn detection(detection: &Detection, story: &Story) -> Yaml<'static> {
    let search_placeholder = "%original_detection_search%";
    let drilldowns = detection
        .drilldowns(search_placeholder)
        .into_iter()
        .map(|d| {
            map([
                ("name", s(&d.name)),
                ("search", s(&d.search)),
                ("earliest_offset", s(DRILLDOWN_EARLIEST)),
                ("latest_offset", s(DRILLDOWN_LATEST)),
            ])
        });
    let mut alert_action = map([(
        "rba",
        map([("enabled", boolean(detection.analytic.risk()))]),
    )]);
    if detection.analytic.notable() {
        insert(
            &mut alert_action,
            "notable",
            map([
                ("rule_description", s("%description%")),
                ("rule_title", s("%name%")),
                ("nes_fields", strings([RISK_FIELD])),
            ]),
        );
    }
    let mut doc = map([
        ("name", s(&detection.name)),
        ("id", s(&detection.id)),
        ("version", int(1)),
        ("date", s(&detection.date)),
        ("author", s(&detection.author)),
        // Not production: production detections must carry attack-data
        // tests contentctl replays, which a Sigma rule does not have.
        ("status", s("experimental")),
        ("type", s(detection.analytic.as_str())),
        ("description", s(&detection.description)),
        (
            "data_source",
            strings(detection.data_source.map(|d| d.name)),
        ),
        ("search", s(&detection.search)),
        ("how_to_implement", s(&detection.how_to_implement)),
        ("known_false_positives", s(&detection.known_false_positives)),
    ]);
    if let Some(guide) = &detection.guide {
        insert(&mut doc, "explanation", s(guide));
    }
    if !detection.references.is_empty() {
        insert(
            &mut doc,
            "references",
            strings(detection.references.iter().map(String::as_str)),
        );
    }
    insert(&mut doc, "drilldown_searches", list(drilldowns));
    if detection.analytic.risk() {
        insert(
            &mut doc,
            "rba",
            map([
                ("message", s(&detection.risk_message())),
                (
                    "risk_objects",
                    list([map([
                        ("field", s(RISK_FIELD)),
                        ("type", s("system")),
                        ("score", int(i64::from(detection.risk_score))),
                    ])]),
                ),
                ("threat_objects", list([])),
            ]),
        );
    }
    insert(
        &mut doc,
        "tags",
        map([
            ("analytic_story", strings([story.name])),
            ("asset_type", s(detection.domain.asset_type())),
            (
                "mitre_attack_id",
                strings(detection.mitre_attack.iter().map(String::as_str)),
            ),
            ("product", strings(PRODUCTS)),
            ("security_domain", s(detection.domain.as_str())),
            (
                "throttling",
                map([
                    ("fields", strings([RISK_FIELD])),
                    ("period", s(&detection.suppress_period)),
                ]),
            ),
        ]),
    );
    insert(
        &mut doc,
        "deployment",
        map([
            (
                "scheduling",
                map([
                    ("cron_schedule", s(&detection.cron)),
                    ("earliest_time", s(&detection.earliest)),
                    ("latest_time", s(detection.latest)),
                    ("schedule_window", s("auto")),
                ]),
            ),
            ("alert_action", alert_action),
        ]),
    );
    doc
}

pub fn story(story: &Story, date: &str) -> Yaml<'static> {
    map([
        ("name", s(story.name)),
        ("id", s(story.id)),
        ("version", int(1)),
        ("date", s(date)),
        ("author", s("tunnelhunt")),
        ("status", s("production")),
        ("description", s(story.description)),
        ("narrative", s(story.narrative)),
        (
            "tags",
            map([
                ("category", strings(["Adversary Tactics"])),
                ("product", strings(PRODUCTS)),
                ("usecase", s("Advanced Threat Detection")),
            ]),
        ),
    ])
}

pub fn filter_macro(detection: &Detection) -> Yaml<'static> {
    map([
        ("name", s(&detection.filter_macro)),
        ("definition", s("search *")),
        (
            "description",
            s(&format!(
                "Filter for {}: add exclusions here instead of editing the search.",
                detection.name
            )),
        ),
    ])
}

pub fn data_source(source: &DataSource, date: &str) -> Yaml<'static> {
    map([
        ("name", s(source.name)),
        ("id", s(source.id)),
        ("version", int(1)),
        ("date", s(date)),
        ("author", s("tunnelhunt")),
        (
            "description",
            s(&format!(
                "{} events, as the detections read them.",
                source.name
            )),
        ),
        ("source", s(source.source)),
        ("sourcetype", s(source.sourcetype)),
        (
            "supported_TA",
            list([map([
                ("name", s(source.add_on)),
                ("url", s(source.add_on_url)),
                ("version", s(source.add_on_version)),
            ])]),
        ),
    ])
}

/// `contentctl.yml`: the app and an offline build (no MITRE or CVE
/// enrichment, no add-on checks against Splunkbase).
pub fn contentctl_yml() -> Yaml<'static> {
    map([
        ("path", s(".")),
        (
            "app",
            map([
                ("uid", int(99_999)),
                ("title", s("TunnelHunt Detections")),
                ("appid", s(APP_ID)),
                ("version", s("1.0.0")),
                (
                    "description",
                    s("Correlation searches exported from Sigma rules by tunnelhunt"),
                ),
                ("prefix", s(APP_LABEL)),
                ("label", s(APP_LABEL)),
                ("author_name", s("tunnelhunt")),
                ("author_email", s("tunnelhunt@example.org")),
                ("author_company", s("tunnelhunt")),
            ]),
        ),
        ("enrichments", boolean(false)),
        ("build_app", boolean(true)),
        ("build_api", boolean(false)),
        ("data_source_TA_validation", boolean(false)),
        ("build_path", s("dist")),
    ])
}
