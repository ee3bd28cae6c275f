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
pub mod cim_model;
mod eval;
mod literal;
pub mod model;
mod pack;
mod search;
mod sysmon;

#[cfg(test)]
mod tests;

use crate::meta::{self, Fact};
use crate::refusal::{Construct, Refusal};
use crate::{Backend, PackQuery, RuleInput, Target};

/// The Splunk SPL backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spl;

/// The flavor name of the CIM `tstats` rendering.
pub const CIM_FLAVOR: &str = "cim";

impl Backend for Spl {
    fn target(&self) -> Target {
        Target::Spl
    }

    fn flavors(&self) -> &'static [Option<&'static str>] {
        &[None, Some(CIM_FLAVOR)]
    }

    fn render(&self, rule: &RuleInput<'_>, flavor: Option<&str>) -> Result<String, Refusal> {
        match flavor {
            None => sysmon::render(rule),
            Some(CIM_FLAVOR) => cim::render(rule),
            Some(other) => Err(unknown_flavor(other)),
        }
    }

    fn render_pack(&self, rules: &[RuleInput<'_>], flavor: Option<&str>) -> PackQuery {
        match flavor {
            None => pack::sysmon(rules),
            Some(CIM_FLAVOR) => pack::cim(rules),
            Some(other) => PackQuery {
                flavor: None,
                text: String::new(),
                omitted: rules
                    .iter()
                    .map(|r| (r.label().to_owned(), unknown_flavor(other)))
                    .collect(),
            },
        }
    }
}

fn unknown_flavor(name: &str) -> Refusal {
    Refusal::new(
        Construct::Logsource,
        format!("SPL has no flavor '{name}' (known: default, '{CIM_FLAVOR}')"),
    )
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
