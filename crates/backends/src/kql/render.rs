//! A rule's condition as a KQL `where` expression.
//!
//! Each IR construct gets the KQL operator with exactly its meaning:
//!
//! * strings: `=~`, `contains`, `startswith`, `endswith` (case-insensitive)
//!   or `==`, `contains_cs`, `startswith_cs`, `endswith_cs` for `|cased`;
//!   `has`/`has_cs` added before `contains` as a term-index prefilter where
//!   that is sound (see [`has_prefilters_contains`]); other globs become `matches regex` with an
//!   anchored RE2 pattern ([`crate::regex::glob_to_regex`]); equality lists
//!   become `in~ (…)` / `in (…)`.
//! * numbers compare as numbers: directly on int columns (`RemotePort in
//!   (443, 853)`), through `todouble()` on string columns, as the Sigma
//!   engine does for a string field holding a number.
//! * CIDR: `ipv4_is_in_any_range` plus the IPv4-mapped IPv6 form of the
//!   same networks (Defender writes `::ffff:a.b.c.d` for IPv4 peers of
//!   dual-stack sockets, and Sigma's `10.0.0.0/8` matches those), and
//!   `ipv6_is_in_any_range` for IPv6 networks, only on IPv6-written
//!   addresses.
//! * null / exists: a KQL string column has no null — an absent value is
//!   `""` — so on string columns `null` and `exists: false` are
//!   `isempty()` and `exists: true` (and the glob `*`) is `isnotempty()`;
//!   int and bool columns use `isnull()` / `isnotnull()`.
//! * KQL's three-valued logic: a comparison on a null int, or a function
//!   that cannot parse its input, yields null, and `not(null)` is null —
//!   which `where` drops, although Sigma's "not (false)" is true. Such
//!   leaves are wrapped in `coalesce(…, false)` under a negation.
//! * keywords are refused: KQL has no all-column substring search.

use std::net::IpAddr;

use tunnelhunt_sigma::ir::{
    Expr, FieldRefShape, IpNetwork, NumOp, Number, Predicate, RegexMatch, StrMatch, StrShape, Test,
};

use super::literal;
use super::model::Source;
use crate::model::{FieldKind, FieldMap};
use crate::refusal::{Construct, Refusal};
use crate::regex::{self, Dialect, FlagPlacement};

/// The rendered condition and the computed columns it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub text: String,
    /// `(column, expression)` for `| extend column = expression`.
    pub extends: Vec<(&'static str, String)>,
}

/// Render `expr` over the columns of `source`.
pub fn condition(source: &'static Source, expr: &Expr) -> Result<Condition, Refusal> {
    let mut renderer = Renderer {
        source,
        used: Vec::new(),
        merged_whole_or: false,
    };
    // Top-level conjuncts on their own lines: rules read as a list of
    // conditions.
    let text = match expr {
        Expr::And(items) if items.len() > 1 => renderer.join(items, "\n    and ", false)?,
        _ => renderer.expr(expr, false)?,
    };
    let mut extends: Vec<(&'static str, String)> = Vec::new();
    for field in source.scope.fields {
        if renderer.used.contains(&field.target)
            && !extends.iter().any(|(column, _)| *column == field.target)
            && let Some(expression) = source.computed(field)
        {
            extends.push((field.target, expression));
        }
    }
    Ok(Condition { text, extends })
}

struct Renderer {
    source: &'static Source,
    /// Target columns the condition reads.
    used: Vec<&'static str>,
    /// Set by [`Renderer::or`] when every operand merged into one `in`
    /// or range call, which needs no parentheses of its own.
    merged_whole_or: bool,
}

/// What makes several OR-ed predicates one `in`/range call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListKind {
    EqualsCaseless,
    EqualsCased,
    Number,
    Cidr,
}

impl Renderer {
    fn expr(&mut self, expr: &Expr, negated: bool) -> Result<String, Refusal> {
        match expr {
            Expr::Const(value) => Ok(value.to_string()),
            Expr::Pred(p) => self.predicate(p, negated),
            Expr::Not(inner) => Ok(format!("not({})", self.expr(inner, true)?)),
            Expr::And(items) => self.join(items, " and ", negated),
            Expr::Or(items) => self.or(items, negated),
        }
    }

    fn join(&mut self, items: &[Expr], separator: &str, negated: bool) -> Result<String, Refusal> {
        let mut parts = Vec::with_capacity(items.len());
        for item in items {
            parts.push(self.operand(item, items.len(), negated)?);
        }
        Ok(balanced(parts, separator))
    }

    /// An operand of `and`/`or`: nested groups in parentheses.
    fn operand(&mut self, item: &Expr, siblings: usize, negated: bool) -> Result<String, Refusal> {
        self.merged_whole_or = false;
        let text = self.expr(item, negated)?;
        let merged = std::mem::take(&mut self.merged_whole_or);
        Ok(
            if matches!(item, Expr::And(_) | Expr::Or(_)) && siblings > 1 && !merged {
                format!("({text})")
            } else {
                text
            },
        )
    }

    /// A disjunction, with equality, number and CIDR lists on one field
    /// merged into one `in`/range call at the position of their first item.
    fn or(&mut self, items: &[Expr], negated: bool) -> Result<String, Refusal> {
        let keys: Vec<Option<(&str, ListKind)>> = items.iter().map(|i| self.list_key(i)).collect();
        let mut parts = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match keys[index] {
                Some(key) if keys.iter().filter(|k| **k == Some(key)).count() > 1 => {
                    if keys[..index].contains(&Some(key)) {
                        continue;
                    }
                    let members: Vec<&Predicate> = items
                        .iter()
                        .zip(&keys)
                        .filter(|(_, k)| **k == Some(key))
                        .filter_map(|(e, _)| match e {
                            Expr::Pred(p) => Some(p),
                            _ => None,
                        })
                        .collect();
                    parts.push(self.list(key.0, key.1, &members, negated)?);
                }
                _ => parts.push(self.operand(item, items.len(), negated)?),
            }
        }
        // A disjunction merged into one call is an atom for its parent.
        self.merged_whole_or = parts.len() == 1;
        Ok(balanced(parts, " or "))
    }

    fn list_key<'e>(&self, item: &'e Expr) -> Option<(&'e str, ListKind)> {
        let Expr::Pred(Predicate {
            field: Some(field),
            test,
            ..
        }) = item
        else {
            return None;
        };
        let kind = self.source.scope.field(field).ok()?.kind;
        let text_like = matches!(kind, FieldKind::Text | FieldKind::Ip);
        let list = match test {
            Test::Str(m) if text_like => match m.shape() {
                StrShape::Equals(value) if !value.is_empty() && !self.is_registry_data(field) => {
                    if m.cased {
                        ListKind::EqualsCased
                    } else {
                        ListKind::EqualsCaseless
                    }
                }
                _ => return None,
            },
            Test::Num(NumOp::Eq, _) if kind == FieldKind::Int => ListKind::Number,
            Test::Cidr(_) if text_like => ListKind::Cidr,
            _ => return None,
        };
        Some((field.as_str(), list))
    }

    fn list(
        &mut self,
        field: &str,
        kind: ListKind,
        members: &[&Predicate],
        negated: bool,
    ) -> Result<String, Refusal> {
        let map = self.field(field)?;
        let column = map.target;
        let text = match kind {
            ListKind::EqualsCaseless | ListKind::EqualsCased => {
                let values: Vec<String> = members
                    .iter()
                    .filter_map(|p| match &p.test {
                        Test::Str(m) => match m.shape() {
                            StrShape::Equals(v) => Some(literal::string(v)),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                let op = if kind == ListKind::EqualsCased {
                    "in"
                } else {
                    "in~"
                };
                return Ok(format!("{column} {op} ({})", values.join(", ")));
            }
            ListKind::Number => {
                let mut values = Vec::new();
                for p in members {
                    if let Test::Num(_, n) = &p.test {
                        values.push(number(*n)?);
                    }
                }
                format!("{column} in ({})", values.join(", "))
            }
            ListKind::Cidr => {
                let networks: Vec<IpNetwork> = members
                    .iter()
                    .filter_map(|p| match &p.test {
                        Test::Cidr(n) => Some(*n),
                        _ => None,
                    })
                    .collect();
                return Ok(cidr(column, &networks));
            }
        };
        Ok(null_safe(text, negated))
    }

    fn field(&mut self, sigma: &str) -> Result<&'static FieldMap, Refusal> {
        let map = self.source.scope.field(sigma)?;
        if !self.used.contains(&map.target) {
            self.used.push(map.target);
        }
        Ok(map)
    }

    /// XDR's `RegistryValueData` holds the bare data where Sysmon's
    /// `Details` writes `DWORD (0x00000001)`.
    fn is_registry_data(&self, sigma: &str) -> bool {
        self.source
            .scope
            .field(sigma)
            .is_ok_and(|m| m.target == "RegistryValueData")
    }

    fn predicate(&mut self, p: &Predicate, negated: bool) -> Result<String, Refusal> {
        let Some(field) = &p.field else {
            return keyword(&p.test);
        };
        let map = self.field(field)?;
        if self.is_registry_data(field) {
            registry_data_is_portable(field, &p.test)?;
        }
        let column = map.target;
        let text_column = match map.kind {
            FieldKind::Text | FieldKind::Ip => column.to_owned(),
            FieldKind::Int | FieldKind::Bool => format!("tostring({column})"),
        };
        let nullable = matches!(map.kind, FieldKind::Int | FieldKind::Bool);
        match &p.test {
            Test::Str(m) => string_test(&text_column, m),
            Test::Regex(r) => Ok(format!("{text_column} matches regex {}", regex_literal(r)?)),
            Test::Cidr(network) => match map.kind {
                FieldKind::Text | FieldKind::Ip => Ok(cidr(column, &[*network])),
                _ => Err(Refusal::new(
                    Construct::Cidr,
                    format!("field '{field}' is the numeric column '{column}', not an address"),
                )),
            },
            Test::Num(op, n) => {
                let operand = match map.kind {
                    FieldKind::Int => column.to_owned(),
                    FieldKind::Text => format!("todouble({column})"),
                    FieldKind::Ip | FieldKind::Bool => {
                        return Err(Refusal::new(
                            Construct::Number,
                            format!("field '{field}' ('{column}') does not hold numbers"),
                        ));
                    }
                };
                Ok(null_safe(
                    format!("{operand} {} {}", operator(*op), number(*n)?),
                    negated,
                ))
            }
            Test::Bool(value) => match map.kind {
                FieldKind::Bool => Ok(null_safe(format!("{column} == {value}"), negated)),
                FieldKind::Text => Ok(format!("{column} =~ \"{value}\"")),
                FieldKind::Int | FieldKind::Ip => Err(Refusal::new(
                    Construct::Bool,
                    format!("field '{field}' ('{column}') does not hold booleans"),
                )),
            },
            Test::Null | Test::Exists(false) => Ok(if nullable {
                format!("isnull({column})")
            } else {
                format!("isempty({column})")
            }),
            Test::Exists(true) => Ok(if nullable {
                format!("isnotnull({column})")
            } else {
                format!("isnotempty({column})")
            }),
            Test::FieldRef(reference) => {
                let other = self.field(&reference.other_field)?;
                let other_column = match other.kind {
                    FieldKind::Text | FieldKind::Ip => other.target.to_owned(),
                    FieldKind::Int | FieldKind::Bool => format!("tostring({})", other.target),
                };
                let op = match (reference.shape, reference.cased) {
                    (FieldRefShape::Equals, false) => "=~",
                    (FieldRefShape::Equals, true) => "==",
                    (FieldRefShape::Contains, false) => "contains",
                    (FieldRefShape::Contains, true) => "contains_cs",
                    (FieldRefShape::StartsWith, false) => "startswith",
                    (FieldRefShape::StartsWith, true) => "startswith_cs",
                    (FieldRefShape::EndsWith, false) => "endswith",
                    (FieldRefShape::EndsWith, true) => "endswith_cs",
                };
                // An empty string column is an absent value; Sigma's
                // fieldref needs the referenced field to be present.
                Ok(format!(
                    "(isnotempty({other_column}) and {text_column} {op} {other_column})"
                ))
            }
        }
    }
}

/// Operands of one associative operator, joined so that the syntax tree
/// stays shallow: Kusto.Language parses `a or b or c …` into a chain as
/// deep as it is long and refuses chains of some hundred operands (KS245,
/// "query syntax depth exceeds maximum safe limit"), which SigmaHQ rules
/// with long value lists reach. Past [`MAX_FLAT_OPERANDS`] the operands are
/// grouped in parentheses, recursively — the same boolean value.
fn balanced(parts: Vec<String>, separator: &str) -> String {
    if parts.len() <= MAX_FLAT_OPERANDS {
        return parts.join(separator);
    }
    let groups: Vec<String> = parts
        .chunks(MAX_FLAT_OPERANDS)
        .map(|chunk| {
            if chunk.len() == 1 {
                chunk[0].clone()
            } else {
                format!("({})", chunk.join(separator))
            }
        })
        .collect();
    balanced(groups, separator)
}

/// Operands one operator chain holds before [`balanced`] groups them.
const MAX_FLAT_OPERANDS: usize = 32;

/// A string test on a string-valued expression.
fn string_test(column: &str, m: &StrMatch) -> Result<String, Refusal> {
    let cased = m.cased;
    let op = |insensitive: &str, sensitive: &str| {
        if cased {
            sensitive.to_owned()
        } else {
            insensitive.to_owned()
        }
    };
    Ok(match m.shape() {
        StrShape::Equals("") => format!("isempty({column})"),
        StrShape::Equals(value) => {
            format!("{column} {} {}", op("=~", "=="), literal::string(value))
        }
        StrShape::Contains(value) if has_prefilters_contains(value) => {
            let value = literal::string(value);
            format!(
                "({column} {} {value} and {column} {} {value})",
                op("has", "has_cs"),
                op("contains", "contains_cs"),
            )
        }
        StrShape::Contains(value) => {
            format!(
                "{column} {} {}",
                op("contains", "contains_cs"),
                literal::string(value)
            )
        }
        StrShape::StartsWith(value) => {
            format!(
                "{column} {} {}",
                op("startswith", "startswith_cs"),
                literal::string(value)
            )
        }
        StrShape::EndsWith(value) => {
            format!(
                "{column} {} {}",
                op("endswith", "endswith_cs"),
                literal::string(value)
            )
        }
        StrShape::Any => format!("isnotempty({column})"),
        StrShape::Glob => {
            let translated = regex::glob_to_regex(m, Dialect::Re2, FlagPlacement::Inline)?;
            format!(
                "{column} matches regex {}",
                literal::string(&inline_flags(&translated))
            )
        }
    })
}

/// The RE2 pattern of a Sigma regex, as a KQL string literal.
fn regex_literal(r: &RegexMatch) -> Result<String, Refusal> {
    let translated = regex::translate(r, Dialect::Re2, FlagPlacement::Inline)?;
    Ok(literal::string(&inline_flags(&translated)))
}

/// With inline placement the flags are in the pattern already; a
/// translator that still reports case-insensitivity gets it prepended
/// rather than dropped.
fn inline_flags(t: &regex::TranslatedRegex) -> String {
    if t.case_insensitive && !t.pattern.starts_with("(?i)") {
        format!("(?i){}", t.pattern)
    } else {
        t.pattern.clone()
    }
}

/// Whether `has value` is a sound term-index prefilter for `contains
/// value`, so that `has value and contains value` is exactly Sigma's
/// substring test and lets Kusto use its term index.
///
/// `has` matches terms (maximal runs of ASCII letters and digits). When
/// `value` begins and ends with a non-alphanumeric ASCII character, every
/// occurrence of it in a text is bounded by term breaks, so its terms are
/// whole terms of that text and `has` is true wherever `contains` is.
/// Kusto's documentation does not say whether `has` with punctuation also
/// compares the punctuation (then it equals `contains`) or only the terms
/// in order (then it is wider), which is why `contains` stays beside it.
/// Every term must be at least three characters (what Kusto indexes; a
/// shorter one gives no speed-up) and the value plain ASCII (no doubt
/// about what counts as a letter).
pub(crate) fn has_prefilters_contains(value: &str) -> bool {
    let bytes = value.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !value.is_ascii() || first.is_ascii_alphanumeric() || last.is_ascii_alphanumeric() {
        return false;
    }
    let terms: Vec<&str> = value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    !terms.is_empty() && terms.iter().all(|t| t.len() >= 3)
}

/// Sigma keywords (any value of the event contains the text) are refused:
/// KQL's all-column forms (`* has`, `search`) match terms or term
/// prefixes, not substrings, and `* contains` is not a documented form.
fn keyword(test: &Test) -> Result<String, Refusal> {
    let shown = match test {
        Test::Str(m) => m.to_string(),
        other => format!("{other:?}"),
    };
    Err(Refusal::new(
        Construct::Keyword,
        format!(
            "keyword '{shown}': KQL has no all-column substring search (`* has` and `search` match whole terms)"
        ),
    ))
}

/// Refuse `Details` values in Sysmon's typed notation, which MDE does not
/// write (it stores `1`, not `DWORD (0x00000001)`).
fn registry_data_is_portable(field: &str, test: &Test) -> Result<(), Refusal> {
    let literals: Vec<&str> = match test {
        Test::Str(m) => m.literals().collect(),
        Test::Regex(r) => vec![r.pattern.as_str()],
        _ => Vec::new(),
    };
    let sysmon_notation = ["DWORD (", "QWORD (", "Binary Data"];
    match literals.iter().find(|l| {
        sysmon_notation
            .iter()
            .any(|n| l.to_ascii_uppercase().contains(&n.to_ascii_uppercase()))
    }) {
        Some(value) => Err(Refusal::new(
            Construct::Value,
            format!(
                "field '{field}' value '{value}' is in the Sysmon typed notation, which Defender does not write in RegistryValueData"
            ),
        )),
        None => Ok(()),
    }
}

/// CIDR networks on an address column (any of them).
fn cidr(column: &str, networks: &[IpNetwork]) -> String {
    let mut v4 = Vec::new();
    let mut mapped = Vec::new();
    let mut v6 = Vec::new();
    for network in networks {
        match network.addr {
            IpAddr::V4(addr) => {
                v4.push(format!("\"{network}\""));
                // The IPv4-mapped form in plain hex groups
                // (`::ffff:7f00:0/104`), the notation of Kusto's own
                // IPv6 examples.
                let [a, b, c, d] = addr.octets();
                mapped.push(format!(
                    "\"::ffff:{:x}:{:x}/{}\"",
                    u16::from_be_bytes([a, b]),
                    u16::from_be_bytes([c, d]),
                    u16::from(network.prefix) + 96
                ));
            }
            IpAddr::V6(addr) => v6.push(format!("\"{}/{}\"", ipv6_hex(addr), network.prefix)),
        }
    }
    let mut parts = Vec::new();
    if !v4.is_empty() {
        parts.push(format!(
            "coalesce(ipv4_is_in_any_range({column}, dynamic([{}])), false)",
            v4.join(", ")
        ));
        parts.push(format!(
            "coalesce(ipv6_is_in_any_range({column}, dynamic([{}])), false)",
            mapped.join(", ")
        ));
    }
    if !v6.is_empty() {
        parts.push(format!(
            "({column} contains \":\" and coalesce(ipv6_is_in_any_range({column}, dynamic([{}])), false))",
            v6.join(", ")
        ));
    }
    if parts.len() == 1 {
        // Only IPv6 networks: that part is parenthesized already.
        return parts.remove(0);
    }
    format!("({})", parts.join(" or "))
}

/// An IPv6 address in hex groups only: Rust writes IPv4-mapped addresses
/// in mixed notation (`::ffff:127.0.0.1`), which we avoid in queries for
/// the plain form every IPv6 parser reads.
fn ipv6_hex(addr: std::net::Ipv6Addr) -> String {
    let text = addr.to_string();
    if !text.contains('.') {
        return text;
    }
    addr.segments()
        .iter()
        .map(|s| format!("{s:x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn operator(op: NumOp) -> &'static str {
    match op {
        NumOp::Eq => "==",
        NumOp::Gt => ">",
        NumOp::Gte => ">=",
        NumOp::Lt => "<",
        NumOp::Lte => "<=",
    }
}

/// A KQL number literal: `long` for integers, `real` otherwise.
fn number(n: Number) -> Result<String, Refusal> {
    match n {
        Number::Int(i) => Ok(i.to_string()),
        Number::Float(f) if f.is_finite() => Ok(format!("real({f:?})")),
        Number::Float(f) => Err(Refusal::new(
            Construct::Number,
            format!("the number '{f}' has no KQL literal"),
        )),
    }
}

/// A comparison that can be null (null column, unparsable input) guarded
/// so that a surrounding `not()` sees false rather than null.
fn null_safe(text: String, negated: bool) -> String {
    if negated {
        format!("coalesce({text}, false)")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_prefilters_only_values_bounded_by_punctuation() {
        assert!(has_prefilters_contains(r"\Services\PortProxy\v4tov4\tcp\"));
        assert!(has_prefilters_contains(" --doh-url "));
        assert!(
            !has_prefilters_contains("portproxy"),
            "a term inside a longer word"
        );
        assert!(!has_prefilters_contains(r"\ssh.exe"), "ends inside a term");
        assert!(!has_prefilters_contains(" -R "), "term shorter than three");
        assert!(!has_prefilters_contains(" :: "), "no term at all");
        assert!(!has_prefilters_contains(" é-abc "), "non-ASCII");
        assert!(!has_prefilters_contains(""));
    }

    #[test]
    fn cidr_covers_ipv4_mapped_addresses_and_keeps_ipv6_apart() {
        let v4 = IpNetwork::parse("10.0.0.0/8").unwrap();
        let v6 = IpNetwork::parse("::1/128").unwrap();
        assert_eq!(
            cidr("RemoteIP", &[v4, v6]),
            concat!(
                "(coalesce(ipv4_is_in_any_range(RemoteIP, dynamic([\"10.0.0.0/8\"])), false)",
                " or coalesce(ipv6_is_in_any_range(RemoteIP, dynamic([\"::ffff:a00:0/104\"])), false)",
                " or (RemoteIP contains \":\" and coalesce(ipv6_is_in_any_range(RemoteIP, dynamic([\"::1/128\"])), false)))"
            )
        );
    }

    #[test]
    fn long_chains_are_grouped_into_a_shallow_tree() {
        let parts = |n: usize| (0..n).map(|i| format!("x{i}")).collect::<Vec<_>>();
        assert_eq!(balanced(parts(3), " or "), "x0 or x1 or x2");
        let text = balanced(parts(1100), " or ");
        assert!(text.starts_with("((x0 or x1 or "), "{}", &text[..40]);
        assert_eq!(text.matches("x").count(), 1100);
        let depth = text.chars().fold((0i32, 0i32), |(d, max), c| match c {
            '(' => (d + 1, max.max(d + 1)),
            ')' => (d - 1, max),
            _ => (d, max),
        });
        assert_eq!(
            depth,
            (0, 2),
            "1100 operands: 35 groups of up to 32, in two groups"
        );
    }

    #[test]
    fn ipv6_networks_are_written_in_hex_groups() {
        let mapped = IpNetwork::parse("::ffff:127.0.0.0/104").unwrap();
        assert!(cidr("A", &[mapped]).contains(r#"dynamic(["0:0:0:0:0:ffff:7f00:0/104"])"#));
        let plain = IpNetwork::parse("2001:db8::/32").unwrap();
        assert!(cidr("A", &[plain]).contains(r#"dynamic(["2001:db8::/32"])"#));
    }

    #[test]
    fn numbers_are_typed_literals() {
        assert_eq!(number(Number::Int(-4)).unwrap(), "-4");
        assert_eq!(number(Number::Float(1.5)).unwrap(), "real(1.5)");
        assert_eq!(number(Number::Float(1e20)).unwrap(), "real(1e20)");
        assert_eq!(
            number(Number::Float(f64::NAN)).unwrap_err().construct,
            Construct::Number
        );
    }

    #[test]
    fn case_picks_the_operator() {
        let contains = |cased| {
            StrMatch::new(
                [
                    tunnelhunt_sigma::ir::Piece::AnyString,
                    tunnelhunt_sigma::ir::Piece::Lit(" -R ".into()),
                    tunnelhunt_sigma::ir::Piece::AnyString,
                ],
                cased,
            )
        };
        assert_eq!(
            string_test("C", &contains(false)).unwrap(),
            r#"C contains " -R ""#
        );
        assert_eq!(
            string_test("C", &contains(true)).unwrap(),
            r#"C contains_cs " -R ""#
        );
        assert_eq!(
            string_test("C", &StrMatch::literal("a", true)).unwrap(),
            r#"C == "a""#
        );
        assert_eq!(
            string_test("C", &StrMatch::literal("", false)).unwrap(),
            "isempty(C)"
        );
    }
}
