//! Every SigmaHQ rule through the KQL backend, both flavors, and every
//! rendered query through Microsoft's Kusto.Language in one node process:
//! all of them must parse and bind without a diagnostic. Prints how many
//! rules each flavor renders and the refusals grouped by reason.
//!
//! Needs `TUNNELHUNT_CORPUS` (the folder holding `sigmahq/`); without it
//! the test says it was skipped. The binding check needs
//! `TUNNELHUNT_VALIDATORS` too (with `validators/kql/setup.sh` run);
//! without it only the conversion figures are printed.

use crate::common;
use crate::kql_support;

use std::collections::BTreeMap;

use tunnelhunt_backends::refusal::Construct;
use tunnelhunt_backends::{Backend, RuleInput, kql::Kql};
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

use common::{sigmahq_collection, sigmahq_corpus, sigmahq_files};
use kql_support::{check, validator};

#[test]
fn every_sigmahq_kql_query_binds_cleanly() {
    let Some(sigmahq) = sigmahq_corpus() else {
        return;
    };
    let collection = sigmahq_collection(&sigmahq_files(&sigmahq));
    let placeholders = Placeholders::new();
    let mut labels = Vec::new();
    let mut queries = Vec::new();
    let mut rendered: BTreeMap<&str, usize> = BTreeMap::new();
    let mut refused: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut logsources: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut lowered = 0;
    for rule in collection.rules() {
        let filters = collection.filters_for(rule);
        let Ok(expr) = lower_rule(rule, &filters, &placeholders) else {
            continue;
        };
        lowered += 1;
        let input = RuleInput {
            rule,
            filters: &filters,
            expr: &expr,
        };
        for (flavor, result) in Kql.render_all(&input) {
            let flavor = flavor.name();
            match result {
                Ok(text) => {
                    *rendered.entry(flavor).or_default() += 1;
                    labels.push(format!(
                        "{} [{flavor}] {}",
                        input.label(),
                        rule.origin.file.display()
                    ));
                    queries.push(text);
                }
                Err(refusal) => {
                    if refusal.construct == Construct::Logsource {
                        *logsources
                            .entry((flavor, refusal.detail.clone()))
                            .or_default() += 1;
                    }
                    *refused.entry((flavor, refusal.grouping_key())).or_default() += 1
                }
            }
        }
    }
    assert!(lowered > 3000, "only {lowered} SigmaHQ rules lowered");
    for (flavor, count) in &rendered {
        println!("\nkql ({flavor}): {count} of {lowered} rendered");
        let mut reasons: Vec<(&String, &usize)> = refused
            .iter()
            .filter(|((f, _), _)| f == flavor)
            .map(|((_, reason), n)| (reason, n))
            .collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (reason, n) in reasons.iter().take(15) {
            println!("  {n:>5}  {reason}");
        }
        let mut missing: Vec<(&String, &usize)> = logsources
            .iter()
            .filter(|((f, _), _)| f == flavor)
            .map(|((_, detail), n)| (detail, n))
            .collect();
        missing.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        println!("  most refused logsources:");
        for (detail, n) in missing.iter().take(12) {
            println!("  {n:>5}  {detail}");
        }
    }
    let Some(script) = validator() else { return };
    let results = check(&script, &queries);
    let failures: Vec<String> = labels
        .iter()
        .zip(&queries)
        .zip(&results)
        .filter(|(_, r)| !r.diagnostics.is_empty())
        .map(|((label, query), r)| {
            let head: String = query
                .lines()
                .filter(|l| !l.starts_with("//"))
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(300)
                .collect();
            format!("{label}:\n{}\n{head}…", r.diagnostics.join("\n"))
        })
        .collect();
    println!(
        "\nkql: {} queries bound, {} with diagnostics",
        queries.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} queries do not bind; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
