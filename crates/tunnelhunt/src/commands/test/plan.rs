//! What `tunnelhunt test` will run, decided from its arguments first.
//!
//! [`TestPlan::from_args`] checks the paths, finds and parses every
//! scenario and compiles the rules, so a broken `expect.yml` or a rule set
//! with nothing usable is refused before any scenario runs; `super::run`
//! then only replays the scenarios and reports. The checks come in the
//! order the command always made them, so the same mistake gives the same
//! message.

use std::path::{Path, PathBuf};

use anyhow::bail;
use tunnelhunt_engine::Matcher;
use tunnelhunt_sigma::lower::Placeholders;

use super::run::{self, RuleLabel, RuleSet, Scenario};
use super::{CORPUS_ENV, DEFAULT_CORPUS, join};
use crate::behaviour::Behaviours;
use crate::cli::TestArgs;
use crate::commands::{report_rule_problems, require_existing};
use crate::correlations::{Correlations, Needed};
use crate::output::plural;
use crate::output::terminal::escape;
use crate::placeholders;
use crate::ruleset::{self, LoadedRules};

/// The scenarios to replay and the rules to replay them through.
pub struct TestPlan {
    pub scenarios: Vec<Scenario>,
    /// Where the scenarios' `corpus:` files are, when known.
    pub external: Option<PathBuf>,
    /// Also used for the seed rule of `--coverage-md`.
    pub placeholders: Placeholders,
    pub matcher: Matcher,
    /// The compiled rules' labels, by rule id in the matcher.
    pub labels: Vec<RuleLabel>,
    /// Rules left out because they are invalid or unsupported (reported).
    pub rule_errors: usize,
    /// The correlation rules of the set, compiled.
    pub correlations: Option<Correlations<'static>>,
    /// The behaviour analytics the rules feed.
    pub behaviours: Option<Behaviours<'static>>,
}

/// What planning decided.
pub enum Planned {
    Ready(Box<TestPlan>),
    /// The rule set could not be compiled; that is printed. No scenario
    /// is run.
    NoUsableRules,
}

impl TestPlan {
    /// Check `args`, parse the scenarios and compile the rules. An `Err`
    /// is a usage or setup error: no scenario was run.
    pub fn from_args(args: &TestArgs) -> anyhow::Result<Planned> {
        let corpus = if args.corpus.is_empty() {
            vec![PathBuf::from(DEFAULT_CORPUS)]
        } else {
            args.corpus.clone()
        };
        require_existing("rule path", &args.rules)?;
        require_existing("filters file", &args.filters)?;
        require_existing("scenario folder", &corpus)?;
        let external = external_root(args.external_corpus.as_deref())?;
        let placeholders = placeholders::load(args.placeholders.placeholders.as_deref())?;
        let scenarios = scenarios(&corpus)?;

        // Kept for the process: the compiled correlations borrow the rules.
        let loaded: &'static LoadedRules = Box::leak(Box::new(ruleset::load_or_builtin(
            &args.rules,
            &args.filters,
        )));
        let compiled = ruleset::compile(loaded, &placeholders);
        let mut rule_errors = report_rule_problems(&compiled.problems, "left out");
        let needed = Needed::find(&loaded.collection, |_, _| true);
        let (correlations, left_out) =
            Correlations::compile(&loaded.collection, &needed, &compiled.rules, |_| true);
        for correlation in &left_out {
            eprintln!(
                "{}:{}: error[correlation]: correlation {}: {}; left out",
                escape(&correlation.file.display().to_string()),
                correlation.line,
                escape(&correlation.label),
                escape(&correlation.reason)
            );
        }
        rule_errors += left_out.len();
        let (behaviours, unknown) = Behaviours::find(&compiled.rules);
        for problem in &unknown {
            eprintln!(
                "tunnelhunt: rule {}: {}; its matches alert as an ordinary rule's",
                escape(&problem.rule),
                escape(&problem.reason)
            );
        }
        let Some(matcher) = compiled.matcher else {
            eprintln!("tunnelhunt: the rule set could not be compiled; no scenario was run");
            return Ok(Planned::NoUsableRules);
        };
        if compiled.rules.is_empty() {
            let source = if args.rules.is_empty() {
                "the built-in pack".to_owned()
            } else {
                join(&args.rules)
            };
            bail!("no usable rules in {source}");
        }
        let labels = compiled.rules.iter().map(|r| RuleLabel::of(r)).collect();
        Ok(Planned::Ready(Box::new(TestPlan {
            scenarios,
            external,
            placeholders,
            matcher,
            labels,
            rule_errors,
            correlations,
            behaviours,
        })))
    }

    /// The rules, as the scenarios are compared with them.
    pub fn rules(&self) -> RuleSet<'_> {
        RuleSet {
            matcher: &self.matcher,
            labels: self.labels.clone(),
            correlations: self.correlations.as_ref(),
            behaviours: self.behaviours.as_ref(),
        }
    }
}

/// Every scenario under `corpus`; a problem in any `expect.yml`, or no
/// scenario at all, is refused.
fn scenarios(corpus: &[PathBuf]) -> anyhow::Result<Vec<Scenario>> {
    let scenarios = match run::discover(corpus) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}", escape(&e.to_string()));
            }
            bail!(
                "{} in the scenarios' expect.yml files",
                plural(errors.len(), "problem")
            );
        }
    };
    if scenarios.is_empty() {
        bail!(
            "no scenarios (folders with an expect.yml) under {}",
            join(corpus)
        );
    }
    Ok(scenarios)
}

/// `--external-corpus`, else `$TUNNELHUNT_CORPUS`; a named root must exist.
fn external_root(flag: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    let root = match flag {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::var_os(CORPUS_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    };
    if let Some(root) = &root
        && !root.is_dir()
    {
        bail!("the external corpus {} is not a folder", root.display());
    }
    Ok(root)
}
