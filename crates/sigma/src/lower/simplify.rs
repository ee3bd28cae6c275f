//! Boolean clean-up of lowered expressions.
//!
//! Lowering builds the tree mechanically (a search is an `And` of matchers,
//! a matcher an `Or` of values, filters add `And`s), which leaves nested
//! operators of the same kind, one-element operators and constants from
//! empty value lists. Consumers — the matcher's planner and seven query
//! renderers — are simpler and their output smaller when the tree is
//! canonical, so lowering ends with [`simplify`]:
//!
//! * `And`/`Or` inside the same operator are spliced into it;
//! * constants fold (`x and false` = `false`, `x or false` = `x`, an empty
//!   `And` is `true`, an empty `Or` is `false`);
//! * one-operand `And`/`Or` become the operand;
//! * `not not x` = `x`, `not true` = `false`.
//!
//! Operand order is preserved, so the result is deterministic and follows
//! the rule file. No other rewriting (De Morgan, deduplication) is done:
//! the shape of the tree is what alerts explain ("which branch fired").

use crate::ir::Expr;

pub(crate) fn simplify(expr: Expr) -> Expr {
    match expr {
        Expr::And(xs) => junction(xs, true),
        Expr::Or(xs) => junction(xs, false),
        Expr::Not(inner) => match simplify(*inner) {
            Expr::Not(x) => *x,
            Expr::Const(b) => Expr::Const(!b),
            x => Expr::Not(Box::new(x)),
        },
        other => other,
    }
}

/// Simplify an `And` (`is_and`) or an `Or`.
fn junction(operands: Vec<Expr>, is_and: bool) -> Expr {
    // In an And, `true` is neutral and `false` absorbing; in an Or the reverse.
    let neutral = is_and;
    let mut out = Vec::with_capacity(operands.len());
    for operand in operands {
        match simplify(operand) {
            Expr::Const(b) if b == neutral => {}
            Expr::Const(b) => return Expr::Const(b),
            Expr::And(inner) if is_and => out.extend(inner),
            Expr::Or(inner) if !is_and => out.extend(inner),
            x => out.push(x),
        }
    }
    match out.len() {
        0 => Expr::Const(neutral),
        1 => out.pop().expect("one operand"),
        _ if is_and => Expr::And(out),
        _ => Expr::Or(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Predicate, Test};
    use crate::span::Span;

    fn p(name: &str) -> Expr {
        Expr::Pred(Predicate {
            field: Some(name.to_owned()),
            test: Test::Null,
            span: Span::UNKNOWN,
        })
    }

    #[test]
    fn folds_and_flattens() {
        let e = Expr::And(vec![
            p("a"),
            Expr::And(vec![p("b"), Expr::Const(true)]),
            Expr::Or(vec![p("c")]),
        ]);
        assert_eq!(simplify(e), Expr::And(vec![p("a"), p("b"), p("c")]));
        assert_eq!(
            simplify(Expr::Or(vec![p("a"), Expr::Const(true)])),
            Expr::Const(true)
        );
        assert_eq!(
            simplify(Expr::And(vec![p("a"), Expr::Or(vec![])])),
            Expr::Const(false)
        );
        assert_eq!(
            simplify(Expr::Not(Box::new(Expr::Not(Box::new(p("a")))))),
            p("a")
        );
        assert_eq!(
            simplify(Expr::Not(Box::new(Expr::And(vec![])))),
            Expr::Const(false)
        );
        // Flattening happens after the children are simplified.
        let nested = Expr::Or(vec![
            Expr::And(vec![Expr::Or(vec![p("a"), p("b")])]),
            p("c"),
        ]);
        assert_eq!(simplify(nested), Expr::Or(vec![p("a"), p("b"), p("c")]));
    }
}
