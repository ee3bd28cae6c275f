//! The `correlations:` section of an `expect.yml`: correlation alerts a
//! scenario promises, and near misses that must stay quiet.
//!
//! ```yaml
//! correlations:
//!   - rule: 0e95725d-…          # the correlation's id, or its name
//!     group: {User: alice}      # optional: the alert's group-by values
//!     evidence:                 # optional: records that must be in its evidence
//!       - {file: security.jsonl, record: 4}
//!     count: 1                  # optional: exactly this many such alerts (0: none)
//!     note: why
//! ```
//!
//! Without `count`, at least one alert must match. `count: 0` is how a
//! near miss is written: the events come close to the condition and the
//! correlation must not fire.

use std::collections::BTreeMap;

use saphyr::{MarkedYaml, Scalar, YamlData};

use super::{FileRef, Parser, get, line_of, scalar_text, type_name};

/// One promised correlation result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationExpectation {
    /// Line of the entry in `expect.yml`.
    pub line: usize,
    /// The correlation's id or name.
    pub rule: String,
    /// Group-by values the alert must have (others are not checked).
    pub group: BTreeMap<String, String>,
    /// Records (file, line or EventRecordID) that must be in its evidence.
    pub evidence: Vec<(FileRef, u64)>,
    /// Exactly this many matching alerts; `None`: at least one.
    pub count: Option<u64>,
    pub note: Option<String>,
}

const KEYS: [&str; 5] = ["rule", "group", "evidence", "count", "note"];
const EVIDENCE_KEYS: [&str; 3] = ["file", "corpus", "record"];

impl Parser<'_> {
    pub(super) fn correlations(&mut self, node: &MarkedYaml<'_>) -> Vec<CorrelationExpectation> {
        let YamlData::Sequence(items) = &node.data else {
            self.error(
                line_of(node),
                format!("`correlations` must be a list, found {}", type_name(node)),
            );
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.correlation(item))
            .collect()
    }

    fn correlation(&mut self, item: &MarkedYaml<'_>) -> Option<CorrelationExpectation> {
        let line = line_of(item);
        let YamlData::Mapping(map) = &item.data else {
            self.error(
                line,
                format!(
                    "a `correlations` entry must be a map, found {}",
                    type_name(item)
                ),
            );
            return None;
        };
        self.unknown_keys(map, &KEYS, "key in a `correlations` entry");
        let rule = match get(map, "rule").map(|n| (n, scalar_text(n))) {
            Some((_, Some(text))) if !text.trim().is_empty() => Some(text),
            Some((node, _)) => {
                self.error(line_of(node), "`rule` must be a correlation id or name");
                None
            }
            None => {
                self.error(line, "missing `rule` (the correlation's id or name)");
                None
            }
        };
        let group = get(map, "group").map(|n| self.group(n)).unwrap_or_default();
        let evidence = get(map, "evidence")
            .map(|n| self.evidence(n))
            .unwrap_or_default();
        let count = get(map, "count").and_then(|node| match &node.data {
            YamlData::Value(Scalar::Integer(n)) if *n >= 0 => Some(n.unsigned_abs()),
            _ => {
                self.error(
                    line_of(node),
                    "`count` must be a whole number of zero or more",
                );
                None
            }
        });
        if count == Some(0) && !evidence.is_empty() {
            self.error(
                line,
                "`count: 0` promises no alert, so it can have no `evidence`",
            );
        }
        let note = get(map, "note").and_then(scalar_text);
        Some(CorrelationExpectation {
            line,
            rule: rule?,
            group,
            evidence,
            count,
            note,
        })
    }

    fn group(&mut self, node: &MarkedYaml<'_>) -> BTreeMap<String, String> {
        let YamlData::Mapping(map) = &node.data else {
            self.error(
                line_of(node),
                format!(
                    "`group` must map group-by names to values, found {}",
                    type_name(node)
                ),
            );
            return BTreeMap::new();
        };
        let mut group = BTreeMap::new();
        for (key, value) in map.iter() {
            match (scalar_text(key), scalar_text(value)) {
                (Some(name), Some(text)) => {
                    group.insert(name, text);
                }
                _ => self.error(line_of(key), "a `group` entry must be `name: value`"),
            }
        }
        group
    }

    fn evidence(&mut self, node: &MarkedYaml<'_>) -> Vec<(FileRef, u64)> {
        let YamlData::Sequence(items) = &node.data else {
            self.error(
                line_of(node),
                format!("`evidence` must be a list, found {}", type_name(node)),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let YamlData::Mapping(map) = &item.data else {
                self.error(line_of(item), "an `evidence` entry must be {file, record}");
                continue;
            };
            self.unknown_keys(map, &EVIDENCE_KEYS, "key in an `evidence` entry");
            let file = match (get(map, "file"), get(map, "corpus")) {
                (Some(f), None) => self.relative_path(f, "file").map(FileRef::Local),
                (None, Some(c)) => self.relative_path(c, "corpus").map(FileRef::Corpus),
                _ => {
                    self.error(line_of(item), "give one of `file` or `corpus`");
                    None
                }
            };
            let records = match get(map, "record") {
                Some(node) => self.records(node),
                None => {
                    self.error(line_of(item), "missing `record`");
                    Vec::new()
                }
            };
            if let Some(file) = file {
                out.extend(records.into_iter().map(|r| (file.clone(), r)));
            }
        }
        out
    }
}
