//! `expect.yml`: what a scenario promises, parsed and validated.
//!
//! A scenario is a folder of event files plus an `expect.yml` that says,
//! record by record, which detection branches must fire. The format is
//! documented for users in `corpus/README.md`; in short:
//!
//! ```yaml
//! description: plink local forward to RDP, Sysmon 1
//! source: seed page test 2
//! default: none              # unlisted records must raise nothing (`any`: not checked)
//! expect:
//!   - file: sysmon.jsonl     # a file of this folder…
//!     record: 1              # 1-based line (text) or EventRecordID (EVTX); or a list
//!     branches: [KnownTunnelingTool, SshPortForwarding]   # exactly these must fire
//!     may: [WebShellTunnel]  # optional: allowed to fire too, not required
//!     rules: [9c0e…]         # optional: these rule ids must fire
//!     note: why              # optional
//!   - corpus: real/x.evtx    # …or a file under the external corpus ($TUNNELHUNT_CORPUS)
//!     record: 7
//!     branches: []           # must raise nothing
//! ```
//!
//! Why branches rather than rule ids: rules get split, merged and renamed
//! while the behaviour they detect does not; a scenario that says "this is
//! SSH port forwarding" stays true across rule-pack versions. Rule ids are
//! there for the cases where one specific rule is the point.
//!
//! Every problem is a [`SpecError`] with `file:line`, and parsing goes on
//! to find the others, so one run shows every mistake in a file.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

mod correlations;

pub use correlations::CorrelationExpectation;

use saphyr::{AnnotatedMapping, LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// The name of the expectations file in a scenario folder.
pub const EXPECT_FILE: &str = "expect.yml";

/// A problem in an `expect.yml`, at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is about the whole file.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for SpecError {}

/// What records that no expectation lists must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlisted {
    /// Raise nothing: any alert on them is a false positive.
    None,
    /// Not checked.
    Any,
}

/// Where an expected record's file is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileRef {
    /// Relative to the scenario folder.
    Local(String),
    /// Relative to the external corpus root (`--external-corpus`,
    /// `TUNNELHUNT_CORPUS`): data whose licence keeps it out of the repo.
    Corpus(String),
}

impl fmt::Display for FileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileRef::Local(name) => f.write_str(name),
            FileRef::Corpus(path) => write!(f, "corpus:{path}"),
        }
    }
}

/// One checked record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Line of the entry in `expect.yml`, for messages.
    pub line: usize,
    pub file: FileRef,
    /// 1-based line (text formats) or EventRecordID (EVTX).
    pub record: u64,
    /// Exactly these branches must fire (empty: nothing may fire).
    pub branches: BTreeSet<String>,
    /// These may fire as well, without being required.
    pub may: BTreeSet<String>,
    /// These rule ids must fire.
    pub rules: BTreeSet<String>,
    pub note: Option<String>,
}

/// A parsed `expect.yml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub description: String,
    pub source: String,
    pub unlisted: Unlisted,
    pub expectations: Vec<Expectation>,
    /// Correlation alerts promised (or near misses that must stay quiet).
    pub correlations: Vec<CorrelationExpectation>,
}

impl Spec {
    /// Every file the expectations name, in first-mention order.
    pub fn files(&self) -> Vec<&FileRef> {
        let mut seen = BTreeSet::new();
        let evidence = self
            .correlations
            .iter()
            .flat_map(|c| c.evidence.iter().map(|(file, _)| file));
        self.expectations
            .iter()
            .map(|e| &e.file)
            .chain(evidence)
            .filter(|f| seen.insert(*f))
            .collect()
    }
}

const TOP_KEYS: [&str; 5] = ["description", "source", "default", "expect", "correlations"];
const ENTRY_KEYS: [&str; 7] = [
    "file", "corpus", "record", "branches", "may", "rules", "note",
];

/// Read and parse `path`.
pub fn load(path: &Path) -> Result<Spec, Vec<SpecError>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![SpecError {
            file: path.to_path_buf(),
            line: 0,
            message: format!("cannot read: {e}"),
        }]
    })?;
    parse(path, &text)
}

/// Parse the text of an `expect.yml`; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Spec, Vec<SpecError>> {
    let mut p = Parser {
        file: path,
        errors: Vec::new(),
    };
    let spec = p.spec(text);
    match spec {
        Some(spec) if p.errors.is_empty() => Ok(spec),
        _ => Err(p.errors),
    }
}

struct Parser<'a> {
    file: &'a Path,
    errors: Vec<SpecError>,
}

fn line_of(node: &MarkedYaml<'_>) -> usize {
    node.span.start.line()
}

/// The text of a scalar key or value (numbers and booleans as written).
fn scalar_text(node: &MarkedYaml<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        _ => None,
    }
}

fn type_name(node: &MarkedYaml<'_>) -> &'static str {
    match &node.data {
        YamlData::Sequence(_) => "a list",
        YamlData::Mapping(_) => "a map",
        YamlData::Value(Scalar::Null) => "null",
        YamlData::Value(Scalar::Integer(_)) => "a number",
        YamlData::Value(Scalar::Boolean(_)) => "a boolean",
        _ => "a scalar",
    }
}

impl Parser<'_> {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(SpecError {
            file: self.file.to_path_buf(),
            line,
            message: message.into(),
        });
    }

    fn spec(&mut self, text: &str) -> Option<Spec> {
        let docs = match MarkedYaml::load_from_str(text) {
            Ok(docs) => docs,
            Err(e) => {
                self.error(e.marker().line(), format!("not valid YAML: {}", e.info()));
                return None;
            }
        };
        let root = match docs.as_slice() {
            [root] => root,
            [] => {
                self.error(
                    0,
                    "empty file: expected `description`, `source` and `expect`",
                );
                return None;
            }
            [_, second, ..] => {
                self.error(line_of(second), "expected one YAML document");
                return None;
            }
        };
        let YamlData::Mapping(map) = &root.data else {
            self.error(
                line_of(root),
                format!("expected a map, found {}", type_name(root)),
            );
            return None;
        };
        self.unknown_keys(map, &TOP_KEYS, "top-level key");
        let description = self.required_text(map, "description", line_of(root));
        let source = self.required_text(map, "source", line_of(root));
        let unlisted = match get(map, "default") {
            None => Unlisted::None,
            Some(node) => match scalar_text(node).as_deref() {
                Some("none") => Unlisted::None,
                Some("any") => Unlisted::Any,
                _ => {
                    self.error(line_of(node), "`default` must be `none` or `any`");
                    Unlisted::None
                }
            },
        };
        let correlations = get(map, "correlations")
            .map(|node| self.correlations(node))
            .unwrap_or_default();
        let expectations = match get(map, "expect") {
            None if !correlations.is_empty() => Vec::new(),
            None => {
                self.error(
                    line_of(root),
                    "missing `expect` (a list of records) or `correlations`",
                );
                Vec::new()
            }
            Some(node) => self.expectations(node),
        };
        self.duplicates(&expectations);
        Some(Spec {
            description: description.unwrap_or_default(),
            source: source.unwrap_or_default(),
            unlisted,
            expectations,
            correlations,
        })
    }

    fn unknown_keys(
        &mut self,
        map: &AnnotatedMapping<'_, MarkedYaml<'_>>,
        known: &[&str],
        what: &str,
    ) {
        for key in map.keys() {
            match scalar_text(key) {
                Some(k) if known.contains(&k.as_str()) => {}
                Some(k) => self.error(
                    line_of(key),
                    format!(
                        "unknown {what} `{k}` (expected one of: {})",
                        known.join(", ")
                    ),
                ),
                None => self.error(line_of(key), format!("a {what} is not a string")),
            }
        }
    }

    fn required_text(
        &mut self,
        map: &AnnotatedMapping<'_, MarkedYaml<'_>>,
        key: &str,
        line: usize,
    ) -> Option<String> {
        match get(map, key) {
            None => {
                self.error(line, format!("missing `{key}`"));
                None
            }
            Some(node) => match (&node.data, scalar_text(node)) {
                (YamlData::Value(Scalar::String(_)), Some(text)) if !text.trim().is_empty() => {
                    Some(text)
                }
                _ => {
                    self.error(line_of(node), format!("`{key}` must be non-empty text"));
                    None
                }
            },
        }
    }

    fn expectations(&mut self, node: &MarkedYaml<'_>) -> Vec<Expectation> {
        let YamlData::Sequence(items) = &node.data else {
            self.error(
                line_of(node),
                format!("`expect` must be a list, found {}", type_name(node)),
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.error(
                line_of(node),
                "`expect` is empty: a scenario checks at least one record",
            );
        }
        let mut out = Vec::new();
        for item in items {
            self.entry(item, &mut out);
        }
        out
    }

    fn entry(&mut self, item: &MarkedYaml<'_>, out: &mut Vec<Expectation>) {
        let line = line_of(item);
        let YamlData::Mapping(map) = &item.data else {
            self.error(
                line,
                format!("an `expect` entry must be a map, found {}", type_name(item)),
            );
            return;
        };
        self.unknown_keys(map, &ENTRY_KEYS, "key in an `expect` entry");
        let file = match (get(map, "file"), get(map, "corpus")) {
            (Some(_), Some(c)) => {
                self.error(line_of(c), "give either `file` or `corpus`, not both");
                None
            }
            (None, None) => {
                self.error(
                    line,
                    "missing `file` (in this folder) or `corpus` (external)",
                );
                None
            }
            (Some(f), None) => self.relative_path(f, "file").map(FileRef::Local),
            (None, Some(c)) => self.relative_path(c, "corpus").map(FileRef::Corpus),
        };
        let records = match get(map, "record") {
            None => {
                self.error(
                    line,
                    "missing `record` (a line number, an EventRecordID, or a list)",
                );
                Vec::new()
            }
            Some(node) => self.records(node),
        };
        let branches = match get(map, "branches") {
            None => {
                self.error(
                    line,
                    "missing `branches` (`[]` for a record that must raise nothing)",
                );
                None
            }
            Some(node) => self.names(node, "branches"),
        };
        let may = get(map, "may")
            .and_then(|n| self.names(n, "may"))
            .unwrap_or_default();
        let rules = get(map, "rules")
            .and_then(|n| self.names(n, "rules"))
            .unwrap_or_default();
        let note = get(map, "note").and_then(scalar_text);
        if let Some(branches) = &branches {
            if let Some(both) = branches.intersection(&may).next() {
                self.error(
                    line,
                    format!("branch `{both}` is in both `branches` and `may`"),
                );
            }
            if branches.is_empty() && !rules.is_empty() {
                self.error(
                    line,
                    "`rules` must fire but `branches: []` says nothing may fire",
                );
            }
        }
        let (Some(file), Some(branches)) = (file, branches) else {
            return;
        };
        for record in records {
            out.push(Expectation {
                line,
                file: file.clone(),
                record,
                branches: branches.clone(),
                may: may.clone(),
                rules: rules.clone(),
                note: note.clone(),
            });
        }
    }

    /// A relative path without `..`: scenarios must not reach outside
    /// their folder (or outside the external corpus).
    fn relative_path(&mut self, node: &MarkedYaml<'_>, key: &str) -> Option<String> {
        let text = match (&node.data, scalar_text(node)) {
            (YamlData::Value(Scalar::String(_)), Some(t)) if !t.is_empty() => t,
            _ => {
                self.error(line_of(node), format!("`{key}` must be a file path"));
                return None;
            }
        };
        let path = Path::new(&text);
        let escapes = path.is_absolute()
            || path
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)));
        if escapes || text.contains('\\') {
            self.error(
                line_of(node),
                format!("`{key}: {text}` must be a relative path with `/` and without `..`"),
            );
            return None;
        }
        if key == "file" && text == EXPECT_FILE {
            self.error(line_of(node), "`expect.yml` is not an event file");
            return None;
        }
        Some(text)
    }

    fn records(&mut self, node: &MarkedYaml<'_>) -> Vec<u64> {
        let one = |p: &mut Self, n: &MarkedYaml<'_>| match &n.data {
            YamlData::Value(Scalar::Integer(i)) if *i >= 1 => Some(*i as u64),
            _ => {
                p.error(
                    line_of(n),
                    format!(
                        "`record` must be a positive whole number (line or EventRecordID), found {}",
                        scalar_text(n).map_or_else(|| type_name(n).to_owned(), |t| format!("`{t}`"))
                    ),
                );
                None
            }
        };
        match &node.data {
            YamlData::Sequence(items) if items.is_empty() => {
                self.error(line_of(node), "`record` is an empty list");
                Vec::new()
            }
            YamlData::Sequence(items) => items.iter().filter_map(|n| one(self, n)).collect(),
            _ => one(self, node).into_iter().collect(),
        }
    }

    fn names(&mut self, node: &MarkedYaml<'_>, key: &str) -> Option<BTreeSet<String>> {
        let YamlData::Sequence(items) = &node.data else {
            self.error(
                line_of(node),
                format!(
                    "`{key}` must be a list (`[]` for none), found {}",
                    type_name(node)
                ),
            );
            return None;
        };
        let mut out = BTreeSet::new();
        for item in items {
            match (&item.data, scalar_text(item)) {
                (YamlData::Value(Scalar::String(_)), Some(name))
                    if !name.is_empty() && !name.contains(char::is_whitespace) =>
                {
                    if !out.insert(name.clone()) {
                        self.error(
                            line_of(item),
                            format!("`{name}` is listed twice in `{key}`"),
                        );
                    }
                }
                _ => self.error(
                    line_of(item),
                    format!("`{key}` entries must be names without spaces"),
                ),
            }
        }
        Some(out)
    }

    fn duplicates(&mut self, expectations: &[Expectation]) {
        let mut seen: Vec<(&FileRef, u64, usize)> = Vec::new();
        for e in expectations {
            if let Some((_, _, first)) = seen
                .iter()
                .find(|(f, r, _)| *f == &e.file && *r == e.record)
            {
                let message = format!(
                    "{} record {} is already expected at line {first}",
                    e.file, e.record
                );
                self.error(e.line, message);
            } else {
                seen.push((&e.file, e.record, e.line));
            }
        }
    }
}

fn get<'m, 'i>(
    map: &'m AnnotatedMapping<'i, MarkedYaml<'i>>,
    key: &str,
) -> Option<&'m MarkedYaml<'i>> {
    map.iter()
        .find(|(k, _)| scalar_text(k).as_deref() == Some(key))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse(Path::new("s/expect.yml"), text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn parses_a_full_spec() {
        let spec = parse(
            Path::new("expect.yml"),
            "description: d\nsource: seed page test 2\ndefault: any\nexpect:\n\
             \x20 - file: sysmon.jsonl\n    record: [1, 3]\n    branches: [A, B]\n    may: [C]\n    rules: [r-1]\n    note: n\n\
             \x20 - corpus: real/x.evtx\n    record: 7\n    branches: []\n",
        )
        .unwrap();
        assert_eq!(spec.unlisted, Unlisted::Any);
        assert_eq!(spec.expectations.len(), 3);
        let first = &spec.expectations[0];
        assert_eq!(first.file, FileRef::Local("sysmon.jsonl".into()));
        assert_eq!((first.record, first.line), (1, 5));
        assert_eq!(spec.expectations[1].record, 3);
        assert!(first.branches.contains("A") && first.may.contains("C"));
        let last = &spec.expectations[2];
        assert_eq!(last.file, FileRef::Corpus("real/x.evtx".into()));
        assert_eq!(spec.files().len(), 2);
    }

    #[test]
    fn default_is_none() {
        let spec = parse(
            Path::new("e"),
            "description: d\nsource: s\nexpect:\n  - file: a\n    record: 1\n    branches: []\n",
        )
        .unwrap();
        assert_eq!(spec.unlisted, Unlisted::None);
    }

    #[test]
    fn reports_every_problem_with_its_line() {
        let errs = errors(
            "description: d\nsorce: s\nexpect:\n  - file: ../x\n    record: 0\n    branches: A\n  - file: a\n    record: 2\n    branches: []\n    extra: 1\n",
        );
        assert!(errs.contains(&"s/expect.yml:2: unknown top-level key `sorce` (expected one of: description, source, default, expect, correlations)".to_owned()), "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.starts_with("s/expect.yml:1: missing `source`")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("s/expect.yml:4: `file: ../x` must be a relative path")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("s/expect.yml:5: `record` must be a positive whole number")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("s/expect.yml:6: `branches` must be a list")),
            "{errs:?}"
        );
        assert!(errs.iter().any(|e| e.starts_with("s/expect.yml:10: unknown key in an `expect` entry `extra`")), "{errs:?}");
    }

    #[test]
    fn rejects_duplicates_and_contradictions() {
        let errs = errors(
            "description: d\nsource: s\nexpect:\n  - file: a\n    record: 1\n    branches: [A]\n    may: [A]\n  - file: a\n    record: [2, 1]\n    branches: []\n    rules: [x]\n",
        );
        assert!(
            errs.iter().any(|e| e.contains(":4: branch `A` is in both")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.contains(":8: `rules` must fire but")),
            "{errs:?}"
        );
    }

    #[test]
    fn duplicate_records_name_the_first_line() {
        let errs = errors(
            "description: d\nsource: s\nexpect:\n  - file: a\n    record: 1\n    branches: [A]\n  - file: a\n    record: [2, 1]\n    branches: []\n",
        );
        assert_eq!(
            errs,
            ["s/expect.yml:7: a record 1 is already expected at line 4"]
        );
    }

    #[test]
    fn file_and_corpus_are_exclusive_and_one_is_required() {
        let errs = errors(
            "description: d\nsource: s\nexpect:\n  - file: a\n    corpus: b\n    record: 1\n    branches: []\n  - record: 1\n    branches: []\n",
        );
        assert!(
            errs.iter()
                .any(|e| e.contains(":5: give either `file` or `corpus`")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.contains(":8: missing `file`")),
            "{errs:?}"
        );
    }

    #[test]
    fn invalid_yaml_and_wrong_root_are_errors() {
        assert!(errors("expect: [\n")[0].starts_with("s/expect.yml:"));
        assert_eq!(
            errors("- 1\n"),
            ["s/expect.yml:1: expected a map, found a list"]
        );
        assert!(
            errors("description: d\nsource: s\ndefault: all\nexpect: []\n")
                .iter()
                .any(|e| e == "s/expect.yml:3: `default` must be `none` or `any`")
        );
    }
}
