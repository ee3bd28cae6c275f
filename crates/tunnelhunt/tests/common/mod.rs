//! Helpers shared by the binary's integration tests: where the repository
//! is, running the built binary from it, and scratch folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (commands run from here, as the README's do).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built `tunnelhunt` binary, to run from the repository root.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tunnelhunt"));
    cmd.current_dir(repo()).args(args);
    cmd
}

/// Run `tunnelhunt ARGS…` from the repository root.
pub fn tunnelhunt(args: &[&str]) -> Output {
    command(args).output().expect("run tunnelhunt")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch folder for one test; `suite` (one per test module)
/// keeps the modules' folders apart, the process id two test runs'.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tunnelhunt-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
