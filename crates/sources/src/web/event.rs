//! One web-server access-log entry as an [`Event`].
//!
//! Every access-log dialect says the same few things (who asked, what,
//! how it went), so every reader fills one event, under the Sigma
//! `webserver` taxonomy names (the IIS W3C names SigmaHQ writes its rules
//! with: `c-ip`, `cs-method`, `cs-uri-stem`, `cs-uri-query`, `sc-status`,
//! `cs-user-agent`…), beside the entry's own fields under their own names
//! (`cs(User-Agent)`, `remote_addr`, `request.headers.User-Agent`), which
//! answer lookups too and are what `scan --with-event` shows.
//!
//! A value a rule may want either as it travelled or as the server
//! understood it (the request target, a header IIS wrote with `+` for its
//! spaces) holds both spellings, the raw one first ([`Value::Forms`]): it
//! looks up as a list, so a predicate holds when it holds for either
//! (`web::decode` says which forms each field has, and why).
//! `<name>-raw` looks up the raw spelling alone.

use std::borrow::Cow;
use std::sync::Arc;

use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

use super::decode::is_nothing;
use crate::json::duplicates::DuplicateKeys;

/// A taxonomy value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    /// A count (status, bytes, milliseconds, port).
    Int(i64),
    /// The same fact spelled several ways, the raw spelling first, no two
    /// alike.
    Forms(Vec<String>),
}

impl Value {
    /// `Forms` when the spellings differ, else the one spelling as text.
    pub(crate) fn forms(raw: String, others: impl IntoIterator<Item = String>) -> Value {
        let mut forms = vec![raw];
        for other in others {
            if !forms.contains(&other) {
                forms.push(other);
            }
        }
        if forms.len() == 1 {
            Value::Text(forms.swap_remove(0))
        } else {
            Value::Forms(forms)
        }
    }

    fn lookup(&self) -> Lookup<'_> {
        match self {
            Value::Text(s) => Lookup::One(FieldValue::Str(Cow::Borrowed(s))),
            Value::Int(i) => Lookup::One(FieldValue::Int(*i)),
            Value::Forms(forms) => Lookup::Many(
                forms
                    .iter()
                    .map(|s| FieldValue::Str(Cow::Borrowed(s)))
                    .collect(),
            ),
        }
    }

    /// The spelling as logged.
    fn raw(&self) -> Lookup<'_> {
        match self {
            Value::Forms(forms) => forms.first().map_or(Lookup::Absent, |s| {
                Lookup::One(FieldValue::Str(Cow::Borrowed(s)))
            }),
            other => other.lookup(),
        }
    }
}

/// The entry as logged, for `--with-event` and lookups by native name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Original {
    /// A text line's fields, in order, under the log's own names.
    Columns(Vec<(Arc<str>, String)>),
    /// A JSON entry, and its leaves under dotted names (an array's
    /// elements each under the array's name).
    Json {
        document: serde_json::Value,
        leaves: Vec<(String, FieldValue<'static>)>,
    },
}

/// One access-log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct WebEvent {
    fields: Vec<(Arc<str>, Value)>,
    original: Original,
    timestamp: Option<String>,
    duplicates: DuplicateKeys,
}

impl WebEvent {
    pub(crate) fn new(
        fields: Vec<(Arc<str>, Value)>,
        original: Original,
        timestamp: Option<String>,
    ) -> WebEvent {
        WebEvent {
            fields,
            original,
            timestamp,
            duplicates: DuplicateKeys::default(),
        }
    }

    pub(crate) fn with_duplicates(mut self, repeated: DuplicateKeys) -> WebEvent {
        self.duplicates = repeated;
        self
    }

    /// The keys a JSON entry repeated (none in text formats).
    pub fn duplicate_keys(&self) -> &DuplicateKeys {
        &self.duplicates
    }

    /// A taxonomy field's value.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v)
    }

    /// When the request was logged, RFC 3339 UTC.
    pub fn timestamp(&self) -> Option<&str> {
        self.timestamp.as_deref()
    }

    /// The server that logged it, when the log names it (IIS
    /// `s-computername`).
    pub fn host(&self) -> Option<&str> {
        match self.value("s-computername")? {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The entry as logged: its fields by their own names, or the JSON
    /// document.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.original {
            Original::Columns(columns) => columns
                .iter()
                .map(|(name, value)| (name.to_string(), serde_json::Value::from(value.as_str())))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            Original::Json { document, .. } => document.clone(),
        }
    }

    fn native(&self, name: &str) -> Lookup<'_> {
        match &self.original {
            // `-` is "nothing" under any name, so `null` matches it.
            Original::Columns(columns) => columns
                .iter()
                .find(|(n, _)| n.as_ref() == name)
                .filter(|(_, v)| !is_nothing(v))
                .map_or(Lookup::Absent, |(_, v)| {
                    Lookup::One(FieldValue::Str(Cow::Borrowed(v)))
                }),
            Original::Json { leaves, .. } => {
                let mut found: Vec<FieldValue<'_>> = leaves
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .collect();
                match found.len() {
                    0 => Lookup::Absent,
                    1 => Lookup::One(found.swap_remove(0)),
                    _ => Lookup::Many(found),
                }
            }
        }
    }
}

impl Event for WebEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        if let Some(value) = self.value(name) {
            return value.lookup();
        }
        if let Some(base) = name.strip_suffix("-raw")
            && let Some(value) = self.value(base)
        {
            return value.raw();
        }
        self.native(name)
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        for (_, value) in &self.fields {
            for v in value.lookup().values() {
                visit(v);
            }
        }
        match &self.original {
            Original::Columns(columns) => {
                for (_, v) in columns {
                    visit(&FieldValue::Str(Cow::Borrowed(v)));
                }
            }
            Original::Json { leaves, .. } => leaves.iter().for_each(|(_, v)| visit(v)),
        }
    }

    fn kind(&self) -> EventKind<'_> {
        EventKind {
            category: Some("webserver"),
            ..EventKind::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_look_up_as_a_list_and_raw_alone() {
        let event = WebEvent::new(
            vec![
                (
                    Arc::from("cs-uri-query"),
                    Value::forms("a=%2e".into(), ["a=.".into()]),
                ),
                (Arc::from("sc-status"), Value::Int(200)),
                (
                    Arc::from("cs-method"),
                    Value::forms("GET".into(), ["GET".into()]),
                ),
            ],
            Original::Columns(vec![(Arc::from("cs(User-Agent)"), "curl/8".into())]),
            None,
        );
        assert!(matches!(event.field("cs-uri-query"), Lookup::Many(v) if v.len() == 2));
        assert_eq!(
            event.field("cs-uri-query-raw"),
            Lookup::One(FieldValue::Str(Cow::Borrowed("a=%2e")))
        );
        assert_eq!(event.field("sc-status"), Lookup::One(FieldValue::Int(200)));
        assert_eq!(
            event.field("cs-method"),
            Lookup::One(FieldValue::Str(Cow::Borrowed("GET")))
        );
        assert!(!event.field("cs(User-Agent)").is_absent());
        assert!(event.field("cs-referer").is_absent());
        let mut n = 0;
        event.for_each_value(&mut |_| n += 1);
        assert_eq!(n, 5);
        assert_eq!(event.kind().category, Some("webserver"));
    }
}
