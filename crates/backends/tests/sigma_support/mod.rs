//! What the Sigma-writer integration tests share beyond `common`:
//! comparing ASTs and IRs without source positions.

use std::path::PathBuf;

use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::{ConditionExpr, Origin, Rule, SearchBody, Spanned};
use tunnelhunt_sigma::ir::Expr;

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
