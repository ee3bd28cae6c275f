//! The correlation fixture every correlation test renders: three base
//! rules and one correlation of each kind (plus a chained one), loaded as
//! `export` loads them, and a way to hand each correlation to a backend
//! as a [`CorrelationInput`].

use std::path::Path;

use tunnelhunt_backends::{CorrelationInput, RuleInput};
use tunnelhunt_sigma::ast::Correlation;
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

/// The base rules the correlations name (by `name`, and one by `id`).
pub const BASE_RULES: &str = r#"title: Plink started
id: 5f0c3a52-0000-4000-8000-000000000001
name: plink_run
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\plink.exe'
    condition: selection
level: medium
---
title: Connection to the loopback address
name: loopback_connection
logsource: {product: windows, category: network_connection}
detection:
    selection:
        DestinationIp: 127.0.0.1
    condition: selection
---
title: Query under the tunnel domain
name: tunnel_dns
logsource: {product: windows, category: dns_query}
detection:
    selection:
        QueryName|endswith: '.tunnel.example'
    condition: selection
"#;

/// One correlation per kind and form, in the order snapshots list them:
/// `(section name, document)`.
pub const CORRELATIONS: &[(&str, &str)] = &[
    (
        "event_count",
        "title: Plink burst\nid: 5f0c3a52-0000-4000-8000-0000000000c1\nname: plink_burst\nlevel: high\ntags: [attack.t1572]\ncorrelation:\n    type: event_count\n    rules: [5f0c3a52-0000-4000-8000-000000000001]\n    group-by: [Image]\n    timespan: 10m\n    condition: {gte: 3}\n",
    ),
    (
        "value_count",
        "title: Many tunnel names\ncorrelation:\n    type: value_count\n    rules: [tunnel_dns]\n    group-by: [Image]\n    timespan: 1h\n    condition: {field: QueryName, gt: 2, lte: 5000}\n",
    ),
    (
        "temporal",
        "title: Plink and loopback\ncorrelation:\n    type: temporal\n    rules: [plink_run, loopback_connection]\n    group-by: [Image]\n    timespan: 5m\n",
    ),
    (
        "temporal_ordered",
        "title: Plink then loopback\ncorrelation:\n    type: temporal_ordered\n    rules: [plink_run, loopback_connection]\n    group-by: [process]\n    timespan: 5m\n    aliases:\n        process:\n            plink_run: Image\n            loopback_connection: Image\n",
    ),
    (
        "value_sum",
        "title: Port sum\ncorrelation:\n    type: value_sum\n    rules: [loopback_connection]\n    group-by: [Image]\n    timespan: 30m\n    condition: {field: DestinationPort, gte: 10000}\n",
    ),
    (
        "value_avg",
        "title: Low ports on average\ncorrelation:\n    type: value_avg\n    rules: [loopback_connection]\n    group-by: [Image]\n    timespan: 30m\n    condition: {field: DestinationPort, lt: 1024.5}\n",
    ),
    (
        "value_median",
        "title: Port median\ncorrelation:\n    type: value_median\n    rules: [loopback_connection]\n    timespan: 30m\n    condition: {field: DestinationPort, gt: 1000}\n",
    ),
    (
        "value_percentile_p",
        "title: Port percentile\ncorrelation:\n    type: value_percentile\n    rules: [loopback_connection]\n    group-by: [Image]\n    timespan: 30m\n    condition: {field: DestinationPort, percentile: 95, gte: 8000}\n",
    ),
    (
        "value_percentile_share",
        "title: Port share\ncorrelation:\n    type: value_percentile\n    rules: [loopback_connection]\n    group-by: [Image]\n    timespan: 30m\n    condition: {field: DestinationPort, gte: 50}\n",
    ),
    (
        "chained",
        "title: Repeated plink bursts\ncorrelation:\n    type: event_count\n    rules: [plink_burst]\n    group-by: [Image]\n    timespan: 1d\n    condition: {gte: 2}\n",
    ),
];

/// Rules and correlations loaded as one collection, the rules lowered.
pub struct Fixture {
    pub rules: Vec<crate::common::LoadedRule>,
    pub correlations: Vec<Correlation>,
}

/// Load `BASE_RULES` and the given correlation documents (panics on any
/// error: the fixture is valid).
pub fn load(correlations: &[&str]) -> Fixture {
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("base.yml"), BASE_RULES);
    for (index, text) in correlations.iter().enumerate() {
        collection.add_file(Path::new(&format!("correlation_{index}.yml")), text);
    }
    collection.finish();
    assert!(
        !collection.has_errors(),
        "fixture does not load: {:#?}",
        collection.diagnostics()
    );
    let rules = collection
        .rules()
        .map(|rule| {
            let expr: Expr = lower_rule(rule, &[], &Placeholders::new()).expect("lowers");
            crate::common::LoadedRule {
                name: rule.meta.title.value.clone(),
                rule: rule.clone(),
                filters: Vec::new(),
                expr,
            }
        })
        .collect();
    Fixture {
        rules,
        correlations: collection.correlations().cloned().collect(),
    }
}

impl Fixture {
    /// Hand the correlation titled `title` to `f`, resolved.
    pub fn with<T>(&self, title: &str, f: impl FnOnce(&CorrelationInput<'_>) -> T) -> T {
        let inputs: Vec<RuleInput<'_>> = self.rules.iter().map(|r| r.input()).collect();
        let all: Vec<&Correlation> = self.correlations.iter().collect();
        let correlation = all
            .iter()
            .find(|c| c.meta.title.value == title)
            .unwrap_or_else(|| panic!("no correlation '{title}'"));
        let input = CorrelationInput::resolve(correlation, &inputs, &all, false)
            .expect("fixture references resolve");
        f(&input)
    }
}

/// Every fixture correlation loaded together, with its section name and
/// title.
pub fn every_kind() -> (Fixture, Vec<(&'static str, String)>) {
    let docs: Vec<&str> = CORRELATIONS.iter().map(|(_, doc)| *doc).collect();
    let fixture = load(&docs);
    let titles = CORRELATIONS
        .iter()
        .map(|(section, doc)| {
            let title = doc
                .lines()
                .next()
                .and_then(|line| line.strip_prefix("title: "))
                .expect("fixture documents start with their title");
            (*section, title.to_owned())
        })
        .collect();
    (fixture, titles)
}
