//! Shared helpers for the lowering tests: build ASTs by hand (independent of
//! the YAML loader) and render lowered expressions compactly so that
//! expectations read like the rules they test.

use std::path::{Path, PathBuf};

use tunnelhunt_sigma::ast::{
    Condition, Detection, FieldMatcher, Metadata, Modifier, Origin, Rule, Search, SearchBody,
    Spanned, Value,
};
use tunnelhunt_sigma::condition::parse_condition;
use tunnelhunt_sigma::ir::{Expr, FieldRefShape, NumOp, Test};
use tunnelhunt_sigma::lower::{Placeholders, lower_detection};
use tunnelhunt_sigma::{Code, Diagnostic, Span};

pub fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

pub fn int(i: i64) -> Value {
    Value::Int(i)
}

/// The span a test value `index` gets: line 20 + index, column 9.
pub fn value_span(index: usize) -> Span {
    Span::new(20 + index as u32, 9)
}

/// The span modifier `index` of a key gets: line 10, column 10 + index.
pub fn modifier_span(index: usize) -> Span {
    Span::new(10, 10 + index as u32)
}

/// `key` is written as in a rule: `Field|mod1|mod2`, or `|all` for keywords.
pub fn matcher(key: &str, values: Vec<Value>) -> FieldMatcher {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default();
    let modifiers = parts
        .enumerate()
        .map(|(i, m)| {
            Spanned::new(
                Modifier::parse(m).unwrap_or_else(|| panic!("unknown modifier {m}")),
                modifier_span(i),
            )
        })
        .collect();
    FieldMatcher {
        field: (!field.is_empty()).then(|| field.to_owned()),
        span: Span::new(10, 9),
        modifiers,
        values: values
            .into_iter()
            .enumerate()
            .map(|(i, v)| Spanned::new(v, value_span(i)))
            .collect(),
    }
}

pub fn map(matchers: Vec<FieldMatcher>) -> SearchBody {
    SearchBody::AllOf(matchers)
}

pub fn keywords(key: &str, values: Vec<Value>) -> SearchBody {
    SearchBody::Keywords(matcher(key, values))
}

/// A detection whose condition text starts at line 30, column 16.
pub fn detection(searches: Vec<(&str, SearchBody)>, conditions: &[&str]) -> Detection {
    Detection {
        searches: searches
            .into_iter()
            .enumerate()
            .map(|(i, (name, body))| Search {
                name: name.to_owned(),
                span: Span::new(5 + i as u32, 5),
                body,
            })
            .collect(),
        conditions: conditions
            .iter()
            .map(|c| Condition {
                source: (*c).to_owned(),
                span: Span::new(30, 16),
                expr: parse_condition(c).unwrap_or_else(|e| panic!("{c}: {e}")),
            })
            .collect(),
        timeframe: None,
    }
}

pub fn rule(title: &str, detection: Detection) -> Rule {
    Rule {
        meta: Metadata {
            title: Spanned::new(title.to_owned(), Span::new(1, 8)),
            ..Metadata::default()
        },
        logsource: Default::default(),
        detection,
        origin: Origin {
            file: PathBuf::from("test.yml"),
            document: 0,
            span: Span::new(1, 1),
        },
    }
}

pub fn lower_with(det: &Detection, placeholders: &Placeholders) -> Result<Expr, Vec<Diagnostic>> {
    lower_detection(det, Path::new("test.yml"), placeholders)
}

/// Lower `selection: {key: values}` with condition `selection` and render it.
pub fn one(key: &str, values: Vec<Value>) -> String {
    let det = detection(
        vec![("selection", map(vec![matcher(key, values)]))],
        &["selection"],
    );
    match lower_with(&det, &Placeholders::new()) {
        Ok(e) => render(&e),
        Err(d) => panic!("{key}: unexpected diagnostics: {d:#?}"),
    }
}

/// Lower `selection: {key: values}` and return its diagnostics (panics if it lowers).
pub fn errors(key: &str, values: Vec<Value>) -> Vec<Diagnostic> {
    let det = detection(
        vec![("selection", map(vec![matcher(key, values)]))],
        &["selection"],
    );
    match lower_with(&det, &Placeholders::new()) {
        Ok(e) => panic!("{key}: expected an error, lowered to {}", render(&e)),
        Err(d) => d,
    }
}

/// The codes of the diagnostics, in order.
pub fn codes(diags: &[Diagnostic]) -> Vec<Code> {
    diags.iter().map(|d| d.code).collect()
}

/// Compact rendering: `F:"glob"` (case-insensitive), `F:c"glob"` (cased),
/// `*:` for keywords, `F~/re/ims`, `F in net`, `F>=n`, `(a & b)`, `(a | b)`, `!x`.
pub fn render(expr: &Expr) -> String {
    match expr {
        Expr::And(xs) => format!(
            "({})",
            xs.iter().map(render).collect::<Vec<_>>().join(" & ")
        ),
        Expr::Or(xs) => format!(
            "({})",
            xs.iter().map(render).collect::<Vec<_>>().join(" | ")
        ),
        Expr::Not(x) => format!("!{}", render(x)),
        Expr::Const(b) => b.to_string(),
        Expr::Pred(p) => {
            let field = p.field.as_deref().unwrap_or("*");
            match &p.test {
                Test::Str(m) => format!("{field}:{}\"{m}\"", if m.cased { "c" } else { "" }),
                Test::Regex(r) => format!(
                    "{field}~/{}/{}{}{}",
                    r.pattern,
                    if r.case_insensitive { "i" } else { "" },
                    if r.multi_line { "m" } else { "" },
                    if r.dot_matches_new_line { "s" } else { "" }
                ),
                Test::Cidr(n) => format!("{field} in {n}"),
                Test::Num(op, n) => {
                    let op = match op {
                        NumOp::Eq => "==",
                        NumOp::Gt => ">",
                        NumOp::Gte => ">=",
                        NumOp::Lt => "<",
                        NumOp::Lte => "<=",
                    };
                    format!("{field}{op}{n}")
                }
                Test::Bool(b) => format!("{field}=={b}"),
                Test::Null => format!("{field}==null"),
                Test::Exists(b) => format!("exists({field})=={b}"),
                Test::FieldRef(r) => {
                    let shape = match r.shape {
                        FieldRefShape::Equals => "equals",
                        FieldRefShape::Contains => "contains",
                        FieldRefShape::StartsWith => "startswith",
                        FieldRefShape::EndsWith => "endswith",
                    };
                    format!(
                        "{field} {shape}{} ref({})",
                        if r.cased { " cased" } else { "" },
                        r.other_field
                    )
                }
            }
        }
    }
}
