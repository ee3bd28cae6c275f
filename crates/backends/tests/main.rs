//! The backends' integration tests: golden queries per target (insta
//! snapshots), literal and regex properties, SigmaHQ conversion, and the
//! vendors' validators where they are installed.
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
mod aql_support;
mod common;
mod correlation_support;
mod cql_support;
mod eql_support;
mod kql_support;
mod sigma_support;
mod yaral_support;

// Correlation exports: YARA-L, LogScale, Sumo Logic, AQL (issue 13).
mod bucketed_correlation;
mod correlation_injection;
mod correlation_inputs;
mod yaral_correlation;

// One module per former test file.
mod aql_golden;
mod correlation_golden;
mod correlation_props;
mod correlation_validate;
mod cql_golden;
mod cql_literals;
mod eql_execute;
mod eql_golden;
mod eql_props;
mod eql_validate;
mod kql_golden;
mod kql_literal_roundtrip;
mod kql_sigmahq;
mod kql_validate;
mod regex_dialects;
mod regex_probes;
mod sigma_golden;
mod sigma_roundtrip;
mod sigma_validators;
mod sigmahq_convert;
mod spl_golden;
mod sumo_golden;
mod sumo_literals;
mod sumo_structure;
mod yaral_golden;
mod yaral_literals;
mod yaral_validate;
