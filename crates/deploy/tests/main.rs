#![allow(clippy::unwrap_used)]

//! The deploy crate's integration tests: the pack's rules through a
//! backend into rule objects, golden objects (insta), the vendors'
//! validators where installed, and injection round trips per format.
//! One binary (see the backends crate for why).

mod attack_tags;
mod common;
// The LogScale query tokenizer of the backends' tests: every query an
// object carries must still tokenize.
#[allow(dead_code)]
#[path = "../../backends/tests/cql_support/mod.rs"]
mod cql_support;
mod defender;
mod elastic;
mod json_keys;
mod logscale;
mod navigator;
mod qradar;
mod secops;
mod sentinel;
mod splunk;
mod sumo;
