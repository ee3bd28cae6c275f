//! Embeds the repository's `rules/` folder: lists every rule (`.yml`,
//! `.yaml`) and guide (`.md`) file under it and writes one `include_str!`
//! per file into `$OUT_DIR/embedded.rs`, so adding a rule or a guide needs
//! no code change, only a rebuild (cargo reruns this script whenever
//! anything under `rules/` changes).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../../rules");
    let root = root
        .canonicalize()
        .unwrap_or_else(|e| panic!("the rule pack folder {} is missing: {e}", root.display()));
    println!("cargo::rerun-if-changed={}", root.display());

    let mut files = Vec::new();
    collect(&root, &mut files);
    // Relative paths with `/`, sorted: the pack's order is the same on
    // every platform and every build.
    let mut entries: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&root)
                .expect("collected under the root")
                .components()
                .map(|c| c.as_os_str().to_str().expect("UTF-8 file names in rules/"))
                .collect::<Vec<_>>()
                .join("/");
            (relative, path)
        })
        .collect();
    entries.sort();

    // Three slices: the pack's rules, the example filters (never applied
    // by default) and the guides.
    let mut code = String::new();
    for (name, wanted) in [
        ("RULES", Kind::Rule),
        ("FILTERS", Kind::Filter),
        ("GUIDES", Kind::Guide),
    ] {
        writeln!(code, "static {name}: &[EmbeddedFile] = &[").expect("writing to a String");
        for (relative, path) in entries.iter().filter(|(r, _)| kind(r) == wanted) {
            println!("cargo::rerun-if-changed={}", path.display());
            writeln!(
                code,
                "    EmbeddedFile {{ path: {relative:?}, text: include_str!({:?}) }},",
                path.display().to_string()
            )
            .expect("writing to a String");
        }
        code.push_str("];\n");
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// Every `.yml`, `.yaml` and `.md` file under `dir`, recursively. Hidden
/// entries (editor swap files, `.git`) are skipped.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry
            .file_type()
            .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
        if kind.is_dir() {
            collect(&path, files);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml" | "md")
        ) {
            files.push(path);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rule,
    Filter,
    Guide,
}

/// What a file of the pack is, from its path relative to `rules/`.
fn kind(relative: &str) -> Kind {
    if relative.ends_with(".md") {
        Kind::Guide
    } else if relative.starts_with("filters/") {
        Kind::Filter
    } else {
        Kind::Rule
    }
}
