//! Windows events exported from a SIEM: what a responder pulls out of
//! Splunk or Microsoft Sentinel to hunt offline.
//!
//! | export | layout | format |
//! |---|---|---|
//! | Splunk raw `XmlWinEventLog` events (one `<Event xmlns=…>` per record, Splunk's `<RenderingInfo>` included) | XML text | `xml-events`, read by [`crate::xml`] |
//! | Splunk search results as JSON: `{"preview":…,"result":{"_raw":…,"_time":…,…}}` lines (the UI's export and the `/export` endpoint), an array of result objects, or `{"results":[…]}` (`output_mode=json`) | JSON | `splunk-json` |
//! | Splunk search results as CSV, with a `_raw` column | CSV | `splunk-csv` |
//! | Log Analytics (Microsoft Sentinel) rows of `SecurityEvent` and `Event`: `TimeGenerated`, `Computer`, `EventID`, `Channel`/`EventLog`, `EventData` as XML text, and `SecurityEvent`'s flattened columns (`NewProcessName`, `CommandLine`…) | JSON lines, an array, or `{"value":[…]}`, or the portal's CSV | `sentinel-json`, `sentinel-csv` |
//! | Elasticsearch `_source` dumps and `_search` hits (`{"_index":…,"_source":{…}}`) | JSON | `ecs-json`, read by [`crate::ecs`] |
//!
//! Every record becomes an [`EvtxJsonEvent`], the event EVTX, evtx JSON
//! and XML records become, so an exported event has the fields, the
//! Windows mappings (Security 4688 `Image`, spaced Defender names…) and
//! the logsource its EVTX original has: Splunk's `_raw` is the event's XML
//! itself ([`splunk`]); a Log Analytics row is put back together from its
//! columns and its `EventData` XML ([`sentinel`]).
//!
//! Splunk's classic `WinEventLog` text (`LogName=… EventCode=…` and a
//! rendered message) is not read: its message names fields by localized
//! labels (`Process Command Line:`), not by EventData names, and the
//! labels differ per event type and language. Such a record is an
//! unparseable record saying so, as is any row that is not an event.

pub mod sentinel;
pub mod splunk;

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};
use thiserror::Error;

use crate::csv_rows::CsvRows;
use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::json::EvtxJsonEvent;
use crate::json::values::ValueReader;
use crate::origin::Origin;

/// Why an exported record is not an event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SiemExportError {
    /// A record of a JSON export that is not an object.
    #[error("not a JSON object (an exported result or row)")]
    NotAnObject,
    /// A Splunk result without the event's raw text.
    #[error("a Splunk result without `_raw` (export the events with their `_raw` field)")]
    NoRaw,
    /// `_raw` that is not one string (a list: the key was repeated).
    #[error("`_raw` is not one string")]
    RawNotText,
    /// Splunk's classic, non-XML rendering of a Windows event.
    #[error(
        "`_raw` holds classic WinEventLog text (`LogName=… EventCode=…`), whose message \
         names fields by localized labels, not EventData names; search \
         `sourcetype=XmlWinEventLog` (`renderXml=true` on the input) and export again"
    )]
    ClassicWinEventLog,
    /// `_raw` in no Windows event rendering.
    #[error("`_raw` is not a Windows event in XML (it starts with `{start}`)")]
    RawNotAnEvent { start: String },
    /// The XML text in a field could not be read.
    #[error("in `{field}`: {reason}")]
    EmbeddedXml { field: &'static str, reason: String },
    /// What the record holds is not a Windows event.
    #[error("not a Windows event: {reason}")]
    NotAnEvent { reason: &'static str },
    /// A Log Analytics row without the column every event has.
    #[error("a Log Analytics row without `EventID`")]
    NoEventId,
    /// A Log Analytics row of a table that holds no Windows events.
    #[error("a Log Analytics row of table `{table}`, not `SecurityEvent` or `Event`")]
    OtherTable { table: String },
}

/// Whether a JSON object (the first of an input) is an exported Splunk
/// result or Log Analytics row, and which.
pub fn sniff_object(object: &Map<String, Value>) -> Option<Format> {
    let wrapped = WRAPPERS.iter().find_map(|w| match object.get(*w) {
        Some(Value::Array(items)) => items.first()?.as_object(),
        _ => None,
    });
    if let Some(first) = wrapped {
        return sniff_object(first);
    }
    if splunk::is_result(object) {
        Some(Format::SplunkJson)
    } else if sentinel::is_row(|column| object.contains_key(column)) {
        Some(Format::SentinelJson)
    } else {
        None
    }
}

/// Whether `head` (the start of a file) begins with the CSV header of a
/// Splunk or Log Analytics export, and which.
pub fn sniff_csv_header(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let line = head
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|line| !line.is_empty())?;
    let line = std::str::from_utf8(line).ok()?;
    if line.starts_with(['{', '[', '<']) {
        return None;
    }
    let names: Vec<&str> = line
        .split(',')
        .map(|n| sentinel::column_name(n.trim().trim_matches('"')))
        .collect();
    if names.contains(&splunk::RAW) {
        Some(Format::SplunkCsv)
    } else if sentinel::is_row(|column| names.contains(&column)) {
        Some(Format::SentinelCsv)
    } else {
        None
    }
}

/// Keys of the objects that wrap a list of exported records: Splunk's
/// `output_mode=json` (`results`), Log Analytics' REST and Graph-style
/// responses (`value`).
const WRAPPERS: [&str; 2] = ["results", "value"];

/// The exports this module reads: which SIEM wrote it, in which layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    SplunkJson,
    SplunkCsv,
    SentinelJson,
    SentinelCsv,
}

impl Export {
    /// The format its records are reported as.
    pub fn format(self) -> Format {
        match self {
            Export::SplunkJson => Format::SplunkJson,
            Export::SplunkCsv => Format::SplunkCsv,
            Export::SentinelJson => Format::SentinelJson,
            Export::SentinelCsv => Format::SentinelCsv,
        }
    }

    fn is_csv(self) -> bool {
        matches!(self, Export::SplunkCsv | Export::SentinelCsv)
    }

    fn is_splunk(self) -> bool {
        matches!(self, Export::SplunkJson | Export::SplunkCsv)
    }
}

/// Streams the events of a Splunk or Log Analytics export.
///
/// One item per exported record: the event with its [`Origin`] (the line
/// where its JSON object, or the wrapper holding it, or its CSV row
/// starts), or a [`ReadError`]; reading goes on after a bad record, except
/// after an I/O error.
pub struct SiemExportReader<R> {
    rows: Rows<R>,
    path: Arc<Path>,
    export: Export,
}

enum Rows<R> {
    Json {
        values: ValueReader<R>,
        /// Records of a wrapper still to be returned, with its line.
        pending: VecDeque<(u64, Value)>,
    },
    Csv(CsvRows<R>),
}

impl<R: BufRead> SiemExportReader<R> {
    /// Read `input`, known to be `export`, reporting positions against
    /// `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>, export: Export) -> Self {
        let path = path.into();
        let rows = if export.is_csv() {
            Rows::Csv(CsvRows::new(input, Arc::clone(&path)))
        } else {
            Rows::Json {
                values: ValueReader::new(input),
                pending: VecDeque::new(),
            }
        };
        SiemExportReader { rows, path, export }
    }

    fn item(&self, line: u64, record: Value) -> Result<(Origin, EvtxJsonEvent), ReadError> {
        let Value::Object(record) = record else {
            return Err(self.error(line, SiemExportError::NotAnObject.into()));
        };
        let event = if self.export.is_splunk() {
            splunk::event(&record)
        } else {
            sentinel::event(&record)
        };
        match event {
            Ok(event) => Ok((
                Origin::at_line(Arc::clone(&self.path), line, self.export.format()),
                event,
            )),
            Err(e) => Err(self.error(line, e.into())),
        }
    }

    fn error(&self, line: u64, kind: ReadErrorKind) -> ReadError {
        ReadError::new(&self.path, line, kind)
    }
}

impl<R: BufRead> Iterator for SiemExportReader<R> {
    type Item = Result<(Origin, EvtxJsonEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (values, pending) = match &mut self.rows {
            Rows::Csv(rows) => {
                let row = rows.next()?;
                return Some(
                    row.and_then(|(line, columns)| self.item(line, Value::Object(columns))),
                );
            }
            Rows::Json { values, pending } => (values, pending),
        };
        loop {
            if let Some((line, record)) = pending.pop_front() {
                return Some(self.item(line, record));
            }
            let (line, value) = values.next()?;
            // A repeated key keeps every value as a list; the one that
            // matters here, `_raw`, is refused as not one string.
            let value = match value {
                Ok((value, _repeated)) => value,
                Err(kind) => return Some(Err(ReadError::new(&self.path, line, kind))),
            };
            match unwrap_records(value) {
                Ok(records) => pending.extend(records.into_iter().map(|r| (line, r))),
                Err(record) => return Some(self.item(line, record)),
            }
        }
    }
}

/// The records a wrapper object holds (`Ok`), or the value itself (`Err`)
/// when it is one record.
fn unwrap_records(value: Value) -> Result<Vec<Value>, Value> {
    match value {
        Value::Object(mut object) => {
            let wrapper = WRAPPERS
                .iter()
                .find(|w| matches!(object.get(**w), Some(Value::Array(_))));
            match wrapper.and_then(|w| object.remove(*w)) {
                Some(Value::Array(items)) => Ok(items),
                _ => Err(Value::Object(object)),
            }
        }
        other => Err(other),
    }
}

/// The text of a column: strings as they are, numbers and booleans as
/// their JSON text; `None` for what is empty, null or not a scalar.
fn column_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An event built from the evtx JSON shape that the export's record was
/// put back into.
fn evtx_event(value: Value) -> Result<EvtxJsonEvent, SiemExportError> {
    EvtxJsonEvent::from_value(value).map_err(|reason| SiemExportError::NotAnEvent { reason })
}
