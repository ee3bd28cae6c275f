//! The correlate crate's integration tests, in one binary.
#![allow(clippy::unwrap_used)]

mod chains;
mod kinds;
mod naive;
mod properties;
mod spec_examples;
mod support;
