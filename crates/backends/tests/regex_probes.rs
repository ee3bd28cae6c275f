//! The probe rules under `tests/probes/` load without any diagnostic,
//! lower, have unique ids and stable `p<NN>_<feature>.yml` names, and are
//! all listed in the probes' README. Every backend's golden tests are
//! named after these files, so a broken or renamed probe must fail here
//! first, with a clear message, rather than as a confusing snapshot diff.

use crate::common;

use std::collections::BTreeSet;

use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::{Expr, Test};
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

use common::{probe_dir, probe_paths};

fn is_probe_name(stem: &str) -> bool {
    let bytes = stem.as_bytes();
    bytes.len() > 4
        && bytes[0] == b'p'
        && bytes[1].is_ascii_digit()
        && bytes[2].is_ascii_digit()
        && bytes[3] == b'_'
        && stem[4..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[test]
fn every_probe_loads_without_diagnostics_and_lowers() {
    let files = probe_paths();
    assert!(
        files.len() >= 50,
        "expected the full probe set, found {}",
        files.len()
    );
    let mut ids = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    for path in &files {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        assert!(
            is_probe_name(stem),
            "{stem}: probe files are named p<NN>_<feature>.yml"
        );
        assert!(
            numbers.insert(stem[1..3].to_owned()),
            "{stem}: number used twice"
        );

        let text = std::fs::read_to_string(path).unwrap();
        let mut collection = RuleCollection::new();
        collection.add_file(path, &text);
        collection.finish();
        assert!(
            collection.diagnostics().is_empty(),
            "{stem}: {:?}",
            collection.diagnostics()
        );
        let rules: Vec<_> = collection.rules().collect();
        assert_eq!(rules.len(), 1, "{stem}: one rule per probe file");
        let rule = rules[0];
        let id = rule
            .meta
            .id
            .as_ref()
            .expect("probe has an id")
            .value
            .clone();
        assert!(ids.insert(id.clone()), "{stem}: id {id} used twice");
        assert!(rule.meta.level.is_some(), "{stem}: probe has a level");
        let expr = lower_rule(rule, &[], &Placeholders::new())
            .unwrap_or_else(|d| panic!("{stem} does not lower: {d:?}"));
        assert!(
            !matches!(expr, Expr::Const(_)),
            "{stem}: lowered to a constant"
        );
    }
}

#[test]
fn readme_lists_every_probe() {
    let readme = std::fs::read_to_string(probe_dir().join("README.md")).unwrap();
    for path in probe_paths() {
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md does not list {name}"
        );
    }
}

/// The escaping probes must reach the IR as the exact literal text they
/// are named after; otherwise a backend's snapshot would "prove" escaping
/// of the wrong value.
#[test]
fn escaping_probes_lower_to_the_intended_literals() {
    let expectations: &[(&str, &str)] = &[
        ("p34_escaped_star", "netsh *add"),
        ("p35_escaped_question", "what?"),
        (
            "p36_trailing_backslash",
            "\\Services\\PortProxy\\v4tov4\\tcp\\",
        ),
        ("p37_double_backslash", "\\\\server\\share"),
        ("p38_double_quote", "ssh \"-R\" 3389"),
        ("p39_single_quote", "ssh '-R' 3389"),
        ("p40_newline", "line1\nline2"),
        ("p41_pipe", "a | b"),
        ("p42_percent_underscore", "%TEMP%\\tunnel_x"),
        ("p43_backtick", "ssh`-R"),
        ("p44_slash", "tcp://0.0.0.0/"),
        ("p45_dollar_braces", "${env:TEMP}"),
        ("p46_non_ascii", "\u{2013}R 3389"),
    ];
    for (stem, literal) in expectations {
        let path = probe_dir().join(format!("{stem}.yml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut collection = RuleCollection::new();
        collection.add_file(&path, &text);
        collection.finish();
        let rule = collection.rules().next().unwrap();
        let expr = lower_rule(rule, &[], &Placeholders::new()).unwrap();
        let mut literals = Vec::new();
        expr.for_each_predicate(&mut |p| {
            if let Test::Str(m) = &p.test {
                literals.extend(m.literals().map(str::to_owned));
            }
        });
        assert!(
            literals.iter().any(|l| l == literal),
            "{stem}: expected literal {literal:?}, IR has {literals:?}"
        );
    }
}
