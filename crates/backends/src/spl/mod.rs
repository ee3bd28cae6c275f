//! Splunk SPL.
//!
//! Two flavors:
//!
//! * default — a search over Sysmon (and Windows Security / PowerShell)
//!   events as the Splunk add-ons extract them ([`model::SYSMON`]). The
//!   rule's condition goes into the base search as search terms wherever
//!   their meaning is exact ([`search`]); what terms cannot say (a regex,
//!   `|cased`, a literal `*`, `?`, a fieldref, an IPv6 CIDR) goes into one
//!   `| where` stage of eval expressions ([`eval`]). A `where` stage is
//!   ANDed with the whole search, so only whole top-level AND operands are
//!   moved there: an OR or NOT that contains such a predicate moves as a
//!   whole, rendered entirely in eval syntax.
//! * `cim` — `| tstats` over the CIM data models ([`cim_model::CIM`]), whose
//!   `where` clause takes search terms only; anything else is refused.
//!
//! Precedence: the search command evaluates OR before AND (Search Manual,
//! "Boolean expressions"), `where` the other way round; every nested group
//! is parenthesized, so neither matters. Metadata travels in
//! ```` ``` ```` comments ([`literal::comment`]).

mod cim;
pub(crate) mod cim_model;
mod correlation;
mod eval;
mod literal;
pub(crate) mod model;
mod pack;
mod search;
mod sysmon;

#[cfg(test)]
mod tests;

use crate::correlation::CorrelationInput;
use crate::meta::{self, Fact};
use crate::refusal::Refusal;
use crate::{Backend, Flavor, PackQuery, RuleInput, Target};

/// The Splunk SPL backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spl;

/// The CIM `tstats` rendering.
pub const CIM_FLAVOR: Flavor = Flavor::named("cim");

impl Backend for Spl {
    fn target(&self) -> Target {
        Target::Spl
    }

    fn flavors(&self) -> &'static [Flavor] {
        &[Flavor::DEFAULT, CIM_FLAVOR]
    }

    fn render(&self, rule: &RuleInput<'_>, flavor: Flavor) -> Result<String, Refusal> {
        if is_cim(flavor) {
            cim::render(rule)
        } else {
            sysmon::render(rule)
        }
    }

    fn render_pack(&self, rules: &[RuleInput<'_>], flavor: Flavor) -> PackQuery {
        if is_cim(flavor) {
            pack::cim(rules)
        } else {
            pack::sysmon(rules)
        }
    }

    fn render_correlation(
        &self,
        correlation: &CorrelationInput<'_>,
        flavor: Flavor,
    ) -> Result<String, Refusal> {
        if is_cim(flavor) {
            return Err(correlation.refuse(
                "spl (cim)",
                "tstats computes no running aggregate per event",
            ));
        }
        correlation::render(correlation)
    }
}

/// Whether `flavor` (one of SPL's) is the CIM one.
fn is_cim(flavor: Flavor) -> bool {
    debug_assert!(
        Spl.flavors().contains(&flavor),
        "not an SPL flavor: {flavor:?}"
    );
    flavor == CIM_FLAVOR
}

/// The rule's metadata as SPL comment lines, each sanitized.
fn metadata_comments(rule: &RuleInput<'_>) -> String {
    let facts = meta::facts(rule);
    let title = meta::summary_line(&facts, |fact| fact == Fact::Title, Fact::key);
    let mut lines = vec![literal::comment(&title)];
    let summary = meta::summary_line(&facts, |fact| fact != Fact::Title, Fact::key);
    if !summary.is_empty() {
        lines.push(literal::comment(&summary));
    }
    lines.join("\n")
}
