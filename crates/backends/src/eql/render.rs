//! One predicate of the IR as an EQL comparison, with Elasticsearch's
//! exact operator semantics.
//!
//! | Sigma | EQL |
//! |---|---|
//! | string, case-insensitive (default), `*`/`?` | `field : "glob"` (ASCII case folding) |
//! | string, `|cased`, no wildcard | `field == "value"` |
//! | string, `|cased`, with wildcards | `field like "glob"` |
//! | a literal `*`, `?` (or U+0001), or a non-ASCII letter in a case-insensitive value | `regex~` / `regex` over the glob as a Lucene regex |
//! | `|re` / `|re|i` | `regex` / `regex~` (Lucene RegExp, whole value) |
//! | number on a numeric field | `==`, `<`, `<=`, `>`, `>=` |
//! | integer on a keyword of decimal text (`event.code`, Windows event data) | `== "4624"` |
//! | `|cidr` on an IP field | `cidrMatch(field, "net")` |
//! | `null`, `|exists` | `?field == null`, `?field != null` |
//!
//! Three Sysmon fields hold values ECS stores differently, and are
//! translated value by value: `Initiated` (`network.direction`),
//! `Hashes` (`*.hash.*`, `*.pe.imphash`) and `User` (`user.domain` +
//! `user.name`); what does not translate exactly is refused.
//!
//! Why these and no others:
//!
//! * `:` and `like` have no escape character — Elasticsearch turns the
//!   pattern into a LIKE pattern whose escape is U+0001 — so a value with a
//!   literal `*`, `?` or U+0001 goes through [`crate::regex::glob_to_regex`].
//! * `==` never interprets wildcards (pySigma's `== "* -R *"` compares with
//!   the literal string).
//! * Elasticsearch's case-insensitive operators (`:`, `like~`, `regex~`)
//!   fold ASCII letters only, while Sigma folds every letter: a
//!   case-insensitive value with a non-ASCII letter that has case goes
//!   through the Lucene regex, where [`crate::regex`] spells that letter's
//!   case variants out as a class.
//! * String operators on `long` and `ip` fields are type errors in
//!   Elasticsearch; numbers go to numeric fields with comparison
//!   operators, IPs to `cidrMatch` or `==`.
//! * EQL has no full-text search (keywords) and rejects field-to-field
//!   comparisons ("Comparisons against fields are not currently
//!   supported"), so keywords and `|fieldref` are refused.

use std::borrow::Cow;
use std::net::IpAddr;

use tunnelhunt_sigma::ir::{
    IpNetwork, NumOp, Number, Piece, Predicate, RegexMatch, StrMatch, StrShape, Test,
};

use super::literal::quote;
use super::model::{DECIMAL_TEXT_FIELDS, DIRECTIONS, EcsScope, HASHES};
use crate::model::FieldKind;
use crate::refusal::{Construct, Refusal};
use crate::regex::{self, Dialect, FlagPlacement, TranslatedRegex};

/// A Sigma field resolved in a scope.
struct Field<'a> {
    sigma: &'a str,
    target: Cow<'static, str>,
    kind: FieldKind,
}

/// The mapping table first; then, in scopes that keep their events' own
/// fields ([`EcsScope::event_data`]), `<event_data>.<field>` for a field
/// name EQL can write unquoted.
fn resolve<'a>(name: &'a str, ecs: &EcsScope) -> Result<Field<'a>, Refusal> {
    match ecs.scope.field(name) {
        Ok(map) => Ok(Field {
            sigma: map.sigma,
            target: Cow::Borrowed(map.target),
            kind: map.kind,
        }),
        Err(refusal) => match ecs.event_data {
            // A derived field is in no event's own data: the fallback
            // would name a field that never exists.
            Some(prefix) if is_identifier(name) && !crate::derived::is_derived(name) => Ok(Field {
                sigma: name,
                target: Cow::Owned(format!("{prefix}.{name}")),
                kind: FieldKind::Text,
            }),
            _ => Err(refusal),
        },
    }
}

/// The ECS field a sequence joins its events on for the Sigma field
/// `name`. Fields whose Sigma value is rebuilt from several ECS fields
/// (`User` from domain and name, `Hashes`) or translated (`Initiated`
/// from `network.direction`) hold no single value to join on.
pub(crate) fn join_field(name: &str, ecs: &EcsScope) -> Result<String, Refusal> {
    let field = resolve(name, ecs)?;
    if matches!(field.sigma, "User" | "Hashes") || field.kind == FieldKind::Bool {
        return Err(Refusal::new(
            Construct::Correlation,
            format!(
                "'{name}' is rebuilt from several ECS fields in '{}': an EQL sequence cannot join on it",
                ecs.scope.name
            ),
        ));
    }
    Ok(field.target.into_owned())
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `target` is a keyword holding integers as canonical decimal
/// text ([`DECIMAL_TEXT_FIELDS`]).
fn is_decimal_text(target: &str) -> bool {
    DECIMAL_TEXT_FIELDS
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => target.starts_with(prefix),
            None => target == *pattern,
        })
}

/// Render one predicate against the fields of `ecs`.
pub fn predicate(p: &Predicate, ecs: &EcsScope) -> Result<String, Refusal> {
    let Some(sigma_field) = p.field.as_deref() else {
        return Err(Refusal::new(
            Construct::Keyword,
            "keywords (values not bound to a field) need a full-text search, which EQL does not have",
        ));
    };
    if let Test::FieldRef(other) = &p.test {
        return Err(Refusal::new(
            Construct::FieldRef,
            format!(
                "Elasticsearch EQL cannot compare field '{sigma_field}' with field '{}'",
                other.other_field
            ),
        ));
    }
    let field = resolve(sigma_field, ecs)?;
    if field.sigma == "Hashes" {
        return hashes(&field, &p.test);
    }
    if field.sigma == "User" {
        return user(&field, &p.test);
    }
    match &p.test {
        Test::Null => Ok(format!("?{} == null", field.target)),
        Test::Exists(true) => Ok(format!("?{} != null", field.target)),
        Test::Exists(false) => Ok(format!("?{} == null", field.target)),
        test => match field.kind {
            FieldKind::Text => text_field(&field, test),
            FieldKind::Int => numeric_field(&field, test),
            FieldKind::Ip => ip_field(&field, test),
            FieldKind::Bool => direction_field(&field, test),
        },
    }
}

fn text_field(field: &Field<'_>, test: &Test) -> Result<String, Refusal> {
    match test {
        Test::Str(m) => glob(&field.target, m),
        Test::Regex(r) => regex(&field.target, r),
        Test::Num(NumOp::Eq, Number::Int(n)) if is_decimal_text(&field.target) => {
            Ok(format!("{} == {}", field.target, quote(&n.to_string())))
        }
        // Sigma: a boolean matches the strings `true`/`false` in any case.
        Test::Bool(b) => Ok(format!("{} : {}", field.target, quote(&b.to_string()))),
        Test::Num(..) => Err(Refusal::new(
            Construct::Number,
            format!(
                "numeric comparison on the text field '{}' (Sigma compares a numeric string as a number, EQL cannot)",
                field.target
            ),
        )),
        Test::Cidr(net) => Err(Refusal::new(
            Construct::Cidr,
            format!(
                "'{net}' on the text field '{}': cidrMatch needs an ip field",
                field.target
            ),
        )),
        Test::Null | Test::Exists(_) | Test::FieldRef(_) => unreachable!("handled by predicate()"),
    }
}

fn numeric_field(field: &Field<'_>, test: &Test) -> Result<String, Refusal> {
    match test {
        Test::Num(op, n) => Ok(format!("{} {} {}", field.target, num_op(*op), number(*n)?)),
        // A quoted number: the engine compares its decimal text form.
        Test::Str(m) => match m.shape() {
            StrShape::Equals(s) if is_canonical_integer(s) => {
                Ok(format!("{} == {s}", field.target))
            }
            _ => Err(Refusal::new(
                Construct::Number,
                format!(
                    "string pattern '{m}' on the numeric field '{}' (a type error in Elasticsearch)",
                    field.target
                ),
            )),
        },
        other => Err(wrong_type(field, other)),
    }
}

fn ip_field(field: &Field<'_>, test: &Test) -> Result<String, Refusal> {
    match test {
        Test::Cidr(net) => Ok(cidr(&field.target, net)),
        Test::Str(m) => match m.shape() {
            StrShape::Equals(s) if s.parse::<IpAddr>().is_ok_and(|ip| ip.to_string() == s) => {
                Ok(format!("{} == {}", field.target, quote(s)))
            }
            _ => Err(Refusal::new(
                Construct::Wildcard,
                format!(
                    "string pattern '{m}' on the ip field '{}': an Elasticsearch ip field takes addresses (in canonical form) or cidrMatch",
                    field.target
                ),
            )),
        },
        other => Err(wrong_type(field, other)),
    }
}

/// Sysmon's `Initiated` as ECS `network.direction`.
fn direction_field(field: &Field<'_>, test: &Test) -> Result<String, Refusal> {
    let sysmon_value = match test {
        Test::Bool(b) => Some(b.to_string()),
        Test::Str(m) => match m.shape() {
            StrShape::Equals(s) if !m.cased || s == s.to_ascii_lowercase() => {
                Some(s.to_ascii_lowercase())
            }
            _ => None,
        },
        _ => None,
    };
    let directions = sysmon_value
        .as_deref()
        .and_then(|v| DIRECTIONS.iter().find(|(sysmon, _)| *sysmon == v))
        .map(|(_, ecs)| *ecs)
        .ok_or_else(|| {
            Refusal::new(
                Construct::Value,
                format!(
                    "'{}' has no equivalent in '{}' (only true/false translate)",
                    describe(test),
                    field.target
                ),
            )
        })?;
    let list: Vec<String> = directions.iter().map(|d| quote(d)).collect();
    Ok(format!("{} in ({})", field.target, list.join(", ")))
}

/// Sysmon's `Hashes` list as ECS hash fields. Sigma rules test it with
/// `contains: 'ALG=hex'`; in the list that value can only sit at the start
/// of that algorithm's hash, so it means "the ALG hash starts with hex"
/// (which is equality for a full-length hash). Other tests have no
/// equivalent.
fn hashes(field: &Field<'_>, test: &Test) -> Result<String, Refusal> {
    let refuse = || {
        Refusal::new(
            Construct::Value,
            format!(
                "'{}' on Sysmon's Hashes list has no ECS equivalent (only contains 'ALG=hex', case-insensitive, translates)",
                describe(test)
            ),
        )
    };
    let Test::Str(m) = test else {
        return Err(refuse());
    };
    let StrShape::Contains(value) = m.shape() else {
        return Err(refuse());
    };
    if m.cased {
        return Err(refuse());
    }
    let (algorithm, hex) = value.split_once('=').ok_or_else(refuse)?;
    let (_, path) = HASHES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(algorithm))
        .ok_or_else(refuse)?;
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refuse());
    }
    Ok(format!(
        "{}.{path} : {}",
        field.target,
        quote(&format!("{hex}*"))
    ))
}

/// Sysmon's `User` (`DOMAIN\\name`) over ECS `user.domain` and
/// `user.name`. Neither part can hold a backslash, so a glob with one
/// literal backslash matches exactly when its left side matches the whole
/// domain and its right side the whole name. Without a literal backslash,
/// the `\\` of the value falls inside a wildcard: `*x*` is in the domain or
/// the name, `x*` starts the domain (or the name when there is no
/// domain), `*x` ends the name, and `x` alone is a name without domain.
fn user(field: &Field<'_>, test: &Test) -> Result<String, Refusal> {
    let domain = format!("{}.domain", field.target);
    let name = format!("{}.name", field.target);
    let refuse = || {
        Refusal::new(
            Construct::Value,
            format!(
                "'{}' on Sysmon's User has no equivalent over ECS user.domain and user.name",
                describe(test)
            ),
        )
    };
    let m = match test {
        Test::Str(m) => m,
        Test::Null | Test::Exists(false) => return Ok(format!("?{name} == null")),
        Test::Exists(true) => return Ok(format!("?{name} != null")),
        _ => return Err(refuse()),
    };
    let part = |pieces: Vec<Piece>, target: &str| glob(target, &StrMatch::new(pieces, m.cased));
    // The engine joins the parts only when the domain is non-empty.
    let no_domain = format!("(?{domain} == null or {domain} == \"\")");
    let backslashes: usize = m.literals().map(|l| l.matches('\\').count()).sum();
    match backslashes {
        0 => {}
        1 => {
            let mut left = Vec::new();
            let mut right = Vec::new();
            let mut seen = false;
            for piece in &m.pieces {
                match piece {
                    Piece::Lit(text) if !seen && text.contains('\\') => {
                        let (before, after) = text.split_once('\\').expect("has a backslash");
                        left.push(Piece::Lit(before.to_owned()));
                        right.push(Piece::Lit(after.to_owned()));
                        seen = true;
                    }
                    other if seen => right.push(other.clone()),
                    other => left.push(other.clone()),
                }
            }
            return Ok(format!(
                "({} and {})",
                part(left, &domain)?,
                part(right, &name)?
            ));
        }
        _ => return Err(refuse()),
    }
    let lit = |s: &str| Piece::Lit(s.to_owned());
    use Piece::AnyString as Any;
    Ok(match m.shape() {
        StrShape::Contains(x) => format!(
            "({} or {})",
            part(vec![Any, lit(x), Any], &domain)?,
            part(vec![Any, lit(x), Any], &name)?
        ),
        StrShape::StartsWith(x) => format!(
            "({} or ({no_domain} and {}))",
            part(vec![lit(x), Any], &domain)?,
            part(vec![lit(x), Any], &name)?
        ),
        StrShape::EndsWith(x) => part(vec![Any, lit(x)], &name)?,
        StrShape::Equals(x) => format!("({no_domain} and {})", part(vec![lit(x)], &name)?),
        StrShape::Any => format!("?{name} != null"),
        StrShape::Glob => return Err(refuse()),
    })
}

fn wrong_type(field: &Field<'_>, test: &Test) -> Refusal {
    let construct = match test {
        Test::Regex(_) => Construct::Regex,
        Test::Cidr(_) => Construct::Cidr,
        Test::Bool(_) => Construct::Bool,
        Test::Num(..) => Construct::Number,
        _ => Construct::Value,
    };
    Refusal::new(
        construct,
        format!(
            "'{}' cannot be applied to the {:?} field '{}' in Elasticsearch",
            describe(test),
            field.kind,
            field.target
        ),
    )
}

fn describe(test: &Test) -> String {
    match test {
        Test::Str(m) => m.to_string(),
        Test::Regex(r) => format!("re {}", r.pattern),
        Test::Cidr(n) => format!("cidr {n}"),
        Test::Num(op, n) => format!("{op:?} {n}"),
        Test::Bool(b) => b.to_string(),
        Test::Null => "null".to_owned(),
        Test::Exists(b) => format!("exists {b}"),
        Test::FieldRef(f) => format!("fieldref {}", f.other_field),
    }
}

/// A glob: `:` / `==` / `like`, or a regex when the value has a character
/// those operators cannot carry: a literal `*`, `?` or U+0001, or (when
/// case-insensitive) a non-ASCII letter with case, which `:` would compare
/// case-sensitively and the Lucene regex spells out as a class.
fn glob(target: &str, m: &StrMatch) -> Result<String, Refusal> {
    let needs_regex = m.literals().any(|lit| {
        lit.contains(['*', '?', '\u{1}']) || (!m.cased && lit.chars().any(non_ascii_with_case))
    });
    if needs_regex {
        let translated = regex::glob_to_regex(m, Dialect::Lucene, FlagPlacement::Outside)?;
        return Ok(regex_comparison(target, &translated));
    }
    if !m.cased {
        return Ok(format!("{target} : {}", quote(&glob_text(m))));
    }
    Ok(match m.shape() {
        StrShape::Equals(s) => format!("{target} == {}", quote(s)),
        _ => format!("{target} like {}", quote(&glob_text(m))),
    })
}

fn non_ascii_with_case(c: char) -> bool {
    !c.is_ascii()
        && (c.to_lowercase().ne(std::iter::once(c)) || c.to_uppercase().ne(std::iter::once(c)))
}

/// The glob in Elasticsearch wildcard syntax; the caller has made sure no
/// literal holds `*` or `?`.
fn glob_text(m: &StrMatch) -> String {
    m.pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(s) => s.as_str(),
            Piece::AnyString => "*",
            Piece::AnyChar => "?",
        })
        .collect()
}

fn regex(target: &str, r: &RegexMatch) -> Result<String, Refusal> {
    let translated = regex::translate(r, Dialect::Lucene, FlagPlacement::Outside)?;
    Ok(regex_comparison(target, &translated))
}

/// `regex~` folds ASCII letters only; the translation has already spelled
/// out every other letter's case variants as a class.
fn regex_comparison(target: &str, translated: &TranslatedRegex) -> String {
    let operator = if translated.case_insensitive {
        "regex~"
    } else {
        "regex"
    };
    format!("{target} {operator} {}", quote(&translated.pattern))
}

fn cidr(target: &str, net: &IpNetwork) -> String {
    format!("cidrMatch({target}, {})", quote(&net.to_string()))
}

fn num_op(op: NumOp) -> &'static str {
    match op {
        NumOp::Eq => "==",
        NumOp::Gt => ">",
        NumOp::Gte => ">=",
        NumOp::Lt => "<",
        NumOp::Lte => "<=",
    }
}

fn number(n: Number) -> Result<String, Refusal> {
    match n {
        Number::Int(i) => Ok(i.to_string()),
        Number::Float(f) if f.is_finite() => {
            let text = f.to_string();
            // EQL's DECIMAL needs a fraction part or an exponent.
            Ok(if text.contains('.') {
                text
            } else {
                format!("{text}.0")
            })
        }
        Number::Float(f) => Err(Refusal::new(
            Construct::Number,
            format!("the number '{f}' has no EQL literal"),
        )),
    }
}

fn is_canonical_integer(s: &str) -> bool {
    s.parse::<i64>().is_ok_and(|n| n.to_string() == s)
}
