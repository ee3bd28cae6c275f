//! Field projection changes nothing but speed: an event read with the
//! projection `scan` builds (the fields the rules read plus the ones an
//! alert prints) matches exactly the rules the full event matches, and
//! gives the same alert, field for field.
//!
//! Every evtx-JSON and EVTX file of `$TUNNELHUNT_CORPUS` (SigmaHQ's
//! `regression_data/`, `real/`, `evtx-samples/`) is read twice, without
//! and with the projection, record by record: the same errors, the same
//! origins, the same rule ids, the same alert JSON, and the same value
//! for every field the projection keeps. Rule sets: the built-in pack,
//! and every SigmaHQ rule that does not search keywords (with one that
//! does, `scan` reads whole events, so SigmaHQ as a whole is never
//! projected; that decision is checked too). A last check runs the binary:
//! `scan` (projected) and `scan --with-event` (never projected) print the
//! same alerts once the attached event is taken off, which holds the
//! CLI's own list of alert fields to `Alert::new`.
//!
//! Unset `TUNNELHUNT_CORPUS`: the test prints "skipped" and passes; set to
//! a folder without the corpus, it fails.

use crate::common;
use crate::output;
use crate::placeholders;
use crate::ruleset;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tunnelhunt_engine::{Event, Matcher, RuleId};
use tunnelhunt_sigma::ast::{Metadata, Rule, SearchBody};
use tunnelhunt_sources::json::EvtxProjection;
use tunnelhunt_sources::{Format, Record, inputs};

const CORPORA: [&str; 3] = ["sigmahq/regression_data", "real", "evtx-samples"];
const SIGMAHQ_RULES: [&str; 3] = ["rules", "rules-emerging-threats", "rules-threat-hunting"];

fn corpus() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return None;
    };
    let root = PathBuf::from(root);
    for sub in CORPORA.iter().chain(&["sigmahq/rules"]) {
        assert!(
            root.join(sub).is_dir(),
            "TUNNELHUNT_CORPUS is set but {} is missing",
            root.join(sub).display()
        );
    }
    Some(root)
}

/// The evtx-JSON and EVTX files of the corpora: the readers that take a
/// projection.
fn evtx_shape_files(root: &Path) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = CORPORA.iter().map(|d| root.join(d)).collect();
    let found = inputs::discover(&dirs, |_| true);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let files: Vec<PathBuf> = (found.files.into_iter())
        .filter(|f| {
            tunnelhunt_sources::open(f)
                .is_ok_and(|r| matches!(r.format(), Format::EvtxJson | Format::Evtx))
        })
        .collect();
    assert!(files.len() > 100, "only {} evtx-shape files", files.len());
    files
}

/// Whether a rule's own detection searches keywords.
fn searches_keywords(rule: &Rule) -> bool {
    fn body(b: &SearchBody) -> bool {
        match b {
            SearchBody::AllOf(ms) => ms.iter().any(|m| m.field.is_none()),
            SearchBody::AnyOf(bs) => bs.iter().any(body),
            SearchBody::Keywords(_) => true,
        }
    }
    rule.detection.searches.iter().any(|s| body(&s.body))
}

/// One rule set as `scan` would run it over evtx-shape files.
struct RuleSet<'a> {
    name: &'a str,
    matcher: &'a Matcher,
    /// Any rule's metadata: alerts differ by rule only in it.
    meta: &'a Metadata,
    projection: Arc<EvtxProjection>,
    /// What the projection was built from.
    fields: Vec<&'a str>,
}

impl<'a> RuleSet<'a> {
    fn new(name: &'a str, compiled: &'a ruleset::CompiledRules<'a>) -> Self {
        let matcher = compiled.matcher.as_ref().expect("the rule set builds");
        assert!(
            !matcher.uses_keywords(),
            "{name}: a rule searches keywords, so scan would not project"
        );
        let mut fields: Vec<&str> = matcher
            .referenced_fields()
            .chain(output::ALERT_FIELDS)
            .collect();
        fields.sort_unstable();
        fields.dedup();
        RuleSet {
            name,
            matcher,
            meta: &compiled.rules[0].meta,
            projection: Arc::new(EvtxProjection::new(fields.iter().copied())),
            fields,
        }
    }
}

#[derive(Default)]
struct Counts {
    records: usize,
    errors: usize,
    matches: usize,
}

/// Read `file` without and with the projection and compare every record.
fn compare_file(file: &Path, set: &RuleSet<'_>, counts: &mut Counts) {
    let open = || tunnelhunt_sources::open(file).unwrap_or_else(|e| panic!("{e}"));
    let full = open();
    let mut projected = open();
    projected.set_projection(Arc::clone(&set.projection));
    let (mut scratch, mut hits_full, mut hits_projected) = (
        set.matcher.scratch(),
        Vec::<RuleId>::new(),
        Vec::<RuleId>::new(),
    );
    let mut projected = projected.fuse();
    for full in full {
        let projected = projected
            .next()
            .unwrap_or_else(|| panic!("{}: fewer records projected", file.display()));
        let (full, projected) = match (full, projected) {
            (Ok(full), Ok(projected)) => (full, projected),
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string());
                counts.errors += 1;
                continue;
            }
            (a, b) => panic!("{}: {a:?} read as {b:?}", file.display()),
        };
        let at = &full.origin;
        assert_eq!(at, &projected.origin);
        counts.records += 1;
        hits_full.clear();
        hits_projected.clear();
        set.matcher
            .matches(&full.event, &mut scratch, &mut hits_full);
        set.matcher
            .matches(&projected.event, &mut scratch, &mut hits_projected);
        assert_eq!(hits_full, hits_projected, "{}: {at}: rules", set.name);
        counts.matches += hits_full.len();
        assert_eq!(
            alert(set.meta, &full),
            alert(set.meta, &projected),
            "{}: {at}: alert",
            set.name
        );
        for name in &set.fields {
            assert_eq!(
                full.event.field(name),
                projected.event.field(name),
                "{}: {at}: field {name}",
                set.name
            );
        }
    }
    assert!(
        projected.next().is_none(),
        "{}: more records projected",
        file.display()
    );
}

fn alert(meta: &Metadata, record: &Record) -> String {
    serde_json::to_string(&output::Alert::new(meta, record)).unwrap()
}

#[test]
fn projected_events_match_and_alert_like_full_ones() {
    let Some(root) = corpus() else { return };
    let started = Instant::now();
    let files = evtx_shape_files(&root);
    let pack = ruleset::load_or_builtin(&[], &[]);
    let pack = ruleset::compile(&pack, &Default::default());
    let dirs: Vec<PathBuf> = SIGMAHQ_RULES
        .iter()
        .map(|d| root.join("sigmahq").join(d))
        .collect();
    let sigmahq = ruleset::load(&dirs);
    let placeholders =
        placeholders::load(Some(&common::repo().join("bench/placeholders.yml"))).unwrap();
    let all = ruleset::compile(&sigmahq, &placeholders);
    assert!(
        all.matcher.as_ref().unwrap().uses_keywords(),
        "SigmaHQ searches keywords: scan reads its events whole"
    );
    let without_keywords =
        ruleset::compile_selected(&sigmahq, &placeholders, |r| !searches_keywords(r));
    assert!(without_keywords.rules.len() > 3000);
    for set in [
        RuleSet::new("pack", &pack),
        RuleSet::new("SigmaHQ without keyword rules", &without_keywords),
    ] {
        let mut counts = Counts::default();
        for file in &files {
            compare_file(file, &set, &mut counts);
        }
        println!(
            "{}: {} fields kept; {} files, {} events, {} errors, {} (rule, event) matches",
            set.name,
            set.fields.len(),
            files.len(),
            counts.records,
            counts.errors,
            counts.matches
        );
        assert!(counts.records > 20_000 && counts.matches > 0);
    }
    println!("{:.1?}", started.elapsed());
}

/// The alerts `scan` prints for the corpora, without `event` and
/// `original` (`--with-event`). The pack's correlations read fields the
/// projection must keep, so their alerts are compared too.
fn scan_alerts(root: &Path, with_event: bool) -> Vec<Value> {
    let mut args = vec!["scan", "--format", "jsonl", "--quiet"];
    if with_event {
        args.push("--with-event");
    }
    let dirs: Vec<String> = CORPORA
        .iter()
        .map(|d| root.join(d).display().to_string())
        .collect();
    args.extend(dirs.iter().map(String::as_str));
    let out = common::tunnelhunt(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{args:?}: {}",
        common::stderr(&out)
    );
    (common::stdout(&out).lines())
        .map(|line| {
            let mut alert: Value = serde_json::from_str(line).unwrap();
            let alert_fields = alert.as_object_mut().unwrap();
            // A correlation alert has no one event to attach.
            if with_event && !alert_fields.contains_key("correlation") {
                assert!(alert_fields.remove("event").is_some());
                assert!(alert_fields.remove("original").is_some());
            }
            alert
        })
        .collect()
}

#[test]
fn scan_and_with_event_print_the_same_alerts() {
    let Some(root) = corpus() else { return };
    let projected = scan_alerts(&root, false);
    let whole = scan_alerts(&root, true);
    assert!(projected.len() > 10, "only {} alerts", projected.len());
    assert_eq!(projected, whole);
}
