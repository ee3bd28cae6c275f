//! Helpers shared by the integration tests: fixture paths, temporary
//! files, field values as text, and compiling Sigma rules into a matcher.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use tunnelhunt_engine::{Event, FieldValue, Lookup, Matcher, MatcherBuilder};
use tunnelhunt_sigma::ast::Document;
use tunnelhunt_sigma::load::parse_rule_file;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};
use tunnelhunt_sources::{ReadErrorKind, RecordReader};

/// `tests/fixtures/<path>`.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// Write `content` to `dir/name`.
pub fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// `data` as one gzip member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A field that must be one string (or absent); anything else fails the
/// test.
pub fn text<E: Event + ?Sized>(event: &E, name: &str) -> Option<String> {
    match event.field(name) {
        Lookup::One(FieldValue::Str(s)) => Some(s.into_owned()),
        Lookup::Absent => None,
        other => panic!("{name}: expected one string, got {other:?}"),
    }
}

/// A field that must be one value (or absent), as text, the way a Sigma
/// string comparison sees it (numbers too).
pub fn as_text<E: Event + ?Sized>(event: &E, name: &str) -> Option<String> {
    match event.field(name) {
        Lookup::One(v) => v.as_text().map(|t| t.into_owned()),
        Lookup::Absent => None,
        other => panic!("{name}: expected one value, got {other:?}"),
    }
}

/// Each item of a reader as `Ok(line)` or `Err((line, kind))`.
pub fn summary(reader: RecordReader) -> Vec<Result<u64, (u64, ReadErrorKind)>> {
    reader
        .map(|r| match r {
            Ok(record) => Ok(record.origin.line().unwrap()),
            Err(e) => Err((e.line, e.kind)),
        })
        .collect()
}

/// The items of a reader split into the good ones and the errors.
pub fn split<T, E>(items: impl IntoIterator<Item = Result<T, E>>) -> (Vec<T>, Vec<E>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for item in items {
        match item {
            Ok(t) => ok.push(t),
            Err(e) => bad.push(e),
        }
    }
    (ok, bad)
}

/// Compile rule files (name, YAML text) into one matcher; a rule's id in
/// the matcher is its position in the returned names.
pub fn compile(sources: &[(String, String)]) -> (Matcher, Vec<String>) {
    let mut builder = MatcherBuilder::new();
    let mut names = Vec::new();
    for (name, text) in sources {
        let parsed = parse_rule_file(Path::new(name), text);
        assert!(!parsed.has_errors(), "{name}: {:?}", parsed.diagnostics);
        for doc in parsed.documents {
            if let Document::Rule(rule) = doc {
                let expr = lower_rule(&rule, &[], &Placeholders::new())
                    .unwrap_or_else(|d| panic!("{name}: {d:?}"));
                let id = builder.add_rule(&rule.logsource, &expr).unwrap();
                assert_eq!(id, names.len());
                names.push(name.clone());
            }
        }
    }
    (builder.build().unwrap(), names)
}

/// Compile rules given as (name, body without `title` and `id`): each gets
/// its name as title and a made-up id; rule `i` has id `i`.
pub fn compile_bodies(rules: &[(&str, &str)]) -> Matcher {
    let sources: Vec<(String, String)> = rules
        .iter()
        .enumerate()
        .map(|(i, (name, body))| {
            let yaml = format!("title: {name}\nid: 00000000-0000-4000-8000-{i:012}\n{body}\n");
            ((*name).to_owned(), yaml)
        })
        .collect();
    compile(&sources).0
}

/// `$TUNNELHUNT_CORPUS/<sub>`; `None` (and "skipped" printed) when the
/// variable is unset. Set to a folder without `sub`, the test fails, so CI
/// cannot silently test nothing.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return None;
    };
    let dir = PathBuf::from(root).join(sub);
    assert!(
        dir.is_dir(),
        "TUNNELHUNT_CORPUS is set but {} is missing",
        dir.display()
    );
    Some(dir)
}
