//! Google SecOps YARA-L 2.0: every Sigma rule as one complete single-event
//! detection rule over UDM.
//!
//! ```text
//! rule <name> {
//!   meta:
//!     title = "…"  id = "…"  severity = "HIGH"  attack_techniques = "T1572"
//!     branch = "…"  confidence = "…"  logsource = "…"  filters = "…"
//!   events:
//!     $e.metadata.event_type = "PROCESS_LAUNCH"
//!     (<the rule's condition>)
//!   condition:
//!     $e
//! }
//! ```
//!
//! Why this shape:
//!
//! * Lines of the events section are ANDed (Google's syntax reference), so
//!   the event-type line and the condition line together select exactly
//!   the rule's events. The condition itself is one parenthesized
//!   expression with `and` / `or` / `not`, and every nested group is
//!   parenthesized ([`crate::boolean`]): YARA-L documents no precedence,
//!   and the reference converter's reliance on one (`A and B or C`) is the
//!   bug this backend exists to avoid.
//! * No `match` section: a rule without one matches single events, which
//!   is what a Sigma rule describes. Correlations are the multi-event
//!   rules of [`correlation`] (a sliding window before a pivot match).
//! * The rule name must be an identifier (`[A-Za-z_][A-Za-z0-9_]*`); it is
//!   the title reduced to that alphabet plus the first eight hex digits of
//!   the rule id (or of a hash of the title), so it is deterministic and
//!   distinct across a rule set whose ids are distinct.
//! * Meta values are double-quoted strings: backslashes and quotes are
//!   escaped, control characters (newlines) collapse to one space, so no
//!   title can end the string or the line.
//!
//! The predicate renderings and their exact semantics are documented in
//! [`render`]; the UDM field mapping in [`model`]; the pack rule in
//! [`pack`].

mod correlation;
pub(crate) mod model;
mod pack;
pub(crate) mod render;

use crate::boolean::{self, BoolSyntax};
use crate::common::one_line;
use crate::meta::{self, Fact};
use crate::model::{Scope, logsource_label};
use crate::refusal::Refusal;
use crate::{Backend, CorrelationInput, Flavor, PackQuery, RuleInput, Target};

use model::{EVENT, UDM};

/// The YARA-L 2.0 backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct YaraL;

/// YARA-L's logical operators. It has no boolean constants in the events
/// section, so a rule that simplified to one is refused.
const SYNTAX: BoolSyntax = BoolSyntax {
    and: " and ",
    or: " or ",
    not: "not ",
    true_literal: None,
    false_literal: None,
};

/// Longest title part of a rule name; the id suffix is added after it.
const NAME_STEM_MAX: usize = 56;

impl Backend for YaraL {
    fn target(&self) -> Target {
        Target::YaraL
    }

    fn render(&self, rule: &RuleInput<'_>, _flavor: Flavor) -> Result<String, Refusal> {
        let (scope, condition) = condition(rule)?;
        let mut out = format!("rule {} {{\n", rule_name(rule));
        out.push_str("  meta:\n");
        for (key, value) in meta_entries(rule, scope) {
            out.push_str(&format!("    {key} = {}\n", meta_string(&value)));
        }
        out.push_str("  events:\n");
        out.push_str(&format!("    {}\n", scope.selector));
        out.push_str(&format!("    ({condition})\n"));
        out.push_str("  condition:\n    $e\n}\n");
        Ok(out)
    }

    fn render_pack(&self, rules: &[RuleInput<'_>], _flavor: Flavor) -> PackQuery {
        pack::render(rules)
    }

    fn render_correlation(
        &self,
        input: &CorrelationInput<'_>,
        _flavor: Flavor,
    ) -> Result<String, Refusal> {
        correlation::render(input)
    }
}

/// The rule's scope (event type) and its condition, without the outer
/// parentheses.
pub(crate) fn condition(rule: &RuleInput<'_>) -> Result<(&'static Scope, String), Refusal> {
    condition_on(EVENT, rule)
}

/// [`condition`] on the event variable `event` of a multi-event rule.
pub(crate) fn condition_on(
    event: &str,
    rule: &RuleInput<'_>,
) -> Result<(&'static Scope, String), Refusal> {
    let scope = UDM.scope_for(&rule.rule.logsource)?;
    let text = boolean::render(rule.expr, &SYNTAX, &mut |p| {
        render::predicate_on(event, scope, p)
    })?;
    Ok((scope, text))
}

/// The scope's event-type selector on the event variable `event`. The
/// selectors are const data written on `$e`; only `$e.` starts a path in
/// them, so the replacement cannot touch anything else.
pub(crate) fn selector_on(event: &str, scope: &Scope) -> String {
    scope
        .selector
        .replace(&format!("{EVENT}."), &format!("{event}."))
}

/// A valid, deterministic YARA-L rule name for the rule.
pub fn rule_name(rule: &RuleInput<'_>) -> String {
    name_from(rule.title(), rule.id(), rule.label())
}

/// A valid, deterministic YARA-L rule name for the correlation rule (the
/// same scheme as [`rule_name`]).
pub fn correlation_rule_name(correlation: &CorrelationInput<'_>) -> String {
    name_from(correlation.title(), correlation.id(), correlation.label())
}

/// The title reduced to an identifier plus eight hex digits of the id (or
/// of a hash of the label).
fn name_from(title: &str, id: Option<&str>, label: &str) -> String {
    let mut stem = identifier_stem(title);
    stem.truncate(NAME_STEM_MAX);
    let stem = stem.trim_end_matches('_');
    let suffix = match id {
        Some(id) if id.chars().filter(char::is_ascii_hexdigit).count() >= 8 => id
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase(),
        _ => format!("{:08x}", fnv1a(label) as u32),
    };
    if stem.is_empty() {
        format!("rule_{suffix}")
    } else if stem.starts_with(|c: char| c.is_ascii_digit()) {
        format!("r_{stem}_{suffix}")
    } else {
        format!("{stem}_{suffix}")
    }
}

/// Lower-case ASCII letters and digits, every other run of characters as
/// one `_`, no leading or trailing `_`.
pub(crate) fn identifier_stem(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The meta entries of a rule: what an analyst needs to know where the
/// detection came from — the rule's facts ([`meta::facts`]), the level as
/// a YARA-L severity, and the logsource before the filters.
fn meta_entries(rule: &RuleInput<'_>, scope: &Scope) -> Vec<(&'static str, String)> {
    let mut entries = Vec::new();
    for (fact, value) in meta::facts(rule) {
        if fact == Fact::Filters {
            entries.push(logsource_entry(rule, scope));
        }
        entries.push(match fact {
            Fact::Level => ("severity", value.to_ascii_uppercase()),
            Fact::Attack => ("attack_techniques", value),
            other => (other.key(), value),
        });
    }
    if rule.filters.is_empty() {
        entries.push(logsource_entry(rule, scope));
    }
    entries
}

fn logsource_entry(rule: &RuleInput<'_>, scope: &Scope) -> (&'static str, String) {
    (
        "logsource",
        format!("{} ({})", logsource_label(&rule.rule.logsource), scope.name),
    )
}

/// A meta value as a YARA-L string: one line, `"` and `\` escaped.
pub(crate) fn meta_string(value: &str) -> String {
    render::quoted(one_line(value).trim()).expect("one_line replaced every control character")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::Construct;
    use crate::test_support::Lowered;

    fn rule(detection: &str) -> Lowered {
        rule_with(
            "title: Test Rule\nid: 8a4c1c6e-0000-4000-8000-000000000001\nlevel: high\n",
            "logsource:\n    category: process_creation\n    product: windows\n",
            detection,
        )
    }

    fn rule_with(head: &str, logsource: &str, detection: &str) -> Lowered {
        Lowered::parse(&format!("{head}{logsource}detection:\n{detection}"))
    }

    fn render(l: &Lowered) -> Result<String, Refusal> {
        l.with_input(|input| YaraL.render(input, Flavor::DEFAULT))
    }

    fn events_line(l: &Lowered) -> String {
        let text = render(l).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let at = lines.iter().position(|l| l.trim() == "events:").unwrap();
        lines[at + 2].trim().to_owned()
    }

    #[test]
    fn a_rule_is_complete_with_meta_events_and_condition() {
        let l = rule_with(
            "title: \"SSH \\\"tunnel\\\" via\\nplink\"\nid: 8a4c1c6e-0000-4000-8000-000000000001\nlevel: high\ntags:\n    - attack.t1572\nbranch: SshPortForwarding\nconfidence: high\n",
            "logsource:\n    category: process_creation\n    product: windows\n",
            "    sel:\n        Image|endswith: '\\plink.exe'\n    condition: sel\n",
        );
        let text = render(&l).unwrap();
        assert_eq!(
            text,
            concat!(
                "rule ssh_tunnel_via_plink_8a4c1c6e {\n",
                "  meta:\n",
                "    title = \"SSH \\\"tunnel\\\" via plink\"\n",
                "    id = \"8a4c1c6e-0000-4000-8000-000000000001\"\n",
                "    severity = \"HIGH\"\n",
                "    attack_techniques = \"T1572\"\n",
                "    branch = \"SshPortForwarding\"\n",
                "    confidence = \"high\"\n",
                "    logsource = \"windows/process_creation/- (PROCESS_LAUNCH)\"\n",
                "  events:\n",
                "    $e.metadata.event_type = \"PROCESS_LAUNCH\"\n",
                "    ($e.target.process.file.full_path = /\\\\plink\\.exe$/ nocase)\n",
                "  condition:\n",
                "    $e\n",
                "}\n",
            )
        );
    }

    #[test]
    fn rule_names_are_identifiers_for_any_title() {
        for (title, expected) in [
            (
                "Port Forwarding Via SSH.EXE",
                "port_forwarding_via_ssh_exe_8a4c1c6e",
            ),
            ("DNS-over-HTTPS / plink", "dns_over_https_plink_8a4c1c6e"),
            ("3proxy started", "r_3proxy_started_8a4c1c6e"),
            ("Überwachung ***", "berwachung_8a4c1c6e"),
            ("—", "rule_8a4c1c6e"),
        ] {
            let l = rule_with(
                &format!("title: '{title}'\nid: 8a4c1c6e-0000-4000-8000-000000000001\n"),
                "logsource:\n    category: process_creation\n",
                "    sel:\n        Image: x\n    condition: sel\n",
            );
            let name = l.with_input(rule_name);
            assert_eq!(name, expected);
        }
    }

    #[test]
    fn rule_names_without_an_id_hash_the_title_deterministically() {
        let make = |title: &str| {
            rule_with(
                &format!("title: {title}\n"),
                "logsource:\n    category: process_creation\n",
                "    sel:\n        Image: x\n    condition: sel\n",
            )
            .with_input(rule_name)
        };
        assert_eq!(make("Same"), make("Same"));
        assert_ne!(make("Same"), make("Other"));
        assert!(make("Same").starts_with("same_"));
    }

    #[test]
    fn nested_groups_and_negations_are_parenthesized() {
        let l = rule(
            "    a:\n        Image|endswith: '\\netsh.exe'\n    b:\n        CommandLine|contains: portproxy\n    c:\n        CommandLine|contains: delete\n    condition: a and (b or c) and not c\n",
        );
        assert_eq!(
            events_line(&l),
            "($e.target.process.file.full_path = /\\\\netsh\\.exe$/ nocase and ($e.target.process.command_line = /portproxy/ nocase or $e.target.process.command_line = /delete/ nocase) and not ($e.target.process.command_line = /delete/ nocase))"
        );
    }

    #[test]
    fn case_follows_cased_and_equality_uses_quoted_strings() {
        let l = rule(
            "    sel:\n        CommandLine|cased: 'ssh -L'\n        User: 'a\"b'\n    condition: sel\n",
        );
        assert_eq!(
            events_line(&l),
            "($e.target.process.command_line = \"ssh -L\" and $e.principal.user.userid = \"a\\\"b\" nocase)"
        );
    }

    #[test]
    fn values_with_line_breaks_become_anchored_regexes() {
        let l = rule("    sel:\n        CommandLine: \"a\\nb/c\"\n    condition: sel\n");
        assert_eq!(
            events_line(&l),
            "($e.target.process.command_line = /^a\\x{a}b\\/c$/ nocase)"
        );
    }

    #[test]
    fn numbers_cidr_and_null_render_per_field_kind() {
        let l = rule_with(
            "title: t\n",
            "logsource:\n    category: network_connection\n",
            "    sel:\n        DestinationPort|gte: 1024\n        DestinationIp|cidr: 'fe80::/10'\n        DestinationHostname: null\n    condition: sel\n",
        );
        assert_eq!(
            events_line(&l),
            "($e.target.port >= 1024 and net.ip_in_range_cidr($e.target.ip, \"fe80::/10\") and $e.target.hostname = \"\")"
        );
    }

    #[test]
    fn refusals_name_the_construct() {
        let cases = [
            (
                "    keywords:\n        - dnscat2\n    condition: keywords\n",
                Construct::Keyword,
            ),
            (
                "    sel:\n        OriginalFileName: plink.exe\n    condition: sel\n",
                Construct::Field,
            ),
            (
                "    sel:\n        ProcessId: null\n    condition: sel\n",
                Construct::Null,
            ),
            (
                "    sel:\n        ProcessId|contains: '12'\n    condition: sel\n",
                Construct::Number,
            ),
            (
                "    sel:\n        CommandLine|gt: 3\n    condition: sel\n",
                Construct::Number,
            ),
            (
                "    sel:\n        ParentImage|fieldref: Image\n    condition: sel\n",
                Construct::FieldRef,
            ),
            (
                "    sel:\n        Product: null\n    condition: sel\n",
                Construct::Null,
            ),
            (
                "    sel:\n        Product: ''\n    condition: sel\n",
                Construct::Null,
            ),
        ];
        for (detection, construct) in cases {
            let refusal = render(&rule(detection)).unwrap_err();
            assert_eq!(refusal.construct, construct, "{detection}: {refusal}");
        }
        let l = rule_with(
            "title: t\n",
            "logsource:\n    product: windows\n    service: security\n",
            "    sel:\n        EventID: 4624\n    condition: sel\n",
        );
        assert_eq!(render(&l).unwrap_err().construct, Construct::Logsource);
    }

    #[test]
    fn filters_are_named_in_meta() {
        let yaml = "title: Tunnel\nid: 8a4c1c6e-0000-4000-8000-000000000001\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        Image|endswith: '\\plink.exe'\n    condition: sel\n---\ntitle: Admin jump host\nname: admin_jump_host\nlogsource:\n    category: process_creation\nfilter:\n    rules:\n        - 8a4c1c6e-0000-4000-8000-000000000001\n    selection:\n        User: admin\n    condition: not selection\n";
        let l = Lowered::parse(yaml);
        let text = render(&l).unwrap();
        assert!(
            text.contains("    filters = \"Admin jump host\"\n"),
            "{text}"
        );
        assert!(
            text.contains("not ($e.principal.user.userid = \"admin\" nocase)"),
            "{text}"
        );
    }

    #[test]
    fn meta_strings_are_single_line_and_escaped() {
        assert_eq!(
            meta_string(" a\r\n\tb \"c\" \\\u{2028}"),
            "\"a   b \\\"c\\\" \\\\\""
        );
    }

    #[test]
    fn file_events_select_file_creation_and_deletion() {
        let head = "title: File Probe\nid: 8a4c1c6e-0000-4000-8000-000000000002\nlevel: high\n";
        let detection = "    sel:\n        TargetFilename|endswith: '\\evil.dll'\n        Image|endswith: '\\rundll32.exe'\n    condition: sel\n";
        let created = rule_with(
            head,
            "logsource:\n    category: file_event\n    product: windows\n",
            detection,
        );
        let text = render(&created).unwrap();
        assert!(
            text.contains("    $e.metadata.event_type = \"FILE_CREATION\"\n"),
            "{text}"
        );
        assert_eq!(
            events_line(&created),
            "($e.target.file.full_path = /\\\\evil\\.dll$/ nocase and $e.principal.process.file.full_path = /\\\\rundll32\\.exe$/ nocase)"
        );
        let deleted = rule_with(
            head,
            "logsource:\n    category: file_delete\n    product: windows\n",
            detection,
        );
        assert!(
            render(&deleted)
                .unwrap()
                .contains("    $e.metadata.event_type = \"FILE_DELETION\"\n")
        );
        // Fields the UDM file events do not document stay refused.
        let hashes = rule_with(
            head,
            "logsource:\n    category: file_event\n    product: windows\n",
            "    sel:\n        CreationUtcTime: 'x'\n    condition: sel\n",
        );
        assert_eq!(render(&hashes).unwrap_err().construct, Construct::Field);
        // A file-timestamp change is not every modification.
        let changed = rule_with(
            head,
            "logsource:\n    category: file_change\n    product: windows\n",
            detection,
        );
        assert_eq!(
            render(&changed).unwrap_err().construct,
            Construct::Logsource
        );
    }
}
