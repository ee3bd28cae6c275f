use proptest::prelude::*;

use tunnelhunt_sigma::ast::AttrValue;

use super::*;
use crate::test_support::Lowered;
use crate::{Flavor, Target, backend};

/// A rule with every fact, and a filter with a title and an id.
const EVERY_FACT: &str = "\
title: Plink Forward
id: 8a4c1c6e-0000-4000-8000-000000000001
level: high
tags:
    - attack.command-and-control
    - attack.t1572
branch: SshPortForwarding
confidence: medium
logsource:
    category: process_creation
    product: windows
detection:
    sel:
        Image|endswith: '\\plink.exe'
    condition: sel
---
title: Admin Jump Host
id: 0c9d1e55-5b8e-4d0e-9a51-3f1f6a2b7c44
name: admin_jump_host
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 8a4c1c6e-0000-4000-8000-000000000001
    selection:
        CommandLine|contains: ' -jump '
    condition: not selection
";

#[test]
fn facts_come_in_one_order_with_filters_named_by_title_and_id() {
    let lowered = Lowered::parse(EVERY_FACT);
    let facts = lowered.with_input(facts);
    assert_eq!(
        facts,
        vec![
            (Fact::Title, "Plink Forward".to_owned()),
            (Fact::Id, "8a4c1c6e-0000-4000-8000-000000000001".to_owned()),
            (Fact::Level, "high".to_owned()),
            (Fact::Attack, "T1572".to_owned()),
            (Fact::Branch, "SshPortForwarding".to_owned()),
            (Fact::Confidence, "medium".to_owned()),
            (
                Fact::Filters,
                "Admin Jump Host (0c9d1e55-5b8e-4d0e-9a51-3f1f6a2b7c44)".to_owned()
            ),
        ]
    );
}

/// Every target, in every flavor, carries every fact of the rule in the
/// query's header (comments, meta section or rule fields). Compared
/// without case: YARA-L writes the level as a `HIGH` severity, Sigma keeps
/// ATT&CK ids as `attack.t1572` tags.
#[test]
fn every_target_header_carries_every_fact() {
    let lowered = Lowered::parse(EVERY_FACT);
    let facts = lowered.with_input(facts);
    for target in Target::ALL {
        let backend = backend(target);
        for &flavor in backend.flavors() {
            let text = lowered
                .with_input(|input| backend.render(input, flavor))
                .unwrap_or_else(|refusal| panic!("{target:?} {flavor:?}: {refusal}"))
                .to_lowercase();
            for (fact, value) in &facts {
                let expected = value.to_lowercase();
                assert!(
                    text.contains(&expected),
                    "{target:?} {flavor:?} lacks {fact:?} '{expected}':\n{text}"
                );
            }
        }
    }
}

/// Text with every kind of line break and invisible mark mixed in.
fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                '\n', '\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{feff}', '\t', '\0', '`', '\'',
                '"', '\\',
            ]),
        ],
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// Renders the rule with `title`, `branch`, `confidence` and filter title
/// replaced, in every flavor of `target`, and checks that the query has as
/// many lines as with plain values and no other line-breaking character:
/// no fact can add a line or end a comment early.
fn facts_stay_on_their_lines(
    target: Target,
    [title, branch, confidence, filter]: [String; 4],
) -> Result<(), TestCaseError> {
    let plain = Lowered::parse(EVERY_FACT);
    let mut hostile = Lowered::parse(EVERY_FACT);
    hostile.rule.meta.title.value = title;
    for (key, value) in &mut hostile.rule.meta.custom {
        match key.as_str() {
            "branch" => *value = AttrValue::String(branch.clone()),
            "confidence" => *value = AttrValue::String(confidence.clone()),
            _ => {}
        }
    }
    hostile.filters[0].meta.title.value = filter;
    let backend = backend(target);
    for &flavor in backend.flavors() {
        let render = |lowered: &Lowered| {
            lowered
                .with_input(|input| backend.render(input, flavor))
                .expect("the rule renders in every target")
        };
        let (expected, text) = (render(&plain), render(&hostile));
        lines_stay_as_in(target, flavor, &expected, &text)?;
    }
    Ok(())
}

/// `text`, rendered with hostile facts, has as many fact lines as
/// `expected`, rendered with plain ones, and none of them holds a
/// character that breaks a line.
fn lines_stay_as_in(
    target: Target,
    flavor: Flavor,
    expected: &str,
    text: &str,
) -> Result<(), TestCaseError> {
    let (expected, lines) = (fact_lines(target, expected), fact_lines(target, text));
    prop_assert_eq!(lines.len(), expected.len(), "{}", text);
    prop_assert!(
        !lines
            .iter()
            .any(|line| line.chars().any(crate::common::breaks_line)),
        "{:?} {:?}: {:?}",
        target,
        flavor,
        text
    );
    Ok(())
}

/// The lines a fact may be written on. Sigma YAML writes facts as YAML
/// values (a multi-line title becomes a block scalar, faithfully), so only
/// its `#` comment lines must stay put; every other target writes facts
/// into comments or single-line strings, so every line counts.
fn fact_lines(target: Target, text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| target != Target::Sigma || line.starts_with('#'))
        .collect()
}

macro_rules! one_line_property_per_target {
    ($($name:ident: $target:expr,)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            $(
                #[test]
                fn $name(values in [hostile_text(), hostile_text(), hostile_text(), hostile_text()]) {
                    facts_stay_on_their_lines($target, values)?;
                }
            )*
        }
    };
}

one_line_property_per_target! {
    kql_facts_stay_on_their_lines: Target::Kql,
    spl_facts_stay_on_their_lines: Target::Spl,
    eql_facts_stay_on_their_lines: Target::Eql,
    aql_facts_stay_on_their_lines: Target::Aql,
    sumo_facts_stay_on_their_lines: Target::Sumo,
    yaral_facts_stay_on_their_lines: Target::YaraL,
    cql_facts_stay_on_their_lines: Target::Cql,
    sigma_facts_stay_on_their_lines: Target::Sigma,
}

/// Renders the pack (one rule, with and without an id, so the title is
/// also what the pack labels the rule with) with the title and branch
/// replaced, in every flavor of `target`, and checks that the query has
/// as many lines as with plain values, no line-breaking character, and —
/// in SPL, where a backtick starts a macro expansion even inside quotes
/// and ```` ``` ```` ends a comment — no more backticks than with plain
/// values: a title or branch cannot leave its string literal or comment.
fn pack_facts_stay_in_their_literals(
    target: Target,
    [title, branch]: [String; 2],
) -> Result<(), TestCaseError> {
    let hostile = |with_id: bool| {
        let mut lowered = Lowered::parse(EVERY_FACT);
        lowered.rule.meta.title.value = title.clone();
        if !with_id {
            lowered.rule.meta.id = None;
        }
        for (key, value) in &mut lowered.rule.meta.custom {
            if key == "branch" {
                *value = AttrValue::String(branch.clone());
            }
        }
        lowered
    };
    let plain = Lowered::parse(EVERY_FACT);
    let backend = backend(target);
    for with_id in [true, false] {
        let hostile = hostile(with_id);
        for &flavor in backend.flavors() {
            let pack = |lowered: &Lowered| {
                lowered.with_input(|input| backend.render_pack(&[*input], flavor).text)
            };
            let (expected, text) = (pack(&plain), pack(&hostile));
            lines_stay_as_in(target, flavor, &expected, &text)?;
            if target == Target::Spl {
                let backticks = |text: &str| text.matches('`').count();
                prop_assert_eq!(backticks(&text), backticks(&expected), "{}", text);
            }
        }
    }
    Ok(())
}

macro_rules! pack_property_per_target {
    ($($name:ident: $target:expr,)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            $(
                #[test]
                fn $name(values in [hostile_text(), hostile_text()]) {
                    pack_facts_stay_in_their_literals($target, values)?;
                }
            )*
        }
    };
}

pack_property_per_target! {
    kql_pack_facts_stay_in_their_literals: Target::Kql,
    spl_pack_facts_stay_in_their_literals: Target::Spl,
    eql_pack_facts_stay_in_their_literals: Target::Eql,
    aql_pack_facts_stay_in_their_literals: Target::Aql,
    sumo_pack_facts_stay_in_their_literals: Target::Sumo,
    yaral_pack_facts_stay_in_their_literals: Target::YaraL,
    cql_pack_facts_stay_in_their_literals: Target::Cql,
    sigma_pack_facts_stay_in_their_literals: Target::Sigma,
}
