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
        // Only a YAML string: an unquoted id such as `1e5…` would be read as
        // a number and written back differently.
        let rule = match get(map, "rule").map(|n| (n, &n.data)) {
            Some((node, YamlData::Value(Scalar::String(text)))) if !text.trim().is_empty() => {
                scalar_text(node)
            }
            Some((node, _)) => {
                self.error(
                    line_of(node),
                    "`rule` must be a correlation id or name as text (quote an id YAML reads \
                     as a number)",
                );
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{FileRef, parse};

    const HEAD: &str = "description: d\nsource: s\n";

    #[test]
    fn promises_parse_with_group_evidence_and_count() {
        let spec = parse(
            Path::new("e"),
            &format!(
                "{HEAD}correlations:\n  - rule: chain\n    group: {{Computer: WS1}}\n    \
                 evidence:\n      - {{file: a.jsonl, record: [2, 5]}}\n      - {{corpus: real/x.evtx, record: 7}}\n  \
                 - rule: '0e95'\n    count: 0\n"
            ),
        )
        .unwrap();
        assert!(spec.expectations.is_empty());
        let [first, second] = spec.correlations.as_slice() else {
            panic!("{:?}", spec.correlations)
        };
        assert_eq!(first.rule, "chain");
        assert_eq!(first.group.get("Computer").map(String::as_str), Some("WS1"));
        assert_eq!(
            first.evidence,
            [
                (FileRef::Local("a.jsonl".into()), 2),
                (FileRef::Local("a.jsonl".into()), 5),
                (FileRef::Corpus("real/x.evtx".into()), 7)
            ]
        );
        assert_eq!(first.count, None);
        assert_eq!((second.rule.as_str(), second.count), ("0e95", Some(0)));
        // Evidence files are files the scenario reads.
        assert_eq!(spec.files().len(), 2);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let errors = parse(
            Path::new("e"),
            &format!(
                "{HEAD}correlations:\n  - group: {{a: b}}\n  - rule: x\n    count: -1\n  \
                 - rule: y\n    count: 0\n    evidence: [{{file: a, record: 1}}]\n  - rule: z\n    extra: 1\n  - rule: 1e5\n"
            ),
        )
        .unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        for expected in [
            "e:4: missing `rule`",
            "e:6: `count` must be a whole number",
            "e:7: `count: 0` promises no alert",
            "e:11: unknown key in a `correlations` entry `extra`",
            "e:12: `rule` must be a correlation id or name as text",
        ] {
            assert!(
                messages.iter().any(|m| m.starts_with(expected)),
                "{expected}: {messages:#?}"
            );
        }
    }
}
