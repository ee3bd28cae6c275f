//! CrowdStrike LogScale (CQL) over Falcon events.
//!
//! A rule becomes a LogScale query: the scope's event selector (a tag
//! filter on `#event_simpleName` plus `event_platform`, see [`model`]),
//! then the rule's condition as one filter step. The rule's metadata
//! (title, id, level, ATT&CK techniques, branch, applied filters, data
//! scope) goes into `//` comments above it; comment text is forced onto one
//! line, so no title can end a comment and inject query text.
//!
//! Why the care: LogScale's filter grammar gives `or` *higher* precedence
//! than (implicit) `and`, the opposite of most languages, and the reference
//! converter relies on that reading without parentheses. Every nested group
//! here is parenthesized ([`crate::boolean`]), so the query means the same
//! under either reading. Case-insensitive matching is a `/…/i` regex,
//! `|cased` keeps the case-sensitive `f="…"` glob; what LogScale cannot say
//! exactly (keywords, parent paths, PE metadata, Sysmon's registry hive
//! spelling) is refused, never approximated. `render` explains the
//! operators, `literal` the escaping, `pack` the hunting query,
//! `correlation` the correlations (refused unless the user accepts the
//! fixed-bucket approximation of `bucketed`).

mod basename;
mod correlation;
mod literal;
pub(crate) mod model;
mod pack;
mod render;

use crate::boolean::{self, BoolSyntax};
use crate::meta::{self, Fact};
use crate::refusal::Refusal;
use crate::{Backend, CorrelationInput, Flavor, PackQuery, RuleInput, Target};

pub use literal::QuotedString;

/// The LogScale backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cql;

/// LogScale filter syntax: `and` is written out (the implicit form binds
/// looser than `or`; spelling it out reads better, the parentheses make it
/// exact), `not (…)`, and the constant filters `true`/`false`.
const SYNTAX: BoolSyntax = BoolSyntax {
    and: " and ",
    or: " or ",
    not: "not ",
    true_literal: Some("true"),
    false_literal: Some("false"),
};

impl Backend for Cql {
    fn target(&self) -> Target {
        Target::Cql
    }

    fn render(&self, rule: &RuleInput<'_>, _flavor: Flavor) -> Result<String, Refusal> {
        let query = RuleQuery::new(rule)?;
        let mut out = header(rule, query.scope.name);
        out.push_str(query.scope.selector);
        out.push_str("\n| ");
        out.push_str(&query.condition);
        out.push('\n');
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

/// A rule's scope and its condition as a LogScale filter.
struct RuleQuery {
    scope: &'static crate::model::Scope,
    condition: String,
}

impl RuleQuery {
    fn new(rule: &RuleInput<'_>) -> Result<RuleQuery, Refusal> {
        let scope = model::scope_for(&rule.rule.logsource)?;
        let condition = boolean::render(rule.expr, &SYNTAX, &mut |p| render::predicate(p, scope))?;
        Ok(RuleQuery { scope, condition })
    }
}

/// The metadata comment block of one rule ([`meta::facts`]): the title,
/// the one-line facts, the filters on a line of their own.
fn header(rule: &RuleInput<'_>, scope: &str) -> String {
    let facts = meta::facts(rule);
    let mut lines = vec![format!("// {}", facts[0].1)];
    let summary = meta::summary_line(
        &facts,
        |fact| !matches!(fact, Fact::Title | Fact::Filters),
        |fact| match fact {
            Fact::Attack => "ATT&CK",
            other => other.key(),
        },
    );
    if !summary.is_empty() {
        lines.push(format!("// {summary}"));
    }
    lines.extend(
        facts
            .iter()
            .filter(|(fact, _)| *fact == Fact::Filters)
            .map(|(fact, value)| format!("// {}: {value}", fact.key())),
    );
    lines.push(format!("// events: Falcon {scope}"));
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::Construct;
    use crate::test_support::Lowered;

    fn rule(logsource: &str, detection: &str) -> Lowered {
        Lowered::parse(&format!(
            "title: \"T\\nitle */ // x\"\nid: 5d6c1a5e-7f43-4b0a-9f65-2b5a3f1d0c11\nlevel: high\n\
             tags: [attack.t1572]\nbranch: SshPortForwarding\nlogsource:\n{logsource}\n\
             detection:\n{detection}\n"
        ))
    }

    const WIN_PROC: &str = "    category: process_creation\n    product: windows";

    fn cql(l: &Lowered) -> Result<String, Refusal> {
        l.with_input(|input| Cql.render(input, Flavor::DEFAULT))
    }

    #[test]
    fn metadata_comments_cannot_be_broken_by_the_title() {
        let out = cql(&rule(
            WIN_PROC,
            "    sel:\n        CommandLine|cased|contains: ' -R '\n    condition: sel",
        ))
        .unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "// T itle */ // x");
        assert_eq!(
            lines[1],
            "// id: 5d6c1a5e-7f43-4b0a-9f65-2b5a3f1d0c11 | level: high | ATT&CK: T1572 | branch: SshPortForwarding"
        );
        assert!(lines[2].starts_with("// events: Falcon ProcessRollup2 (Windows)"));
        assert_eq!(lines.last().unwrap(), &r#"| CommandLine="* -R *""#);
    }

    #[test]
    fn nested_groups_are_parenthesized_and_negation_is_explicit() {
        let out = cql(&rule(
            WIN_PROC,
            "    a:\n        CommandLine|cased|contains: 'x'\n    b:\n        CommandLine|cased|contains: 'y'\n    \
             c:\n        CommandLine|cased|contains: 'z'\n    condition: a and (b or not c)",
        ))
        .unwrap();
        assert!(
            out.ends_with(
                "| CommandLine=\"*x*\" and (CommandLine=\"*y*\" or not (CommandLine=\"*z*\"))\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn parent_image_endswith_a_file_name_is_the_parent_base_name() {
        let out = cql(&rule(
            WIN_PROC,
            "    sel:\n        ParentImage|cased|endswith: '\\ssh.exe'\n    condition: sel",
        ))
        .unwrap();
        assert!(out.ends_with("| ParentBaseFileName=\"ssh.exe\"\n"), "{out}");
        let refused = cql(&rule(
            WIN_PROC,
            "    sel:\n        ParentImage: 'C:\\x\\ssh.exe'\n    condition: sel",
        ))
        .unwrap_err();
        assert_eq!(refused.construct, Construct::Wildcard);
    }

    #[test]
    fn keywords_and_unmapped_fields_and_logsources_are_refused() {
        let keywords = cql(&rule(
            WIN_PROC,
            "    k:\n        - 'dnscat2'\n    condition: k",
        ))
        .unwrap_err();
        assert_eq!(keywords.construct, Construct::Keyword);
        let field = cql(&rule(
            WIN_PROC,
            "    s:\n        OriginalFileName: 'plink'\n    condition: s",
        ))
        .unwrap_err();
        assert_eq!(field.construct, Construct::Field);
        assert!(field.detail.contains("'OriginalFileName'"), "{field}");
        let logsource = cql(&rule(
            "    product: windows\n    service: security",
            "    s:\n        EventID: 4624\n    condition: s",
        ))
        .unwrap_err();
        assert_eq!(logsource.construct, Construct::Logsource);
    }

    #[test]
    fn null_exists_empty_and_field_references() {
        let last = |detection: &str| {
            let out = cql(&rule(WIN_PROC, detection)).unwrap();
            out.lines().last().unwrap().to_owned()
        };
        assert_eq!(
            last("    s:\n        CommandLine: null\n    condition: s"),
            "| CommandLine!=*"
        );
        assert_eq!(
            last("    s:\n        CommandLine|exists: true\n    condition: s"),
            "| CommandLine=*"
        );
        assert_eq!(
            last("    s:\n        CommandLine|exists: false\n    condition: s"),
            "| CommandLine!=*"
        );
        assert_eq!(
            last("    s:\n        CommandLine: ''\n    condition: s"),
            "| CommandLine=\"\""
        );
        assert_eq!(
            last("    s:\n        CommandLine: '*'\n    condition: s"),
            "| CommandLine=\"*\""
        );
        let linux = "    category: process_creation\n    product: linux";
        let cased = cql(&rule(
            linux,
            "    s:\n        CommandLine|fieldref|cased: User\n    condition: s",
        ))
        .unwrap();
        assert!(
            cased.ends_with("| test(CommandLine == UserName)\n"),
            "{cased}"
        );
        let uncased = cql(&rule(
            linux,
            "    s:\n        CommandLine|fieldref: User\n    condition: s",
        ))
        .unwrap_err();
        assert_eq!(uncased.construct, Construct::FieldRef);
        // Sysmon's `DOMAIN\user` is not Falcon's spelling: no mapping.
        let windows_user = cql(&rule(
            WIN_PROC,
            "    s:\n        User: 'CORP\\alice'\n    condition: s",
        ))
        .unwrap_err();
        assert_eq!(windows_user.construct, Construct::Field);
    }

    #[test]
    fn connection_ends_follow_the_direction_and_absence_needs_every_field_absent() {
        let net = "    category: network_connection\n    product: windows";
        let last = |detection: &str| {
            let out = cql(&rule(net, detection)).unwrap();
            out.lines().last().unwrap().to_owned()
        };
        assert_eq!(
            last(
                "    s:\n        DestinationIp|cidr:\n            - '10.0.0.0/8'\n            - 'fe80::/10'\n    condition: s"
            ),
            "| ((ConnectionDirection=0 and cidr(RemoteAddressIP4, subnet=[\"10.0.0.0/8\"])) \
             or (ConnectionDirection=1 and cidr(LocalAddressIP4, subnet=[\"10.0.0.0/8\"]))) \
             or ((ConnectionDirection=0 and cidr(RemoteAddressIP6, subnet=[\"fe80::/10\"])) \
             or (ConnectionDirection=1 and cidr(LocalAddressIP6, subnet=[\"fe80::/10\"])))"
        );
        assert_eq!(
            last("    s:\n        DestinationIp: null\n    condition: s"),
            "| ((ConnectionDirection=0 and (RemoteAddressIP4!=* and RemoteAddressIP6!=*)) \
             or (ConnectionDirection=1 and (LocalAddressIP4!=* and LocalAddressIP6!=*)))"
        );
        assert_eq!(
            last(
                "    s:\n        DestinationPort|gte: 1024\n        Initiated: 'true'\n    condition: s"
            ),
            "| ((ConnectionDirection=0 and RemotePort>=1024) or (ConnectionDirection=1 and LocalPort>=1024)) \
             and ConnectionDirection=0"
        );
        let fieldref = cql(&rule(
            net,
            "    s:\n        SourcePort|fieldref|cased: DestinationPort\n    condition: s",
        ))
        .unwrap_err();
        assert_eq!(fieldref.construct, Construct::FieldRef);
    }

    #[test]
    fn macos_process_creation_filters_the_mac_platform() {
        let out = cql(&rule(
            "    category: process_creation\n    product: macos",
            "    s:\n        Image|endswith: '/osascript'\n        ParentImage|endswith: '/bash'\n        User: 'root'\n    condition: s",
        ))
        .unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            &lines[lines.len() - 2..],
            &[
                "(#event_simpleName=ProcessRollup2 or #event_simpleName=SyntheticProcessRollup2) event_platform=Mac",
                // JitRex `/i` folds ASCII only: `s` also spells out U+017F.
                "| ImageFileName=/\\/o[Ss\\u017F]a[Ss\\u017F]cript$/i and ParentBaseFileName=/^ba[Ss\\u017F]h$/i and UserName=/^root$/i",
            ]
        );
    }

    #[test]
    fn integrity_level_is_the_label_rid_on_windows_process_events() {
        let out = cql(&rule(
            WIN_PROC,
            "    s:\n        IntegrityLevel:\n            - 'System'\n            - 'S-1-16-12288'\n    condition: s",
        ))
        .unwrap();
        assert_eq!(
            out.lines().last().unwrap(),
            "| IntegrityLevel=16384 or IntegrityLevel=12288"
        );
        let refused = cql(&rule(
            WIN_PROC,
            "    s:\n        IntegrityLevel|contains: 'High'\n    condition: s",
        ))
        .unwrap_err();
        assert_eq!(refused.construct, Construct::Value);
        let linux = cql(&rule(
            "    category: process_creation\n    product: linux",
            "    s:\n        IntegrityLevel: 'High'\n    condition: s",
        ))
        .unwrap_err();
        assert_eq!(linux.construct, Construct::Field);
    }
}
