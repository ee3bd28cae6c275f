//! The evtx JSON shape read straight into an event's three levels.
//!
//! One pass of serde over the record, with no document tree in between:
//! the root and `Event` objects are walked, not built; `System`,
//! `EventData` and `UserData` go into [`Fields`]; only the values an event
//! keeps become `serde_json::Value`s, and with an [`EvtxProjection`] the
//! values of names no rule reads are skipped unbuilt. The same seed runs
//! over JSON text (serde_json's `Deserializer`) and over a parsed
//! [`Value`] (the XML reader's converted elements), so both give the
//! event `from_value` always gave.
//!
//! What must not change with the parser:
//!
//! * Errors. Skipped values go through [`Skip`], which makes serde_json
//!   read them as it reads a `Value` (string escapes, surrogates and
//!   UTF-8 checked, numbers parsed); serde's `IgnoredAny` would not (it
//!   passes a lone surrogate or `1e999`), and a record would then fail to
//!   parse only without a projection. A shape problem is decided only once
//!   the whole record is read, so a syntax error anywhere wins, as when
//!   the document was parsed first.
//! * Repeated names: every value is kept, as [`crate::json::duplicates`]
//!   says (a list of the values, objects merged), and noted. A name
//!   repeated inside `System`, `EventData`, a `UserData` child or any
//!   value below is merged where it is met. A level given twice (`Event`,
//!   `System`, `EventData` or `UserData`) is not merged here: it is only
//!   noted ([`Notes::level_repeated`]), and the caller reads the record
//!   again as a merged `Value`, so this rare case costs the common one
//!   nothing and reads as a merged document would. Only then are
//!   `EventData`'s `Data` items spread into named fields, where a name met
//!   again becomes a list (and is noted too: `<Data Name="X">` twice is
//!   the same evasion in XML form).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::fields::Fields;
use crate::json::duplicates::{DuplicateKeys, KeyPath, MergedValue, insert_merging};
use crate::json::projection::EvtxProjection;

static EVENT: KeyPath<'static> = KeyPath::top("Event");
static SYSTEM: KeyPath<'static> = KeyPath::under(&EVENT, "System");
static EVENT_DATA: KeyPath<'static> = KeyPath::under(&EVENT, "EventData");
static USER_DATA: KeyPath<'static> = KeyPath::under(&EVENT, "UserData");

/// What reading a record noticed about repeated names.
#[derive(Debug, Default)]
pub(super) struct Notes {
    /// Names repeated inside the levels, whose values were merged.
    pub(super) keys: DuplicateKeys,
    /// A whole level was given twice: read the record again, merged.
    pub(super) level_repeated: bool,
}

/// An event's levels as read from a record.
#[derive(Debug)]
pub(super) struct Parts {
    pub(super) system: Fields,
    /// Normalized: named fields, unnamed `Data` under `Data`.
    pub(super) event_data: Fields,
    /// The children of `UserData`.
    pub(super) user_data: Fields,
}

/// The parts, or why the record is not in the evtx shape.
pub(super) type Shaped = Result<Parts, &'static str>;

/// A whole record.
pub(super) struct Record<'p, 'n> {
    pub(super) projection: Option<&'p EvtxProjection>,
    pub(super) notes: &'n mut Notes,
}

impl<'de> DeserializeSeed<'de> for Record<'_, '_> {
    type Value = Shaped;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shaped, D::Error> {
        let root = RootObject {
            projection: self.projection,
            notes: self.notes,
        };
        Ok(match ObjectOr::skip(root).deserialize(d)? {
            Found::Object(shaped) => shaped,
            _ => Err("the record is not a JSON object"),
        })
    }
}

/// What a value turned out to be.
enum Found<T> {
    Object(T),
    Null,
    /// Anything else: the value when it was asked for, else null.
    Other(Value),
}

/// How to read the entries of one kind of object.
trait ObjectSeed<'de> {
    type Out;
    fn entries<A: MapAccess<'de>>(self, map: A) -> Result<Self::Out, A::Error>;

    /// Where a value kept in the object's place sits (`None`: the
    /// record's top), and where the names repeated in it are noted.
    fn place(&mut self) -> (Option<&KeyPath<'_>>, &mut DuplicateKeys);
}

/// Any JSON value, read fully: an object through `S`, anything else
/// (kept as a `Value` if `keep_other`) reported as such, so that the
/// caller decides once the last of a repeated name is known.
struct ObjectOr<S> {
    object: S,
    keep_other: bool,
}

impl<S> ObjectOr<S> {
    fn skip(object: S) -> Self {
        ObjectOr {
            object,
            keep_other: false,
        }
    }

    fn keep(object: S) -> Self {
        ObjectOr {
            object,
            keep_other: true,
        }
    }

    fn other<T, E>(&self, value: impl FnOnce() -> Value) -> Result<Found<T>, E> {
        Ok(Found::Other(if self.keep_other {
            value()
        } else {
            Value::Null
        }))
    }
}

impl<'de, S: ObjectSeed<'de>> DeserializeSeed<'de> for ObjectOr<S> {
    type Value = Found<S::Out>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

// The `visit_*` below build what serde_json's own `Value` visitor builds.
impl<'de, S: ObjectSeed<'de>> Visitor<'de> for ObjectOr<S> {
    type Value = Found<S::Out>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.object.entries(map).map(Found::Object)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Found::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Found::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        self.other(|| Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        self.other(|| Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        self.other(|| Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        self.other(|| Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        self.other(|| Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        self.other(|| Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        if !self.keep_other {
            while seq.next_element_seed(Skip)?.is_some() {}
            return Ok(Found::Other(Value::Null));
        }
        let (at, noted) = self.object.place();
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(MergedValue {
            at,
            noted: &mut *noted,
        })? {
            items.push(item);
        }
        Ok(Found::Other(Value::Array(items)))
    }
}

/// The record's top level: `Event` is all it needs.
struct RootObject<'p, 'n> {
    projection: Option<&'p EvtxProjection>,
    notes: &'n mut Notes,
}

impl<'de> ObjectSeed<'de> for RootObject<'_, '_> {
    type Out = Shaped;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Shaped, A::Error> {
        let mut event = None;
        while let Some(Key(key)) = map.next_key()? {
            if key == "Event" {
                let seed = EventObject {
                    projection: self.projection,
                    notes: &mut *self.notes,
                };
                let found = map.next_value_seed(ObjectOr::skip(seed))?;
                self.notes.level_repeated |= event.replace(found).is_some();
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(match event {
            None => Err("no top-level `Event` key"),
            Some(Found::Object(shaped)) => shaped,
            Some(_) => Err("`Event` is not an object"),
        })
    }

    fn place(&mut self) -> (Option<&KeyPath<'_>>, &mut DuplicateKeys) {
        (None, &mut self.notes.keys)
    }
}

/// `Event`: its `System`, `EventData` and `UserData`; the rest (its
/// `#attributes`, `RenderingInfo`) no lookup reads.
struct EventObject<'p, 'n> {
    projection: Option<&'p EvtxProjection>,
    notes: &'n mut Notes,
}

impl<'de> ObjectSeed<'de> for EventObject<'_, '_> {
    type Out = Shaped;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Shaped, A::Error> {
        let p = self.projection;
        let notes = self.notes;
        let (mut system, mut event_data, mut user_data) = (None, None, None);
        while let Some(Key(key)) = map.next_key()? {
            let repeated = match &*key {
                "System" => {
                    let system_names = KeptNames {
                        level: Level::System,
                        projection: p,
                        noted: &mut notes.keys,
                    };
                    let found = map.next_value_seed(ObjectOr::skip(system_names))?;
                    system.replace(found).is_some()
                }
                "EventData" => {
                    let data_names = KeptNames {
                        level: Level::EventData,
                        projection: p,
                        noted: &mut notes.keys,
                    };
                    let found = map.next_value_seed(ObjectOr::keep(data_names))?;
                    event_data.replace(found).is_some()
                }
                "UserData" => {
                    let children = UserDataObject {
                        projection: p,
                        noted: &mut notes.keys,
                    };
                    let found = map.next_value_seed(ObjectOr::skip(children))?;
                    user_data.replace(found).is_some()
                }
                _ => {
                    map.next_value_seed(Skip)?;
                    false
                }
            };
            notes.level_repeated |= repeated;
        }
        let system = match system {
            None | Some(Found::Null) => Fields::default(),
            Some(Found::Object(system)) => system,
            Some(Found::Other(_)) => return Ok(Err("`Event.System` is not an object")),
        };
        let event_data = match event_data {
            None | Some(Found::Null) => Fields::default(),
            Some(Found::Object(fields)) => normalize_event_data(fields, p, &mut notes.keys),
            // `<EventData>text</EventData>` rendered as a bare value.
            Some(Found::Other(value)) => {
                let mut out = Fields::default();
                out.insert_repeated("Data".to_owned(), value);
                out
            }
        };
        let user_data = match user_data {
            Some(Found::Object(children)) => children,
            _ => Fields::default(),
        };
        Ok(Ok(Parts {
            system,
            event_data,
            user_data,
        }))
    }

    fn place(&mut self) -> (Option<&KeyPath<'_>>, &mut DuplicateKeys) {
        (Some(&EVENT), &mut self.notes.keys)
    }
}

/// `System`, or `EventData` before its `Data` items are spread (see
/// [`normalize_event_data`]): the names the event and the projection keep.
struct KeptNames<'p, 'n> {
    level: Level,
    projection: Option<&'p EvtxProjection>,
    noted: &'n mut DuplicateKeys,
}

#[derive(Clone, Copy)]
enum Level {
    /// Keeps the elements the event reads and those asked for.
    System,
    /// Keeps the names asked for; never its `#attributes`, which no
    /// lookup reads.
    EventData,
}

impl KeptNames<'_, '_> {
    fn keeps(&self, key: &str) -> bool {
        match self.level {
            Level::System => self.projection.is_none_or(|p| p.keeps_system(key)),
            Level::EventData => {
                key != "#attributes" && self.projection.is_none_or(|p| p.keeps_data(key))
            }
        }
    }
}

impl<'de> ObjectSeed<'de> for KeptNames<'_, '_> {
    type Out = Fields;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let (mut out, at) = match self.level {
            Level::System => (Fields::with_capacity(16), &SYSTEM),
            Level::EventData => (Fields::with_capacity(24), &EVENT_DATA),
        };
        while let Some(Key(key)) = map.next_key()? {
            if self.keeps(&key) {
                let here = KeyPath::under(at, &key);
                let value = map.next_value_seed(MergedValue {
                    at: Some(&here),
                    noted: &mut *self.noted,
                })?;
                out.add(key, value, at, self.noted);
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(out)
    }

    fn place(&mut self) -> (Option<&KeyPath<'_>>, &mut DuplicateKeys) {
        let at = match self.level {
            Level::System => &SYSTEM,
            Level::EventData => &EVENT_DATA,
        };
        (Some(at), &mut *self.noted)
    }
}

/// `UserData`: its child elements by name; with a projection, each
/// child object keeps only the names asked for.
struct UserDataObject<'p, 'n> {
    projection: Option<&'p EvtxProjection>,
    noted: &'n mut DuplicateKeys,
}

impl<'de> ObjectSeed<'de> for UserDataObject<'_, '_> {
    type Out = Fields;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut out = Fields::default();
        while let Some(Key(key)) = map.next_key()? {
            let here = KeyPath::under(&USER_DATA, &key);
            let value = match self.projection {
                None => map.next_value_seed(MergedValue {
                    at: Some(&here),
                    noted: &mut *self.noted,
                })?,
                Some(p) => {
                    let element = ElementObject {
                        projection: p,
                        at: &here,
                        noted: &mut *self.noted,
                    };
                    match map.next_value_seed(ObjectOr::keep(element))? {
                        Found::Object(fields) => Value::Object(fields),
                        Found::Null => Value::Null,
                        Found::Other(value) => value,
                    }
                }
            };
            out.add(key, value, &USER_DATA, self.noted);
        }
        Ok(out)
    }

    fn place(&mut self) -> (Option<&KeyPath<'_>>, &mut DuplicateKeys) {
        (Some(&USER_DATA), &mut *self.noted)
    }
}

/// A `UserData` child under a projection: the names asked for.
struct ElementObject<'p, 'a, 'n> {
    projection: &'p EvtxProjection,
    at: &'a KeyPath<'a>,
    noted: &'n mut DuplicateKeys,
}

impl<'de> ObjectSeed<'de> for ElementObject<'_, '_, '_> {
    type Out = Map<String, Value>;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
        let mut out = Map::new();
        while let Some(Key(key)) = map.next_key()? {
            if self.projection.keeps_data(&key) {
                let here = KeyPath::under(self.at, &key);
                let value = map.next_value_seed(MergedValue {
                    at: Some(&here),
                    noted: &mut *self.noted,
                })?;
                insert_merging(&mut out, key.into_owned(), value, Some(self.at), self.noted);
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(out)
    }

    fn place(&mut self) -> (Option<&KeyPath<'_>>, &mut DuplicateKeys) {
        (Some(self.at), &mut *self.noted)
    }
}

/// Flatten `EventData` (already one value per name) into `name → value`:
/// `Data` items become fields of their `Name` (see [`add_data`]); a name
/// met again is noted in `noted`.
fn normalize_event_data(
    fields: Fields,
    p: Option<&EvtxProjection>,
    noted: &mut DuplicateKeys,
) -> Fields {
    // Without `Data` the names are already unique: nothing to spread.
    if fields.get("Data").is_none() {
        return fields;
    }
    let mut out = Fields::default();
    for (name, value) in fields {
        match name.as_str() {
            "Data" => add_data(&mut out, value, p, noted),
            _ => insert_named(&mut out, name, value, noted),
        }
    }
    out
}

/// Add a named field of `EventData`, noting a name met before.
fn insert_named(out: &mut Fields, name: String, value: Value, noted: &mut DuplicateKeys) {
    if out.get(&name).is_some() {
        noted.note(&KeyPath::under(&EVENT_DATA, &name));
    }
    out.insert_repeated(name, value);
}

/// Add `Data` element(s): named ones under their `Name` (those the
/// projection keeps), the rest as `Data`.
fn add_data(out: &mut Fields, data: Value, p: Option<&EvtxProjection>, noted: &mut DuplicateKeys) {
    let items = match data {
        Value::Array(items) => items,
        one => vec![one],
    };
    let mut unnamed = Vec::new();
    for item in items {
        match named(item) {
            Ok((name, value)) => {
                if p.is_none_or(|p| p.keeps_data(&name)) {
                    insert_named(out, name, value, noted);
                }
            }
            Err(item) => unnamed.push(super::text_of(&item).clone()),
        }
    }
    match unnamed.len() {
        0 => {}
        1 => out.insert_repeated("Data".to_owned(), unnamed.remove(0)),
        _ => out.insert_repeated("Data".to_owned(), Value::Array(unnamed)),
    }
}

/// `{"#attributes": {"Name": "X"}, "#text": v}` → `("X", v)`.
fn named(item: Value) -> Result<(String, Value), Value> {
    let name = item
        .get("#attributes")
        .and_then(|a| a.get("Name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    match (name, item) {
        (Some(name), Value::Object(mut m)) => {
            let value = m.remove("#text").unwrap_or(Value::Null);
            Ok((name, value))
        }
        (_, item) => Err(item),
    }
}

/// An object key, borrowed from the input unless it had to be unescaped
/// (or came from a parsed `Value`, which hands its keys over).
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }

        d.deserialize_str(KeyVisitor)
    }
}

/// Any JSON value, read and dropped. Unlike `IgnoredAny` it asks for the
/// value itself (`deserialize_any`), so serde_json checks it as it checks
/// a value it builds (see the module docs); strings are borrowed or
/// unescaped into the deserializer's scratch buffer, never allocated.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "de_tests.rs"]
mod tests;
