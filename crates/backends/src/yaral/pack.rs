//! The pack as ONE single-event YARA-L rule with one outcome variable per
//! detection branch.
//!
//! ```text
//! rule tunnelhunt_pack {
//!   meta: …  (how many rules, their ids, what was omitted)
//!   events:
//!     (
//!       ($e.metadata.event_type = "PROCESS_LAUNCH" and (<rule 1>))
//!       or ($e.metadata.event_type = "NETWORK_DNS" and (<rule 2>))
//!     )
//!   outcome:
//!     $KnownTunnelingTool = if((<rule 1>) or (<rule 5>), 1, 0)
//!   condition:
//!     $e
//! }
//! ```
//!
//! YARA-L allows an `outcome` section in a rule without `match` (outcome
//! variables are then computed per event) and `if(condition, then, else)`
//! in it. One 0/1 variable per branch rather than one string: an event
//! can satisfy rules of two branches (a renamed tunnelling tool with SSH
//! forwarding arguments), and a nested `if` would report only the first.
//! Every per-rule condition carries its own event-type guard, so a
//! process-rule predicate never applies to a DNS event. Rules that cannot
//! be rendered are left out and listed in `omitted` (and in the meta).

use crate::refusal::Refusal;
use crate::{Flavor, NO_BRANCH, PackQuery, RuleInput};

use super::{condition, identifier_stem, meta_string};

pub(super) fn render(rules: &[RuleInput<'_>]) -> PackQuery {
    let mut included: Vec<(String, String, String)> = Vec::new(); // (label, branch, guarded condition)
    let mut omitted: Vec<(String, Refusal)> = Vec::new();
    for rule in rules {
        match condition(rule) {
            Ok((scope, text)) => included.push((
                rule.label().to_owned(),
                rule.branch().unwrap_or(NO_BRANCH).to_owned(),
                format!("({} and ({text}))", scope.selector),
            )),
            Err(refusal) => omitted.push((rule.label().to_owned(), refusal)),
        }
    }
    if included.is_empty() {
        return PackQuery {
            flavor: Flavor::DEFAULT,
            text: String::new(),
            omitted,
        };
    }

    let mut out = String::from("rule tunnelhunt_pack {\n  meta:\n");
    let meta = [
        (
            "title",
            format!(
                "tunnelhunt pack: {} rules in one hunting rule",
                included.len()
            ),
        ),
        (
            "rules",
            included
                .iter()
                .map(|(label, ..)| label.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "omitted",
            omitted
                .iter()
                .map(|(label, _)| label.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    for (key, value) in meta {
        out.push_str(&format!("    {key} = {}\n", meta_string(&value)));
    }

    out.push_str("  events:\n    (\n");
    for (i, (_, _, guarded)) in included.iter().enumerate() {
        let joiner = if i == 0 { "  " } else { "  or " };
        out.push_str(&format!("    {joiner}{guarded}\n"));
    }
    out.push_str("    )\n  outcome:\n");
    for (variable, conditions) in branches(&included) {
        out.push_str(&format!(
            "    ${variable} = if({}, 1, 0)\n",
            conditions.join(" or ")
        ));
    }
    out.push_str("  condition:\n    $e\n}\n");
    PackQuery {
        flavor: Flavor::DEFAULT,
        text: out,
        omitted,
    }
}

/// Branches in first-seen order, each with an outcome variable name (an
/// identifier, unique) and the guarded conditions of its rules.
fn branches(included: &[(String, String, String)]) -> Vec<(String, Vec<&str>)> {
    let mut out: Vec<(String, String, Vec<&str>)> = Vec::new(); // (branch, variable, conditions)
    for (_, branch, guarded) in included {
        if let Some(entry) = out.iter_mut().find(|(b, ..)| b == branch) {
            entry.2.push(guarded);
            continue;
        }
        let mut variable = outcome_variable(branch);
        while out.iter().any(|(_, v, _)| *v == variable) {
            variable.push('_');
        }
        out.push((branch.clone(), variable, vec![guarded]));
    }
    out.into_iter()
        .map(|(_, variable, conditions)| (variable, conditions))
        .collect()
}

/// `KnownTunnelingTool` stays as it is; anything else is reduced to an
/// identifier.
fn outcome_variable(branch: &str) -> String {
    if !branch.is_empty()
        && branch
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !branch.starts_with(|c: char| c.is_ascii_digit())
    {
        return branch.to_owned();
    }
    let stem = identifier_stem(branch);
    if stem.is_empty() || stem.starts_with(|c: char| c.is_ascii_digit()) {
        format!("branch_{stem}")
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Lowered;
    use crate::{Backend, RuleInput};

    fn lowered(title: &str, id: &str, branch: &str, category: &str, detection: &str) -> Lowered {
        Lowered::parse(&format!(
            "title: {title}\nid: {id}\nbranch: {branch}\nlogsource:\n    category: {category}\ndetection:\n{detection}"
        ))
    }

    #[test]
    fn pack_ors_guarded_rules_and_flags_each_branch() {
        let rules = [
            lowered(
                "Plink",
                "00000000-0000-4000-8000-000000000001",
                "SshPortForwarding",
                "process_creation",
                "    sel:\n        Image|endswith: '\\plink.exe'\n    condition: sel\n",
            ),
            lowered(
                "Ngrok DNS",
                "00000000-0000-4000-8000-000000000002",
                "Tunnel Service",
                "dns_query",
                "    sel:\n        QueryName|endswith: '.ngrok.io'\n    condition: sel\n",
            ),
            lowered(
                "Keywords",
                "00000000-0000-4000-8000-000000000003",
                "SshPortForwarding",
                "process_creation",
                "    keywords:\n        - ssh\n    condition: keywords\n",
            ),
        ];
        let filters: Vec<_> = rules
            .iter()
            .map(|r| r.filters.iter().collect::<Vec<_>>())
            .collect();
        let inputs: Vec<RuleInput<'_>> = rules
            .iter()
            .zip(&filters)
            .map(|(r, f)| RuleInput {
                rule: &r.rule,
                filters: f,
                expr: &r.expr,
            })
            .collect();
        let pack = crate::yaral::YaraL.render_pack(&inputs, Flavor::DEFAULT);
        assert_eq!(pack.omitted.len(), 1);
        assert_eq!(pack.omitted[0].0, "00000000-0000-4000-8000-000000000003");
        let process = "($e.metadata.event_type = \"PROCESS_LAUNCH\" and ($e.target.process.file.full_path = /\\\\plink\\.exe$/ nocase))";
        let dns = "($e.metadata.event_type = \"NETWORK_DNS\" and ($e.network.dns.questions.name = /\\.ngrok\\.io$/ nocase))";
        assert!(
            pack.text
                .contains(&format!("      {process}\n      or {dns}\n")),
            "{}",
            pack.text
        );
        assert!(
            pack.text
                .contains(&format!("    $SshPortForwarding = if({process}, 1, 0)\n")),
            "{}",
            pack.text
        );
        assert!(
            pack.text
                .contains(&format!("    $tunnel_service = if({dns}, 1, 0)\n")),
            "{}",
            pack.text
        );
        assert!(
            pack.text
                .contains("omitted = \"00000000-0000-4000-8000-000000000003\"")
        );
    }

    #[test]
    fn outcome_variables_are_identifiers() {
        assert_eq!(outcome_variable("KnownTunnelingTool"), "KnownTunnelingTool");
        assert_eq!(outcome_variable("DNS over HTTPS"), "dns_over_https");
        assert_eq!(outcome_variable("3proxy"), "branch_3proxy");
        assert_eq!(outcome_variable("—"), "branch_");
    }
}
