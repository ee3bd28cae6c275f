//! `parse_condition` on arbitrary UTF-8: it must never panic, overflow the
//! stack or hang, every error offset must lie inside the text, and what it
//! parses must survive a print/re-parse round trip unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tunnelhunt_sigma::ast::{ConditionExpr, Quantified};
use tunnelhunt_sigma::condition::parse_condition;

/// Print with explicit parentheses around every operator.
fn print(e: &ConditionExpr, out: &mut String) {
    match e {
        ConditionExpr::And(xs) | ConditionExpr::Or(xs) => {
            let op = if matches!(e, ConditionExpr::And(_)) {
                " and "
            } else {
                " or "
            };
            out.push('(');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push_str(op);
                }
                print(x, out);
            }
            out.push(')');
        }
        ConditionExpr::Not(x) => {
            out.push_str("not ");
            print(x, out);
        }
        ConditionExpr::Identifier(id) => out.push_str(&id.value),
        ConditionExpr::OneOf(q) | ConditionExpr::AllOf(q) => {
            out.push_str(if matches!(e, ConditionExpr::OneOf(_)) {
                "1 of "
            } else {
                "all of "
            });
            match &q.value {
                Quantified::Them => out.push_str("them"),
                Quantified::Pattern(p) => out.push_str(p),
            }
        }
    }
}

/// The tree without positions.
fn strip(e: &ConditionExpr) -> String {
    let mut s = String::new();
    print(e, &mut s);
    s
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_condition(text) {
        Err(e) => assert!(e.offset <= text.len(), "offset {} past the end", e.offset),
        Ok(expr) => {
            let printed = strip(&expr);
            match parse_condition(&printed) {
                Ok(again) => assert_eq!(strip(&again), printed, "round trip of {text:?}"),
                // Printing adds parentheses the source left to precedence,
                // which can cross the depth limit; nothing else may fail.
                Err(e) => assert!(e.message.contains("nested"), "{printed:?}: {e}"),
            }
        }
    }
});
