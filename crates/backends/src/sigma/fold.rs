//! Filters (`--filters`) folded into the rule they tune, so the exported
//! rule is self-contained and means what tunnelhunt ran.
//!
//! The Sigma filter specification ANDs each filter's condition onto the
//! rule's. Folded, filter *n*'s searches are copied into the rule's
//! detection under new names (`filter_<n>_<identifier>`, the prefix made
//! longer in the unlikely case a rule identifier already starts with it),
//! and the condition becomes
//! `(<rule condition>) and (<filter 1 condition>) and …`.
//!
//! Quantifiers need care, because new identifiers appear beside the rule's:
//!
//! * in a filter's condition, `1 of them` / `all of P` range over that
//!   filter's searches only, so they are written out as the explicit
//!   `(a or b)` / `(a and b)` over the renamed identifiers (with Sigma's
//!   rule that `them` and patterns not starting with `_` skip identifiers
//!   that do);
//! * in the rule's condition, a `them` or a pattern that would also match a
//!   renamed filter identifier is written out the same way over the rule's
//!   own searches; a condition without such a quantifier keeps its text.
//!
//! The filters' titles and ids are listed in a comment at the top of the
//! document (a comment, not the description: the description stays the
//! author's, and loading the rule back gives the rule's own metadata).

use tunnelhunt_sigma::ast::{Condition, ConditionExpr, Detection, Filter, Quantified, SearchBody};

/// The detection after folding: searches (rule's first) and conditions.
pub(crate) struct Folded<'a> {
    pub searches: Vec<(String, &'a SearchBody)>,
    pub conditions: Vec<String>,
}

/// Fold `filters` into `detection`. Without filters, the detection as
/// written (conditions with normalized whitespace).
pub fn fold<'a>(detection: &'a Detection, filters: &[&'a Filter]) -> Folded<'a> {
    let mut searches: Vec<(String, &SearchBody)> = detection
        .searches
        .iter()
        .map(|s| (s.name.clone(), &s.body))
        .collect();
    if filters.is_empty() {
        return Folded {
            searches,
            conditions: detection
                .conditions
                .iter()
                .map(|c| normalize(&c.source))
                .collect(),
        };
    }
    let rule_names: Vec<&str> = detection.searches.iter().map(|s| s.name.as_str()).collect();
    let mut filter_conditions = Vec::new();
    let mut new_names: Vec<String> = Vec::new();
    for (i, filter) in filters.iter().enumerate() {
        let prefix = unique_prefix(i + 1, &rule_names);
        let own: Vec<&str> = filter
            .detection
            .searches
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        for search in &filter.detection.searches {
            let renamed = format!("{prefix}{}", search.name);
            new_names.push(renamed.clone());
            searches.push((renamed, &search.body));
        }
        let rename = |name: &str| format!("{prefix}{name}");
        let text = any_of(&filter.detection.conditions, &mut |c| {
            render(&c.expr, &own, &rename, &|_| true)
        });
        filter_conditions.push(text);
    }
    let rule_condition = any_of(&detection.conditions, &mut |c| {
        let captures = |q: &Quantified| new_names.iter().any(|n| selects(q, n));
        if mentions(&c.expr, &captures) {
            render(&c.expr, &rule_names, &|n: &str| n.to_owned(), &captures)
        } else {
            normalize(&c.source)
        }
    });
    let mut parts = vec![rule_condition];
    parts.extend(filter_conditions);
    let condition = parts
        .iter()
        .map(|p| format!("({p})"))
        .collect::<Vec<_>>()
        .join(" and ");
    Folded {
        searches,
        conditions: vec![condition],
    }
}

/// `filter_<n>_`, lengthened until no rule identifier starts with it.
fn unique_prefix(n: usize, rule_names: &[&str]) -> String {
    let mut stem = format!("filter_{n}");
    loop {
        let prefix = format!("{stem}_");
        if !rule_names.iter().any(|name| name.starts_with(&prefix)) {
            return prefix;
        }
        stem.push('x');
    }
}

/// One condition string for a (deprecated) list of conditions: their `or`.
fn any_of(conditions: &[Condition], each: &mut dyn FnMut(&Condition) -> String) -> String {
    match conditions {
        [one] => each(one),
        many => many
            .iter()
            .map(|c| format!("({})", each(c)))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// Whitespace runs (including line breaks) become one space.
pub(crate) fn normalize(condition: &str) -> String {
    condition.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn mentions(expr: &ConditionExpr, quantifier: &dyn Fn(&Quantified) -> bool) -> bool {
    match expr {
        ConditionExpr::And(items) | ConditionExpr::Or(items) => {
            items.iter().any(|e| mentions(e, quantifier))
        }
        ConditionExpr::Not(inner) => mentions(inner, quantifier),
        ConditionExpr::Identifier(_) => false,
        ConditionExpr::OneOf(q) | ConditionExpr::AllOf(q) => quantifier(&q.value),
    }
}

/// Whether a quantifier takes the identifier `name` (lowering's rules).
fn selects(quantified: &Quantified, name: &str) -> bool {
    match quantified {
        Quantified::Them => !name.starts_with('_'),
        Quantified::Pattern(p) => (p.starts_with('_') || !name.starts_with('_')) && glob(p, name),
    }
}

/// Whole-string match of an identifier pattern (only `*` is special).
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

/// A condition tree as text, every group parenthesized. Identifiers go
/// through `rename`; quantifiers for which `expand` holds are written out
/// over `names` (renamed), the others kept.
fn render(
    expr: &ConditionExpr,
    names: &[&str],
    rename: &dyn Fn(&str) -> String,
    expand: &dyn Fn(&Quantified) -> bool,
) -> String {
    let operand = |e: &ConditionExpr| {
        let text = render(e, names, rename, expand);
        if matches!(e, ConditionExpr::And(_) | ConditionExpr::Or(_)) {
            format!("({text})")
        } else {
            text
        }
    };
    match expr {
        ConditionExpr::And(items) => items.iter().map(operand).collect::<Vec<_>>().join(" and "),
        ConditionExpr::Or(items) => items.iter().map(operand).collect::<Vec<_>>().join(" or "),
        // A quantifier renders as a primary (`1 of x`, one identifier, or a
        // parenthesized group), which `not` takes without more parentheses.
        ConditionExpr::Not(inner) => match inner.as_ref() {
            ConditionExpr::Identifier(_) | ConditionExpr::OneOf(_) | ConditionExpr::AllOf(_) => {
                format!("not {}", render(inner, names, rename, expand))
            }
            other => format!("not ({})", render(other, names, rename, expand)),
        },
        ConditionExpr::Identifier(name) => rename(&name.value),
        ConditionExpr::OneOf(q) | ConditionExpr::AllOf(q) => {
            let all = matches!(expr, ConditionExpr::AllOf(_));
            if !expand(&q.value) {
                let quantifier = if all { "all of" } else { "1 of" };
                return match &q.value {
                    Quantified::Them => format!("{quantifier} them"),
                    Quantified::Pattern(p) => format!("{quantifier} {p}"),
                };
            }
            let chosen: Vec<String> = names
                .iter()
                .filter(|n| selects(&q.value, n))
                .map(|n| rename(n))
                .collect();
            match chosen.as_slice() {
                [one] => one.clone(),
                many => format!("({})", many.join(if all { " and " } else { " or " })),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_patterns_match_whole_names() {
        assert!(glob("filter_*", "filter_1_x"));
        assert!(glob("*", "anything"));
        assert!(glob("sel*_cli", "sel_a_cli"));
        assert!(!glob("sel", "selection"));
        assert!(selects(&Quantified::Pattern("_*".into()), "_x"));
        assert!(!selects(&Quantified::Them, "_x"));
        assert!(!selects(&Quantified::Pattern("*".into()), "_x"));
    }

    #[test]
    fn prefixes_avoid_rule_identifiers() {
        assert_eq!(unique_prefix(1, &["selection"]), "filter_1_");
        assert_eq!(unique_prefix(1, &["filter_1_a"]), "filter_1x_");
    }

    #[test]
    fn conditions_are_normalized() {
        assert_eq!(normalize("  a and\n   not b "), "a and not b");
    }
}
