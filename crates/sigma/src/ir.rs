//! The target-neutral predicate IR.
//!
//! Lowering ([`crate::lower`]) resolves everything that is *Sigma syntax*
//! — identifiers, `1 of` patterns, modifier chains, `windash`/`base64`/
//! `utf16` expansions, placeholders, wildcards and escapes, filters — into a
//! plain boolean tree over [`Predicate`]s whose meaning is fixed:
//!
//! * a [`StrMatch`] is a glob with literal pieces and `*`/`?`, plus whether
//!   it is case-sensitive. `contains`/`startswith`/`endswith` are just globs
//!   with leading/trailing `*`; helpers classify a glob back into those
//!   shapes for engines and query languages that have dedicated operators.
//! * a [`RegexMatch`] is the pattern text plus flags, already validated.
//! * numbers, CIDR, null, exists, fieldref and booleans are their own tests.
//!
//! The matcher and all seven backends consume this and only this, which is
//! how "one semantics, many renderings" is kept. Nothing here depends on
//! YAML or on any evaluation strategy.

use std::fmt;
use std::net::IpAddr;

use crate::span::Span;

/// A boolean combination of predicates.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Pred(Predicate),
    /// Results of simplification (e.g. an empty value list is `false`).
    Const(bool),
}

impl Expr {
    /// Visit every predicate in the tree, in order.
    pub fn for_each_predicate<'a>(&'a self, f: &mut impl FnMut(&'a Predicate)) {
        match self {
            Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| x.for_each_predicate(f)),
            Expr::Not(x) => x.for_each_predicate(f),
            Expr::Pred(p) => f(p),
            Expr::Const(_) => {}
        }
    }
}

/// One test on one field (or, with `field: None`, on every value of the
/// event: Sigma keywords).
///
/// A keyword predicate holds when the test holds for *any* value of the
/// event. Lowering gives keyword strings contains semantics — the glob is
/// already wrapped in `*…*` unless the rule asked for `startswith` or
/// `endswith` — and keyword numbers and booleans become such strings, so
/// consumers apply keyword tests exactly as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    pub field: Option<String>,
    pub test: Test,
    /// Where in the rule file the value behind this predicate was written.
    pub span: Span,
}

/// What a predicate checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// String match (glob).
    Str(StrMatch),
    /// Regular expression (validated `regex`-crate syntax).
    Regex(RegexMatch),
    /// The field is an IP address inside the network.
    Cidr(IpNetwork),
    /// Numeric comparison (a YAML number, or `gt`/`gte`/`lt`/`lte`).
    /// A string field that parses as a number compares numerically.
    Num(NumOp, Number),
    /// A YAML boolean. Matches a boolean field, or the strings `true`/`false`
    /// in any case.
    Bool(bool),
    /// YAML `null`: the field is absent, or present with a null value.
    /// (Sigma also treats an empty string as distinct from null.)
    Null,
    /// `|exists: true|false`.
    Exists(bool),
    /// `|fieldref`: compare with the value of another field of the same event.
    FieldRef(FieldRef),
}

/// A glob over a string value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StrMatch {
    /// Adjacent literal pieces are merged and consecutive `*` collapsed, so
    /// the shape is canonical (see [`StrMatch::new`]).
    pub pieces: Vec<Piece>,
    /// `|cased`: compare case-sensitively. Default Sigma semantics are
    /// case-insensitive.
    pub cased: bool,
}

/// One piece of a glob.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Literal text, escapes already removed (`\*` is a `*` here).
    Lit(String),
    /// `*`: any run of characters, including none.
    AnyString,
    /// `?`: exactly one character.
    AnyChar,
}

/// The dedicated operator a glob corresponds to, when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrShape<'a> {
    /// Whole-value equality (no wildcards).
    Equals(&'a str),
    /// `*lit*`
    Contains(&'a str),
    /// `lit*`
    StartsWith(&'a str),
    /// `*lit`
    EndsWith(&'a str),
    /// `*` alone: any string value, including the empty string.
    Any,
    /// Anything else: needs a glob or regex.
    Glob,
}

impl StrMatch {
    /// Build a canonical glob: merges adjacent literals, drops empty
    /// literals, collapses `**` into `*`.
    pub fn new(pieces: impl IntoIterator<Item = Piece>, cased: bool) -> StrMatch {
        let mut out: Vec<Piece> = Vec::new();
        for piece in pieces {
            match (out.last_mut(), piece) {
                (_, Piece::Lit(s)) if s.is_empty() => {}
                (Some(Piece::Lit(prev)), Piece::Lit(s)) => prev.push_str(&s),
                (Some(Piece::AnyString), Piece::AnyString) => {}
                (_, p) => out.push(p),
            }
        }
        StrMatch { pieces: out, cased }
    }

    /// A glob matching exactly `text`.
    pub fn literal(text: impl Into<String>, cased: bool) -> StrMatch {
        StrMatch::new([Piece::Lit(text.into())], cased)
    }

    pub fn shape(&self) -> StrShape<'_> {
        use Piece::*;
        match self.pieces.as_slice() {
            [] => StrShape::Equals(""),
            [Lit(s)] => StrShape::Equals(s),
            [AnyString] => StrShape::Any,
            [AnyString, Lit(s), AnyString] => StrShape::Contains(s),
            [Lit(s), AnyString] => StrShape::StartsWith(s),
            [AnyString, Lit(s)] => StrShape::EndsWith(s),
            _ => StrShape::Glob,
        }
    }

    /// The literal pieces, in order. Every match contains all of them.
    pub fn literals(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Lit(s) => Some(s.as_str()),
            _ => None,
        })
    }
}

/// Renders the glob in Sigma syntax (escaping `*`, `?` and `\` in literals
/// where needed), e.g. `*\\tcp\\*` — handy in messages and snapshots.
impl fmt::Display for StrMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in &self.pieces {
            match piece {
                Piece::AnyString => f.write_str("*")?,
                Piece::AnyChar => f.write_str("?")?,
                Piece::Lit(s) => {
                    for c in s.chars() {
                        if matches!(c, '*' | '?' | '\\') {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A Sigma `|re` value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegexMatch {
    /// As written in the rule (no flags folded in), except that the Perl
    /// classes `\d \w \s` (and negations) and `\b` are made ASCII —
    /// `[[:digit:]]`, `(?-u:\b)` — because that is what they mean in the
    /// PCRE/RE2/Java-family engines Sigma rules are written for, while the
    /// `regex` crate would read them as Unicode classes.
    pub pattern: String,
    /// `|i`
    pub case_insensitive: bool,
    /// `|m`: `^`/`$` match at line breaks.
    pub multi_line: bool,
    /// `|s`: `.` matches a newline.
    pub dot_matches_new_line: bool,
}

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `fe80::/10`). The address is
/// stored with host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNetwork {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl IpNetwork {
    /// Parse `addr/prefix` (or a bare address, meaning a host network).
    pub fn parse(text: &str) -> Option<IpNetwork> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.trim(), Some(p.trim())),
            None => (text.trim(), None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok()?
            }
            Some(_) => return None,
            None => max,
        };
        if prefix > max {
            return None;
        }
        Some(IpNetwork {
            addr: mask(addr, prefix),
            prefix,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(ip, self.prefix) == self.addr
            }
            // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 host.
            (IpAddr::V4(_), IpAddr::V6(v6)) => v6
                .to_ipv4_mapped()
                .is_some_and(|v4| self.contains(IpAddr::V4(v4))),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6((bits & m).into())
        }
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumOp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A number as written in YAML.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

/// How a `|fieldref` compares the two fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    pub other_field: String,
    pub shape: FieldRefShape,
    pub cased: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldRefShape {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_is_canonical_and_classified() {
        let m = StrMatch::new(
            [
                Piece::AnyString,
                Piece::AnyString,
                Piece::Lit("a".into()),
                Piece::Lit("b".into()),
                Piece::AnyString,
            ],
            false,
        );
        assert_eq!(m.shape(), StrShape::Contains("ab"));
        assert_eq!(StrMatch::literal("", false).shape(), StrShape::Equals(""));
        assert_eq!(
            StrMatch::new([Piece::AnyString], false).shape(),
            StrShape::Any
        );
    }

    #[test]
    fn glob_display_escapes_metacharacters() {
        let m = StrMatch::new([Piece::AnyString, Piece::Lit("\\tcp\\*".into())], false);
        assert_eq!(m.to_string(), "*\\\\tcp\\\\\\*");
    }

    #[test]
    fn cidr_v4_v6_and_mapped() {
        let n = IpNetwork::parse("10.1.2.3/8").unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(n.contains("10.200.0.1".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.0.0.1".parse().unwrap()));
        let v6 = IpNetwork::parse("fe80::/10").unwrap();
        assert!(v6.contains("fe80::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8::1".parse().unwrap()));
        assert!(
            IpNetwork::parse("0.0.0.0/0")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
        assert!(IpNetwork::parse("10.0.0.0/33").is_none());
        assert!(IpNetwork::parse("10.0.0/8").is_none());
        assert!(IpNetwork::parse("10.0.0.0/").is_none());
    }
}
