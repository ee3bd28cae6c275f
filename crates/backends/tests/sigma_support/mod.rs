//! What the Sigma-writer and LogScale integration tests share: the rules
//! they render (the built-in T1572 pack, the one-feature probes), loading
//! rule text back, and comparing ASTs and IRs without source positions.

#![allow(dead_code)] // each test file uses a part

use std::path::{Path, PathBuf};

use tunnelhunt_backends::RuleInput;
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::{ConditionExpr, Filter, Origin, Rule, SearchBody, Spanned};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

/// A loaded, lowered rule and the name its snapshot carries.
pub struct LoadedRule {
    pub name: String,
    pub rule: Rule,
    pub filters: Vec<Filter>,
    pub expr: Expr,
}

impl LoadedRule {
    pub fn with_input<T>(&self, f: impl FnOnce(&RuleInput<'_>) -> T) -> T {
        let filters: Vec<&Filter> = self.filters.iter().collect();
        f(&RuleInput {
            rule: &self.rule,
            filters: &filters,
            expr: &self.expr,
        })
    }
}

/// Load `(file name, yaml)` pairs as one collection and lower every rule
/// with the filters that apply to it. Panics on any error diagnostic.
pub fn load(files: &[(String, String)]) -> Vec<LoadedRule> {
    let mut collection = RuleCollection::new();
    for (name, text) in files {
        collection.add_file(Path::new(name), text);
    }
    collection.finish();
    assert!(
        !collection.has_errors(),
        "rules do not load: {:#?}",
        collection.diagnostics()
    );
    let mut out: Vec<LoadedRule> = collection
        .rules()
        .map(|rule| {
            let filters: Vec<Filter> = collection.filters_for(rule).into_iter().cloned().collect();
            let refs: Vec<&Filter> = filters.iter().collect();
            let expr = lower_rule(rule, &refs, &Placeholders::new()).expect("rule lowers");
            let name = Path::new(&rule.origin.file)
                .file_stem()
                .map_or_else(|| "rule".to_owned(), |s| s.to_string_lossy().into_owned());
            LoadedRule {
                name,
                rule: rule.clone(),
                filters,
                expr,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

pub fn pack_files() -> Vec<(String, String)> {
    tunnelhunt_pack::builtin_rules()
        .iter()
        .map(|f| (f.path.to_owned(), f.text.to_owned()))
        .collect()
}

pub fn probe_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/probes");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/probes exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("probe readable");
            (p.to_string_lossy().into_owned(), text)
        })
        .collect()
}

/// The built-in T1572 pack.
pub fn pack_rules() -> Vec<LoadedRule> {
    load(&pack_files())
}

/// The probe rules under `tests/probes/`.
pub fn probe_rules() -> Vec<LoadedRule> {
    load(&probe_files())
}

/// Every rule, as `RuleInput`s, handed to `f`.
pub fn with_inputs<T>(rules: &[LoadedRule], f: impl FnOnce(&[RuleInput<'_>]) -> T) -> T {
    let filters: Vec<Vec<&Filter>> = rules.iter().map(|r| r.filters.iter().collect()).collect();
    let inputs: Vec<RuleInput<'_>> = rules
        .iter()
        .zip(&filters)
        .map(|(r, f)| RuleInput {
            rule: &r.rule,
            filters: f,
            expr: &r.expr,
        })
        .collect();
    f(&inputs)
}

/// The rule with every source position and its origin cleared, and its
/// condition texts with normalized whitespace: what "the same rule" means
/// when the text was rewritten.
pub fn without_positions(rule: &Rule) -> Rule {
    let mut rule = rule.clone();
    rule.origin = Origin {
        file: PathBuf::new(),
        document: 0,
        span: Span::UNKNOWN,
    };
    let meta = &mut rule.meta;
    meta.title.span = Span::UNKNOWN;
    for spanned in [&mut meta.id, &mut meta.name].into_iter().flatten() {
        spanned.span = Span::UNKNOWN;
    }
    let detection = &mut rule.detection;
    if let Some(timeframe) = &mut detection.timeframe {
        timeframe.span = Span::UNKNOWN;
    }
    for search in &mut detection.searches {
        search.span = Span::UNKNOWN;
        clear_body(&mut search.body);
    }
    for condition in &mut detection.conditions {
        condition.span = Span::UNKNOWN;
        condition.source = condition
            .source
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        clear_condition(&mut condition.expr);
    }
    rule
}

fn clear_body(body: &mut SearchBody) {
    match body {
        SearchBody::AllOf(matchers) => matchers.iter_mut().for_each(clear_matcher),
        SearchBody::AnyOf(items) => items.iter_mut().for_each(clear_body),
        SearchBody::Keywords(matcher) => clear_matcher(matcher),
    }
}

fn clear_matcher(matcher: &mut tunnelhunt_sigma::ast::FieldMatcher) {
    matcher.span = Span::UNKNOWN;
    matcher.modifiers.iter_mut().for_each(clear_spanned);
    matcher.values.iter_mut().for_each(clear_spanned);
}

fn clear_spanned<T>(spanned: &mut Spanned<T>) {
    spanned.span = Span::UNKNOWN;
}

fn clear_condition(expr: &mut ConditionExpr) {
    match expr {
        ConditionExpr::And(items) | ConditionExpr::Or(items) => {
            items.iter_mut().for_each(clear_condition)
        }
        ConditionExpr::Not(inner) => clear_condition(inner),
        ConditionExpr::Identifier(name) => name.span = Span::UNKNOWN,
        ConditionExpr::OneOf(q) | ConditionExpr::AllOf(q) => q.span = Span::UNKNOWN,
    }
}

/// The IR with every predicate's position cleared.
pub fn ir_without_positions(expr: &Expr) -> Expr {
    match expr {
        Expr::And(items) => Expr::And(items.iter().map(ir_without_positions).collect()),
        Expr::Or(items) => Expr::Or(items.iter().map(ir_without_positions).collect()),
        Expr::Not(inner) => Expr::Not(Box::new(ir_without_positions(inner))),
        Expr::Pred(p) => {
            let mut p = p.clone();
            p.span = Span::UNKNOWN;
            Expr::Pred(p)
        }
        Expr::Const(c) => Expr::Const(*c),
    }
}
