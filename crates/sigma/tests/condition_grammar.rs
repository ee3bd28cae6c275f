//! The condition grammar: precedence, quantifiers, n-ary operators, spans,
//! and every class of syntax error, including pathological nesting.

use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::{ConditionExpr as C, Quantified, Spanned};
use tunnelhunt_sigma::condition::{MAX_DEPTH, parse_condition, position_in};

/// Render a tree compactly: `(a & b)`, `(a | b)`, `!a`, `1of(p)`, `all(them)`.
fn r(e: &C) -> String {
    match e {
        C::And(xs) => format!("({})", xs.iter().map(r).collect::<Vec<_>>().join(" & ")),
        C::Or(xs) => format!("({})", xs.iter().map(r).collect::<Vec<_>>().join(" | ")),
        C::Not(x) => format!("!{}", r(x)),
        C::Identifier(id) => id.value.clone(),
        C::OneOf(q) => format!("1of({})", q_str(&q.value)),
        C::AllOf(q) => format!("all({})", q_str(&q.value)),
    }
}

fn q_str(q: &Quantified) -> String {
    match q {
        Quantified::Them => "them".into(),
        Quantified::Pattern(p) => p.clone(),
    }
}

fn p(text: &str) -> String {
    r(&parse_condition(text).unwrap_or_else(|e| panic!("{text}: {e}")))
}

fn err(text: &str) -> (String, usize) {
    match parse_condition(text) {
        Ok(e) => panic!("{text}: expected an error, parsed {}", r(&e)),
        Err(e) => (e.message, e.offset),
    }
}

#[test]
fn precedence_not_and_or() {
    assert_eq!(p("not a and b"), "(!a & b)");
    assert_eq!(p("a and not b"), "(a & !b)");
    assert_eq!(p("a or b and c"), "(a | (b & c))");
    assert_eq!(p("a and b or c"), "((a & b) | c)");
    assert_eq!(p("not a or b"), "(!a | b)");
    assert_eq!(p("not (a or b)"), "!(a | b)");
    assert_eq!(p("not not a"), "!!a");
    assert_eq!(p("(a or b) and c"), "((a | b) & c)");
    assert_eq!(p("not 1 of filter_* and sel"), "(!1of(filter_*) & sel)");
}

#[test]
fn and_or_are_n_ary_and_flattened() {
    assert_eq!(p("a and b and c"), "(a & b & c)");
    assert_eq!(p("a or b or c or d"), "(a | b | c | d)");
    assert_eq!(p("a and (b and c)"), "(a & b & c)");
    assert_eq!(p("(a or b) or (c or d)"), "(a | b | c | d)");
    assert_eq!(p("a and (b or c) and d"), "(a & (b | c) & d)");
    assert_eq!(p("((((a))))"), "a");
}

#[test]
fn quantifiers() {
    assert_eq!(p("1 of selection*"), "1of(selection*)");
    assert_eq!(p("any of selection*"), "1of(selection*)");
    assert_eq!(p("all of selection_*"), "all(selection_*)");
    assert_eq!(p("1 of them"), "1of(them)");
    assert_eq!(p("all of them"), "all(them)");
    assert_eq!(p("all of *_main_*"), "all(*_main_*)");
    assert_eq!(
        p("1 of sel and not 1 of filter*"),
        "(1of(sel) & !1of(filter*))"
    );
    // A quantifier word is an identifier when no `of` follows.
    assert_eq!(p("all and them"), "(all & them)");
}

#[test]
fn keywords_are_case_insensitive() {
    assert_eq!(p("a AND NOT b OR c"), "((a & !b) | c)");
    assert_eq!(p("ALL OF Them"), "all(them)");
    assert_eq!(p("Any Of sel*"), "1of(sel*)");
}

#[test]
fn identifiers_and_whitespace() {
    assert_eq!(
        p("selection-1 and sel.2 and sélection_3"),
        "(selection-1 & sel.2 & sélection_3)"
    );
    assert_eq!(
        p("selection_parent and\n    (\n        1 of selection_generic_*\n    )\n"),
        "(selection_parent & 1of(selection_generic_*))"
    );
    assert_eq!(p("\ta\r\nor\u{a0}b"), "(a | b)");
}

#[test]
fn spans_are_relative_to_the_text() {
    let e = parse_condition("sel and\n  not 1 of filter*").unwrap();
    let C::And(xs) = e else { panic!() };
    assert_eq!(
        xs[0],
        C::Identifier(Spanned::new("sel".into(), Span::new(1, 1)))
    );
    let C::Not(inner) = &xs[1] else { panic!() };
    match &**inner {
        C::OneOf(q) => assert_eq!(q.span, Span::new(2, 7)),
        other => panic!("{other:?}"),
    }
    assert_eq!(position_in("héllo wörld", 7), Span::new(1, 7));
}

#[test]
fn syntax_errors_have_offsets() {
    let (m, o) = err("");
    assert!(m.contains("end of the condition"), "{m}");
    assert_eq!(o, 0);
    let (m, o) = err("a and");
    assert!(m.contains("end of the condition"), "{m}");
    assert_eq!(o, 5);
    let (m, o) = err("(a or b");
    assert!(m.contains("never closed"), "{m}");
    assert_eq!(o, 0);
    let (m, o) = err("a or b)");
    assert!(m.contains("found `)`"), "{m}");
    assert_eq!(o, 6);
    let (m, o) = err("a b");
    assert!(m.contains("found `b`"), "{m}");
    assert_eq!(o, 2);
    let (m, o) = err("sel* and b");
    assert!(m.contains("pattern"), "{m}");
    assert_eq!(o, 0);
    let (m, o) = err("a and 2 of sel*");
    assert!(m.contains("not a Sigma quantifier"), "{m}");
    assert_eq!(o, 6);
    let (m, _) = err("1 of");
    assert!(m.contains("after `1 of`"), "{m}");
    let (m, o) = err("all of and");
    assert!(m.contains("found `and`"), "{m}");
    assert_eq!(o, 7);
    let (m, o) = err("a && b");
    assert!(m.contains("unexpected character '&'"), "{m}");
    assert_eq!(o, 2);
    let (_, o) = err("not");
    assert_eq!(o, 3);
    let (_, o) = err("()");
    assert_eq!(o, 1);
    let (m, o) = err("a and or b");
    assert!(m.contains("found `or`"), "{m}");
    assert_eq!(o, 6);
}

#[test]
fn pipe_aggregation_points_to_correlations() {
    let (m, o) = err("selection | count(dst_ip) by src_ip > 10");
    assert!(m.contains("correlation rule"), "{m}");
    assert_eq!(o, 10);
}

#[test]
fn nesting_is_bounded_without_stack_overflow() {
    let ok = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(p(&ok), "a");
    let deep = format!(
        "{}a{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    let (m, o) = err(&deep);
    assert!(m.contains("nested"), "{m}");
    assert_eq!(o, MAX_DEPTH);
    let nots = format!("{}a", "not ".repeat(100_000));
    assert!(err(&nots).0.contains("nested"));
    let parens = "(".repeat(1_000_000);
    assert!(err(&parens).0.contains("nested"));
    // Long flat chains are fine: they are loops, not recursion.
    let chain = vec!["a"; 100_000].join(" and ");
    let C::And(xs) = parse_condition(&chain).unwrap() else {
        panic!()
    };
    assert_eq!(xs.len(), 100_000);
}
