//! LogScale, Sumo Logic (log search) and QRadar AQL correlations: none of
//! them states the engine's sliding window, so each refuses a correlation
//! unless `--approximate` is given, and then renders a fixed-bucket
//! approximation whose header says it is one. One golden snapshot per
//! target and fixture correlation (approximation or refusal); the refusals
//! without the flag are checked by construct and reason. Sumo's Cloud SIEM
//! flavor refuses even with the flag.

use crate::common::or_refused;
use crate::correlation_inputs::{CorrelationSet, NAMES};

use tunnelhunt_backends::{Backend, Construct, Flavor, Target, backend};

/// Each approximating target, the flavor, its snapshot prefix, how its
/// refusals name it, and how its comment lines start.
fn targets() -> [(
    &'static dyn Backend,
    Flavor,
    &'static str,
    &'static str,
    &'static str,
); 3] {
    let sumo = backend(Target::Sumo);
    [
        (
            backend(Target::Cql),
            Flavor::DEFAULT,
            "cql",
            "LogScale",
            "// ",
        ),
        (
            sumo,
            sumo.flavor("search").expect("Sumo has a search flavor"),
            "sumo_search",
            "Sumo Logic",
            "// ",
        ),
        (
            backend(Target::Aql),
            Flavor::DEFAULT,
            "aql",
            "QRadar AQL",
            "/* ",
        ),
    ]
}

#[test]
fn approximations_render_as_reviewed() {
    let set = CorrelationSet::fixture();
    for (backend, flavor, prefix, ..) in targets() {
        for name in NAMES {
            let text = set.with_input(name, true, |input| {
                or_refused(backend.render_correlation(input, flavor))
            });
            insta::assert_snapshot!(format!("{prefix}__{name}"), text);
        }
    }
}

#[test]
fn without_the_flag_every_correlation_is_refused_by_name() {
    let set = CorrelationSet::fixture();
    for (backend, flavor, prefix, words, _) in targets() {
        for name in NAMES {
            let refusal = set
                .with_input(name, false, |input| {
                    backend.render_correlation(input, flavor)
                })
                .expect_err(name);
            assert_eq!(
                refusal.construct,
                Construct::Correlation,
                "{prefix} {name}: {refusal}"
            );
            assert!(
                refusal
                    .detail
                    .contains(&format!("is not rendered for {words}")),
                "{prefix} {name}: {refusal}"
            );
            assert!(
                refusal
                    .detail
                    .contains("5b1c7a10-0000-4000-8000-0000000000"),
                "{prefix} {name} names the correlation: {refusal}"
            );
        }
        let refusal = set
            .with_input("forwards_per_image", false, |input| {
                backend.render_correlation(input, flavor)
            })
            .unwrap_err();
        assert!(
            refusal.detail.contains("--approximate"),
            "{prefix}: {refusal}"
        );
    }
}

#[test]
fn every_approximation_says_so_in_its_header() {
    let set = CorrelationSet::fixture();
    for (backend, flavor, prefix, _, comment) in targets() {
        let mut rendered = 0;
        for name in NAMES {
            let Ok(text) = set.with_input(name, true, |input| {
                backend.render_correlation(input, flavor)
            }) else {
                continue;
            };
            rendered += 1;
            let marker = format!("{comment}fixed-bucket approximation: ");
            assert!(
                text.lines().any(|line| line.starts_with(&marker)),
                "{prefix} {name}:\n{text}"
            );
        }
        assert!(rendered >= 4, "{prefix}: only {rendered} approximations");
    }
}

#[test]
fn kinds_a_bucket_cannot_state_are_refused_even_with_the_flag() {
    let set = CorrelationSet::fixture();
    for (backend, flavor, prefix, ..) in targets() {
        for (name, reason) in [
            (
                "forward_followed_by_connection",
                "order of the rules' matches",
            ),
            ("port_median", "no exact nearest-rank percentile"),
            ("port_percentile", "no exact nearest-rank percentile"),
            ("port_share", "no exact nearest-rank percentile"),
            (
                "chained",
                "refers to correlation '5b1c7a10-0000-4000-8000-000000000014'",
            ),
        ] {
            let refusal = set
                .with_input(name, true, |input| {
                    backend.render_correlation(input, flavor)
                })
                .expect_err(name);
            assert_eq!(refusal.construct, Construct::Correlation, "{prefix} {name}");
            assert!(
                refusal.detail.contains(reason),
                "{prefix} {name}: {refusal}"
            );
        }
    }
}

#[test]
fn cloud_siem_rules_refuse_correlations_even_with_the_flag() {
    let set = CorrelationSet::fixture();
    let sumo = backend(Target::Sumo);
    for name in NAMES {
        for approximate in [false, true] {
            let refusal = set
                .with_input(name, approximate, |input| {
                    sumo.render_correlation(input, Flavor::DEFAULT)
                })
                .expect_err(name);
            assert_eq!(refusal.construct, Construct::Correlation);
            assert!(
                refusal.detail.contains("overlapping time spans")
                    && refusal.detail.contains("search flavor"),
                "{name}: {refusal}"
            );
        }
    }
}
