//! One event read from EVTX and from every SIEM export shape gives the
//! same alerts.
//!
//! The exports in `tests/fixtures/siem_exports/` were written by
//! `corpus/tools/siem_exports.py` from three real EVTX files of the shared
//! corpus (`real/`): Security 4688 netsh port proxies with a log-clear 1102
//! (UserData), a Sysmon netsh port proxy (process and registry) and the
//! Tunna web-shell's Sysmon network events. Each export holds the file's
//! records in order, so record `i` of an export is record `i` of its EVTX
//! file. Every record must raise the same rules — the built-in pack always,
//! all of SigmaHQ's rules with `TUNNELHUNT_CORPUS` — on the same host, with
//! the same EventID, channel and time (to the second: Log Analytics keeps
//! milliseconds). Without the corpus the exports are compared with the
//! Splunk raw XML, the first shape.

use crate::common::repo;
use crate::ruleset;

use std::path::{Path, PathBuf};

use tunnelhunt_engine::{Event, Matcher, RuleId};
use tunnelhunt_sigma::lower::Placeholders;
use tunnelhunt_sources::{Format, open};

/// (fixture name, the EVTX file under `$TUNNELHUNT_CORPUS` it was made from).
const SOURCES: [(&str, &str); 3] = [
    (
        "netsh_4688",
        "real/evtx-to-mitre-attack/ID4688-netsh RDP port forwarding abuse.evtx",
    ),
    (
        "netsh_sysmon",
        "real/evtx-attack-samples/de_portforward_netsh_rdp_sysmon_13_1.evtx",
    ),
    (
        "tunna_sysmon",
        "real/evtx-attack-samples/tunna_iis_rdp_smb_tunneling_sysmon_3.evtx",
    ),
];

/// Each export shape: the fixture's suffix and the format it must be
/// detected as.
const SHAPES: [(&str, Format); 8] = [
    ("splunk.xml", Format::XmlEvents),
    ("splunk.json", Format::SplunkJson),
    ("splunk-array.json", Format::SplunkJson),
    ("splunk.csv", Format::SplunkCsv),
    ("sentinel.json", Format::SentinelJson),
    ("sentinel.csv", Format::SentinelCsv),
    ("elastic.ndjson", Format::Ecs),
    ("elastic-source.ndjson", Format::Ecs),
];

/// What one record gave: the rules it raised and the facts an alert prints.
#[derive(Debug, PartialEq)]
struct Seen {
    rules: Vec<String>,
    host: Option<String>,
    event_id: Option<u32>,
    channel: Option<String>,
    second: Option<String>,
}

fn read(file: &Path, format: Format, matcher: &Matcher, rule_ids: &[String]) -> Vec<Seen> {
    let reader = open(file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reader.format(), format, "{}", file.display());
    let mut scratch = matcher.scratch();
    let mut hits: Vec<RuleId> = Vec::new();
    reader
        .map(|record| {
            let record = record.unwrap_or_else(|e| panic!("unreadable record: {e}"));
            hits.clear();
            matcher.matches(&record.event, &mut scratch, &mut hits);
            let kind = record.event.kind();
            Seen {
                rules: hits.iter().map(|&id| rule_ids[id].clone()).collect(),
                host: record.event.host().map(str::to_owned),
                event_id: kind.event_id,
                channel: kind.channel.map(str::to_owned),
                second: record.event.timestamp().map(|t| t[..19].to_owned()),
            }
        })
        .collect()
}

fn rule_set(paths: &[PathBuf]) -> (ruleset::LoadedRules, &'static str) {
    let label = if paths.is_empty() {
        "the built-in pack"
    } else {
        "every SigmaHQ rule"
    };
    (ruleset::load_or_builtin(paths, &[]), label)
}

#[test]
fn every_export_shape_raises_what_the_evtx_record_raises() {
    let corpus = std::env::var_os("TUNNELHUNT_CORPUS").map(PathBuf::from);
    let mut sets = vec![rule_set(&[])];
    if let Some(root) = &corpus {
        let sigmahq = root.join("sigmahq");
        let dirs: Vec<PathBuf> = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
            .iter()
            .map(|d| sigmahq.join(d))
            .collect();
        sets.push(rule_set(&dirs));
    } else {
        println!("skipped: TUNNELHUNT_CORPUS not set (the exports are compared with each other)");
    }
    let fixtures = repo().join("crates/tunnelhunt/tests/fixtures/siem_exports");
    for (loaded, label) in &sets {
        let compiled = ruleset::compile(loaded, &Placeholders::new());
        let matcher = compiled.matcher.as_ref().expect("the rule set builds");
        let rule_ids: Vec<String> = compiled
            .rules
            .iter()
            .map(|r| {
                r.meta
                    .id
                    .as_ref()
                    .map_or(r.meta.title.value.clone(), |id| id.value.clone())
            })
            .collect();
        let mut alerts = 0;
        for (name, evtx) in SOURCES {
            let (baseline, against) = match &corpus {
                Some(root) => (
                    read(&root.join(evtx), Format::Evtx, matcher, &rule_ids),
                    "EVTX",
                ),
                None => {
                    let xml = fixtures.join(format!("{name}.splunk.xml"));
                    (
                        read(&xml, Format::XmlEvents, matcher, &rule_ids),
                        "Splunk XML",
                    )
                }
            };
            alerts += baseline.iter().map(|s| s.rules.len()).sum::<usize>();
            for (suffix, format) in SHAPES {
                let file = fixtures.join(format!("{name}.{suffix}"));
                let seen = read(&file, format, matcher, &rule_ids);
                assert_eq!(seen.len(), baseline.len(), "{}: records", file.display());
                for (i, (export, original)) in seen.iter().zip(&baseline).enumerate() {
                    assert_eq!(
                        export,
                        original,
                        "{label}: record {} of {name}.{suffix} differs from its {against} twin",
                        i + 1
                    );
                }
            }
        }
        println!(
            "{label}: {alerts} alerts per shape, the same in all {} shapes",
            SHAPES.len()
        );
        assert!(
            alerts > 0,
            "{label} raises nothing on the twins: the test tests nothing"
        );
    }
}
