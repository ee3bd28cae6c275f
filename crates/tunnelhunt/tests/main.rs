//! The binary's integration tests: the commands run as a user runs them,
//! the scenarios, and the differential and conformance checks over the
//! corpus.
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
mod report_support;

// The binary's own rule loading and alert model, compiled in so that the
// differential tests check the code `scan` runs. Only a part of each is
// used here, hence the allowance.
#[allow(dead_code)]
#[path = "../src/output/mod.rs"]
mod output;
#[allow(dead_code)]
#[path = "../src/placeholders.rs"]
mod placeholders;
#[allow(dead_code)]
#[path = "../src/ruleset.rs"]
mod ruleset;

// One module per former test file.
mod cli;
mod cli_export;
mod cli_export_deploy;
mod cli_report;
mod cli_scan;
mod cli_scan_behaviour;
mod cli_scan_client;
mod cli_scan_correlations;
mod cli_scan_duplicate_keys;
mod cli_scan_hostile;
mod cli_scan_output;
mod cli_scan_real;
mod cli_scan_stall;
mod cli_terminal;
mod dns_fields;
mod dns_late_rows;
mod evtx_twins;
mod export_deploy_defender;
mod export_deploy_logscale;
mod export_deploy_qradar;
mod export_deploy_secops;
mod export_deploy_sentinel;
mod export_deploy_sigmahq;
mod export_deploy_splunk;
mod export_deploy_sumo;
mod navigator_layers;
mod prefilter_differential;
mod projection_differential;
mod report_browser;
mod scenarios;
mod siem_export_twins;
mod sigmahq_conformance;
mod sigmahq_rules_check;
