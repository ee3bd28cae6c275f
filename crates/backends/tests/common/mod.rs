//! What every backend integration test shares (`crate::common`): the rules
//! they render (the built-in T1572 pack, the pack tuned by its example
//! filters, the one-feature probes under `tests/probes/`, rules written
//! in the test), the environment they may run against (the validators
//! behind `TUNNELHUNT_VALIDATORS`, the SigmaHQ corpus behind
//! `TUNNELHUNT_CORPUS`), the pieces of snapshot text every golden test
//! writes the same way, and the literal helpers the property tests use.
//!
//! Snapshots themselves are asserted in the test files: insta names a
//! snapshot file after the file and module that assert it.

use std::path::{Path, PathBuf};

use tunnelhunt_backends::{Flavor, PackQuery, Refusal, RuleInput};
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::{Filter, Rule};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::{Expr, Piece, Predicate, StrMatch, Test};
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

// ---------------------------------------------------------------- rules

/// A loaded, lowered rule and the name its snapshot carries (the file
/// stem).
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

    /// The input of a rule no filter applies to (pack and probe rules);
    /// a tuned rule needs [`LoadedRule::with_input`].
    pub fn input(&self) -> RuleInput<'_> {
        assert!(
            self.filters.is_empty(),
            "{}: filters apply, use with_input",
            self.name
        );
        RuleInput {
            rule: &self.rule,
            filters: &[],
            expr: &self.expr,
        }
    }
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

/// Load `(file name, yaml)` pairs as one collection and lower every rule
/// with the filters that apply to it, sorted by file stem. Panics on any
/// error diagnostic.
pub fn load(files: &[(String, String)]) -> Vec<LoadedRule> {
    let mut collection = RuleCollection::new();
    for (name, text) in files {
        collection.add_file(Path::new(name), text);
    }
    collection.finish();
    assert!(
        !collection.has_errors(),
        "rules do not load: {:#?}",
        collection.diagnostics()
    );
    let mut out: Vec<LoadedRule> = collection
        .rules()
        .map(|rule| {
            let filters: Vec<Filter> = collection.filters_for(rule).into_iter().cloned().collect();
            let refs: Vec<&Filter> = filters.iter().collect();
            let expr = lower_rule(rule, &refs, &Placeholders::new())
                .unwrap_or_else(|e| panic!("{} does not lower: {e:?}", rule.origin.file.display()));
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

/// Load one YAML rule (see [`value_rule`]).
pub fn load_one(yaml: &str) -> LoadedRule {
    load(&[("value.yml".to_owned(), yaml.to_owned())])
        .pop()
        .expect("one rule")
}

/// The built-in T1572 pack's rule files, `(path, yaml)` in path order.
pub fn pack_files() -> Vec<(String, String)> {
    let files: Vec<(String, String)> = tunnelhunt_pack::builtin_rules()
        .iter()
        .map(|f| (f.path.to_owned(), f.text.to_owned()))
        .collect();
    assert!(files.len() >= 25, "the T1572 pack is embedded");
    files
}

/// The pack's rule files followed by its example tuning filters.
pub fn tuned_files() -> Vec<(String, String)> {
    let mut files = pack_files();
    files.extend(
        tunnelhunt_pack::example_filters()
            .iter()
            .map(|f| (f.path.to_owned(), f.text.to_owned())),
    );
    files
}

/// The folder of the one-feature probe rules.
pub fn probe_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/probes")
}

/// The probe rule paths (`tests/probes/*.yml`), sorted.
pub fn probe_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(probe_dir())
        .expect("tests/probes exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    paths.sort();
    paths
}

/// The probe rule files, `(path, yaml)` in path order.
pub fn probe_files() -> Vec<(String, String)> {
    let files: Vec<(String, String)> = probe_paths()
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("probe readable");
            (p.to_string_lossy().into_owned(), text)
        })
        .collect();
    assert!(files.len() >= 50, "the probe set is present");
    files
}

/// The built-in T1572 pack.
pub fn pack_rules() -> Vec<LoadedRule> {
    load(&pack_files())
}

/// The probe rules under `tests/probes/`.
pub fn probe_rules() -> Vec<LoadedRule> {
    load(&probe_files())
}

/// The pack rules the example filters tune (loaded with the filters).
pub fn tuned_rules() -> Vec<LoadedRule> {
    load(&tuned_files())
        .into_iter()
        .filter(|r| !r.filters.is_empty())
        .collect()
}

// ---------------------------------------------------------- environment

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether the validators are to run (`TUNNELHUNT_VALIDATORS` is set);
/// says so when they are skipped.
pub fn validators_requested() -> bool {
    let requested = std::env::var_os("TUNNELHUNT_VALIDATORS").is_some();
    if !requested {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
    }
    requested
}

/// The Python environment the validators are installed in:
/// `TUNNELHUNT_VENV`, by default `target/validators-venv`.
pub fn validators_venv() -> PathBuf {
    std::env::var_os("TUNNELHUNT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/validators-venv"))
}

/// The validators' Python, or `None` (after saying so) when
/// `TUNNELHUNT_VALIDATORS` is not set. Set but not installed is a
/// failure that names the `setup` script to run.
pub fn validator_python(setup: &str) -> Option<PathBuf> {
    if !validators_requested() {
        return None;
    }
    let python = validators_venv().join("bin/python");
    assert!(
        python.is_file(),
        "TUNNELHUNT_VALIDATORS is set but {} is missing: run {setup}",
        python.display()
    );
    Some(python)
}

/// The SigmaHQ rule folders the corpus tests read.
pub const SIGMAHQ_RULE_DIRS: [&str; 3] =
    ["rules", "rules-emerging-threats", "rules-threat-hunting"];

/// `$TUNNELHUNT_CORPUS/sigmahq`, or `None` (after saying so) when
/// `TUNNELHUNT_CORPUS` is not set. Set without SigmaHQ is a failure.
pub fn sigmahq_corpus() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return None;
    };
    let sigmahq = PathBuf::from(&root).join("sigmahq");
    assert!(
        sigmahq.join("rules").is_dir(),
        "TUNNELHUNT_CORPUS={} has no sigmahq/rules",
        Path::new(&root).display()
    );
    Some(sigmahq)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        ) {
            out.push(path);
        }
    }
}

/// Every SigmaHQ rule file under [`SIGMAHQ_RULE_DIRS`], in path order.
pub fn sigmahq_files(sigmahq: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in SIGMAHQ_RULE_DIRS {
        yaml_files(&sigmahq.join(dir), &mut files);
    }
    files
}

/// The SigmaHQ rule `files` as one finished collection (diagnostics and
/// all).
pub fn sigmahq_collection(files: &[PathBuf]) -> RuleCollection {
    let mut collection = RuleCollection::new();
    for file in files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        collection.add_file(file, &text);
    }
    collection.finish();
    collection
}

// -------------------------------------------------------- snapshot text

/// A rendering as snapshot text: the query, or `REFUSED <refusal>` on a
/// line of its own.
pub fn or_refused(result: Result<String, Refusal>) -> String {
    result.unwrap_or_else(|refusal| format!("REFUSED {refusal}\n"))
}

/// Every flavor of one rule (`Backend::render_all`) as snapshot text:
/// per flavor its `heading`, then the query or its refusal, then a line
/// break.
pub fn flavor_sections(
    results: Vec<(Flavor, Result<String, Refusal>)>,
    heading: impl Fn(Flavor) -> String,
) -> String {
    results
        .into_iter()
        .map(|(flavor, result)| {
            let body = match result {
                Ok(text) => format!("{text}\n"),
                Err(refusal) => format!("REFUSED {refusal}\n"),
            };
            format!("{}{body}", heading(flavor))
        })
        .collect()
}

/// A pack query as snapshot text: the query, `header`, then one line per
/// omitted rule (`<prefix><label>: <refusal>`).
pub fn with_omitted(pack: &PackQuery, header: &str, prefix: &str) -> String {
    let mut text = pack.text.clone();
    text.push_str(header);
    for (label, refusal) in &pack.omitted {
        text.push_str(&format!("{prefix}{label}: {refusal}\n"));
    }
    text
}

// ------------------------------------------------------------- literals

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

/// A `CommandLine|contains` rule over `value`, built directly in the IR so
/// any string can be tried.
pub fn contains_rule(value: &str, cased: bool) -> (Rule, Expr, StrMatch) {
    let template = "title: injection\nid: 0b8c7f3e-2d7a-4d1e-9a4f-6f2b9a1c3d5e\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        CommandLine: x\n    condition: sel\n";
    let mut collection = RuleCollection::new();
    collection.add_file(Path::new("injection.yml"), template);
    collection.finish();
    let rule = collection.rules().next().unwrap().clone();
    let glob = StrMatch::new(
        [
            Piece::AnyString,
            Piece::Lit(value.to_owned()),
            Piece::AnyString,
        ],
        cased,
    );
    let expr = Expr::Pred(Predicate {
        field: Some("CommandLine".to_owned()),
        test: Test::Str(glob.clone()),
        span: Span::UNKNOWN,
    });
    (rule, expr, glob)
}

/// A regex `pattern` with every `special` character, escaped or raw, as a
/// `\x{…}` escape (how a query language that cannot hold them raw
/// must carry them).
pub fn hex_escaped(pattern: &str, special: impl Fn(char) -> bool) -> String {
    let hex = |c: char| format!("\\x{{{:x}}}", u32::from(c));
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if special(n) => out.push_str(&hex(n)),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            c if special(c) => out.push_str(&hex(c)),
            c => out.push(c),
        }
    }
    out
}
