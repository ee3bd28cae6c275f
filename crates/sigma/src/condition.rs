//! Condition grammar (being written).
