//! Predicates as search-command terms (`field="value*"`), used by the
//! Sysmon flavor's base search and by `tstats … where` (same term syntax).
//!
//! What a term means: `field="v"` compares the whole field value
//! case-insensitively, `*` matches any run of characters, `NOT field="v"`
//! also holds when the field is absent (exactly Sigma's `not`), `field=*`
//! holds when the field exists. What it cannot mean is refused here with
//! the reason, and the Sysmon flavor moves the predicate to a `where`
//! stage ([`super::eval`]); `tstats` has no such stage and refuses.

use tunnelhunt_sigma::ir::{NumOp, Number, Piece, Predicate, StrMatch, Test};

use super::literal::{search_escape, search_safe};
use crate::model::{FieldKind, Scope};
use crate::refusal::{Construct, Refusal};

/// Renders predicates of one scope as search terms.
pub(super) struct SearchTerms<'a> {
    pub scope: &'a Scope,
    /// Prepended to every field name (`Processes.` for `tstats`).
    pub field_prefix: &'a str,
    /// Whether the search command's CIDR matching is available
    /// (`field="10.0.0.0/8"`, IPv4 only); `tstats` does not document it.
    pub cidr: bool,
    /// Whether `<`, `>` work (search command on numeric fields; `tstats`
    /// does not document range comparisons).
    pub ranges: bool,
}

impl SearchTerms<'_> {
    pub fn predicate(&self, predicate: &Predicate) -> Result<String, Refusal> {
        let Some(sigma_field) = predicate.field.as_deref() else {
            return Err(keyword_refusal());
        };
        let field = self.scope.field(sigma_field)?;
        let name = format!("{}{}", self.field_prefix, field.target);
        match &predicate.test {
            Test::Str(glob) => Ok(format!("{name}={}", glob_term(glob, sigma_field)?)),
            Test::Regex(_) => Err(Refusal::new(
                Construct::Regex,
                format!("search terms have no regex: '{sigma_field}' needs a regex stage"),
            )),
            Test::Cidr(net) => {
                if !self.cidr || net.addr.is_ipv6() {
                    return Err(Refusal::new(
                        Construct::Cidr,
                        format!(
                            "CIDR '{net}' on '{sigma_field}' is not documented for this search form"
                        ),
                    ));
                }
                Ok(format!("{name}=\"{net}\""))
            }
            Test::Num(op, number) => {
                if field.kind != FieldKind::Int {
                    return Err(Refusal::new(
                        Construct::Number,
                        format!(
                            "'{sigma_field}' is text here: a numeric comparison needs tonumber()"
                        ),
                    ));
                }
                number_term(&name, *op, *number, self.ranges, sigma_field)
            }
            Test::Bool(value) => Ok(format!("{name}=\"{value}\"")),
            Test::Null | Test::Exists(false) => Ok(format!("NOT {name}=*")),
            Test::Exists(true) => Ok(format!("{name}=*")),
            Test::FieldRef(_) => Err(Refusal::new(
                Construct::FieldRef,
                format!("search terms cannot compare '{sigma_field}' with another field"),
            )),
        }
    }
}

/// The refusal for Sigma keywords in every SPL form: bare search terms
/// match indexed *tokens* of the raw XML event (markup included, values
/// XML-escaped), not substrings of field values, so neither a term nor a
/// regex over `_raw` means what a Sigma keyword means.
pub(super) fn keyword_refusal() -> Refusal {
    Refusal::new(
        Construct::Keyword,
        "Splunk matches bare terms against tokens of the raw XML event, not substrings of field values; keywords cannot be expressed soundly",
    )
}

/// `"…"` with `*` wildcards, or the reason the glob needs a regex.
fn glob_term(glob: &StrMatch, sigma_field: &str) -> Result<String, Refusal> {
    if glob.cased {
        return Err(Refusal::new(
            Construct::Cased,
            format!(
                "search terms match case-insensitively: case-sensitive '{sigma_field}' needs a where stage"
            ),
        ));
    }
    let mut out = String::from("\"");
    for piece in &glob.pieces {
        match piece {
            Piece::AnyString => out.push('*'),
            Piece::AnyChar => {
                return Err(Refusal::new(
                    Construct::Wildcard,
                    format!(
                        "search terms have no one-character wildcard: '{sigma_field}' needs a regex"
                    ),
                ));
            }
            Piece::Lit(text) if !search_safe(text) => {
                return Err(Refusal::new(
                    Construct::Wildcard,
                    format!(
                        "search terms cannot carry a literal *, backtick or control character: '{sigma_field}' needs a regex"
                    ),
                ));
            }
            Piece::Lit(text) => out.push_str(&search_escape(text)),
        }
    }
    out.push('"');
    Ok(out)
}

fn number_term(
    name: &str,
    op: NumOp,
    number: Number,
    ranges: bool,
    sigma_field: &str,
) -> Result<String, Refusal> {
    let negative = number.as_f64() < 0.0;
    let symbol = match op {
        NumOp::Eq => "=",
        NumOp::Gt => ">",
        NumOp::Gte => ">=",
        NumOp::Lt => "<",
        NumOp::Lte => "<=",
    };
    if negative || (op != NumOp::Eq && !ranges) || !number.as_f64().is_finite() {
        return Err(Refusal::new(
            Construct::Number,
            format!("'{sigma_field} {symbol} {number}' is not a plain search-term comparison"),
        ));
    }
    Ok(format!("{name}{symbol}{number}"))
}
