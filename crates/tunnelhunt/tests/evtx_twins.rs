//! EVTX and its JSON twin must give the same rule matches.
//!
//! SigmaHQ's `regression_data/` holds, for many rules, the same events
//! twice: the `.evtx` log and its JSON export (`evtx_dump`'s shape). The
//! EVTX reader renders each record to that JSON shape and shares the JSON
//! reader's event type and field mapping, so every rule must match exactly
//! the same records in both: any difference is a field-shape difference
//! between the `evtx` crate's rendering and SigmaHQ's export (a number
//! rendered as text, a repeated `Data` name, a GUID's case…).
//!
//! Set `TUNNELHUNT_CORPUS` to the folder that holds `sigmahq/` (in a
//! checkout: `../shared/corpus`). Unset, the test prints "skipped" and
//! passes; set to a folder without the corpus, it fails.
//!
//! The rules are loaded and compiled by the CLI's own `ruleset` module, so
//! the matcher under test is the one `tunnelhunt scan` builds.

use crate::ruleset;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use tunnelhunt_engine::{Event, FieldValue, Lookup, Matcher, RuleId};
use tunnelhunt_sigma::lower::Placeholders;
use tunnelhunt_sources::{Format, inputs};

const RULE_DIRS: [&str; 3] = ["rules", "rules-emerging-threats", "rules-threat-hunting"];

fn sigmahq() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return None;
    };
    let sigmahq = PathBuf::from(root).join("sigmahq");
    assert!(
        sigmahq.join("rules").is_dir() && sigmahq.join("regression_data").is_dir(),
        "TUNNELHUNT_CORPUS is set but {} has no rules/ and regression_data/",
        sigmahq.display()
    );
    Some(sigmahq)
}

/// (rule id, EventRecordID) for every match in one file.
type Matches = BTreeSet<(String, u64)>;

/// EventRecordID → the event's field values (typed, sorted): compared
/// between twins to show shape differences that no rule happens to hit.
type Values = BTreeMap<u64, Vec<String>>;

/// Run the matcher over `file`, which must be in `format` and read whole.
fn matches_of(
    file: &Path,
    format: Format,
    matcher: &Matcher,
    rule_ids: &[String],
) -> (Matches, Values) {
    let reader = tunnelhunt_sources::open(file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reader.format(), format, "{}", file.display());
    let mut scratch = matcher.scratch();
    let mut hits: Vec<RuleId> = Vec::new();
    let mut out = Matches::new();
    let mut values = Values::new();
    for record in reader {
        let record = record.unwrap_or_else(|e| panic!("unreadable record: {e}"));
        let record_id = match record.event.field("EventRecordID") {
            Lookup::One(FieldValue::Int(n)) => n as u64,
            Lookup::One(FieldValue::Str(s)) => s.parse().expect("numeric EventRecordID"),
            other => panic!("{}: no EventRecordID: {other:?}", record.origin),
        };
        if format == Format::Evtx {
            assert_eq!(record.origin.record_id(), Some(record_id));
        }
        hits.clear();
        matcher.matches(&record.event, &mut scratch, &mut hits);
        out.extend(hits.iter().map(|&id| (rule_ids[id].clone(), record_id)));
        let mut seen = Vec::new();
        record
            .event
            .for_each_value(&mut |v| seen.push(format!("{v:?}")));
        seen.sort();
        values.insert(record_id, seen);
    }
    (out, values)
}

/// Why two twins' values differ. Two known kinds: `evtx` 0.15 renders
/// GUIDs as `{lowercase}` where SigmaHQ's export has them upper case
/// without braces, and SigmaHQ's export trims trailing blanks that the
/// logs hold (Sysmon writes `"C:\…\cmd.exe" ` with one).
fn classify(evtx: &[String], json: &[String]) -> &'static str {
    let guid = |v: &String| {
        let inner = v.trim_start_matches("Str(\"").trim_end_matches("\")");
        let bare = inner.trim_start_matches('{').trim_end_matches('}');
        let is_guid = bare.len() == 36 && bare.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if is_guid {
            bare.to_ascii_uppercase()
        } else {
            v.clone()
        }
    };
    let trim = |v: String| v.trim_end_matches("\")").trim_end().to_owned();
    let set = |vs: &[String], f: &dyn Fn(&String) -> String| -> BTreeSet<String> {
        vs.iter().map(f).collect()
    };
    if set(evtx, &guid) == set(json, &guid) {
        "GUID rendering only"
    } else if set(evtx, &|v| trim(guid(v))) == set(json, &|v| trim(guid(v))) {
        "trailing blanks (and GUIDs)"
    } else {
        "OTHER (a field-shape difference to look at)"
    }
}

#[test]
fn evtx_files_match_like_their_json_twins() {
    let Some(sigmahq) = sigmahq() else { return };
    let started = Instant::now();
    let dirs: Vec<PathBuf> = RULE_DIRS.iter().map(|d| sigmahq.join(d)).collect();
    let loaded = ruleset::load(&dirs);
    // The values the conformance test uses for SigmaHQ's one `|expand`
    // placeholder; any plausible values do.
    let mut placeholders = Placeholders::new();
    placeholders.insert(
        "known_cdcs",
        vec!["dc01.corp.example".into(), "10.0.0.10".into()],
    );
    let compiled = ruleset::compile(&loaded, &placeholders);
    let matcher = compiled.matcher.as_ref().expect("the rule set builds");
    let rule_ids: Vec<String> = compiled
        .rules
        .iter()
        .map(|r| {
            r.meta
                .id
                .as_ref()
                .map_or_else(|| r.meta.title.value.clone(), |id| id.value.clone())
        })
        .collect();
    println!(
        "{} rules compiled in {:.1?}",
        compiled.rules.len(),
        started.elapsed()
    );

    let root = sigmahq.join("regression_data");
    let found = inputs::discover(std::slice::from_ref(&root), |p| {
        inputs::has_extension(p, &["evtx"])
    });
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let (mut folders, mut identical, mut events, mut matched) = (0, 0, 0, 0);
    let mut differences = Vec::new();
    let mut value_differences: Vec<(&str, String)> = Vec::new();
    for evtx in &found.files {
        let dir = evtx.parent().expect("a folder");
        let jsons: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| inputs::has_extension(p, &["json"]))
            .collect();
        let [json] = &jsons[..] else {
            assert!(jsons.is_empty(), "{}: several JSON files", dir.display());
            continue;
        };
        folders += 1;
        let (from_evtx, values_evtx) = matches_of(evtx, Format::Evtx, matcher, &rule_ids);
        let (from_json, values_json) = matches_of(json, Format::EvtxJson, matcher, &rule_ids);
        let (n_evtx, n_json) = (values_evtx.len(), values_json.len());
        events += n_evtx;
        matched += from_evtx.len();
        let rel = dir.strip_prefix(&root).unwrap_or(dir).display().to_string();
        for (id, a) in &values_evtx {
            let Some(b) = values_json.get(id) else {
                continue;
            };
            if a != b {
                let class = classify(a, b);
                value_differences.push((class, format!("{rel} record {id}")));
            }
        }
        if from_evtx == from_json && n_evtx == n_json {
            identical += 1;
            continue;
        }
        differences.push(format!(
            "{rel}: {n_evtx} EVTX events, {n_json} JSON events\n    only from EVTX: {:?}\n    only from JSON: {:?}",
            from_evtx.difference(&from_json).collect::<Vec<_>>(),
            from_json.difference(&from_evtx).collect::<Vec<_>>(),
        ));
    }
    println!(
        "evtx twins: {identical}/{folders} folders identical, {events} events, \
         {matched} (rule, record) matches; {:.1?}",
        started.elapsed()
    );
    // Informational: values that differ without changing any match.
    let mut by_class: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (class, place) in &value_differences {
        by_class.entry(class).or_default().push(place);
    }
    println!(
        "{} twin events whose field values differ (no match changes):",
        value_differences.len()
    );
    for (class, places) in &by_class {
        println!("  {} × {class}, e.g. {}", places.len(), places[0]);
    }
    assert!(folders > 0, "no folder with an .evtx and a .json twin");
    assert!(
        differences.is_empty(),
        "{} folders differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
