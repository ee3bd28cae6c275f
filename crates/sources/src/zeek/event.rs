//! One Zeek log entry as an [`Event`].
//!
//! A Zeek entry is a flat list of named, typed values (records are already
//! flattened into dotted names such as `id.orig_h`), so the event keeps
//! exactly that: the names in file order and the values converted once,
//! when the line is read. Unset fields (`-`) are not stored, so they look
//! up as absent; set and vector fields are lists and look up as
//! [`Lookup::Many`], so a Sigma predicate holds when it holds for any
//! element (`answers: 127.0.0.1`).
//!
//! Lookups try the native name first, then the Sigma taxonomy aliases in
//! [`super::mapping`]: `query` and `QueryName` reach the same value.

use std::borrow::Cow;
use std::sync::Arc;

use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

use super::mapping;
use crate::json::duplicates::DuplicateKeys;

/// Which Zeek log an entry comes from (its `#path` or `_path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Log {
    /// `dns.log`: a Sigma `dns_query` event.
    Dns,
    /// `conn.log`: a Sigma `network_connection` event.
    Conn,
    /// Another Zeek log (`http`, `ssl`…): routed by its service name only,
    /// fields reachable by their Zeek names.
    Other(Arc<str>),
    /// A JSON entry without `_path` whose keys are not those of a DNS or a
    /// connection entry.
    Unknown,
}

impl Log {
    /// The log named by a `#path` / `_path` value. Rotated or prefixed
    /// paths (`dns_2024`, `corelight_dns`) are not guessed at: they keep
    /// their own name.
    pub fn from_path(path: &str) -> Log {
        match path {
            "dns" => Log::Dns,
            "conn" => Log::Conn,
            other => Log::Other(Arc::from(other)),
        }
    }

    /// The log an entry comes from, judged by its field names, for entries
    /// that do not name their log.
    pub fn from_fields<'a>(mut names: impl Iterator<Item = &'a str>) -> Log {
        let mut log = Log::Unknown;
        names.any(|name| match name {
            "query" | "qtype_name" | "rcode_name" | "answers" | "trans_id" => {
                log = Log::Dns;
                true
            }
            "conn_state" | "history" | "orig_ip_bytes" | "resp_ip_bytes" | "missed_bytes" => {
                log = Log::Conn;
                true
            }
            _ => false,
        });
        log
    }

    /// The Sigma `service` for `product: zeek` (SigmaHQ's zeek rules name
    /// the log: `service: dns`, `service: conn`, `service: http`…).
    pub fn service(&self) -> Option<&str> {
        match self {
            Log::Dns => Some("dns"),
            Log::Conn => Some("conn"),
            Log::Other(path) => Some(path),
            Log::Unknown => None,
        }
    }

    /// The Sigma category, for the logs that are one.
    pub fn category(&self) -> Option<&'static str> {
        match self {
            Log::Dns => Some("dns_query"),
            Log::Conn => Some("network_connection"),
            Log::Other(_) | Log::Unknown => None,
        }
    }
}

/// A typed Zeek value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A `set[…]` or `vector[…]`; never nested.
    List(Vec<Value>),
}

impl Value {
    fn as_field(&self) -> FieldValue<'_> {
        match self {
            Value::Str(s) => FieldValue::Str(Cow::Borrowed(s)),
            Value::Int(i) => FieldValue::Int(*i),
            Value::Float(f) => FieldValue::Float(*f),
            Value::Bool(b) => FieldValue::Bool(*b),
            // Not produced: lists are flattened before they are stored.
            Value::List(_) => FieldValue::Null,
        }
    }

    fn lookup(&self) -> Lookup<'_> {
        match self {
            Value::List(items) => Lookup::Many(items.iter().map(Value::as_field).collect()),
            v => Lookup::One(v.as_field()),
        }
    }
}

/// One Zeek log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ZeekEvent {
    log: Log,
    /// Set fields in file order. Names are shared between the entries of
    /// one TSV header block.
    fields: Vec<(Arc<str>, Value)>,
    /// Keys a JSON entry gave more than once (all their values are kept).
    duplicates: DuplicateKeys,
}

impl ZeekEvent {
    pub fn new(log: Log, fields: Vec<(Arc<str>, Value)>) -> ZeekEvent {
        ZeekEvent {
            log,
            fields,
            duplicates: DuplicateKeys::default(),
        }
    }

    /// The same entry, reporting the keys its JSON line repeated.
    pub fn with_duplicates(mut self, repeated: DuplicateKeys) -> ZeekEvent {
        self.duplicates = repeated;
        self
    }

    /// The keys its JSON line repeated (none in TSV).
    pub fn duplicate_keys(&self) -> &DuplicateKeys {
        &self.duplicates
    }

    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The entry's set fields under their Zeek names, in file order, for
    /// `scan --with-event`.
    pub fn to_json(&self) -> serde_json::Value {
        fn json(value: &Value) -> serde_json::Value {
            match value {
                Value::Str(s) => serde_json::Value::from(s.as_str()),
                Value::Int(i) => serde_json::Value::from(*i),
                Value::Float(f) => serde_json::Value::from(*f),
                Value::Bool(b) => serde_json::Value::from(*b),
                Value::List(items) => items.iter().map(json).collect(),
            }
        }
        self.fields
            .iter()
            .map(|(name, value)| (name.to_string(), json(value)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// The value of a field under its Zeek name.
    pub fn native(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v)
    }

    /// `ts` as RFC 3339 UTC with microseconds. Zeek writes epoch seconds
    /// (TSV, default JSON) or, with `JSON::TS_ISO8601`, an ISO 8601 string.
    pub fn timestamp(&self) -> Option<Cow<'_, str>> {
        match self.native("ts")? {
            Value::Float(f) => epoch_to_rfc3339(*f).map(Cow::Owned),
            Value::Int(i) => epoch_to_rfc3339(*i as f64).map(Cow::Owned),
            Value::Str(s) => match s.parse::<f64>() {
                Ok(f) => epoch_to_rfc3339(f).map(Cow::Owned),
                Err(_) if s.ends_with('Z') => Some(Cow::Borrowed(s)),
                Err(_) => s
                    .strip_suffix("+00:00")
                    .map(|base| Cow::Owned(format!("{base}Z"))),
            },
            _ => None,
        }
    }
}

impl Event for ZeekEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        if let Some(v) = self.native(name) {
            return v.lookup();
        }
        mapping::aliases(&self.log)
            .find(|a| a.sigma == name)
            .and_then(|a| self.native(a.native))
            .map_or(Lookup::Absent, Value::lookup)
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        for (_, value) in &self.fields {
            match value {
                Value::List(items) => items.iter().for_each(|v| visit(&v.as_field())),
                v => visit(&v.as_field()),
            }
        }
    }

    fn kind(&self) -> EventKind<'_> {
        EventKind {
            product: Some("zeek"),
            category: self.log.category(),
            service: self.log.service(),
            ..EventKind::default()
        }
    }
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub(crate) fn epoch_to_rfc3339(seconds: f64) -> Option<String> {
    if !seconds.is_finite() {
        return None;
    }
    let micros = (seconds * 1e6).round();
    // Years 0000..=9999 only: beyond that RFC 3339 has no spelling.
    if !(-62_167_219_200e6..253_402_300_800e6).contains(&micros) {
        return None;
    }
    let micros = micros as i64;
    let (secs, frac) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    Some(crate::time::rfc3339_utc(days, rem as u64, frac as u32, 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_become_rfc3339() {
        assert_eq!(
            epoch_to_rfc3339(0.0).as_deref(),
            Some("1970-01-01T00:00:00.000000Z")
        );
        assert_eq!(
            epoch_to_rfc3339(1_704_164_645.123_456).as_deref(),
            Some("2024-01-02T03:04:05.123456Z")
        );
        assert_eq!(
            epoch_to_rfc3339(951_782_400.5).as_deref(),
            Some("2000-02-29T00:00:00.500000Z")
        );
        assert_eq!(
            epoch_to_rfc3339(-1.0).as_deref(),
            Some("1969-12-31T23:59:59.000000Z")
        );
        assert_eq!(epoch_to_rfc3339(f64::NAN), None);
        assert_eq!(epoch_to_rfc3339(1e300), None);
    }

    #[test]
    fn log_from_field_names() {
        assert_eq!(
            Log::from_fields(["ts", "uid", "query"].into_iter()),
            Log::Dns
        );
        assert_eq!(
            Log::from_fields(["ts", "conn_state"].into_iter()),
            Log::Conn
        );
        assert_eq!(Log::from_fields(["ts", "uri"].into_iter()), Log::Unknown);
    }

    #[test]
    fn lists_look_up_as_many_and_aliases_reach_native_fields() {
        let event = ZeekEvent::new(
            Log::Dns,
            vec![
                (Arc::from("query"), Value::Str("x.example".into())),
                (
                    Arc::from("answers"),
                    Value::List(vec![Value::Str("a".into()), Value::Str("b".into())]),
                ),
            ],
        );
        assert_eq!(event.field("QueryName"), event.field("query"));
        assert!(matches!(event.field("answers"), Lookup::Many(v) if v.len() == 2));
        assert!(event.field("qtype_name").is_absent());
        let mut n = 0;
        event.for_each_value(&mut |_| n += 1);
        assert_eq!(n, 3);
        let kind = event.kind();
        assert_eq!(
            (kind.product, kind.service, kind.category),
            (Some("zeek"), Some("dns"), Some("dns_query"))
        );
    }
}
