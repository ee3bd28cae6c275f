//! The report crate's integration tests, one binary (see the workspace's
//! tests layout in docs/ARCHITECTURE.md).

mod hostile;
