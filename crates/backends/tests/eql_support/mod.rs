//! Shared by the EQL integration tests: loading the pack and the probe
//! rules, the ECS schema the reference parser checks field names and
//! types against, and the bridge to Elastic's `eql` package
//! (`validators/eql/tunnelhunt_eql.py`).
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Map, Value, json};
use tunnelhunt_backends::RuleInput;
use tunnelhunt_backends::eql::model::{HASHES, SCOPES, SELECTOR_FIELDS};
use tunnelhunt_backends::model::FieldKind;
use tunnelhunt_sigma::ast::{Filter, Rule};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

/// A rule file, parsed and lowered.
pub struct LoadedRule {
    /// The file stem (`proc_creation_win_ssh_local_port_forward`).
    pub name: String,
    pub rule: Rule,
    pub filters: Vec<Filter>,
    pub expr: Expr,
}

impl LoadedRule {
    pub fn with_input<T>(&self, f: impl FnOnce(&RuleInput<'_>) -> T) -> T {
        let refs: Vec<&Filter> = self.filters.iter().collect();
        f(&RuleInput {
            rule: &self.rule,
            filters: &refs,
            expr: &self.expr,
        })
    }
}

/// Run `f` over the inputs of all `rules` at once (for pack queries).
pub fn with_inputs<T>(rules: &[LoadedRule], f: impl FnOnce(&[RuleInput<'_>]) -> T) -> T {
    let filter_refs: Vec<Vec<&Filter>> = rules.iter().map(|r| r.filters.iter().collect()).collect();
    let inputs: Vec<RuleInput<'_>> = rules
        .iter()
        .zip(&filter_refs)
        .map(|(r, filters)| RuleInput {
            rule: &r.rule,
            filters,
            expr: &r.expr,
        })
        .collect();
    f(&inputs)
}

fn load(name: &str, path: &Path, text: &str) -> LoadedRule {
    let mut collection = RuleCollection::new();
    collection.add_file(path, text);
    collection.finish();
    assert!(
        !collection.has_errors(),
        "{name} does not load: {:?}",
        collection.diagnostics()
    );
    let rules: Vec<&Rule> = collection.rules().collect();
    assert_eq!(rules.len(), 1, "{name}: one rule per file");
    let rule = rules[0].clone();
    let filters: Vec<Filter> = collection.filters_for(&rule).into_iter().cloned().collect();
    let refs: Vec<&Filter> = filters.iter().collect();
    let expr = lower_rule(&rule, &refs, &Placeholders::new())
        .unwrap_or_else(|e| panic!("{name} does not lower: {e:?}"));
    LoadedRule {
        name: name.to_owned(),
        rule,
        filters,
        expr,
    }
}

/// The built-in T1572 pack, in path order.
pub fn pack_rules() -> Vec<LoadedRule> {
    tunnelhunt_pack::builtin_rules()
        .iter()
        .map(|file| load(file.stem(), Path::new(file.path), file.text))
        .collect()
}

pub fn probe_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/probes")
}

/// The one-feature probe rules (`tests/probes/p*.yml`), in name order.
pub fn probe_rules() -> Vec<LoadedRule> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(probe_dir())
        .expect("tests/probes exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("probe readable");
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            load(&name, path, &text)
        })
        .collect()
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

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
    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
        return None;
    }
    let venv = std::env::var_os("TUNNELHUNT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/validators-venv"));
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "TUNNELHUNT_VALIDATORS is set but {} is missing: run validators/eql/setup.sh",
        python.display()
    );
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
