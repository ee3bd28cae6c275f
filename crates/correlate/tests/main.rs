//! The correlate crate's integration tests, in one binary.
#![allow(clippy::unwrap_used)]

mod naive;
mod properties;
mod support;
