//! The Sigma crate's integration tests: loading rule files, the condition
//! grammar and lowering, on hand-written rules and on SigmaHQ's.
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
mod load_support;
mod lower_support;

// One module per former test file.
mod condition_grammar;
mod load_collection;
mod load_detection;
mod load_metadata;
mod load_multidoc;
mod load_safety;
mod load_sigmahq;
mod lower_conditions;
mod lower_modifiers;
mod lower_sigmahq;
