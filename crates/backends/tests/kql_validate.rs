//! Every KQL query we emit for the built-in pack and the probe rules —
//! each rule in each flavor, and the pack queries — parses AND binds
//! without a single diagnostic in Microsoft's Kusto.Language, against the
//! Advanced Hunting / Sentinel schema in `validators/kql/schema.json`.
//!
//! Needs `validators/kql/setup.sh` and `TUNNELHUNT_VALIDATORS=1`; without
//! the variable it says it was skipped.

use crate::common;
use crate::kql_support;

use tunnelhunt_backends::{Backend, kql::Kql};

use common::{pack_rules, probe_rules, with_inputs};
use kql_support::{check, validator};

#[test]
fn every_rendered_query_binds_cleanly() {
    let Some(script) = validator() else { return };
    let mut labels = Vec::new();
    let mut queries = Vec::new();
    let mut refused = 0;
    let pack = pack_rules();
    let probes = probe_rules();
    for rule in pack.iter().chain(&probes) {
        for (flavor, result) in rule.with_input(|input| Kql.render_all(input)) {
            match result {
                Ok(text) => {
                    labels.push(format!("{} [{}]", rule.name, flavor.name()));
                    queries.push(text);
                }
                Err(_) => refused += 1,
            }
        }
    }
    for flavor in Kql.flavors() {
        labels.push(format!("pack query [{}]", flavor.name()));
        queries.push(with_inputs(&pack, |inputs| Kql.render_pack(inputs, *flavor)).text);
    }
    assert!(
        queries.len() > 60,
        "too few queries rendered: {}",
        queries.len()
    );
    let results = check(&script, &queries);
    let failures: Vec<String> = labels
        .iter()
        .zip(&queries)
        .zip(&results)
        .filter(|(_, r)| !r.diagnostics.is_empty())
        .map(|((label, query), r)| format!("{label}:\n{}\n{query}", r.diagnostics.join("\n")))
        .collect();
    println!(
        "kql validate: {} queries bound, {refused} rule renderings refused",
        queries.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_validator_reports_errors() {
    let Some(script) = validator() else { return };
    let results = check(
        &script,
        &[
            "DeviceProcessEvents | where NoSuchColumn == 1".to_owned(),
            "DeviceNetworkEvents | where RemotePort in~ (\"443\")".to_owned(),
            "DeviceProcessEvents | where (FolderPath == \"a\"".to_owned(),
        ],
    );
    for r in &results {
        assert!(
            !r.diagnostics.is_empty(),
            "the validator accepted a broken query"
        );
    }
}
