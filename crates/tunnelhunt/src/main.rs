//! `tunnelhunt`: the binary. Parses arguments, runs one command, turns its
//! outcome into an exit code. Everything else lives in the library crates:
//! rules in `tunnelhunt-sigma`, matching in `tunnelhunt-engine`, log
//! reading in `tunnelhunt-sources`. This crate only wires them together and
//! decides what a person sees; it owns no detection logic and no format.

mod allocator;
mod behaviour;
mod cli;
mod commands;
mod correlations;
mod detection;
mod evaluate;
mod output;
mod placeholders;
mod ruleset;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, RulesCommand};
use crate::commands::Outcome;

fn main() -> ExitCode {
    allocator::configure();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Rules(RulesCommand::Check(args)) => commands::check::run(&args),
        Command::Rules(RulesCommand::List(args)) => commands::list::run(&args),
        Command::Rules(RulesCommand::Show(args)) => commands::show::run(&args),
        Command::Rules(RulesCommand::Page(args)) => commands::page::run(&args),
        Command::Rules(RulesCommand::Layer(args)) => commands::layer::run(&args),
        Command::Scan(args) => commands::scan::run(&args),
        Command::Test(args) => commands::test::run(&args),
        Command::Export(args) => commands::export::run(&args),
    };
    match result {
        Ok(outcome) => outcome.exit_code(),
        // Our reader went away (`tunnelhunt rules list | head`): not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // An error may quote a file's name or content: escaped.
            let message = format!("{error:#}");
            eprintln!(
                "tunnelhunt: error: {}",
                output::terminal::escape_lines(&message)
            );
            Outcome::UsageError.exit_code()
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
