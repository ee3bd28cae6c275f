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
//! normalized into one map when the event is built, so lookups stay simple
//! map lookups that borrow from the parsed document.

use std::borrow::Cow;

use serde_json::{Map, Value};
use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

use super::values::{insert_repeated, to_field};
use crate::mapping::{self, Alias};
pub use crate::time::normalize_timestamp;

/// Name used in messages for this shape.
pub const SHAPE: &str = "evtx JSON shape";

/// One event in the evtx JSON shape, owning its parsed document.
#[derive(Debug, Clone, PartialEq)]
pub struct EvtxJsonEvent {
    system: Map<String, Value>,
    /// Named event fields, normalized (see the module docs). Unnamed
    /// `Data` elements are kept under the name `Data`.
    event_data: Map<String, Value>,
    /// The children of `UserData` (usually one element, e.g. `EventXML`).
    user_data: Map<String, Value>,
    event_id: Option<u32>,
    aliases: &'static [Alias],
    /// Sigma fields joined from several native ones ([`mapping::Join`]),
    /// computed once so that lookups borrow.
    derived: Vec<(&'static str, String)>,
}

impl EvtxJsonEvent {
    /// Build an event from a parsed JSON document. The error says why the
    /// document is not in the evtx JSON shape.
    pub fn from_value(value: Value) -> Result<EvtxJsonEvent, &'static str> {
        let Value::Object(mut root) = value else {
            return Err("the record is not a JSON object");
        };
        let Some(event) = root.remove("Event") else {
            return Err("no top-level `Event` key");
        };
        let Value::Object(mut event) = event else {
            return Err("`Event` is not an object");
        };
        let system = match event.remove("System") {
            Some(Value::Object(system)) => system,
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err("`Event.System` is not an object"),
        };
        let event_data = normalize_event_data(event.remove("EventData"));
        let user_data = match event.remove("UserData") {
            Some(Value::Object(children)) => children,
            _ => Map::new(),
        };
        let event_id = system.get("EventID").and_then(|v| match text_of(v) {
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
        };
        if let Some(table) = mapping::windows_mapping(out.provider(), event_id) {
            out.aliases = table.aliases;
            out.derived = (table.joins.iter())
                .filter_map(|join| {
                    let text = |name: &str| out.lookup_own(name).and_then(|v| text_of(v).as_str());
                    Some((join.sigma, join.apply(text)?))
                })
                .collect();
        }
        Ok(out)
    }

    /// The record as the reader parsed it, in the evtx JSON shape
    /// (`EventData` normalized to named fields), for `scan --with-event`.
    pub fn to_json(&self) -> Value {
        let mut event = Map::new();
        event.insert("System".to_owned(), Value::Object(self.system.clone()));
        event.insert(
            "EventData".to_owned(),
            Value::Object(self.event_data.clone()),
        );
        if !self.user_data.is_empty() {
            event.insert("UserData".to_owned(), Value::Object(self.user_data.clone()));
        }
        let mut root = Map::new();
        root.insert("Event".to_owned(), Value::Object(event));
        Value::Object(root)
    }

    /// `System/EventID`.
    pub fn event_id(&self) -> Option<u32> {
        self.event_id
    }

    /// `System/Channel`.
    pub fn channel(&self) -> Option<&str> {
        self.system.get("Channel").and_then(|v| text_of(v).as_str())
    }

    /// `System/Provider/@Name`.
    pub fn provider(&self) -> Option<&str> {
        self.system_attribute("Provider", "Name")
            .and_then(Value::as_str)
    }

    /// `System/Computer`.
    pub fn computer(&self) -> Option<&str> {
        self.system
            .get("Computer")
            .and_then(|v| text_of(v).as_str())
    }

    /// `System/EventRecordID`.
    pub fn record_id(&self) -> Option<u64> {
        self.system
            .get("EventRecordID")
            .and_then(|v| match text_of(v) {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
    }

    /// `System/TimeCreated/@SystemTime`, as RFC 3339 UTC.
    pub fn timestamp(&self) -> Option<Cow<'_, str>> {
        self.system_attribute("TimeCreated", "SystemTime")
            .and_then(Value::as_str)
            .map(normalize_timestamp)
    }

    fn system_attribute(&self, element: &str, attribute: &str) -> Option<&Value> {
        self.system.get(element)?.get("#attributes")?.get(attribute)
    }

    fn lookup_own(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.event_data.get(name) {
            return Some(v);
        }
        self.user_data
            .values()
            .find_map(|child| child.as_object()?.get(name))
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

/// Flatten `EventData` into `name → value`.
fn normalize_event_data(event_data: Option<Value>) -> Map<String, Value> {
    let mut out = Map::new();
    match event_data {
        None | Some(Value::Null) => {}
        Some(Value::Object(fields)) => {
            for (name, value) in fields {
                match name.as_str() {
                    "#attributes" => {}
                    "Data" => add_data(&mut out, value),
                    _ => insert_repeated(&mut out, name, value),
                }
            }
        }
        // `<EventData>text</EventData>` rendered as a bare value.
        Some(other) => insert_repeated(&mut out, "Data".to_owned(), other),
    }
    out
}

/// Add `Data` element(s): named ones under their `Name`, the rest as `Data`.
fn add_data(out: &mut Map<String, Value>, data: Value) {
    let items = match data {
        Value::Array(items) => items,
        one => vec![one],
    };
    let mut unnamed = Vec::new();
    for item in items {
        match named(item) {
            Ok((name, value)) => insert_repeated(out, name, value),
            Err(item) => unnamed.push(text_of(&item).clone()),
        }
    }
    match unnamed.len() {
        0 => {}
        1 => insert_repeated(out, "Data".to_owned(), unnamed.remove(0)),
        _ => insert_repeated(out, "Data".to_owned(), Value::Array(unnamed)),
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

#[cfg(test)]
#[path = "evtx_shape_tests.rs"]
mod tests;
