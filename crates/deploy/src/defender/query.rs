//! What a custom detection's KQL returns and whether it may run
//! continuously, read from the query text the KQL backend rendered.
//!
//! Defender refuses (or silently never alerts on) a rule whose results lack
//! `Timestamp`, `ReportId` and an entity column, and an NRT rule whose query
//! is more than a row-by-row filter. Both are facts of the query's shape, so
//! the query is split into its pipeline stages (outside string literals and
//! brackets) and each stage's effect on the columns is followed from the
//! table's schema. An operator whose output columns this module cannot
//! follow (`summarize`, `join`, `union` …) makes the columns unknown, and
//! the rule is refused with that reason rather than deployed on a guess.
//!
//! Sources: required columns and the continuous-frequency rules from
//! <https://learn.microsoft.com/defender-xdr/custom-detection-rules>; the
//! operators and functions allowed in a continuous rule are those of Azure
//! Monitor's transformation KQL it points to,
//! <https://learn.microsoft.com/azure/azure-monitor/essentials/data-collection-transformations-structure#supported-kql-features>.

use std::collections::BTreeSet;

/// The Advanced Hunting tables the KQL backend queries, with the columns a
/// detection's results and impacted assets are built from (from Microsoft's
/// Advanced Hunting schema reference). Every table here is also one that
/// supports continuous (NRT) frequency.
const TABLES: &[(&str, &[&str])] = &[
    (
        "DeviceProcessEvents",
        &[
            "AccountSid",
            "AccountUpn",
            "AccountObjectId",
            "InitiatingProcessAccountSid",
            "InitiatingProcessAccountUpn",
            "InitiatingProcessAccountObjectId",
        ],
    ),
    ("DeviceNetworkEvents", INITIATING_ACCOUNT),
    ("DeviceFileEvents", INITIATING_ACCOUNT),
    ("DeviceRegistryEvents", INITIATING_ACCOUNT),
    ("DeviceImageLoadEvents", INITIATING_ACCOUNT),
    (
        "DeviceEvents",
        &[
            "AccountSid",
            "InitiatingProcessAccountSid",
            "InitiatingProcessAccountUpn",
            "InitiatingProcessAccountObjectId",
        ],
    ),
];

const INITIATING_ACCOUNT: &[&str] = &[
    "InitiatingProcessAccountSid",
    "InitiatingProcessAccountUpn",
    "InitiatingProcessAccountObjectId",
];

/// Columns every table above has besides its account columns.
const DEVICE_COLUMNS: &[&str] = &["Timestamp", "ReportId", "DeviceId", "DeviceName"];

/// What every custom detection must return.
pub const REQUIRED_COLUMNS: [&str; 3] = ["Timestamp", "ReportId", "DeviceId"];

/// Operators that keep every column as it is.
const KEEPS_COLUMNS: &[&str] = &["where", "filter", "take", "limit", "sort", "order", "top"];

/// The tabular operators of transformation KQL (continuous rules).
const NRT_OPERATORS: &[&str] = &[
    "where",
    "extend",
    "project",
    "project-away",
    "project-rename",
    "parse",
];

/// The scalar functions of transformation KQL (continuous rules). A query
/// calling anything else runs on a schedule instead.
const NRT_FUNCTIONS: &[&str] = &[
    "abs",
    "ago",
    "array_concat",
    "array_length",
    "base64_decodestring",
    "base64_encodestring",
    "bin",
    "case",
    "ceiling",
    "countof",
    "datetime_add",
    "datetime_diff",
    "dynamic",
    "extract",
    "extract_all",
    "floor",
    "gettype",
    "iff",
    "iif",
    "indexof",
    "isempty",
    "isnotempty",
    "isnotnull",
    "isnull",
    "log",
    "max_of",
    "min_of",
    "now",
    "pack",
    "pack_array",
    "parse_json",
    "replace",
    "round",
    "split",
    "strcat",
    "strcat_delim",
    "strlen",
    "substring",
    "tobool",
    "todatetime",
    "todouble",
    "toint",
    "tolong",
    "tolower",
    "tostring",
    "toupper",
];

/// Why a query's results cannot be known or lack a required column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryProblem {
    #[error("the query does not start with one Advanced Hunting table")]
    NoTable,
    #[error("table {0} is not one whose columns are known (known: {1})")]
    UnknownTable(String, String),
    #[error("cannot tell which columns the query returns after its `{0}` step")]
    Unfollowed(String),
    #[error("the query's results lack {0}, which Defender requires")]
    Missing(String),
}

/// The rendered query, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub table: String,
    /// The columns the results hold.
    pub columns: BTreeSet<String>,
    /// Whether the query may run continuously (period "0").
    pub nrt_eligible: bool,
}

impl Analysis {
    pub fn returns(&self, column: &str) -> bool {
        self.columns.contains(column)
    }
}

/// Follow `query` (without comment lines) from its table to its results.
pub fn analyse(query: &str) -> Result<Analysis, QueryProblem> {
    let commented = has_comment(query);
    let query = &without_comments(query);
    let stages = split_top_level(query, b'|');
    let mut stages = stages.iter().map(|s| s.trim());
    let source = stages.next().unwrap_or_default();
    if source.is_empty()
        || !source
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(QueryProblem::NoTable);
    }
    let Some((table, accounts)) = TABLES.iter().find(|(name, _)| *name == source) else {
        let known: Vec<&str> = TABLES.iter().map(|(name, _)| *name).collect();
        return Err(QueryProblem::UnknownTable(
            source.to_owned(),
            known.join(", "),
        ));
    };
    let mut columns: BTreeSet<String> = DEVICE_COLUMNS
        .iter()
        .chain(accounts.iter())
        .map(|c| (*c).to_owned())
        .collect();
    let mut nrt_eligible = !commented;
    for stage in stages {
        let operator = operator_of(stage);
        let arguments = stage[operator.len()..].trim();
        nrt_eligible &= NRT_OPERATORS.contains(&operator);
        match operator {
            op if KEEPS_COLUMNS.contains(&op) => {}
            "extend" => columns.extend(assigned_names(arguments)),
            "project" => {
                columns = split_top_level(arguments, b',')
                    .iter()
                    .filter_map(|item| output_name(item))
                    .collect();
            }
            "project-away" => {
                for item in split_top_level(arguments, b',') {
                    let name = item.trim();
                    if name.contains('*') {
                        return Err(QueryProblem::Unfollowed(operator.to_owned()));
                    }
                    columns.remove(name);
                }
            }
            "project-rename" => {
                for item in split_top_level(arguments, b',') {
                    let Some((new, old)) = item.split_once('=') else {
                        return Err(QueryProblem::Unfollowed(operator.to_owned()));
                    };
                    columns.remove(old.trim());
                    columns.insert(new.trim().to_owned());
                }
            }
            other => return Err(QueryProblem::Unfollowed(other.to_owned())),
        }
    }
    nrt_eligible &= called_functions(query)
        .iter()
        .all(|f| NRT_FUNCTIONS.contains(&f.as_str()));
    for required in REQUIRED_COLUMNS {
        if !columns.contains(required) {
            return Err(QueryProblem::Missing(required.to_owned()));
        }
    }
    Ok(Analysis {
        table: (*table).to_owned(),
        columns,
        nrt_eligible,
    })
}

/// The operator word of a stage (`project-away`, `where`).
fn operator_of(stage: &str) -> &str {
    let end = stage
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(stage.len());
    &stage[..end]
}

/// `Name = expr, Other = expr` → the names (an unnamed expression adds a
/// generated column no rule relies on).
fn assigned_names(arguments: &str) -> Vec<String> {
    split_top_level(arguments, b',')
        .iter()
        .filter_map(|item| {
            let (name, _) = split_assignment(item)?;
            Some(name.to_owned())
        })
        .collect()
}

/// The column a `project` item produces: `Name = expr` or a plain column.
fn output_name(item: &str) -> Option<String> {
    match split_assignment(item) {
        Some((name, _)) => Some(name.to_owned()),
        None => {
            let name = item.trim();
            is_identifier(name).then(|| name.to_owned())
        }
    }
}

/// `Name = expr` (a single `=`, not `==` or `=~`).
fn split_assignment(item: &str) -> Option<(&str, &str)> {
    let at = item.find('=')?;
    let (name, rest) = (item[..at].trim(), &item[at + 1..]);
    let next = rest.chars().next();
    (is_identifier(name) && !matches!(next, Some('=' | '~'))).then_some((name, rest))
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !text.starts_with(|c: char| c.is_ascii_digit())
}

/// The names called as functions (`name(`) outside string literals.
fn called_functions(query: &str) -> BTreeSet<String> {
    let code = code_only(query);
    let bytes = code.as_bytes();
    let mut names = BTreeSet::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let word = b.is_ascii_alphanumeric() || b == b'_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let rest = code[i..].trim_start();
                if rest.starts_with('(') && !bytes[s].is_ascii_digit() {
                    names.insert(code[s..i].to_owned());
                }
                start = None;
            }
            _ => {}
        }
    }
    // Operators written before a parenthesis (`not(…)`, `x in (…)`,
    // `| where (…)`) are not function calls.
    for keyword in [
        "not", "in", "and", "or", "has_any", "has_all", "between", "where", "filter",
    ] {
        names.remove(keyword);
    }
    names
}

/// Whether the query holds a `//` comment outside string literals.
fn has_comment(query: &str) -> bool {
    code_only(query).contains("//")
}

/// The query with each `//` comment (outside literals) blanked to spaces.
fn without_comments(query: &str) -> String {
    let code = code_only(query);
    let mut out = String::with_capacity(query.len());
    let mut from = 0;
    while let Some(at) = code[from..].find("//").map(|at| at + from) {
        let end = code[at..].find('\n').map_or(code.len(), |end| end + at);
        out.push_str(&query[from..at]);
        out.push_str(&" ".repeat(end - at));
        from = end;
    }
    out.push_str(&query[from..]);
    out
}

/// The query with every string literal's content blanked to spaces, so
/// structure can be read without a quote or `|` inside a literal counting.
fn code_only(query: &str) -> String {
    let bytes = query.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        let (quote, verbatim, open) = match bytes[i] {
            b'@' if matches!(bytes.get(i + 1), Some(b'"' | b'\'')) => (bytes[i + 1], true, i + 2),
            b'"' | b'\'' => (bytes[i], false, i + 1),
            _ => {
                i += 1;
                continue;
            }
        };
        let mut j = open;
        while j < bytes.len() {
            if !verbatim && bytes[j] == b'\\' {
                j += 2;
                continue;
            }
            if bytes[j] == quote {
                // A verbatim literal writes its quote doubled.
                if verbatim && bytes.get(j + 1) == Some(&quote) {
                    j += 2;
                    continue;
                }
                break;
            }
            j += 1;
        }
        let close = j.min(bytes.len());
        for b in &mut out[open..close] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        i = close + 1;
    }
    // Only ASCII bytes were replaced by ASCII, inside whole literals.
    String::from_utf8_lossy(&out).into_owned()
}

/// Split at `separator` outside literals and brackets; the pieces are the
/// original text.
fn split_top_level(text: &str, separator: u8) -> Vec<&str> {
    let code = code_only(text);
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, b) in code.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ if b == separator && depth == 0 => {
                pieces.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_over_a_device_table_returns_its_columns_and_runs_continuously() {
        let analysis = analyse(
            "DeviceProcessEvents\n| where FolderPath endswith @\"\\plink.exe\" and ProcessCommandLine matches regex @\"a|b\"",
        )
        .unwrap();
        assert_eq!(analysis.table, "DeviceProcessEvents");
        assert!(analysis.returns("AccountSid") && analysis.returns("ReportId"));
        assert!(analysis.nrt_eligible);
    }

    #[test]
    fn extend_adds_and_project_restricts_the_columns() {
        let analysis = analyse(
            "DeviceEvents | extend QueryName = tostring(parse_json(tostring(AdditionalFields)).DnsQueryString) | where QueryName == \"a=b\"",
        )
        .unwrap();
        assert!(analysis.returns("QueryName") && analysis.nrt_eligible);
        let projected = analyse("DeviceEvents | project Timestamp, ReportId, DeviceId, Q = 1");
        assert_eq!(
            projected.unwrap().columns,
            ["DeviceId", "Q", "ReportId", "Timestamp"]
                .map(String::from)
                .into()
        );
        assert_eq!(
            analyse("DeviceEvents | project Timestamp, DeviceId"),
            Err(QueryProblem::Missing("ReportId".into()))
        );
        assert_eq!(
            analyse("DeviceEvents | project-away ReportId"),
            Err(QueryProblem::Missing("ReportId".into()))
        );
    }

    #[test]
    fn what_cannot_be_followed_is_refused_and_what_is_not_row_by_row_is_scheduled() {
        assert_eq!(
            analyse("DeviceEvents | summarize count() by DeviceId"),
            Err(QueryProblem::Unfollowed("summarize".into()))
        );
        assert_eq!(
            analyse("DeviceEvents | join (DeviceInfo) on DeviceId"),
            Err(QueryProblem::Unfollowed("join".into()))
        );
        assert!(matches!(
            analyse("union DeviceEvents, DeviceProcessEvents"),
            Err(QueryProblem::NoTable)
        ));
        assert!(matches!(
            analyse("SigninLogs | where true"),
            Err(QueryProblem::UnknownTable(..))
        ));
        // A `|` or `//` inside a literal is text, not structure.
        let literal = analyse("DeviceEvents | where A == \"x | summarize // y\"").unwrap();
        assert!(literal.nrt_eligible);
        let sorted = analyse("DeviceEvents | where A == 1 | take 5").unwrap();
        assert!(
            !sorted.nrt_eligible,
            "take is not a transformation operator"
        );
        let ranged = analyse(
            "DeviceNetworkEvents | where coalesce(ipv4_is_in_any_range(RemoteIP, dynamic([\"1.1.1.1/32\"])), false)",
        )
        .unwrap();
        assert!(
            !ranged.nrt_eligible,
            "functions outside the transformation list"
        );
        let commented = analyse("DeviceEvents\n// note\n| where A == 1").unwrap();
        assert!(!commented.nrt_eligible);
    }
}
