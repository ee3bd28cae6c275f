//! Predicates as `where`/`eval` expressions.
//!
//! Used when a condition holds something the search command cannot say
//! (a regex, `|cased`, a literal `*`, `?`, a fieldref, an IPv6 CIDR) under
//! OR or NOT — a trailing `| regex` stage can only be ANDed with the whole
//! search — and for every condition of the pack query, whose `case`/`if`
//! arguments are eval expressions.
//!
//! Eval has SQL-like null semantics: a function of an absent field is
//! null, and `NOT null` is not true. Sigma's `not` of a predicate on an
//! absent field *is* true, so every leaf here is made two-valued with an
//! explicit presence test: `(isnotnull('F') AND match('F', "…"))` is false,
//! never null, when `F` is absent. String tests are PCRE `match()` calls
//! (`regex::glob_to_regex` / `regex::translate`, flags inline), which are
//! case-sensitive unless the pattern starts with `(?i)` — exact for both
//! Sigma's default and `|cased`.

use tunnelhunt_sigma::ir::{FieldRefShape, NumOp, Predicate, Test};

use super::literal::{eval_string, pcre_without_specials};
use super::search::keyword_refusal;
use crate::boolean::BoolSyntax;
use crate::model::Scope;
use crate::refusal::{Construct, Refusal};
use crate::regex::{Dialect, FlagPlacement, glob_to_regex, translate};

/// `where`/`eval` boolean syntax: AND binds tighter than OR there, but
/// every group is parenthesized anyway.
pub(super) const EVAL_SYNTAX: BoolSyntax = BoolSyntax {
    and: " AND ",
    or: " OR ",
    not: "NOT ",
    true_literal: Some("true()"),
    false_literal: Some("false()"),
};

/// A field reference in eval: single quotes name a field (double quotes
/// would be a string). Mapped names are plain identifiers (checked by the
/// model tests), so no escaping is needed.
pub(super) fn field_ref(name: &str) -> String {
    format!("'{name}'")
}

/// Renders predicates of one scope as eval expressions.
pub(super) struct EvalTerms<'a> {
    pub scope: &'a Scope,
}

impl EvalTerms<'_> {
    pub fn predicate(&self, predicate: &Predicate) -> Result<String, Refusal> {
        let Some(sigma_field) = predicate.field.as_deref() else {
            return Err(keyword_refusal());
        };
        let field = self.scope.field(sigma_field)?;
        let f = field_ref(field.target);
        let present = format!("isnotnull({f})");
        match &predicate.test {
            Test::Str(glob) => {
                let regex = glob_to_regex(glob, Dialect::Pcre, FlagPlacement::Inline)?;
                Ok(format!(
                    "({present} AND {})",
                    match_call(&f, &regex.pattern)
                ))
            }
            Test::Regex(regex) => {
                let regex = translate(regex, Dialect::Pcre, FlagPlacement::Inline)?;
                Ok(format!(
                    "({present} AND {})",
                    match_call(&f, &regex.pattern)
                ))
            }
            Test::Cidr(net) => Ok(format!(
                "({present} AND cidrmatch({}, {f}))",
                eval_string(&net.to_string())
            )),
            Test::Num(op, number) => {
                if !number.as_f64().is_finite() {
                    return Err(Refusal::new(
                        Construct::Number,
                        format!("'{number}' is not a finite number"),
                    ));
                }
                let symbol = match op {
                    NumOp::Eq => "==",
                    NumOp::Gt => ">",
                    NumOp::Gte => ">=",
                    NumOp::Lt => "<",
                    NumOp::Lte => "<=",
                };
                // tonumber() is null for text that is not a number: the
                // guard keeps the leaf false (not null) for such values.
                Ok(format!(
                    "(isnotnull(tonumber({f})) AND tonumber({f}){symbol}{})",
                    number_literal(*number)
                ))
            }
            Test::Bool(value) => Ok(format!(
                "({present} AND lower({f})=={})",
                eval_string(&value.to_string())
            )),
            Test::Null | Test::Exists(false) => Ok(format!("isnull({f})")),
            Test::Exists(true) => Ok(present),
            Test::FieldRef(reference) => {
                if reference.shape != FieldRefShape::Equals {
                    return Err(Refusal::new(
                        Construct::FieldRef,
                        format!(
                            "eval has no substring test against another field's value: '{sigma_field}' vs '{}'",
                            reference.other_field
                        ),
                    ));
                }
                let other = field_ref(self.scope.field(&reference.other_field)?.target);
                let compare = if reference.cased {
                    format!("{f}=={other}")
                } else {
                    format!("lower({f})==lower({other})")
                };
                Ok(format!("({present} AND isnotnull({other}) AND {compare})"))
            }
        }
    }
}

/// `match('F', "pattern")` with the pattern quoted for eval.
fn match_call(field: &str, pattern: &str) -> String {
    format!(
        "match({field}, {})",
        eval_string(&pcre_without_specials(pattern))
    )
}

fn number_literal(number: tunnelhunt_sigma::ir::Number) -> String {
    match number {
        tunnelhunt_sigma::ir::Number::Int(i) => i.to_string(),
        tunnelhunt_sigma::ir::Number::Float(x) => format!("{x:?}"),
    }
}
