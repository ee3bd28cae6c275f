//! Shared by the EQL integration tests beyond `common`: the ECS schema
//! the reference parser checks field names and types against, and the
//! bridge to Elastic's `eql` package (`validators/eql/tunnelhunt_eql.py`).
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Map, Value, json};
use tunnelhunt_backends::eql::model::{HASHES, SCOPES, SELECTOR_FIELDS};
use tunnelhunt_backends::model::FieldKind;

use crate::common::{repo_root, validator_python};

/// The ECS schema of [`SCOPES`] in the `eql` package's format: per event
/// category, nested objects down to `"string"`/`"number"` leaves.
pub fn ecs_schema() -> Value {
    let mut categories = Map::new();
    for scope in SCOPES {
        // `any where` queries may name the fields of any event type; the
        // package recurses forever on an event type called `any`, so such
        // scopes get an entry of their own, named after the Sigma category.
        let key = scope.scope.key;
        let name = match scope.event_category {
            "any" => key
                .category
                .or(key.service)
                .expect("scopes have a category or service"),
            category => category,
        };
        let category = categories
            .entry(name)
            .or_insert_with(|| Value::Object(Map::new()));
        let mut fields: Vec<(String, &str)> = Vec::new();
        for f in scope.scope.fields {
            if f.sigma == "User" {
                // The target is the object holding `domain` and `name`.
                fields.extend(
                    ["domain", "name"].map(|part| (format!("{}.{part}", f.target), "string")),
                );
                continue;
            }
            if f.sigma == "Hashes" {
                // The target is the object holding the hash fields.
                fields.extend(
                    HASHES
                        .iter()
                        .map(|(_, path)| (format!("{}.{path}", f.target), "string")),
                );
                continue;
            }
            let kind = match f.kind {
                FieldKind::Int => "number",
                FieldKind::Text | FieldKind::Ip | FieldKind::Bool => "string",
            };
            fields.push((f.target.to_owned(), kind));
        }
        fields.extend(SELECTOR_FIELDS.iter().map(|f| ((*f).to_owned(), "string")));
        fields.extend([
            ("event.id".to_owned(), "string"),
            ("event.category".to_owned(), "string"),
        ]);
        for (path, kind) in fields {
            insert_path(category, &path, Value::String(kind.to_owned()));
        }
        if let Some(event_data) = scope.event_data {
            // Any field name: `{}` is the package's "flexible" object.
            insert_path(category, event_data, Value::Object(Map::new()));
        }
    }
    Value::Object(categories)
}

fn insert_path(root: &mut Value, path: &str, leaf: Value) {
    let mut node = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let object = node.as_object_mut().expect("schema objects nest");
        if parts.peek().is_none() {
            object.insert(part.to_owned(), leaf);
            return;
        }
        node = object
            .entry(part)
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Elastic's `eql` package behind `validators/eql/tunnelhunt_eql.py`.
pub struct Validator {
    python: PathBuf,
    script: PathBuf,
}

/// One query's verdict.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub error: Option<String>,
    pub matches: Vec<String>,
    pub strings: Vec<String>,
}

/// The validator, or `None` (after saying so) when
/// `TUNNELHUNT_VALIDATORS` is not set. Set but not installed is a failure.
pub fn validator() -> Option<Validator> {
    let python = validator_python("validators/eql/setup.sh")?;
    Some(Validator {
        python,
        script: repo_root().join("validators/eql/tunnelhunt_eql.py"),
    })
}

impl Validator {
    /// Parse `queries` against [`ecs_schema`] and, with `events`, execute
    /// them. Panics when the validator itself fails.
    pub fn run(&self, queries: &[String], events: Option<&[Value]>) -> Vec<Verdict> {
        let mut request = json!({ "schema": ecs_schema(), "queries": queries });
        if let Some(events) = events {
            request["events"] = Value::Array(events.to_vec());
        }
        let mut child = Command::new(&self.python)
            .arg(&self.script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.python.display()));
        let body = serde_json::to_vec(&request).expect("request serializes");
        // For debugging a disagreement by hand: the exact request.
        if let Some(path) = std::env::var_os("EQL_DUMP_REQUEST") {
            std::fs::write(path, &body).expect("request dumped");
        }
        child
            .stdin
            .take()
            .expect("stdin piped")
            .write_all(&body)
            .expect("request written");
        let output = child.wait_with_output().expect("validator finishes");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "eql validator failed ({}): {stderr}",
            output.status
        );
        let answer: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("eql validator answer is not JSON ({e}): {stderr}"));
        let results = answer["results"].as_array().expect("results array");
        assert_eq!(results.len(), queries.len(), "one verdict per query");
        results
            .iter()
            .map(|r| Verdict {
                error: r["error"].as_str().map(str::to_owned),
                matches: strings(&r["matches"]),
                strings: strings(&r["strings"]),
            })
            .collect()
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| v.as_str().expect("string").to_owned())
                .collect()
        })
        .unwrap_or_default()
}
