//! Finding the files to read under the paths a user names.
//!
//! Directories are walked recursively in sorted order, so the same input
//! gives the same output order. Symbolic links are followed, with each
//! directory visited once (by its canonical path) so a link loop cannot
//! recurse forever, and each file taken once however many links or named
//! paths lead to it. A file named explicitly is always taken; inside a
//! directory, entries that are not regular files (named pipes, sockets,
//! devices) are reported as skipped, because opening a pipe would block
//! the scan and a device never ends.
//!
//! Hidden entries (names starting with `.`) inside directories are left out
//! by default, which suits rule folders (`.git`); an evidence folder should
//! be walked with [`Walk::hidden`] set, since attackers hide files too.
//!
//! Nothing here is fatal: a path that cannot be read (missing, permission
//! denied, a dangling link) is one [`OpenError`] with the reason, reported
//! once, and the walk goes on. Each error keeps its place in the sorted
//! order ([`Inputs::files_before_error`]), so a caller that stops at the
//! first error (`scan --strict`) can still read the files that sort
//! before it.

use std::collections::HashSet;
use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::OpenError;
use crate::format::SkipReason;

/// The files found, and the paths that could not be read or were skipped.
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    pub errors: Vec<OpenError>,
    /// For each of `errors`, at the same index: how many of `files` come
    /// before it in input order.
    pub files_before_error: Vec<usize>,
}

/// How directories are walked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Walk {
    /// Also take entries whose name starts with `.`.
    pub hidden: bool,
}

/// Walk `paths` with the default [`Walk`] (hidden entries left out). Files
/// met inside directories are kept when `keep` says so; files named in
/// `paths` are kept regardless.
pub fn discover(paths: &[PathBuf], keep: impl Fn(&Path) -> bool) -> Inputs {
    discover_with(paths, Walk::default(), keep)
}

/// Walk `paths` as `walk` says; see [`discover`].
pub fn discover_with(paths: &[PathBuf], walk: Walk, keep: impl Fn(&Path) -> bool) -> Inputs {
    let mut walker = Walker {
        walk,
        keep,
        seen_dirs: HashSet::new(),
        seen_files: HashSet::new(),
        out: Inputs::default(),
    };
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walker.dir(path),
            Ok(_) => walker.file(path.clone()),
            Err(source) => walker.error(io_error(path, source)),
        }
    }
    walker.out
}

struct Walker<F> {
    walk: Walk,
    keep: F,
    seen_dirs: HashSet<PathBuf>,
    seen_files: HashSet<PathBuf>,
    out: Inputs,
}

impl<F: Fn(&Path) -> bool> Walker<F> {
    /// Record `error` at its place: after the files found so far.
    fn error(&mut self, error: OpenError) {
        self.out.files_before_error.push(self.out.files.len());
        self.out.errors.push(error);
    }

    fn file(&mut self, path: PathBuf) {
        let canonical = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if self.seen_files.insert(canonical) {
            self.out.files.push(path);
        }
    }

    fn dir(&mut self, dir: &Path) {
        let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !self.seen_dirs.insert(canonical) {
            return;
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(source) => return self.error(io_error(dir, source)),
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => children.push(entry.path()),
                Err(source) => self.error(io_error(dir, source)),
            }
        }
        children.sort();
        for child in children {
            let hidden = child
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if hidden && !self.walk.hidden {
                continue;
            }
            match fs::metadata(&child) {
                Ok(meta) if meta.is_dir() => self.dir(&child),
                Ok(meta) if !meta.is_file() => self.error(OpenError::Skipped {
                    path: Arc::from(child.as_path()),
                    reason: SkipReason::NotARegularFile {
                        kind: special_kind(&meta),
                    },
                }),
                Ok(_) if (self.keep)(&child) => self.file(child),
                Ok(_) => {}
                Err(source) => self.error(io_error(&child, source)),
            }
        }
    }
}

#[cfg(unix)]
fn special_kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let ty = meta.file_type();
    if ty.is_fifo() {
        "a named pipe"
    } else if ty.is_socket() {
        "a socket"
    } else if ty.is_block_device() || ty.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &Metadata) -> &'static str {
    "a special file"
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

    fn relative(root: &Path, files: &[PathBuf]) -> Vec<String> {
        files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn walks_sorted_recursively_and_reports_missing_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
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
        assert_eq!(
            relative(&root, &found.files),
            ["a.yaml", "b/deeper/c.yml", "z.yml", "b/notes.txt"]
        );
        assert_eq!(found.errors.len(), 1);
        assert!(found.errors[0].path().ends_with("missing"));
        assert_eq!(found.files_before_error, [4]);

        let all = discover_with(std::slice::from_ref(&root), Walk { hidden: true }, |_| true);
        assert_eq!(
            relative(&root, &all.files),
            [
                ".git/x.yml",
                "a.yaml",
                "b/deeper/c.yml",
                "b/notes.txt",
                "z.yml"
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn link_loops_and_duplicate_links_are_walked_once() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        fs::create_dir_all(root.join("logs/sub")).unwrap();
        fs::write(root.join("logs/a.log"), "x").unwrap();
        symlink(root.join("logs"), root.join("logs/sub/loop")).unwrap();
        symlink(root.join("logs/a.log"), root.join("logs/sub/same.log")).unwrap();
        symlink(root.join("nowhere"), root.join("logs/dangling")).unwrap();
        let found = discover(&[root.clone(), root.join("logs/a.log")], |_| true);
        assert_eq!(relative(&root, &found.files), ["logs/a.log"]);
        assert_eq!(found.errors.len(), 1, "{:?}", found.errors);
        assert!(found.errors[0].path().ends_with("dangling"));
        // `logs/a.log` sorts before `logs/dangling`.
        assert_eq!(found.files_before_error, [1]);
    }
}
