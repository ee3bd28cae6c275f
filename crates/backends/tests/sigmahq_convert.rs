//! Every SigmaHQ rule through every backend: how many each target renders,
//! and the refusals grouped by reason.
//!
//! The corpus is not part of the repository: set `TUNNELHUNT_CORPUS` to
//! the folder holding `sigmahq/` (`.ci/run` does). Unset, the test says it
//! was skipped; set but missing the rules, it fails.
//!
//! Run with `--nocapture` to see the report. Each target must render at
//! least the number of rules recorded in `MINIMUM_RENDERED` (a drop is a
//! regression to look at; a rise is progress to record there). The
//! validators' run over these outputs (Kusto.Language binding every KQL
//! query, Elastic's `eql` parsing every EQL query) lives in
//! `sigmahq_validate.rs`.

use crate::common;

use std::collections::BTreeMap;

use tunnelhunt_backends::{RuleInput, Target, backend};
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

use common::{sigmahq_collection, sigmahq_corpus, sigmahq_files};

/// Per target and flavor: rendered count and refusals by grouping key.
#[derive(Default)]
struct Tally {
    rendered: usize,
    refused: BTreeMap<String, usize>,
}

#[test]
fn sigmahq_rules_through_every_backend() {
    let Some(sigmahq) = sigmahq_corpus() else {
        return;
    };
    let files = sigmahq_files(&sigmahq);
    let collection = sigmahq_collection(&files);
    let mut placeholders = Placeholders::new();
    placeholders.insert(
        "known_cdcs",
        vec!["dc01.corp.example".into(), "10.0.0.10".into()],
    );

    let mut lowered = Vec::new();
    for rule in collection.rules() {
        let filters = collection.filters_for(rule);
        if let Ok(expr) = lower_rule(rule, &filters, &placeholders) {
            lowered.push((rule, filters, expr));
        }
    }
    println!(
        "sigmahq: {} files, {} rules lowered",
        files.len(),
        lowered.len()
    );
    assert!(
        lowered.len() > 3000,
        "only {} SigmaHQ rules lowered",
        lowered.len()
    );

    let mut report: BTreeMap<(Target, &'static str), Tally> = BTreeMap::new();
    let mut in_some_flavor: BTreeMap<Target, usize> = BTreeMap::new();
    for target in Target::ALL {
        let backend = backend(target);
        for (rule, filters, expr) in &lowered {
            let mut rendered_somewhere = false;
            let input = RuleInput {
                rule,
                filters,
                expr,
            };
            for (flavor, result) in backend.render_all(&input) {
                let tally = report.entry((target, flavor.name())).or_default();
                match result {
                    Ok(text) => {
                        assert!(
                            !text.trim().is_empty(),
                            "{}: empty rendering",
                            input.label()
                        );
                        tally.rendered += 1;
                        rendered_somewhere = true;
                    }
                    Err(refusal) => *tally.refused.entry(refusal.grouping_key()).or_default() += 1,
                }
            }
            *in_some_flavor.entry(target).or_default() += usize::from(rendered_somewhere);
        }
    }

    let total = lowered.len();
    for ((target, flavor), tally) in &report {
        println!(
            "\n{} ({flavor}): {} of {total} rendered, {} refused",
            target.name(),
            tally.rendered,
            total - tally.rendered
        );
        let mut reasons: Vec<(&String, &usize)> = tally.refused.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (reason, count) in reasons.iter().take(12) {
            println!("  {count:>5}  {reason}");
        }
        if reasons.len() > 12 {
            println!("  … {} more reasons", reasons.len() - 12);
        }
    }
    println!();
    for (target, count) in &in_some_flavor {
        println!(
            "{}: {count} of {total} rendered in at least one flavor",
            target.name()
        );
    }
    for ((target, flavor), minimum) in MINIMUM_RENDERED {
        let tally = report
            .get(&(*target, *flavor))
            .unwrap_or_else(|| panic!("no flavor '{flavor}' for {}", target.name()));
        assert!(
            tally.rendered >= *minimum,
            "{} ({flavor}) rendered {} SigmaHQ rules, fewer than the recorded {minimum}",
            target.name(),
            tally.rendered
        );
    }
}

/// Rendered-rule counts recorded on the corpus snapshot in `../shared`
/// (3,754 rules; 2026-11-28).
const MINIMUM_RENDERED: &[((Target, &str), usize)] = &[
    ((Target::Kql, "default"), 2157),
    ((Target::Kql, "sentinel"), 2793),
    ((Target::Spl, "default"), 2550),
    ((Target::Spl, "cim"), 1702),
    ((Target::Eql, "default"), 2733),
    ((Target::Aql, "default"), 1387),
    ((Target::Sumo, "default"), 1018),
    ((Target::Sumo, "search"), 2792),
    ((Target::YaraL, "default"), 1488),
    ((Target::Cql, "default"), 815),
    ((Target::Sigma, "default"), 3754),
];
