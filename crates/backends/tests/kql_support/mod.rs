//! What the KQL integration tests share: the rules they render (the
//! built-in T1572 pack and the one-feature probes), and a way to run
//! Microsoft's Kusto.Language over queries (`validators/kql/validate.js`).

#![allow(dead_code)] // each test file uses a part

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tunnelhunt_backends::RuleInput;
use tunnelhunt_sigma::ast::{Filter, Rule};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

/// A loaded, lowered rule and the name its snapshot carries.
pub struct LoadedRule {
    pub name: String,
    pub rule: Rule,
    pub filters: Vec<Filter>,
    pub expr: Expr,
}

impl LoadedRule {
    pub fn with_input<T>(&self, f: impl FnOnce(&RuleInput<'_>) -> T) -> T {
        let filters: Vec<&Filter> = self.filters.iter().collect();
        f(&RuleInput {
            rule: &self.rule,
            filters: &filters,
            expr: &self.expr,
        })
    }
}

/// Load `(name, yaml)` files as one collection; every file holds one rule.
fn load(files: Vec<(String, String)>) -> Vec<LoadedRule> {
    let mut collection = RuleCollection::new();
    for (name, text) in &files {
        collection.add_file(Path::new(name), text);
    }
    collection.finish();
    assert!(
        !collection.has_errors(),
        "rules do not load: {:?}",
        collection.diagnostics()
    );
    let mut out: Vec<LoadedRule> = collection
        .rules()
        .map(|rule| {
            let filters: Vec<Filter> = collection.filters_for(rule).into_iter().cloned().collect();
            let refs: Vec<&Filter> = filters.iter().collect();
            let expr = lower_rule(rule, &refs, &Placeholders::new()).expect("rule lowers");
            let file = rule.origin.file.to_string_lossy().into_owned();
            let name = Path::new(&file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or(file);
            LoadedRule {
                name,
                rule: rule.clone(),
                filters,
                expr,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The built-in T1572 pack.
pub fn pack_rules() -> Vec<LoadedRule> {
    load(
        tunnelhunt_pack::builtin_rules()
            .iter()
            .map(|f| (f.path.to_owned(), f.text.to_owned()))
            .collect(),
    )
}

/// The probe rules under `tests/probes/`.
pub fn probe_rules() -> Vec<LoadedRule> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/probes");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/probes exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("probe readable");
            (p.to_string_lossy().into_owned(), text)
        })
        .collect();
    files.sort();
    load(files)
}

/// What Kusto.Language said about one query.
#[derive(Debug)]
pub struct Checked {
    pub diagnostics: Vec<String>,
    pub literals: Vec<String>,
}

/// `Some(validator script)` when `TUNNELHUNT_VALIDATORS` is set; `None`
/// (after saying so) when it is not. Set but not installed: panic.
pub fn validator() -> Option<PathBuf> {
    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
        return None;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../validators/kql");
    let installed = dir.join("node_modules/@kusto/language-service-next/package.json");
    assert!(
        installed.is_file(),
        "TUNNELHUNT_VALIDATORS is set but the KQL validator is not installed: run validators/kql/setup.sh"
    );
    Some(dir.join("validate.js"))
}

/// Parse and bind every query in one node process.
pub fn check(script: &Path, queries: &[String]) -> Vec<Checked> {
    let input = serde_json::to_string(queries).expect("queries serialize");
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (TUNNELHUNT_VALIDATORS is set, so node is required)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write queries");
    let output = child.wait_with_output().expect("validator finishes");
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "validator failed ({code:?}): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("validator prints JSON");
    let results = results.as_array().expect("an array");
    assert_eq!(results.len(), queries.len(), "one result per query");
    results
        .iter()
        .map(|r| Checked {
            diagnostics: r["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .map(|d| {
                    format!(
                        "{} {} at {}: {}",
                        d["severity"].as_str().unwrap_or("?"),
                        d["code"].as_str().unwrap_or("?"),
                        d["start"],
                        d["message"].as_str().unwrap_or("?")
                    )
                })
                .collect(),
            literals: r["literals"]
                .as_array()
                .expect("literals")
                .iter()
                .map(|l| l.as_str().expect("string literal value").to_owned())
                .collect(),
        })
        .collect()
}
