//! A rule's detection page, as the report crate's typed [`RulePage`]:
//! its metadata, its condition in words ([`words`]), its Sigma text and
//! its guide. `scan --format html` embeds the pages of the rules that
//! fired; `rules page` adds the queries per SIEM and the scenarios.

pub mod words;

use std::collections::BTreeSet;
use std::path::Path;

use tunnelhunt_report::model::{Alert, Level};
use tunnelhunt_report::page::{Logic, RulePage, slug};
use tunnelhunt_sigma::ast::{Correlation, Document, Metadata};
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

use crate::commands::show;
use crate::ruleset::{self, LoadedRules};

/// A rule's page without queries or scenarios. `expr` is its lowered
/// condition (with filters); `None` when it did not lower.
pub fn rule_page(document: &Document, expr: Option<&Expr>, builtin: bool) -> RulePage {
    let meta = document.meta();
    let file = &document.origin().file;
    let (logic, fields, logsource) = match document {
        Document::Correlation(correlation) => (
            Logic::Check(show::correlation_text(correlation)),
            correlation.group_by.clone(),
            correlation_source(correlation),
        ),
        Document::Rule(rule) => (
            expr.map_or(Logic::Unknown, words::logic),
            expr.map_or_else(Vec::new, words::fields),
            ruleset::logsource_label(&rule.logsource),
        ),
        Document::Filter(filter) => (
            Logic::Unknown,
            Vec::new(),
            ruleset::logsource_label(&filter.logsource),
        ),
    };
    RulePage {
        slug: slug(&stem(file)),
        id: meta.id.as_ref().map(|id| id.value.clone()),
        title: meta.title.value.clone(),
        level: meta.level.and_then(|l| Level::parse(l.as_str())),
        confidence: custom_text(meta, "confidence"),
        branch: custom_text(meta, "branch"),
        status: meta.status.map(|s| s.as_str().to_owned()),
        attack: meta.attack_techniques(),
        description: meta.description.clone(),
        logsource,
        fields,
        logic,
        sigma: source_text(file, builtin),
        queries: Vec::new(),
        falsepositives: meta.falsepositives.clone(),
        guide: show::guide(file, builtin).ok().flatten(),
        scenarios: Vec::new(),
        references: meta.references.clone(),
    }
}

fn correlation_source(correlation: &Correlation) -> String {
    let rules: Vec<&str> = correlation.rules.iter().map(|r| r.value.as_str()).collect();
    format!("matches of {}", rules.join(", "))
}

fn custom_text(meta: &Metadata, key: &str) -> Option<String> {
    meta.custom(key).and_then(|v| v.as_str()).map(str::to_owned)
}

fn stem(file: &Path) -> String {
    file.file_stem()
        .map_or_else(|| "rule".to_owned(), |s| s.to_string_lossy().into_owned())
}

/// The rule file's text: the pack's for a built-in rule, else the file
/// on disk (empty if it cannot be read any more).
fn source_text(file: &Path, builtin: bool) -> String {
    if builtin {
        let relative = file
            .strip_prefix(ruleset::BUILTIN_PREFIX)
            .ok()
            .and_then(|p| p.to_str())
            .map(|p| p.replace('\\', "/"));
        if let Some(relative) = relative
            && let Some(embedded) = tunnelhunt_pack::builtin_rules()
                .iter()
                .find(|f| f.path == relative)
        {
            return embedded.text.to_owned();
        }
    }
    std::fs::read_to_string(file).unwrap_or_default()
}

/// Make the slugs of `pages` distinct (two files with one stem in two
/// folders, or several rules in one file) by numbering repeats.
pub fn unique_slugs(pages: &mut [RulePage]) {
    let mut taken = BTreeSet::new();
    for page in pages {
        let mut candidate = page.slug.clone();
        let mut n = 2;
        while !taken.insert(candidate.clone()) {
            candidate = format!("{}-{n}", page.slug);
            n += 1;
        }
        page.slug = candidate;
    }
}

/// The detection pages of the rules and correlations the kept alerts
/// name (by id, or by title for a rule without one).
pub fn pages_of_fired_rules(
    alerts: &[Alert],
    loaded: &LoadedRules,
    placeholders: &Placeholders,
    builtin: bool,
) -> Vec<RulePage> {
    let fired: BTreeSet<&str> = alerts
        .iter()
        .map(|a| a.rule_id.as_deref().unwrap_or(&a.rule_title))
        .collect();
    let collection = &loaded.collection;
    let mut pages: Vec<RulePage> = collection
        .documents()
        .iter()
        .filter(|d| {
            let meta = d.meta();
            let key = meta.id.as_ref().map_or(&meta.title.value, |id| &id.value);
            !matches!(d, Document::Filter(_)) && fired.contains(key.as_str())
        })
        .map(|d| {
            let expr = match d {
                Document::Rule(rule) => {
                    lower_rule(rule, &collection.filters_for(rule), placeholders).ok()
                }
                _ => None,
            };
            rule_page(d, expr.as_ref(), builtin)
        })
        .collect();
    unique_slugs(&mut pages);
    pages
}
