//! Golden snapshots of the Sigma writer: every rule of the built-in T1572
//! pack, every one-feature probe, the pack rules tuned by the example
//! filters (folded in), and the pack stream. A person reviews each
//! snapshot; CI fails on a missing or changed one.

use crate::common;

use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::sigma::SigmaOut;
use tunnelhunt_backends::{Backend, RuleInput};

use common::{LoadedRule, or_refused, pack_rules, probe_rules, tuned_rules, with_inputs};

fn snapshot_each(prefix: &str, rules: &[LoadedRule]) {
    assert!(!rules.is_empty(), "no {prefix} rules found");
    for rule in rules {
        let text = rule.with_input(|input| or_refused(SigmaOut.render(input, Flavor::DEFAULT)));
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
    let tuned = tuned_rules();
    snapshot_each("tuned", &tuned);
}

#[test]
fn pack_stream_writes_as_reviewed() {
    let rules = pack_rules();
    let pack = with_inputs(&rules, |inputs: &[RuleInput<'_>]| {
        SigmaOut.render_pack(inputs, Flavor::DEFAULT)
    });
    assert!(
        pack.omitted.is_empty(),
        "the Sigma writer leaves no rule out"
    );
    insta::assert_snapshot!("pack_stream", pack.text);
}
