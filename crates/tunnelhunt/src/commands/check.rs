//! `tunnelhunt rules check`: load, lower and compile rules the way a scan
//! would, and print every problem found on the way with its location.

use std::io::{self, Write};

use crate::cli::CheckArgs;
use crate::commands::{Outcome, require_existing};
use crate::output::plural;
use crate::output::terminal::escape;
use crate::{placeholders, ruleset};

pub fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    require_existing("rule path", &args.paths)?;
    let placeholders = placeholders::load(args.placeholders.placeholders.as_deref())?;
    let loaded = ruleset::load_or_builtin(&args.paths, &[]);
    let compiled = ruleset::compile(&loaded, &placeholders);
    let collection = &loaded.collection;

    let errors = compiled.problems.iter().filter(|p| p.is_error()).count();
    let warnings = compiled.problems.len() - errors;
    let mut out = io::stdout().lock();
    for problem in &compiled.problems {
        // A problem quotes the rule: escaped like every value from a file.
        writeln!(out, "{}", escape(&problem.to_string()))?;
    }
    writeln!(
        out,
        "{}, {}, {}, {}: {}, {}",
        plural(loaded.files, "file"),
        plural(collection.rules().count(), "rule"),
        plural(collection.filters().count(), "filter"),
        plural(collection.correlations().count(), "correlation"),
        plural(errors, "error"),
        plural(warnings, "warning"),
    )?;
    out.flush()?;
    Ok(if errors > 0 {
        Outcome::RuleErrors
    } else {
        Outcome::Success
    })
}
