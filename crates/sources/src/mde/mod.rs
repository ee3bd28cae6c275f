//! Microsoft Defender for Endpoint: Advanced Hunting rows.
//!
//! Defenders get these rows three ways, and all three are read here into
//! the same [`MdeEvent`]:
//!
//! * **JSON**: one row per object, as JSON lines or an array, column names
//!   as keys; also the API's `{"Schema":[…],"Results":[…]}` response;
//! * **CSV**: the portal's export, a header row of column names and one
//!   row per record ([`MdeCsvReader`]);
//! * **Streaming API**: `{"time":…,"category":"AdvancedHunting-<table>",
//!   "properties":{…row…}}`, usually several in an Event Hubs message
//!   `{"records":[…]}`.
//!
//! The table (process, network, registry, other device events) is taken
//! from the Streaming API category, the `Type` column of Sentinel exports,
//! the `ActionType`, or failing those the columns present. Field mapping to
//! the Sigma taxonomy is data ([`mapping`]); what is not a plain rename is
//! a small function ([`derive`](mod@derive)).

mod csv;
pub mod derive;
mod event;
pub mod mapping;

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

pub use csv::MdeCsvReader;
pub use event::{MARKER_COLUMNS, MdeEvent, SHAPE, STREAMING_PREFIX, is_row};
pub use mapping::Table;

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::json::duplicates::DuplicateKeys;
use crate::json::values::ValueReader;
use crate::origin::Origin;

/// Keys of the objects that wrap a list of rows or records: Event Hubs
/// messages (`records`) and Advanced Hunting API responses (`Results`,
/// `results` in Microsoft Graph).
pub const WRAPPERS: &[&str] = &["records", "Results", "results"];

/// Whether a JSON object is a Defender for Endpoint row, a Streaming API
/// record, or a wrapper whose first element is one of those.
pub fn is_mde_json(object: &Map<String, Value>) -> bool {
    let streaming = object
        .get("category")
        .and_then(Value::as_str)
        .is_some_and(|c| c.starts_with(STREAMING_PREFIX));
    streaming
        || is_row(|c| object.contains_key(c))
        || WRAPPERS.iter().any(|w| {
            matches!(object.get(*w), Some(Value::Array(items))
                if items.first().and_then(Value::as_object).is_some_and(is_mde_json))
        })
}

/// Whether `head` (the start of a file) begins with a CSV header of
/// Defender for Endpoint columns.
pub fn is_csv_header(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = head
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|line| !line.is_empty());
    let Some(line) = first.and_then(|l| std::str::from_utf8(l).ok()) else {
        return false;
    };
    if line.starts_with(['{', '[']) {
        return false;
    }
    let names: Vec<&str> = line
        .split(',')
        .map(|n| n.trim().trim_matches('"'))
        .collect();
    is_row(|c| names.contains(&c))
}

/// Streams the events of a JSON input of Defender for Endpoint rows.
///
/// One item per row: the event with its [`Origin`] (the line where its
/// JSON object, or the wrapper holding it, starts), or a [`ReadError`];
/// reading goes on after a bad record, except after an I/O error.
pub struct MdeJsonReader<R> {
    values: ValueReader<R>,
    path: Arc<Path>,
    /// Elements of a wrapper still to be returned, with the wrapper's line
    /// and, on the first, the keys the wrapper's text repeated.
    pending: VecDeque<(u64, Value, DuplicateKeys)>,
}

impl<R: BufRead> MdeJsonReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        MdeJsonReader {
            values: ValueReader::new(input),
            path: path.into(),
            pending: VecDeque::new(),
        }
    }

    fn item(
        &self,
        line: u64,
        value: Value,
        repeated: DuplicateKeys,
    ) -> Result<(Origin, MdeEvent), ReadError> {
        match MdeEvent::from_value(value) {
            Ok(event) => Ok((
                Origin::at_line(Arc::clone(&self.path), line, Format::MdeJson),
                event.with_duplicates(repeated),
            )),
            Err(reason) => Err(ReadError::new(
                &self.path,
                line,
                ReadErrorKind::WrongShape {
                    shape: SHAPE,
                    reason,
                },
            )),
        }
    }
}

impl<R: BufRead> Iterator for MdeJsonReader<R> {
    type Item = Result<(Origin, MdeEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((line, value, repeated)) = self.pending.pop_front() {
                return Some(self.item(line, value, repeated));
            }
            let (line, value) = self.values.next()?;
            let (mut object, repeated) = match value {
                Ok((Value::Object(object), repeated)) => (object, repeated),
                Ok((other, repeated)) => return Some(self.item(line, other, repeated)),
                Err(kind) => return Some(Err(ReadError::new(&self.path, line, kind))),
            };
            let wrapped = WRAPPERS.iter().find_map(|w| match object.get(*w) {
                Some(Value::Array(_)) => Some(*w),
                _ => None,
            });
            match wrapped.and_then(|w| object.remove(w)) {
                Some(Value::Array(items)) => {
                    // The rows of a wrapper share its line, so its repeated
                    // keys are reported once, with its first row.
                    let mut repeated = Some(repeated);
                    self.pending.extend(
                        (items.into_iter()).map(|v| (line, v, repeated.take().unwrap_or_default())),
                    );
                }
                _ => return Some(self.item(line, Value::Object(object), repeated)),
            }
        }
    }
}
