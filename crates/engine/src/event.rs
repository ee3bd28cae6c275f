//! The `Event` trait: the only view of a record the matcher ever sees.
//!
//! Readers (in `tunnelhunt-sources`) implement it over whatever they parsed:
//! an EVTX record, a JSON line, a CSV row, an auditd event group. The trait
//! is deliberately small: look a field up by name, visit every value (for
//! Sigma keyword searches), and say what kind of event this is (for
//! logsource routing). Lookups borrow from the record where they can, so a
//! reader that keeps the raw bytes never has to allocate for a field that is
//! not escaped.

use std::borrow::Cow;

/// One value of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    /// Present but null (JSON `null`, an empty EVTX element with no text).
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
}

impl FieldValue<'_> {
    /// The value as text, the way a string comparison sees it
    /// (numbers in decimal, booleans as `true`/`false`). `None` for null.
    pub fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            FieldValue::Null => None,
            FieldValue::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            FieldValue::Int(i) => Some(Cow::Owned(i.to_string())),
            FieldValue::Float(f) => Some(Cow::Owned(f.to_string())),
            FieldValue::Str(s) => Some(Cow::Borrowed(s)),
        }
    }

    pub fn into_owned(self) -> FieldValue<'static> {
        match self {
            FieldValue::Null => FieldValue::Null,
            FieldValue::Bool(b) => FieldValue::Bool(b),
            FieldValue::Int(i) => FieldValue::Int(i),
            FieldValue::Float(f) => FieldValue::Float(f),
            FieldValue::Str(s) => FieldValue::Str(Cow::Owned(s.into_owned())),
        }
    }
}

/// The result of looking a field up.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<'a> {
    /// The event has no such field.
    Absent,
    One(FieldValue<'a>),
    /// A list-valued field (e.g. Zeek `answers`, repeated EVTX `Data`
    /// elements): a predicate holds if it holds for any element.
    Many(Vec<FieldValue<'a>>),
}

impl<'a> Lookup<'a> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Lookup::Absent)
    }

    /// The values, as a slice (empty when absent).
    pub fn values(&self) -> &[FieldValue<'a>] {
        match self {
            Lookup::Absent => &[],
            Lookup::One(v) => std::slice::from_ref(v),
            Lookup::Many(vs) => vs,
        }
    }
}

/// The facts logsource routing decides on. Sources fill in what they know;
/// everything is optional. A Windows reader sets `product`, `channel`,
/// `provider` and `event_id`; a source whose records already *are* a Sigma
/// category (an MDE DeviceProcessEvents row, an auditd exec, a Zeek dns.log
/// line) sets `category` directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EventKind<'a> {
    /// Sigma product: `windows`, `linux`, `macos`, `zeek`…
    pub product: Option<&'a str>,
    /// Sigma category, when the source knows it without a table.
    pub category: Option<&'a str>,
    /// Sigma service, when the source knows it without a table.
    pub service: Option<&'a str>,
    /// Windows event log channel, e.g. `Security`,
    /// `Microsoft-Windows-Sysmon/Operational`.
    pub channel: Option<&'a str>,
    /// Windows event provider name, e.g. `Microsoft-Windows-Sysmon`.
    pub provider: Option<&'a str>,
    pub event_id: Option<u32>,
}

/// A normalized, borrowed view of one record.
pub trait Event {
    /// Look a field up by name: a Sigma taxonomy name (`Image`,
    /// `CommandLine`…) or the record's own name for it. Names are matched
    /// exactly (Sigma field names are case-sensitive).
    fn field(&self, name: &str) -> Lookup<'_>;

    /// Call `visit` with every value of the event, for keyword searches.
    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>));

    /// What kind of event this is, for logsource routing.
    fn kind(&self) -> EventKind<'_>;
}
