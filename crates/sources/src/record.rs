//! What every reader produces, and the entry point that picks the reader.
//!
//! A [`Record`] is an event plus its [`Origin`]. [`AnyEvent`] is the closed
//! set of event types the readers produce, dispatched statically so the
//! matcher's hot path has no virtual call per field lookup beyond the
//! `&dyn Event` it takes. [`open`] sniffs a file's content and returns a
//! [`RecordReader`] over the right reader; new formats add a variant to
//! [`Format`], [`AnyEvent`] and the private reader enum, and nothing else
//! changes for callers.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

use crate::detect::{self, Format, SNIFF_LEN};
use crate::error::{OpenError, ReadError};
use crate::json::{EvtxJsonEvent, EvtxJsonReader};
use crate::origin::Origin;

/// An event from any reader.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyEvent {
    EvtxJson(EvtxJsonEvent),
}

impl AnyEvent {
    /// When the event happened, as RFC 3339 UTC, if the record says.
    pub fn timestamp(&self) -> Option<Cow<'_, str>> {
        match self {
            AnyEvent::EvtxJson(e) => e.timestamp(),
        }
    }

    /// The host the event was recorded on.
    pub fn host(&self) -> Option<&str> {
        match self {
            AnyEvent::EvtxJson(e) => e.computer(),
        }
    }
}

impl Event for AnyEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        match self {
            AnyEvent::EvtxJson(e) => e.field(name),
        }
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        match self {
            AnyEvent::EvtxJson(e) => e.for_each_value(visit),
        }
    }

    fn kind(&self) -> EventKind<'_> {
        match self {
            AnyEvent::EvtxJson(e) => e.kind(),
        }
    }
}

/// One event and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub origin: Origin,
    pub event: AnyEvent,
}

type Input = Box<dyn BufRead + Send>;

/// Streams the records of one file, whatever its format.
pub struct RecordReader {
    format: Format,
    inner: Inner,
}

enum Inner {
    EvtxJson(EvtxJsonReader<Input>),
}

impl RecordReader {
    /// Read `input`, already known to be in `format`, reporting positions
    /// against `path`.
    pub fn new(format: Format, input: Box<dyn BufRead + Send>, path: Arc<Path>) -> Self {
        let inner = match format {
            Format::EvtxJson => Inner::EvtxJson(EvtxJsonReader::new(input, path)),
        };
        RecordReader { format, inner }
    }

    pub fn format(&self) -> Format {
        self.format
    }
}

impl Iterator for RecordReader {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::EvtxJson(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::EvtxJson(e),
            })),
        }
    }
}

/// Open a file, detect its format from its content, and stream its records.
///
/// A file in no supported format is an [`OpenError::Skipped`] with the
/// reason; the caller reports it and goes on.
pub fn open(path: &Path) -> Result<RecordReader, OpenError> {
    let path: Arc<Path> = Arc::from(path);
    let io_error = |source| OpenError::Io {
        path: Arc::clone(&path),
        source,
    };
    let mut file = File::open(&path).map_err(io_error)?;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    let format = detect::detect(&head).map_err(|reason| OpenError::Skipped {
        path: Arc::clone(&path),
        reason,
    })?;
    let input: Input = Box::new(BufReader::with_capacity(
        256 * 1024,
        Cursor::new(head).chain(file),
    ));
    Ok(RecordReader::new(format, input, path))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::detect::SkipReason;
    use crate::error::ReadErrorKind;

    fn temp_file(name: &str, content: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tunnelhunt-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(content)
            .unwrap();
        path
    }

    #[test]
    fn open_detects_and_streams_with_provenance() {
        let line = r##"{"Event":{"System":{"EventID":1,"Computer":"WKS1","TimeCreated":{"#attributes":{"SystemTime":"2024-01-02 03:04:05.000 UTC"}}},"EventData":{"Image":"C:\\x\\ssh.exe"}}}"##;
        // A record far beyond the sniffed head must still be read whole.
        let filler = format!("{line}\n").repeat(SNIFF_LEN / line.len() + 2);
        let content = format!("{filler}not json\n{line}\n");
        let path = temp_file("mixed.jsonl", content.as_bytes());
        let reader = open(&path).unwrap();
        assert_eq!(reader.format(), Format::EvtxJson);
        let items: Vec<_> = reader.collect();
        let n = items.len();
        let bad: Vec<_> = items.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line as usize, n - 1);
        assert!(matches!(bad[0].kind, ReadErrorKind::NotJson { .. }));
        let last = items.last().unwrap().as_ref().unwrap();
        assert_eq!(last.origin.line as usize, n);
        assert_eq!(last.origin.path.as_ref(), path.as_path());
        assert_eq!(last.event.host(), Some("WKS1"));
        assert_eq!(
            last.event.timestamp().as_deref(),
            Some("2024-01-02T03:04:05.000Z")
        );
        assert_eq!(last.event.kind().event_id, Some(1));
    }

    #[test]
    fn open_skips_what_it_cannot_read() {
        let empty = temp_file("empty.json", b"");
        assert!(matches!(
            open(&empty),
            Err(OpenError::Skipped {
                reason: SkipReason::Empty,
                ..
            })
        ));
        let evtx = temp_file("x.evtx", b"ElfFile\0rest");
        let err = open(&evtx).err().unwrap();
        assert!(
            err.to_string()
                .contains("EVTX is recognised but not supported yet"),
            "{err}"
        );
        let missing = std::env::temp_dir().join("tunnelhunt-definitely-missing.json");
        assert!(matches!(open(&missing), Err(OpenError::Io { .. })));
    }
}
