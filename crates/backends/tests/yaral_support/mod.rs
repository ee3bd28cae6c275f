//! What the YARA-L and Sumo Logic integration tests share: the rules they
//! render (the built-in T1572 pack and the one-feature probes, or rules
//! written in the test), and the YARA-L checker
//! (`validators/yaral/yaral_check.py`, yaraast plus a strict grammar of
//! the events section).

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

/// Load `(file name, yaml)` pairs as one collection, sorted by file stem.
pub fn load(files: Vec<(String, String)>) -> Vec<LoadedRule> {
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

/// Run `f` with the rules as one slice of inputs (what `render_pack`
/// takes).
pub fn with_inputs<T>(rules: &[LoadedRule], f: impl FnOnce(&[RuleInput<'_>]) -> T) -> T {
    let filters: Vec<Vec<&Filter>> = rules.iter().map(|r| r.filters.iter().collect()).collect();
    let inputs: Vec<RuleInput<'_>> = rules
        .iter()
        .zip(&filters)
        .map(|(r, f)| RuleInput {
            rule: &r.rule,
            filters: f,
            expr: &r.expr,
        })
        .collect();
    f(&inputs)
}

/// A one-rule YAML document whose selection compares `field` with the
/// exact string `value` (`modifier` is `""`, `|contains`, `|cased`, …).
/// The value is escaped for Sigma (`\`, `*`, `?`) and then for a YAML
/// double-quoted scalar (every character outside printable ASCII as
/// `\u`/`\U`), so any string survives.
pub fn value_rule(category: &str, field: &str, modifier: &str, value: &str) -> String {
    let mut sigma = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '*' | '?') {
            sigma.push('\\');
        }
        sigma.push(c);
    }
    let mut yaml = String::from("\"");
    for c in sigma.chars() {
        match c {
            '\\' => yaml.push_str("\\\\"),
            '"' => yaml.push_str("\\\""),
            ' '..='~' => yaml.push(c),
            c if u32::from(c) <= 0xFFFF => yaml.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => yaml.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    yaml.push('"');
    format!(
        "title: Value\nid: 00000000-0000-4000-8000-00000000beef\nlogsource:\n    category: {category}\ndetection:\n    sel:\n        {field}{modifier}: {yaml}\n    condition: sel\n"
    )
}

/// Load one YAML rule (see [`value_rule`]).
pub fn load_one(yaml: &str) -> LoadedRule {
    load(vec![("value.yml".to_owned(), yaml.to_owned())])
        .pop()
        .expect("one rule")
}

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
    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
        return None;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = std::env::var_os("TUNNELHUNT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target/validators-venv"));
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "TUNNELHUNT_VALIDATORS is set but {} is missing: run validators/yaral/setup.sh",
        python.display()
    );
    Some((python, repo.join("validators/yaral/yaral_check.py")))
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

/// The text between the slashes of a `/…/` regex literal, with `\/`
/// turned back into `/` (what the regex engine receives).
pub fn slash_literal_body(literal: &str) -> String {
    let inner = literal
        .strip_prefix('/')
        .and_then(|l| l.strip_suffix('/'))
        .unwrap_or_else(|| panic!("not a /…/ literal: {literal}"));
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('/') => out.push('/'),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => panic!("dangling backslash in {literal}"),
            }
        } else {
            assert!(c != '/', "unescaped slash inside {literal}");
            out.push(c);
        }
    }
    out
}

/// What a pattern matches when it is a plain literal, optionally anchored
/// at the start (`^`/`\A`) and end (`$`/`\z`) and padded with `(?s).*` /
/// `.*` on either side: `(anchored start, literal, anchored end)`.
/// Panics when the pattern is anything else — the point of the tests that
/// call it is that a value renders as exactly this shape.
pub fn literal_pattern(pattern: &str) -> (bool, String, bool) {
    use regex_syntax::hir::{HirKind, Look};
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let parts: Vec<regex_syntax::hir::Hir> = match hir.kind() {
        HirKind::Concat(parts) => parts.clone(),
        _ => vec![hir.clone()],
    };
    let mut start = false;
    let mut end = false;
    let mut literal = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        match part.kind() {
            HirKind::Look(Look::Start) if i == 0 => start = true,
            HirKind::Look(Look::End) if i == parts.len() - 1 => end = true,
            HirKind::Literal(bytes) => literal.extend_from_slice(&bytes.0),
            HirKind::Repetition(rep)
                if rep.min == 0 && rep.max.is_none() && (i == 1 || i == parts.len() - 2) => {}
            other => panic!("{pattern}: unexpected {other:?}"),
        }
    }
    (
        start,
        String::from_utf8(literal).expect("UTF-8 literal"),
        end,
    )
}

/// Strings that have broken converters: quotes, backslashes (also
/// trailing), wildcards, regex and shell metacharacters, line breaks,
/// comment markers, non-ASCII dashes and letters, control characters.
pub const NASTY: &[&str] = &[
    r#"a"b"#,
    r"C:\Windows\",
    r"\\server\share",
    "*?[]{}()^$.|+",
    "line1\nline2\r\n",
    "tab\tvt\u{b}nul\u{0}del\u{7f}",
    "/* not a comment */ // nor this",
    "`$(whoami)` ${env:TEMP} %TEMP% _x_",
    "–R —L ―D",
    "Überwachung İstanbul ǅ ß",
    "'single' \"double\" \\\"both\\\"",
    "/",
    "\\",
    "a/b\\/c",
    "nocase\" or $e.x = \"",
    "} condition: $e rule x {",
    "\u{2028}\u{2029}\u{85}",
];

/// Read a `/…/` literal starting at `text[0]`; returns it and the rest.
/// A raw control character inside is an error: it would break the line.
pub fn read_slashes(text: &str) -> (&str, &str) {
    assert!(text.starts_with('/'), "not a regex literal: {text}");
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        assert!(!c.is_control(), "raw control character in {text:?}");
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '/' => return (&text[..=i], &text[i + 1..]),
            _ => {}
        }
    }
    panic!("unterminated regex literal: {text}")
}
