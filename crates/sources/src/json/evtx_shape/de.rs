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
//! * Repeated names. A parsed JSON object keeps the last value of a name,
//!   in the name's first place, and so do these levels: `Event`,
//!   `System`, `EventData` or `UserData` given twice, the last wins whole
//!   (even when an earlier one was not an object); a name repeated inside
//!   `System` or `EventData`, its last value. Only then are `EventData`'s
//!   `Data` items spread into named fields, where a name met again
//!   becomes a list.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::fields::Fields;
use crate::json::projection::EvtxProjection;

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
pub(super) struct Record<'p>(pub(super) Option<&'p EvtxProjection>);

impl<'de> DeserializeSeed<'de> for Record<'_> {
    type Value = Shaped;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shaped, D::Error> {
        Ok(match ObjectOr::skip(RootObject(self.0)).deserialize(d)? {
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

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if !self.keep_other {
            while seq.next_element_seed(Skip)?.is_some() {}
            return Ok(Found::Other(Value::Null));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Found::Other(Value::Array(items)))
    }
}

/// The record's top level: `Event` is all it needs.
struct RootObject<'p>(Option<&'p EvtxProjection>);

impl<'de> ObjectSeed<'de> for RootObject<'_> {
    type Out = Shaped;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Shaped, A::Error> {
        let mut event = None;
        while let Some(Key(key)) = map.next_key()? {
            if key == "Event" {
                event = Some(map.next_value_seed(ObjectOr::skip(EventObject(self.0)))?);
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
}

/// `Event`: its `System`, `EventData` and `UserData`; the rest (its
/// `#attributes`, `RenderingInfo`) no lookup reads.
struct EventObject<'p>(Option<&'p EvtxProjection>);

impl<'de> ObjectSeed<'de> for EventObject<'_> {
    type Out = Shaped;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Shaped, A::Error> {
        let p = self.0;
        let (mut system, mut event_data, mut user_data) = (None, None, None);
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "System" => {
                    let system_names = KeptNames {
                        level: Level::System,
                        projection: p,
                    };
                    system = Some(map.next_value_seed(ObjectOr::skip(system_names))?);
                }
                "EventData" => {
                    let data_names = KeptNames {
                        level: Level::EventData,
                        projection: p,
                    };
                    event_data = Some(map.next_value_seed(ObjectOr::keep(data_names))?);
                }
                "UserData" => {
                    user_data = Some(map.next_value_seed(ObjectOr::skip(UserDataObject(p)))?);
                }
                _ => map.next_value_seed(Skip)?,
            }
        }
        let system = match system {
            None | Some(Found::Null) => Fields::default(),
            Some(Found::Object(system)) => system,
            Some(Found::Other(_)) => return Ok(Err("`Event.System` is not an object")),
        };
        let event_data = match event_data {
            None | Some(Found::Null) => Fields::default(),
            Some(Found::Object(fields)) => normalize_event_data(fields, p),
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
}

/// `System`, or `EventData` before its `Data` items are spread (see
/// [`normalize_event_data`]): the names the event and the projection keep.
struct KeptNames<'p> {
    level: Level,
    projection: Option<&'p EvtxProjection>,
}

#[derive(Clone, Copy)]
enum Level {
    /// Keeps the elements the event reads and those asked for.
    System,
    /// Keeps the names asked for; never its `#attributes`, which no
    /// lookup reads.
    EventData,
}

impl KeptNames<'_> {
    fn keeps(&self, key: &str) -> bool {
        match self.level {
            Level::System => self.projection.is_none_or(|p| p.keeps_system(key)),
            Level::EventData => {
                key != "#attributes" && self.projection.is_none_or(|p| p.keeps_data(key))
            }
        }
    }
}

impl<'de> ObjectSeed<'de> for KeptNames<'_> {
    type Out = Fields;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut out = Fields::with_capacity(match self.level {
            Level::System => 16,
            Level::EventData => 24,
        });
        while let Some(Key(key)) = map.next_key()? {
            if self.keeps(&key) {
                out.set(key, map.next_value()?);
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(out)
    }
}

/// `UserData`: its child elements by name; with a projection, each
/// child object keeps only the names asked for.
struct UserDataObject<'p>(Option<&'p EvtxProjection>);

impl<'de> ObjectSeed<'de> for UserDataObject<'_> {
    type Out = Fields;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut out = Fields::default();
        while let Some(Key(key)) = map.next_key()? {
            let value = match self.0 {
                None => map.next_value()?,
                Some(p) => match map.next_value_seed(ObjectOr::keep(ElementObject(p)))? {
                    Found::Object(fields) => Value::Object(fields),
                    Found::Null => Value::Null,
                    Found::Other(value) => value,
                },
            };
            out.set(key, value);
        }
        Ok(out)
    }
}

/// A `UserData` child under a projection: the names asked for.
struct ElementObject<'p>(&'p EvtxProjection);

impl<'de> ObjectSeed<'de> for ElementObject<'_> {
    type Out = Map<String, Value>;

    fn entries<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
        let mut out = Map::new();
        while let Some(Key(key)) = map.next_key()? {
            if self.0.keeps_data(&key) {
                out.insert(key.into_owned(), map.next_value()?);
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(out)
    }
}

/// Flatten `EventData` (already one value per name) into `name → value`:
/// `Data` items become fields of their `Name` (see [`add_data`]).
fn normalize_event_data(fields: Fields, p: Option<&EvtxProjection>) -> Fields {
    // Without `Data` the names are already unique: nothing to spread.
    if fields.get("Data").is_none() {
        return fields;
    }
    let mut out = Fields::default();
    for (name, value) in fields {
        match name.as_str() {
            "Data" => add_data(&mut out, value, p),
            _ => out.insert_repeated(name, value),
        }
    }
    out
}

/// Add `Data` element(s): named ones under their `Name` (those the
/// projection keeps), the rest as `Data`.
fn add_data(out: &mut Fields, data: Value, p: Option<&EvtxProjection>) {
    let items = match data {
        Value::Array(items) => items,
        one => vec![one],
    };
    let mut unnamed = Vec::new();
    for item in items {
        match named(item) {
            Ok((name, value)) => {
                if p.is_none_or(|p| p.keeps_data(&name)) {
                    out.insert_repeated(name, value);
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
