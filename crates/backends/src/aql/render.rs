//! Predicates as AQL `WHERE` expressions, and the literals inside them.
//!
//! Operators, and why:
//!
//! * globs → `ILIKE` (case-insensitive) / `LIKE` (`|cased`) with `%` and
//!   `_` — but only when no literal piece contains `%`, `_` or `\`. IBM
//!   documents no `ESCAPE` clause for AQL `LIKE`, and does not say whether
//!   `\` escapes inside a pattern, so a literal `%`/`_`/`\` cannot be
//!   written provably; such globs become `MATCHES` with a Java regex from
//!   `regex::glob_to_regex` (`(?i)` inline unless cased — IBM: "MATCHES is
//!   case-sensitive; add the (?i) flag").
//! * `|re` → `MATCHES` with `regex::translate(Java)`, wrapped as
//!   `^(?s:.*)(?:…)(?s:.*)$`: IBM does not document whether `MATCHES` needs
//!   the whole value to match (Java `matches()`) or any part (`find()`);
//!   the wrapper means "matches anywhere" under both readings.
//! * CIDR → `INCIDR('net', column)` (IPv4 and IPv6 per IBM's "CIDR IP
//!   addresses in AQL queries"); IPv6 networks test the `…v6` column.
//! * numbers → bare numeric comparisons on numeric columns; on text
//!   properties only equality, as a string.
//! * null / exists → `IS NULL` / `IS NOT NULL`.
//!
//! String literals are single-quoted with `''` for a quote; a backslash is
//! an ordinary character in them (IBM's backend writes `'%\ssh.exe'` and
//! regexes unescaped). Control characters are never written raw: in a
//! regex they are `\x{…}` escapes, and a `LIKE` glob containing one goes to
//! the regex path.
//!
//! Null semantics are SQL's: a test on an absent property is NULL and
//! `NOT NULL` is NULL, while Sigma's `not` of such a test is true. Leaves
//! under an odd number of NOTs are therefore guarded with
//! `column IS NOT NULL AND …` so they are false, never NULL.

use tunnelhunt_sigma::ir::{FieldRefShape, NumOp, Piece, Predicate, StrMatch, Test};

use super::model::IPV6_COLUMNS;
use crate::common::breaks_line;
use crate::model::{FieldKind, Scope};
use crate::refusal::{Construct, Refusal};
use crate::regex::{Dialect, FlagPlacement, glob_to_regex, translate};

/// A single-quoted AQL string literal whose value is exactly `text`.
pub(super) fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A Java pattern with control characters written as `\x{…}` escapes (an
/// escaped control character `\<LF>` becomes the hex escape too).
pub(super) fn regex_without_controls(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) if next.is_control() => out.push_str(&hex(next)),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            c if c.is_control() => out.push_str(&hex(c)),
            c => out.push(c),
        }
    }
    out
}

fn hex(c: char) -> String {
    format!("\\x{{{:x}}}", u32::from(c))
}

/// Whether a glob's literal pieces can be written in a LIKE pattern.
fn like_safe(glob: &StrMatch) -> bool {
    glob.literals().all(|lit| {
        !lit.chars()
            .any(|c| matches!(c, '%' | '_' | '\\') || c.is_control())
    })
}

fn like_pattern(glob: &StrMatch) -> String {
    let mut out = String::new();
    for piece in &glob.pieces {
        match piece {
            Piece::Lit(text) => out.push_str(text),
            Piece::AnyString => out.push('%'),
            Piece::AnyChar => out.push('_'),
        }
    }
    string_literal(&out)
}

/// Renders predicates of one scope.
pub(super) struct Terms<'a> {
    pub scope: &'a Scope,
}

impl Terms<'_> {
    /// `negated`: the predicate sits under an odd number of NOTs.
    pub fn predicate(&self, predicate: &Predicate, negated: bool) -> Result<String, Refusal> {
        let Some(sigma_field) = predicate.field.as_deref() else {
            return Err(Refusal::new(
                Construct::Keyword,
                "the QRadar payload is the raw event with its markup; a keyword cannot be matched against field values only",
            ));
        };
        let field = self.scope.field(sigma_field)?;
        let column = field.target;
        let guard = |test: String, columns: &[&str]| -> String {
            if negated {
                let mut parts: Vec<String> =
                    columns.iter().map(|c| format!("{c} IS NOT NULL")).collect();
                parts.push(test);
                format!("({})", parts.join(" AND "))
            } else {
                test
            }
        };
        match &predicate.test {
            Test::Str(glob) => {
                let test = if like_safe(glob) {
                    let op = if glob.cased { "LIKE" } else { "ILIKE" };
                    format!("{column} {op} {}", like_pattern(glob))
                } else {
                    let regex = glob_to_regex(glob, Dialect::Java, FlagPlacement::Inline)?;
                    format!(
                        "{column} MATCHES {}",
                        string_literal(&regex_without_controls(&regex.pattern))
                    )
                };
                Ok(guard(test, &[column]))
            }
            Test::Regex(regex) => {
                let regex = translate(regex, Dialect::Java, FlagPlacement::Inline)?;
                let wrapped = format!("^(?s:.*)(?:{})(?s:.*)$", regex.pattern);
                let test = format!(
                    "{column} MATCHES {}",
                    string_literal(&regex_without_controls(&wrapped))
                );
                Ok(guard(test, &[column]))
            }
            Test::Cidr(net) => {
                let column = if net.addr.is_ipv6() {
                    IPV6_COLUMNS
                        .iter()
                        .find(|(v4, _)| *v4 == column)
                        .map_or(column, |(_, v6)| *v6)
                } else {
                    column
                };
                let test = format!("INCIDR({}, {column})", string_literal(&net.to_string()));
                Ok(guard(test, &[column]))
            }
            Test::Num(op, number) => {
                let symbol = match op {
                    NumOp::Eq => "=",
                    NumOp::Gt => ">",
                    NumOp::Gte => ">=",
                    NumOp::Lt => "<",
                    NumOp::Lte => "<=",
                };
                if !number.as_f64().is_finite() {
                    return Err(Refusal::new(
                        Construct::Number,
                        format!("'{number}' is not a finite number"),
                    ));
                }
                let test = match (field.kind, op) {
                    (FieldKind::Int, _) => format!("{column} {symbol} {number}"),
                    (_, NumOp::Eq) => {
                        format!("{column} = {}", string_literal(&number.to_string()))
                    }
                    _ => {
                        return Err(Refusal::new(
                            Construct::Number,
                            format!(
                                "'{sigma_field}' is a text property in QRadar: '{symbol} {number}' would compare text"
                            ),
                        ));
                    }
                };
                Ok(guard(test, &[column]))
            }
            Test::Bool(value) => Ok(guard(
                format!("{column} ILIKE {}", string_literal(&value.to_string())),
                &[column],
            )),
            Test::Null | Test::Exists(false) => Ok(format!("{column} IS NULL")),
            Test::Exists(true) => Ok(format!("{column} IS NOT NULL")),
            Test::FieldRef(reference) => {
                if reference.shape != FieldRefShape::Equals {
                    return Err(Refusal::new(
                        Construct::FieldRef,
                        format!(
                            "AQL has no substring test against another property's value: '{sigma_field}' vs '{}'",
                            reference.other_field
                        ),
                    ));
                }
                let other = self.scope.field(&reference.other_field)?.target;
                let test = if reference.cased {
                    format!("{column} = {other}")
                } else {
                    format!("LOWER({column}) = LOWER({other})")
                };
                // Both must be present even outside NOT: Sigma's fieldref
                // needs both values.
                Ok(format!(
                    "({column} IS NOT NULL AND {other} IS NOT NULL AND {test})"
                ))
            }
        }
    }
}

/// The text of a `/* … */` comment made unable to end or nest: `*/` and
/// `/*` get a space between their characters, control characters become
/// spaces.
pub(super) fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 6);
    out.push_str("/* ");
    let mut previous = ' ';
    for c in text.trim().chars() {
        let c = if breaks_line(c) { ' ' } else { c };
        if (previous == '*' && c == '/') || (previous == '/' && c == '*') {
            out.push(' ');
        }
        out.push(c);
        previous = c;
    }
    if previous == '*' || previous == '/' {
        out.push(' ');
    }
    out.push_str(" */");
    out
}
