//! Golden snapshots of the EQL backend: every rule of the T1572 pack, every
//! one-feature probe rule (refusals rendered as `REFUSED <construct>:
//! <detail>`), and the pack query. A person reviews every snapshot; CI
//! (`CI=true`) fails on a missing one.

use crate::common;

use common::{or_refused, pack_rules, probe_rules, with_inputs, with_omitted};
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::eql::Eql;
use tunnelhunt_backends::{Backend, RuleInput};

fn rendered(input: &RuleInput<'_>) -> String {
    or_refused(Eql.render(input, Flavor::DEFAULT))
}

#[test]
fn pack_rules_render_as_reviewed() {
    let rules = pack_rules();
    assert!(rules.len() >= 30, "the pack has {} rules", rules.len());
    for rule in &rules {
        let text = rule.with_input(rendered);
        insta::assert_snapshot!(format!("pack__{}", rule.name), text);
    }
}

#[test]
fn probe_rules_render_as_reviewed() {
    let rules = probe_rules();
    assert!(rules.len() >= 50, "found {} probes", rules.len());
    for rule in &rules {
        let text = rule.with_input(rendered);
        insta::assert_snapshot!(format!("probe__{}", rule.name), text);
    }
}

#[test]
fn pack_query_renders_as_reviewed() {
    let rules = pack_rules();
    let pack = with_inputs(&rules, |inputs| Eql.render_pack(inputs, Flavor::DEFAULT));
    let text = with_omitted(&pack, "\n// ----- omitted -----\n", "// ");
    insta::assert_snapshot!("pack_query", text);
}
