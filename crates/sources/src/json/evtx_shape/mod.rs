//! The evtx JSON shape: `{"Event":{"System":…,"EventData":…,"UserData":…}}`.
//!
//! This is what `evtx_dump -o json|jsonl` writes and what SigmaHQ's
//! regression data uses. XML attributes become `#attributes` objects and
//! element text with attributes becomes `#text`, so a value may hide one
//! level down (`"EventID": {"#attributes": {"Qualifiers": 0}, "#text": 4688}`).
//!
//! `EventData` comes in two layouts: named fields as a plain object (the
//! usual evtx_dump rendering), or the raw XML-ish
//! `{"Data": [{"#attributes": {"Name": "X"}, "#text": "v"}, …]}`. Both are
//! normalized into one list of named fields when the event is built, so
//! lookups stay simple and borrow from the event.
//!
//! Records are read straight into the event, without a document tree in
//! between (`de`), and optionally keeping only the fields some rule reads
//! ([`EvtxProjection`]); [`EvtxJsonEvent::from_value`] runs the same code
//! over a parsed document. A name given more than once keeps all its
//! values (see [`crate::json::duplicates`] and `de`), and the event says
//! which ([`EvtxJsonEvent::duplicate_keys`]); the facts an event has once
//! (its EventID, channel, provider, host, time) are then read from the
//! first value.

mod de;
mod fields;

use std::borrow::Cow;

use serde::de::DeserializeSeed;
use serde_json::{Map, Value};
use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

use super::duplicates::{DuplicateKeys, parse_merged};
use super::projection::EvtxProjection;
use super::values::{first_value, to_field};
use crate::mapping::{self, Alias};
pub use crate::time::normalize_timestamp;
pub(crate) use de::Key;
use fields::Fields;

/// Name used in messages for this shape.
pub const SHAPE: &str = "evtx JSON shape";

/// One event in the evtx JSON shape, owning the values it keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct EvtxJsonEvent {
    system: Fields,
    /// Named event fields, normalized (see the module docs). Unnamed
    /// `Data` elements are kept under the name `Data`.
    event_data: Fields,
    /// The children of `UserData` (usually one element, e.g. `EventXML`).
    user_data: Fields,
    event_id: Option<u32>,
    aliases: &'static [Alias],
    /// Sigma fields joined from several native ones ([`mapping::Join`]),
    /// computed once so that lookups borrow.
    derived: Vec<(&'static str, String)>,
    /// Names the record gave more than once (all their values are kept).
    duplicates: DuplicateKeys,
}

/// Why a record did not become an [`EvtxJsonEvent`].
#[derive(Debug, thiserror::Error)]
pub enum EvtxParseError {
    /// Not JSON (for bytes, also: not UTF-8). The message and position
    /// are serde_json's, relative to the record.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// JSON, but not in the evtx shape; says why.
    #[error("{0}")]
    Shape(&'static str),
}

impl EvtxJsonEvent {
    /// Build an event from a parsed JSON document. The error says why the
    /// document is not in the evtx JSON shape.
    pub fn from_value(value: Value) -> Result<EvtxJsonEvent, &'static str> {
        Self::from_merged(value, DuplicateKeys::default(), None)
    }

    /// [`EvtxJsonEvent::from_value`] for a document parsed with repeated
    /// names merged (which noted them in `noted`), keeping what
    /// `projection` asks for.
    fn from_merged(
        value: Value,
        noted: DuplicateKeys,
        projection: Option<&EvtxProjection>,
    ) -> Result<EvtxJsonEvent, &'static str> {
        let mut notes = de::Notes {
            keys: noted,
            level_repeated: false,
        };
        // A `Value` reads as any JSON value would: the seed cannot fail
        // on one, only find it out of shape.
        let shaped = de::Record {
            projection,
            notes: &mut notes,
        }
        .deserialize(value)
        .unwrap_or(Err("the record cannot be read as JSON"));
        shaped.map(|parts| Self::from_parts(parts, notes.keys))
    }

    /// Parse one record of JSON text, keeping what `projection` asks
    /// for (everything without one). Errors are those of
    /// `serde_json::from_str` followed by [`EvtxJsonEvent::from_value`]:
    /// a syntax error anywhere in the record comes before a shape problem.
    pub fn from_json(
        text: &str,
        projection: Option<&EvtxProjection>,
    ) -> Result<EvtxJsonEvent, EvtxParseError> {
        let parser = || serde_json::Deserializer::from_str(text);
        Self::from_json_with(parser, projection)
    }

    /// [`EvtxJsonEvent::from_json`] for bytes, which serde_json checks
    /// for UTF-8 as it reads them (as `serde_json::from_slice` does).
    pub fn from_json_slice(
        bytes: &[u8],
        projection: Option<&EvtxProjection>,
    ) -> Result<EvtxJsonEvent, EvtxParseError> {
        let parser = || serde_json::Deserializer::from_slice(bytes);
        Self::from_json_with(parser, projection)
    }

    /// Parse the text `parser` reads (which it reads again when a level
    /// was given twice, see `de`).
    fn from_json_with<'de, R: serde_json::de::Read<'de>>(
        parser: impl Fn() -> serde_json::Deserializer<R>,
        projection: Option<&EvtxProjection>,
    ) -> Result<EvtxJsonEvent, EvtxParseError> {
        let mut d = parser();
        let mut notes = de::Notes::default();
        let shaped = de::Record {
            projection,
            notes: &mut notes,
        }
        .deserialize(&mut d)?;
        // Trailing text is a syntax error, and so comes first.
        d.end()?;
        if notes.level_repeated {
            let (value, noted) = parse_merged(parser())?;
            return Self::from_merged(value, noted, projection).map_err(EvtxParseError::Shape);
        }
        shaped
            .map(|parts| Self::from_parts(parts, notes.keys))
            .map_err(EvtxParseError::Shape)
    }

    fn from_parts(parts: de::Parts, duplicates: DuplicateKeys) -> EvtxJsonEvent {
        let de::Parts {
            system,
            event_data,
            user_data,
        } = parts;
        let event_id = system.get("EventID").and_then(|v| match single(v) {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let mut out = EvtxJsonEvent {
            system,
            event_data,
            user_data,
            event_id,
            aliases: &[],
            derived: Vec::new(),
            duplicates,
        };
        if let Some(table) = mapping::windows_mapping(out.provider(), event_id) {
            out.aliases = table.aliases;
            out.derived = (table.joins.iter())
                .filter_map(|join| {
                    let text = |name: &str| out.lookup_own(name).and_then(|v| single(v).as_str());
                    Some((join.sigma, join.apply(text)?))
                })
                .collect();
        }
        out
    }

    /// The record as the reader parsed it, in the evtx JSON shape
    /// (`EventData` normalized to named fields), for `scan --with-event`.
    /// Read with a projection, it holds only the fields kept.
    pub fn to_json(&self) -> Value {
        let mut event = Map::new();
        event.insert("System".to_owned(), self.system.to_object());
        event.insert("EventData".to_owned(), self.event_data.to_object());
        if !self.user_data.is_empty() {
            event.insert("UserData".to_owned(), self.user_data.to_object());
        }
        let mut root = Map::new();
        root.insert("Event".to_owned(), Value::Object(event));
        Value::Object(root)
    }

    /// The names the record gave more than once.
    pub fn duplicate_keys(&self) -> &DuplicateKeys {
        &self.duplicates
    }

    /// `System/EventID`.
    pub fn event_id(&self) -> Option<u32> {
        self.event_id
    }

    /// `System/Channel`.
    pub fn channel(&self) -> Option<&str> {
        self.system.get("Channel").and_then(|v| single(v).as_str())
    }

    /// `System/Provider/@Name`.
    pub fn provider(&self) -> Option<&str> {
        self.system_attribute("Provider", "Name")
            .and_then(|v| single(v).as_str())
    }

    /// `System/Computer`.
    pub fn computer(&self) -> Option<&str> {
        self.system.get("Computer").and_then(|v| single(v).as_str())
    }

    /// `System/EventRecordID`.
    pub fn record_id(&self) -> Option<u64> {
        self.system
            .get("EventRecordID")
            .and_then(|v| match single(v) {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
    }

    /// `System/TimeCreated/@SystemTime`, as RFC 3339 UTC.
    pub fn timestamp(&self) -> Option<Cow<'_, str>> {
        self.system_attribute("TimeCreated", "SystemTime")
            .and_then(|v| single(v).as_str())
            .map(normalize_timestamp)
    }

    fn system_attribute(&self, element: &str, attribute: &str) -> Option<&Value> {
        first_value(self.system.get(element)?)
            .get("#attributes")?
            .get(attribute)
    }

    /// `name` in `EventData` or an element of `UserData`, spelled as
    /// given or with or without its spaces
    /// ([`mapping::same_name_without_spaces`]).
    fn lookup_own(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.event_data.get_either_spelling(name) {
            return Some(v);
        }
        let children = || self.user_data.values().filter_map(Value::as_object);
        children().find_map(|child| child.get(name)).or_else(|| {
            children().find_map(|child| {
                child
                    .iter()
                    .find(|(k, _)| {
                        (mapping::has_space(k) || mapping::has_space(name))
                            && mapping::same_name_without_spaces(k, name)
                    })
                    .map(|(_, v)| v)
            })
        })
    }

    fn lookup_system(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.system.get(name) {
            return Some(v);
        }
        // `Provider_Name`, `TimeCreated_SystemTime`, `Execution_ProcessID`…
        let (element, attribute) = name.split_once('_')?;
        self.system_attribute(element, attribute)
    }
}

impl Event for EvtxJsonEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        let found = self.lookup_own(name).or_else(|| {
            self.aliases
                .iter()
                .find(|a| a.sigma == name)
                .and_then(|a| self.lookup_own(a.native))
        });
        if let Some(v) = found {
            return to_lookup(v);
        }
        if let Some((_, v)) = self.derived.iter().find(|(sigma, _)| *sigma == name) {
            return Lookup::One(FieldValue::Str(Cow::Borrowed(v)));
        }
        self.lookup_system(name).map_or(Lookup::Absent, to_lookup)
    }

    /// The record's own values: `EventData` and `UserData`, not `System`,
    /// and not the mapped names (aliases and joins are views of these).
    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        for v in self.event_data.values().chain(self.user_data.values()) {
            visit_leaves(v, visit);
        }
    }

    fn kind(&self) -> EventKind<'_> {
        let channel = self.channel();
        let (product, category) = match channel {
            Some(c) if c.starts_with("Linux-Sysmon") => {
                ("linux", mapping::linux_sysmon_category(self.event_id))
            }
            _ => ("windows", None),
        };
        EventKind {
            product: Some(product),
            category,
            service: None,
            channel,
            provider: self.provider(),
            event_id: self.event_id,
        }
    }
}

/// The text of an element that also has attributes, else the value itself.
fn text_of(v: &Value) -> &Value {
    match v {
        Value::Object(m) => m.get("#text").unwrap_or(v),
        _ => v,
    }
}

/// The one value of a fact an event has once: the text of the first of
/// several (a name given twice, see the module docs).
fn single(v: &Value) -> &Value {
    text_of(first_value(text_of(v)))
}

fn to_lookup(v: &Value) -> Lookup<'_> {
    match text_of(v) {
        Value::Array(items) => Lookup::Many(items.iter().map(|i| to_field(text_of(i))).collect()),
        v => Lookup::One(to_field(v)),
    }
}

fn visit_leaves(v: &Value, visit: &mut dyn FnMut(&FieldValue<'_>)) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| visit_leaves(i, visit)),
        Value::Object(m) => {
            for (k, child) in m {
                if k != "#attributes" {
                    visit_leaves(child, visit);
                }
            }
        }
        leaf => visit(&to_field(leaf)),
    }
}

#[cfg(test)]
mod tests;
