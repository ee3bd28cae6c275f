//! Test helpers: a map-backed event and IR builders; [`corpus`] loads
//! SigmaHQ's rules and events.

pub mod corpus;

use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup, MatcherBuilder, RuleId, eval_expr};
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, Piece, Predicate, StrMatch, Test};

/// Owned routing facts.
#[derive(Debug, Clone, Default)]
pub struct Kind {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub channel: Option<String>,
    pub event_id: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct MapEvent {
    pub fields: Vec<(String, Lookup<'static>)>,
    pub kind: Kind,
}

impl MapEvent {
    pub fn new() -> Self {
        MapEvent::default()
    }

    pub fn with(mut self, name: &str, value: FieldValue<'static>) -> Self {
        self.fields.push((name.to_owned(), Lookup::One(value)));
        self
    }

    pub fn s(self, name: &str, value: &str) -> Self {
        self.with(name, FieldValue::Str(value.to_owned().into()))
    }

    pub fn many(mut self, name: &str, values: Vec<FieldValue<'static>>) -> Self {
        self.fields.push((name.to_owned(), Lookup::Many(values)));
        self
    }
}

impl Event for MapEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Lookup::Absent, |(_, l)| l.clone())
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        for (_, l) in &self.fields {
            l.values().iter().for_each(&mut *visit);
        }
    }

    fn kind(&self) -> EventKind<'_> {
        EventKind {
            product: self.kind.product.as_deref(),
            category: self.kind.category.as_deref(),
            service: self.kind.service.as_deref(),
            channel: self.kind.channel.as_deref(),
            provider: None,
            event_id: self.kind.event_id,
        }
    }
}

pub fn s(v: &str) -> FieldValue<'static> {
    FieldValue::Str(v.to_owned().into())
}

/// A glob in test notation: `*` and `?` are wildcards, the rest literal.
pub fn glob(pattern: &str, cased: bool) -> StrMatch {
    StrMatch::new(
        pattern.chars().map(|c| match c {
            '*' => Piece::AnyString,
            '?' => Piece::AnyChar,
            c => Piece::Lit(c.to_string()),
        }),
        cased,
    )
}

pub fn pred(field: Option<&str>, test: Test) -> Expr {
    Expr::Pred(Predicate {
        field: field.map(str::to_owned),
        test,
        span: Span::UNKNOWN,
    })
}

pub fn f(field: &str, test: Test) -> Expr {
    pred(Some(field), test)
}

pub fn g(field: &str, pattern: &str) -> Expr {
    f(field, Test::Str(glob(pattern, false)))
}

pub fn not(x: Expr) -> Expr {
    Expr::Not(Box::new(x))
}

/// Evaluate with both evaluators, insist they agree, return the verdict.
pub fn check(expr: &Expr, event: &MapEvent) -> bool {
    let oracle = eval_expr(expr, event);
    let mut b = MatcherBuilder::new();
    b.add_rule(&LogSource::default(), expr).expect("compiles");
    let m = b.build().expect("builds");
    let mut scratch = m.scratch();
    let mut out: Vec<RuleId> = Vec::new();
    m.matches(event, &mut scratch, &mut out);
    assert_eq!(
        out == [0],
        oracle,
        "matcher and eval_expr disagree on {expr:?} for {event:?}"
    );
    oracle
}
