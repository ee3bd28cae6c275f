//! Condition trees to expressions: identifiers resolve to their searches.
//!
//! * An identifier is replaced by its lowered search; an unknown one is an
//!   `UndefinedIdentifier` error at its position.
//! * `1 of P` / `any of P` is the `Or`, `all of P` the `And`, of the searches
//!   whose names match `P` in full, in file order. `*` in `P` matches any
//!   run of characters. (pySigma anchors the pattern only at the start, so
//!   there `1 of selection` also takes `selection_x`; the specification
//!   speaks of wildcards, and we take the pattern literally.)
//! * `them` ranges over every search. Searches whose names start with `_`
//!   are excluded from `them` (the specification's rule) and from patterns
//!   (pySigma's rule), unless the pattern itself starts with `_` — a
//!   pattern that names them explicitly means them.
//! * A pattern that matches nothing is an error rather than an empty
//!   `Or`/`And`: it is almost always a typo, and silently reading it as
//!   `false` (or `true`) would disable (or trigger) the rule.
//!
//! Positions in the condition tree are relative to the condition text; they
//! are mapped onto the file with [`crate::condition::rebase`].

use std::cell::Cell;
use std::collections::HashMap;

use crate::ast::{Condition, ConditionExpr, Quantified};
use crate::condition::rebase;
use crate::diag::Code;
use crate::ir::Expr;
use crate::span::Span;

use super::Ctx;

/// A search by name and its lowered expression (`None` if lowering it failed).
pub(crate) struct Resolved<'a> {
    pub name: &'a str,
    span: Span,
    expr: Option<Expr>,
    /// Predicates in `expr`: what each further use of the search costs.
    size: usize,
    /// How often conditions have used the search so far.
    uses: Cell<usize>,
}

impl<'a> Resolved<'a> {
    pub fn new(name: &'a str, span: Span, expr: Option<Expr>) -> Resolved<'a> {
        let mut size = 0;
        if let Some(e) = &expr {
            e.for_each_predicate(&mut |_| size += 1);
        }
        Resolved {
            name,
            span,
            expr,
            size,
            uses: Cell::new(0),
        }
    }
}

/// A detection's searches in file order, with an index by name: a
/// condition may name 100,000 of them (`s0 or … or s99999`), and a walk
/// over all of them per identifier made lowering quadratic.
pub(crate) struct Searches<'a> {
    in_order: Vec<Resolved<'a>>,
    /// The position of the first search of each name.
    by_name: HashMap<&'a str, usize>,
}

impl<'a> Searches<'a> {
    pub fn new(in_order: Vec<Resolved<'a>>) -> Searches<'a> {
        let mut by_name = HashMap::with_capacity(in_order.len());
        for (i, s) in in_order.iter().enumerate() {
            by_name.entry(s.name).or_insert(i);
        }
        Searches { in_order, by_name }
    }

    fn named(&self, name: &str) -> Option<&Resolved<'a>> {
        self.by_name.get(name).map(|&i| &self.in_order[i])
    }

    fn names(&self) -> Vec<&'a str> {
        self.in_order.iter().map(|s| s.name).collect()
    }
}

/// Lower one condition; `None` if it refers to something undefined or to a
/// search that failed to lower (diagnostics are pushed into `ctx`).
pub(crate) fn lower_condition(
    condition: &Condition,
    searches: &Searches<'_>,
    ctx: &mut Ctx<'_>,
) -> Option<Expr> {
    let mut ok = true;
    let expr = walk(&condition.expr, condition, searches, ctx, &mut ok);
    ok.then_some(expr)
}

fn walk(
    expr: &ConditionExpr,
    condition: &Condition,
    searches: &Searches<'_>,
    ctx: &mut Ctx<'_>,
    ok: &mut bool,
) -> Expr {
    match expr {
        ConditionExpr::And(xs) => Expr::And(
            xs.iter()
                .map(|x| walk(x, condition, searches, ctx, ok))
                .collect(),
        ),
        ConditionExpr::Or(xs) => Expr::Or(
            xs.iter()
                .map(|x| walk(x, condition, searches, ctx, ok))
                .collect(),
        ),
        ConditionExpr::Not(x) => Expr::Not(Box::new(walk(x, condition, searches, ctx, ok))),
        ConditionExpr::Identifier(name) => match searches.named(&name.value) {
            Some(search) => resolved(search, ctx, ok),
            None => {
                *ok = false;
                let known = searches.names();
                ctx.error(
                    Code::UndefinedIdentifier,
                    rebase(name.span, condition.span),
                    format!(
                        "condition '{}' refers to '{}', which is not a search identifier \
                             of {} (defined: {})",
                        one_line(&condition.source),
                        name.value,
                        ctx.who,
                        list_or_none(&known)
                    ),
                );
                Expr::Const(false)
            }
        },
        ConditionExpr::OneOf(q) | ConditionExpr::AllOf(q) => {
            let all = matches!(expr, ConditionExpr::AllOf(_));
            let matching: Vec<&Resolved<'_>> = searches
                .in_order
                .iter()
                .filter(|s| match &q.value {
                    Quantified::Them => !s.name.starts_with('_'),
                    Quantified::Pattern(p) => {
                        (p.starts_with('_') || !s.name.starts_with('_')) && glob_match(p, s.name)
                    }
                })
                .collect();
            if matching.is_empty() {
                *ok = false;
                let what = match &q.value {
                    Quantified::Them => "them".to_owned(),
                    Quantified::Pattern(p) => p.clone(),
                };
                let quantifier = if all { "all of" } else { "1 of" };
                let known = searches.names();
                ctx.error(
                    Code::UndefinedIdentifier,
                    rebase(q.span, condition.span),
                    format!(
                        "'{quantifier} {what}' in condition '{}' matches no search identifier of \
                         {} (defined: {})",
                        one_line(&condition.source),
                        ctx.who,
                        list_or_none(&known)
                    ),
                );
                return Expr::Const(false);
            }
            let operands = matching.into_iter().map(|s| resolved(s, ctx, ok)).collect();
            if all {
                Expr::And(operands)
            } else {
                Expr::Or(operands)
            }
        }
    }
}

/// The expression of a search, charged against the predicate budget: the
/// first use is already paid for by lowering the search, later uses copy it.
fn resolved(search: &Resolved<'_>, ctx: &mut Ctx<'_>, ok: &mut bool) -> Expr {
    search.uses.set(search.uses.get() + 1);
    if search.uses.get() > 1 && !ctx.charge(search.size, search.span) {
        *ok = false;
    }
    match &search.expr {
        Some(e) if *ok => e.clone(),
        _ => {
            *ok = false;
            Expr::Const(false)
        }
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whole-string match of a pattern whose only metacharacter is `*`.
/// Linear-time greedy matching with backtracking to the last `*`.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if pi < p.len() && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn patterns_match_whole_names() {
        assert!(glob_match("selection*", "selection"));
        assert!(glob_match("selection*", "selection_img"));
        assert!(!glob_match("selection", "selection_img"));
        assert!(glob_match("*_main_*", "filter_main_x"));
        assert!(glob_match("a*b*c", "aXbYbc"));
        assert!(!glob_match("a*b*c", "aXbYbd"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("", "x"));
    }
}
