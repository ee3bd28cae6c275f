//! The behaviour crate's integration tests, one binary (see
//! `docs/ARCHITECTURE.md`, *Tests*).

mod dns_names;
mod order;
