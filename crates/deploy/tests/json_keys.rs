//! JSON goldens with their keys sorted: serde_json keeps insertion order
//! when another crate of the build turns on its `preserve_order` feature
//! (evtx does), so a snapshot must not depend on which crates are built.

use serde_json::Value;

pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut pairs: Vec<_> = map.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// `text` (JSON) pretty-printed with sorted keys.
pub fn pretty_sorted(text: &str) -> String {
    let value: Value = serde_json::from_str(text).expect("the object is JSON");
    serde_json::to_string_pretty(&sorted(value)).expect("a JSON value serializes")
}
