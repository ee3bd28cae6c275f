//! Document loading (being written).
