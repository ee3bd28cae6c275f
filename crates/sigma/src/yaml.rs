//! YAML front end (being written).
