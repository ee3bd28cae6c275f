//! Finding the files to read under the paths a user names.
//!
//! Directories are walked recursively in sorted order, so the same input
//! gives the same output order. Entries whose name starts with `.` inside a
//! directory are left out (`.git`, editor swap files); a file named
//! explicitly is always taken. Symbolic links are followed, with each
//! directory visited once so a link loop cannot recurse forever. A path
//! that cannot be read is an error to report, not a reason to stop.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::OpenError;

/// The files found, and the paths that could not be read.
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    pub errors: Vec<OpenError>,
}

/// Walk `paths`. Files met inside directories are kept when `keep` says
/// so; files named in `paths` are kept regardless.
pub fn discover(paths: &[PathBuf], keep: impl Fn(&Path) -> bool) -> Inputs {
    let mut out = Inputs::default();
    let mut seen_dirs = HashSet::new();
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &keep, &mut seen_dirs, &mut out),
            Ok(_) => out.files.push(path.clone()),
            Err(source) => out.errors.push(io_error(path, source)),
        }
    }
    out
}

fn walk(
    dir: &Path,
    keep: &impl Fn(&Path) -> bool,
    seen_dirs: &mut HashSet<PathBuf>,
    out: &mut Inputs,
) {
    let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen_dirs.insert(canonical) {
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => return out.errors.push(io_error(dir, source)),
    };
    let mut children = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry.path()),
            Err(source) => out.errors.push(io_error(dir, source)),
        }
    }
    children.sort();
    for child in children {
        let hidden = child
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        match fs::metadata(&child) {
            Ok(meta) if meta.is_dir() => walk(&child, keep, seen_dirs, out),
            Ok(_) if keep(&child) => out.files.push(child),
            Ok(_) => {}
            Err(source) => out.errors.push(io_error(&child, source)),
        }
    }
}

fn io_error(path: &Path, source: std::io::Error) -> OpenError {
    OpenError::Io {
        path: Arc::from(path),
        source,
    }
}

/// Whether `path` has one of `extensions` (compared without case).
pub fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_recursively_and_reports_missing_paths() {
        let root = std::env::temp_dir().join(format!("tunnelhunt-inputs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("b/deeper")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        for f in [
            "z.yml",
            "a.yaml",
            "b/deeper/c.yml",
            "b/notes.txt",
            ".git/x.yml",
        ] {
            fs::write(root.join(f), "x").unwrap();
        }
        let explicit = root.join("b/notes.txt");
        let missing = root.join("missing");
        let found = discover(&[root.clone(), explicit.clone(), missing], |p| {
            has_extension(p, &["yml", "yaml"])
        });
        let rel: Vec<_> = found
            .files
            .iter()
            .map(|p| {
                p.strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(rel, ["a.yaml", "b/deeper/c.yml", "z.yml", "b/notes.txt"]);
        assert_eq!(found.errors.len(), 1);
        assert!(found.errors[0].path().ends_with("missing"));
        fs::remove_dir_all(&root).unwrap();
    }
}
