//! The whole SigmaHQ rule set through loader, lowering and the matcher,
//! and SigmaHQ's regression data through the matcher.
//!
//! Needs the corpus (`$TUNNELHUNT_CORPUS`, default `../shared/corpus`
//! beside the repository); skipped with a message without it. Run with
//! `--nocapture` to see the counts.

use crate::common::corpus;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use corpus::{EvtxEvent, LoadedRule, compile, corpus_dir, files_with_ext, load_sigmahq};
use tunnelhunt_engine::{Matcher, MatcherBuilder, RuleId, eval_expr};

/// Rules that legitimately match events of other rules' regression data:
/// (rule id, folder of the events).
const EXPECTED_CROSS_MATCHES: &[(&str, &str)] = &[
    // "File Download Via Bitsadmin" is the general form of the rules whose
    // events these are (bitsadmin /transfer from a direct IP, or into a
    // suspicious folder).
    (
        "d059842b-6b9d-4ed1-b5c3-5b89143c6ede",
        "proc_creation_win_bitsadmin_download_direct_ip",
    ),
    (
        "d059842b-6b9d-4ed1-b5c3-5b89143c6ede",
        "proc_creation_win_bitsadmin_download_susp_targetfolder",
    ),
];

/// Folders whose `match_count` disagrees with their own `.json` events:
/// every event in the file satisfies the rule (checked by hand against the
/// rule text), so the count in `info.yml` is stale. (rule id, events that
/// really match).
const MATCH_COUNT_ERRATA: &[(&str, usize)] = &[
    // Three SetValue events under ...\ZoneMap\Domains\ with DWORD 2.
    ("45e112d0-7759-4c2a-aa36-9f8fb79d3393", 3),
    // Both AutoShareServer and AutoShareWks set to DWORD 0.
    ("c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e", 2),
];

struct Regression {
    folder: PathBuf,
    rule_id: String,
    match_count: Option<usize>,
    events: Vec<EvtxEvent>,
}

fn read_regressions(corpus: &Path) -> Vec<Regression> {
    let mut infos = Vec::new();
    files_with_ext(&corpus.join("sigmahq/regression_data"), "yml", &mut infos);
    infos.retain(|p| p.file_name().is_some_and(|n| n == "info.yml"));
    let mut out = Vec::new();
    for info in infos {
        let text = std::fs::read_to_string(&info).unwrap();
        let mut rule_id = None;
        let mut in_meta = false;
        let mut match_count = None;
        for line in text.lines() {
            let t = line.trim();
            if !line.starts_with(' ') {
                in_meta = t.starts_with("rule_metadata:");
            }
            if in_meta
                && rule_id.is_none()
                && let Some(id) = t.strip_prefix("- id:")
            {
                rule_id = Some(id.trim().to_owned());
            }
            if let Some(n) = t.strip_prefix("match_count:") {
                match_count = n.trim().parse().ok();
            }
        }
        let folder = info.parent().unwrap().to_path_buf();
        let rule_id = rule_id.expect("info.yml names its rule");
        let events = EvtxEvent::read_file(&folder.join(format!("{rule_id}.json")));
        out.push(Regression {
            folder,
            rule_id,
            match_count,
            events,
        });
    }
    out
}

fn matched(m: &Matcher, events: &[EvtxEvent], rule: RuleId) -> usize {
    let mut scratch = m.scratch();
    let mut hits = Vec::new();
    events
        .iter()
        .filter(|e| {
            hits.clear();
            m.matches(*e, &mut scratch, &mut hits);
            hits.contains(&rule)
        })
        .count()
}

#[test]
fn sigmahq_rules_compile_and_regression_data_matches() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("SKIPPED: SigmaHQ corpus not found; set TUNNELHUNT_CORPUS");
        return;
    };
    let set = load_sigmahq(&corpus);
    let mut builder = MatcherBuilder::new();
    let (by_id, errors) = compile(&mut builder, &set.rules);
    let matcher = builder.build().expect("the rule set builds");
    println!(
        "SigmaHQ: {} rules lowered, {} files failed to load or lower, {} rules rejected by the engine, {} compiled",
        set.rules.len(),
        set.failures.len(),
        errors.len(),
        matcher.rule_count()
    );
    for (path, why) in set.failures.iter().take(20) {
        println!("  load/lower failure: {}: {why}", path.display());
    }
    for (path, e) in &errors {
        println!("  engine: {}: {e}", path.display());
    }
    let unroutable: Vec<RuleId> = matcher.unroutable_rules().collect();
    println!(
        "  {} rules have a logsource the routing table does not know",
        unroutable.len()
    );
    // The engine accepts every rule that lowers: SigmaHQ has no
    // look-around regexes.
    assert!(errors.is_empty());

    let index: HashMap<&str, RuleId> = by_id
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.rule.meta.id.as_ref()?.value.as_str(), i)))
        .collect();
    let regressions = read_regressions(&corpus);
    let (mut pos_pass, mut pos_fail, mut missing) = (0, Vec::new(), Vec::new());
    let (mut neg_pass, mut neg_fail) = (0, Vec::new());
    let mut not_evtx = 0;
    let mut seed: u64 = 0x5eed_1572;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    for (i, reg) in regressions.iter().enumerate() {
        if reg.events.is_empty() {
            // Not Windows event data (e.g. a `.raw` syslog capture).
            not_evtx += 1;
            continue;
        }
        let Some(&rule) = index.get(reg.rule_id.as_str()) else {
            missing.push(reg.rule_id.clone());
            continue;
        };
        let got = matched(&matcher, &reg.events, rule);
        // The oracle agrees with the matcher on every event.
        let r: &LoadedRule = by_id[rule];
        let oracle = reg.events.iter().filter(|e| eval_expr(&r.expr, *e)).count();
        assert!(
            got <= oracle,
            "{}: routing can only remove matches",
            reg.rule_id
        );
        let erratum = MATCH_COUNT_ERRATA
            .iter()
            .find(|(id, _)| *id == reg.rule_id)
            .map(|(_, n)| *n);
        let ok = match erratum.or(reg.match_count) {
            Some(n) => got == n,
            None => got > 0,
        };
        if ok {
            pos_pass += 1;
        } else {
            pos_fail.push(format!(
                "{} ({}): matched {got} of {} events, want {:?}",
                reg.rule_id,
                reg.folder.display(),
                reg.events.len(),
                reg.match_count
            ));
        }
        for _ in 0..10 {
            let mut j = next(regressions.len());
            if j == i {
                j = (j + 1) % regressions.len();
            }
            let other = &regressions[j];
            if other.events.is_empty() {
                continue;
            }
            let folder = other
                .folder
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let expected = EXPECTED_CROSS_MATCHES
                .iter()
                .any(|(id, f)| *id == reg.rule_id && *f == folder);
            let hits = matched(&matcher, &other.events, rule);
            if (hits > 0) == expected {
                neg_pass += 1;
            } else {
                neg_fail.push(format!("{} matched {hits} events of {folder}", reg.rule_id));
            }
        }
    }
    println!(
        "regression data: {} folders ({not_evtx} without evtx JSON events); positives {pos_pass} passed, {} failed, {} rules not loaded; negatives {neg_pass} passed, {} failed",
        regressions.len(),
        pos_fail.len(),
        missing.len(),
        neg_fail.len()
    );
    for f in pos_fail.iter().chain(&neg_fail) {
        println!("  {f}");
    }
    for id in &missing {
        println!("  rule not loaded: {id}");
    }
    assert!(pos_fail.is_empty() && neg_fail.is_empty() && missing.is_empty());
}
