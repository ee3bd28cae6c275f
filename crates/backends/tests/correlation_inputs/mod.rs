//! Correlation rules for the YARA-L, LogScale, Sumo Logic and AQL
//! correlation tests (`crate::correlation_inputs`): a fixture of base rules
//! and one correlation per kind and per refusal reason, loaded through
//! `tunnelhunt_sigma` and resolved into [`CorrelationInput`]s the way
//! `export` resolves them (a reference names a rule or a correlation by id
//! or name).
//!
//! This resolver is test code; the export command has its own.

use std::path::Path;

use tunnelhunt_backends::{CorrelatedRule, CorrelationInput, RuleInput};
use tunnelhunt_sigma::ast::{Correlation, Filter, Rule};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

/// Base rules over the three endpoint scopes every target maps
/// (process creation, DNS query, network connection), then the
/// correlations. Every correlation has a `name:`: the tests and the
/// snapshot names use it.
pub const FIXTURE: &str = r#"title: SSH Remote Forward Started
name: ssh_remote_forward
id: 5b1c7a10-0000-4000-8000-000000000001
level: medium
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\ssh.exe'
        CommandLine|contains: ' -R '
    condition: selection
---
title: SSH Dynamic Forward Started
name: ssh_dynamic_forward
id: 5b1c7a10-0000-4000-8000-000000000004
level: medium
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\ssh.exe'
        CommandLine|contains: ' -D '
    condition: selection
---
title: Outbound SSH Connection
name: outbound_ssh
id: 5b1c7a10-0000-4000-8000-000000000002
level: low
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        DestinationPort: 22
    condition: selection
---
title: Long DNS Query
name: long_dns_query
id: 5b1c7a10-0000-4000-8000-000000000003
level: low
logsource:
    category: dns_query
    product: windows
detection:
    selection:
        QueryName|re: '^[a-z0-9]{40,}\.'
    condition: selection
---
title: Many Long DNS Queries Per Process
name: many_long_queries
id: 5b1c7a10-0000-4000-8000-000000000011
level: high
tags:
    - attack.t1572
correlation:
    type: event_count
    rules:
        - long_dns_query
    group-by:
        - Image
    timespan: 10m
    condition:
        gte: 100
---
title: Tunnel Activity Per User
name: tunnel_activity_per_user
id: 5b1c7a10-0000-4000-8000-000000000012
level: medium
correlation:
    type: event_count
    rules:
        - ssh_remote_forward
        - outbound_ssh
    group-by:
        - User
    timespan: 1h
    condition:
        gt: 3
        lte: 50
---
title: Many Distinct Query Names Per Process
name: distinct_query_names
id: 5b1c7a10-0000-4000-8000-000000000013
level: high
correlation:
    type: value_count
    rules:
        - long_dns_query
    group-by:
        - Image
        - User
    timespan: 5m
    condition:
        field: QueryName
        gt: 50
---
title: Forward Then Connection
name: forward_then_connection
id: 5b1c7a10-0000-4000-8000-000000000014
level: high
correlation:
    type: temporal
    rules:
        - ssh_remote_forward
        - outbound_ssh
    group-by:
        - User
    timespan: 2m
---
title: Forward Followed By Connection From The Same Image
name: forward_followed_by_connection
id: 5b1c7a10-0000-4000-8000-000000000015
level: high
correlation:
    type: temporal_ordered
    rules:
        - ssh_remote_forward
        - outbound_ssh
    group-by:
        - client
    timespan: 2h
    aliases:
        client:
            ssh_remote_forward: Image
            outbound_ssh: Image
---
title: Ports Summed Per Process
name: port_sum
id: 5b1c7a10-0000-4000-8000-000000000016
correlation:
    type: value_sum
    rules:
        - outbound_ssh
    group-by:
        - Image
    timespan: 1d
    condition:
        field: SourcePort
        gte: 1000000
---
title: Mean Source Port Per Process
name: port_avg
id: 5b1c7a10-0000-4000-8000-000000000017
correlation:
    type: value_avg
    rules:
        - outbound_ssh
    group-by:
        - Image
    timespan: 1h
    condition:
        field: SourcePort
        lt: 1024.5
---
title: Source Port Percentile Per Process
name: port_percentile
id: 5b1c7a10-0000-4000-8000-000000000018
correlation:
    type: value_percentile
    rules:
        - outbound_ssh
    group-by:
        - Image
    timespan: 1h
    condition:
        field: SourcePort
        percentile: 95
        lt: 2000
---
title: Share Of Connections Carrying A Source Port
name: port_share
id: 5b1c7a10-0000-4000-8000-000000000019
correlation:
    type: value_percentile
    rules:
        - outbound_ssh
    group-by:
        - Image
    timespan: 1h
    condition:
        field: SourcePort
        gte: 90
---
title: Median Source Port Per Process
name: port_median
id: 5b1c7a10-0000-4000-8000-000000000020
correlation:
    type: value_median
    rules:
        - outbound_ssh
    group-by:
        - Image
    timespan: 1h
    condition:
        field: SourcePort
        gt: 40000
---
title: Long DNS Queries Anywhere
name: ungrouped_queries
id: 5b1c7a10-0000-4000-8000-000000000021
correlation:
    type: event_count
    rules:
        - long_dns_query
    timespan: 10m
    condition:
        gte: 1000
---
title: Repeated Forward Then Connection
name: chained
id: 5b1c7a10-0000-4000-8000-000000000022
correlation:
    type: event_count
    rules:
        - forward_then_connection
    group-by:
        - User
    timespan: 1d
    condition:
        gte: 3
---
title: Burst Of Long Queries
name: short_window
id: 5b1c7a10-0000-4000-8000-000000000023
correlation:
    type: event_count
    rules:
        - long_dns_query
    group-by:
        - Image
    timespan: 30s
    condition:
        gte: 20
---
title: Few Distinct Query Names
name: few_distinct_names
id: 5b1c7a10-0000-4000-8000-000000000024
correlation:
    type: value_count
    rules:
        - long_dns_query
    group-by:
        - Image
    timespan: 5m
    condition:
        field: QueryName
        lt: 3
---
title: Either Tunnel Rule Per Image
name: mixed_group_fields
id: 5b1c7a10-0000-4000-8000-000000000025
correlation:
    type: event_count
    rules:
        - ssh_remote_forward
        - long_dns_query
    group-by:
        - Image
    timespan: 10m
    condition:
        gte: 10
---
title: Two Of Three Tunnel Rules
name: two_of_three
id: 5b1c7a10-0000-4000-8000-000000000026
correlation:
    type: temporal
    rules:
        - ssh_remote_forward
        - outbound_ssh
        - long_dns_query
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 2
---
title: Remote Forwards Per Image
name: forwards_per_image
id: 5b1c7a10-0000-4000-8000-000000000027
level: medium
correlation:
    type: event_count
    rules:
        - ssh_remote_forward
    group-by:
        - Image
    timespan: 15m
    condition:
        gte: 5
---
title: Many Forward Command Lines Per Image
name: command_lines_per_image
id: 5b1c7a10-0000-4000-8000-000000000028
level: medium
correlation:
    type: value_count
    rules:
        - ssh_remote_forward
    group-by:
        - Image
    timespan: 15m
    condition:
        field: CommandLine
        gt: 10
---
title: Remote And Dynamic Forward From One Image
name: remote_and_dynamic_forward
id: 5b1c7a10-0000-4000-8000-000000000029
level: high
correlation:
    type: temporal
    rules:
        - ssh_remote_forward
        - ssh_dynamic_forward
    group-by:
        - Image
    timespan: 5m
---
title: Forward Process Ids Summed Per Image
name: pid_sum
id: 5b1c7a10-0000-4000-8000-000000000030
correlation:
    type: value_sum
    rules:
        - ssh_remote_forward
    group-by:
        - Image
    timespan: 1h
    condition:
        field: ProcessId
        gt: 100000
---
title: Mean Forward Process Id Per Image
name: pid_mean
id: 5b1c7a10-0000-4000-8000-000000000031
correlation:
    type: value_avg
    rules:
        - ssh_remote_forward
    group-by:
        - Image
    timespan: 1h
    condition:
        field: ProcessId
        gte: 1000.5
"#;

/// The names of the fixture's correlations, in file order.
pub const NAMES: &[&str] = &[
    "many_long_queries",
    "tunnel_activity_per_user",
    "distinct_query_names",
    "forward_then_connection",
    "forward_followed_by_connection",
    "port_sum",
    "port_avg",
    "port_percentile",
    "port_share",
    "port_median",
    "ungrouped_queries",
    "chained",
    "short_window",
    "few_distinct_names",
    "mixed_group_fields",
    "two_of_three",
    "forwards_per_image",
    "command_lines_per_image",
    "remote_and_dynamic_forward",
    "pid_sum",
    "pid_mean",
];

/// A base rule, lowered, with the filters that apply to it.
pub struct LoweredRule {
    pub rule: Rule,
    pub filters: Vec<Filter>,
    pub expr: Expr,
}

/// Base rules and correlations loaded together.
pub struct CorrelationSet {
    pub rules: Vec<LoweredRule>,
    pub correlations: Vec<Correlation>,
}

impl CorrelationSet {
    /// Load `yaml` (panicking on any error: tests write valid rules).
    pub fn load(yaml: &str) -> CorrelationSet {
        let mut collection = RuleCollection::new();
        collection.add_file(Path::new("correlations.yml"), yaml);
        collection.finish();
        assert!(
            !collection.has_errors(),
            "correlation fixture does not load: {:#?}",
            collection.diagnostics()
        );
        let rules = collection
            .rules()
            .map(|rule| {
                let filters: Vec<Filter> =
                    collection.filters_for(rule).into_iter().cloned().collect();
                let refs: Vec<&Filter> = filters.iter().collect();
                let expr = lower_rule(rule, &refs, &Placeholders::new()).expect("rule lowers");
                LoweredRule {
                    rule: rule.clone(),
                    filters,
                    expr,
                }
            })
            .collect();
        CorrelationSet {
            rules,
            correlations: collection.correlations().cloned().collect(),
        }
    }

    /// The fixture above.
    pub fn fixture() -> CorrelationSet {
        CorrelationSet::load(FIXTURE)
    }

    /// The correlation called `name`, for tests that change it.
    pub fn correlation_mut(&mut self, name: &str) -> &mut Correlation {
        self.correlations
            .iter_mut()
            .find(|c| c.meta.name.as_ref().is_some_and(|n| n.value == name))
            .unwrap_or_else(|| panic!("no correlation named {name}"))
    }

    /// Hand the correlation called `name`, resolved, to `f`.
    pub fn with_input<T>(
        &self,
        name: &str,
        approximate: bool,
        f: impl FnOnce(&CorrelationInput<'_>) -> T,
    ) -> T {
        let filters: Vec<Vec<&Filter>> = self
            .rules
            .iter()
            .map(|r| r.filters.iter().collect())
            .collect();
        let correlation = self
            .find_correlation(name)
            .unwrap_or_else(|| panic!("no correlation named {name}"));
        let input = self.resolve(correlation, &filters, approximate);
        f(&input)
    }

    fn find_correlation(&self, reference: &str) -> Option<&Correlation> {
        self.correlations.iter().find(|c| {
            c.meta.name.as_ref().is_some_and(|n| n.value == reference)
                || c.meta.id.as_ref().is_some_and(|i| i.value == reference)
        })
    }

    fn resolve<'a>(
        &'a self,
        correlation: &'a Correlation,
        filters: &'a [Vec<&'a Filter>],
        approximate: bool,
    ) -> CorrelationInput<'a> {
        let sources = correlation
            .rules
            .iter()
            .map(|reference| {
                let reference = reference.value.as_str();
                let rule = self.rules.iter().zip(filters).find(|(r, _)| {
                    r.rule
                        .meta
                        .name
                        .as_ref()
                        .is_some_and(|n| n.value == reference)
                        || r.rule
                            .meta
                            .id
                            .as_ref()
                            .is_some_and(|i| i.value == reference)
                });
                match rule {
                    Some((lowered, filters)) => CorrelatedRule::Rule(RuleInput {
                        rule: &lowered.rule,
                        filters,
                        expr: &lowered.expr,
                    }),
                    None => {
                        let inner = self
                            .find_correlation(reference)
                            .unwrap_or_else(|| panic!("unresolved reference {reference}"));
                        CorrelatedRule::Correlation(Box::new(self.resolve(
                            inner,
                            filters,
                            approximate,
                        )))
                    }
                }
            })
            .collect();
        CorrelationInput {
            correlation,
            sources,
            approximate,
        }
    }
}
