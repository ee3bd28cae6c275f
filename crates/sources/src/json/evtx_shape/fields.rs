//! One level of an event (`System`, `EventData`, `UserData`): names and
//! values in document order.
//!
//! A level holds a few dozen names at most, and each record builds three:
//! a vector searched front to back costs less than hashing every name
//! into a map (serde_json's `Map` is an `IndexMap` with SipHash here,
//! since the `evtx` crate turns on `preserve_order`). Values stay
//! `serde_json::Value`s, so what a lookup returns is what it always was.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::json::duplicates::{DuplicateKeys, KeyPath, merge_value};
use crate::mapping;

#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    named: Vec<(String, Value)>,
    /// Whether a name has a space (Defender's `Threat Name`): only then
    /// does a lookup that missed compare names without their spaces.
    spaced: bool,
}

impl Fields {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Fields {
            named: Vec::with_capacity(n),
            spaced: false,
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.named.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// [`Fields::get`], and when that misses, the name spelled with or
    /// without its spaces ([`mapping::same_name_without_spaces`]).
    pub(crate) fn get_either_spelling(&self, name: &str) -> Option<&Value> {
        self.get(name).or_else(|| {
            if !self.spaced && !mapping::has_space(name) {
                return None;
            }
            self.named
                .iter()
                .find(|(k, _)| mapping::same_name_without_spaces(k, name))
                .map(|(_, v)| v)
        })
    }

    fn push(&mut self, name: String, value: Value) {
        self.spaced |= mapping::has_space(&name);
        self.named.push((name, value));
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Value> {
        self.named.iter().map(|(_, v)| v)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.named.is_empty()
    }

    /// Add `name` of the object at `at`; a repeated name keeps its first
    /// place and every value ([`merge_value`]), and is noted.
    pub(crate) fn add(
        &mut self,
        name: Cow<'_, str>,
        value: Value,
        at: &KeyPath<'_>,
        noted: &mut DuplicateKeys,
    ) {
        match self.named.iter_mut().find(|(k, _)| *k == name) {
            Some((_, existing)) => {
                noted.note(&KeyPath::under(at, &name));
                merge_value(existing, value);
            }
            None => self.push(name.into_owned(), value),
        }
    }

    /// Add a value of repeated elements (`Data` items): a name met again
    /// becomes a list of its values, in its first place.
    pub(crate) fn insert_repeated(&mut self, name: String, value: Value) {
        match self.named.iter_mut().find(|(k, _)| *k == name) {
            None => self.push(name, value),
            Some((_, Value::Array(items))) => items.push(value),
            Some((_, existing)) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
        }
    }

    /// The level as a JSON object, in document order.
    pub(crate) fn to_object(&self) -> Value {
        Value::Object(self.named.iter().cloned().collect::<Map<String, Value>>())
    }
}

impl IntoIterator for Fields {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.named.into_iter()
    }
}

/// Equal when the names and their values are, in any order, as two
/// parsed JSON objects compare (names are unique in a level).
impl PartialEq for Fields {
    fn eq(&self, other: &Self) -> bool {
        self.named.len() == other.named.len()
            && self.named.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn add_keeps_the_first_place_and_every_value() {
        let mut f = Fields::default();
        let mut noted = DuplicateKeys::default();
        let at = KeyPath::top("L");
        f.add("a".into(), json!(1), &at, &mut noted);
        f.add("b".into(), json!(2), &at, &mut noted);
        f.add("a".into(), json!(3), &at, &mut noted);
        assert_eq!(f.to_object().to_string(), r#"{"a":[1,3],"b":2}"#);
        assert_eq!(noted.to_string(), "key 'L.a' appears 2 times");
    }

    #[test]
    fn repeated_names_become_lists_in_their_first_place() {
        let mut f = Fields::default();
        f.insert_repeated("a".into(), json!(1));
        f.insert_repeated("b".into(), json!(2));
        f.insert_repeated("a".into(), json!([3]));
        f.insert_repeated("a".into(), json!(4));
        assert_eq!(f.to_object().to_string(), r#"{"a":[1,[3],4],"b":2}"#);
    }

    #[test]
    fn spaced_names_answer_to_both_spellings() {
        let mut noted = DuplicateKeys::default();
        let at = KeyPath::top("L");
        let mut f = Fields::default();
        f.add(
            "Threat Name".into(),
            json!("HackTool:Win32/Chisel"),
            &at,
            &mut noted,
        );
        f.add("Path".into(), json!("C:\\t\\chisel.exe"), &at, &mut noted);
        assert_eq!(f.get("ThreatName"), None, "get is exact");
        for name in ["Threat Name", "ThreatName", "Threat  Name"] {
            assert_eq!(
                f.get_either_spelling(name),
                Some(&json!("HackTool:Win32/Chisel")),
                "{name}"
            );
        }
        assert_eq!(f.get_either_spelling("Threat"), None);
        // A name written without spaces answers to the spaced spelling too.
        let mut g = Fields::default();
        g.add(
            "SourceName".into(),
            json!("Real-Time Protection"),
            &at,
            &mut noted,
        );
        assert_eq!(
            g.get_either_spelling("Source Name"),
            Some(&json!("Real-Time Protection"))
        );
        assert_eq!(g.get_either_spelling("Source"), None);
    }

    #[test]
    fn equality_ignores_order() {
        let mut noted = DuplicateKeys::default();
        let at = KeyPath::top("L");
        let mut a = Fields::default();
        a.add("x".into(), json!(1), &at, &mut noted);
        a.add("y".into(), json!(2), &at, &mut noted);
        let mut b = Fields::default();
        b.add("y".into(), json!(2), &at, &mut noted);
        b.add("x".into(), json!(1), &at, &mut noted);
        assert_eq!(a, b);
        b.add("x".into(), json!(0), &at, &mut noted);
        assert_ne!(a, b);
    }
}
