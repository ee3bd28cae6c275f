//! Every rule of the built-in pack must be a complete, valid rule: it
//! loads, lowers and compiles with no diagnostic at all, is routable, and
//! carries the metadata alerts and `rules show` rely on (id, branch,
//! confidence, level, the T1572 tag) and a guide.

use std::collections::BTreeSet;
use std::path::Path;

use tunnelhunt_engine::MatcherBuilder;
use tunnelhunt_pack::{builtin_rules, example_filters, guide_for, guides};
use tunnelhunt_sigma::ast::{Document, Metadata};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

use tunnelhunt_pack::BRANCHES;

fn pack(with_filters: bool) -> RuleCollection {
    let mut collection = RuleCollection::new();
    let filters = if with_filters { example_filters() } else { &[] };
    for file in builtin_rules().iter().chain(filters) {
        collection.add_file(Path::new(file.path), file.text);
    }
    collection.finish();
    collection
}

fn custom<'a>(meta: &'a Metadata, key: &str) -> Option<&'a str> {
    meta.custom(key).and_then(|v| v.as_str())
}

fn is_uuid_v4(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && b.iter()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

#[test]
fn every_rule_loads_lowers_and_compiles_without_diagnostics() {
    for with_filters in [false, true] {
        let collection = pack(with_filters);
        let diagnostics: Vec<String> = collection
            .diagnostics()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        assert_eq!(
            collection.rules().count() + collection.correlations().count(),
            builtin_rules().len()
        );

        let mut builder = MatcherBuilder::new();
        for rule in collection.rules() {
            let filters = collection.filters_for(rule);
            let expr = lower_rule(rule, &filters, &Placeholders::new()).unwrap_or_else(|d| {
                panic!("{}: {d:#?}", rule.origin.file.display());
            });
            builder
                .add_rule(&rule.logsource, &expr)
                .unwrap_or_else(|e| panic!("{}: {e}", rule.origin.file.display()));
        }
        let matcher = builder.build().expect("the pack compiles as one rule set");
        let unroutable: Vec<_> = matcher.unroutable_rules().collect();
        assert!(unroutable.is_empty(), "unroutable rules: {unroutable:?}");
    }
}

#[test]
fn every_rule_has_the_metadata_alerts_rely_on() {
    let collection = pack(false);
    let mut ids = BTreeSet::new();
    let documents = collection
        .documents()
        .iter()
        .filter(|d| !matches!(d, Document::Filter(_)));
    for document in documents {
        let file = document.origin().file.display().to_string();
        let meta = document.meta();
        let id = meta.id.as_ref().map(|id| id.value.as_str());
        let id = id.unwrap_or_else(|| panic!("{file}: no id"));
        assert!(
            is_uuid_v4(id),
            "{file}: id {id} is not a lower-case UUID v4"
        );
        assert!(ids.insert(id.to_owned()), "{file}: duplicate id {id}");
        assert!(meta.level.is_some(), "{file}: no level");
        let branch = custom(meta, "branch").unwrap_or_else(|| panic!("{file}: no branch"));
        assert!(
            BRANCHES.contains(&branch),
            "{file}: unknown branch {branch}"
        );
        let confidence = custom(meta, "confidence");
        assert!(
            matches!(confidence, Some("low" | "medium" | "high")),
            "{file}: confidence {confidence:?}"
        );
        for tag in ["attack.command-and-control", "attack.t1572"] {
            assert!(meta.tags.iter().any(|t| t == tag), "{file}: no {tag}");
        }
        assert_eq!(meta.author.as_deref(), Some("tunnelhunt"), "{file}");
        assert!(meta.description.is_some(), "{file}: no description");
        assert!(!meta.falsepositives.is_empty(), "{file}: no falsepositives");
        assert!(!meta.references.is_empty(), "{file}: no references");
    }
}

#[test]
fn every_rule_has_a_guide_and_every_guide_a_rule() {
    for rule in builtin_rules() {
        let guide = guide_for(rule.path).unwrap_or_else(|| panic!("{}: no guide", rule.path));
        for section in ["## Investigation", "## Response", "## Tuning"] {
            assert!(guide.text.contains(section), "{}: no {section}", guide.path);
        }
    }
    for guide in guides() {
        assert!(
            builtin_rules().iter().any(|r| r.stem() == guide.stem()),
            "{}: a guide without a rule",
            guide.path
        );
    }
}

#[test]
fn example_filters_name_rules_of_the_pack() {
    let collection = pack(true);
    let ids: BTreeSet<&str> = collection
        .rules()
        .filter_map(|r| r.meta.id.as_ref().map(|id| id.value.as_str()))
        .collect();
    assert!(collection.filters().count() > 0);
    for filter in collection.filters() {
        for named in &filter.rules {
            assert!(ids.contains(named.value.as_str()), "{}", named.value);
        }
    }
}
