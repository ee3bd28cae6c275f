//! The readers' integration tests: each input format, damaged and odd
//! inputs, EVTX ranges, gzip, the raw-byte prefilter, and the corpus files.
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
mod auditd_interleave;
mod auditd_reader;
mod bad_input_files;
mod defender_spaced_names;
mod dns_derived_fields;
mod duplicate_keys;
mod ecs_documents;
mod encodings;
mod evtx_corpus;
mod evtx_ranges;
mod evtx_wipes;
mod gzip_inputs;
mod hostile_input;
mod linux_logs;
mod mde_edge_cases;
mod mde_tables;
mod pcap_reader;
mod preamble_files;
mod prefilter_props;
mod shapes_plink;
mod siem_exports;
mod web_access_logs;
mod web_sigmahq;
mod xml_reader;
mod zeek_readers;
mod zeek_sigmahq;
