//! Lowering: a rule's AST (plus the filters that apply to it) to the
//! target-neutral predicate [`ir::Expr`].
//!
//! This is where Sigma's *meaning* is fixed, once, for the matcher and for
//! every backend: search identifiers and `1 of` patterns are resolved,
//! modifier chains are checked and applied, wildcards and escapes are
//! parsed, `windash`/`base64`/`utf16` are expanded, placeholders are
//! substituted, and filters are ANDed on. What comes out contains no Sigma
//! syntax at all, so that "one semantics, many renderings" holds by
//! construction.
//!
//! The work is split by concern:
//!
//! * `modifiers` — which modifier chains are valid (as tables);
//! * `values` — globs, escapes, placeholders, numbers;
//! * `encodings` — windash, UTF-16, base64 and base64offset;
//! * `matcher` — one `Field|mods: values` to an expression;
//! * `pattern` — `|re` validation against the `regex` crate;
//! * `condition` — the condition tree over lowered searches;
//! * `simplify` — canonical boolean shape of the result.
//!
//! Lowering never stops at the first problem: every search and every value
//! is lowered, and all diagnostics are returned together, each at the span
//! of the offending value or modifier and naming the rule (or filter), the
//! search and the field. The semantic decisions (escapes, windash,
//! keywords, `neq`, `null`) are documented in the submodules.
//!
//! Filters ([`ast::Filter`]) are applied as the Sigma filter specification
//! says: the rule's condition AND each filter's condition (which is
//! typically `not selection`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::ast;
use crate::diag::{Code, Diagnostic};
use crate::ir;
use crate::span::Span;

mod condition;
mod encodings;
mod matcher;
mod modifiers;
mod pattern;
mod simplify;
mod values;

pub use values::MAX_VARIANTS;

/// Values for `|expand` placeholders: `%name%` → one or more strings.
///
/// Names are stored without the surrounding `%` (`insert("%Servers%", …)`
/// and `insert("Servers", …)` are the same). Values are Sigma strings:
/// `*` and `?` in them are wildcards, as in pySigma's value placeholders.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Placeholders {
    values: BTreeMap<String, Vec<String>>,
}

impl Placeholders {
    pub fn new() -> Placeholders {
        Placeholders::default()
    }

    /// Set (or replace) the values of placeholder `name`.
    pub fn insert(&mut self, name: impl Into<String>, values: Vec<String>) {
        let name = name.into();
        let bare = name
            .strip_prefix('%')
            .and_then(|n| n.strip_suffix('%'))
            .map_or(name.clone(), str::to_owned);
        self.values.insert(bare, values);
    }

    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.values.get(name).map(Vec::as_slice)
    }

    /// The placeholder names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Lower a rule and the filters that apply to it: the rule's detection
/// AND each filter's detection. All problems are reported together.
///
/// Warnings (see [`lower_rule_with_warnings`]) are dropped; callers that
/// show problems to a person use that function instead.
pub fn lower_rule(
    rule: &ast::Rule,
    filters: &[&ast::Filter],
    placeholders: &Placeholders,
) -> Result<ir::Expr, Vec<Diagnostic>> {
    lower_rule_with_warnings(rule, filters, placeholders).map(|lowered| lowered.expr)
}

/// A rule lowered, with what its reader should be told about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lowered {
    pub expr: ir::Expr,
    /// Warnings that did not stop the rule from lowering: an `|expand`
    /// placeholder the table has no value for (that value matches
    /// nothing), named with the rule or filter and the field.
    pub warnings: Vec<Diagnostic>,
}

/// [`lower_rule`], keeping the warnings. On failure the diagnostics are
/// the errors and the warnings together.
pub fn lower_rule_with_warnings(
    rule: &ast::Rule,
    filters: &[&ast::Filter],
    placeholders: &Placeholders,
) -> Result<Lowered, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut warnings = Vec::new();
    let who = format!("rule '{}'", rule.meta.title.value);
    let mut parts = vec![lower_in(
        &rule.detection,
        &rule.origin.file,
        who,
        placeholders,
        &mut diagnostics,
        &mut warnings,
    )];
    for filter in filters {
        let who = format!(
            "filter '{}' applied to rule '{}'",
            filter.meta.title.value, rule.meta.title.value
        );
        parts.push(lower_in(
            &filter.detection,
            &filter.origin.file,
            who,
            placeholders,
            &mut diagnostics,
            &mut warnings,
        ));
    }
    if !diagnostics.is_empty() {
        warnings.append(&mut diagnostics);
        return Err(warnings);
    }
    Ok(Lowered {
        expr: simplify::simplify(ir::Expr::And(parts.into_iter().flatten().collect())),
        warnings,
    })
}

/// Lower one detection (used for filters and by tests). `file` is only used
/// in diagnostics.
pub fn lower_detection(
    detection: &ast::Detection,
    file: &Path,
    placeholders: &Placeholders,
) -> Result<ir::Expr, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut warnings = Vec::new();
    let expr = lower_in(
        detection,
        file,
        "the detection".to_owned(),
        placeholders,
        &mut diagnostics,
        &mut warnings,
    );
    match expr {
        Some(e) if diagnostics.is_empty() => Ok(simplify::simplify(e)),
        _ => Err(diagnostics),
    }
}

/// Lowering state for one detection: where diagnostics go and how to name
/// the thing being lowered in messages.
pub(crate) struct Ctx<'a> {
    file: &'a Path,
    /// `rule 'Title'`, `filter 'Title' applied to rule 'Other'`, …
    who: String,
    placeholders: &'a Placeholders,
    /// Errors: the detection does not lower.
    diagnostics: Vec<Diagnostic>,
    /// Warnings: the detection lowers, and these go with it.
    warnings: Vec<Diagnostic>,
    /// Predicates produced so far (see [`MAX_PREDICATES`]).
    predicates: usize,
}

impl Ctx<'_> {
    fn error(&mut self, code: Code, span: Span, message: String) {
        self.diagnostics
            .push(Diagnostic::error(code, self.file, span, message));
    }

    /// Something the rule's reader should know that does not stop the
    /// rule from lowering (an unresolved placeholder).
    fn warning(&mut self, code: Code, span: Span, message: String) {
        self.warnings
            .push(Diagnostic::warning(code, self.file, span, message));
    }

    /// Account for `n` more predicates in the output. Past the budget, the
    /// first call reports an error at `span` and every call returns false.
    fn charge(&mut self, n: usize, span: Span) -> bool {
        let before = self.predicates;
        self.predicates = self.predicates.saturating_add(n);
        if self.predicates <= MAX_PREDICATES {
            return true;
        }
        if before <= MAX_PREDICATES {
            let message = format!(
                "{} expands to more than {MAX_PREDICATES} predicates; split it into smaller \
                 rules",
                self.who
            );
            self.error(Code::InvalidValue, span, message);
        }
        false
    }
}

/// How many predicates one detection may lower to. Expansions (windash,
/// placeholders, base64offset) and identifiers used several times in a
/// condition multiply; SigmaHQ's largest rules stay far below this, and the
/// bound keeps a hostile rule from exhausting memory.
pub const MAX_PREDICATES: usize = 100_000;

/// Lower a detection; `None` if anything failed (diagnostics appended).
fn lower_in(
    detection: &ast::Detection,
    file: &Path,
    who: String,
    placeholders: &Placeholders,
    diagnostics: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<ir::Expr> {
    let mut ctx = Ctx {
        file,
        who,
        placeholders,
        diagnostics: Vec::new(),
        warnings: Vec::new(),
        predicates: 0,
    };
    let searches = condition::Searches::new(
        detection
            .searches
            .iter()
            .map(|s| {
                let expr = lower_body(&s.body, &s.name, &mut ctx);
                condition::Resolved::new(&s.name, s.span, expr)
            })
            .collect(),
    );
    if detection.conditions.is_empty() {
        let span = detection.searches.first().map_or(Span::UNKNOWN, |s| s.span);
        let message = format!("{} has no condition", ctx.who);
        ctx.error(Code::MissingAttribute, span, message);
    }
    let conditions: Vec<Option<ir::Expr>> = detection
        .conditions
        .iter()
        .map(|c| condition::lower_condition(c, &searches, &mut ctx))
        .collect();
    let failed = !ctx.diagnostics.is_empty();
    diagnostics.append(&mut ctx.diagnostics);
    warnings.append(&mut ctx.warnings);
    if failed {
        return None;
    }
    // Several conditions (a deprecated list) mean any of them.
    conditions
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .map(ir::Expr::Or)
}

/// A search body: maps are ANDs of their matchers, lists ORs of their
/// items, keyword groups one (keyword) matcher.
fn lower_body(body: &ast::SearchBody, search: &str, ctx: &mut Ctx<'_>) -> Option<ir::Expr> {
    match body {
        ast::SearchBody::AllOf(matchers) => {
            let lowered: Vec<Option<ir::Expr>> = matchers
                .iter()
                .map(|m| matcher::lower_matcher(m, search, ctx))
                .collect();
            lowered
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(ir::Expr::And)
        }
        ast::SearchBody::AnyOf(items) => {
            let lowered: Vec<Option<ir::Expr>> = items
                .iter()
                .map(|item| lower_body(item, search, ctx))
                .collect();
            lowered
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(ir::Expr::Or)
        }
        ast::SearchBody::Keywords(m) => matcher::lower_matcher(m, search, ctx),
    }
}
