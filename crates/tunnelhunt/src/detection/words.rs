//! A rule's lowered condition in words, for its detection page.
//!
//! Generated from the predicate IR — the same tree the matcher and every
//! backend use — so the words cannot drift from what fires: each
//! predicate becomes one sentence about one field, `and`/`or`/`not`
//! become nested lists.

use tunnelhunt_report::page::Logic;
use tunnelhunt_sigma::ir::{Expr, FieldRefShape, NumOp, Piece, Predicate, StrShape, Test};

/// `expr` as nested statements.
pub fn logic(expr: &Expr) -> Logic {
    match expr {
        Expr::And(parts) => Logic::All(parts.iter().map(logic).collect()),
        Expr::Or(parts) => Logic::Any(parts.iter().map(logic).collect()),
        Expr::Not(inner) => Logic::Not(Box::new(logic(inner))),
        Expr::Pred(predicate) => Logic::Check(sentence(predicate)),
        Expr::Const(true) => Logic::Check("always".to_owned()),
        Expr::Const(false) => Logic::Check("never (the condition can never hold)".to_owned()),
    }
}

fn sentence(predicate: &Predicate) -> String {
    let field = match &predicate.field {
        Some(name) => name.clone(),
        None => "any value of the event (keyword)".to_owned(),
    };
    match &predicate.test {
        Test::Str(m) => {
            let case = if m.cased { " (case-sensitive)" } else { "" };
            match m.shape() {
                StrShape::Equals(v) => format!("{field} is {v:?}{case}"),
                StrShape::Contains(v) => format!("{field} contains {v:?}{case}"),
                StrShape::StartsWith(v) => format!("{field} starts with {v:?}{case}"),
                StrShape::EndsWith(v) => format!("{field} ends with {v:?}{case}"),
                StrShape::Any => format!("{field} has any text value"),
                StrShape::Glob => {
                    format!("{field} matches the pattern {:?}{case}", glob(&m.pieces))
                }
            }
        }
        Test::Regex(r) => {
            let case = if r.case_insensitive {
                " (ignoring case)"
            } else {
                ""
            };
            format!("{field} matches the regular expression {}{case}", r.pattern)
        }
        Test::Cidr(net) => format!("{field} is an address in {}/{}", net.addr, net.prefix),
        Test::Num(op, n) => {
            let op = match op {
                NumOp::Eq => "is",
                NumOp::Gt => "is greater than",
                NumOp::Gte => "is at least",
                NumOp::Lt => "is less than",
                NumOp::Lte => "is at most",
            };
            format!("{field} {op} {}", n.as_f64())
        }
        Test::Bool(b) => format!("{field} is {b}"),
        Test::Null => format!("{field} is absent or null"),
        Test::Exists(true) => format!("{field} is present"),
        Test::Exists(false) => format!("{field} is absent"),
        Test::FieldRef(r) => {
            let how = match r.shape {
                FieldRefShape::Equals => "equals",
                FieldRefShape::Contains => "contains",
                FieldRefShape::StartsWith => "starts with",
                FieldRefShape::EndsWith => "ends with",
            };
            format!("{field} {how} the value of {}", r.other_field)
        }
    }
}

/// A glob as Sigma writes it (`*` any text, `?` one character).
fn glob(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(text) => text.replace('*', "\\*").replace('?', "\\?"),
            Piece::AnyString => "*".to_owned(),
            Piece::AnyChar => "?".to_owned(),
        })
        .collect()
}

/// The fields `expr` tests, in first-use order.
pub fn fields(expr: &Expr) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    expr.for_each_predicate(&mut |p| {
        if let Some(name) = &p.field
            && !fields.contains(name)
        {
            fields.push(name.clone());
        }
    });
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use tunnelhunt_sigma::ir::StrMatch;
    use tunnelhunt_sigma::span::Span;

    fn pred(field: &str, test: Test) -> Expr {
        Expr::Pred(Predicate {
            field: Some(field.into()),
            test,
            span: Span::UNKNOWN,
        })
    }

    #[test]
    fn a_condition_reads_as_nested_sentences() {
        let expr = Expr::And(vec![
            pred(
                "Image",
                Test::Str(StrMatch::new(
                    [Piece::AnyString, Piece::Lit("\\ssh.exe".into())],
                    false,
                )),
            ),
            Expr::Not(Box::new(pred(
                "CommandLine",
                Test::Str(StrMatch::new(
                    [
                        Piece::AnyString,
                        Piece::Lit(" -W ".into()),
                        Piece::AnyString,
                    ],
                    true,
                )),
            ))),
        ]);
        assert_eq!(
            logic(&expr),
            Logic::All(vec![
                Logic::Check("Image ends with \"\\\\ssh.exe\"".into()),
                Logic::Not(Box::new(Logic::Check(
                    "CommandLine contains \" -W \" (case-sensitive)".into()
                ))),
            ])
        );
        assert_eq!(fields(&expr), ["Image", "CommandLine"]);
    }
}
