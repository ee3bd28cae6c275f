//! Text forms of values, case folding and number parsing.
//!
//! Both the reference evaluator ([`crate::eval_expr`]) and the compiled
//! matcher call these, so "what string does a predicate see" has exactly one
//! definition:
//!
//! * a number or boolean is compared through its text form (`4688`, `1.5`,
//!   `true`); null has no text form and fails every string test;
//! * case-insensitive comparison folds *both* sides character by character
//!   with [`char::to_lowercase`] (ASCII text takes a byte-wise fast path
//!   that gives the same result). Folding is a homomorphism on strings —
//!   `fold(a + b) == fold(a) + fold(b)` — which is what makes searching a
//!   folded haystack for folded literals sound. The context-sensitive final
//!   sigma rule of [`str::to_lowercase`] is deliberately not applied, and a
//!   glob's `?` stands for one character of the *folded* text.

use std::fmt::Write as _;

use tunnelhunt_sigma::ir::Number;

use crate::event::FieldValue;

/// Append the case-folded form of `s` to `out`.
pub(crate) fn fold_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        // ASCII runs byte-wise, only the other characters one by one.
        let mut rest = s;
        while !rest.is_empty() {
            let run = rest
                .bytes()
                .position(|b| !b.is_ascii())
                .unwrap_or(rest.len());
            let start = out.len();
            out.push_str(&rest[..run]);
            out[start..].make_ascii_lowercase();
            rest = &rest[run..];
            if let Some(c) = rest.chars().next() {
                out.extend(c.to_lowercase());
                rest = &rest[c.len_utf8()..];
            }
        }
    }
}

/// The case-folded form of `s`.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// Append the text form of `value` to `out`; `false` (and nothing written)
/// for null.
pub(crate) fn write_text(value: &FieldValue<'_>, out: &mut String) -> bool {
    match value {
        FieldValue::Null => return false,
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        FieldValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        FieldValue::Float(f) => {
            let _ = write!(out, "{f}");
        }
        FieldValue::Str(s) => out.push_str(s),
    }
    true
}

/// A string that spells a number: an `i64`, else a finite `f64` (`inf`,
/// `NaN` and hexadecimal are not numbers here). No trimming.
pub(crate) fn parse_number(s: &str) -> Option<Number> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Number::Int(i));
    }
    // Rust's float grammar also accepts "inf", "infinity" and "nan".
    let looks_numeric = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match s.parse::<f64>() {
        Ok(f) if looks_numeric && f.is_finite() => Some(Number::Float(f)),
        _ => None,
    }
}

/// `value OP rule`: integers compare exactly, anything else as `f64`.
pub(crate) fn compare_numbers(
    op: tunnelhunt_sigma::ir::NumOp,
    value: Number,
    rule: Number,
) -> bool {
    use std::cmp::Ordering;
    use tunnelhunt_sigma::ir::NumOp;
    let ord = match (value, rule) {
        (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
        (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
    };
    let Some(ord) = ord else { return false };
    match op {
        NumOp::Eq => ord == Ordering::Equal,
        NumOp::Gt => ord == Ordering::Greater,
        NumOp::Gte => ord != Ordering::Less,
        NumOp::Lt => ord == Ordering::Less,
        NumOp::Lte => ord != Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_per_character() {
        assert_eq!(fold("CMD.EXE"), "cmd.exe");
        assert_eq!(fold("ÄÖÜ straße"), "äöü straße");
        // Greek capital sigma folds to σ everywhere, also at a word end.
        assert_eq!(fold("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold("A®B\u{130}C"), "a®bi\u{307}c");
        assert_eq!(fold("ÉX"), "éx");
        let mut s = String::from("x");
        fold_into("AbC", &mut s);
        assert_eq!(s, "xabc");
    }

    #[test]
    fn numbers_and_their_text() {
        let mut s = String::new();
        assert!(write_text(&FieldValue::Int(-3), &mut s));
        assert!(write_text(&FieldValue::Bool(true), &mut s));
        assert!(write_text(&FieldValue::Float(1.5), &mut s));
        assert!(!write_text(&FieldValue::Null, &mut s));
        assert_eq!(s, "-3true1.5");
        assert_eq!(parse_number("443"), Some(Number::Int(443)));
        assert_eq!(parse_number("-1.25"), Some(Number::Float(-1.25)));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number(" 1"), None);
        assert_eq!(parse_number("0x10"), None);
    }
}
