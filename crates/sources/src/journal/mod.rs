//! systemd journal dumps: `journalctl -o json` and `journalctl -o export`.
//!
//! The binary journal files are not read (their format changes with
//! systemd versions and `journalctl --file` converts them); the two dumps
//! `journalctl` writes for machines are. Both give each entry as its
//! fields; an entry becomes the same [`LinuxLogEvent`] a syslog line does,
//! its program, pid, host, time and message taken from the journal's
//! fields (see [`crate::syslog::LINUX_LOG_FIELDS`]), and every journal
//! field stays reachable by its own name (`_SYSTEMD_UNIT`, `_EXE`,
//! `_CMDLINE`…). An entry whose message is a Sysmon for Linux `<Event>`
//! becomes the evtx-shaped event the XML reader makes of it.
//!
//! - **JSON** ([`JournalJsonReader`]): one object per line. A value is a
//!   string, an array of bytes (a value that is not UTF-8 or has control
//!   characters, `MESSAGE` included), an array of such values (a field
//!   given more than once), or `null` (a value over `journalctl`'s size
//!   limit without `--all`), which is left out.
//! - **Export** ([`export::JournalExportReader`]): `KEY=value` lines, a
//!   binary field as `KEY`, a newline, its length as a 64-bit little-endian
//!   number, the bytes and a newline, and a blank line after each entry.
//!
//! An entry that cannot be read is a [`ReadError`] at the line where it
//! starts (lines are counted as `grep -n` counts them, binary fields
//! included), and reading goes on with the next.

pub mod export;

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use thiserror::Error;

pub use export::JournalExportReader;

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::json::DEFAULT_MAX_RECORD_BYTES;
use crate::origin::Origin;
use crate::stream::{Bom, Lines, placed};
use crate::syslog::{LinuxLogEvent, LinuxRecord, LinuxService, is_xml_event, snippet};

/// What is wrong with one journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JournalError {
    /// A JSON entry whose field has a value of no journal type.
    #[error("journal field `{key}` is neither a string, bytes, a list of them nor null")]
    BadValue { key: String },
    /// An export line that is neither `KEY=value`, a binary field's key,
    /// nor blank.
    #[error("not a journal export field: `{snippet}`")]
    BadExportField { snippet: String },
    /// A binary export field longer than the limit.
    #[error("journal export field `{key}` is {length} bytes, over the limit of {limit}")]
    BinaryTooLarge {
        key: String,
        length: u64,
        limit: usize,
    },
    /// The input ends inside a binary export field.
    #[error("journal export field `{key}` is cut short by the end of the input")]
    TruncatedBinary { key: String },
    /// A binary export field not followed by its newline.
    #[error("journal export field `{key}` is not followed by a newline")]
    NoNewlineAfterBinary { key: String },
}

/// Whether the line at the start of `text` is a `journalctl -o json`
/// entry: a JSON object with the journal's own time or cursor field.
pub fn sniff_json_line(text: &[u8]) -> bool {
    let line = &text[..memchr::memchr(b'\n', text).unwrap_or(text.len())];
    line.trim_ascii_start().starts_with(b"{")
        && [&b"\"__REALTIME_TIMESTAMP\":"[..], b"\"__CURSOR\":"]
            .iter()
            .any(|key| memchr::memmem::find(line, key).is_some())
}

/// Whether the line at the start of `text` starts a `journalctl -o
/// export` entry (which always opens with its cursor or time).
pub fn sniff_export_line(text: &[u8]) -> bool {
    text.starts_with(b"__CURSOR=") || text.starts_with(b"__REALTIME_TIMESTAMP=")
}

/// Streams the entries of `journalctl -o json` output.
pub struct JournalJsonReader<R> {
    lines: Lines<R>,
    path: Arc<Path>,
}

impl<R: BufRead> JournalJsonReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        JournalJsonReader {
            lines: Lines::new(input, DEFAULT_MAX_RECORD_BYTES),
            path: path.into(),
        }
    }
}

impl<R: BufRead> Iterator for JournalJsonReader<R> {
    type Item = Result<(Origin, LinuxRecord), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = &self.path;
        let content = self.lines.next_content(path, Bom::Keep)?;
        Some(content.and_then(|(line, bytes)| {
            let read = json_entry(bytes, line).and_then(|fields| entry(fields, line));
            placed(path, line, read.map(|record| (record, Format::JournalJson)))
        }))
    }
}

/// The fields of one JSON entry, each value as bytes, in order.
fn json_entry(bytes: &[u8], line: u64) -> Result<Vec<(String, Vec<u8>)>, ReadErrorKind> {
    let object: serde_json::Map<String, Value> =
        serde_json::from_slice(bytes).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ReadErrorKind::NotJson {
                snippet: snippet(&String::from_utf8_lossy(bytes)),
            },
            _ => ReadErrorKind::Json {
                line: line + e.line() as u64 - 1,
                column: e.column() as u64,
                reason: e.to_string(),
            },
        })?;
    let mut fields = Vec::with_capacity(object.len());
    for (key, value) in object {
        match value {
            Value::Null => {}
            Value::Array(items) if items.iter().all(|i| i.is_u64()) => {
                let value = byte_array(&items).ok_or_else(|| bad(&key))?;
                fields.push((key, value));
            }
            Value::Array(items) => {
                for item in items {
                    let value = match item {
                        Value::String(s) => s.into_bytes(),
                        Value::Array(bytes) => byte_array(&bytes).ok_or_else(|| bad(&key))?,
                        _ => return Err(bad(&key)),
                    };
                    fields.push((key.clone(), value));
                }
            }
            Value::String(s) => fields.push((key, s.into_bytes())),
            _ => return Err(bad(&key)),
        }
    }
    Ok(fields)
}

fn bad(key: &str) -> ReadErrorKind {
    ReadErrorKind::Journal(JournalError::BadValue {
        key: key.to_owned(),
    })
}

/// `[104, 105]` → `hi`; `None` if an element is not a byte.
fn byte_array(items: &[Value]) -> Option<Vec<u8>> {
    items
        .iter()
        .map(|i| i.as_u64().and_then(|b| u8::try_from(b).ok()))
        .collect()
}

/// The record of one entry's fields (JSON or export) that starts at
/// `line`.
pub(crate) fn entry(
    fields: Vec<(String, Vec<u8>)>,
    line: u64,
) -> Result<LinuxRecord, ReadErrorKind> {
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let message = get("MESSAGE").unwrap_or_default();
    if is_xml_event(&message) {
        return crate::xml::parse_element(message.as_bytes(), line, 1).map(LinuxRecord::Sysmon);
    }
    let small = |key: &str| get(key).and_then(|v| v.trim().parse::<u8>().ok());
    let timestamp = get("__REALTIME_TIMESTAMP")
        .or_else(|| get("_SOURCE_REALTIME_TIMESTAMP"))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(crate::time::rfc3339_from_micros);
    let event = LinuxLogEvent {
        timestamp,
        host: get("_HOSTNAME"),
        program: get("SYSLOG_IDENTIFIER").or_else(|| get("_COMM")),
        pid: get("_PID").or_else(|| get("SYSLOG_PID")),
        message,
        facility: small("SYSLOG_FACILITY"),
        severity: small("PRIORITY").filter(|p| *p < 8),
        service: LinuxService::Syslog,
        parsed: Vec::new(),
        native: fields
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
            .collect(),
    };
    Ok(LinuxRecord::Log(event.classified()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_both_dumps() {
        assert!(sniff_json_line(
            b"{\"__CURSOR\":\"s=1\",\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"x\"}\n"
        ));
        assert!(!sniff_json_line(b"{\"Event\":{}}\n{\"__CURSOR\":\"s\"}"));
        assert!(sniff_export_line(b"__CURSOR=s=abc\n"));
        assert!(!sniff_export_line(b"MESSAGE=x\n"));
    }

    #[test]
    fn json_values_of_every_journal_type() {
        let line = br#"{"MESSAGE":[104,105],"X":["a",[98]],"BIG":null,"_PID":"7","__REALTIME_TIMESTAMP":"1700000000000001"}"#;
        let fields = json_entry(line, 3).unwrap();
        assert_eq!(
            fields,
            vec![
                ("MESSAGE".to_owned(), b"hi".to_vec()),
                ("X".to_owned(), b"a".to_vec()),
                ("X".to_owned(), b"b".to_vec()),
                ("_PID".to_owned(), b"7".to_vec()),
                (
                    "__REALTIME_TIMESTAMP".to_owned(),
                    b"1700000000000001".to_vec()
                ),
            ]
        );
        let LinuxRecord::Log(event) = entry(fields, 3).unwrap() else {
            panic!("not a log event");
        };
        assert_eq!(event.message(), "hi");
        assert_eq!(event.timestamp(), Some("2023-11-14T22:13:20.000001Z"));
        assert!(matches!(
            json_entry(br#"{"A":1}"#, 1),
            Err(ReadErrorKind::Journal(JournalError::BadValue { .. }))
        ));
        assert!(matches!(
            json_entry(br#"["A"]"#, 1),
            Err(ReadErrorKind::NotJson { .. })
        ));
        assert!(matches!(
            json_entry(br#"{"A":"#, 1),
            Err(ReadErrorKind::Json { .. })
        ));
    }
}
