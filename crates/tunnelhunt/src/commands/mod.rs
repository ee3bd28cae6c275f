//! One module per subcommand. Each takes its parsed arguments and returns
//! an [`Outcome`]; an `Err` means the command could not run at all (bad
//! arguments, unreadable configuration), which `main` reports as a usage
//! error.

pub mod check;
pub mod export;
pub mod layer;
pub mod list;
mod outcome;
pub mod page;
pub mod scan;
pub mod show;
pub mod test;

use std::path::PathBuf;

use anyhow::bail;

use crate::output::plural;
use crate::output::terminal::escape;
use crate::ruleset;
pub use outcome::{Outcome, exit_codes_help};

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
        eprintln!("{}", escape(&problem.to_string()));
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
