//! Boolean structure, fully parenthesized.
//!
//! Precedence is the first thing converters get wrong: Splunk's search
//! command and LogScale evaluate OR before AND, SPL2 and `where` the other
//! way round, and YARA-L does not document it. So every backend renders
//! every nested group in parentheses and every negation as `not (…)`; the
//! result means the same under any precedence.
//!
//! A leaf renderer that produces a compound expression (one Sigma field
//! fanned out to two target fields: `a or b`) must parenthesize it itself.

use tunnelhunt_sigma::ir::{Expr, Predicate};

use crate::refusal::{Construct, Refusal};

/// How a language writes conjunction, disjunction, negation and the
/// constants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BoolSyntax {
    /// Between operands, spaces included: `" and "`, `" AND "`, `" "`.
    pub and: &'static str,
    pub or: &'static str,
    /// Before a parenthesized operand: `"not "` gives `not (x)`, `"!"`
    /// gives `!(x)`.
    pub not: &'static str,
    /// The constants, where the language has them. A rule whose condition
    /// simplified to a constant is refused by targets without one.
    pub true_literal: Option<&'static str>,
    pub false_literal: Option<&'static str>,
}

/// Render `expr` with `leaf` for each predicate.
pub fn render<F>(expr: &Expr, syntax: &BoolSyntax, leaf: &mut F) -> Result<String, Refusal>
where
    F: FnMut(&Predicate) -> Result<String, Refusal>,
{
    match expr {
        Expr::Pred(p) => leaf(p),
        Expr::Const(value) => {
            let literal = if *value {
                syntax.true_literal
            } else {
                syntax.false_literal
            };
            literal.map(str::to_owned).ok_or_else(|| {
                Refusal::new(
                    Construct::Constant,
                    format!(
                        "the condition is always {value} and the language has no constant for it"
                    ),
                )
            })
        }
        Expr::Not(inner) => Ok(format!("{}({})", syntax.not, render(inner, syntax, leaf)?)),
        Expr::And(items) => join(items, syntax.and, syntax, leaf),
        Expr::Or(items) => join(items, syntax.or, syntax, leaf),
    }
}

fn join<F>(
    items: &[Expr],
    separator: &str,
    syntax: &BoolSyntax,
    leaf: &mut F,
) -> Result<String, Refusal>
where
    F: FnMut(&Predicate) -> Result<String, Refusal>,
{
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        let text = render(item, syntax, leaf)?;
        if matches!(item, Expr::And(_) | Expr::Or(_)) && items.len() > 1 {
            out.push('(');
            out.push_str(&text);
            out.push(')');
        } else {
            out.push_str(&text);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tunnelhunt_sigma::Span;
    use tunnelhunt_sigma::ir::{StrMatch, Test};

    const SYNTAX: BoolSyntax = BoolSyntax {
        and: " and ",
        or: " or ",
        not: "not ",
        true_literal: Some("true"),
        false_literal: None,
    };

    fn p(name: &str) -> Expr {
        Expr::Pred(Predicate {
            field: Some(name.to_owned()),
            test: Test::Str(StrMatch::literal("x", false)),
            span: Span::UNKNOWN,
        })
    }

    fn leaf(p: &Predicate) -> Result<String, Refusal> {
        Ok(p.field.clone().unwrap())
    }

    #[test]
    fn every_nested_group_is_parenthesized() {
        let e = Expr::And(vec![
            p("a"),
            Expr::Or(vec![p("b"), Expr::And(vec![p("c"), p("d")])]),
            Expr::Not(Box::new(Expr::Or(vec![p("e"), p("f")]))),
            Expr::Not(Box::new(p("g"))),
        ]);
        assert_eq!(
            render(&e, &SYNTAX, &mut leaf).unwrap(),
            "a and (b or (c and d)) and not (e or f) and not (g)"
        );
    }

    #[test]
    fn constants_without_a_literal_are_refused() {
        assert_eq!(
            render(&Expr::Const(true), &SYNTAX, &mut leaf).unwrap(),
            "true"
        );
        let refused = render(&Expr::Const(false), &SYNTAX, &mut leaf).unwrap_err();
        assert_eq!(refused.construct, Construct::Constant);
    }
}
