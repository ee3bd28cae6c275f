//! Rules from YAML text, lowered, for unit tests of the backends.

use std::path::Path;

use tunnelhunt_sigma::ast::{Filter, Rule};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

use crate::RuleInput;

/// A parsed, lowered rule (and the filters that apply to it) that hands
/// out [`RuleInput`]s.
pub struct Lowered {
    pub rule: Rule,
    pub filters: Vec<Filter>,
    pub expr: Expr,
}

impl Lowered {
    /// Parse the first rule of `yaml` (plus any filters in the same text),
    /// panicking on any diagnostic: tests write valid rules.
    pub fn parse(yaml: &str) -> Lowered {
        let mut collection = RuleCollection::new();
        collection.add_file(Path::new("test.yml"), yaml);
        collection.finish();
        assert!(
            !collection.has_errors(),
            "test rule does not load: {:?}",
            collection.diagnostics()
        );
        let rule = collection.rules().next().expect("a rule").clone();
        let filters: Vec<Filter> = collection.filters_for(&rule).into_iter().cloned().collect();
        let refs: Vec<&Filter> = filters.iter().collect();
        let expr = lower_rule(&rule, &refs, &Placeholders::new()).expect("rule lowers");
        Lowered {
            rule,
            filters,
            expr,
        }
    }

    /// Hand the rule to a closure as a [`RuleInput`].
    pub fn with_input<T>(&self, f: impl FnOnce(&RuleInput<'_>) -> T) -> T {
        let refs: Vec<&Filter> = self.filters.iter().collect();
        let input = RuleInput {
            rule: &self.rule,
            filters: &refs,
            expr: &self.expr,
        };
        f(&input)
    }
}
