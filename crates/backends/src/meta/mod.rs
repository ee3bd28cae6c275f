//! The facts about a rule that every exported query carries: title, id,
//! level, ATT&CK techniques, detection branch, confidence and the filters
//! folded in (`docs/backends.md` promises all of them for every target).
//!
//! Why one module: each target once gathered these facts by hand, and the
//! copies drifted — one target dropped `confidence`, filters were named
//! by title in some, by `name` or id in others. Here they are gathered
//! once, in one order, with their values already on one line
//! ([`crate::common::one_line`]); a target only chooses how to spell each
//! key and how to lay the lines out in its comment syntax (and still
//! escapes the values for that syntax).

use tunnelhunt_sigma::ast::Filter;

use crate::RuleInput;
use crate::common::one_line;

/// The detection-branch label pack queries give the events of a rule that
/// has no `branch` attribute — one spelling in every target, so a hunt
/// that groups by branch groups the same events under the same name.
pub const NO_BRANCH: &str = "Unassigned";

/// How filters are listed when several apply: titles may hold commas,
/// never a semicolon-space pair that would confuse a reader as badly.
const FILTER_SEPARATOR: &str = "; ";

/// One fact about a rule, in the order every header lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fact {
    Title,
    Id,
    Level,
    Attack,
    Branch,
    Confidence,
    Filters,
}

impl Fact {
    /// The lower-case key most targets write before the value
    /// (`level: high`).
    pub(crate) fn key(self) -> &'static str {
        match self {
            Fact::Title => "title",
            Fact::Id => "id",
            Fact::Level => "level",
            Fact::Attack => "attack",
            Fact::Branch => "branch",
            Fact::Confidence => "confidence",
            Fact::Filters => "filters",
        }
    }
}

/// The facts a rule has (each present only when the rule has it), in
/// [`Fact`] order, every value on one line. The title is always there.
pub(crate) fn facts(rule: &RuleInput<'_>) -> Vec<(Fact, String)> {
    let mut facts = vec![(Fact::Title, one_line(rule.title()))];
    if let Some(id) = rule.id() {
        facts.push((Fact::Id, one_line(id)));
    }
    if let Some(level) = rule.level() {
        facts.push((Fact::Level, level.to_owned()));
    }
    let techniques = rule.attack_techniques();
    if !techniques.is_empty() {
        facts.push((Fact::Attack, one_line(&techniques.join(", "))));
    }
    if let Some(branch) = rule.branch() {
        facts.push((Fact::Branch, one_line(branch)));
    }
    if let Some(confidence) = rule.custom_str("confidence") {
        facts.push((Fact::Confidence, one_line(confidence)));
    }
    if !rule.filters.is_empty() {
        facts.push((Fact::Filters, filter_labels(rule).join(FILTER_SEPARATOR)));
    }
    facts
}

/// `key: value` for each fact `keep` selects, joined with ` | `: the
/// one-line summary several targets write under the title.
pub(crate) fn summary_line(
    facts: &[(Fact, String)],
    keep: impl Fn(Fact) -> bool,
    key: impl Fn(Fact) -> &'static str,
) -> String {
    facts
        .iter()
        .filter(|(fact, _)| keep(*fact))
        .map(|(fact, value)| format!("{}: {value}", key(*fact)))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// How a header names one filter: its title, and its id in parentheses
/// when it has one (the title for a reader, the id to find the file).
pub(crate) fn filter_label(filter: &Filter) -> String {
    let title = &filter.meta.title.value;
    one_line(&match &filter.meta.id {
        Some(id) => format!("{title} ({})", id.value),
        None => title.clone(),
    })
}

/// [`filter_label`] of every filter folded into the rule, in order.
pub(crate) fn filter_labels(rule: &RuleInput<'_>) -> Vec<String> {
    rule.filters.iter().map(|f| filter_label(f)).collect()
}

#[cfg(test)]
mod tests;
