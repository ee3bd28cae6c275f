//! Every SigmaHQ rule must load without error.
//!
//! The corpus lives outside the repository; `TUNNELHUNT_CORPUS` points at it
//! (e.g. `TUNNELHUNT_CORPUS=/work/shared/corpus`). Unset: the test says it
//! was skipped. Set but missing: that is a broken setup, and the test fails
//! loudly rather than pass on nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tunnelhunt_sigma::ast::Document;
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::load::parse_rule_file;

const RULE_FOLDERS: [&str; 3] = ["rules", "rules-emerging-threats", "rules-threat-hunting"];

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_sigmahq_rule_loads_without_error() {
    let Some(corpus) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        eprintln!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    let sigmahq = PathBuf::from(corpus).join("sigmahq");
    assert!(
        sigmahq.is_dir(),
        "TUNNELHUNT_CORPUS is set but {} does not exist",
        sigmahq.display()
    );
    let mut files = Vec::new();
    for folder in RULE_FOLDERS {
        let dir = sigmahq.join(folder);
        assert!(dir.is_dir(), "{} does not exist", dir.display());
        yaml_files(&dir, &mut files);
    }
    files.sort();
    assert!(files.len() > 1000, "only {} rule files found", files.len());

    let started = std::time::Instant::now();
    let mut collection = RuleCollection::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut warnings: BTreeMap<String, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("rule files are UTF-8");
        let parsed = parse_rule_file(file, &text);
        for document in &parsed.documents {
            let kind = match document {
                Document::Rule(_) => "rules",
                Document::Filter(_) => "filters",
                Document::Correlation(_) => "correlations",
            };
            *kinds.entry(kind).or_default() += 1;
        }
        for diagnostic in parsed.diagnostics {
            if diagnostic.is_error() {
                errors.push(diagnostic.to_string());
            } else {
                *warnings.entry(diagnostic.code.to_string()).or_default() += 1;
            }
        }
        collection.add_file(file, &text);
    }
    collection.finish();
    let elapsed = started.elapsed();
    let cross_file_errors: Vec<String> = collection
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .filter(|d| !errors.contains(d))
        .collect();

    eprintln!(
        "SigmaHQ: {} files, {} documents {kinds:?}, {} errors, warnings {warnings:?}, \
         {} cross-file errors, loaded twice in {elapsed:.2?}",
        files.len(),
        kinds.values().sum::<usize>(),
        errors.len(),
        cross_file_errors.len()
    );
    for error in errors.iter().chain(&cross_file_errors).take(50) {
        eprintln!("  {error}");
    }
    assert!(errors.is_empty(), "{} load errors", errors.len());
    assert!(
        cross_file_errors.is_empty(),
        "{} cross-file errors",
        cross_file_errors.len()
    );
    assert_eq!(kinds.values().sum::<usize>(), files.len());
}
