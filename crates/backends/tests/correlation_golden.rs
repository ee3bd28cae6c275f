//! Golden snapshots of every correlation kind in every target and flavor
//! this file's targets render (KQL, SPL, EQL, Sigma): the query, or the
//! refusal naming why the target cannot state the meaning exactly.
//!
//! Each snapshot lists the fixture's correlations in one order
//! (`correlation_support::CORRELATIONS`), so a change in one kind shows
//! as a change in one section.

use crate::correlation_support::every_kind;

use tunnelhunt_backends::{Target, backend};

fn sections(target: Target) -> String {
    let (fixture, titles) = every_kind();
    let backend = backend(target);
    let mut out = String::new();
    for flavor in backend.flavors() {
        for (section, title) in &titles {
            let result = fixture.with(title, |input| backend.render_correlation(input, *flavor));
            out.push_str(&format!("== {} / {section} ==\n", flavor.name()));
            match result {
                Ok(text) => out.push_str(&format!("{}\n", text.trim_end())),
                Err(refusal) => out.push_str(&format!("REFUSED {refusal}\n")),
            }
        }
    }
    out
}

#[test]
fn kql_correlations_golden() {
    insta::assert_snapshot!("kql", sections(Target::Kql));
}

#[test]
fn spl_correlations_golden() {
    insta::assert_snapshot!("spl", sections(Target::Spl));
}

#[test]
fn eql_correlations_golden() {
    insta::assert_snapshot!("eql", sections(Target::Eql));
}

#[test]
fn sigma_correlations_golden() {
    insta::assert_snapshot!("sigma", sections(Target::Sigma));
}

/// What each kind became, so that a refusal that should be a rendering
/// (or the reverse) fails here by name, not only as a snapshot diff.
#[test]
fn each_target_renders_exactly_the_kinds_it_can_state() {
    let (fixture, titles) = every_kind();
    let rendered = |target: Target| -> Vec<&str> {
        let backend = backend(target);
        titles
            .iter()
            .filter(|(_, title)| {
                fixture
                    .with(title, |input| {
                        backend.render_correlation(input, backend.flavors()[0])
                    })
                    .is_ok()
            })
            .map(|(section, _)| *section)
            .collect()
    };
    assert_eq!(
        rendered(Target::Kql),
        [
            "event_count",
            "value_count",
            "temporal",
            "value_sum",
            "value_avg",
            "value_median",
            "value_percentile_p"
        ]
    );
    assert_eq!(
        rendered(Target::Spl),
        [
            "event_count",
            "value_count",
            "temporal",
            "value_sum",
            "value_avg"
        ]
    );
    assert_eq!(rendered(Target::Eql), ["temporal_ordered"]);
    assert_eq!(rendered(Target::Sigma).len(), titles.len());
}
