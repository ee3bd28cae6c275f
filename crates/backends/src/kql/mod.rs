//! Microsoft KQL: Defender XDR Advanced Hunting (default flavor) and
//! Microsoft Sentinel (`sentinel`).
//!
//! A rule becomes a commented header with its metadata, the selector of
//! its logsource's rows ([`model`]), the computed columns its fields need,
//! and one `where` with the condition ([`render`]):
//!
//! ```text
//! // Title: Port Proxy Entry Written to the Registry
//! // Id: …
//! // Level: high | ATT&CK: T1572 | Branch: NetshPortProxy | Confidence: high
//! // Data: Defender XDR Advanced Hunting, DeviceRegistryEvents
//! DeviceRegistryEvents
//! | where ActionType == "RegistryValueSet"
//! | extend TargetObject = …
//! | where TargetObject has @"\Services\PortProxy\v4tov4\tcp\" or …
//! ```
//!
//! Why KQL gets its own boolean walker rather than [`crate::boolean`]: it
//! merges OR-ed equality, number and CIDR tests on one field into `in~`,
//! `in` and range calls, and it tracks negation, because KQL's
//! three-valued logic needs null-producing leaves guarded under `not()`
//! (see [`render`]). Parenthesization follows the same rule: every nested
//! group is in parentheses.
//!
//! Every output is parsed and bound by Microsoft's Kusto.Language against
//! the Advanced Hunting and Sentinel schema in the tests
//! (`validators/kql/`, `tests/kql_validate.rs`).

mod correlation;
pub mod literal;
pub(crate) mod model;
pub(crate) mod pack;
pub(crate) mod render;
pub(crate) mod sentinel;

use crate::common::one_line;
use crate::correlation::CorrelationInput;
use crate::meta::{self, Fact};
use crate::refusal::Refusal;
use crate::{Backend, Flavor, PackQuery, RuleInput, Target};

use model::{KqlModel, Source, XDR};
use sentinel::SENTINEL;

/// The KQL backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kql;

/// Log Analytics' Sentinel tables instead of Defender XDR's.
pub const SENTINEL_FLAVOR: Flavor = Flavor::named("sentinel");

/// The flavors, default first.
const FLAVORS: &[Flavor] = &[Flavor::DEFAULT, SENTINEL_FLAVOR];

/// The data model of one of [`FLAVORS`].
pub(crate) fn model_of(flavor: Flavor) -> &'static KqlModel {
    debug_assert!(FLAVORS.contains(&flavor), "not a KQL flavor: {flavor:?}");
    if flavor == SENTINEL_FLAVOR {
        &SENTINEL
    } else {
        &XDR
    }
}

impl Backend for Kql {
    fn target(&self) -> Target {
        Target::Kql
    }

    fn flavors(&self) -> &'static [Flavor] {
        FLAVORS
    }

    fn render(&self, rule: &RuleInput<'_>, flavor: Flavor) -> Result<String, Refusal> {
        let model = model_of(flavor);
        let body = query(model, rule)?;
        Ok(format!(
            "{}{}",
            header(model, rule, body.source_name),
            body.text
        ))
    }

    fn render_pack(&self, rules: &[RuleInput<'_>], flavor: Flavor) -> PackQuery {
        pack::render(rules, flavor)
    }

    fn render_correlation(
        &self,
        correlation: &CorrelationInput<'_>,
        flavor: Flavor,
    ) -> Result<String, Refusal> {
        correlation::render(model_of(flavor), correlation)
    }
}

/// A rule's query without its header.
pub(crate) struct Query {
    pub source_name: &'static str,
    /// The table (and selection) the query reads.
    pub source: &'static Source,
    /// Selector, extends and `where`, newline-separated, no trailing
    /// newline.
    pub text: String,
}

pub(crate) fn query(model: &KqlModel, rule: &RuleInput<'_>) -> Result<Query, Refusal> {
    // The refusal of the last candidate, the most capable one.
    let mut refusal = None;
    let mut rendered = None;
    for source in model.sources_for(&rule.rule.logsource)? {
        match render::condition(source, rule.expr) {
            Ok(condition) => {
                rendered = Some((source, condition));
                break;
            }
            Err(why) => refusal = Some(why),
        }
    }
    let Some((source, condition)) = rendered else {
        return Err(refusal.expect("sources_for is never empty"));
    };
    let mut text = source.scope.selector.to_owned();
    for (column, expression) in &condition.extends {
        text.push_str(&format!("\n| extend {column} = {expression}"));
    }
    text.push_str("\n| where ");
    text.push_str(&condition.text);
    Ok(Query {
        source_name: source.scope.name,
        source,
        text,
    })
}

/// The rule's metadata ([`meta::facts`]) as `//` comment lines: title
/// and id on lines of their own, the other facts on one line, the filters
/// on the next, then the data the query reads.
fn header(model: &KqlModel, rule: &RuleInput<'_>, source_name: &str) -> String {
    let facts = meta::facts(rule);
    let own_line = |fact: Fact| matches!(fact, Fact::Title | Fact::Id | Fact::Filters);
    let line = |fact: Fact, value: &str| format!("// {}: {}", label(fact), one_line(value));
    let mut lines: Vec<String> = facts
        .iter()
        .filter(|(fact, _)| matches!(fact, Fact::Title | Fact::Id))
        .map(|(fact, value)| line(*fact, value))
        .collect();
    let summary = meta::summary_line(&facts, |fact| !own_line(fact), label);
    if !summary.is_empty() {
        lines.push(format!("// {}", one_line(&summary)));
    }
    lines.extend(
        facts
            .iter()
            .filter(|(fact, _)| *fact == Fact::Filters)
            .map(|(fact, value)| line(*fact, value)),
    );
    lines.push(format!("// Data: {}, {}", model.name, source_name));
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// KQL headers capitalize their keys and spell ATT&CK out.
fn label(fact: Fact) -> &'static str {
    match fact {
        Fact::Title => "Title",
        Fact::Id => "Id",
        Fact::Level => "Level",
        Fact::Attack => "ATT&CK",
        Fact::Branch => "Branch",
        Fact::Confidence => "Confidence",
        Fact::Filters => "Filters",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::Construct;
    use crate::test_support::Lowered;

    fn render(yaml: &str, flavor: Flavor) -> Result<String, Refusal> {
        Lowered::parse(yaml).with_input(|input| Kql.render(input, flavor))
    }

    const REGISTRY: &str = r#"
title: "Tricky\ntitle // with a line break"
id: 11111111-2222-3333-4444-555555555555
tags: [attack.t1572]
level: high
branch: NetshPortProxy
logsource: {product: windows, category: registry_set}
detection:
    selection:
        TargetObject|contains: '\Services\PortProxy\v4tov4\tcp\'
    condition: selection
"#;

    #[test]
    fn registry_paths_are_rebuilt_in_sysmon_form_and_titles_cannot_escape_comments() {
        let text = render(REGISTRY, Flavor::DEFAULT).unwrap();
        assert!(
            text.starts_with("// Title: Tricky title // with a line break\n"),
            "{text}"
        );
        assert!(text.contains("// Level: high | ATT&CK: T1572 | Branch: NetshPortProxy\n"));
        assert!(text.contains("| where ActionType == \"RegistryValueSet\"\n"));
        assert!(text.contains("| extend TargetObject = strcat(case(RegistryKey startswith"));
        assert!(
            text.ends_with(concat!(
                r#"| where (TargetObject has @"\Services\PortProxy\v4tov4\tcp\" and "#,
                r#"TargetObject contains @"\Services\PortProxy\v4tov4\tcp\")"#
            )),
            "{text}"
        );
        for line in text.lines() {
            assert!(
                line.starts_with("//") || line.starts_with('|') || line == "DeviceRegistryEvents",
                "{line}"
            );
        }
    }

    #[test]
    fn sentinel_reads_sysmon_registry_events_from_the_event_table() {
        let text = render(REGISTRY, SENTINEL_FLAVOR).unwrap();
        assert!(
            text.contains(
                "Event\n| where Source == \"Microsoft-Windows-Sysmon\" and EventID == 13"
            )
        );
        assert!(
            text.contains("| extend TargetObject = tostring(EventProperties[\"TargetObject\"])")
        );
    }

    #[test]
    fn sentinel_reads_system_events_from_the_event_table() {
        // System fields only: no EventData parsing.
        let text = render(
            r#"
title: t
logsource: {product: windows, service: system}
detection:
    selection:
        Provider_Name: Service Control Manager
        EventID: 7036
    condition: selection
"#,
            SENTINEL_FLAVOR,
        )
        .unwrap();
        assert!(text.contains("Event\n| where EventLog == \"System\"\n| where "));
        assert!(text.contains("Source =~ \"Service Control Manager\""));
        assert!(text.contains("EventID == 7036"));
        assert!(!text.contains("EventProperties"));
        // A 7045 data field: the bag is built, EventID stays a column.
        let text = render(
            r#"
title: t
logsource: {product: windows, service: system}
detection:
    selection:
        EventID: 7045
        ImagePath|contains: '\AppData\'
    condition: selection
"#,
            SENTINEL_FLAVOR,
        )
        .unwrap();
        assert!(text.contains("| extend ImagePath = tostring(EventProperties[\"ImagePath\"])"));
        assert!(text.contains("EventID == 7045"));
        assert!(!text.contains("EventProperties[\"EventID\"]"));
        // EventData names without a documented mapping are refused.
        let refused = render(
            r#"
title: t
logsource: {product: windows, service: system}
detection:
    selection:
        EventID: 7036
        param1: x
    condition: selection
"#,
            SENTINEL_FLAVOR,
        )
        .unwrap_err();
        assert_eq!(refused.construct, Construct::Field);
        // The default flavor has no Windows event log tables.
        assert_eq!(
            render(
                r#"
title: t
logsource: {product: windows, service: system}
detection:
    selection:
        EventID: 7036
    condition: selection
"#,
                Flavor::DEFAULT,
            )
            .unwrap_err()
            .construct,
            Construct::Logsource
        );
    }

    #[test]
    fn sentinel_reads_linux_and_macos_processes_from_defender_tables() {
        for product in ["linux", "macos"] {
            let yaml = format!(
                r#"
title: t
logsource: {{product: {product}, category: process_creation}}
detection:
    selection:
        Image|endswith: /curl
        User: root
    condition: selection
"#
            );
            let text = render(&yaml, SENTINEL_FLAVOR).unwrap();
            assert!(
                text.contains("DeviceProcessEvents\n| extend User = "),
                "{text}"
            );
            assert!(text.contains("FolderPath endswith \"/curl\""), "{text}");
        }
    }

    #[test]
    fn unmapped_field_is_refused() {
        let refused = render(
            r#"
title: t
logsource: {product: windows, category: process_creation}
detection:
    selection:
        TerminalSessionId: 2
    condition: selection
"#,
            SENTINEL_FLAVOR,
        )
        .unwrap_err();
        assert_eq!(refused.construct, Construct::Field);
        assert!(
            refused
                .detail
                .contains("'TerminalSessionId' has no mapping in 'Event (Sysmon 1)'"),
            "{refused}"
        );
    }

    #[test]
    fn sentinel_process_rules_use_security_4688_unless_they_need_sysmon_fields() {
        let rule = |field: &str| {
            format!(
                "title: t\nlogsource: {{product: windows, category: process_creation}}\ndetection:\n    selection:\n        {field}: 'plink.exe'\n    condition: selection\n"
            )
        };
        let security = render(&rule("Image|endswith"), SENTINEL_FLAVOR).unwrap();
        assert!(security.contains("// Data: Microsoft Sentinel, SecurityEvent (4688)\nSecurityEvent\n| where EventID == 4688\n"), "{security}");
        let sysmon = render(&rule("OriginalFileName"), SENTINEL_FLAVOR).unwrap();
        assert!(
            sysmon.contains("// Data: Microsoft Sentinel, Event (Sysmon 1)\nEvent\n"),
            "{sysmon}"
        );
        assert!(
            sysmon.contains("| where OriginalFileName =~ \"plink.exe\""),
            "{sysmon}"
        );
    }

    #[test]
    fn applied_filters_are_named_in_the_header_and_applied_in_the_condition() {
        let text = render(
            r#"
title: rule
id: 6a1f7c56-1111-4222-8333-944455556666
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\plink.exe'
    condition: selection
---
title: "Jump host\nnoise"
id: 7b2e8d67-aaaa-4bbb-8ccc-ddddeeeeffff
logsource: {product: windows, category: process_creation}
filter:
    rules:
        - 6a1f7c56-1111-4222-8333-944455556666
    selection:
        User: 'CORP\svc_jump'
    condition: not selection
"#,
            Flavor::DEFAULT,
        )
        .unwrap();
        assert!(
            text.contains("// Filters: Jump host noise (7b2e8d67-aaaa-4bbb-8ccc-ddddeeeeffff)\n"),
            "{text}"
        );
        assert!(
            text.contains("| extend User = iff(isempty(AccountDomain)"),
            "{text}"
        );
        assert!(
            text.contains(r#"and not(User =~ @"CORP\svc_jump")"#),
            "{text}"
        );
    }

    #[test]
    fn flavors_are_found_by_the_names_users_type() {
        assert_eq!(Kql.flavor("default"), Some(Flavor::DEFAULT));
        assert_eq!(Kql.flavor("sentinel"), Some(SENTINEL_FLAVOR));
        assert_eq!(Kql.flavor("asim"), None);
        assert_eq!(
            Kql.flavors().iter().map(|f| f.name()).collect::<Vec<_>>(),
            ["default", "sentinel"]
        );
    }

    #[test]
    fn lists_negation_and_numbers() {
        let text = render(
            r#"
title: t
logsource: {product: windows, category: network_connection}
detection:
    selection:
        DestinationPort: [443, 853]
        DestinationHostname: ['dns.google', 'Cloudflare-DNS.com']
    filter:
        DestinationPort|gt: 1000
    condition: selection and not filter
"#,
            Flavor::DEFAULT,
        )
        .unwrap();
        assert!(text.contains("RemotePort in (443, 853)"), "{text}");
        assert!(
            text.contains(r#"RemoteUrl in~ ("dns.google", "Cloudflare-DNS.com")"#),
            "{text}"
        );
        assert!(
            text.contains("not(coalesce(RemotePort > 1000, false))"),
            "{text}"
        );
    }
}
