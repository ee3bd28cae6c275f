//! `tunnelhunt test`: replay the labelled scenarios through the readers
//! and the engine, and fail on any difference from what they promise.
//!
//! This is detection-as-code CI: a rule change that stops detecting a
//! tunnel, or starts alerting on a jump host, turns a cell of the matrix
//! red and the exit code non-zero. It runs the same pipeline as `scan`
//! (rule loading in [`crate::ruleset`], file reading and matching in
//! [`crate::evaluate`]), so a passing scenario is a promise about `scan`.
//!
//! Modules: [`plan`] checks the arguments, finds the scenarios and
//! compiles the rules before any scenario runs; [`expect`] parses and
//! validates `expect.yml`; [`run`] finds
//! scenarios and compares what fired with what was expected, and
//! [`correlated`] does the same for correlation alerts; [`matrix`]
//! counts and prints; [`coverage`] writes `docs/coverage.md`, which puts
//! the pack next to the seed page's four-branch logic.

pub mod correlated;
pub mod coverage;
pub mod expect;
pub mod matrix;
pub mod plan;
pub mod run;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::cli::TestArgs;
use crate::commands::{Outcome, require_existing};
use crate::output::plural;
use crate::output::terminal::{escape, escape_lines};
use crate::ruleset;
use matrix::Matrix;
use plan::{Planned, TestPlan};
use run::{RuleSet, Scenario, ScenarioResult};

/// Where the scenarios are when `--corpus` is not given.
pub const DEFAULT_CORPUS: &str = "corpus/scenarios";
/// The seed page's logic as one Sigma rule, for `--coverage-md`.
pub const DEFAULT_SEED: &str = "corpus/seed/seed_t1572_four_branches.yml";
/// The environment variable naming the external corpus root.
pub const CORPUS_ENV: &str = "TUNNELHUNT_CORPUS";

pub fn run(args: &TestArgs) -> anyhow::Result<Outcome> {
    let plan = match TestPlan::from_args(args)? {
        Planned::Ready(plan) => plan,
        Planned::NoUsableRules => return Ok(Outcome::UsageError),
    };
    let external = plan.external.as_deref();
    let rules = plan.rules();
    let results = run_all(&plan.scenarios, &rules, external);

    let matrix = Matrix::build(&results, rules.branches());
    let mut out = std::io::stdout().lock();
    // Scenario names, branches and summaries come from files: the report
    // is escaped for the terminal like every other.
    writeln!(out, "{}", escape_lines(&matrix.table()))?;
    if args.show_records {
        show_records(&mut out, &plan.scenarios, &rules, external)?;
    }
    let problems = matrix::mismatches(&results);
    if !problems.is_empty() {
        writeln!(out, "\n{}:", plural(problems.len(), "problem"))?;
        for p in &problems {
            writeln!(out, "  {}", escape(&p.to_string()))?;
        }
    }
    writeln!(out, "\n{}", matrix.totals_line())?;

    if let Some(md_path) = &args.coverage_md {
        write_coverage(
            args,
            md_path,
            &plan.scenarios,
            &results,
            &plan.placeholders,
            external,
        )?;
        writeln!(out, "coverage table written to {}", md_path.display())?;
    }

    Ok(if !matrix.all_passed() {
        Outcome::TestFailures
    } else if plan.rule_errors > 0 {
        Outcome::RuleErrors
    } else {
        Outcome::Success
    })
}

fn run_all(
    scenarios: &[Scenario],
    rules: &RuleSet<'_>,
    external: Option<&Path>,
) -> Vec<ScenarioResult> {
    scenarios
        .iter()
        .map(|s| run::run_scenario(s, rules, external))
        .collect()
}

fn join(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--show-records`: every record of every scenario with what fired —
/// what a scenario author needs to write `expect.yml`.
fn show_records(
    out: &mut impl std::io::Write,
    scenarios: &[Scenario],
    rules: &RuleSet<'_>,
    external: Option<&Path>,
) -> anyhow::Result<()> {
    let mut scratch = rules.matcher.scratch();
    for s in scenarios {
        writeln!(out, "\n{}", escape(&s.name))?;
        let mut files: Vec<(String, PathBuf)> = run::local_files(&s.dir)?
            .into_iter()
            .map(|n| (n.clone(), s.dir.join(n)))
            .collect();
        if let Some(root) = external {
            for f in s.spec.files() {
                if let expect::FileRef::Corpus(rel) = f {
                    files.push((f.to_string(), root.join(rel)));
                }
            }
        }
        for (name, path) in files {
            match crate::evaluate::evaluate_file(&path, rules.matcher, &mut scratch) {
                Ok(hits) => {
                    for r in &hits.records {
                        let fired: Vec<&str> = r
                            .rules
                            .iter()
                            .map(|&id| rules.labels[id].branch.as_str())
                            .collect();
                        let line = format!(
                            "  {name} {:>6}  EID {:<5} {:<40} {}",
                            r.record,
                            r.event_id
                                .map_or_else(|| "-".to_owned(), |id| id.to_string()),
                            fired.join(","),
                            r.summary
                        );
                        writeln!(out, "{}", escape(&line))?;
                    }
                    for e in &hits.errors {
                        writeln!(out, "  {}", escape(&format!("{name}: {e}")))?;
                    }
                }
                Err(e) => writeln!(out, "  {}", escape(&format!("{name}: {e}")))?,
            }
        }
    }
    Ok(())
}

/// Run the seed rule over the same scenarios and write the table.
fn write_coverage(
    args: &TestArgs,
    md_path: &Path,
    scenarios: &[Scenario],
    ours: &[ScenarioResult],
    placeholders: &tunnelhunt_sigma::lower::Placeholders,
    external: Option<&Path>,
) -> anyhow::Result<()> {
    let seed_path = args
        .seed
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SEED));
    require_existing("seed rule", std::slice::from_ref(&seed_path))?;
    let loaded = ruleset::load(std::slice::from_ref(&seed_path));
    let compiled = ruleset::compile(&loaded, placeholders);
    if compiled.problems.iter().any(ruleset::Problem::is_error) {
        crate::commands::report_rule_problems(&compiled.problems, "left out");
        bail!("the seed rule {} does not compile", seed_path.display());
    }
    let Some(matcher) = &compiled.matcher else {
        bail!("the seed rule {} does not compile", seed_path.display());
    };
    let seed_rules = RuleSet::new(matcher, &compiled.rules);
    let seed = run_all(scenarios, &seed_rules, external);
    let command = format!("tunnelhunt test --coverage-md {}", md_path.display());
    let text = coverage::markdown(ours, &seed, &command);
    std::fs::write(md_path, text).with_context(|| format!("cannot write {}", md_path.display()))
}
