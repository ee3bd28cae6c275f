//! One ECS document as an [`Event`].
//!
//! ECS documents arrive nested (`{"process":{"executable":…}}`), flattened
//! (`{"process.executable":…}`, as some exports and Logstash pipelines
//! write them) or a mix of both; [`get_path`] accepts all three, so the
//! document is kept as parsed. A Winlogbeat document's `winlog.event_data`
//! is lifted out when the event is built: its names are the Windows event's
//! own (Sysmon's, for Sysmon), which Sigma rules use as they are.

use std::borrow::Cow;

use serde_json::{Map, Value};
use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

use super::mapping::{self, EcsDerive, EcsSource};
use crate::json::duplicates::{DuplicateKeys, KeyPath, insert_merging, merge_value};
use crate::json::values::{first_value, non_empty_str, to_lookup, visit_leaves};
use crate::mapping::{Alias, windows_aliases};
use crate::mde::derive::{account, sysmon_registry_key};
use crate::time::normalize_timestamp;

/// Name used in messages for this shape.
pub const SHAPE: &str = "ECS shape";

const EVENT_DATA: &str = "winlog.event_data";

/// One Winlogbeat / Elastic Agent document.
#[derive(Debug, Clone, PartialEq)]
pub struct EcsEvent {
    doc: Map<String, Value>,
    /// `winlog.event_data`, however it was spelled in the document.
    event_data: Map<String, Value>,
    /// Whether a `winlog.event_data` name has a space (Defender's
    /// `Threat Name`).
    spaced_event_data: bool,
    winlog: bool,
    /// Security 4688 and the like: Sigma names for other native names.
    aliases: &'static [Alias],
    derived: Vec<(&'static str, Cow<'static, str>)>,
    category: Option<&'static str>,
    event_id: Option<u32>,
    product: Option<&'static str>,
    /// Keys the document repeated (all their values are kept), and fields
    /// of `winlog.event_data` given in more than one spelling.
    duplicates: DuplicateKeys,
}

impl EcsEvent {
    /// Build an event from a parsed document. The error says why the
    /// document is not in the ECS shape.
    pub fn from_value(value: Value) -> Result<EcsEvent, &'static str> {
        let Value::Object(mut doc) = value else {
            return Err("the record is not a JSON object");
        };
        let winlog = doc.contains_key("winlog") || doc.keys().any(|k| k.starts_with("winlog."));
        if !winlog && !has_ecs_markers(&doc) {
            return Err(
                "neither `winlog` nor `event.category`, `ecs.version`, `process.executable`",
            );
        }
        let mut duplicates = DuplicateKeys::default();
        let event_data = take_event_data(&mut doc, &mut duplicates);
        merge_spellings(&mut doc, &mut duplicates);
        let spaced_event_data = event_data.keys().any(|k| crate::mapping::has_space(k));
        let mut event = EcsEvent {
            doc,
            event_data,
            spaced_event_data,
            winlog,
            aliases: &[],
            derived: Vec::new(),
            category: None,
            event_id: None,
            product: None,
            duplicates,
        };
        if winlog {
            event.event_id = event.winlog_event_id();
            let provider = event.text("winlog.provider_name");
            event.aliases = windows_aliases(provider, event.event_id);
            event.product = Some(match event.text("winlog.channel") {
                Some(c) if c.starts_with("Linux-Sysmon") => "linux",
                _ => "windows",
            });
        } else {
            event.product = event.product_from_host();
            event.category = event.declared_category();
            event.event_id = event.registry_operation().map(|(_, id)| id);
        }
        event.derived = event.derive_fields();
        Ok(event)
    }

    /// The same event, also reporting the keys its document repeated
    /// (see [`crate::json::duplicates`]).
    pub fn with_duplicates(mut self, repeated: DuplicateKeys) -> EcsEvent {
        let spellings = std::mem::replace(&mut self.duplicates, repeated);
        self.duplicates.append(spellings);
        self
    }

    /// The keys the document repeated.
    pub fn duplicate_keys(&self) -> &DuplicateKeys {
        &self.duplicates
    }

    /// The document as the reader parsed it, with `winlog.event_data`
    /// (however it was spelled) put back, for `scan --with-event`.
    pub fn to_json(&self) -> Value {
        let mut doc = self.doc.clone();
        if !self.event_data.is_empty() {
            let data = Value::Object(self.event_data.clone());
            match doc.get_mut("winlog") {
                Some(Value::Object(winlog)) => {
                    winlog.insert("event_data".to_owned(), data);
                }
                _ => {
                    doc.insert(EVENT_DATA.to_owned(), data);
                }
            }
        }
        Value::Object(doc)
    }

    /// Whether this is a Winlogbeat document of a Windows event.
    pub fn is_winlog(&self) -> bool {
        self.winlog
    }

    /// `@timestamp`, as RFC 3339 UTC.
    pub fn timestamp(&self) -> Option<Cow<'_, str>> {
        self.text("@timestamp").map(normalize_timestamp)
    }

    /// The host the event was recorded on.
    pub fn host(&self) -> Option<&str> {
        ["winlog.computer_name", "host.name", "host.hostname"]
            .iter()
            .find_map(|p| self.text(p))
    }

    fn get(&self, path: &str) -> Option<&Value> {
        get_path(&self.doc, path)
    }

    fn text(&self, path: &str) -> Option<&str> {
        non_empty_str(self.get(path))
    }

    /// `event.category` / `event.type`: a keyword or a list of them.
    fn keyword_contains(&self, path: &str, want: &str) -> bool {
        match self.get(path) {
            Some(Value::String(s)) => s.eq_ignore_ascii_case(want),
            Some(Value::Array(items)) => items
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.eq_ignore_ascii_case(want))),
            _ => false,
        }
    }

    /// `winlog.event_id`: a number in Winlogbeat 7, a string in 8.
    fn winlog_event_id(&self) -> Option<u32> {
        match first_value(
            self.get("winlog.event_id")
                .or_else(|| self.get("event.code"))?,
        ) {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn product_from_host(&self) -> Option<&'static str> {
        mapping::PRODUCT_FIELDS.iter().find_map(|field| {
            let value = self.text(field)?;
            mapping::PRODUCTS
                .iter()
                .find(|(ecs, _)| ecs.eq_ignore_ascii_case(value))
                .map(|(_, sigma)| *sigma)
        })
    }

    fn declared_category(&self) -> Option<&'static str> {
        mapping::CATEGORIES
            .iter()
            .find(|rule| {
                self.keyword_contains("event.category", rule.ecs_category)
                    && rule
                        .ecs_type
                        .is_none_or(|t| self.keyword_contains("event.type", t))
                    && rule.needs.is_none_or(|p| self.get(p).is_some())
            })
            .map(|rule| rule.sigma_category)
    }

    /// Sysmon's `EventType` and EventID for a registry event.
    fn registry_operation(&self) -> Option<(&'static str, u32)> {
        if !self.keyword_contains("event.category", "registry") {
            return None;
        }
        let (_, event_type, id) = mapping::REGISTRY_TYPES
            .iter()
            .find(|(ecs, _, _)| self.keyword_contains("event.type", ecs))?;
        let key_deleted = *event_type == "DeleteValue" && self.text("registry.value").is_none();
        Some((
            if key_deleted {
                mapping::DELETE_KEY
            } else {
                event_type
            },
            *id,
        ))
    }

    fn derive_fields(&self) -> Vec<(&'static str, Cow<'static, str>)> {
        let mut out = Vec::new();
        for field in mapping::FIELDS {
            let EcsSource::Derive(how) = field.source else {
                continue;
            };
            let value = match how {
                EcsDerive::User => {
                    account(self.text("user.domain"), self.text("user.name")).map(Cow::Owned)
                }
                EcsDerive::RegistryTarget => self.registry_target().map(Cow::Owned),
                EcsDerive::RegistryEventType => {
                    self.registry_operation().map(|(t, _)| Cow::Borrowed(t))
                }
                EcsDerive::Initiated => self.text("network.direction").and_then(|d| {
                    mapping::DIRECTIONS
                        .iter()
                        .find(|(ecs, _)| ecs.eq_ignore_ascii_case(d))
                        .map(|(_, sysmon)| Cow::Borrowed(*sysmon))
                }),
            };
            if let Some(value) = value {
                out.push((field.sigma, value));
            }
        }
        out
    }

    /// `registry.path`, or hive, key and value joined, in Sysmon spelling.
    fn registry_target(&self) -> Option<String> {
        if let Some(path) = self.text("registry.path") {
            return Some(sysmon_registry_key(path));
        }
        let parts: Vec<&str> = ["registry.hive", "registry.key", "registry.value"]
            .iter()
            .filter_map(|p| self.text(p))
            .collect();
        (parts.len() >= 2).then(|| sysmon_registry_key(&parts.join("\\")))
    }

    /// A `winlog.event_data` name spelled with or without its spaces
    /// (Defender's `Threat Name` as `ThreatName`), tried after every exact
    /// spelling missed ([`mapping::same_name_without_spaces`]).
    fn event_data_either_spelling(&self, name: &str) -> Option<&Value> {
        if !self.spaced_event_data && !crate::mapping::has_space(name) {
            return None;
        }
        self.event_data
            .iter()
            .find(|(k, _)| crate::mapping::same_name_without_spaces(k, name))
            .map(|(_, v)| v)
    }

    fn lookup_table(&self, name: &str) -> Lookup<'_> {
        let Some(field) = mapping::FIELDS.iter().find(|f| f.sigma == name) else {
            return Lookup::Absent;
        };
        match field.source {
            EcsSource::Path(paths) => paths
                .iter()
                .find_map(|p| self.get(p))
                .map_or(Lookup::Absent, to_lookup),
            EcsSource::Derive(_) => self
                .derived
                .iter()
                .find(|(sigma, _)| *sigma == name)
                .map_or(Lookup::Absent, |(_, v)| {
                    Lookup::One(FieldValue::Str(Cow::Borrowed(v)))
                }),
        }
    }
}

impl Event for EcsEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        let own = self
            .event_data
            .get(name)
            .or_else(|| {
                let alias = self.aliases.iter().find(|a| a.sigma == name)?;
                self.event_data.get(alias.native)
            })
            .or_else(|| {
                let rest = name.strip_prefix(EVENT_DATA)?.strip_prefix('.')?;
                self.event_data.get(rest)
            })
            .or_else(|| self.get(name))
            .or_else(|| self.event_data_either_spelling(name));
        match own {
            Some(v) => to_lookup(v),
            None => self.lookup_table(name),
        }
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        for v in self.doc.values().chain(self.event_data.values()) {
            visit_leaves(v, visit);
        }
        for (_, v) in &self.derived {
            visit(&FieldValue::Str(Cow::Borrowed(v)));
        }
    }

    fn kind(&self) -> EventKind<'_> {
        EventKind {
            product: self.product,
            category: self.category,
            service: None,
            channel: self.winlog.then(|| self.text("winlog.channel")).flatten(),
            provider: self
                .winlog
                .then(|| self.text("winlog.provider_name"))
                .flatten(),
            event_id: self.event_id,
        }
    }
}

/// Whether a document without `winlog` looks like ECS.
pub fn has_ecs_markers(doc: &Map<String, Value>) -> bool {
    const MARKERS: &[&str] = &["event.category", "ecs.version", "process.executable"];
    MARKERS.iter().any(|m| get_path(doc, m).is_some())
}

/// A field by its dotted ECS name, in nested, flattened or mixed form.
pub fn get_path<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = map.get(path) {
        return Some(v);
    }
    path.match_indices('.')
        .find_map(|(i, _)| match map.get(&path[..i]) {
            Some(Value::Object(child)) => get_path(child, &path[i + 1..]),
            _ => None,
        })
}

/// Fold each field given both flattened and nested
/// (`"process.command_line"` beside `"process":{"command_line":…}`) into
/// its nested place, keeping both values as a repeated key does, and note
/// it: a lookup finds one spelling first, so the other would hide a value.
/// Only documents with dotted keys pay for the look.
fn merge_spellings(doc: &mut Map<String, Value>, noted: &mut DuplicateKeys) {
    let twice: Vec<String> = (doc.keys())
        .filter(|key| key.contains('.') && nested_path(doc, key).is_some())
        .cloned()
        .collect();
    for key in twice {
        if let Some(flat) = doc.remove(&key)
            && let Some(nested) = nested_path_mut(doc, &key)
        {
            merge_value(nested, flat);
            noted.note(&KeyPath::top(&key));
        }
    }
}

/// [`get_path`] without the flattened spelling at this level: where
/// `path` sits inside a nested object.
fn nested_path<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    path.match_indices('.')
        .find_map(|(i, _)| match map.get(&path[..i]) {
            Some(Value::Object(child)) => get_path(child, &path[i + 1..]),
            _ => None,
        })
}

/// [`nested_path`], for changing the value found.
fn nested_path_mut<'a>(map: &'a mut Map<String, Value>, path: &str) -> Option<&'a mut Value> {
    let (i, _) = path.match_indices('.').find(|(i, _)| {
        matches!(map.get(&path[..*i]), Some(Value::Object(child))
            if get_path(child, &path[i + 1..]).is_some())
    })?;
    let Some(Value::Object(child)) = map.get_mut(&path[..i]) else {
        return None;
    };
    let rest = &path[i + 1..];
    if child.contains_key(rest) {
        return child.get_mut(rest);
    }
    nested_path_mut(child, rest)
}

/// Remove `winlog.event_data` from the document, in whichever spelling,
/// and return its fields. A field given in two spellings keeps both
/// values, as a repeated key does, and is noted as one.
fn take_event_data(doc: &mut Map<String, Value>, noted: &mut DuplicateKeys) -> Map<String, Value> {
    static AT: KeyPath<'static> = KeyPath::top(EVENT_DATA);
    let mut out = Map::new();
    if let Some(Value::Object(winlog)) = doc.get_mut("winlog")
        && let Some(Value::Object(data)) = winlog.remove("event_data")
    {
        out = data;
    }
    if let Some(Value::Object(data)) = doc.remove(EVENT_DATA) {
        for (name, value) in data {
            insert_merging(&mut out, name, value, Some(&AT), noted);
        }
    }
    let prefix = format!("{EVENT_DATA}.");
    let flat: Vec<String> = doc
        .keys()
        .filter(|k| k.starts_with(&prefix))
        .cloned()
        .collect();
    for key in flat {
        if let Some(v) = doc.remove(&key) {
            let name = key[prefix.len()..].to_owned();
            insert_merging(&mut out, name, v, Some(&AT), noted);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_nested_flat_and_mixed() {
        let doc = json!({
            "process": {"executable": "a", "parent.executable": "b"},
            "host.os.type": "windows",
            "user": {"name": "alice"}
        });
        let doc = doc.as_object().unwrap();
        assert_eq!(get_path(doc, "process.executable"), Some(&json!("a")));
        assert_eq!(
            get_path(doc, "process.parent.executable"),
            Some(&json!("b"))
        );
        assert_eq!(get_path(doc, "host.os.type"), Some(&json!("windows")));
        assert_eq!(get_path(doc, "user.name"), Some(&json!("alice")));
        assert_eq!(get_path(doc, "user.domain"), None);
        assert_eq!(get_path(doc, "user.name.x"), None);
    }

    #[test]
    fn event_data_in_every_spelling() {
        let nested = json!({"winlog": {"channel": "Security", "event_data": {"A": "1"}}});
        let flat = json!({"winlog.channel": "Security", "winlog.event_data.A": "1"});
        let object = json!({"winlog.channel": "Security", "winlog.event_data": {"A": "1"}});
        for doc in [nested, flat, object] {
            let e = EcsEvent::from_value(doc.clone()).unwrap();
            assert_eq!(
                e.field("A"),
                Lookup::One(FieldValue::Str("1".into())),
                "{doc}"
            );
            assert_eq!(
                e.field("winlog.event_data.A"),
                Lookup::One(FieldValue::Str("1".into()))
            );
            assert_eq!(e.kind().channel, Some("Security"));
        }
    }

    #[test]
    fn not_ecs() {
        assert!(EcsEvent::from_value(json!({"foo": 1})).is_err());
        assert!(EcsEvent::from_value(json!([1])).is_err());
    }
}
