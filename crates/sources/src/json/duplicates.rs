//! Keys repeated in one JSON object: every value kept, and the repetition
//! noted.
//!
//! JSON leaves a repeated name undefined, and parsers disagree: serde_json
//! (and most SIEMs' ingest) keeps the last value, others the first or
//! reject the document. Windows never writes a name twice in one element,
//! so a record that does is a broken exporter or someone hiding a value
//! from whichever tool keeps the other one. The safe reading for a
//! detector is that any of the values may be the real one, so each reader
//! keeps them all:
//!
//! * a name repeated in an object holds the list of its values, in order
//!   and in the name's first place (an array among them is spread into
//!   the list), which the matcher reads as it reads any list
//!   (`Lookup::Many`: a predicate holds when it holds for one element);
//! * when every value is an object, they are merged instead, by the same
//!   rule one level down (`process` given twice keeps the fields of both).
//!
//! `merge_value` is that rule; `MergedValue` parses JSON text into a
//! `Value` with it (serde_json's own `Value` visitor would keep the last
//! value in silence), noting each repeated key in [`DuplicateKeys`] with
//! its path, which the scan summary reports. The rule costs nothing on a
//! record without repetition: the map insertion that finds a name free is
//! the one serde_json makes anyway.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

use super::evtx_shape::Key;

/// The keys one record repeated, each with its path from the record's
/// top (`process.command_line`) and how many times it appeared. Empty for
/// almost every record, and then it allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DuplicateKeys(Vec<DuplicateKey>);

/// One repeated key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// Dotted path of the key from the record's top level.
    pub path: String,
    /// How many times it appeared (2 or more). A path met in several
    /// objects (the elements of an array) adds up.
    pub count: u32,
}

/// What a record without repetition has; lets readers without JSON hand
/// out a reference.
pub(crate) static NO_DUPLICATE_KEYS: DuplicateKeys = DuplicateKeys(Vec::new());

impl DuplicateKeys {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &DuplicateKey> {
        self.0.iter()
    }

    /// One more appearance of the key at `at`, beyond its first.
    pub(crate) fn note(&mut self, at: &KeyPath<'_>) {
        let path = at.to_string();
        match self.0.iter_mut().find(|k| k.path == path) {
            Some(key) => key.count += 1,
            None => self.0.push(DuplicateKey { path, count: 2 }),
        }
    }

    /// Take in what `other` noted (another pass over the same record
    /// part, or a part parsed on its own).
    pub(crate) fn append(&mut self, other: DuplicateKeys) {
        if self.0.is_empty() {
            self.0 = other.0;
            return;
        }
        for key in other.0 {
            match self.0.iter_mut().find(|k| k.path == key.path) {
                Some(known) => known.count += key.count - 1,
                None => self.0.push(key),
            }
        }
    }
}

/// `key 'process.command_line' appears 2 times`, the first key only, and
/// how many other keys were repeated.
impl fmt::Display for DuplicateKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(first) = self.0.first() else {
            return f.write_str("no repeated key");
        };
        write!(f, "key '{}' appears {} times", first.path, first.count)?;
        match self.0.len() - 1 {
            0 => Ok(()),
            1 => f.write_str(" (and 1 other repeated key)"),
            n => write!(f, " (and {n} other repeated keys)"),
        }
    }
}

/// Where a value sits: its key and the path to its object, borrowed from
/// the parser's stack, so that only a repetition spells it out.
#[derive(Clone, Copy)]
pub(crate) struct KeyPath<'a> {
    pub(crate) key: &'a str,
    pub(crate) up: Option<&'a KeyPath<'a>>,
}

impl<'a> KeyPath<'a> {
    pub(crate) const fn top(key: &'a str) -> Self {
        KeyPath { key, up: None }
    }

    pub(crate) const fn under(up: &'a KeyPath<'a>, key: &'a str) -> Self {
        KeyPath { key, up: Some(up) }
    }
}

impl fmt::Display for KeyPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(up) = self.up {
            write!(f, "{up}.")?;
        }
        f.write_str(self.key)
    }
}

/// Put `new`, a later value of the same name, into `existing` (see the
/// module docs): objects merge name by name, anything else becomes (or
/// extends) the list of values.
pub(crate) fn merge_value(existing: &mut Value, new: Value) {
    match (existing, new) {
        (Value::Object(old), Value::Object(new)) => {
            for (name, value) in new {
                match old.entry(name) {
                    Entry::Vacant(slot) => {
                        slot.insert(value);
                    }
                    Entry::Occupied(mut slot) => merge_value(slot.get_mut(), value),
                }
            }
        }
        (existing, new) => {
            if !existing.is_array() {
                let first = existing.take();
                *existing = Value::Array(vec![first]);
            }
            if let Value::Array(items) = existing {
                match new {
                    Value::Array(more) => items.extend(more),
                    one => items.push(one),
                }
            }
        }
    }
}

/// Insert `name: value` into `map`, merging a repeated name's values and
/// noting it at `at` (the object's own path; `None` at the top).
pub(crate) fn insert_merging(
    map: &mut Map<String, Value>,
    name: String,
    value: Value,
    at: Option<&KeyPath<'_>>,
    noted: &mut DuplicateKeys,
) {
    match map.entry(name) {
        Entry::Vacant(slot) => {
            slot.insert(value);
        }
        Entry::Occupied(mut slot) => {
            noted.note(&KeyPath {
                key: slot.key(),
                up: at,
            });
            merge_value(slot.get_mut(), value);
        }
    }
}

/// Parse one whole JSON text (nothing after it but blanks) with repeated
/// names merged, and the keys that were repeated.
pub(crate) fn parse_merged<'de, R: serde_json::de::Read<'de>>(
    mut d: serde_json::Deserializer<R>,
) -> Result<(Value, DuplicateKeys), serde_json::Error> {
    let mut noted = DuplicateKeys::default();
    let value = MergedValue {
        at: None,
        noted: &mut noted,
    }
    .deserialize(&mut d)?;
    d.end()?;
    Ok((value, noted))
}

/// A JSON value as serde_json's `Value` visitor builds it, but for
/// repeated names (see the module docs). `at` is the path of the value.
pub(crate) struct MergedValue<'n, 'p> {
    pub(crate) at: Option<&'p KeyPath<'p>>,
    pub(crate) noted: &'n mut DuplicateKeys,
}

impl<'de> DeserializeSeed<'de> for MergedValue<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MergedValue<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        // The elements of an array share its path.
        while let Some(item) = seq.next_element_seed(MergedValue {
            at: self.at,
            noted: &mut *self.noted,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(Key(name)) = map.next_key()? {
            let here = KeyPath {
                key: &name,
                up: self.at,
            };
            let value = map.next_value_seed(MergedValue {
                at: Some(&here),
                noted: &mut *self.noted,
            })?;
            insert_merging(&mut out, name.into_owned(), value, self.at, self.noted);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn merged(text: &str) -> (Value, DuplicateKeys) {
        parse_merged(serde_json::Deserializer::from_str(text)).unwrap()
    }

    #[test]
    fn without_repetition_it_is_serde_json() {
        for text in [
            r#"{"a":1,"b":[1,2.5,-3,{"c":null}],"d":{"e":"\u00e9"},"f":true}"#,
            r#"[18446744073709551615,-9223372036854775808,1e300]"#,
            r#""x""#,
        ] {
            let (value, noted) = merged(text);
            assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
            assert!(noted.is_empty());
        }
    }

    #[test]
    fn repeated_names_keep_every_value_in_their_first_place() {
        let (value, noted) = merged(r#"{"a":1,"b":2,"a":[3,4],"a":"x"}"#);
        assert_eq!(value.to_string(), r#"{"a":[1,3,4,"x"],"b":2}"#);
        assert_eq!(noted.to_string(), "key 'a' appears 3 times");
    }

    #[test]
    fn repeated_objects_merge_one_level_down() {
        let (value, noted) =
            merged(r#"{"p":{"c":"a","x":1},"q":[{"k":1,"k":2}],"p":{"c":"b","y":2}}"#);
        assert_eq!(
            value,
            json!({"p": {"c": ["a", "b"], "x": 1, "y": 2}, "q": [{"k": [1, 2]}]})
        );
        assert_eq!(
            noted
                .iter()
                .map(|k| (&*k.path, k.count))
                .collect::<Vec<_>>(),
            [("q.k", 2), ("p", 2)]
        );
        assert_eq!(
            noted.to_string(),
            "key 'q.k' appears 2 times (and 1 other repeated key)"
        );
    }

    #[test]
    fn errors_are_serde_json_errors() {
        for text in [
            r#"{"a":1,}"#,
            r#"{"a":"\uD800"}"#,
            "[1] x",
            r#"{"a":1e999}"#,
        ] {
            let want = serde_json::from_str::<Value>(text).unwrap_err().to_string();
            let got = parse_merged(serde_json::Deserializer::from_str(text)).unwrap_err();
            assert_eq!(got.to_string(), want, "{text}");
        }
    }

    #[test]
    fn append_adds_up_counts() {
        let mut a = merged(r#"{"x":1,"x":2}"#).1;
        a.append(merged(r#"{"x":1,"x":2,"y":0,"y":0}"#).1);
        assert_eq!(
            a.iter().map(|k| (&*k.path, k.count)).collect::<Vec<_>>(),
            [("x", 3), ("y", 2)]
        );
    }
}
