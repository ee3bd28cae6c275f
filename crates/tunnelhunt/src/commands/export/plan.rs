//! What an export renders: the lowered rules, and per target the
//! renderings (or refusals) of each rule in each flavor plus the pack
//! queries.

use std::collections::HashSet;
use std::path::Path;

use tunnelhunt_backends::{Backend, PackQuery, Refusal, RuleInput, Target};
use tunnelhunt_sigma::ast::Rule;
use tunnelhunt_sigma::lower::Placeholders;

use crate::ruleset::{self, LoadedRules, Problem, rule_label};

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

pub struct Lowered<'a> {
    pub rules: Vec<LoweredRule<'a>>,
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
            stem: unique_stem(lowered.rule, &mut taken),
            label: rule_label(lowered.rule),
            lowered,
        })
        .collect();
    Lowered { rules, problems }
}

/// `proc_creation_x`, `proc_creation_x-2` for the second document of a
/// file, and a numeric suffix on any remaining clash (two folders with
/// files of the same name).
fn unique_stem(rule: &Rule, taken: &mut HashSet<String>) -> String {
    let file_stem = Path::new(&rule.origin.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rule".to_owned());
    let base = if rule.origin.document == 0 {
        file_stem
    } else {
        format!("{file_stem}-{}", rule.origin.document + 1)
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

/// One rule through one backend, every flavor.
pub struct RenderedRule {
    pub stem: String,
    pub label: String,
    pub renderings: Vec<(Option<&'static str>, Result<String, Refusal>)>,
}

impl RenderedRule {
    pub fn texts(&self) -> impl Iterator<Item = (Option<&'static str>, &str)> {
        self.renderings
            .iter()
            .filter_map(|(flavor, r)| r.as_ref().ok().map(|text| (*flavor, text.as_str())))
    }

    pub fn refusals(&self) -> impl Iterator<Item = (Option<&'static str>, &Refusal)> {
        self.renderings
            .iter()
            .filter_map(|(flavor, r)| r.as_ref().err().map(|refusal| (*flavor, refusal)))
    }
}

/// Everything one target produced.
pub struct Exported {
    pub target: Target,
    pub rules: Vec<RenderedRule>,
    pub packs: Vec<PackQuery>,
}

impl Exported {
    pub fn refusal_count(&self) -> usize {
        self.rules.iter().map(|r| r.refusals().count()).sum()
    }

    /// Files `--out` writes for this target: one per rendering and pack.
    pub fn file_count(&self) -> usize {
        self.rules.iter().map(|r| r.texts().count()).sum::<usize>() + self.packs.len()
    }
}

/// Render every rule (in `flavor` only, when given) and the pack query.
pub fn render_target(
    backend: &dyn Backend,
    rules: &[LoweredRule],
    flavor: Option<&str>,
) -> Exported {
    let flavors: Vec<Option<&'static str>> = backend
        .flavors()
        .iter()
        .copied()
        .filter(|f| flavor.is_none_or(|wanted| f.unwrap_or("default") == wanted))
        .collect();
    let rendered = rules
        .iter()
        .map(|lowered| {
            let input = lowered.input();
            RenderedRule {
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
    let packs = flavors
        .iter()
        .map(|&f| backend.render_pack(&inputs, f))
        .collect();
    Exported {
        target: backend.target(),
        rules: rendered,
        packs,
    }
}
