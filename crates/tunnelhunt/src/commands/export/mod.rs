//! `tunnelhunt export`: render rules as SIEM queries (or normalized Sigma).
//!
//! The rules are loaded and lowered exactly as `scan` does (same filters,
//! same placeholders), then each target's backend renders every rule in
//! every flavor. A rule a target cannot express is *refused* — reported
//! with the construct and the reason — never rendered approximately. On
//! stdout the queries of one target follow each other (each carries its
//! metadata comment); with `--out DIR` every rendering goes into its own
//! file, with the pack queries and a README index beside them.
//!
//! Correlation rules go the same way as rules: rendered per target and
//! flavor where the target states their sliding-window meaning exactly,
//! refused by name (and counted as refusals) where it does not; their
//! queries follow the rules' on stdout and sit beside them with `--out`.
//!
//! `--as rule|repo` writes deployable rule objects around the same
//! renderings instead of the query files (`deploy`).

mod deploy;
mod index;
pub mod plan;

use std::io::{self, Write};

use anyhow::Context;

use crate::cli::ExportArgs;
use crate::commands::{Outcome, report_rule_problems};
use crate::output::plural;
use crate::output::terminal::escape;
use crate::ruleset;

use plan::{Exported, Plan, lower_all};

pub fn run(args: &ExportArgs) -> anyhow::Result<Outcome> {
    let plan = Plan::from_args(args)?;
    let deploy = deploy::DeployPlan::from_args(args)?;
    let loaded = ruleset::load_or_builtin(&args.rules, &args.filters);
    let lowered = lower_all(&loaded, &plan.placeholders);
    let rule_errors = report_rule_problems(&lowered.problems, "left out of the export");

    let exported: Vec<Exported> = plan
        .targets
        .iter()
        .map(|target| plan::render_target(target, &lowered, plan.approximate))
        .collect();
    report_refusals(&exported);

    let mut refused: usize = exported.iter().map(Exported::refusal_count).sum();
    match (&deploy, &args.out) {
        (Some(deploy), _) => refused += deploy.write(&lowered, &exported)?,
        (None, Some(dir)) => {
            index::write_tree(dir, &lowered, &exported)
                .with_context(|| format!("cannot write the export to {}", dir.display()))?;
            let files: usize = exported.iter().map(Exported::file_count).sum();
            eprintln!(
                "tunnelhunt: wrote {} for {} and {} to {} (index: {})",
                plural(files, "file"),
                plural(lowered.rules.len(), "rule"),
                plural(lowered.correlations.len(), "correlation rule"),
                dir.display(),
                dir.join("README.md").display()
            );
        }
        (None, None) => print_stdout(&exported, args.pack)?,
    }

    Ok(if rule_errors > 0 {
        Outcome::RuleErrors
    } else if refused > 0 && args.strict {
        Outcome::Refusals
    } else {
        Outcome::Success
    })
}

/// One line per refusal on stderr, then a count per target.
fn report_refusals(exported: &[Exported]) {
    for target in exported {
        for rendered in target.entries() {
            for (flavor, refusal) in rendered.refusals() {
                // The label and the refusal quote the rule: escaped.
                let line = format!(
                    "tunnelhunt: {}{}: {} {}: refused: {refusal}",
                    target.target.name(),
                    flavor
                        .suffix()
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default(),
                    rendered.entry.noun(),
                    rendered.label,
                );
                eprintln!("{}", escape(&line));
            }
        }
        let refused = target.refusal_count();
        if refused > 0 {
            eprintln!(
                "tunnelhunt: {}: {} refused (the target cannot express them exactly)",
                target.target.name(),
                plural(refused, "rendering"),
            );
        }
    }
}

/// Without `--out`: the renderings of each target (one flavor), or with
/// `--pack` its pack query, separated by blank lines.
fn print_stdout(exported: &[Exported], pack_only: bool) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    let mut first = true;
    let mut separate = |out: &mut io::StdoutLock| -> io::Result<()> {
        if !first {
            writeln!(out)?;
        }
        first = false;
        Ok(())
    };
    for target in exported {
        if pack_only {
            for pack in &target.packs {
                separate(&mut out)?;
                writeln!(out, "{}", pack.text.trim_end())?;
            }
            continue;
        }
        for rendered in target.entries() {
            for (_, text) in rendered.texts() {
                separate(&mut out)?;
                writeln!(out, "{}", text.trim_end())?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
