//! The command line, as clap structs. No behaviour lives here: each
//! subcommand's arguments are handed to its module under `commands`.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use tunnelhunt_backends::Target;

use crate::commands::{Outcome, exit_codes_help};

/// Find protocol tunneling (MITRE ATT&CK T1572) in endpoint and network
/// logs with Sigma rules.
#[derive(Debug, Parser)]
#[command(name = "tunnelhunt", version, propagate_version = true)]
#[command(after_help = exit_codes_help(&Outcome::ALL))]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check or list Sigma rule files.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Scan logs with Sigma rules and print the alerts (a table on a
    /// terminal, JSON lines or CSV otherwise).
    #[command(after_help = scan_after_help())]
    Scan(ScanArgs),
    /// Replay labelled scenarios (events + expect.yml) through the rules;
    /// print a scenario × branch matrix. Exit 4 on any mismatch.
    #[command(after_help = exit_codes_help(TEST_OUTCOMES))]
    Test(TestArgs),
    /// Render rules as SIEM queries (KQL, SPL, EQL, AQL, Sumo Logic,
    /// YARA-L 2.0, LogScale) or normalized Sigma. A rule a target cannot
    /// express exactly is refused with the reason, never approximated.
    #[command(after_help = export_after_help())]
    Export(ExportArgs),
}

/// Layout notes and exit codes printed under `tunnelhunt export --help`.
fn export_after_help() -> String {
    let layout = "Without --out, the queries of each target \
are printed on stdout one after another (each starts with a comment naming \
its rule); refusals are listed on stderr. With --out DIR: DIR/<target>/<rule>.<ext> \
per rule (DIR/<target>/<rule>.<flavor>.<ext> for other flavors), \
DIR/packs/pack[.<flavor>].<ext> for the pack queries and DIR/README.md as \
the index.";
    format!("{layout}\n\n{}", exit_codes_help(EXPORT_OUTCOMES))
}

/// The outcomes each command can end with, for its `--help`; what each
/// means is [`Outcome::meaning`].
const SCAN_OUTCOMES: &[Outcome] = &[
    Outcome::Success,
    Outcome::RuleErrors,
    Outcome::UsageError,
    Outcome::InputErrors,
    Outcome::AlertsFound,
];
const TEST_OUTCOMES: &[Outcome] = &[
    Outcome::Success,
    Outcome::RuleErrors,
    Outcome::UsageError,
    Outcome::TestFailures,
];
const EXPORT_OUTCOMES: &[Outcome] = &[
    Outcome::Success,
    Outcome::RuleErrors,
    Outcome::UsageError,
    Outcome::Refusals,
];

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The query language, or `all`.
    #[arg(long, short = 't', value_enum, value_name = "TARGET")]
    pub target: ExportTarget,
    /// Rule file or directory (repeat for several; default: the built-in
    /// T1572 pack).
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Sigma filter files to fold into every rule they name: the exported
    /// queries carry the tuning.
    #[arg(long, value_name = "FILE")]
    pub filters: Vec<PathBuf>,
    #[command(flatten)]
    pub placeholders: PlaceholderArgs,
    /// Write one file per rule, target and flavor, the pack queries and a
    /// README index into DIR (new, empty, or an earlier export).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only this flavor of the target (e.g. `sentinel` for kql, `cim` for
    /// spl, `search` for sumo; `default` for the default one). Default:
    /// every flavor with --out, the default flavor on stdout.
    #[arg(long, value_name = "NAME")]
    pub flavor: Option<String>,
    /// Print the whole rule set as one hunting query per target (with a
    /// detection-branch column) instead of one query per rule. With --out
    /// the pack queries are always written.
    #[arg(long)]
    pub pack: bool,
    /// Exit 6 when any rendering was refused.
    #[arg(long)]
    pub strict: bool,
    /// Let targets that only have fixed time buckets render correlation
    /// rules with them (a burst across a bucket edge is missed), marked as
    /// approximate in the query's header. Without it they refuse; targets
    /// with sliding windows never need it.
    #[arg(long)]
    pub approximate: bool,
    /// What to write: the query text (default), one deployable rule object
    /// per rule (`rule`: schedule, severity, ATT&CK, investigation guide),
    /// or a directory laid out like the vendor's detection-as-code
    /// repository (`repo`, needs --out). Rule objects exist for eql
    /// (Elastic detection rules), yaral (Google SecOps rules); see
    /// docs/deploy.md.
    #[arg(long = "as", value_enum, default_value = "query", value_name = "FORM")]
    pub form: ExportForm,
    /// Schedules per level for rule objects (TOML: `[high]` `interval =
    /// "5m"` `lookback = "10m"`); default in docs/deploy.md.
    #[arg(long, value_name = "FILE")]
    pub schedule: Option<PathBuf>,
}

/// `export --as`: query text, or the rule objects around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportForm {
    /// The query text of each rule (and the pack queries).
    Query,
    /// One deployable rule object per rule.
    Rule,
    /// The rule objects laid out as the vendor's rule repository.
    Repo,
}

/// `--target` values: every target the backends render
/// ([`Target::ALL`], so a new backend is offered without editing this
/// file), or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTarget {
    One(Target),
    All,
}

impl ExportTarget {
    /// What `--target` accepts, in [`Target::ALL`] order, `all` last.
    const CHOICES: [ExportTarget; Target::ALL.len() + 1] = {
        let mut choices = [ExportTarget::All; Target::ALL.len() + 1];
        let mut i = 0;
        while i < Target::ALL.len() {
            choices[i] = ExportTarget::One(Target::ALL[i]);
            i += 1;
        }
        choices
    };

    /// The targets to export, in [`Target::ALL`] order.
    pub fn targets(self) -> Vec<Target> {
        match self {
            ExportTarget::One(target) => vec![target],
            ExportTarget::All => Target::ALL.to_vec(),
        }
    }
}

impl ValueEnum for ExportTarget {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::CHOICES
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ExportTarget::One(target) => {
                PossibleValue::new(target.name()).help(target.description())
            }
            ExportTarget::All => PossibleValue::new("all").help("Every target"),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Parse, lower and compile rules; print every problem as
    /// `file:line:col: error[code]: message`. Exit 1 if any is an error.
    Check(CheckArgs),
    /// List the rules (id, title, level, logsource, ATT&CK techniques).
    List(ListArgs),
    /// Show one rule: its metadata, what it detects and its investigation
    /// guide (what to check, how to respond, how to tune).
    Show(ShowArgs),
    /// Write a static HTML detection page per rule (logic in words, the
    /// Sigma rule, the query per SIEM or its refusal, false positives,
    /// the scenarios that prove it, the guide), an index with the
    /// coverage matrix and search, and docs/coverage.md as a page.
    Page(PageArgs),
    /// Write the rules' ATT&CK coverage as an ATT&CK Navigator layer
    /// (format 4.5): each technique scored by how many rules detect it,
    /// the rules' titles in its metadata.
    Layer(LayerArgs),
}

#[derive(Debug, Args)]
pub struct LayerArgs {
    /// Rule file or directory (repeat for several; default: the built-in
    /// T1572 pack).
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Write the layer to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The layer's name in the Navigator.
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct PageArgs {
    /// Only these rules (id, unique id prefix or file name without the
    /// extension); default: every rule and correlation.
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// The folder to write (created; existing pages are overwritten).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Rule file or directory (repeat for several; default: the built-in
    /// T1572 pack).
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Sigma filter files folded into the rules (and their queries).
    #[arg(long, value_name = "FILE")]
    pub filters: Vec<PathBuf>,
    #[command(flatten)]
    pub placeholders: PlaceholderArgs,
    /// Scenario folders replayed for the pages' proof tables (default:
    /// corpus/scenarios when it exists).
    #[arg(long, value_name = "DIR")]
    pub corpus: Vec<PathBuf>,
    /// Root of the scenarios' `corpus:` files (default: $TUNNELHUNT_CORPUS).
    #[arg(long, value_name = "DIR")]
    pub external_corpus: Option<PathBuf>,
    /// The seed-page comparison shown as coverage.html (default:
    /// docs/coverage.md when it exists).
    #[arg(long, value_name = "FILE")]
    pub coverage: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files, or directories searched recursively for .yml/.yaml files
    /// (default: the built-in T1572 pack).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub placeholders: PlaceholderArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Rule files, or directories searched recursively for .yml/.yaml files
    /// (default: the built-in T1572 pack).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The rule's id (or a unique prefix of it, or its file name without
    /// the extension).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Look the rule up in these rule files or directories instead of the
    /// built-in pack; its guide is the `.md` file beside it.
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
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
    /// Rule file or directory (repeat the option for several; default: the
    /// built-in T1572 pack).
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Sigma filter files (tuning: exclusions for named rules, or for every
    /// rule of a logsource with `rules: any`). Repeat for several.
    #[arg(long, value_name = "FILE")]
    pub filters: Vec<PathBuf>,
    /// Log files, or directories searched recursively. The format of each
    /// file is detected from its content.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub placeholders: PlaceholderArgs,
    /// Worker threads (default: the number of CPU cores; at most 256). The
    /// output is the same for any number.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<NonZeroUsize>,
    /// Stop at the first unreadable file, damaged EVTX chunk or unparseable
    /// record (exit 3, naming it) instead of reporting it and going on.
    #[arg(long)]
    pub strict: bool,
    /// Give up on a file (or a part of a big one) that is not read after
    /// SECONDS plus one second per MB of it — a parser stuck on a crafted
    /// file — keep the alerts of what it had read, report the rest as not
    /// scanned (exit 3) and go on with the others.
    #[arg(long, value_name = "SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    pub file_timeout: u64,
    /// How the summary is printed on stderr.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = SummaryFormat::Text)]
    pub summary: SummaryFormat,
    /// How alerts are printed (default: table when stdout is a terminal,
    /// jsonl otherwise or with --output/--with-event). `html` writes one
    /// report file: use it with --output FILE.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<AlertFormat>,
    /// Write the alerts to FILE instead of stdout (created or truncated;
    /// never read as an input).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// jsonl only: add `event` (the normalized Sigma fields and logsource)
    /// and `original` (the record as its reader parsed it) to each alert.
    #[arg(long)]
    pub with_event: bool,
    /// Only run rules of this level or higher (rules without a level
    /// count as informational).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_level: Option<LevelArg>,
    /// Only run the rules this selects: a rule id or id prefix, a rule file
    /// name without extension, a tag (`attack.t1572`, or `t1572`) or a
    /// branch (`SshPortForwarding`); case-insensitive. Repeat to select
    /// more. A selector that matches no rule is a usage error.
    #[arg(long = "rule", value_name = "ID|TAG")]
    pub rule_selectors: Vec<String>,
    /// Only alerts on events at or after this RFC 3339 time
    /// (`2024-05-01T00:00:00Z`). Alerts whose event has no timestamp are
    /// kept and counted in the summary.
    #[arg(long, value_name = "TIME", value_parser = parse_timestamp)]
    pub from: Option<jiff::Timestamp>,
    /// Only alerts on events at or before this RFC 3339 time.
    #[arg(long, value_name = "TIME", value_parser = parse_timestamp)]
    pub to: Option<jiff::Timestamp>,
    /// Exit with code 5 when any alert was printed (for CI and wrappers).
    #[arg(long)]
    pub fail_on_alert: bool,
    /// Parse and evaluate every record, instead of skipping those whose
    /// raw bytes hold none of the literals the rules need (same alerts;
    /// for measuring and for checking the prefilter).
    #[arg(long)]
    pub no_prefilter: bool,
    /// No progress bar and no text summary (rule errors and a
    /// `--summary json` object are still printed).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Exit codes and notes printed under `tunnelhunt scan --help`.
fn scan_after_help() -> String {
    format!(
        "{}\n\n\
A --rule that matches no rule and an --output that cannot be created are \
usage errors too: nothing is scanned. The progress bar (stderr, only on a \
terminal) never changes what is printed on stdout.",
        exit_codes_help(SCAN_OUTCOMES)
    )
}

/// Where and how alerts are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertFormat {
    /// Aligned columns for people, one row per alert, long values cut.
    Table,
    /// One JSON object per alert (schema in the README).
    Jsonl,
    /// RFC 4180 CSV with a fixed header (columns in the README).
    Csv,
    /// One self-contained HTML hunt report (summary, host verdicts,
    /// timeline, filterable alerts, detection pages); written once the
    /// scan ends. See docs/report.md.
    Html,
    /// One ATT&CK Navigator layer (format 4.5) of what fired: each
    /// technique scored by its alerts, the rules and hosts in its comment;
    /// written once the scan ends.
    Layer,
}

/// A Sigma rule level, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl From<LevelArg> for tunnelhunt_sigma::ast::Level {
    fn from(level: LevelArg) -> Self {
        use tunnelhunt_sigma::ast::Level;
        match level {
            LevelArg::Informational => Level::Informational,
            LevelArg::Low => Level::Low,
            LevelArg::Medium => Level::Medium,
            LevelArg::High => Level::High,
            LevelArg::Critical => Level::Critical,
        }
    }
}

/// An RFC 3339 time with an offset (`Z` or `+02:00`).
fn parse_timestamp(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse::<jiff::Timestamp>().map_err(|e| {
        format!("expected an RFC 3339 time with an offset, like 2024-05-01T00:00:00Z ({e})")
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Lines for people.
    Text,
    /// One JSON object (schema in the README).
    Json,
}

/// `tunnelhunt test`: the scenario corpus as detection-as-code CI.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule file or directory (repeat for several). Default: the built-in
    /// T1572 pack.
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Sigma filter files applied to the rules (repeat for several).
    #[arg(long, value_name = "FILE")]
    pub filters: Vec<PathBuf>,
    /// Scenario folder, or a folder of them (repeat for several).
    /// Default: corpus/scenarios.
    #[arg(long, value_name = "DIR")]
    pub corpus: Vec<PathBuf>,
    /// Root for the `corpus:` files of expect.yml (data kept out of the
    /// repository). Default: $TUNNELHUNT_CORPUS; scenarios that need it
    /// are skipped without it.
    #[arg(long, value_name = "DIR")]
    pub external_corpus: Option<PathBuf>,
    #[command(flatten)]
    pub placeholders: PlaceholderArgs,
    /// Also run the seed page's logic (--seed) and write the coverage
    /// table comparing it with the rules to FILE (Markdown).
    #[arg(long, value_name = "FILE")]
    pub coverage_md: Option<PathBuf>,
    /// The rule to compare with in --coverage-md.
    /// Default: corpus/seed/seed_t1572_four_branches.yml.
    #[arg(long, value_name = "FILE", requires = "coverage_md")]
    pub seed: Option<PathBuf>,
    /// Also list every record of every scenario with the branches that
    /// fired on it (for writing expect.yml).
    #[arg(long)]
    pub show_records: bool,
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

    #[test]
    fn scan_rule_selectors_repeat_and_times_need_an_offset() {
        let cli = Cli::try_parse_from([
            "tunnelhunt",
            "scan",
            "--rule",
            "attack.t1572",
            "--rule",
            "SshPortForwarding",
            "--from",
            "2024-05-01T00:00:00Z",
            "--to",
            "2024-05-02T01:00:00+02:00",
            "logs",
        ])
        .unwrap();
        let Command::Scan(args) = cli.command else {
            panic!("scan");
        };
        assert_eq!(args.rule_selectors, ["attack.t1572", "SshPortForwarding"]);
        assert_eq!(args.to.unwrap().to_string(), "2024-05-01T23:00:00Z");
        let without_offset = Cli::try_parse_from([
            "tunnelhunt",
            "scan",
            "--from",
            "2024-05-01T00:00:00",
            "logs",
        ]);
        assert!(without_offset.is_err());
    }

    #[test]
    fn scan_file_timeout_must_be_positive() {
        let parse = |seconds| {
            Cli::try_parse_from(["tunnelhunt", "scan", "--file-timeout", seconds, "logs"])
        };
        assert!(parse("1").is_ok());
        // A clap error: `main` never runs, clap exits 2, as for any usage error.
        let zero = parse("0").unwrap_err();
        assert_eq!(zero.exit_code(), 2, "{zero}");
    }
}
