//! Every EQL query we emit parses with Elastic's reference parser (PyPI
//! `eql`, Elasticsearch syntax) against the ECS schema of
//! `eql::model`: pack rules, probe rules and every pack query.
//!
//! Needs `TUNNELHUNT_VALIDATORS` (and `validators/eql/setup.sh` run);
//! without it the test says it was skipped. The SigmaHQ test also needs
//! `TUNNELHUNT_CORPUS`; for diagnosis it prints every refusal with
//! `EQL_SHOW_REFUSALS=1` and writes the failing queries to the file named
//! by `EQL_DUMP_FAILURES`.

use crate::common;
use crate::eql_support;

use common::{pack_rules, probe_rules, with_inputs};
use eql_support::validator;
use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::eql::{Eql, pack};

#[test]
fn every_rendered_query_parses_against_the_ecs_schema() {
    let Some(validator) = validator() else { return };
    let mut named: Vec<(String, String)> = Vec::new();
    let mut refused = 0;
    for rule in pack_rules().iter().chain(&probe_rules()) {
        match rule.with_input(|input| Eql.render(input, Flavor::DEFAULT)) {
            Ok(text) => named.push((rule.name.clone(), text)),
            Err(_) => refused += 1,
        }
    }
    let rules = pack_rules();
    let (parts, _) = with_inputs(&rules, pack::parts);
    assert!(!parts.is_empty());
    for part in &parts {
        named.push((
            format!("pack {}/{}", part.event_category, part.branch),
            part.text.clone(),
        ));
    }
    let queries: Vec<String> = named.iter().map(|(_, q)| q.clone()).collect();
    let verdicts = validator.run(&queries, None);
    let errors: Vec<String> = named
        .iter()
        .zip(&verdicts)
        .filter_map(|((name, query), v)| v.error.as_ref().map(|e| format!("{name}: {e}\n{query}")))
        .collect();
    println!(
        "eql parse: {} queries parsed ({} pack queries), {refused} rules refused",
        queries.len(),
        parts.len()
    );
    assert!(
        errors.is_empty(),
        "{} queries do not parse:\n{}",
        errors.len(),
        errors.join("\n\n")
    );
}

#[test]
fn the_validator_rejects_what_elasticsearch_rejects() {
    let Some(validator) = validator() else { return };
    let bad = [
        "process where process.command_line = \"x\"",
        "process where process.command_line == 'x'",
        "process where process.no_such_field == \"x\"",
        "process where process.pid : \"4\"",
        "process where process.command_line : \"a\\*b\"",
    ];
    let queries: Vec<String> = bad.iter().map(|q| (*q).to_owned()).collect();
    for (query, verdict) in bad.iter().zip(validator.run(&queries, None)) {
        assert!(verdict.error.is_some(), "accepted: {query}");
    }
}

/// Every SigmaHQ rule (`$TUNNELHUNT_CORPUS/sigmahq`) the EQL backend
/// renders parses too; the refusals are printed grouped by reason.
#[test]
fn every_sigmahq_rendering_parses() {
    use std::collections::BTreeMap;

    use tunnelhunt_backends::RuleInput;
    use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

    use common::{sigmahq_collection, sigmahq_corpus, sigmahq_files};

    let Some(sigmahq) = sigmahq_corpus() else {
        return;
    };
    let Some(validator) = validator() else { return };
    let collection = sigmahq_collection(&sigmahq_files(&sigmahq));
    let mut queries = Vec::new();
    let mut labels = Vec::new();
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut lowered = 0;
    for rule in collection.rules() {
        let filters = collection.filters_for(rule);
        let Ok(expr) = lower_rule(rule, &filters, &Placeholders::new()) else {
            continue;
        };
        lowered += 1;
        let input = RuleInput {
            rule,
            filters: &filters,
            expr: &expr,
        };
        match Eql.render(&input, Flavor::DEFAULT) {
            Ok(text) => {
                queries.push(text);
                labels.push(input.label().to_owned());
            }
            Err(refusal) => {
                if std::env::var_os("EQL_SHOW_REFUSALS").is_some() {
                    println!("REFUSAL {refusal}");
                }
                *refused.entry(refusal.grouping_key()).or_default() += 1
            }
        }
    }
    let verdicts = validator.run(&queries, None);
    let errors: Vec<String> = labels
        .iter()
        .zip(&queries)
        .zip(&verdicts)
        .filter_map(|((label, query), v)| {
            v.error.as_ref().map(|e| format!("{label}: {e}\n{query}"))
        })
        .collect();
    println!(
        "sigmahq → eql: {lowered} rules lowered, {} rendered and parsed, {} refused",
        queries.len(),
        lowered - queries.len()
    );
    let mut reasons: Vec<(&String, &usize)> = refused.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (reason, count) in reasons.iter().take(20) {
        println!("  {count:>5}  {reason}");
    }
    if let Some(path) = std::env::var_os("EQL_DUMP_FAILURES") {
        std::fs::write(path, errors.join("\n\n=====\n")).expect("dump written");
    }
    assert!(lowered > 3000, "only {lowered} SigmaHQ rules lowered");
    assert!(
        errors.is_empty(),
        "{} renderings do not parse:\n{}",
        errors.len(),
        errors.join("\n\n")
    );
}
