//! Injection safety of the LogScale backend: any string a rule holds comes
//! back exactly from the query text.
//!
//! A rule with one value (any Unicode string: quotes, backslashes,
//! newlines, `/`, `*`, `?`, control characters, non-ASCII dashes) is written
//! as Sigma YAML, loaded, lowered and rendered. The query must tokenize
//! (see `cql_support`), and its one literal must mean the value:
//!
//! * a quoted string (used for `|cased` values without `*`) must read back
//!   as the value itself, and
//! * a regex literal must be, for `regex-syntax`, the same expression as
//!   `^<value escaped>$` with the same case rule — i.e. it matches that one
//!   string (up to case when case-insensitive) and nothing else.

use crate::common;
use crate::cql_support;

use proptest::prelude::*;
use regex_syntax::ParserBuilder;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::cql::{Cql, QuotedString};
use tunnelhunt_backends::refusal::Construct;
use tunnelhunt_backends::sigma::yaml::{Style, string};
use tunnelhunt_backends::{Backend, Refusal};

use cql_support::Literal;

/// The Sigma spelling of a literal value: `\`, `*`, `?` escaped.
fn sigma_escape(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        if matches!(c, '\\' | '*' | '?') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Where in the field the value must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

impl Shape {
    const ALL: [Shape; 4] = [
        Shape::Equals,
        Shape::Contains,
        Shape::StartsWith,
        Shape::EndsWith,
    ];

    fn modifier(self) -> &'static str {
        match self {
            Shape::Equals => "",
            Shape::Contains => "|contains",
            Shape::StartsWith => "|startswith",
            Shape::EndsWith => "|endswith",
        }
    }

    /// The LogScale glob (`*` wildcards) this shape gives `value`.
    fn glob(self, value: &str) -> String {
        let (lead, trail) = self.stars();
        if value.is_empty() && (lead || trail) {
            return "*".to_owned();
        }
        format!(
            "{}{value}{}",
            if lead { "*" } else { "" },
            if trail { "*" } else { "" }
        )
    }

    /// The unanchored-search regex (`regex-syntax` syntax) of `value`.
    fn regex(self, value: &str) -> String {
        let (lead, trail) = self.stars();
        format!(
            "{}{}{}",
            if lead { "" } else { "^" },
            regex_syntax::escape(value),
            if trail { "" } else { "$" }
        )
    }

    fn stars(self) -> (bool, bool) {
        match self {
            Shape::Equals => (false, false),
            Shape::Contains => (true, true),
            Shape::StartsWith => (false, true),
            Shape::EndsWith => (true, false),
        }
    }
}

/// Render `CommandLine[|shape][|cased]: <value>` for Windows process
/// creation.
fn render(value: &str, cased: bool, shape: Shape) -> Result<String, Refusal> {
    let key = format!(
        "CommandLine{}{}",
        shape.modifier(),
        if cased { "|cased" } else { "" }
    );
    let yaml = format!(
        "title: literal\nlogsource:\n    category: process_creation\n    product: windows\n\
         detection:\n    sel:\n        {key}: {}\n    condition: sel\n",
        string(&sigma_escape(value), Style::Quoted)
    );
    let rules = common::load(&[("literal.yml".into(), yaml)]);
    rules[0].with_input(|input| Cql.render(input, Flavor::DEFAULT))
}

fn hir(pattern: &str, case_insensitive: bool) -> Result<regex_syntax::hir::Hir, String> {
    ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .build()
        .parse(pattern)
        .map_err(|e| format!("{pattern:?}: {e}"))
}

/// Check the query's only literal against the value.
fn check(value: &str, cased: bool, shape: Shape, query: &str) -> Result<(), String> {
    let literals = cql_support::literals(query)?;
    let [literal] = literals.as_slice() else {
        return Err(format!("expected one literal, found {literals:?}"));
    };
    match literal {
        Literal::Str(text) => {
            let expected = shape.glob(value);
            if *text != expected {
                return Err(format!("string literal reads {text:?}, not {expected:?}"));
            }
            if value.contains('*') {
                return Err("a literal `*` in a LogScale glob is a wildcard".into());
            }
            if !(cased
                || text
                    .chars()
                    .all(|c| c.is_ascii() && !c.is_ascii_alphabetic()))
            {
                return Err(
                    "a case-insensitive value with letters became a case-sensitive string".into(),
                );
            }
        }
        Literal::Regex { pattern, flags } => {
            let insensitive = flags.contains('i');
            if cased && insensitive {
                return Err("a |cased value became case-insensitive".into());
            }
            let expected = hir(&shape.regex(value), !cased)?;
            let actual = hir(pattern, insensitive)?;
            if actual != expected {
                return Err(format!(
                    "regex {pattern:?}/{flags} is not {:?}",
                    shape.regex(value)
                ));
            }
        }
    }
    Ok(())
}

fn check_all(value: &str, cased: bool) -> Result<(), String> {
    for shape in Shape::ALL {
        match render(value, cased, shape) {
            Ok(query) => check(value, cased, shape, &query)
                .map_err(|e| format!("{shape:?}: {e}\n{query}"))?,
            Err(refusal) if refusal_is_expected(value, &refusal) => {}
            Err(refusal) => return Err(format!("{shape:?}: refused: {refusal}")),
        }
    }
    Ok(())
}

/// LogScale regexes have no escape beyond the Basic Multilingual Plane,
/// so the regex translation may refuse such characters; nothing else may
/// be refused for a plain value.
fn refusal_is_expected(value: &str, refusal: &Refusal) -> bool {
    matches!(
        refusal.construct,
        Construct::Regex | Construct::Wildcard | Construct::Value
    ) && value.chars().any(|c| u32::from(c) > 0xFFFF)
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\\t\\n\\r–—―ü]{0,20}",
        "[a-z\"'\\\\/*?|%_`$(){}]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cased_values_read_back_exactly(value in value()) {
        let checked = check_all(&value, true);
        prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
    }

    #[test]
    fn case_insensitive_values_read_back_exactly(value in value()) {
        let checked = check_all(&value, false);
        prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
    }

    #[test]
    fn titles_and_branches_cannot_escape_their_comment_or_label(
        title in any::<String>().prop_filter("a title is not blank", |t| !t.trim().is_empty() && t.chars().count() <= 256),
        branch in any::<String>(),
    ) {
        let yaml = format!(
            "title: {}\nlogsource:\n    category: process_creation\n    product: windows\n\
             detection:\n    sel:\n        CommandLine|cased|contains: 'x'\n    condition: sel\nbranch: {}\n",
            string(&title, Style::Quoted),
            string(&branch, Style::Quoted)
        );
        let rules = common::load(&[("meta.yml".into(), yaml)]);
        let query = rules[0].with_input(|input| Cql.render(input, Flavor::DEFAULT)).expect("renders");
        // The only literal is the value: the title stayed inside its comment.
        prop_assert_eq!(cql_support::literals(&query), Ok(vec![Literal::Str("*x*".into())]), "{}", query);
        let pack = common::with_inputs(&rules, |inputs| Cql.render_pack(inputs, Flavor::DEFAULT));
        let literals = cql_support::literals(&pack.text);
        prop_assert!(literals.is_ok(), "{:?}\n{}", literals, pack.text);
        let literals = literals.unwrap();
        let one_line: String = branch.chars().map(|c| if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') { ' ' } else { c }).collect();
        prop_assert_eq!(&literals[1], &Literal::Str(one_line), "{}", pack.text);
    }

    #[test]
    fn quoted_strings_carry_every_value_without_control_characters(value in any::<String>()) {
        match QuotedString::new(&value) {
            Some(literal) => {
                let literals = cql_support::literals(&format!("F={}", literal.as_str()));
                prop_assert_eq!(literals, Ok(vec![Literal::Str(value)]));
            }
            None => {
                let line_breaking = value.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'));
                prop_assert!(line_breaking, "refused {:?}", value);
            }
        }
    }
}

#[test]
fn known_hard_values_render_exactly() {
    for value in [
        "C:\\tcp\\",
        "a\"b",
        "x/y",
        "line1\nline2",
        "plink*-R",
        "a?b",
        "–R —R ―R",
        "`x` | y",
        "%_%",
        "3389",
        "",
    ] {
        for cased in [true, false] {
            if let Err(problem) = check_all(value, cased) {
                panic!("{value:?} (cased {cased}): {problem}");
            }
        }
    }
}

#[test]
fn the_checker_catches_wrong_literals() {
    let wrong = [
        ("a", true, Shape::Equals, "F=/^b$/"),
        ("a", false, Shape::Equals, "F=\"a\""),
        ("a", true, Shape::Equals, "F=/^a$/i"),
        ("a", true, Shape::Contains, "F=/^a$/"),
        ("a*b", true, Shape::Equals, "F=\"a*b\""),
        ("a/b", true, Shape::Equals, "F=/^a/b$/"),
    ];
    for (value, cased, shape, query) in wrong {
        assert!(
            check(value, cased, shape, query).is_err(),
            "{query} passed for {value:?}"
        );
    }
    assert!(check("a/b", true, Shape::Contains, "F=/a\\/b/").is_ok());
}
