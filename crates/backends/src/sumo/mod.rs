//! Sumo Logic, in two flavors.
//!
//! * **default — Cloud SIEM match rule.** A rule expression over Cloud
//!   SIEM's normalized records (`objectType = "EndpointProcess" AND (…)`),
//!   delivered as the JSON body of a match rule (the fields of Sumo's
//!   rules API / Terraform `sumologic_cse_match_rule`: `name`,
//!   `expression`, `descriptionExpression`, `severityMapping`, `tags`, …),
//!   because a bare expression has nowhere to carry the rule's metadata.
//!   The rule is written disabled and as a prototype: it is a proposal to
//!   review, not something that should page anyone on import. See
//!   [`cse`].
//! * **`search` — log search over Sysmon JSON.** `_sourceCategory=…`,
//!   one `json … nodrop` extraction per field the rule uses, then one
//!   `where` with the condition, metadata in `//` comment lines. See
//!   [`search`].
//!
//! Boolean structure is fully parenthesized ([`crate::boolean`]); `!` is
//! the negation both flavors document. String matching, escaping and the
//! other operators are shared and documented in [`render`]; the field
//! mappings are in [`model`].
//!
//! Correlations ([`correlation`]): Cloud SIEM refuses them (its Threshold
//! and Chain rules evaluate overlapping time spans it chooses); the log
//! search renders a `timeslice` approximation when asked to.
//!
//! The pack: Cloud SIEM has no union or computed column, so the pack is a
//! log search (`| if(…, "Branch", …) as DetectionBranch`) in both flavors
//! — see [`search::pack`].

mod correlation;
mod cse;
pub mod model;
pub(crate) mod render;
mod search;
pub(crate) mod sysmon;
pub(crate) mod winevent;

use crate::refusal::Refusal;
use crate::{Backend, CorrelationInput, Flavor, PackQuery, RuleInput, Target};

use render::Form;

/// The Sumo Logic backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sumo;

/// The log-search rendering.
pub const SEARCH_FLAVOR: Flavor = Flavor::named("search");

/// What one of Sumo's flavors renders.
fn form_of(flavor: Flavor) -> Form {
    debug_assert!(
        Sumo.flavors().contains(&flavor),
        "not a Sumo flavor: {flavor:?}"
    );
    if flavor == SEARCH_FLAVOR {
        Form::Search
    } else {
        Form::Cse
    }
}

impl Backend for Sumo {
    fn target(&self) -> Target {
        Target::Sumo
    }

    fn flavors(&self) -> &'static [Flavor] {
        &[Flavor::DEFAULT, SEARCH_FLAVOR]
    }

    fn render(&self, rule: &RuleInput<'_>, flavor: Flavor) -> Result<String, Refusal> {
        match form_of(flavor) {
            Form::Cse => cse::rule(rule),
            Form::Search => search::rule(rule),
        }
    }

    fn render_correlation(
        &self,
        input: &CorrelationInput<'_>,
        flavor: Flavor,
    ) -> Result<String, Refusal> {
        match form_of(flavor) {
            Form::Cse => Err(correlation::refuse_cse(input)),
            Form::Search => correlation::render_search(input),
        }
    }

    /// Cloud SIEM has no pack form: both flavors' pack is the log search,
    /// filed under the flavor asked for.
    fn render_pack(&self, rules: &[RuleInput<'_>], flavor: Flavor) -> PackQuery {
        debug_assert!(
            self.flavors().contains(&flavor),
            "not a Sumo flavor: {flavor:?}"
        );
        PackQuery {
            flavor,
            ..search::pack(rules)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::refusal::Construct;
    use crate::test_support::Lowered;

    fn rule(category: &str, detection: &str) -> Lowered {
        Lowered::parse(&format!(
            "title: Test\nid: 00000000-0000-4000-8000-0000000000aa\nlevel: high\nlogsource:\n    category: {category}\ndetection:\n{detection}"
        ))
    }

    fn search(l: &Lowered) -> Result<String, Refusal> {
        l.with_input(|input| Sumo.render(input, SEARCH_FLAVOR))
    }

    fn cse(l: &Lowered) -> Result<String, Refusal> {
        l.with_input(|input| Sumo.render(input, Flavor::DEFAULT))
    }

    fn line<'t>(text: &'t str, prefix: &str) -> &'t str {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} in {text}"))
    }

    #[test]
    fn search_extracts_every_used_field_with_nodrop_and_parenthesizes() {
        let l = rule(
            "process_creation",
            "    a:\n        Image|endswith: '\\netsh.exe'\n    b:\n        CommandLine|contains: portproxy\n    c:\n        CommandLine|cased: DELETE\n    condition: a and (b or not c)\n",
        );
        let text = search(&l).unwrap();
        assert!(
            text.contains(concat!(
                "_sourceCategory=windows/sysmon\n",
                "| json field=_raw \"Event.System.EventID\" as EventID nodrop\n",
                "| json field=_raw \"Event.EventData.Image\" as Image nodrop\n",
                "| json field=_raw \"Event.EventData.CommandLine\" as CommandLine nodrop\n",
            )),
            "{text}"
        );
        assert_eq!(
            line(&text, "| where"),
            r"| where num(EventID) = 1 and (Image matches /(?is)\A.*\\netsh\.exe\z/ and (CommandLine matches /(?is)\A.*portproxy.*\z/ or !(CommandLine matches /\ADELETE\z/)))"
        );
    }

    #[test]
    fn cse_is_a_json_match_rule_with_the_expression_and_tags() {
        let l = rule(
            "network_connection",
            "    sel:\n        DestinationPort: 3389\n        DestinationIp|cidr: '127.0.0.0/8'\n        DestinationHostname: 'a\"b/c'\n    condition: sel\n",
        );
        let text = cse(&l).unwrap();
        assert_eq!(
            line(&text, "\"expression\"").trim(),
            r#""expression": "objectType = \"Network\" AND (dstPort = 3389 AND compareCIDRPrefix(\"127.0.0.0\", dstDevice_ip, \"8\") AND dstDevice_hostname matches /(?i)\\Aa\"b\\/c\\z/)","#
        );
        assert!(text.contains("\"tags\": [\"tunnelhunt_id:00000000-0000-4000-8000-0000000000aa\", \"tunnelhunt_level:high\"]"), "{text}");
        assert!(
            text.contains("\"severityMapping\": {\"type\": \"constant\", \"default\": 7}"),
            "{text}"
        );
    }

    #[test]
    fn null_exists_numbers_and_bools_per_flavor() {
        let l = rule(
            "network_connection",
            "    sel:\n        Image: null\n        User|exists: true\n        SourcePort|gt: 1024\n    condition: sel\n",
        );
        assert_eq!(
            line(&search(&l).unwrap(), "| where"),
            "| where num(EventID) = 3 and (isNull(Image) and !isNull(User) and num(SourcePort) > 1024)"
        );
        let l = rule(
            "network_connection",
            "    sel:\n        Initiated: true\n    condition: sel\n",
        );
        assert_eq!(
            line(&search(&l).unwrap(), "| where"),
            r"| where num(EventID) = 3 and (Initiated matches /(?i)\Atrue\z/)"
        );
        assert_eq!(cse(&l).unwrap_err().construct, Construct::Field);
    }

    #[test]
    fn refusals_name_the_construct() {
        let cases = [
            (
                "process_creation",
                "    keywords:\n        - iodine\n    condition: keywords\n",
                Construct::Keyword,
            ),
            (
                "network_connection",
                "    sel:\n        DestinationIp|cidr: 'fe80::/10'\n    condition: sel\n",
                Construct::Cidr,
            ),
            (
                "network_connection",
                "    sel:\n        DestinationPort|contains: '33'\n    condition: sel\n",
                Construct::Number,
            ),
            (
                "process_creation",
                "    sel:\n        ParentImage|fieldref|contains: Image\n    condition: sel\n",
                Construct::FieldRef,
            ),
        ];
        for (category, detection, construct) in cases {
            let l = rule(category, detection);
            assert_eq!(search(&l).unwrap_err().construct, construct, "{detection}");
            assert_eq!(cse(&l).unwrap_err().construct, construct, "{detection}");
        }
        let l = rule(
            "process_creation",
            "    sel:\n        OriginalFileName: plink.exe\n    condition: sel\n",
        );
        assert_eq!(cse(&l).unwrap_err().construct, Construct::Field);
        assert!(search(&l).is_ok());
    }

    #[test]
    fn field_references_compare_fields() {
        let l = rule(
            "process_creation",
            "    sel:\n        ParentImage|fieldref: Image\n    condition: sel\n",
        );
        let text = search(&l).unwrap();
        assert!(
            text.contains(
                "as ParentImage nodrop\n| json field=_raw \"Event.EventData.Image\" as Image nodrop"
            ),
            "{text}"
        );
        assert_eq!(
            line(&text, "| where"),
            "| where num(EventID) = 1 and (toLowerCase(ParentImage) = toLowerCase(Image))"
        );
    }

    #[test]
    fn metadata_comments_cannot_be_broken_by_a_title() {
        let l = Lowered::parse(
            "title: \"x\\n| where true // y\"\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        Image: a\n    condition: sel\n",
        );
        let text = search(&l).unwrap();
        assert!(
            text.starts_with("// title: x | where true // y\n// source: "),
            "{text}"
        );
        assert_eq!(
            text.lines().filter(|l| !l.starts_with("//")).count(),
            4,
            "{text}"
        );
    }

    fn service_rule(product_and_kind: &str, detection: &str) -> Lowered {
        Lowered::parse(&format!(
            "title: Test\nid: 00000000-0000-4000-8000-0000000000ab\nlevel: high\nlogsource:\n    product: windows\n    {product_and_kind}\ndetection:\n{detection}"
        ))
    }

    #[test]
    fn search_reads_the_security_and_powershell_channels() {
        let l = service_rule(
            "service: security",
            "    sel:\n        EventID: 4624\n        LogonType: 10\n        IpAddress|cidr: '10.0.0.0/8'\n    condition: sel\n",
        );
        let text = search(&l).unwrap();
        assert!(
            text.contains(concat!(
                "_sourceCategory=windows/security\n",
                "| json field=_raw \"Event.System.EventID\" as EventID nodrop\n",
                "| json field=_raw \"Event.System.Channel\" as Channel nodrop\n",
                "| json field=_raw \"Event.EventData.LogonType\" as LogonType nodrop\n",
                "| json field=_raw \"Event.EventData.IpAddress\" as IpAddress nodrop\n",
            )),
            "{text}"
        );
        assert_eq!(
            line(&text, "| where"),
            r#"| where Channel = "Security" and (num(EventID) = 4624 and num(LogonType) = 10 and compareCIDRPrefix("10.0.0.0", IpAddress, "8"))"#
        );
        let l = service_rule(
            "category: ps_script",
            "    sel:\n        ScriptBlockText|contains: 'Invoke-Mimikatz'\n    condition: sel\n",
        );
        let text = search(&l).unwrap();
        assert!(
            text.contains("_sourceCategory=windows/powershell\n"),
            "{text}"
        );
        assert_eq!(
            line(&text, "| where"),
            r#"| where (Channel = "Microsoft-Windows-PowerShell/Operational" and num(EventID) = 4104) and (ScriptBlockText matches /(?is)\A.*Invoke-Mimikatz.*\z/)"#
        );
        // Cloud SIEM has no record type for them; unmapped names refuse.
        assert_eq!(cse(&l).unwrap_err().construct, Construct::Logsource);
        let l = service_rule(
            "service: security",
            "    sel:\n        EventID: 4624\n        Keywords: x\n    condition: sel\n",
        );
        assert_eq!(search(&l).unwrap_err().construct, Construct::Field);
        let l = service_rule(
            "service: system",
            "    sel:\n        EventID: 7045\n    condition: sel\n",
        );
        assert_eq!(search(&l).unwrap_err().construct, Construct::Logsource);
    }

    #[test]
    fn pack_ors_the_source_categories_it_needs() {
        let a = rule(
            "process_creation",
            "    sel:\n        Image|endswith: '\\netsh.exe'\n    condition: sel\n",
        );
        let b = service_rule(
            "service: security",
            "    sel:\n        EventID: 4698\n    condition: sel\n",
        );
        let text =
            a.with_input(|ia| b.with_input(|ib| Sumo.render_pack(&[*ia, *ib], SEARCH_FLAVOR).text));
        assert!(
            text.contains(
                "\n(_sourceCategory=windows/sysmon OR _sourceCategory=windows/security)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"(Channel = "Security" and (num(EventID) = 4698))"#),
            "{text}"
        );
    }

    #[test]
    fn flavors_are_cse_then_search() {
        assert_eq!(Sumo.flavors(), &[Flavor::DEFAULT, SEARCH_FLAVOR]);
        assert_eq!(form_of(Flavor::DEFAULT), Form::Cse);
        assert_eq!(form_of(SEARCH_FLAVOR), Form::Search);
        assert_eq!(Sumo.flavor("search"), Some(SEARCH_FLAVOR));
        assert_eq!(Sumo.flavor("cse"), None);
    }
}
