//! One module per subcommand. Each takes its parsed arguments and returns
//! an [`Outcome`]; an `Err` means the command could not run at all (bad
//! arguments, unreadable configuration), which `main` reports as a usage
//! error.

pub mod check;
pub mod export;
pub mod list;
pub mod scan;
pub mod show;
pub mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

use crate::output::plural;
use crate::ruleset;

/// How a command ended, in increasing order of severity. The exit codes
/// are part of the interface (documented in the README and `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: some rules are invalid or unsupported; they were reported
    /// and left out.
    RuleErrors,
    /// Exit 2: the command could not run (bad arguments or setup).
    UsageError,
    /// Exit 3: some inputs could not be read or some records not parsed;
    /// they were reported and counted.
    InputErrors,
    /// Exit 4 (`test`): some scenarios did not get the alerts they
    /// expect (a missed detection or a false positive).
    TestFailures,
    /// Exit 5 (`scan --fail-on-alert`): alerts were printed.
    AlertsFound,
    /// Exit 6 (`export --strict`): some rules could not be rendered
    /// exactly for a target; they were refused and listed.
    Refusals,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Success => 0,
            Outcome::RuleErrors => 1,
            Outcome::UsageError => 2,
            Outcome::InputErrors => 3,
            Outcome::TestFailures => 4,
            Outcome::AlertsFound => 5,
            Outcome::Refusals => 6,
        })
    }
}

/// Refuse paths that do not exist before doing any work: a typo in a path
/// is a usage error, not an empty result.
pub fn require_existing(what: &str, paths: &[PathBuf]) -> anyhow::Result<()> {
    let missing: Vec<String> = paths
        .iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        bail!("{what} not found: {}", missing.join(", "));
    }
    Ok(())
}

/// Print rule errors in full and warnings as a count on stderr, for the
/// commands that go on with the rules that compiled (`scan`, `test`).
/// Returns how many errors there were; each left a rule `left_out` (e.g.
/// "left out of this scan").
pub fn report_rule_problems(problems: &[ruleset::Problem], left_out: &str) -> usize {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    for problem in problems.iter().filter(|p| p.is_error()) {
        eprintln!("{problem}");
    }
    let warnings = problems.len() - errors;
    if errors > 0 {
        eprintln!(
            "tunnelhunt: {} in the rules; the affected rules are {left_out}",
            plural(errors, "error")
        );
    }
    if warnings > 0 {
        eprintln!(
            "tunnelhunt: {} in the rules (run `tunnelhunt rules check` to see them)",
            plural(warnings, "warning")
        );
    }
    errors
}
