//! The whole pack as one LogScale hunting query.
//!
//! LogScale's `case { … ; … }` statement runs each clause as a pipeline and
//! takes the first clause that lets the event through; events no clause
//! matches are dropped. So every rule becomes one clause — its event
//! selector, its condition, then assignments naming what matched:
//!
//! ```text
//! case {
//!   // <title>
//!   <selector>
//!   | <condition>
//!   | DetectionBranch := "…" | DetectionRule := "…" | DetectionLevel := "…" ;
//!   …
//! }
//! ```
//!
//! An event matching several rules is labelled by the first of them, in pack
//! order (the rules' own queries find every match). Rules that cannot be
//! rendered are left out and listed in [`PackQuery::omitted`].

use super::RuleQuery;
use super::literal::label;
use crate::common::one_line;
use crate::meta;
use crate::{Flavor, NO_BRANCH, PackQuery, RuleInput};

pub fn render(rules: &[RuleInput<'_>]) -> PackQuery {
    let mut clauses = Vec::new();
    let mut omitted = Vec::new();
    for rule in rules {
        match RuleQuery::new(rule) {
            Ok(query) => clauses.push(clause(rule, &query)),
            Err(refusal) => omitted.push((rule.label().to_owned(), refusal)),
        }
    }
    let mut text = format!(
        "// tunnelhunt hunting query: {} rules, {} left out (see the export report)\n\
         // DetectionBranch names the first rule (in pack order) that matched the event\n",
        clauses.len(),
        omitted.len()
    );
    if clauses.is_empty() {
        // No clause: a query that returns nothing, rather than an invalid
        // empty `case {}`.
        text.push_str("false\n");
    } else {
        text.push_str("case {\n");
        text.push_str(&clauses.join(" ;\n"));
        text.push_str("\n}\n");
    }
    PackQuery {
        flavor: Flavor::DEFAULT,
        text,
        omitted,
    }
}

fn clause(rule: &RuleInput<'_>, query: &RuleQuery) -> String {
    let mut assignments = vec![
        format!(
            "DetectionBranch := {}",
            label(rule.branch().unwrap_or(NO_BRANCH))
        ),
        format!("DetectionRule := {}", label(rule.label())),
    ];
    if let Some(level) = rule.level() {
        assignments.push(format!("DetectionLevel := {}", label(level)));
    }
    let selector = query.scope.selector.replace('\n', "\n  ");
    let mut comment = format!("  // {}", one_line(rule.title()));
    if !rule.filters.is_empty() {
        let filters = meta::filter_labels(rule).join("; ");
        comment.push_str(&format!("\n  // filters: {filters}"));
    }
    format!(
        "{comment}\n  {selector}\n  | {}\n  | {}",
        query.condition,
        assignments.join(" | ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Lowered;

    #[test]
    fn rules_become_case_clauses_and_refusals_are_listed() {
        let ok = Lowered::parse(
            "title: Ok\nid: 11111111-1111-4111-8111-111111111111\nlevel: high\nbranch: NetshPortProxy\n\
             logsource:\n    category: process_creation\n    product: windows\n\
             detection:\n    s:\n        CommandLine|cased|contains: 'portproxy'\n    condition: s\n",
        );
        let refused = Lowered::parse(
            "title: Refused\nid: 22222222-2222-4222-8222-222222222222\n\
             logsource:\n    category: process_creation\n    product: windows\n\
             detection:\n    s:\n        Product: 'x'\n    condition: s\n",
        );
        let pack = ok.with_input(|a| refused.with_input(|b| render(&[*a, *b])));
        assert_eq!(pack.omitted.len(), 1);
        assert_eq!(pack.omitted[0].0, "22222222-2222-4222-8222-222222222222");
        assert!(pack.text.contains("case {\n  // Ok\n"), "{}", pack.text);
        assert!(
            pack.text.contains(
                "| CommandLine=\"*portproxy*\"\n  | DetectionBranch := \"NetshPortProxy\" | \
                 DetectionRule := \"11111111-1111-4111-8111-111111111111\" | DetectionLevel := \"high\"\n}"
            ),
            "{}",
            pack.text
        );
        let empty = refused.with_input(|b| render(&[*b]));
        assert!(empty.text.ends_with("false\n"));
    }
}
