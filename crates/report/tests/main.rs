//! The report crate's integration tests, one binary (see the workspace's
//! tests layout in docs/ARCHITECTURE.md).

// Tests state what they expect with unwrap (libraries may not; see the
// workspace lints).
#![allow(clippy::unwrap_used)]

mod hostile;
mod limits;
