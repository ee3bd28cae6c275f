//! One predicate as a YARA-L 2.0 events-section expression, and the two
//! literal syntaxes values travel in.
//!
//! How each test renders (field `f` mapped to UDM path `$e.p`):
//!
//! | Sigma | YARA-L |
//! |---|---|
//! | `f: v` | `$e.p = "v" nocase` (`|cased`: no `nocase`) |
//! | `f|contains: v` | `$e.p = /v/ nocase` (RE2, unanchored) |
//! | `f|startswith` / `f|endswith` | `/^v/`, `/v$/` |
//! | other globs (`?`, inner `*`, literal `*`) | `regex::glob_to_regex` (anchored RE2) |
//! | `f|re` | `regex::translate` (RE2); `|i` → `nocase` |
//! | `f|cidr` | `net.ip_in_range_cidr($e.p, "net")` (IPv4 and IPv6) |
//! | numbers on integer fields | `$e.p = 443`, `>`, `>=`, `<`, `<=` |
//! | `f: null`, `f|exists`, `f: ''`, `f: '*'` | `= ""` / `!= ""` (see below) |
//!
//! Case: Sigma strings are case-insensitive, so every string test carries
//! `nocase` unless the rule said `|cased`; regexes carry it only for
//! `|re|i`. Google documents `nocase` for both string comparisons and
//! regular expressions.
//!
//! Missing fields: UDM is protobuf, a string field that was never set
//! reads as `""` — UDM cannot tell "absent" from "empty". The backend
//! therefore treats an empty text field as absent: `null` and
//! `exists: false` render as `= ""`, `exists: true` and the lone `*` glob
//! (any value) as `!= ""`, and the empty-string value as `= ""`. Rule
//! authors write `''` and `null` side by side for "no value" (the pack's
//! PuTTY rule does), which is what these mean on UDM data. Integer fields
//! read as 0 when absent, and 0 is a real port, so null/exists on them are
//! refused.
//!
//! Repeated fields (`target.ip`, `network.dns.questions.name`,
//! `target.asset.software.*`): YARA-L evaluates a comparison on a repeated
//! field for each element, so it holds when any element matches — Sigma's
//! semantics for list values. An absent repeated field has no element, so
//! `null`, `exists: false` and `''` on one are refused (`= ""` would never
//! hold).
//! Under `not`, UDM events with more than one element can differ from a
//! single-valued Sysmon field; Sysmon-derived events carry one element.
//!
//! Newlines: Google notes that `.` does not cross line breaks in UDM
//! regexes. Literal tests never use `.`; globs and rule regexes get their
//! newline behaviour from [`crate::regex`].

use tunnelhunt_sigma::ir::{NumOp, Number, Predicate, StrMatch, StrShape, Test};

use crate::common::re2::{re2_escape, slash_literal};
use crate::model::{FieldKind, FieldMap, Scope};
use crate::refusal::{Construct, Refusal};
use crate::regex::{Dialect, FlagPlacement, glob_to_regex, translate};

use super::model::is_repeated;

/// `"…"` for a YARA-L string literal, or `None` when the value holds a
/// control character (a raw newline would end the line, and YARA-L
/// documents no `\n` escape for double-quoted strings).
pub(crate) fn quoted(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => return None,
            c => out.push(c),
        }
    }
    out.push('"');
    Some(out)
}

/// Render one predicate of a rule whose events live in `scope`, on the
/// event variable `event` (`$e` of a single-event rule, or one of a
/// multi-event rule's variables: `$e1`, `$p`…).
pub(crate) fn predicate_on(
    event: &str,
    scope: &Scope,
    predicate: &Predicate,
) -> Result<String, Refusal> {
    let Some(name) = predicate.field.as_deref() else {
        return Err(Refusal::new(
            Construct::Keyword,
            "keywords (values without a field) have no sound full-text search in YARA-L over UDM",
        ));
    };
    let field = scope.field(name)?;
    let path = format!("{event}.{}", field.target);
    match &predicate.test {
        Test::Str(glob) => string_test(field, &path, glob),
        Test::Regex(regex) => {
            require_text(field, "a regular expression")?;
            let translated = translate(regex, Dialect::Re2, FlagPlacement::Outside)?;
            Ok(regex_test(
                &path,
                &translated.pattern,
                translated.case_insensitive,
            ))
        }
        Test::Cidr(network) => {
            if field.kind != FieldKind::Ip {
                return Err(Refusal::new(
                    Construct::Cidr,
                    format!("field '{name}' ('{}') is not an IP field", field.target),
                ));
            }
            Ok(format!("net.ip_in_range_cidr({path}, \"{network}\")"))
        }
        Test::Num(op, number) => number_test(field, name, &path, *op, *number),
        Test::Bool(value) => Err(Refusal::new(
            Construct::Bool,
            format!(
                "boolean value '{value}' for field '{name}' ('{}') has no UDM boolean field",
                field.target
            ),
        )),
        Test::Null => {
            require_text_presence(field, name, "null")?;
            require_single(field, name, "null")?;
            Ok(format!("{path} = \"\""))
        }
        Test::Exists(true) => {
            require_text_presence(field, name, "exists")?;
            Ok(format!("{path} != \"\""))
        }
        Test::Exists(false) => {
            require_text_presence(field, name, "exists")?;
            require_single(field, name, "exists: false")?;
            Ok(format!("{path} = \"\""))
        }
        Test::FieldRef(reference) => Err(Refusal::new(
            Construct::FieldRef,
            format!(
                "field reference '{name}' to '{}' is not rendered for YARA-L",
                reference.other_field
            ),
        )),
    }
}

fn require_text(field: &FieldMap, what: &str) -> Result<(), Refusal> {
    if field.kind == FieldKind::Int {
        return Err(Refusal::new(
            Construct::Number,
            format!("{what} on integer field '{}'", field.target),
        ));
    }
    Ok(())
}

fn require_text_presence(field: &FieldMap, name: &str, what: &str) -> Result<(), Refusal> {
    if field.kind == FieldKind::Int {
        return Err(Refusal::new(
            Construct::Null,
            format!(
                "'{what}' on integer field '{name}' ('{}'): UDM reads an absent integer as 0, a real value",
                field.target
            ),
        ));
    }
    Ok(())
}

/// `= ""` cannot find an absent repeated field: it has no element to
/// compare.
fn require_single(field: &FieldMap, name: &str, what: &str) -> Result<(), Refusal> {
    if is_repeated(field.target) {
        return Err(Refusal::new(
            Construct::Null,
            format!(
                "'{what}' on repeated UDM field '{name}' ('{}'): an absent repeated field has no element to compare",
                field.target
            ),
        ));
    }
    Ok(())
}

fn regex_test(path: &str, pattern: &str, case_insensitive: bool) -> String {
    let nocase = if case_insensitive { " nocase" } else { "" };
    format!("{path} = {}{nocase}", slash_literal(pattern))
}

fn string_test(field: &FieldMap, path: &str, glob: &StrMatch) -> Result<String, Refusal> {
    if field.kind == FieldKind::Int {
        return match glob.shape() {
            StrShape::Equals(text) => match text.parse::<i64>() {
                Ok(number) => Ok(format!("{path} = {number}")),
                Err(_) => Err(Refusal::new(
                    Construct::Number,
                    format!("string value '{glob}' on integer field '{}'", field.target),
                )),
            },
            _ => Err(Refusal::new(
                Construct::Number,
                format!(
                    "string pattern '{glob}' on integer field '{}'",
                    field.target
                ),
            )),
        };
    }
    let case_insensitive = !glob.cased;
    let nocase = if case_insensitive { " nocase" } else { "" };
    Ok(match glob.shape() {
        StrShape::Equals("") => {
            require_single(field, field.sigma, "empty string")?;
            format!("{path} = \"\"")
        }
        StrShape::Equals(text) => match quoted(text) {
            Some(literal) => format!("{path} = {literal}{nocase}"),
            None => regex_test(path, &format!("^{}$", re2_escape(text)), case_insensitive),
        },
        StrShape::Contains(text) => regex_test(path, &re2_escape(text), case_insensitive),
        StrShape::StartsWith(text) => {
            regex_test(path, &format!("^{}", re2_escape(text)), case_insensitive)
        }
        StrShape::EndsWith(text) => {
            regex_test(path, &format!("{}$", re2_escape(text)), case_insensitive)
        }
        StrShape::Any => format!("{path} != \"\""),
        StrShape::Glob => {
            let translated = glob_to_regex(glob, Dialect::Re2, FlagPlacement::Outside)?;
            regex_test(path, &translated.pattern, translated.case_insensitive)
        }
    })
}

fn number_test(
    field: &FieldMap,
    name: &str,
    path: &str,
    op: NumOp,
    number: Number,
) -> Result<String, Refusal> {
    if field.kind != FieldKind::Int {
        return Err(Refusal::new(
            Construct::Number,
            format!(
                "numeric comparison on field '{name}' ('{}'), which UDM holds as text",
                field.target
            ),
        ));
    }
    let Number::Int(value) = number else {
        return Err(Refusal::new(
            Construct::Number,
            format!(
                "non-integer number '{number}' for integer field '{}'",
                field.target
            ),
        ));
    };
    let operator = match op {
        NumOp::Eq => "=",
        NumOp::Gt => ">",
        NumOp::Gte => ">=",
        NumOp::Lt => "<",
        NumOp::Lte => "<=",
    };
    Ok(format!("{path} {operator} {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_escapes_quotes_and_backslashes_and_rejects_control_characters() {
        assert_eq!(quoted(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        assert_eq!(quoted("–R `x` | %_").unwrap(), "\"–R `x` | %_\"");
        assert_eq!(quoted("a\nb"), None);
        assert_eq!(quoted("tab\there"), None);
    }
}
