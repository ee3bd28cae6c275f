//! The command line, as clap structs. No behaviour lives here: each
//! subcommand's arguments are handed to its module under `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find protocol tunneling (MITRE ATT&CK T1572) in endpoint and network
/// logs with Sigma rules.
#[derive(Debug, Parser)]
#[command(name = "tunnelhunt", version, propagate_version = true)]
#[command(after_help = "Exit codes: 0 success; 1 rule errors (invalid or \
unsupported rules were reported and left out); 2 usage or setup error; \
3 input errors (unreadable files or unparseable records were reported). \
When several apply, the highest wins.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check or list Sigma rule files.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Scan logs with Sigma rules and print one JSON object per alert.
    Scan(ScanArgs),
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Parse, lower and compile rules; print every problem as
    /// `file:line:col: error[code]: message`. Exit 1 if any is an error.
    Check(CheckArgs),
    /// List the rules (id, title, level, logsource, ATT&CK techniques).
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files, or directories searched recursively for .yml/.yaml files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub placeholders: PlaceholderArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Rule files, or directories searched recursively for .yml/.yaml files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Table,
    /// A JSON array for programs.
    Json,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Rule file or directory (repeat the option for several).
    #[arg(long, short = 'r', required = true, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Log files, or directories searched recursively. The format of each
    /// file is detected from its content.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub placeholders: PlaceholderArgs,
}

#[derive(Debug, Args)]
pub struct PlaceholderArgs {
    /// YAML or JSON map of placeholder name to a list of values, used by
    /// rules with the `|expand` modifier (e.g. `known_cdcs: [dc1, dc2]`).
    #[arg(long, value_name = "FILE")]
    pub placeholders: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn scan_rules_option_takes_one_path_per_use() {
        let cli = Cli::try_parse_from([
            "tunnelhunt",
            "scan",
            "--rules",
            "r1",
            "-r",
            "r2",
            "logs",
            "more",
        ])
        .unwrap();
        let Command::Scan(args) = cli.command else {
            panic!("scan");
        };
        assert_eq!(args.rules, [PathBuf::from("r1"), PathBuf::from("r2")]);
        assert_eq!(args.inputs, [PathBuf::from("logs"), PathBuf::from("more")]);
    }
}
