//! What the KQL integration tests share beyond `common`: a way to run
//! Microsoft's Kusto.Language over queries (`validators/kql/validate.js`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{repo_root, validators_requested};

/// What Kusto.Language said about one query.
#[derive(Debug)]
pub struct Checked {
    pub diagnostics: Vec<String>,
    pub literals: Vec<String>,
}

/// `Some(validator script)` when `TUNNELHUNT_VALIDATORS` is set; `None`
/// (after saying so) when it is not. Set but not installed: panic.
pub fn validator() -> Option<PathBuf> {
    if !validators_requested() {
        return None;
    }
    let dir = repo_root().join("validators/kql");
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
