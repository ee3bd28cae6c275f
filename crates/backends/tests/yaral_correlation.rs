//! YARA-L 2.0 correlation rules: one golden snapshot per fixture
//! correlation (renderings and refusals), the refusals named by construct
//! and reason, and every rendered rule through the YARA-L checker
//! (yaraast plus the strict grammar of `validators/yaral/yaral_check.py`).

use crate::correlation_inputs::{CorrelationSet, NAMES};
use crate::yaral_support::{YaralItem, check_yaral, yaral_checker};

use tunnelhunt_backends::yaral::{YaraL, correlation_rule_name};
use tunnelhunt_backends::{Backend, Construct, Flavor};

use crate::common::or_refused;

#[test]
fn correlations_render_as_reviewed() {
    let set = CorrelationSet::fixture();
    for name in NAMES {
        let text = set.with_input(name, false, |input| {
            or_refused(YaraL.render_correlation(input, Flavor::DEFAULT))
        });
        insta::assert_snapshot!(*name, text);
    }
}

#[test]
fn the_approximation_flag_changes_nothing_where_the_window_slides() {
    let set = CorrelationSet::fixture();
    for name in NAMES {
        let [exact, flagged] = [false, true].map(|approximate| {
            set.with_input(name, approximate, |input| {
                YaraL.render_correlation(input, Flavor::DEFAULT)
            })
        });
        assert_eq!(exact, flagged, "{name}");
    }
}

#[test]
fn refusals_name_the_construct_and_the_reason() {
    let set = CorrelationSet::fixture();
    for (name, construct, reason) in [
        ("port_avg", Construct::Correlation, "absent integer as 0"),
        (
            "port_percentile",
            Construct::Correlation,
            "no median or percentile",
        ),
        (
            "port_share",
            Construct::Correlation,
            "no median or percentile",
        ),
        (
            "port_median",
            Construct::Correlation,
            "no median or percentile",
        ),
        ("ungrouped_queries", Construct::Correlation, "no group-by"),
        (
            "chained",
            Construct::Correlation,
            "refers to correlation '5b1c7a10-0000-4000-8000-000000000014'",
        ),
        ("short_window", Construct::Correlation, "timespan '30s'"),
        (
            "few_distinct_names",
            Construct::Correlation,
            "window without values",
        ),
        (
            "mixed_group_fields",
            Construct::Correlation,
            "'Image' is 'target.process.file.full_path' in one rule",
        ),
        ("two_of_three", Construct::Correlation, "some of the rules"),
    ] {
        let refusal = set
            .with_input(name, false, |input| {
                YaraL.render_correlation(input, Flavor::DEFAULT)
            })
            .expect_err(name);
        assert_eq!(refusal.construct, construct, "{name}: {refusal}");
        assert!(refusal.detail.contains(reason), "{name}: {refusal}");
        assert!(
            refusal
                .detail
                .contains("5b1c7a10-0000-4000-8000-0000000000"),
            "{name} names the rule: {refusal}"
        );
    }
}

#[test]
fn a_window_longer_than_48_hours_is_refused() {
    let mut set = CorrelationSet::fixture();
    let correlation = set.correlation_mut("port_sum");
    correlation.timespan_secs = 3 * 86_400;
    correlation.timespan_text.value = "3d".to_owned();
    let refusal = set
        .with_input("port_sum", false, |input| {
            YaraL.render_correlation(input, Flavor::DEFAULT)
        })
        .unwrap_err();
    assert!(refusal.detail.contains("between 1m and 48h"), "{refusal}");
}

#[test]
fn every_rendered_correlation_parses() {
    let Some(checker) = yaral_checker() else {
        return;
    };
    let set = CorrelationSet::fixture();
    let items: Vec<YaralItem> = NAMES
        .iter()
        .filter_map(|name| {
            set.with_input(name, false, |input| {
                let text = YaraL.render_correlation(input, Flavor::DEFAULT).ok()?;
                Some(YaralItem {
                    label: (*name).to_owned(),
                    name: correlation_rule_name(input),
                    text,
                    meta: vec![("title".to_owned(), input.title().to_owned())],
                })
            })
        })
        .collect();
    assert!(
        items.len() >= 6,
        "only {} correlations rendered",
        items.len()
    );
    let failures: Vec<String> = check_yaral(&checker, &items)
        .iter()
        .filter(|r| !r.errors.is_empty())
        .map(|r| format!("{}: {:?}", r.label, r.errors))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checker_rejects_broken_correlation_rules() {
    let Some(checker) = yaral_checker() else {
        return;
    };
    let set = CorrelationSet::fixture();
    let (name, text) = set.with_input("distinct_query_names", false, |input| {
        (
            correlation_rule_name(input),
            YaraL.render_correlation(input, Flavor::DEFAULT).unwrap(),
        )
    });
    let broken = [
        ("hop window", text.replace(" before $p", "")),
        ("undeclared pivot", text.replace("before $p", "before $x")),
        (
            "group not joined",
            text.replace("$group1, $group2 over", "$group1, $group2, $group3 over"),
        ),
        (
            "condition keyword in meta",
            text.replace("alert_when =", "condition ="),
        ),
        (
            "undeclared outcome",
            text.replace("$value_count > 50", "$count > 50"),
        ),
    ];
    let items: Vec<YaralItem> = broken
        .iter()
        .map(|(label, text)| YaralItem {
            label: (*label).to_owned(),
            name: name.clone(),
            text: text.clone(),
            meta: Vec::new(),
        })
        .collect();
    for (result, (_, text)) in check_yaral(&checker, &items).iter().zip(&broken) {
        assert!(
            !result.errors.is_empty(),
            "accepted {}:\n{text}",
            result.label
        );
    }
}

/// The title as a meta string reads it back: line-breaking characters
/// become spaces, the ends are trimmed.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[test]
fn hostile_titles_and_aliases_still_parse_and_read_back() {
    let Some(checker) = yaral_checker() else {
        return;
    };
    let mut items = Vec::new();
    for (index, nasty) in crate::common::NASTY.iter().enumerate() {
        let mut set = CorrelationSet::fixture();
        let correlation = set.correlation_mut("distinct_query_names");
        correlation.meta.title.value = format!("{nasty} {index}");
        correlation.group_by = vec![(*nasty).to_owned(), "User".to_owned()];
        correlation.aliases = vec![tunnelhunt_sigma::ast::FieldAlias {
            alias: (*nasty).to_owned(),
            mapping: vec![("long_dns_query".to_owned(), "Image".to_owned())],
        }];
        items.push(set.with_input("distinct_query_names", false, |input| {
            YaralItem {
                label: format!("{nasty:?}"),
                name: correlation_rule_name(input),
                text: YaraL
                    .render_correlation(input, Flavor::DEFAULT)
                    .expect("renders"),
                meta: vec![
                    ("title".to_owned(), one_line(input.title())),
                    ("group_by".to_owned(), one_line(&format!("{nasty}, User"))),
                ],
            }
        }));
    }
    let failures: Vec<String> = check_yaral(&checker, &items)
        .iter()
        .filter(|r| !r.errors.is_empty())
        .map(|r| format!("{}: {:?}", r.label, r.errors))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
