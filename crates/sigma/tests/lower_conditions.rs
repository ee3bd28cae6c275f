//! Lowering of conditions: identifiers, `x of` patterns, `them`, multiple
//! conditions, filters, undefined names and the final simplification.

use crate::lower_support;

use lower_support::*;
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::{Filter, Metadata, Origin, SearchBody, Spanned};
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule, lower_rule_with_warnings};
use tunnelhunt_sigma::{Code, Diagnostic, Severity};

fn sel(field: &str, value: &str) -> SearchBody {
    map(vec![matcher(field, vec![s(value)])])
}

fn searches() -> Vec<(&'static str, SearchBody)> {
    vec![
        ("selection_img", sel("Image", "a")),
        ("selection_cli", sel("CommandLine", "b")),
        ("filter_main", sel("User", "c")),
        ("filter_optional", sel("User", "d")),
        ("_helper", sel("Helper", "e")),
    ]
}

fn lowered(condition: &str) -> String {
    let det = detection(searches(), &[condition]);
    render(
        &lower_with(&det, &Placeholders::new()).unwrap_or_else(|d| panic!("{condition}: {d:#?}")),
    )
}

fn failed(condition: &str) -> Vec<Diagnostic> {
    let det = detection(searches(), &[condition]);
    lower_with(&det, &Placeholders::new()).expect_err(condition)
}

#[test]
fn identifiers_and_operators() {
    assert_eq!(lowered("selection_img"), r#"Image:"a""#);
    assert_eq!(
        lowered("selection_img and not filter_main"),
        r#"(Image:"a" & !User:"c")"#
    );
    // `not a and b` is `(not a) and b`.
    assert_eq!(
        lowered("not selection_img and selection_cli"),
        r#"(!Image:"a" & CommandLine:"b")"#
    );
    assert_eq!(
        lowered("selection_img or selection_cli and filter_main"),
        r#"(Image:"a" | (CommandLine:"b" & User:"c"))"#
    );
    assert_eq!(lowered("not not selection_img"), r#"Image:"a""#);
}

#[test]
fn quantified_patterns() {
    assert_eq!(
        lowered("1 of selection_*"),
        r#"(Image:"a" | CommandLine:"b")"#
    );
    assert_eq!(
        lowered("all of selection_*"),
        r#"(Image:"a" & CommandLine:"b")"#
    );
    assert_eq!(
        lowered("1 of selection_* and not 1 of filter_*"),
        r#"((Image:"a" | CommandLine:"b") & !(User:"c" | User:"d"))"#
    );
    assert_eq!(lowered("1 of *_main"), r#"User:"c""#);
    // A pattern without `*` must match a name in full.
    assert_eq!(lowered("1 of filter_main"), r#"User:"c""#);
    // `them` and ordinary patterns skip `_` names; a `_` pattern takes them.
    assert_eq!(
        lowered("1 of them"),
        r#"(Image:"a" | CommandLine:"b" | User:"c" | User:"d")"#
    );
    assert_eq!(
        lowered("all of *"),
        r#"(Image:"a" & CommandLine:"b" & User:"c" & User:"d")"#
    );
    assert_eq!(lowered("1 of _*"), r#"Helper:"e""#);
    assert_eq!(lowered("_helper"), r#"Helper:"e""#);
}

#[test]
fn undefined_identifiers_and_empty_patterns() {
    let d = failed("selection_img and not filter");
    assert_eq!(codes(&d), vec![Code::UndefinedIdentifier]);
    // The condition starts at 30:16; `filter` is at column 23 of the text.
    assert_eq!(d[0].span, Span::new(30, 16 + 22));
    assert!(d[0].message.contains("'filter'"), "{}", d[0].message);
    let d = failed("selection_img and not 1 of filter_x*");
    assert_eq!(codes(&d), vec![Code::UndefinedIdentifier]);
    assert!(
        d[0].message.contains("'1 of filter_x*'"),
        "{}",
        d[0].message
    );
    assert!(
        d[0].message.contains("matches no search identifier"),
        "{}",
        d[0].message
    );
    assert_eq!(d[0].span, Span::new(30, 16 + 22));
    let d = failed("all of nothing_* or 1 of nope*");
    assert_eq!(
        codes(&d),
        vec![Code::UndefinedIdentifier, Code::UndefinedIdentifier]
    );
    let det = detection(vec![("_only", sel("A", "x"))], &["1 of them"]);
    let d = lower_with(&det, &Placeholders::new()).unwrap_err();
    assert_eq!(codes(&d), vec![Code::UndefinedIdentifier]);
}

#[test]
fn several_conditions_mean_any() {
    let det = detection(searches(), &["selection_img", "selection_cli"]);
    assert_eq!(
        render(&lower_with(&det, &Placeholders::new()).unwrap()),
        r#"(Image:"a" | CommandLine:"b")"#
    );
    let det = detection(searches(), &[]);
    let d = lower_with(&det, &Placeholders::new()).unwrap_err();
    assert_eq!(codes(&d), vec![Code::MissingAttribute]);
}

#[test]
fn lists_of_maps_and_empty_lists() {
    let body = SearchBody::AnyOf(vec![
        map(vec![matcher("A", vec![s("1")]), matcher("B", vec![s("2")])]),
        map(vec![matcher("C", vec![])]),
        keywords("", vec![s("k")]),
    ]);
    let det = detection(vec![("selection", body)], &["selection"]);
    assert_eq!(
        render(&lower_with(&det, &Placeholders::new()).unwrap()),
        r#"((A:"1" & B:"2") | *:"*k*")"#
    );
}

fn filter(title: &str, searches: Vec<(&str, SearchBody)>, condition: &str) -> Filter {
    Filter {
        meta: Metadata {
            title: Spanned::new(title.to_owned(), Span::new(1, 8)),
            ..Metadata::default()
        },
        logsource: Default::default(),
        rules: vec![Spanned::new("rule-id".to_owned(), Span::new(4, 7))],
        applies_to_all: false,
        detection: detection(searches, &[condition]),
        origin: Origin {
            file: "filters/f.yml".into(),
            document: 0,
            span: Span::new(1, 1),
        },
    }
}

#[test]
fn filters_are_anded_on() {
    let r = rule("Tunnel", detection(searches(), &["1 of selection_*"]));
    let f1 = filter(
        "No admin",
        vec![("selection", sel("User", "admin"))],
        "not selection",
    );
    let f2 = filter("No lab", vec![("sel", sel("Host", "lab*"))], "not sel");
    let e = lower_rule(&r, &[&f1, &f2], &Placeholders::new()).unwrap();
    assert_eq!(
        render(&e),
        r#"((Image:"a" | CommandLine:"b") & !User:"admin" & !Host:"lab*")"#
    );
    assert_eq!(
        render(&lower_rule(&r, &[], &Placeholders::new()).unwrap()),
        r#"(Image:"a" | CommandLine:"b")"#
    );
}

#[test]
fn filter_and_rule_diagnostics_are_collected_with_their_files() {
    let r = rule(
        "Tunnel",
        detection(searches(), &["selection_img and missing"]),
    );
    let f = filter(
        "Broken",
        vec![("selection", sel("User|re", "("))],
        "not selection",
    );
    let d = lower_rule(&r, &[&f], &Placeholders::new()).unwrap_err();
    assert_eq!(
        codes(&d),
        vec![Code::UndefinedIdentifier, Code::InvalidRegex]
    );
    assert_eq!(d[0].file.to_str(), Some("test.yml"));
    assert!(d[0].message.contains("rule 'Tunnel'"), "{}", d[0].message);
    assert_eq!(d[1].file.to_str(), Some("filters/f.yml"));
    assert!(d[1].message.contains("filter 'Broken'"), "{}", d[1].message);
}

#[test]
fn lowering_is_deterministic() {
    let det = detection(searches(), &["1 of them and not all of filter_*"]);
    let a = lower_with(&det, &Placeholders::new()).unwrap();
    for _ in 0..10 {
        assert_eq!(lower_with(&det, &Placeholders::new()).unwrap(), a);
    }
}

#[test]
fn output_size_is_bounded() {
    use tunnelhunt_sigma::lower::MAX_PREDICATES;
    // 625 variants per use; referenced often enough to cross the budget.
    let big = map(vec![matcher(
        "CommandLine|windash",
        vec![s(" -a -b -c -d")],
    )]);
    let uses = MAX_PREDICATES / 625 + 2;
    let condition = vec!["sel"; uses].join(" or ");
    let det = detection(vec![("sel", big)], &[&condition]);
    let d = lower_with(&det, &Placeholders::new()).unwrap_err();
    assert_eq!(codes(&d), vec![Code::InvalidValue]);
    assert!(d[0].message.contains("predicates"), "{}", d[0].message);
    // Below the budget the same search may be reused freely.
    let det = detection(
        vec![(
            "sel",
            map(vec![matcher(
                "CommandLine|windash",
                vec![s(" -a -b -c -d")],
            )]),
        )],
        &["sel or sel"],
    );
    assert!(lower_with(&det, &Placeholders::new()).is_ok());
}

/// `s0 or … or s99999`: each identifier used to be looked up by a walk
/// over every search, quadratic in their number (minutes in a debug
/// build). It must lower at once, to the searches in condition order.
#[test]
fn a_condition_over_100000_searches_lowers_in_linear_time() {
    let count = 100_000;
    let names: Vec<String> = (0..count).map(|i| format!("s{i}")).collect();
    let searches = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), sel("CommandLine", &format!("v{i}"))))
        .collect();
    // In reverse, so that a lookup from the front is as slow as it gets.
    let condition = names.iter().rev().cloned().collect::<Vec<_>>().join(" or ");
    let det = detection(searches, &[&condition]);
    let expr = lower_with(&det, &Placeholders::new()).unwrap();
    let Expr::Or(operands) = &expr else {
        panic!("not a disjunction: {expr:?}")
    };
    assert_eq!(operands.len(), count);
    assert_eq!(
        render(&operands[0]),
        format!(r#"CommandLine:"v{}""#, count - 1)
    );
    assert_eq!(render(&operands[count - 1]), r#"CommandLine:"v0""#);
}

/// SigmaHQ's CertiGhost rules filter out `%known_cdcs%`: without a value
/// the filter filters nothing, the selection still fires, and the warning
/// names the rule, the search and the placeholder.
#[test]
fn an_unresolved_placeholder_matches_nothing_and_is_a_warning() {
    let r = rule(
        "Chase Request",
        detection(
            vec![
                ("selection", sel("Attributes|contains", "cdc:")),
                (
                    "filter_main_known_cdc",
                    sel("Attributes|contains|expand", "%known_cdcs%"),
                ),
            ],
            &["selection and not 1 of filter_main_*"],
        ),
    );
    let lowered = lower_rule_with_warnings(&r, &[], &Placeholders::new()).unwrap();
    assert_eq!(render(&lowered.expr), r#"Attributes:"*cdc:*""#);
    assert_eq!(lowered.warnings.len(), 1, "{:#?}", lowered.warnings);
    let warning = &lowered.warnings[0];
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.code, Code::UnresolvedPlaceholder);
    for part in [
        "%known_cdcs%",
        "rule 'Chase Request'",
        "filter_main_known_cdc",
    ] {
        assert!(
            warning.message.contains(part),
            "{part}: {}",
            warning.message
        );
    }
    // With a value, the filter filters and there is nothing to warn about.
    let mut table = Placeholders::new();
    table.insert("known_cdcs", vec!["dc01".to_owned()]);
    let lowered = lower_rule_with_warnings(&r, &[], &table).unwrap();
    assert_eq!(
        render(&lowered.expr),
        r#"(Attributes:"*cdc:*" & !Attributes:"*dc01*")"#
    );
    assert!(lowered.warnings.is_empty());
    // An error elsewhere still fails the rule, and the warning comes along.
    let broken = rule(
        "Broken",
        detection(
            vec![("selection", sel("Host|expand", "%nope%"))],
            &["selection and missing"],
        ),
    );
    let d = lower_rule_with_warnings(&broken, &[], &Placeholders::new()).unwrap_err();
    assert_eq!(
        codes(&d),
        vec![Code::UnresolvedPlaceholder, Code::UndefinedIdentifier]
    );
}
