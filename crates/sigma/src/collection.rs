//! Rule collections (being written).
