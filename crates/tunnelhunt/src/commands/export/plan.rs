//! What an export renders, in two steps. First the [`Plan`], built and
//! checked from the arguments alone (paths exist, placeholders load, each
//! target has the flavor asked for): every usage error surfaces there,
//! before a rule is read. Then what the plan produced: the lowered rules
//! and the correlations, and per target the renderings (or refusals) of
//! each rule and each correlation in each flavor plus the pack queries.
//!
//! A correlation is rendered from the renderings of the rules it names,
//! resolved by id or name to the lowered rules (filters folded, as the
//! rule export renders them) or to other correlations. A correlation
//! whose rule could not be lowered cannot be rendered anywhere: it is
//! refused for every target with the reference that is missing.

use std::collections::HashSet;
use std::path::Path;

use anyhow::bail;
use tunnelhunt_backends::{
    Backend, Construct, CorrelationInput, Flavor, PackQuery, Refusal, RuleInput, Target, backend,
};
use tunnelhunt_sigma::ast::{Correlation, Origin, Rule};
use tunnelhunt_sigma::lower::Placeholders;

use crate::cli::ExportArgs;
use crate::commands::require_existing;
use crate::placeholders;
use crate::ruleset::{self, LoadedRules, Problem, rule_label};

/// An export checked against its arguments.
pub struct Plan {
    pub targets: Vec<TargetPlan>,
    pub placeholders: Placeholders,
    /// `--approximate`: targets with fixed time buckets only may render
    /// correlations with them, marked in the query's header.
    pub approximate: bool,
}

/// One target and the flavors to render it in.
pub struct TargetPlan {
    pub backend: &'static dyn Backend,
    /// The flavor `--flavor` named, else every flavor of the target.
    pub flavors: Vec<Flavor>,
}

impl Plan {
    /// The plan of `export` with these arguments, or the usage error.
    pub fn from_args(args: &ExportArgs) -> anyhow::Result<Plan> {
        require_existing("rule path", &args.rules)?;
        require_existing("filter file", &args.filters)?;
        let placeholders = placeholders::load(args.placeholders.placeholders.as_deref())?;
        let targets = args
            .target
            .targets()
            .into_iter()
            .map(|target| TargetPlan::new(backend(target), args.flavor.as_deref()))
            .collect::<anyhow::Result<_>>()?;
        Ok(Plan {
            targets,
            placeholders,
            approximate: args.approximate,
        })
    }
}

impl TargetPlan {
    /// The flavor users named is looked up once, here: a name the target
    /// does not know is a usage error, never a refusal or a fallback.
    fn new(backend: &'static dyn Backend, wanted: Option<&str>) -> anyhow::Result<TargetPlan> {
        let flavors = match wanted {
            None => backend.flavors().to_vec(),
            Some(name) => match backend.flavor(name) {
                Some(flavor) => vec![flavor],
                None => bail!(
                    "target {} has no flavor '{name}' (flavors: {})",
                    backend.target().name(),
                    flavor_names(backend.flavors())
                ),
            },
        };
        Ok(TargetPlan { backend, flavors })
    }
}

fn flavor_names(flavors: &[Flavor]) -> String {
    flavors
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A rule with its filters, lowered, and the file stem its outputs are
/// named after.
pub struct LoweredRule<'a> {
    pub lowered: ruleset::LoweredRule<'a>,
    /// Unique among the exported rules: the rule file's stem, with the
    /// document number for files holding several rules.
    pub stem: String,
    /// `"Title" (id)`.
    pub label: String,
}

impl LoweredRule<'_> {
    pub fn rule(&self) -> &Rule {
        self.lowered.rule
    }

    pub fn input<'b>(&'b self) -> RuleInput<'b> {
        RuleInput {
            rule: self.lowered.rule,
            filters: &self.lowered.filters,
            expr: &self.lowered.expr,
        }
    }
}

/// A loaded correlation rule and the file stem its outputs are named
/// after (unique among rules and correlations).
pub struct LoadedCorrelation<'a> {
    pub correlation: &'a Correlation,
    pub stem: String,
    /// `"Title" (id)`.
    pub label: String,
}

pub struct Lowered<'a> {
    pub rules: Vec<LoweredRule<'a>>,
    pub correlations: Vec<LoadedCorrelation<'a>>,
    /// Load and lowering problems, in `rules check` form and order.
    pub problems: Vec<Problem>,
}

/// Lower every rule of the collection with the filters that apply to it,
/// as scan does, and give each a unique output stem.
pub fn lower_all<'a>(loaded: &'a LoadedRules, placeholders: &Placeholders) -> Lowered<'a> {
    let (lowered, mut problems) = ruleset::lower_selected(loaded, placeholders, |_| true);
    ruleset::sort_problems(&mut problems);
    let mut taken = HashSet::new();
    let rules = lowered
        .into_iter()
        .map(|lowered| LoweredRule {
            stem: unique_stem(&lowered.rule.origin, &mut taken),
            label: rule_label(lowered.rule),
            lowered,
        })
        .collect();
    let correlations = loaded
        .collection
        .correlations()
        .map(|correlation| LoadedCorrelation {
            correlation,
            stem: unique_stem(&correlation.origin, &mut taken),
            label: correlation_label(correlation),
        })
        .collect();
    Lowered {
        rules,
        correlations,
        problems,
    }
}

/// `"Title" (id)`, as rules are named.
fn correlation_label(correlation: &Correlation) -> String {
    match &correlation.meta.id {
        Some(id) => format!("\"{}\" ({})", correlation.meta.title.value, id.value),
        None => format!("\"{}\"", correlation.meta.title.value),
    }
}

/// `proc_creation_x`, `proc_creation_x-2` for the second document of a
/// file, and a numeric suffix on any remaining clash (two folders with
/// files of the same name).
fn unique_stem(origin: &Origin, taken: &mut HashSet<String>) -> String {
    let file_stem = Path::new(&origin.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rule".to_owned());
    let base = if origin.document == 0 {
        file_stem
    } else {
        format!("{file_stem}-{}", origin.document + 1)
    };
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut stem = safe.clone();
    let mut n = 2;
    while !taken.insert(stem.clone()) {
        stem = format!("{safe}_{n}");
        n += 1;
    }
    stem
}

/// What an export renders: a rule, or a correlation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Rule,
    Correlation,
}

impl Entry {
    /// How messages name it (`rule "T" (id)`).
    pub fn noun(self) -> &'static str {
        match self {
            Entry::Rule => "rule",
            Entry::Correlation => "correlation rule",
        }
    }
}

/// One rule (or correlation) through one backend, every flavor.
pub struct RenderedRule {
    pub entry: Entry,
    pub stem: String,
    pub label: String,
    pub renderings: Vec<(Flavor, Result<String, Refusal>)>,
}

impl RenderedRule {
    pub fn texts(&self) -> impl Iterator<Item = (Flavor, &str)> {
        self.renderings
            .iter()
            .filter_map(|(flavor, r)| r.as_ref().ok().map(|text| (*flavor, text.as_str())))
    }

    pub fn refusals(&self) -> impl Iterator<Item = (Flavor, &Refusal)> {
        self.renderings
            .iter()
            .filter_map(|(flavor, r)| r.as_ref().err().map(|refusal| (*flavor, refusal)))
    }
}

/// Everything one target produced.
pub struct Exported {
    pub target: Target,
    pub rules: Vec<RenderedRule>,
    /// One per loaded correlation, in load order.
    pub correlations: Vec<RenderedRule>,
    pub packs: Vec<PackQuery>,
}

impl Exported {
    /// Rules, then correlations: the order every output lists them.
    pub fn entries(&self) -> impl Iterator<Item = &RenderedRule> {
        self.rules.iter().chain(&self.correlations)
    }

    pub fn refusal_count(&self) -> usize {
        self.entries().map(|r| r.refusals().count()).sum()
    }

    /// Files `--out` writes for this target: one per rendering and pack.
    pub fn file_count(&self) -> usize {
        self.entries().map(|r| r.texts().count()).sum::<usize>() + self.packs.len()
    }
}

/// Render every rule and correlation in the planned flavors, and the
/// pack query of each flavor.
pub fn render_target(plan: &TargetPlan, lowered: &Lowered, approximate: bool) -> Exported {
    let (backend, flavors) = (plan.backend, &plan.flavors);
    let rules = &lowered.rules;
    let rendered = rules
        .iter()
        .map(|lowered| {
            let input = lowered.input();
            RenderedRule {
                entry: Entry::Rule,
                stem: lowered.stem.clone(),
                label: lowered.label.clone(),
                renderings: flavors
                    .iter()
                    .map(|&f| (f, backend.render(&input, f)))
                    .collect(),
            }
        })
        .collect();
    let inputs: Vec<RuleInput> = rules.iter().map(LoweredRule::input).collect();
    let all: Vec<&Correlation> = lowered.correlations.iter().map(|c| c.correlation).collect();
    let correlations = lowered
        .correlations
        .iter()
        .map(|loaded| {
            let resolved =
                CorrelationInput::resolve(loaded.correlation, &inputs, &all, approximate).map_err(
                    |unresolved| Refusal::new(Construct::Correlation, unresolved.to_string()),
                );
            RenderedRule {
                entry: Entry::Correlation,
                stem: loaded.stem.clone(),
                label: loaded.label.clone(),
                renderings: flavors
                    .iter()
                    .map(|&f| {
                        let rendering = match &resolved {
                            Ok(input) => backend.render_correlation(input, f),
                            Err(refusal) => Err(refusal.clone()),
                        };
                        (f, rendering)
                    })
                    .collect(),
            }
        })
        .collect();
    let packs = flavors
        .iter()
        .map(|&f| backend.render_pack(&inputs, f))
        .collect();
    Exported {
        target: backend.target(),
        rules: rendered,
        correlations,
        packs,
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;
    use tunnelhunt_backends::kql::SENTINEL_FLAVOR;

    use super::*;
    use crate::cli::ExportTarget;

    #[test]
    fn target_choices_are_every_backend_target_then_all() {
        let offered: Vec<String> = ExportTarget::value_variants()
            .iter()
            .filter_map(|choice| choice.to_possible_value())
            .map(|value| value.get_name().to_owned())
            .collect();
        let mut expected: Vec<String> = Target::ALL.iter().map(|t| t.name().to_owned()).collect();
        expected.push("all".to_owned());
        assert_eq!(offered, expected);
    }

    #[test]
    fn flavors_are_looked_up_once_and_an_unknown_one_is_a_usage_error() {
        let kql = backend(Target::Kql);
        assert_eq!(TargetPlan::new(kql, None).unwrap().flavors, kql.flavors());
        assert_eq!(
            TargetPlan::new(kql, Some("sentinel")).unwrap().flavors,
            [SENTINEL_FLAVOR]
        );
        assert_eq!(
            TargetPlan::new(kql, Some("default")).unwrap().flavors,
            [Flavor::DEFAULT]
        );
        let unknown = TargetPlan::new(kql, Some("cim"))
            .err()
            .expect("cim is SPL's");
        assert_eq!(
            unknown.to_string(),
            "target kql has no flavor 'cim' (flavors: default, sentinel)"
        );
    }
}
