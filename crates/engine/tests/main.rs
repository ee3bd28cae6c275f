//! The engine's integration tests: matcher semantics against the reference
//! evaluator, fast paths, routing against SigmaHQ's `thor.yml`, and
//! SigmaHQ's rules and regression data.
//!
//! All of them are one test binary, as ripgrep's are: a test binary links
//! the whole dependency tree, so one binary per file spent most of a debug
//! test build linking, and with one binary a shared helper that no test
//! uses is dead code the compiler reports. Each former test file is a
//! module here, under its old name (test names read `file::test`); the
//! helpers every file may use are declared once.

// Tests state what they expect with unwrap (libraries may not; see the
// workspace lints).
#![allow(clippy::unwrap_used)]

// Shared helpers.
mod common;

// One module per former test file.
mod equivalence;
mod fast_paths;
mod routing_thor;
mod semantics;
mod sigmahq;
