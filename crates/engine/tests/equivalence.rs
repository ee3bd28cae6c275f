//! Property: the batched matcher and the naive `eval_expr` agree on random
//! rule sets and random events (with routing decided by the router).

use crate::common;

use common::*;
use proptest::prelude::*;
use tunnelhunt_engine::routing::{Decision, decide};
use tunnelhunt_engine::{FieldValue, MatcherBuilder, eval_expr};
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{
    Expr, FieldRef, FieldRefShape, IpNetwork, NumOp, Number, Piece, RegexMatch, StrMatch, Test,
};

const FIELDS: &[&str] = &["A", "B", "C"];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "A", "b", "é", "É", "ab", "1", "2", "."]),
        0..4,
    )
    .prop_map(|v| v.concat())
}

fn str_match() -> impl Strategy<Value = StrMatch> {
    let piece = prop_oneof![
        4 => text().prop_map(Piece::Lit),
        2 => Just(Piece::AnyString),
        1 => Just(Piece::AnyChar),
    ];
    (prop::collection::vec(piece, 0..5), any::<bool>()).prop_map(|(p, c)| StrMatch::new(p, c))
}

fn test() -> impl Strategy<Value = Test> {
    let regex = prop::sample::select(vec!["a+b", "^A", "é$", "[0-9]{2}", "(ab|ba)", "^$", "b.a"]);
    let shape = prop::sample::select(vec![
        FieldRefShape::Equals,
        FieldRefShape::Contains,
        FieldRefShape::StartsWith,
        FieldRefShape::EndsWith,
    ]);
    let op = prop::sample::select(vec![
        NumOp::Eq,
        NumOp::Gt,
        NumOp::Gte,
        NumOp::Lt,
        NumOp::Lte,
    ]);
    prop_oneof![
        8 => str_match().prop_map(Test::Str),
        2 => (regex, any::<bool>(), any::<bool>()).prop_map(|(p, i, m)| Test::Regex(RegexMatch {
            pattern: p.into(),
            case_insensitive: i,
            multi_line: m,
            dot_matches_new_line: false,
        })),
        1 => (op, -3i64..30).prop_map(|(o, n)| Test::Num(o, Number::Int(n))),
        1 => any::<bool>().prop_map(Test::Bool),
        1 => Just(Test::Null),
        1 => any::<bool>().prop_map(Test::Exists),
        1 => prop::sample::select(vec!["1.2.0.0/16", "::ffff:0:0/96", "fe80::/10"])
            .prop_map(|n| Test::Cidr(IpNetwork::parse(n).unwrap())),
        1 => (prop::sample::select(FIELDS.to_vec()), shape, any::<bool>()).prop_map(|(o, s, c)| {
            Test::FieldRef(FieldRef { other_field: o.into(), shape: s, cased: c })
        }),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let field = prop::option::weighted(0.85, prop::sample::select(FIELDS.to_vec()));
    let leaf = prop_oneof![
        20 => (field, test()).prop_map(|(f, t)| pred(f, t)),
        1 => any::<bool>().prop_map(Expr::Const),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Expr::Or),
            inner.prop_map(|x| Expr::Not(Box::new(x))),
        ]
    })
}

fn value() -> impl Strategy<Value = FieldValue<'static>> {
    prop_oneof![
        6 => text().prop_map(|t| FieldValue::Str(t.into())),
        1 => prop::sample::select(vec!["1.2.3.4", "::ffff:1.2.9.9", "FE80::1", "12", "true"])
            .prop_map(|t| FieldValue::Str(t.to_owned().into())),
        1 => (-3i64..30).prop_map(FieldValue::Int),
        1 => any::<bool>().prop_map(FieldValue::Bool),
        1 => Just(FieldValue::Null),
        1 => (0u8..40).prop_map(|x| FieldValue::Float(f64::from(x) / 2.0)),
    ]
}

fn product() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(vec!["windows", "linux"]).prop_map(str::to_owned))
}

fn event() -> impl Strategy<Value = MapEvent> {
    let lookup = prop_oneof![
        4 => value().prop_map(tunnelhunt_engine::Lookup::One),
        1 => prop::collection::vec(value(), 0..3).prop_map(tunnelhunt_engine::Lookup::Many),
    ];
    (
        prop::collection::vec((prop::sample::select(FIELDS.to_vec()), lookup), 0..4),
        product(),
    )
        .prop_map(|(fields, product)| {
            let mut e = MapEvent::new();
            for (name, l) in fields {
                if !e.fields.iter().any(|(n, _)| n == name) {
                    e.fields.push((name.to_owned(), l));
                }
            }
            e.kind.product = product;
            e
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn matcher_agrees_with_eval_expr(
        rules in prop::collection::vec((product(), expr()), 1..8),
        events in prop::collection::vec(event(), 1..6),
    ) {
        let mut b = MatcherBuilder::new();
        let sources: Vec<LogSource> = rules
            .iter()
            .map(|(p, _)| LogSource { product: p.clone(), ..LogSource::default() })
            .collect();
        for ((_, e), ls) in rules.iter().zip(&sources) {
            b.add_rule(ls, e).unwrap();
        }
        let m = b.build().unwrap();
        let mut scratch = m.scratch();
        for ev in &events {
            let mut got = Vec::new();
            m.matches(ev, &mut scratch, &mut got);
            let want: Vec<usize> = rules
                .iter()
                .zip(&sources)
                .enumerate()
                .filter(|(_, ((_, e), ls))| {
                    decide(ls, &tunnelhunt_engine::Event::kind(ev)) == Decision::Always
                        && eval_expr(e, ev)
                })
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(got, want, "event {:?}", ev);
        }
    }
}
