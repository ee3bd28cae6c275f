/*!
The matching engine: Sigma rules, compiled for speed, over normalized events.

This crate owns the path from the target-neutral predicate IR
([`tunnelhunt_sigma::ir`]) to "which rules match this event":

* the [`Event`] trait, the only view of a record the engine sees;
* logsource [`routing`]: a data table from Sigma (category, product,
  service) to event identifiers, reproducing SigmaHQ's reference
  configuration for Windows;
* the compiled [`Matcher`]: predicates interned across rules, the literals
  of all rules on one field batched into one Aho-Corasick automaton, the
  regexes of one field into one `RegexSet`, and per rule a *gate* — the
  literals it cannot match without — so that most rules are never
  evaluated for most events;
* the literal [`prefilter`]: needles derived from each rule, grouped by
  route, with their searchers built, for the readers' crate to search in
  a record's raw bytes (it knows the raw forms) so that records no rule
  can match are skipped before they are parsed;
* [`eval_expr`], a deliberately naive evaluator used as the oracle in tests.

It must not know about YAML, rule files or log formats: rules arrive
already parsed and lowered (`tunnelhunt-sigma`), events already parsed
(`tunnelhunt-sources` implements [`Event`]). It never does I/O.

```
use tunnelhunt_engine::{MatcherBuilder, Event, EventKind, FieldValue, Lookup};
use tunnelhunt_sigma::{ast::LogSource, ir::*, Span};

struct One(&'static str);
impl Event for One {
    fn field(&self, name: &str) -> Lookup<'_> {
        if name == "CommandLine" { Lookup::One(FieldValue::Str(self.0.into())) } else { Lookup::Absent }
    }
    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        visit(&FieldValue::Str(self.0.into()))
    }
    fn kind(&self) -> EventKind<'_> { EventKind::default() }
}

let contains = |s: &str| StrMatch::new(
    [Piece::AnyString, Piece::Lit(s.into()), Piece::AnyString], false);
let rule = Expr::Pred(Predicate {
    field: Some("CommandLine".into()),
    test: Test::Str(contains("-R 8080")),
    span: Span::UNKNOWN,
});
let mut b = MatcherBuilder::new();
let id = b.add_rule(&LogSource::default(), &rule).unwrap();
let matcher = b.build().unwrap();
let mut scratch = matcher.scratch();
let mut hits = Vec::new();
matcher.matches(&One("ssh -r 8080:localhost:80 host"), &mut scratch, &mut hits);
assert_eq!(hits, vec![id]);
```
*/

mod compile;
mod error;
mod eval;
pub mod event;
mod gate;
mod glob;
mod grams;
mod literal;
mod matcher;
pub mod prefilter;
mod program;
mod regex_bank;
pub mod routing;
mod scratch;
mod text;

pub use compile::MatcherBuilder;
pub use error::CompileError;
pub use eval::eval_expr;
pub use event::{Event, EventKind, FieldValue, Lookup};
pub use matcher::{Matcher, Scratch};
pub use prefilter::{NeedleGroup, Needles, Prefilter, RawProfile, RouteGate, RouteKeys, RouteNeed};
pub use program::RuleId;
