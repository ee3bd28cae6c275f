//! How a command ended, and the exit code that tells the caller.
//!
//! The exit codes are part of the interface: scripts and CI branch on
//! them. They are written down in one place, [`Outcome`]'s code and
//! meaning; `--help` is generated from it ([`exit_codes_help`]) and a test
//! keeps the README's *Exit codes* table in agreement, so the three can no
//! longer drift apart.

use std::fmt::Write as _;
use std::process::ExitCode;

/// How a command ended, in increasing order of severity: when several
/// apply, the command reports the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Success,
    RuleErrors,
    UsageError,
    InputErrors,
    TestFailures,
    AlertsFound,
    Refusals,
}

impl Outcome {
    /// Every outcome, lowest exit code first.
    pub const ALL: [Outcome; 7] = [
        Outcome::Success,
        Outcome::RuleErrors,
        Outcome::UsageError,
        Outcome::InputErrors,
        Outcome::TestFailures,
        Outcome::AlertsFound,
        Outcome::Refusals,
    ];

    pub const fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::RuleErrors => 1,
            Outcome::UsageError => 2,
            Outcome::InputErrors => 3,
            Outcome::TestFailures => 4,
            Outcome::AlertsFound => 5,
            Outcome::Refusals => 6,
        }
    }

    /// What the exit code tells the caller, as the README's table says it
    /// (Markdown: options and commands in backticks).
    pub const fn meaning(self) -> &'static str {
        match self {
            Outcome::Success => {
                "success (a scan with alerts is a success, and so is an export with \
                 refusals, without `--strict`)"
            }
            Outcome::RuleErrors => {
                "rule errors: `rules check` found an error; `scan`, `test` or `export` \
                 left out rules that are invalid or unsupported (and went on with the \
                 others)"
            }
            Outcome::UsageError => {
                "usage or setup error: bad arguments, a path that does not exist, an \
                 unreadable placeholders file, a rule set in which no rule can be used \
                 (`scan`, `test`); nothing was done"
            }
            Outcome::InputErrors => {
                "input errors: some input files could not be read, EVTX files or chunks \
                 were damaged, or some records could not be parsed; they were reported \
                 and counted, and everything else was scanned. With `--strict`, the scan \
                 stopped at the first of them"
            }
            Outcome::TestFailures => "`test`: a scenario did not get the alerts it expects",
            Outcome::AlertsFound => "`scan --fail-on-alert`: at least one alert was printed",
            Outcome::Refusals => {
                "`export --strict`: at least one rule could not be rendered exactly for a \
                 target (refused, and listed)"
            }
        }
    }

    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

/// The exit-code part of a command's `--help`: one line per outcome in
/// `outcomes` with its code and meaning (backticks dropped, as a terminal
/// shows no Markdown), under the rule for when several apply.
pub fn exit_codes_help(outcomes: &[Outcome]) -> String {
    let mut help = String::from("Exit codes (when several apply, the highest wins):");
    for outcome in outcomes {
        let meaning = outcome.meaning().replace('`', "");
        // Writing to a String cannot fail.
        let _ = write!(help, "\n  {}  {meaning}", outcome.code());
    }
    help
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = include_str!("../../../../README.md");

    /// The rows of the README's *Exit codes* table, as (code, meaning).
    fn readme_exit_codes() -> Vec<(String, String)> {
        let section = README
            .split_once("### Exit codes\n")
            .expect("the README has an Exit codes section")
            .1;
        section
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            // The header and the separator.
            .skip(2)
            .map(|line| {
                let cells = line
                    .strip_prefix("| ")
                    .and_then(|l| l.strip_suffix(" |"))
                    .unwrap_or_else(|| panic!("not a table row: {line}"));
                let (code, meaning) = cells
                    .split_once(" | ")
                    .unwrap_or_else(|| panic!("not two cells: {line}"));
                (code.to_owned(), meaning.to_owned())
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_exactly_the_outcomes_codes_and_meanings() {
        let ours: Vec<(String, String)> = Outcome::ALL
            .iter()
            .map(|o| (o.code().to_string(), o.meaning().to_owned()))
            .collect();
        assert_eq!(readme_exit_codes(), ours);
    }

    #[test]
    fn the_table_is_in_order_of_severity_and_code() {
        let codes: Vec<u8> = Outcome::ALL.iter().map(|o| o.code()).collect();
        assert_eq!(codes, (0..7).collect::<Vec<u8>>());
        assert!(Outcome::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn the_help_gives_each_code_its_meaning_without_markdown() {
        let help = exit_codes_help(&[Outcome::Success, Outcome::AlertsFound]);
        assert_eq!(
            help,
            "Exit codes (when several apply, the highest wins):\n  \
             0  success (a scan with alerts is a success, and so is an export with \
             refusals, without --strict)\n  \
             5  scan --fail-on-alert: at least one alert was printed"
        );
    }
}
