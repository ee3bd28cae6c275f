//! Hostile titles and field names cannot break out of a correlation query
//! in YARA-L, LogScale, Sumo Logic (log search) or QRadar AQL: with the
//! correlation's title, the base rules' titles (which become their labels
//! once their ids are gone) and the group-by alias replaced by text full of
//! line breaks, quotes, comment markers and invisible marks, the query has
//! exactly the lines of the plain rendering, no line holds a line-breaking
//! character, and every line outside comments and meta strings is the
//! plain rendering's line — except LogScale's rule labels, which must stay
//! one string literal.

use proptest::prelude::*;

use crate::correlation_inputs::CorrelationSet;

use tunnelhunt_backends::{Backend, Flavor, Target, backend};
use tunnelhunt_sigma::ast::FieldAlias;

/// Text with every kind of line break, quote and comment marker mixed in.
fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                '\n', '\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{feff}', '\t', '\0', '`', '\'',
                '"', '\\', '/', '*', '|', '$', '#', '{', '}',
            ]),
        ],
        1..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn breaks_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// The fixture with every base rule's id removed (so titles are labels),
/// the titles set, and `name`'s group-by replaced by one alias for
/// `field` in every rule it refers to.
fn variant(name: &str, field: &str, titles: &str, alias: &str) -> CorrelationSet {
    let mut set = CorrelationSet::fixture();
    for (index, lowered) in set.rules.iter_mut().enumerate() {
        lowered.rule.meta.id = None;
        lowered.rule.meta.title.value = format!("{titles} {index}");
    }
    let correlation = set.correlation_mut(name);
    correlation.meta.title.value = titles.to_owned();
    let references: Vec<String> = correlation.rules.iter().map(|r| r.value.clone()).collect();
    correlation.group_by = vec![alias.to_owned()];
    correlation.aliases = vec![FieldAlias {
        alias: alias.to_owned(),
        mapping: references
            .into_iter()
            .map(|reference| (reference, field.to_owned()))
            .collect(),
    }];
    set
}

/// Whether `text` is one double-quoted literal with backslash escapes.
fn one_string_literal(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return false;
    };
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return false,
            '"' => return false,
            _ => {}
        }
    }
    true
}

/// Whether a line only carries facts: a comment, or a YARA-L meta entry
/// or rule name.
fn fact_line(target: Target, line: &str) -> bool {
    let trimmed = line.trim_start();
    match target {
        Target::YaraL => {
            trimmed.starts_with("rule ")
                || (trimmed.contains(" = \"")
                    && !trimmed.starts_with('$')
                    && !trimmed.starts_with('('))
        }
        Target::Aql => trimmed.starts_with("/* "),
        _ => trimmed.starts_with("// "),
    }
}

fn check(
    target: Target,
    flavor: Flavor,
    name: &str,
    field: &str,
    titles: &str,
    alias: &str,
) -> Result<(), TestCaseError> {
    let backend: &dyn Backend = backend(target);
    let render = |set: &CorrelationSet| {
        set.with_input(name, true, |input| {
            backend.render_correlation(input, flavor)
        })
        .unwrap_or_else(|refusal| panic!("{target:?} {name}: {refusal}"))
    };
    let plain = render(&variant(name, field, "Plain title", "group"));
    let hostile = render(&variant(name, field, titles, alias));
    let (plain, hostile): (Vec<&str>, Vec<&str>) =
        (plain.lines().collect(), hostile.lines().collect());
    prop_assert_eq!(
        plain.len(),
        hostile.len(),
        "{:?}:\n{}",
        target,
        hostile.join("\n")
    );
    for (expected, line) in plain.iter().zip(&hostile) {
        prop_assert!(!line.chars().any(breaks_line), "{:?}: {:?}", target, line);
        if fact_line(target, expected) {
            prop_assert!(
                fact_line(target, line),
                "{:?}: {:?} is no longer a fact line",
                target,
                line
            );
        } else if let Some(label) = expected.trim_start().strip_prefix("| _rule := ") {
            let label_line = line.trim_start().strip_prefix("| _rule := ");
            prop_assert!(label_line.is_some(), "{:?}: {:?}", target, line);
            let literal = label_line.unwrap_or_default();
            let literal = literal.strip_suffix(" ;").unwrap_or(literal);
            prop_assert!(one_string_literal(literal), "{:?}: {:?}", target, line);
            prop_assert_eq!(label.ends_with(" ;"), line.ends_with(" ;"));
        } else {
            prop_assert_eq!(expected, line, "{:?}", target);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn yaral_correlations_keep_their_lines(titles in hostile_text(), alias in hostile_text()) {
        check(Target::YaraL, Flavor::DEFAULT, "tunnel_activity_per_user", "User", &titles, &alias)?;
        check(Target::YaraL, Flavor::DEFAULT, "forward_followed_by_connection", "Image", &titles, &alias)?;
    }

    #[test]
    fn cql_correlations_keep_their_lines(titles in hostile_text(), alias in hostile_text()) {
        check(Target::Cql, Flavor::DEFAULT, "remote_and_dynamic_forward", "Image", &titles, &alias)?;
    }

    #[test]
    fn sumo_search_correlations_keep_their_lines(titles in hostile_text(), alias in hostile_text()) {
        let search = backend(Target::Sumo).flavor("search").expect("search flavor");
        check(Target::Sumo, search, "tunnel_activity_per_user", "User", &titles, &alias)?;
    }

    #[test]
    fn aql_correlations_keep_their_lines(titles in hostile_text(), alias in hostile_text()) {
        check(Target::Aql, Flavor::DEFAULT, "tunnel_activity_per_user", "User", &titles, &alias)?;
    }
}
