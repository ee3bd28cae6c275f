//! The pack as EQL hunting queries: one query per event category and
//! detection branch.
//!
//! EQL has no computed columns (no `eval`/`extend`), so a single query
//! cannot say which branch matched an event. The branch label is therefore
//! the query itself: the rules of one branch that read one ECS event
//! category (`process`, `network`, `registry`) are ORed into one event
//! query, each rule's term keeping its own category narrowing and product
//! filter. The pack text is the list of those queries, each headed by a
//! comment naming its branch and category, in a fixed order (category as
//! in [`super::model::SCOPES`], then branch name), so every hit of a query
//! belongs to the branch in its header. Run them one at a time (Kibana's
//! EQL editor, `_eql/search`): an EQL request holds one query.

use super::RuleQuery;
use super::model::SCOPES;
use crate::common::one_line;
use crate::{Flavor, NO_BRANCH, PackQuery, RuleInput};

/// One query of the pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackPart {
    pub event_category: String,
    pub branch: String,
    /// The query with its header comments.
    pub text: String,
}

struct Member {
    label: String,
    title: String,
    level: Option<&'static str>,
    query: RuleQuery,
}

/// Every pack query, and the rules that could not be rendered.
pub fn parts(rules: &[RuleInput<'_>]) -> (Vec<PackPart>, Vec<(String, crate::Refusal)>) {
    let mut groups: Vec<((usize, String, String), Vec<Member>)> = Vec::new();
    let mut omitted = Vec::new();
    for rule in rules {
        let query = match RuleQuery::new(rule) {
            Ok(query) => query,
            Err(refusal) => {
                omitted.push((rule.label().to_owned(), refusal));
                continue;
            }
        };
        let category_rank = SCOPES
            .iter()
            .position(|s| s.event_category == query.event_category)
            .unwrap_or(SCOPES.len());
        let branch = rule.branch().unwrap_or(NO_BRANCH).to_owned();
        let key = (category_rank, query.event_category.clone(), branch);
        let member = Member {
            label: rule.label().to_owned(),
            title: rule.title().to_owned(),
            level: rule.level(),
            query,
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(member),
            None => groups.push((key, vec![member])),
        }
    }
    groups.sort_by(|(a, _), (b, _)| a.cmp(b));
    let parts = groups
        .into_iter()
        .map(|((_, event_category, branch), members)| part(event_category, branch, &members))
        .collect();
    (parts, omitted)
}

fn part(event_category: String, branch: String, members: &[Member]) -> PackPart {
    let mut text = format!(
        "// DetectionBranch: {}\n// event category: {event_category}, {} rule(s)\n{event_category} where\n",
        one_line(&branch),
        members.len()
    );
    for (i, member) in members.iter().enumerate() {
        let level = member
            .level
            .map(|l| format!(", level {l}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  // rule {}: {}{level}\n",
            one_line(&member.label),
            one_line(&member.title)
        ));
        text.push_str("  ");
        if i > 0 {
            text.push_str("or ");
        }
        text.push_str(&member.query.term());
        text.push('\n');
    }
    PackPart {
        event_category,
        branch,
        text,
    }
}

/// The pack text: every part, separated by a numbered header.
pub fn render(rules: &[RuleInput<'_>]) -> PackQuery {
    let (parts, omitted) = parts(rules);
    let mut text = format!(
        "// tunnelhunt pack for Elastic EQL: {} quer{} (one per event category and detection branch;\n\
         // EQL has no computed columns, so each query is its branch label). Run them one at a time.\n",
        parts.len(),
        if parts.len() == 1 { "y" } else { "ies" }
    );
    if !omitted.is_empty() {
        text.push_str(&format!(
            "// {} rule(s) not expressible in EQL are omitted.\n",
            omitted.len()
        ));
    }
    for (i, part) in parts.iter().enumerate() {
        text.push_str(&format!(
            "\n// ===== query {} of {}: {} / {} =====\n",
            i + 1,
            parts.len(),
            part.event_category,
            one_line(&part.branch)
        ));
        text.push_str(&part.text);
    }
    PackQuery {
        flavor: Flavor::DEFAULT,
        text,
        omitted,
    }
}
