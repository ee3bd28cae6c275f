//! The reference evaluator, and the value tests it shares with the matcher.
//!
//! [`eval_expr`] is deliberately naive: one rule, one event, a tree walk,
//! every lookup done afresh, a textbook dynamic-programming glob matcher and
//! a regex compiled on each call. It exists to be obviously right, so the
//! tests can use it as the oracle for the batched [`crate::Matcher`]. Only
//! the primitive value tests that have a single sensible implementation
//! (numbers, booleans, CIDR, regex flags, text forms, case folding) are
//! shared between the two; globs are implemented twice on purpose.
//!
//! Semantics, for both evaluators:
//! * a predicate on an absent field is false, except [`Test::Null`] and
//!   `Test::Exists(false)`; a list field ([`Lookup::Many`]) satisfies a
//!   predicate when any element does;
//! * `Test::Null` holds for an absent field, a null value, an empty list, or
//!   a list with a null element. An empty string is *not* null.
//! * `Test::Exists(true)` holds when the field is present at all, even with
//!   a null value (Sigma: "the field exists in the event"; null is a value);
//! * keyword predicates (no field) test every value the event visits with
//!   [`Event::for_each_value`]; `Null` and `FieldRef` never hold for them,
//!   `Exists(b)` asks whether the event has any value at all.

use std::net::IpAddr;

use regex::Regex;
use tunnelhunt_sigma::ir::{
    Expr, FieldRef, FieldRefShape, IpNetwork, NumOp, Number, Piece, Predicate, RegexMatch,
    StrMatch, Test,
};

use crate::event::{Event, FieldValue, Lookup};
use crate::text::{compare_numbers, fold, parse_number, write_text};

/// Evaluate one rule's expression against one event, naively.
///
/// Logsource routing is not applied here. A regex that does not compile
/// makes its predicate false ([`crate::MatcherBuilder::add_rule`] rejects
/// such rules, so the matcher never sees one).
pub fn eval_expr(expr: &Expr, event: &dyn Event) -> bool {
    match expr {
        Expr::And(xs) => xs.iter().all(|x| eval_expr(x, event)),
        Expr::Or(xs) => xs.iter().any(|x| eval_expr(x, event)),
        Expr::Not(x) => !eval_expr(x, event),
        Expr::Const(b) => *b,
        Expr::Pred(p) => eval_predicate(p, event),
    }
}

fn eval_predicate(p: &Predicate, event: &dyn Event) -> bool {
    let Some(field) = &p.field else {
        return eval_keyword(&p.test, event);
    };
    let lookup = event.field(field);
    match &p.test {
        Test::Null => is_null(&lookup),
        Test::Exists(want) => lookup.is_absent() != *want,
        Test::FieldRef(r) => {
            let other = event.field(&r.other_field);
            lookup
                .values()
                .iter()
                .any(|a| other.values().iter().any(|b| fieldref_pair(r, a, b)))
        }
        test => lookup.values().iter().any(|v| value_test(test, v)),
    }
}

fn eval_keyword(test: &Test, event: &dyn Event) -> bool {
    let mut hit = false;
    let mut any = false;
    event.for_each_value(&mut |v| {
        any = true;
        if !hit {
            hit = value_test(test, v);
        }
    });
    match test {
        Test::Exists(want) => any == *want,
        _ => hit,
    }
}

/// A test that looks at one value at a time.
fn value_test(test: &Test, v: &FieldValue<'_>) -> bool {
    let mut text = String::new();
    match test {
        Test::Str(m) => write_text(v, &mut text) && naive_glob(m, &text),
        Test::Regex(r) => {
            write_text(v, &mut text)
                && Regex::new(&regex_source(r)).is_ok_and(|re| re.is_match(&text))
        }
        Test::Cidr(net) => cidr_test(net, v),
        Test::Num(op, n) => num_test(*op, *n, v),
        Test::Bool(b) => bool_test(*b, v),
        Test::Null | Test::Exists(_) | Test::FieldRef(_) => false,
    }
}

/// `Test::Null` over a lookup.
pub(crate) fn is_null(lookup: &Lookup<'_>) -> bool {
    match lookup {
        Lookup::Absent => true,
        Lookup::One(v) => matches!(v, FieldValue::Null),
        Lookup::Many(vs) => vs.is_empty() || vs.iter().any(|v| matches!(v, FieldValue::Null)),
    }
}

/// `Test::Num`: numbers directly, strings that parse as numbers.
pub(crate) fn num_test(op: NumOp, rule: Number, v: &FieldValue<'_>) -> bool {
    let value = match v {
        FieldValue::Int(i) => Number::Int(*i),
        FieldValue::Float(f) => Number::Float(*f),
        FieldValue::Str(s) => match parse_number(s) {
            Some(n) => n,
            None => return false,
        },
        FieldValue::Null | FieldValue::Bool(_) => return false,
    };
    compare_numbers(op, value, rule)
}

/// `Test::Bool`: a boolean, or the strings `true`/`false` in any case.
pub(crate) fn bool_test(want: bool, v: &FieldValue<'_>) -> bool {
    match v {
        FieldValue::Bool(b) => *b == want,
        FieldValue::Str(s) => s.eq_ignore_ascii_case(if want { "true" } else { "false" }),
        _ => false,
    }
}

/// `Test::Cidr`: a string value that parses as an IPv4/IPv6 address.
pub(crate) fn cidr_test(net: &IpNetwork, v: &FieldValue<'_>) -> bool {
    match v {
        FieldValue::Str(s) => s.parse::<IpAddr>().is_ok_and(|ip| net.contains(ip)),
        _ => false,
    }
}

/// The pattern handed to the `regex` crate: the rule's flags as an inline
/// group prefix, the pattern unchanged (an unanchored search, as in
/// pySigma's `re.search` semantics).
pub(crate) fn regex_source(r: &RegexMatch) -> String {
    let mut flags = String::new();
    if r.case_insensitive {
        flags.push('i');
    }
    if r.multi_line {
        flags.push('m');
    }
    if r.dot_matches_new_line {
        flags.push('s');
    }
    if flags.is_empty() {
        r.pattern.clone()
    } else {
        format!("(?{flags}){}", r.pattern)
    }
}

/// `Test::FieldRef` for one pair of values (text forms, null never matches).
pub(crate) fn fieldref_pair(r: &FieldRef, a: &FieldValue<'_>, b: &FieldValue<'_>) -> bool {
    let (mut ta, mut tb) = (String::new(), String::new());
    if !write_text(a, &mut ta) || !write_text(b, &mut tb) {
        return false;
    }
    if !r.cased {
        ta = fold(&ta);
        tb = fold(&tb);
    }
    fieldref_texts(r.shape, &ta, &tb)
}

/// Compare two (already case-normalised) texts per the fieldref shape.
pub(crate) fn fieldref_texts(shape: FieldRefShape, value: &str, other: &str) -> bool {
    match shape {
        FieldRefShape::Equals => value == other,
        FieldRefShape::Contains => value.contains(other),
        FieldRefShape::StartsWith => value.starts_with(other),
        FieldRefShape::EndsWith => value.ends_with(other),
    }
}

/// Textbook glob matching by dynamic programming over characters.
fn naive_glob(m: &StrMatch, text: &str) -> bool {
    enum Tok {
        Char(char),
        One,
        Many,
    }
    let norm = |s: &str| if m.cased { s.to_owned() } else { fold(s) };
    let mut toks = Vec::new();
    for piece in &m.pieces {
        match piece {
            Piece::Lit(s) => toks.extend(norm(s).chars().map(Tok::Char)),
            Piece::AnyChar => toks.push(Tok::One),
            Piece::AnyString => toks.push(Tok::Many),
        }
    }
    let text: Vec<char> = norm(text).chars().collect();
    // reach[j]: the tokens seen so far can match text[..j].
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for tok in &toks {
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            next[j] = match tok {
                Tok::Many => reach[j] || (j > 0 && next[j - 1]),
                Tok::One => j > 0 && reach[j - 1],
                Tok::Char(c) => j > 0 && reach[j - 1] && text[j - 1] == *c,
            };
        }
        reach = next;
    }
    reach[text.len()]
}
