//! What the YARA-L integration tests share beyond `common`: the YARA-L
//! checker (`validators/yaral/yaral_check.py`, yaraast plus a strict
//! grammar of the events section).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::{repo_root, validator_python};

/// One item for the YARA-L checker.
pub struct YaralItem {
    pub label: String,
    pub name: String,
    pub text: String,
    /// Meta entries the checker must read back exactly.
    pub meta: Vec<(String, String)>,
}

/// What the checker said about one rule.
#[derive(Debug)]
pub struct YaralChecked {
    pub label: String,
    pub errors: Vec<String>,
    /// The events section's string literals, as yaraast's lexer read them.
    pub strings: Vec<String>,
    /// The events section's regex literals (`/…/`), as lexed.
    pub regexes: Vec<String>,
}

/// `Some(python, script)` when `TUNNELHUNT_VALIDATORS` is set; `None`
/// (after saying so) when it is not. Set but not installed: panic.
pub fn yaral_checker() -> Option<(PathBuf, PathBuf)> {
    let python = validator_python("validators/yaral/setup.sh")?;
    Some((python, repo_root().join("validators/yaral/yaral_check.py")))
}

/// Check every item in one Python process.
pub fn check_yaral(checker: &(PathBuf, PathBuf), items: &[YaralItem]) -> Vec<YaralChecked> {
    let input = serde_json::Value::Array(
        items
            .iter()
            .map(|item| {
                serde_json::json!({
                    "label": item.label,
                    "name": item.name,
                    "text": item.text,
                    "meta": item
                        .meta
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                        .collect::<serde_json::Map<String, serde_json::Value>>(),
                })
            })
            .collect(),
    );
    let mut child = Command::new(&checker.0)
        .arg(&checker.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", checker.0.display()));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write to the checker");
    let output = child.wait_with_output().expect("checker runs");
    assert!(
        output.status.code().is_some_and(|c| c == 0 || c == 1),
        "yaral_check.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "checker output is not JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
    assert_eq!(results.len(), items.len(), "one result per rule");
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|s| s.as_str().expect("string").to_owned())
            .collect()
    };
    results
        .iter()
        .map(|r| YaralChecked {
            label: r["label"].as_str().expect("label").to_owned(),
            errors: strings(&r["errors"]),
            strings: strings(&r["strings"]),
            regexes: strings(&r["regexes"]),
        })
        .collect()
}
