//! Which scenario records prove a rule, from a replay of the scenarios.
//!
//! A scenario is about a rule when one of its records must, may or did
//! raise the rule's branch (or names the rule's id). Its records shown
//! are those, and the records that must raise nothing at all — the
//! near misses written against that branch.

use tunnelhunt_report::page::{Expectation, ProofCase, RulePage, ScenarioProof};

use crate::commands::test::run::{CaseResult, ScenarioResult};

pub fn for_rule(page: &RulePage, results: &[ScenarioResult]) -> Vec<ScenarioProof> {
    let Some(branch) = page.branch.as_deref() else {
        return Vec::new();
    };
    let id = page.id.as_deref();
    let concerns = |case: &CaseResult| {
        case.expected.contains(branch)
            || case.allowed.contains(branch)
            || case.fired.contains(branch)
            || id.is_some_and(|id| case.expected_rules.contains(id))
    };
    results
        .iter()
        .filter(|r| r.cases.iter().any(concerns))
        .map(|r| ScenarioProof {
            name: r.name.clone(),
            description: r.description.clone(),
            skipped: r.skipped.clone(),
            cases: r
                .cases
                .iter()
                .filter(|c| concerns(c) || c.is_negative())
                .map(|c| ProofCase {
                    location: c.location(),
                    summary: c.summary.clone(),
                    expectation: if c.expected.contains(branch)
                        || id.is_some_and(|id| c.expected_rules.contains(id))
                    {
                        Expectation::MustAlert
                    } else if c.allowed.contains(branch) {
                        Expectation::MayAlert
                    } else {
                        Expectation::MustNotAlert
                    },
                    fired: c.fired.contains(branch),
                    passed: c.passed(),
                })
                .collect(),
        })
        .collect()
}
