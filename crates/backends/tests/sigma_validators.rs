//! The Sigma writer's output against the tools sigma-cli users have
//! (`validators/sigma/sigma_check.py`): PyYAML — YAML 1.1, where `yes`,
//! `on` or `2026-11-28` are no strings — must read every metadata value and
//! every detection value exactly as our loader does, and `sigma check`
//! (pySigma) must parse every written rule: the pack (also with the example
//! filters folded in) without any validation issue, the probes and rules
//! full of awkward strings without errors.
//!
//! Needs `TUNNELHUNT_VALIDATORS` (and `validators/sigma/setup.sh` run into
//! `TUNNELHUNT_VENV`, default `target/validators-venv`); without it the
//! test says it is skipped.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value as Json, json};
use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::sigma::SigmaOut;
use tunnelhunt_sigma::ast::{AttrValue, Rule, SearchBody, Value};

use common::{
    LoadedRule, load, pack_rules, probe_rules, repo_root, tuned_rules, validators_requested,
    validators_venv,
};

fn python() -> Option<PathBuf> {
    if !validators_requested() {
        return None;
    }
    let venv = validators_venv();
    let python = venv.join("bin/python");
    let sigma = venv.join("bin/sigma");
    assert!(
        python.is_file() && sigma.is_file(),
        "TUNNELHUNT_VALIDATORS is set but sigma-cli is not installed in {}: run validators/sigma/setup.sh",
        venv.display()
    );
    Some(python)
}

fn scalar(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(x) => json!(x),
        Value::Str(s) => json!(s),
    }
}

fn attr(value: &AttrValue) -> Json {
    match value {
        AttrValue::Null => Json::Null,
        AttrValue::Bool(b) => json!(b),
        AttrValue::Int(i) => json!(i),
        AttrValue::Float(x) => json!(x),
        AttrValue::String(s) => json!(s),
        AttrValue::List(items) => Json::Array(items.iter().map(attr).collect()),
        AttrValue::Map(entries) => {
            Json::Object(entries.iter().map(|(k, v)| (k.clone(), attr(v))).collect())
        }
    }
}

/// A search as PyYAML should load it (one value: a scalar; several: a
/// list — the writer's layout).
fn search(body: &SearchBody) -> Json {
    match body {
        SearchBody::AllOf(matchers) => Json::Object(
            matchers
                .iter()
                .map(|m| {
                    let mut key = m.field.clone().unwrap_or_default();
                    for modifier in &m.modifiers {
                        key.push('|');
                        key.push_str(modifier.value.as_str());
                    }
                    let values = match m.values.as_slice() {
                        [one] => scalar(&one.value),
                        many => Json::Array(many.iter().map(|v| scalar(&v.value)).collect()),
                    };
                    (key, values)
                })
                .collect(),
        ),
        SearchBody::AnyOf(items) => Json::Array(
            items
                .iter()
                .flat_map(|item| match item {
                    SearchBody::Keywords(m) => m.values.iter().map(|v| scalar(&v.value)).collect(),
                    other => vec![search(other)],
                })
                .collect(),
        ),
        SearchBody::Keywords(m) => Json::Array(m.values.iter().map(|v| scalar(&v.value)).collect()),
    }
}

/// What PyYAML must read from the written rule (the condition is the
/// writer's normalized text and is left to `sigma check`).
fn expected(rule: &Rule) -> Json {
    let meta = &rule.meta;
    let mut out = Map::new();
    out.insert("title".into(), json!(meta.title.value));
    if let Some(id) = &meta.id {
        out.insert("id".into(), json!(id.value));
    }
    if let Some(description) = &meta.description {
        out.insert("description".into(), json!(description));
    }
    if let Some(date) = &meta.date {
        out.insert("date".into(), json!(date));
    }
    if !meta.tags.is_empty() {
        out.insert("tags".into(), json!(meta.tags));
    }
    if !meta.references.is_empty() {
        out.insert("references".into(), json!(meta.references));
    }
    for (key, value) in &meta.custom {
        out.insert(key.clone(), attr(value));
    }
    let detection: Map<String, Json> = rule
        .detection
        .searches
        .iter()
        .map(|s| (s.name.clone(), search(&s.body)))
        .collect();
    out.insert("__detection_searches".into(), Json::Object(detection));
    Json::Object(out)
}

fn write_group(
    dir: &Path,
    rules: &[LoadedRule],
    expected_values: &mut Map<String, Json>,
    compare: bool,
) {
    std::fs::create_dir_all(dir).expect("create output directory");
    for rule in rules {
        let text = rule
            .with_input(|input| SigmaOut.render(input, Flavor::DEFAULT))
            .expect("the writer never refuses");
        let path = dir.join(format!("{}.yml", rule.name));
        std::fs::write(&path, text).expect("write rule");
        if compare {
            expected_values.insert(path.to_string_lossy().into_owned(), expected(&rule.rule));
        }
    }
}

/// Rules whose strings are each an awkward case for a YAML 1.1 reader.
fn awkward_rules() -> Vec<LoadedRule> {
    const AWKWARD: [&str; 24] = [
        "yes",
        "No",
        "on",
        "y",
        "~",
        "null",
        "2026-11-28",
        "1e3",
        "0x10",
        "1_000",
        "12:30",
        "=",
        "<<",
        "*a",
        "&a",
        "!t",
        "%x",
        "@x",
        "a: b",
        "a #b",
        "- x",
        "\u{FEFF}x",
        "a\u{85}b",
        "tab\tx",
    ];
    let files: Vec<(String, String)> = AWKWARD
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let q = |t: &str| format!("'{}'", t.replace('\'', "''"));
            let dq = |t: &str| serde_json::to_string(t).expect("json string");
            (
                format!("awkward_{i:02}.yml"),
                format!(
                    "title: {}\ndescription: {}\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        \
                     CommandLine|contains: {}\n    condition: sel\nbranch: {}\n",
                    q(&format!("t {s}")),
                    dq(s),
                    dq(s),
                    dq(s)
                ),
            )
        })
        .collect();
    load(&files)
}

#[test]
fn pyyaml_and_sigma_check_read_written_rules_as_meant() {
    let Some(python) = python() else {
        return;
    };
    let root = std::env::temp_dir().join(format!("tunnelhunt-sigma-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut expected_values = Map::new();
    write_group(
        &root.join("pack"),
        &pack_rules(),
        &mut expected_values,
        true,
    );
    write_group(
        &root.join("probes"),
        &probe_rules(),
        &mut expected_values,
        true,
    );
    write_group(
        &root.join("awkward"),
        &awkward_rules(),
        &mut expected_values,
        true,
    );
    let tuned = tuned_rules();
    write_group(&root.join("tuned"), &tuned, &mut expected_values, false);

    // The detection searches are compared under `detection`, key by key.
    let expected_values: Map<String, Json> = expected_values
        .into_iter()
        .map(|(path, mut keys)| {
            let searches = keys
                .as_object_mut()
                .and_then(|k| k.remove("__detection_searches"));
            (path, json!({ "keys": keys, "searches": searches }))
        })
        .collect();
    let manifest = json!({
        "groups": [
            { "dir": root.join("pack"), "fail_on_issues": true },
            { "dir": root.join("tuned"), "fail_on_issues": true },
            // Probes and awkward rules hold escaped wildcards and control
            // characters on purpose; pySigma reports those as issues.
            { "dir": root.join("probes"), "fail_on_issues": false },
            { "dir": root.join("awkward"), "fail_on_issues": false },
        ],
        "expected": expected_values,
    });
    let manifest_path = root.join("manifest.json");
    std::fs::write(
        &manifest_path,
        serde_json::to_string_pretty(&manifest).expect("json"),
    )
    .expect("write manifest");
    let script = repo_root().join("validators/sigma/sigma_check.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&manifest_path)
        .output()
        .expect("run the sigma validator");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n{stderr}");
    assert!(
        output.status.success(),
        "the sigma validator failed:\n{stdout}\n{stderr}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
