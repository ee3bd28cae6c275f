/*!
Sigma rules as native SIEM queries.

This crate owns the *renderings*: for each target language (Microsoft KQL,
Splunk SPL, Elastic EQL, QRadar AQL, Sumo Logic, Google SecOps YARA-L 2.0,
CrowdStrike LogScale) and for Sigma itself, how the target-neutral
predicate IR of a rule ([`tunnelhunt_sigma::ir::Expr`]) is written so that
the query means exactly what the rule means — or why it cannot be.

The bar is the one the reference converters miss: every query we emit is
syntactically valid and semantically faithful (boolean structure, case
sensitivity, wildcards and escapes, regex dialect, field mapping). Where a
target cannot express a construct, the backend returns a [`Refusal`]
naming the construct; it never widens or narrows a query silently.

Layout: one module per target, each with its field-mapping tables as const
data (`model`), the shared pieces every target needs — fully
parenthesized boolean rendering (`boolean`), regex dialects and glob →
regex ([`regex`]), the facts about a rule every target's header carries
(`meta`), the fields tunnelhunt derives from DNS query names and the
refusal of those a target cannot compute ([`derived`], one place for every
target), and the helpers several targets share (`common`: one definition
of a line break, RE2 literal escapes) — so no backend imports another's
internals.

The public surface is what a caller needs: [`Target`], [`backend`] and the
[`Backend`] trait, [`Flavor`], [`RuleInput`], [`PackQuery`], [`Refusal`]
and [`Construct`], [`NO_BRANCH`]. The per-target modules stay public for
the pieces the integration tests check from outside (literal syntaxes,
the EQL models the executor test replays, the regex translators);
everything else is `pub(crate)`.

This crate must not know about events, log files or the matching engine:
it consumes the AST and IR from `tunnelhunt-sigma` and produces text. Query
validators (Kusto.Language, Elastic's `eql`, …) run in the tests, not here.
*/

pub(crate) mod boolean;
pub(crate) mod common;
pub mod correlation;
pub mod derived;
pub(crate) mod meta;
pub mod model;
pub mod refusal;
pub mod regex;

pub mod aql;
pub mod cql;
pub mod eql;
pub mod kql;
pub mod sigma;
pub mod spl;
pub mod sumo;
pub mod yaral;

#[cfg(test)]
pub(crate) mod test_support;

use tunnelhunt_sigma::ast::{AttrValue, Filter, Rule};
use tunnelhunt_sigma::ir::Expr;

pub use correlation::{CorrelatedRule, CorrelationInput, Figure, Unresolved};
pub use meta::NO_BRANCH;
pub use refusal::{Construct, Refusal};

/// A query language we render to. More will come: match with a wildcard
/// arm, and list them with [`Target::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Target {
    Kql,
    Spl,
    Eql,
    Aql,
    Sumo,
    YaraL,
    Cql,
    Sigma,
}

impl Target {
    /// Every target, in the order outputs and reports list them.
    pub const ALL: [Target; 8] = [
        Target::Kql,
        Target::Spl,
        Target::Eql,
        Target::Aql,
        Target::Sumo,
        Target::YaraL,
        Target::Cql,
        Target::Sigma,
    ];

    /// The name users type (`--target kql`).
    pub fn name(self) -> &'static str {
        match self {
            Target::Kql => "kql",
            Target::Spl => "spl",
            Target::Eql => "eql",
            Target::Aql => "aql",
            Target::Sumo => "sumo",
            Target::YaraL => "yaral",
            Target::Cql => "cql",
            Target::Sigma => "sigma",
        }
    }

    /// What the target is, for a person choosing one (`--help`).
    pub fn description(self) -> &'static str {
        match self {
            Target::Kql => "Microsoft KQL (Defender XDR Advanced Hunting; flavor sentinel)",
            Target::Spl => "Splunk SPL (Sysmon add-on; flavor cim)",
            Target::Eql => "Elastic EQL over ECS",
            Target::Aql => "IBM QRadar AQL",
            Target::Sumo => "Sumo Logic (Cloud SIEM rule expression; flavor search)",
            Target::YaraL => "Google SecOps YARA-L 2.0",
            Target::Cql => "CrowdStrike LogScale (Falcon events)",
            Target::Sigma => "Sigma YAML, normalized, filters folded in",
        }
    }

    /// File extension of one rendered rule.
    pub fn extension(self) -> &'static str {
        match self {
            Target::Sigma => "yml",
            other => other.name(),
        }
    }

    pub fn parse(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One rule ready to render: its metadata and logsource (from the AST), the
/// filters that tune it, and the lowered condition (rule AND filters).
#[derive(Debug, Clone, Copy)]
pub struct RuleInput<'a> {
    pub rule: &'a Rule,
    /// The filters already folded into `expr`; listed so backends can name
    /// them in comments (and the Sigma backend can write them out).
    pub filters: &'a [&'a Filter],
    /// `lower_rule(rule, filters, …)`.
    pub expr: &'a Expr,
}

impl RuleInput<'_> {
    pub fn title(&self) -> &str {
        &self.rule.meta.title.value
    }

    pub fn id(&self) -> Option<&str> {
        self.rule.meta.id.as_ref().map(|id| id.value.as_str())
    }

    /// The rule's id, or its title when it has none: what reports and
    /// refusals name.
    pub fn label(&self) -> &str {
        self.id().unwrap_or_else(|| self.title())
    }

    pub fn level(&self) -> Option<&'static str> {
        self.rule.meta.level.map(|l| l.as_str())
    }

    /// The detection branch (custom attribute `branch`) of pack rules.
    pub fn branch(&self) -> Option<&str> {
        self.custom_str("branch")
    }

    /// A custom attribute that is a string (`confidence`, `branch`, …).
    pub fn custom_str(&self, key: &str) -> Option<&str> {
        self.rule.meta.custom(key).and_then(AttrValue::as_str)
    }

    /// ATT&CK technique ids from the tags (`T1572`, `T1090.001`).
    pub fn attack_techniques(&self) -> Vec<String> {
        self.rule.meta.attack_techniques()
    }
}

/// One rendering of a target. Most targets have one flavor; some have
/// several data models or query forms (KQL: Defender XDR and Sentinel; SPL:
/// Sysmon add-on and CIM `tstats`; Sumo Logic: Cloud SIEM rule expression
/// and log search).
///
/// A flavor other than the default is only obtained from its backend
/// ([`Backend::flavor`], [`Backend::flavors`]), so a name nobody knows is
/// rejected once, where the user typed it, and a backend never has to
/// guess what an unknown name meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flavor {
    /// `None` for the default flavor.
    name: Option<&'static str>,
}

impl Flavor {
    /// Every target's default flavor.
    pub const DEFAULT: Flavor = Flavor { name: None };

    /// A backend's named flavor; only backends create them.
    pub(crate) const fn named(name: &'static str) -> Flavor {
        Flavor { name: Some(name) }
    }

    /// The name users type (`--flavor sentinel`); `default` for the
    /// default flavor.
    pub fn name(self) -> &'static str {
        self.name.unwrap_or("default")
    }

    /// What export puts in the file name (`rule.sentinel.kql`): the name,
    /// or `None` for the default flavor, whose files carry no suffix.
    pub fn suffix(self) -> Option<&'static str> {
        self.name
    }
}

/// The whole pack as one hunting query, rules that could not be included
/// listed with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackQuery {
    pub flavor: Flavor,
    pub text: String,
    /// `(rule label, why it is not in the query)`.
    pub omitted: Vec<(String, Refusal)>,
}

/// A query language.
pub trait Backend: Sync {
    fn target(&self) -> Target;

    /// The flavors this backend renders, the default one first.
    fn flavors(&self) -> &'static [Flavor] {
        &[Flavor::DEFAULT]
    }

    /// The flavor users call `name` (`default` is the default one), or
    /// `None` when this backend has no such flavor.
    fn flavor(&self, name: &str) -> Option<Flavor> {
        self.flavors().iter().copied().find(|f| f.name() == name)
    }

    /// Render one rule in one of this backend's flavors, or refuse with
    /// the construct that the flavor cannot express.
    fn render(&self, rule: &RuleInput<'_>, flavor: Flavor) -> Result<String, Refusal>;

    /// Render a set of rules (the pack) as one hunting query with a column
    /// (or outcome, or label) saying which detection branch matched.
    fn render_pack(&self, rules: &[RuleInput<'_>], flavor: Flavor) -> PackQuery;

    /// Render a correlation rule (see [`CorrelationInput`]) in one of this
    /// backend's flavors. A target that cannot state the correlation's
    /// meaning exactly refuses with [`Construct::Correlation`] and says
    /// why; it never renders a different meaning silently.
    fn render_correlation(
        &self,
        correlation: &CorrelationInput<'_>,
        flavor: Flavor,
    ) -> Result<String, Refusal> {
        let _ = flavor;
        Err(Refusal::new(
            Construct::Correlation,
            format!(
                "{} has no rendering of '{}' correlations",
                self.target().name(),
                correlation.kind().as_str()
            ),
        ))
    }

    /// Render one rule in every flavor. A refusal in any flavor refuses
    /// the rule only for that flavor.
    fn render_all(&self, rule: &RuleInput<'_>) -> Vec<(Flavor, Result<String, Refusal>)> {
        self.flavors()
            .iter()
            .map(|&flavor| (flavor, self.render(rule, flavor)))
            .collect()
    }
}

/// The backend of a target.
pub fn backend(target: Target) -> &'static dyn Backend {
    match target {
        Target::Kql => &kql::Kql,
        Target::Spl => &spl::Spl,
        Target::Eql => &eql::Eql,
        Target::Aql => &aql::Aql,
        Target::Sumo => &sumo::Sumo,
        Target::YaraL => &yaral::YaraL,
        Target::Cql => &cql::Cql,
        Target::Sigma => &sigma::SigmaOut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_from_their_names_and_describe_their_flavors() {
        for target in Target::ALL {
            assert_eq!(Target::parse(target.name()), Some(target));
            assert_eq!(backend(target).target(), target);
            let flavors = backend(target).flavors();
            assert_eq!(flavors[0], Flavor::DEFAULT, "{target:?}: default first");
            for flavor in &flavors[1..] {
                assert!(
                    target.description().contains(flavor.name()),
                    "{target:?}: '{}' names flavor {}",
                    target.description(),
                    flavor.name()
                );
            }
        }
    }
}
