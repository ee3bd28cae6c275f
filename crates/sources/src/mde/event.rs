//! One Defender for Endpoint row as an [`Event`].
//!
//! A row is kept as its columns (a JSON object; CSV cells become strings)
//! plus the few Sigma fields that had to be computed from several columns,
//! computed once when the row is read so that lookups borrow. A lookup
//! tries the row's own column names first, so a rule may use either
//! `ProcessCommandLine` or `CommandLine`.

use std::borrow::Cow;

use serde_json::{Map, Value};
use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

use super::derive;
use super::mapping::{self, Action, Derive, Source, Table};
use crate::json::duplicates::DuplicateKeys;
use crate::json::values::{non_empty_str, to_lookup, visit_leaves};
use crate::time::normalize_timestamp;

/// Name used in messages for this shape.
pub const SHAPE: &str = "Defender for Endpoint Advanced Hunting shape";

/// The prefix of a Streaming API record's `category`.
pub const STREAMING_PREFIX: &str = "AdvancedHunting-";

/// Columns that, with `DeviceName` or `DeviceId`, mark a JSON object or a
/// CSV header as a Defender for Endpoint row (also a hunting query's
/// projection, which may leave `ActionType` out).
pub const MARKER_COLUMNS: &[&str] = &[
    "ActionType",
    "FileName",
    "FolderPath",
    "ProcessCommandLine",
    "InitiatingProcessFileName",
    "InitiatingProcessCommandLine",
    "RemoteIP",
    "RemoteUrl",
    "RegistryKey",
    "ReportId",
];

/// Whether a row with the columns for which `has` is true is a Defender
/// for Endpoint row.
pub fn is_row(has: impl Fn(&str) -> bool) -> bool {
    (has("DeviceName") || has("DeviceId")) && MARKER_COLUMNS.iter().any(|c| has(c))
}

/// One Defender for Endpoint row.
#[derive(Debug, Clone, PartialEq)]
pub struct MdeEvent {
    table: Table,
    columns: Map<String, Value>,
    /// Sigma fields computed from several columns (see [`derive`]).
    derived: Vec<(&'static str, Cow<'static, str>)>,
    action: Option<&'static Action>,
    /// The Streaming API's `time` (when Defender received the event), for
    /// rows without a `Timestamp` column.
    received: Option<String>,
    product: Option<&'static str>,
    /// Keys the JSON record repeated (all their values are kept).
    duplicates: DuplicateKeys,
}

impl MdeEvent {
    /// Build an event from a JSON row or a Streaming API record
    /// (`{"time":…,"category":"AdvancedHunting-<table>","properties":{…}}`).
    /// The error says why the value is neither.
    pub fn from_value(value: Value) -> Result<MdeEvent, &'static str> {
        let Value::Object(mut root) = value else {
            return Err("the record is not a JSON object");
        };
        let streaming = root
            .get("category")
            .and_then(Value::as_str)
            .and_then(|c| c.strip_prefix(STREAMING_PREFIX))
            .map(str::to_owned);
        let Some(table_name) = streaming else {
            if !root.contains_key("DeviceName")
                && !root.contains_key("DeviceId")
                && !root.contains_key("ActionType")
            {
                return Err("no DeviceName, DeviceId or ActionType column");
            }
            return Ok(MdeEvent::from_columns(root, None));
        };
        let Some(Value::Object(properties)) = root.remove("properties") else {
            return Err("a Streaming API record without a `properties` object");
        };
        let received = match root.remove("time") {
            Some(Value::String(time)) => Some(time),
            _ => None,
        };
        let mut event = MdeEvent::from_columns(properties, Table::from_name(&table_name));
        event.received = received;
        Ok(event)
    }

    /// Build an event from a row's columns; `table` when the record says
    /// which table it comes from, else it is recognised from the columns.
    pub fn from_columns(columns: Map<String, Value>, table: Option<Table>) -> MdeEvent {
        let action = non_empty_str(columns.get("ActionType")).and_then(mapping::action_of);
        let table = table
            .or_else(|| non_empty_str(columns.get("Type")).and_then(Table::from_name))
            .or_else(|| action.map(|a| a.table))
            .or_else(|| table_from_columns(&columns))
            .unwrap_or(Table::Other);
        // An action type of another table says nothing about this row.
        let action = action.filter(|a| a.table == table);
        let mut event = MdeEvent {
            table,
            columns,
            derived: Vec::new(),
            action,
            received: None,
            product: None,
            duplicates: DuplicateKeys::default(),
        };
        event.product = event.guess_product();
        event.derived = event.derive_fields();
        event
    }

    /// The same row, reporting the keys its JSON record repeated (see
    /// [`crate::json::duplicates`]).
    pub fn with_duplicates(mut self, repeated: DuplicateKeys) -> MdeEvent {
        self.duplicates = repeated;
        self
    }

    /// The keys the JSON record repeated.
    pub fn duplicate_keys(&self) -> &DuplicateKeys {
        &self.duplicates
    }

    /// The row's columns as the reader parsed them, for
    /// `scan --with-event`.
    pub fn to_json(&self) -> Value {
        Value::Object(self.columns.clone())
    }

    /// The Advanced Hunting table of the row.
    pub fn table(&self) -> Table {
        self.table
    }

    /// The row's `ActionType`.
    pub fn action_type(&self) -> Option<&str> {
        non_empty_str(self.columns.get("ActionType"))
    }

    /// The device the event was recorded on (`DeviceName`).
    pub fn device_name(&self) -> Option<&str> {
        non_empty_str(self.columns.get("DeviceName"))
    }

    /// When the event happened, as RFC 3339 UTC: `Timestamp` (Advanced
    /// Hunting), `TimeGenerated` (Sentinel), or the Streaming API's `time`.
    pub fn timestamp(&self) -> Option<Cow<'_, str>> {
        let text = non_empty_str(self.columns.get("Timestamp"))
            .or_else(|| non_empty_str(self.columns.get("TimeGenerated")))
            .or(self.received.as_deref())?;
        Some(match derive::portal_timestamp(text) {
            Some(rfc3339) => Cow::Owned(rfc3339),
            None => normalize_timestamp(text),
        })
    }

    fn column(&self, name: &str) -> Option<&str> {
        non_empty_str(self.columns.get(name))
    }

    /// Defender covers Windows, Linux and macOS devices and its rows do not
    /// say which; a Windows path or a registry row says Windows. Otherwise
    /// the product stays open, so the row reaches the rules of any product.
    fn guess_product(&self) -> Option<&'static str> {
        let windows_path = ["FolderPath", "InitiatingProcessFolderPath"]
            .iter()
            .filter_map(|c| self.column(c))
            .any(|p| p.contains('\\'));
        (windows_path || self.table == Table::DeviceRegistryEvents).then_some("windows")
    }

    fn derive_fields(&self) -> Vec<(&'static str, Cow<'static, str>)> {
        let mut out = Vec::new();
        for table in self.table.fields() {
            for field in *table {
                let Source::Derive(how) = field.source else {
                    continue;
                };
                if let Some(value) = self.derive(how) {
                    out.push((field.sigma, value));
                }
            }
        }
        out
    }

    fn derive(&self, how: Derive) -> Option<Cow<'static, str>> {
        let owned = match how {
            Derive::Path { folder, file } => {
                derive::image_path(self.column(folder), self.column(file))
            }
            Derive::Account { domain, name } => {
                derive::account(self.column(domain), self.column(name))
            }
            Derive::RegistryTarget => derive::registry_target(
                self.column("RegistryKey"),
                self.column("RegistryValueName"),
            ),
            Derive::UrlHost(column) => derive::url_host(self.column(column)),
            Derive::DnsQueryName => {
                derive::additional_field(self.columns.get("AdditionalFields"), "DnsQueryString")
            }
            Derive::RegistryEventType => {
                return self.action?.sysmon.map(|(t, _)| Cow::Borrowed(t));
            }
            Derive::Initiated => return self.action?.initiated.map(Cow::Borrowed),
        };
        owned.map(Cow::Owned)
    }
}

fn table_from_columns(columns: &Map<String, Value>) -> Option<Table> {
    mapping::TABLE_COLUMNS
        .iter()
        .find(|(needed, _)| needed.iter().all(|c| columns.contains_key(*c)))
        .map(|(_, table)| *table)
}

impl Event for MdeEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        if let Some(v) = self.columns.get(name) {
            return to_lookup(v);
        }
        let Some(field) = self
            .table
            .fields()
            .iter()
            .find_map(|t| t.iter().find(|f| f.sigma == name))
        else {
            return Lookup::Absent;
        };
        match field.source {
            Source::Column(column) => self.columns.get(column).map_or(Lookup::Absent, to_lookup),
            Source::Derive(_) => self
                .derived
                .iter()
                .find(|(sigma, _)| *sigma == name)
                .map_or(Lookup::Absent, |(_, v)| {
                    Lookup::One(FieldValue::Str(Cow::Borrowed(v)))
                }),
        }
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        for v in self.columns.values() {
            visit_leaves(v, visit);
        }
        for (_, v) in &self.derived {
            visit(&FieldValue::Str(Cow::Borrowed(v)));
        }
    }

    fn kind(&self) -> EventKind<'_> {
        let category = match (self.table, self.action) {
            (_, Some(action)) => action.category,
            // DeviceProcessEvents holds process creations only.
            (Table::DeviceProcessEvents, None) => Some("process_creation"),
            _ => None,
        };
        EventKind {
            product: self.product,
            category,
            service: None,
            channel: None,
            provider: None,
            event_id: self.action.and_then(|a| a.sysmon).map(|(_, id)| id),
        }
    }
}
