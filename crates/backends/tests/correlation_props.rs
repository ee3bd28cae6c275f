//! Two promises of the correlation renderings that hold for any input:
//!
//! * the Sigma writer's correlation documents load back as the same
//!   correlation (every fixture kind, and random titles, names, fields,
//!   aliases and thresholds): parse(render(x)) has an equal AST, spans
//!   aside, and writing again gives the same text;
//! * a hostile title or rule reference (line breaks, comment closers,
//!   quotes, backticks) cannot break out of a KQL, SPL or EQL rendering:
//!   the query's lines are the benign rendering's, the reference comes
//!   back from its KQL literal, every SPL comment and string closes where
//!   it should.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use tunnelhunt_backends::sigma::SigmaOut;
use tunnelhunt_backends::sigma::yaml::{self, Style};
use tunnelhunt_backends::{Backend, Flavor, Target, backend, kql};
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::{Correlation, Origin};
use tunnelhunt_sigma::collection::RuleCollection;

use crate::correlation_support::{self, BASE_RULES, every_kind};

fn without_positions(correlation: &Correlation) -> Correlation {
    let mut c = correlation.clone();
    c.origin = Origin {
        file: PathBuf::new(),
        document: 0,
        span: Span::UNKNOWN,
    };
    c.meta.title.span = Span::UNKNOWN;
    for spanned in [&mut c.meta.id, &mut c.meta.name].into_iter().flatten() {
        spanned.span = Span::UNKNOWN;
    }
    for rule in &mut c.rules {
        rule.span = Span::UNKNOWN;
    }
    c.timespan_text.span = Span::UNKNOWN;
    if let Some(condition) = &mut c.condition {
        condition.span = Span::UNKNOWN;
    }
    c
}

/// Load the written document beside the base rules; its one correlation.
fn reload(text: &str) -> Correlation {
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("base.yml"), BASE_RULES);
    collection.add_file(Path::new("written.yml"), text);
    collection.finish();
    assert!(
        !collection.has_errors(),
        "the written correlation does not load: {:#?}\n{text}",
        collection.diagnostics()
    );
    let mut correlations: Vec<Correlation> = collection.correlations().cloned().collect();
    assert_eq!(correlations.len(), 1, "{text}");
    correlations.remove(0)
}

fn assert_round_trip(fixture: &correlation_support::Fixture, title: &str) {
    let written = fixture
        .with(title, |input| {
            SigmaOut.render_correlation(input, Flavor::DEFAULT)
        })
        .expect("the Sigma writer never refuses");
    let original = fixture
        .correlations
        .iter()
        .find(|c| c.meta.title.value == title)
        .expect("in the fixture");
    let back = reload(&written);
    assert_eq!(
        without_positions(&back),
        without_positions(original),
        "{written}"
    );
}

#[test]
fn every_fixture_correlation_loads_back_as_the_same_correlation() {
    let (fixture, titles) = every_kind();
    for (_, title) in &titles {
        if title == "Repeated plink bursts" {
            // Chained: its reference is another correlation, reloaded
            // alone it names nothing. Checked below with its target.
            continue;
        }
        assert_round_trip(&fixture, title);
    }
    let chained = correlation_support::load(&[
        correlation_support::CORRELATIONS[0].1,
        correlation_support::CORRELATIONS[9].1,
    ]);
    let written = chained
        .with("Repeated plink bursts", |input| {
            SigmaOut.render_correlation(input, Flavor::DEFAULT)
        })
        .unwrap();
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("base.yml"), BASE_RULES);
    collection.add_file(
        Path::new("inner.yml"),
        correlation_support::CORRELATIONS[0].1,
    );
    collection.add_file(Path::new("written.yml"), &written);
    collection.finish();
    assert!(!collection.has_errors(), "{:#?}", collection.diagnostics());
    let back = collection
        .correlations()
        .find(|c| c.meta.title.value == "Repeated plink bursts")
        .unwrap();
    assert_eq!(
        without_positions(back),
        without_positions(&chained.correlations[1])
    );
}

/// Printable text without the characters no Sigma author can get through
/// YAML unchanged (controls are escaped by the writer, but the loader
/// rejects some of them in keys).
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _.:'\"#/\\\\|*`{}\\[\\],-]{1,24}".prop_filter("not blank", |s| !s.trim().is_empty())
}

fn field() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_.]{0,15}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_correlations_load_back_unchanged(
        title in text(),
        name in "[a-z][a-z0-9_]{0,12}",
        group in prop::collection::vec(field(), 0..3),
        alias_field in field(),
        value_field in field(),
        threshold in -1.0e6f64..1.0e6,
        percentile in prop::option::of(0.0f64..100.0),
        minutes in 1u32..10_000,
    ) {
        let group_yaml: Vec<String> = group
            .iter()
            .map(|g| format!("        - {}\n", yaml::string(g, Style::PlainIfSafe)))
            .collect();
        let percentile_yaml = percentile
            .map(|p| format!("        percentile: {p}\n"))
            .unwrap_or_default();
        let text = format!(
            "title: {}\nname: {}\ncorrelation:\n    type: value_percentile\n    rules:\n        - loopback_connection\n        - plink_run\n    group-by:\n{}        - host\n    timespan: {minutes}m\n    condition:\n        field: {}\n{percentile_yaml}        gte: {threshold}\n    aliases:\n        host:\n            loopback_connection: {}\n            plink_run: Image\n",
            yaml::string(&title, Style::PlainIfSafe),
            name,
            group_yaml.concat(),
            yaml::string(&value_field, Style::PlainIfSafe),
            yaml::string(&alias_field, Style::PlainIfSafe),
        );
        let fixture = correlation_support::load(&[&text]);
        let written = fixture
            .with(&title, |input| SigmaOut.render_correlation(input, Flavor::DEFAULT))
            .unwrap();
        let back = reload(&written);
        prop_assert_eq!(without_positions(&back), without_positions(&fixture.correlations[0]));
        let again = correlation_support::load(&[&written])
            .with(&title, |input| SigmaOut.render_correlation(input, Flavor::DEFAULT))
            .unwrap();
        prop_assert_eq!(again, written);
    }

    #[test]
    fn hostile_titles_and_references_stay_inside_their_comments_and_literals(
        title in "[ -~\n\r\u{2028}\u{85}]{1,30}",
        reference in "[ -~\n\r\u{2028}`]{1,30}",
    ) {
        prop_assume!(!title.trim().is_empty() && !reference.trim().is_empty());
        let hostile = correlation_support::load(&[&temporal(&title, &reference)]);
        let benign = correlation_support::load(&[&temporal("Benign", "benign_ref")]);
        for target in [Target::Kql, Target::Spl] {
            let backend = backend(target);
            for flavor in backend.flavors().iter().take(1) {
                let render = |fixture: &correlation_support::Fixture, title: &str| {
                    fixture
                        .with(title, |input| backend.render_correlation(input, *flavor))
                        .unwrap()
                };
                let bad = render(&hostile, &title);
                let good = render(&benign, "Benign");
                prop_assert_eq!(bad.lines().count(), good.lines().count(), "{}", bad);
                let expected = match target {
                    Target::Kql => good.replace(
                        &kql::literal::string("benign_ref"),
                        &kql::literal::string(&reference),
                    ),
                    _ => good.clone(),
                };
                for (bad_line, good_line) in bad.lines().zip(expected.lines()) {
                    if is_comment(target, good_line) {
                        prop_assert!(is_comment(target, bad_line), "{}", bad_line);
                        if target == Target::Spl {
                            // One comment, closed at the end of the line.
                            prop_assert_eq!(bad_line.matches("```").count(), 2, "{}", bad_line);
                        }
                    } else if target == Target::Kql {
                        prop_assert_eq!(bad_line, good_line);
                    } else if !good_line.contains("benign_ref") {
                        prop_assert_eq!(bad_line, good_line);
                    }
                }
            }
        }
    }
}

fn is_comment(target: Target, line: &str) -> bool {
    match target {
        Target::Spl => line.starts_with("```"),
        _ => line.trim_start().starts_with("//"),
    }
}

/// A `temporal` correlation titled `title` over a rule named `reference`
/// (a copy of the plink rule under that name) and the loopback rule.
fn temporal(title: &str, reference: &str) -> String {
    format!(
        "title: renamed plink\nname: {name}\nlogsource: {{product: windows, category: process_creation}}\ndetection:\n    selection:\n        Image|endswith: '\\plink.exe'\n    condition: selection\n---\ntitle: {title}\ncorrelation:\n    type: temporal\n    rules:\n        - {name}\n        - loopback_connection\n    group-by: [Image]\n    timespan: 5m\n",
        name = yaml::string(reference, Style::PlainIfSafe),
        title = yaml::string(title, Style::PlainIfSafe),
    )
}
