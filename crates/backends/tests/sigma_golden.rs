//! Golden snapshots of the Sigma writer: every rule of the built-in T1572
//! pack, every one-feature probe, the pack rules tuned by the example
//! filters (folded in), and the pack stream. A person reviews each
//! snapshot; CI fails on a missing or changed one.

mod sigma_support;

use tunnelhunt_backends::sigma::SigmaOut;
use tunnelhunt_backends::{Backend, RuleInput};

use sigma_support::{LoadedRule, load, pack_files, pack_rules, probe_rules, with_inputs};

fn snapshot_each(prefix: &str, rules: &[LoadedRule]) {
    assert!(!rules.is_empty(), "no {prefix} rules found");
    for rule in rules {
        let text = rule.with_input(|input| match SigmaOut.render(input, None) {
            Ok(text) => text,
            Err(refusal) => format!("REFUSED {refusal}\n"),
        });
        insta::assert_snapshot!(format!("{prefix}__{}", rule.name), text);
    }
}

#[test]
fn pack_rules_write_as_reviewed() {
    snapshot_each("pack", &pack_rules());
}

#[test]
fn probe_rules_write_as_reviewed() {
    snapshot_each("probe", &probe_rules());
}

#[test]
fn tuned_pack_rules_write_as_reviewed() {
    let mut files = pack_files();
    files.extend(
        tunnelhunt_pack::example_filters()
            .iter()
            .map(|f| (f.path.to_owned(), f.text.to_owned())),
    );
    let tuned: Vec<LoadedRule> = load(&files)
        .into_iter()
        .filter(|r| !r.filters.is_empty())
        .collect();
    snapshot_each("tuned", &tuned);
}

#[test]
fn pack_stream_writes_as_reviewed() {
    let rules = pack_rules();
    let pack = with_inputs(&rules, |inputs: &[RuleInput<'_>]| {
        SigmaOut.render_pack(inputs, None)
    });
    assert!(
        pack.omitted.is_empty(),
        "the Sigma writer leaves no rule out"
    );
    insta::assert_snapshot!("pack_stream", pack.text);
}
