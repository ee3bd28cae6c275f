//! Windows-style XML events: `<Event>…<System>…</System><EventData>…`.
//!
//! Two producers matter: Sysmon for Linux, which writes one `<Event>` per
//! syslog line after the syslog prefix (`Nov 27 10:00:00 host sysmon:
//! <Event>…</Event>`), and `wevtutil qe LOG /f:xml` (or `Get-WinEvent …
//! ToXml()`), which writes a stream of `<Event xmlns=…>` elements, often
//! without line breaks, sometimes inside an `<Events>` root. [`frame`]
//! cuts the stream into elements, whatever the layout; [`convert`] parses
//! each with quick-xml into the evtx JSON shape, and the event is an
//! [`EvtxJsonEvent`], so XML and JSON events share their field mappings,
//! lookups and logsource (Sysmon for Linux: product `linux`, EventID 1 →
//! `process_creation`, 3 → `network_connection`…).
//!
//! A malformed element is a [`ReadError`] naming the line (and column)
//! where the problem is; the elements after it are still read.

mod convert;
mod frame;

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use memchr::memmem;
use serde_json::Value;
use thiserror::Error;

pub use frame::DEFAULT_MAX_ELEMENT_BYTES;

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::json::EvtxJsonEvent;
use crate::json::evtx_shape::SHAPE;
use crate::origin::{self, Origin};
use convert::ConvertError;
use frame::{Frame, Framer};

/// What is wrong with one `<Event>` element.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XmlError {
    /// Not well-formed XML (bad syntax, mismatched tags, unknown entity).
    #[error("malformed XML at line {line}, column {column}: {reason}")]
    Syntax {
        line: u64,
        column: u64,
        reason: String,
    },
    /// Elements nested deeper than the limit (that of serde_json for JSON
    /// input); the position is the first start tag past it.
    #[error("elements nested deeper than {limit} levels at line {line}, column {column}")]
    TooDeep {
        line: u64,
        column: u64,
        limit: usize,
    },
    /// A start tag `<Event` without its `</Event>`.
    #[error("`<Event>` element not closed before {}", if *.at_end { "the end of the input" } else { "the next `<Event>`" })]
    Unclosed { at_end: bool },
    /// Well-formed, but not an event in the evtx shape.
    #[error("not an event in the {SHAPE}: {reason}")]
    WrongShape { reason: &'static str },
}

/// Whether a line of the sniffed head looks like XML events: an XML
/// declaration, an `<Events>` root, or an `<Event` start tag anywhere in
/// the line (after a syslog prefix).
pub fn sniff_line(line: &[u8]) -> bool {
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    let start = line.trim_ascii_start();
    // JSON that quotes an event's XML (an ECS `event.original`) is JSON.
    if matches!(start.first(), Some(b'{' | b'[')) {
        return false;
    }
    if start.starts_with(b"<?xml") || start.starts_with(b"<Events>") {
        return true;
    }
    // An event quoted before it starts (a CSV field or a JSON string:
    // Splunk's `_raw`, Log Analytics' `EventData`) is a value of another
    // record, whose reader reads it.
    let quoted_from = memchr::memchr(b'"', line).unwrap_or(line.len());
    memmem::find_iter(&line[..quoted_from], b"<Event").any(|at| {
        line.get(at + 6)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'>'))
    })
}

/// Streams the events of one XML input.
pub struct XmlReader<R> {
    framer: Framer<R>,
    path: Arc<Path>,
}

impl<R: BufRead> XmlReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        Self::with_max_element_bytes(input, path, DEFAULT_MAX_ELEMENT_BYTES)
    }

    /// Like [`XmlReader::new`], with a limit on one element's size.
    pub fn with_max_element_bytes(input: R, path: impl Into<Arc<Path>>, limit: usize) -> Self {
        XmlReader {
            framer: Framer::new(input, limit),
            path: path.into(),
        }
    }
}

impl<R: BufRead> Iterator for XmlReader<R> {
    type Item = Result<(Origin, EvtxJsonEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.framer.next_frame()? {
            Frame::Element {
                line,
                column,
                bytes,
            } => match parse(&bytes, line, column) {
                Ok(event) => Ok((
                    Origin::at_line(Arc::clone(&self.path), line, Format::XmlEvents),
                    event,
                )),
                Err(kind) => Err(ReadError::new(&self.path, line, kind)),
            },
            Frame::Unclosed { line, at_end } => Err(ReadError::new(
                &self.path,
                line,
                XmlError::Unclosed { at_end }.into(),
            )),
            Frame::TooLarge { line, limit } => Err(ReadError::new(
                &self.path,
                line,
                ReadErrorKind::TooLarge { limit },
            )),
            Frame::Io { line, error } => {
                Err(ReadError::new(&self.path, line, ReadErrorKind::Io(error)))
            }
        })
    }
}

/// Parse one `<Event>` element that starts at `line`, `column` of its
/// file: the syslog and journal readers hand Sysmon for Linux messages
/// here, so that they become the same events as through this reader.
pub(crate) fn parse_element(
    bytes: &[u8],
    line: u64,
    column: u64,
) -> Result<EvtxJsonEvent, ReadErrorKind> {
    parse(bytes, line, column)
}

/// Parse one element that starts at `line`, `column` of the file.
fn parse(bytes: &[u8], line: u64, column: u64) -> Result<EvtxJsonEvent, ReadErrorKind> {
    let value = element_value(bytes, line, column)?;
    EvtxJsonEvent::from_value(value).map_err(|reason| XmlError::WrongShape { reason }.into())
}

/// One `<Event>` element of XML text held in another record (a SIEM
/// export's `_raw` or `EventData` column), as an event; positions in
/// errors count from the start of that text.
pub(crate) fn parse_embedded(text: &str) -> Result<EvtxJsonEvent, ReadErrorKind> {
    parse(text.as_bytes(), 1, 1)
}

/// One element, which starts at `line`, `column` of the file, rendered in
/// the evtx JSON shape (`{"Event": {…}}`, whatever the element is called).
pub(crate) fn element_value(bytes: &[u8], line: u64, column: u64) -> Result<Value, ReadErrorKind> {
    convert::element_to_value(bytes).map_err(|e| match e {
        ConvertError::InvalidUtf8 { offset } => {
            let (line, column) = origin::position_in(bytes, offset, line, column);
            ReadErrorKind::InvalidUtf8 { line, column }
        }
        ConvertError::Syntax { offset, reason } => {
            let (line, column) = origin::position_in(bytes, offset, line, column);
            XmlError::Syntax {
                line,
                column,
                reason,
            }
            .into()
        }
        ConvertError::TooDeep { offset } => {
            let (line, column) = origin::position_in(bytes, offset, line, column);
            XmlError::TooDeep {
                line,
                column,
                limit: convert::MAX_DEPTH,
            }
            .into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_layouts() {
        for head in [
            &b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"[..],
            b"  <Events>\n",
            b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>",
            b"Nov 27 10:00:00 host sysmon: <Event><System>",
        ] {
            assert!(sniff_line(head), "{head:?}");
        }
        for head in [
            &b"{\"Event\":{}}"[..],
            b"\"<Event xmlns='x'><System>\",2024-01-01",
            b"    \"_raw\": \"<Event xmlns='x'><System>",
            b"<EventData>",
            b"Nov 27 host sshd[1]: <Eventually>",
        ] {
            assert!(!sniff_line(head), "{head:?}");
        }
    }
}
