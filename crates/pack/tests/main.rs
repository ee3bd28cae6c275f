//! The built-in pack's integration tests.
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

mod argv_model;
mod argv_patterns;
mod pack;
