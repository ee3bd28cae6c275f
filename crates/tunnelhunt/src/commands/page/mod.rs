//! `tunnelhunt rules page [ID…] --out DIR`: a detection page per rule,
//! an index and the coverage comparison, as static HTML in one folder.
//!
//! Each page is put together from what the other commands already do:
//! the rule and its guide (`rules show`), its condition in words (from the
//! IR, [`crate::detection::words`]), the query of every SIEM target or
//! the named refusal (`export`'s rendering, every flavor), and the
//! scenarios that name its branch with the result of running them now
//! (`test`'s replay, [`proof`]). The HTML is the report crate's.

mod proof;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use tunnelhunt_backends::{Target, backend};
use tunnelhunt_report::detection::{self, COVERAGE_FILE, page_file};
use tunnelhunt_report::page::{IndexPage, IndexRow, QueryOutcome, RulePage, TargetQuery, slug};
use tunnelhunt_sigma::ast::Document;

use crate::cli::{PageArgs, TestArgs};
use crate::commands::export::plan::{Lowered, TargetPlan, lower_all, render_target};
use crate::commands::test::plan::{Planned, TestPlan};
use crate::commands::{Outcome, report_rule_problems, require_existing, show};
use crate::detection::rule_page;
use crate::output::plural;
use crate::output::terminal::escape;
use crate::{placeholders, ruleset};

/// Where the seed-page comparison is when `--coverage` is not given.
const DEFAULT_COVERAGE: &str = "docs/coverage.md";

pub fn run(args: &PageArgs) -> anyhow::Result<Outcome> {
    require_existing("rule path", &args.rules)?;
    let placeholders = placeholders::load(args.placeholders.placeholders.as_deref())?;
    let loaded = ruleset::load_or_builtin(&args.rules, &args.filters);
    let builtin = args.rules.is_empty();
    let lowered = lower_all(&loaded, &placeholders);
    let rule_errors = report_rule_problems(&lowered.problems, "left out of the pages");
    let wanted = selected_files(args, &loaded)?;

    let mut pages = pages(&lowered, builtin, &wanted);
    if pages.is_empty() {
        bail!("no rule to write a page for");
    }
    add_queries(&mut pages, &lowered);
    let scenarios = scenario_results(args)?;
    for page in &mut pages {
        page.scenarios = proof::for_rule(page, &scenarios);
    }

    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    for page in &pages {
        write(
            &args.out.join(page_file(&page.slug)),
            &detection::rule_document(page),
        )?;
    }
    let coverage = coverage_text(args)?;
    if let Some(text) = &coverage {
        write(
            &args.out.join(COVERAGE_FILE),
            &detection::coverage_document(text),
        )?;
    }
    let index = index(&pages, coverage);
    write(
        &args.out.join("index.html"),
        &detection::index_document(&index),
    )?;
    eprintln!(
        "{} and an index written to {}",
        plural(pages.len(), "detection page"),
        escape(&args.out.display().to_string())
    );
    Ok(if rule_errors > 0 {
        Outcome::RuleErrors
    } else {
        Outcome::Success
    })
}

/// The files of the rules `ID…` names (all when none is named).
fn selected_files(
    args: &PageArgs,
    loaded: &ruleset::LoadedRules,
) -> anyhow::Result<Option<Vec<(PathBuf, usize)>>> {
    if args.ids.is_empty() {
        return Ok(None);
    }
    let documents: Vec<&Document> = (loaded.collection.documents().iter())
        .filter(|d| !matches!(d, Document::Filter(_)))
        .collect();
    args.ids
        .iter()
        .map(|id| {
            let origin = show::find(&documents, id)?.origin();
            Ok((origin.file.clone(), origin.document))
        })
        .collect::<anyhow::Result<_>>()
        .map(Some)
}

fn pages(
    lowered: &Lowered,
    builtin: bool,
    wanted: &Option<Vec<(PathBuf, usize)>>,
) -> Vec<RulePage> {
    let chosen = |file: &Path, document: usize| {
        wanted
            .as_ref()
            .is_none_or(|w| w.iter().any(|(f, d)| f == file && *d == document))
    };
    let rules = lowered.rules.iter().filter_map(|r| {
        let rule = r.rule();
        chosen(&rule.origin.file, rule.origin.document).then(|| {
            let document = Document::Rule(rule.clone());
            RulePage {
                slug: slug(&r.stem),
                ..rule_page(&document, Some(&r.lowered.expr), builtin)
            }
        })
    });
    let correlations = lowered.correlations.iter().filter_map(|c| {
        let origin = &c.correlation.origin;
        chosen(&origin.file, origin.document).then(|| {
            let document = Document::Correlation(c.correlation.clone());
            RulePage {
                slug: slug(&c.stem),
                ..rule_page(&document, None, builtin)
            }
        })
    });
    rules.chain(correlations).collect()
}

/// Every target, every flavor: the query or the refusal.
fn add_queries(pages: &mut [RulePage], lowered: &Lowered) {
    for target in Target::ALL {
        let backend = backend(target);
        let plan = TargetPlan {
            backend,
            flavors: backend.flavors().to_vec(),
        };
        let exported = render_target(&plan, lowered, false);
        for rendered in exported.entries() {
            let Some(page) = pages.iter_mut().find(|p| p.slug == slug(&rendered.stem)) else {
                continue;
            };
            for (flavor, result) in &rendered.renderings {
                page.queries.push(TargetQuery {
                    target: target.name().to_owned(),
                    label: target.description().to_owned(),
                    flavor: flavor.name().to_owned(),
                    outcome: match result {
                        Ok(text) => QueryOutcome::Query(text.clone()),
                        Err(refusal) => QueryOutcome::Refused(refusal.to_string()),
                    },
                });
            }
        }
    }
}

/// The scenarios replayed through the same rules, as `tunnelhunt test`
/// does; none when there is no scenario folder.
fn scenario_results(
    args: &PageArgs,
) -> anyhow::Result<Vec<crate::commands::test::run::ScenarioResult>> {
    let corpus = if args.corpus.is_empty() {
        let default = PathBuf::from(crate::commands::test::DEFAULT_CORPUS);
        if !default.is_dir() {
            return Ok(Vec::new());
        }
        vec![default]
    } else {
        args.corpus.clone()
    };
    let test_args = TestArgs {
        rules: args.rules.clone(),
        filters: args.filters.clone(),
        corpus,
        external_corpus: args.external_corpus.clone(),
        placeholders: crate::cli::PlaceholderArgs {
            placeholders: args.placeholders.placeholders.clone(),
        },
        coverage_md: None,
        seed: None,
        show_records: false,
    };
    let plan = match TestPlan::from_args(&test_args)? {
        Planned::Ready(plan) => plan,
        Planned::NoUsableRules => bail!("the rules cannot be compiled for the scenarios"),
    };
    let rules = plan.rules();
    Ok(plan
        .scenarios
        .iter()
        .map(|s| crate::commands::test::run::run_scenario(s, &rules, plan.external.as_deref()))
        .collect())
}

fn coverage_text(args: &PageArgs) -> anyhow::Result<Option<String>> {
    let path = args
        .coverage
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_COVERAGE));
    match fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.coverage.is_none() => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn index(pages: &[RulePage], coverage: Option<String>) -> IndexPage {
    let targets: Vec<String> = Target::ALL.iter().map(|t| t.name().to_owned()).collect();
    let mut sources: Vec<String> = pages.iter().map(source_of).collect();
    sources.sort();
    sources.dedup();
    let rows = pages
        .iter()
        .map(|p| IndexRow {
            slug: p.slug.clone(),
            title: p.title.clone(),
            branch: p.branch.clone().unwrap_or_else(|| "(no branch)".to_owned()),
            level: p.level,
            source: source_of(p),
            exported: targets
                .iter()
                .map(|t| {
                    p.queries
                        .iter()
                        .any(|q| &q.target == t && matches!(q.outcome, QueryOutcome::Query(_)))
                })
                .collect(),
        })
        .collect();
    IndexPage {
        title: "tunnelhunt detection pages".to_owned(),
        sources,
        targets,
        rows,
        coverage_markdown: coverage,
    }
}

/// A correlation's pages group under one source, not one per rule list.
fn source_of(page: &RulePage) -> String {
    if page.logsource.starts_with("matches of ") {
        "correlation".to_owned()
    } else {
        page.logsource.clone()
    }
}

fn write(path: &Path, html: &str) -> anyhow::Result<()> {
    fs::write(path, html).with_context(|| format!("cannot write {}", path.display()))
}
