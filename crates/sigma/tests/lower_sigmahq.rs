//! Every SigmaHQ rule parses and lowers.
//!
//! Reads `$TUNNELHUNT_CORPUS/sigmahq/rules*/**/*.yml` (the corpus layout is
//! described in DEVELOPERS.md). Without the variable the test prints
//! "skipped" and passes; with it set to a directory that lacks the corpus it
//! fails, so that CI cannot silently test nothing.
//!
//! Lowering failures are printed. The only acceptable ones are regexes that
//! need look-around or back-references (`unsupported-regex`), which the
//! README lists as unsupported; anything else fails the test. Files the
//! loader rejects are counted and printed but not asserted on here (the
//! loader's own corpus test owns them).

#![cfg(feature = "parse")]

use std::path::{Path, PathBuf};

use tunnelhunt_sigma::Code;
use tunnelhunt_sigma::ast::Document;
use tunnelhunt_sigma::load::parse_rule_file;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

/// The placeholders SigmaHQ rules use with `|expand`, with stand-in values.
fn sigmahq_placeholders() -> Placeholders {
    let mut p = Placeholders::new();
    p.insert(
        "known_cdcs",
        vec!["dc01.corp.example".into(), "10.0.0.10".into()],
    );
    for name in [
        "Administrators",
        "JumpServers",
        "Workstations",
        "Servers",
        "DomainControllers",
    ] {
        p.insert(name, vec![format!("{}*", name.to_lowercase())]);
    }
    p
}

#[test]
fn every_sigmahq_rule_lowers() {
    let Some(corpus) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    let root = PathBuf::from(corpus).join("sigmahq");
    assert!(
        root.is_dir(),
        "TUNNELHUNT_CORPUS is set but {} is missing",
        root.display()
    );
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("rules"))
        })
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no rules* directories under {}",
        root.display()
    );
    let mut files = Vec::new();
    for dir in &dirs {
        yaml_files(dir, &mut files);
    }

    let placeholders = sigmahq_placeholders();
    let (mut rules, mut lowered, mut load_failed) = (0usize, 0usize, 0usize);
    let mut unsupported = Vec::new();
    let mut failures = Vec::new();
    for file in &files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let parsed = parse_rule_file(file, &text);
        if parsed.has_errors() {
            load_failed += 1;
            for d in parsed.diagnostics.iter().filter(|d| d.is_error()) {
                println!("load error: {d}");
            }
        }
        for doc in &parsed.documents {
            let Document::Rule(rule) = doc else { continue };
            rules += 1;
            match lower_rule(rule, &[], &placeholders) {
                Ok(_) => lowered += 1,
                Err(diags) => {
                    for d in diags {
                        println!("lower error: {d}");
                        if d.code == Code::UnsupportedRegex {
                            unsupported.push(d);
                        } else {
                            failures.push(d);
                        }
                    }
                }
            }
        }
    }
    println!(
        "sigmahq: {} files, {} rejected by the loader, {rules} rules, {lowered} lowered, \
         {} unsupported-regex diagnostics, {} other lowering errors",
        files.len(),
        load_failed,
        unsupported.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} rules failed to lower (see output)",
        failures.len()
    );
}
