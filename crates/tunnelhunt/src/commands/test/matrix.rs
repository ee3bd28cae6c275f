//! The result matrix: scenario × branch, then totals, then every mismatch
//! in full.
//!
//! The matrix is for seeing the shape of a failure at a glance (one
//! branch missing everywhere is a broken rule; one scenario red across the
//! row is a broken scenario); the mismatch list under it is for fixing it:
//! each line names the scenario, the record, the `expect.yml` line, what
//! was expected and what fired. Building the [`Matrix`] is separate from
//! rendering it, so the counting is unit-tested without comparing tables.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table, presets};

use super::run::{CaseResult, ScenarioResult};
use crate::output::plural;

/// Branch names of our pack come first, in the order the design lists
/// them; other branches (a user's rules) follow alphabetically.
pub use tunnelhunt_pack::BRANCHES as KNOWN_BRANCHES;

/// Counts for one scenario and one branch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    /// Expected and fired.
    pub ok: usize,
    /// Expected, did not fire.
    pub missed: usize,
    /// Fired, not expected (on a listed or an unlisted record).
    pub false_positive: usize,
}

impl Cell {
    fn render(self) -> String {
        let mut parts = Vec::new();
        if self.ok > 0 {
            parts.push(format!("✓ {}", self.ok));
        }
        if self.missed > 0 {
            parts.push(format!("✗ {} missed", self.missed));
        }
        if self.false_positive > 0 {
            parts.push(format!("✗ {} FP", self.false_positive));
        }
        if parts.is_empty() {
            "·".to_owned()
        } else {
            parts.join(" ")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub scenario: String,
    pub status: Status,
    /// One per [`Matrix::branches`].
    pub cells: Vec<Cell>,
    /// Listed negatives: (raised nothing, total).
    pub clean: (usize, usize),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub scenarios: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub records: usize,
    pub expectations: usize,
    pub expectations_passed: usize,
    pub unlisted_checked: usize,
    pub unlisted_false_positives: usize,
    /// `correlations:` promises, and how many held.
    pub correlation_promises: usize,
    pub correlation_promises_passed: usize,
    /// Correlation alerts no promise accounted for (`default: none`).
    pub unpromised_correlation_alerts: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub branches: Vec<String>,
    pub rows: Vec<Row>,
    pub totals: Totals,
}

/// Order branches: the known ones first, in design order, then the rest.
pub fn order_branches<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let set: BTreeSet<&str> = names.into_iter().collect();
    let mut out: Vec<String> = KNOWN_BRANCHES
        .iter()
        .filter(|b| set.contains(*b))
        .map(|b| (*b).to_owned())
        .collect();
    out.extend(
        set.iter()
            .filter(|b| !KNOWN_BRANCHES.contains(b))
            .map(|b| (*b).to_owned()),
    );
    out
}

impl Matrix {
    /// Count `results`. Columns: the branches of `rule_branches` plus any
    /// branch an expectation names or a rule fired.
    pub fn build<'a>(
        results: &[ScenarioResult],
        rule_branches: impl IntoIterator<Item = &'a str>,
    ) -> Matrix {
        let mut names: BTreeSet<&str> = rule_branches.into_iter().collect();
        for case in results.iter().flat_map(|r| &r.cases) {
            names.extend(case.expected.iter().map(String::as_str));
            names.extend(case.fired.iter().map(String::as_str));
        }
        let branches = order_branches(names);
        let mut totals = Totals::default();
        let mut rows = Vec::new();
        for result in results {
            totals.scenarios += 1;
            let status = if result.skipped.is_some() {
                totals.skipped += 1;
                Status::Skipped
            } else if result.passed() {
                totals.passed += 1;
                Status::Passed
            } else {
                totals.failed += 1;
                Status::Failed
            };
            totals.records += result.records;
            totals.unlisted_checked += result.unlisted_checked;
            for case in &result.correlation_cases {
                match case.spec_line {
                    Some(_) => {
                        totals.correlation_promises += 1;
                        totals.correlation_promises_passed += usize::from(case.passed);
                    }
                    None => totals.unpromised_correlation_alerts += 1,
                }
            }
            let mut cells = vec![Cell::default(); branches.len()];
            let mut clean = (0, 0);
            for case in &result.cases {
                if case.spec_line.is_some() {
                    totals.expectations += 1;
                    if case.passed() {
                        totals.expectations_passed += 1;
                    }
                    if case.is_negative() {
                        clean.1 += 1;
                        if case.fired.is_empty() {
                            clean.0 += 1;
                        }
                    }
                } else {
                    totals.unlisted_false_positives += 1;
                }
                for (branch, cell) in branches.iter().zip(cells.iter_mut()) {
                    if case.expected.contains(branch) && case.fired.contains(branch) {
                        cell.ok += 1;
                    }
                    if case.missed.contains(branch) {
                        cell.missed += 1;
                    }
                    if case.unexpected.contains(branch) {
                        cell.false_positive += 1;
                    }
                }
            }
            rows.push(Row {
                scenario: result.name.clone(),
                status,
                cells,
                clean,
            });
        }
        Matrix {
            branches,
            rows,
            totals,
        }
    }

    /// The matrix as a table for a terminal.
    pub fn table(&self) -> String {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        let mut header = vec!["scenario".to_owned(), "result".to_owned()];
        header.extend(self.branches.iter().cloned());
        header.push("negatives".to_owned());
        table.set_header(header);
        for row in &self.rows {
            let mut cells = vec![
                row.scenario.clone(),
                match row.status {
                    Status::Passed => "✓ pass",
                    Status::Failed => "✗ FAIL",
                    Status::Skipped => "- skipped",
                }
                .to_owned(),
            ];
            if row.status == Status::Skipped {
                cells.extend(std::iter::repeat_n(String::new(), self.branches.len() + 1));
            } else {
                cells.extend(row.cells.iter().map(|c| c.render()));
                cells.push(match row.clean {
                    (_, 0) => "·".to_owned(),
                    (clean, total) if clean == total => format!("✓ {clean}"),
                    (clean, total) => format!("✗ {} of {total} raised", total - clean),
                });
            }
            table.add_row(cells);
        }
        table.to_string()
    }

    /// One summary line.
    pub fn totals_line(&self) -> String {
        let t = &self.totals;
        let mut line = format!(
            "{}: {} passed, {} failed",
            plural(t.scenarios, "scenario"),
            t.passed,
            t.failed
        );
        if t.skipped > 0 {
            let _ = write!(line, ", {} skipped", t.skipped);
        }
        let _ = write!(
            line,
            "; {} read; {}: {} passed, {} failed; {} checked by `default: none`, {} raised alerts",
            plural(t.records, "record"),
            plural(t.expectations, "expectation"),
            t.expectations_passed,
            t.expectations - t.expectations_passed,
            plural(t.unlisted_checked, "unlisted record"),
            t.unlisted_false_positives
        );
        if t.correlation_promises + t.unpromised_correlation_alerts > 0 {
            let _ = write!(
                line,
                "; {}: {} passed, {} failed; {} no promise accounts for",
                plural(t.correlation_promises, "correlation promise"),
                t.correlation_promises_passed,
                t.correlation_promises - t.correlation_promises_passed,
                plural(t.unpromised_correlation_alerts, "correlation alert")
            );
        }
        line
    }

    pub fn all_passed(&self) -> bool {
        self.totals.failed == 0
    }
}

/// Every problem, one per line: skipped scenarios, unreadable input, and
/// each record whose verdict is not a pass.
pub fn mismatches(results: &[ScenarioResult]) -> Vec<String> {
    let mut out = Vec::new();
    for r in results {
        if let Some(reason) = &r.skipped {
            out.push(format!("{}: skipped: {reason}", r.name));
        }
        for error in &r.errors {
            out.push(format!("{}: input error: {error}", r.name));
        }
        for case in r.cases.iter().filter(|c| !c.passed()) {
            out.push(describe(&r.name, case));
        }
        for case in r.correlation_cases.iter().filter(|c| !c.passed) {
            let place = case.spec_line.map_or_else(
                || "(unlisted)".to_owned(),
                |line| format!("(expect.yml:{line})"),
            );
            out.push(format!(
                "{} correlation {} {place}: {}",
                r.name, case.rule, case.detail
            ));
        }
    }
    out
}

fn list(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "nothing".to_owned()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// `scenario file:record (expect.yml:L) [EID n: summary]: expected X, fired Y — missed …; false positive …`
pub fn describe(scenario: &str, case: &CaseResult) -> String {
    let mut s = format!("{scenario} {}", case.location());
    match case.spec_line {
        Some(line) => {
            let _ = write!(s, " (expect.yml:{line})");
        }
        None => s.push_str(" (unlisted)"),
    }
    if case.absent {
        let _ = write!(s, ": {}", case.summary);
        return s;
    }
    let event = match case.event_id {
        Some(id) => format!("EID {id}: "),
        None => String::new(),
    };
    let _ = write!(s, " [{event}{}]", case.summary);
    let mut expected = case.expected.clone();
    expected.extend(case.expected_rules.iter().cloned());
    let _ = write!(
        s,
        ": expected {}, fired {}",
        list(&expected),
        list(&case.fired)
    );
    if !case.missed.is_empty() {
        let _ = write!(s, " — missed {}", list(&case.missed));
    }
    if !case.unexpected.is_empty() {
        let _ = write!(s, " — false positive {}", list(&case.unexpected));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(line: Option<usize>, expected: &[&str], fired: &[&str]) -> CaseResult {
        CaseResult::sample(
            "sysmon.jsonl",
            3,
            line,
            "ssh -l admin host",
            expected,
            fired,
        )
    }

    fn scenario(name: &str, cases: Vec<CaseResult>) -> ScenarioResult {
        ScenarioResult {
            name: name.into(),
            description: String::new(),
            source: String::new(),
            skipped: None,
            errors: Vec::new(),
            cases,
            records: 4,
            unlisted_checked: 1,
            correlation_cases: Vec::new(),
        }
    }

    #[test]
    fn counts_hits_misses_and_false_positives_per_branch() {
        let results = vec![
            scenario(
                "a",
                vec![
                    case(Some(5), &["SshPortForwarding"], &["SshPortForwarding"]),
                    case(Some(9), &["KnownTunnelingTool"], &[]),
                    case(Some(12), &[], &[]),
                ],
            ),
            scenario(
                "b",
                vec![
                    case(Some(5), &[], &["SshPortForwarding"]),
                    case(None, &[], &["Custom"]),
                ],
            ),
        ];
        let m = Matrix::build(&results, ["NetshPortProxy", "SshPortForwarding"]);
        assert_eq!(
            m.branches,
            [
                "KnownTunnelingTool",
                "SshPortForwarding",
                "NetshPortProxy",
                "Custom"
            ]
        );
        assert_eq!(m.rows[0].status, Status::Failed);
        assert_eq!(
            m.rows[0].cells[0],
            Cell {
                ok: 0,
                missed: 1,
                false_positive: 0
            }
        );
        assert_eq!(
            m.rows[0].cells[1],
            Cell {
                ok: 1,
                missed: 0,
                false_positive: 0
            }
        );
        assert_eq!(m.rows[0].clean, (1, 1));
        assert_eq!(m.rows[1].cells[1].false_positive, 1);
        assert_eq!(m.rows[1].cells[3].false_positive, 1);
        assert_eq!(m.rows[1].clean, (0, 1));
        let t = m.totals;
        assert_eq!((t.scenarios, t.passed, t.failed), (2, 0, 2));
        assert_eq!((t.expectations, t.expectations_passed), (4, 2));
        assert_eq!(
            (t.records, t.unlisted_checked, t.unlisted_false_positives),
            (8, 2, 1)
        );
        assert!(!m.all_passed());
        let table = m.table();
        assert!(table.contains("✗ 1 missed") && table.contains("✓ 1") && table.contains("✗ 1 FP"));
        assert!(m.totals_line().starts_with(
            "2 scenarios: 0 passed, 2 failed; 8 records read; 4 expectations: 2 passed, 2 failed"
        ));
    }

    #[test]
    fn passing_scenarios_pass() {
        let m = Matrix::build(&[scenario("ok", vec![case(Some(4), &["A"], &["A"])])], []);
        assert!(m.all_passed());
        assert_eq!(m.rows[0].status, Status::Passed);
        assert!(mismatches(&[scenario("ok", vec![])]).is_empty());
    }

    #[test]
    fn skipped_scenarios_are_listed_not_failed() {
        let mut s = scenario("real", vec![]);
        s.skipped = Some("needs the external corpus".into());
        let m = Matrix::build(std::slice::from_ref(&s), []);
        assert_eq!((m.totals.skipped, m.totals.failed), (1, 0));
        assert!(m.all_passed());
        assert_eq!(
            mismatches(&[s]),
            ["real: skipped: needs the external corpus"]
        );
    }

    #[test]
    fn mismatch_lines_name_record_line_and_both_sides() {
        let line = describe("fp-ssh-login", &case(Some(7), &[], &["SshPortForwarding"]));
        assert_eq!(
            line,
            "fp-ssh-login sysmon.jsonl:3 (expect.yml:7) [EID 1: ssh -l admin host]: \
             expected nothing, fired SshPortForwarding — false positive SshPortForwarding"
        );
        let unlisted = describe("s", &case(None, &[], &["X"]));
        assert!(unlisted.contains("(unlisted)"));
    }

    #[test]
    fn correlation_promises_count_and_fail_the_scenario() {
        use crate::commands::test::correlated::CorrelationCase;
        let mut s = scenario("chain", vec![case(Some(4), &["A"], &["A"])]);
        s.correlation_cases = vec![
            CorrelationCase {
                spec_line: Some(9),
                rule: "c1".into(),
                passed: true,
                detail: String::new(),
            },
            CorrelationCase {
                spec_line: None,
                rule: "\"Other\" (c2)".into(),
                passed: false,
                detail: "an alert no `correlations` entry promised".into(),
            },
        ];
        let m = Matrix::build(std::slice::from_ref(&s), []);
        assert!(!m.all_passed());
        assert!(
            m.totals_line()
                .ends_with("1 correlation promise: 1 passed, 0 failed; 1 correlation alert no promise accounts for"),
            "{}",
            m.totals_line()
        );
        assert_eq!(
            mismatches(&[s]),
            [
                "chain correlation \"Other\" (c2) (unlisted): an alert no `correlations` entry promised"
            ]
        );
    }
}
