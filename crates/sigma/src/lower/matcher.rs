//! One field matcher (`Field|mods: values`, or a keyword group) to an
//! expression.
//!
//! The chain is validated first ([`super::modifiers`]); then every value is
//! lowered on its own, so that one bad value does not hide another:
//!
//! * the values of a matcher are OR'ed, or AND'ed under `|all` (one value
//!   with `|all` is simply that value); an empty list is `false`;
//! * a value that expands into alternatives (placeholders, windash,
//!   base64offset) is the OR of them — so under `|contains|all|windash`
//!   each value's variants are OR'ed and the values AND'ed;
//! * `|neq` negates the whole matcher: `F|neq: [a, b]` holds when `F` is
//!   neither `a` nor `b` (pySigma negates the detection item the same
//!   way). Like every `not` in Sigma, it also holds when `F` is absent.
//!
//! Values by YAML type, without a type modifier:
//!
//! | value  | field matcher             | keyword            |
//! |--------|---------------------------|--------------------|
//! | string | glob ([`super::values`])  | glob, contains     |
//! | number | `Num(Eq, n)`; with a string modifier (position, base64, windash, expand) its text | its text, contains |
//! | bool   | `Bool(b)`                 | its text, contains |
//! | null   | `Null` (absent or null)   | error              |
//!
//! Keywords (no field) search every value of the event; without a
//! position modifier they match anywhere in a value (`*value*`), which is
//! what full-text search does in every SIEM the rules are written for.
//! `cased` applies to strings only, so `cased` on a plain number, bool or
//! null is an error, as are string modifiers on bool and null.

use std::collections::HashSet;

use crate::ast::{FieldMatcher, Modifier, Spanned, Value};
use crate::diag::Code;
use crate::ir::{
    Expr, FieldRef, IpNetwork, NumOp, Number, Piece, Predicate, RegexMatch, StrMatch, Test,
};

use super::Ctx;
use super::encodings::{base64, base64_offsets, encode_text, windash, windash_count};
use super::modifiers::{self, Chain};
use super::pattern;
use super::values::{
    ExpandError, MAX_VARIANTS, add_position, expand_placeholders, number_text, parse_glob,
    parse_number, plain_text,
};

/// Where a value sits, for messages.
struct Site<'a> {
    field: Option<&'a str>,
    text: String,
}

/// Lower a field matcher of search `search`. `None` after reporting errors.
pub(crate) fn lower_matcher(m: &FieldMatcher, search: &str, ctx: &mut Ctx<'_>) -> Option<Expr> {
    let key = match &m.field {
        Some(f) => {
            let mut key = f.clone();
            for modifier in &m.modifiers {
                key.push('|');
                key.push_str(modifier.value.as_str());
            }
            format!("field '{key}'")
        }
        None => "keywords".to_owned(),
    };
    let site = Site {
        field: m.field.as_deref(),
        text: format!("search '{search}', {key}, {}", ctx.who),
    };

    let chain = match modifiers::validate(&m.modifiers, m.field.is_none()) {
        Ok(chain) => chain,
        Err(errors) => {
            for e in errors {
                ctx.error(
                    Code::InvalidModifierChain,
                    e.span,
                    format!("{} ({})", e.message, site.text),
                );
            }
            return None;
        }
    };

    if chain.ty.as_ref().map(|t| t.value) == Some(Modifier::Exists) && m.values.len() != 1 {
        ctx.error(
            Code::InvalidModifierChain,
            m.span,
            format!(
                "`exists` takes exactly one value, true or false, found {} ({})",
                m.values.len(),
                site.text
            ),
        );
        return None;
    }

    let mut operands = Vec::with_capacity(m.values.len());
    let mut failed = false;
    for value in &m.values {
        match lower_value(value, &chain, &site, ctx) {
            Some(e) => operands.push(e),
            None => failed = true,
        }
    }
    if failed {
        return None;
    }
    let combined = if chain.all {
        Expr::And(operands)
    } else {
        Expr::Or(operands)
    };
    Some(if chain.neq {
        Expr::Not(Box::new(combined))
    } else {
        combined
    })
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::Str(_) => "a string",
    }
}

fn lower_value(
    value: &Spanned<Value>,
    chain: &Chain,
    site: &Site<'_>,
    ctx: &mut Ctx<'_>,
) -> Option<Expr> {
    let pred = |test: Test| {
        Expr::Pred(Predicate {
            field: site.field.map(str::to_owned),
            test,
            span: value.span,
        })
    };
    let fail = |ctx: &mut Ctx<'_>, code: Code, message: String| {
        ctx.error(code, value.span, format!("{message} ({})", site.text));
        None
    };
    let Some(ty) = &chain.ty else {
        return lower_plain(value, chain, site, ctx);
    };
    if !ctx.charge(1, value.span) {
        return None;
    }
    let modifier = ty.value.as_str();
    match (ty.value, &value.value) {
        (Modifier::Re, Value::Str(p)) => {
            let re = RegexMatch {
                pattern: p.clone(),
                case_insensitive: chain.re_i,
                multi_line: chain.re_m,
                dot_matches_new_line: chain.re_s,
            };
            match pattern::validate(&re) {
                Ok(()) => Some(pred(Test::Regex(RegexMatch {
                    pattern: pattern::ascii_perl_classes(&re.pattern),
                    ..re
                }))),
                Err((code, message)) => fail(ctx, code, message),
            }
        }
        (Modifier::Cidr, Value::Str(s)) => match IpNetwork::parse(s) {
            Some(net) => Some(pred(Test::Cidr(net))),
            None => fail(
                ctx,
                Code::InvalidCidr,
                format!("'{s}' is not an IPv4 or IPv6 network in CIDR notation"),
            ),
        },
        (Modifier::Exists, Value::Bool(b)) => Some(pred(Test::Exists(*b))),
        (Modifier::FieldRef, Value::Str(s)) => match plain_text(&parse_glob(s)) {
            Some(other) if !other.is_empty() => Some(pred(Test::FieldRef(FieldRef {
                other_field: other,
                shape: chain.fieldref_shape(),
                cased: chain.cased.is_some(),
            }))),
            Some(_) => fail(
                ctx,
                Code::InvalidModifierChain,
                "`fieldref` needs the name of another field, found an empty string".to_owned(),
            ),
            None => fail(
                ctx,
                Code::InvalidModifierChain,
                format!("`fieldref` needs a field name without wildcards, found '{s}'"),
            ),
        },
        (Modifier::Gt | Modifier::Gte | Modifier::Lt | Modifier::Lte, v) => {
            let op = chain.compare_op().unwrap_or(NumOp::Eq);
            let n = match v {
                Value::Int(i) => Some(Number::Int(*i)),
                Value::Float(f) if f.is_finite() => Some(Number::Float(*f)),
                Value::Str(s) => parse_number(s),
                _ => None,
            };
            match n {
                Some(n) => Some(pred(Test::Num(op, n))),
                None => fail(
                    ctx,
                    Code::InvalidModifierChain,
                    format!("`{modifier}` needs a number, found {}", describe(v)),
                ),
            }
        }
        (_, v) => {
            let needs = match ty.value {
                Modifier::Exists => "`true` or `false`",
                _ => "a string",
            };
            fail(
                ctx,
                Code::InvalidModifierChain,
                format!("`{modifier}` needs {needs}, found {}", describe(v)),
            )
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Str(s) => format!("'{s}'"),
        Value::Int(i) => format!("the number {i}"),
        Value::Float(f) => format!("the number {f}"),
        other => type_name(other).to_owned(),
    }
}

/// A value without a type modifier.
fn lower_plain(
    value: &Spanned<Value>,
    chain: &Chain,
    site: &Site<'_>,
    ctx: &mut Ctx<'_>,
) -> Option<Expr> {
    let keyword = site.field.is_none();
    let pred = |test: Test| {
        Expr::Pred(Predicate {
            field: site.field.map(str::to_owned),
            test,
            span: value.span,
        })
    };
    let string_modifier = string_modifier_name(chain);
    let fail = |ctx: &mut Ctx<'_>, code: Code, message: String| {
        ctx.error(code, value.span, format!("{message} ({})", site.text));
        None
    };
    match &value.value {
        Value::Str(s) => lower_string(s, false, value, chain, site, ctx),
        Value::Int(_) | Value::Float(_) if keyword || string_modifier.is_some() => {
            let n = number(&value.value);
            lower_string(&number_text(n), true, value, chain, site, ctx)
        }
        Value::Bool(b) if keyword => lower_string(&b.to_string(), true, value, chain, site, ctx),
        Value::Null if keyword => fail(
            ctx,
            Code::WrongType,
            "`null` cannot be a keyword; use `Field: null` to test a field".to_owned(),
        ),
        Value::Null | Value::Bool(_) if string_modifier.is_some() => fail(
            ctx,
            Code::InvalidModifierChain,
            format!(
                "`{}` applies to strings, found {}",
                string_modifier.unwrap_or_default(),
                type_name(&value.value)
            ),
        ),
        v if chain.cased.is_some() => fail(
            ctx,
            Code::InvalidModifierChain,
            format!("`cased` applies to strings, found {}", type_name(v)),
        ),
        Value::Int(_) | Value::Float(_) => ctx
            .charge(1, value.span)
            .then(|| pred(Test::Num(NumOp::Eq, number(&value.value)))),
        Value::Bool(b) => ctx.charge(1, value.span).then(|| pred(Test::Bool(*b))),
        Value::Null => ctx.charge(1, value.span).then(|| pred(Test::Null)),
    }
}

fn number(value: &Value) -> Number {
    match value {
        Value::Int(i) => Number::Int(*i),
        Value::Float(f) => Number::Float(*f),
        _ => Number::Int(0),
    }
}

/// The first modifier that makes a value a string, if any.
fn string_modifier_name(chain: &Chain) -> Option<&'static str> {
    if let Some(p) = &chain.position {
        return Some(p.value.as_str());
    }
    if let Some(b) = &chain.base64 {
        return Some(if b.value { "base64offset" } else { "base64" });
    }
    if chain.windash {
        return Some("windash");
    }
    chain.expand.then_some("expand")
}

/// The string pipeline: glob → placeholders → windash → encodings →
/// position → `StrMatch`, one predicate per distinct variant.
fn lower_string(
    raw: &str,
    literal: bool,
    value: &Spanned<Value>,
    chain: &Chain,
    site: &Site<'_>,
    ctx: &mut Ctx<'_>,
) -> Option<Expr> {
    let fail = |ctx: &mut Ctx<'_>, code: Code, span, message: String| {
        ctx.error(code, span, format!("{message} ({})", site.text));
        None
    };
    let pieces = if literal {
        vec![Piece::Lit(raw.to_owned())]
    } else {
        parse_glob(raw)
    };

    let mut variants = if chain.expand {
        match expand_placeholders(&pieces, ctx.placeholders) {
            Ok(expanded) if expanded.unresolved.is_empty() => expanded.variants,
            Ok(expanded) => {
                // Matching nothing is the one reading that keeps the rest of
                // the rule sound whichever way the value is used: a selection
                // on it selects nothing, a filter on it filters nothing.
                let names: Vec<String> = expanded
                    .unresolved
                    .iter()
                    .map(|n| format!("%{n}%"))
                    .collect();
                let message = format!(
                    "placeholder {} in '{raw}' has no value, so this value matches nothing \
                     (a filter built on it filters nothing); supply it in the placeholder \
                     table ({})",
                    names.join(", "),
                    site.text
                );
                ctx.warning(Code::UnresolvedPlaceholder, value.span, message);
                return Some(Expr::Const(false));
            }
            Err(ExpandError::TooMany) => {
                return fail(
                    ctx,
                    Code::InvalidValue,
                    value.span,
                    format!("'{raw}' expands to more than {MAX_VARIANTS} alternatives"),
                );
            }
        }
    } else {
        vec![pieces]
    };

    if chain.windash {
        let total = variants
            .iter()
            .map(|v| windash_count(v))
            .fold(0usize, usize::saturating_add);
        if total > MAX_VARIANTS {
            return fail(
                ctx,
                Code::InvalidValue,
                value.span,
                format!(
                    "`windash` would expand '{raw}' into more than {MAX_VARIANTS} alternatives"
                ),
            );
        }
        variants = variants.iter().flat_map(|v| windash(v)).collect();
    }

    if let Some(b64) = &chain.base64 {
        let mut encoded = Vec::with_capacity(variants.len() * 3);
        for v in &variants {
            let Some(text) = plain_text(v) else {
                return fail(
                    ctx,
                    Code::InvalidModifierChain,
                    b64.span,
                    format!(
                        "`base64` cannot encode the wildcards in '{raw}'; escape a literal `*` \
                         or `?` with `\\`"
                    ),
                );
            };
            let bytes = encode_text(&text, chain.encoding);
            if b64.value {
                encoded.extend(base64_offsets(&bytes));
            } else {
                encoded.push(base64(&bytes));
            }
        }
        if encoded.is_empty() {
            return fail(
                ctx,
                Code::InvalidValue,
                value.span,
                format!("'{raw}' is too short for `base64offset`: every shifted encoding is empty"),
            );
        }
        variants = encoded.into_iter().map(|s| vec![Piece::Lit(s)]).collect();
    }

    let position = match &chain.position {
        Some(p) => Some(p.value),
        None if site.field.is_none() => Some(Modifier::Contains),
        None => None,
    };
    if !ctx.charge(variants.len(), value.span) {
        return None;
    }
    let cased = chain.cased.is_some();
    let mut seen = HashSet::new();
    let mut preds = Vec::new();
    for v in variants {
        let m = StrMatch::new(add_position(v, position), cased);
        if seen.insert(m.clone()) {
            preds.push(Expr::Pred(Predicate {
                field: site.field.map(str::to_owned),
                test: Test::Str(m),
                span: value.span,
            }));
        }
    }
    Some(if preds.len() == 1 {
        preds.pop().expect("one predicate")
    } else {
        Expr::Or(preds)
    })
}
