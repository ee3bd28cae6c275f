//! The whole pack as one hunting query.
//!
//! Each rule that renders becomes one parenthesized leg of a `union`,
//! tagged with columns saying which rule and detection branch matched:
//!
//! ```text
//! union
//!     (DeviceProcessEvents
//!     | where …
//!     | extend DetectionBranch = "SshPortForwarding", RuleId = "…", RuleTitle = "…", RuleLevel = "high"),
//!     (…)
//! | project-reorder DetectionBranch, RuleTitle, RuleId, RuleLevel
//! ```
//!
//! A hunter runs it once over the whole time range and groups by
//! `DetectionBranch`. Rules the flavor cannot express are listed in the
//! query's header comment and in [`PackQuery::omitted`].

use super::{literal, model_of, query};
use crate::common::one_line;
use crate::{Flavor, NO_BRANCH, PackQuery, RuleInput};

/// Render `rules` for `flavor` (one of KQL's).
pub fn render(rules: &[RuleInput<'_>], flavor: Flavor) -> PackQuery {
    let model = model_of(flavor);
    let mut legs = Vec::new();
    let mut omitted = Vec::new();
    for rule in rules {
        match query(model, rule) {
            Ok(q) => legs.push(leg(rule, &q.text)),
            Err(refusal) => omitted.push((rule.label().to_owned(), refusal)),
        }
    }
    let mut text = format!(
        "// tunnelhunt hunting pack: {} rules, {} omitted ({})\n",
        legs.len(),
        omitted.len(),
        model.name
    );
    for (label, refusal) in &omitted {
        text.push_str(&format!(
            "// omitted {}: {}\n",
            one_line(label),
            one_line(&refusal.to_string())
        ));
    }
    if legs.is_empty() {
        text.push_str("print DetectionBranch = \"\", RuleId = \"\", RuleTitle = \"\", RuleLevel = \"\"\n| where false");
    } else {
        text.push_str("union\n");
        text.push_str(&legs.join(",\n"));
        text.push_str("\n| project-reorder DetectionBranch, RuleTitle, RuleId, RuleLevel");
    }
    PackQuery {
        flavor,
        text,
        omitted,
    }
}

/// One rule as a union leg, indented, with its tag columns.
fn leg(rule: &RuleInput<'_>, body: &str) -> String {
    let tags = format!(
        "| extend DetectionBranch = {}, RuleId = {}, RuleTitle = {}, RuleLevel = {}",
        literal::string(rule.branch().unwrap_or(NO_BRANCH)),
        literal::string(rule.id().unwrap_or("")),
        literal::string(rule.title()),
        literal::string(rule.level().unwrap_or("")),
    );
    let mut out = format!(
        "    // {}\n",
        one_line(&match rule.id() {
            Some(id) => format!("{} ({id})", rule.title()),
            None => rule.title().to_owned(),
        })
    );
    let lines: Vec<&str> = body.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        out.push_str("    ");
        if i == 0 {
            out.push('(');
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("    ");
    out.push_str(&tags);
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::Construct;
    use crate::test_support::Lowered;

    #[test]
    fn pack_unions_renderable_rules_and_lists_the_rest() {
        let ok = Lowered::parse(
            r#"
title: "Quote \" title"
id: a
branch: DnsTunneling
level: high
logsource: {category: dns_query}
detection:
    selection:
        QueryName|endswith: '.example'
    condition: selection
"#,
        );
        let refused = Lowered::parse(
            r#"
title: zeek
id: b
logsource: {product: zeek, service: dns}
detection:
    selection:
        query: x
    condition: selection
"#,
        );
        ok.with_input(|a| {
            refused.with_input(|b| {
                let pack = render(&[*a, *b], Flavor::DEFAULT);
                assert_eq!(pack.omitted.len(), 1);
                assert_eq!(pack.omitted[0].0, "b");
                assert_eq!(pack.omitted[0].1.construct, Construct::Logsource);
                assert!(
                    pack.text
                        .contains("union\n    // Quote \" title (a)\n    (DeviceEvents\n"),
                    "{}",
                    pack.text
                );
                assert!(
                    pack.text.contains(r#"RuleTitle = "Quote \" title""#),
                    "{}",
                    pack.text
                );
                assert!(
                    pack.text.contains("// omitted b: logsource:"),
                    "{}",
                    pack.text
                );
            })
        });
    }
}
