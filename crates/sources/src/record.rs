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

use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup, Prefilter};

use crate::auditd::{AuditdEvent, AuditdReader};
use crate::detect::{self, SNIFF_LEN};
use crate::dns_name::{self, DerivedField};
use crate::ecs::{EcsEvent, EcsReader};
use crate::error::{OpenError, ReadError};
use crate::evtx::EvtxReader;
use crate::format::Format;
use crate::journal::{JournalExportReader, JournalJsonReader};
use crate::json::duplicates::{DuplicateKeys, NO_DUPLICATE_KEYS};
use crate::json::{EvtxJsonEvent, EvtxJsonReader, EvtxProjection};
use crate::mde::{MdeCsvReader, MdeEvent, MdeJsonReader};
use crate::origin::Origin;
use crate::pcap::PcapReader;
use crate::preamble::{self, Beyond};
use crate::siem_export::{Export, SiemExportReader};
use crate::syslog::{LinuxLogEvent, LinuxRecord, SyslogReader};
use crate::web::{WebEvent, WebReader};
use crate::xml::XmlReader;
use crate::zeek::{ZeekEvent, ZeekReader};

/// An event from any reader.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AnyEvent {
    EvtxJson(EvtxJsonEvent),
    Zeek(ZeekEvent),
    Auditd(AuditdEvent),
    Ecs(EcsEvent),
    Mde(MdeEvent),
    Web(WebEvent),
    /// A syslog line or a journal entry.
    LinuxLog(LinuxLogEvent),
}

impl AnyEvent {
    /// When the event happened, as RFC 3339 UTC, if the record says.
    pub fn timestamp(&self) -> Option<Cow<'_, str>> {
        match self {
            AnyEvent::EvtxJson(e) => e.timestamp(),
            AnyEvent::Zeek(e) => e.timestamp(),
            AnyEvent::Auditd(e) => Some(Cow::Borrowed(e.timestamp())),
            AnyEvent::Ecs(e) => e.timestamp(),
            AnyEvent::Mde(e) => e.timestamp(),
            AnyEvent::Web(e) => e.timestamp().map(Cow::Borrowed),
            AnyEvent::LinuxLog(e) => e.timestamp().map(Cow::Borrowed),
        }
    }

    /// The record as its reader parsed it, as JSON (`scan --with-event`):
    /// the evtx JSON shape for Windows events, the document for ECS, the
    /// columns for Defender, the fields for Zeek, the records for auditd.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            AnyEvent::EvtxJson(e) => e.to_json(),
            AnyEvent::Zeek(e) => e.to_json(),
            AnyEvent::Auditd(e) => e.to_json(),
            AnyEvent::Ecs(e) => e.to_json(),
            AnyEvent::Mde(e) => e.to_json(),
            AnyEvent::Web(e) => e.to_json(),
            AnyEvent::LinuxLog(e) => e.to_json(),
        }
    }

    /// The keys the record gave more than once, whose values are all kept
    /// (see [`crate::json::duplicates`]); auditd records have none.
    pub fn duplicate_keys(&self) -> &DuplicateKeys {
        match self {
            AnyEvent::EvtxJson(e) => e.duplicate_keys(),
            AnyEvent::Ecs(e) => e.duplicate_keys(),
            AnyEvent::Mde(e) => e.duplicate_keys(),
            AnyEvent::Zeek(e) => e.duplicate_keys(),
            AnyEvent::Web(e) => e.duplicate_keys(),
            AnyEvent::Auditd(_) => &NO_DUPLICATE_KEYS,
            // A journal field given twice is a list by the journal's
            // definition, not a repeated key; syslog lines have no keys.
            AnyEvent::LinuxLog(_) => &NO_DUPLICATE_KEYS,
        }
    }

    /// The host the event was recorded on.
    pub fn host(&self) -> Option<&str> {
        match self {
            AnyEvent::EvtxJson(e) => e.computer(),
            // A network sensor's entry names two endpoints, not a host.
            AnyEvent::Zeek(_) => None,
            AnyEvent::Auditd(e) => e.node(),
            AnyEvent::Ecs(e) => e.host(),
            AnyEvent::Mde(e) => e.device_name(),
            AnyEvent::Web(e) => e.host(),
            AnyEvent::LinuxLog(e) => e.host(),
        }
    }
}

impl AnyEvent {
    /// A field as the record itself names or maps it.
    fn own_field(&self, name: &str) -> Lookup<'_> {
        match self {
            AnyEvent::EvtxJson(e) => e.field(name),
            AnyEvent::Zeek(e) => e.field(name),
            AnyEvent::Auditd(e) => e.field(name),
            AnyEvent::Ecs(e) => e.field(name),
            AnyEvent::Mde(e) => e.field(name),
            AnyEvent::Web(e) => e.field(name),
            AnyEvent::LinuxLog(e) => e.field(name),
        }
    }
}

impl Event for AnyEvent {
    /// The record's own fields first; a name it cannot answer may be one
    /// derived from its DNS query name ([`crate::dns_name`]), computed here
    /// once for every reader that maps `QueryName`.
    fn field(&self, name: &str) -> Lookup<'_> {
        let own = self.own_field(name);
        if !own.is_absent() {
            return own;
        }
        match DerivedField::from_name(name) {
            Some(derived) => dns_name::derive(derived, &self.own_field(dns_name::QUERY_NAME)),
            None => own,
        }
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        match self {
            AnyEvent::EvtxJson(e) => e.for_each_value(visit),
            AnyEvent::Zeek(e) => e.for_each_value(visit),
            AnyEvent::Auditd(e) => e.for_each_value(visit),
            AnyEvent::Ecs(e) => e.for_each_value(visit),
            AnyEvent::Mde(e) => e.for_each_value(visit),
            AnyEvent::Web(e) => e.for_each_value(visit),
            AnyEvent::LinuxLog(e) => e.for_each_value(visit),
        }
    }

    fn kind(&self) -> EventKind<'_> {
        match self {
            AnyEvent::EvtxJson(e) => e.kind(),
            AnyEvent::Zeek(e) => e.kind(),
            AnyEvent::Auditd(e) => e.kind(),
            AnyEvent::Ecs(e) => e.kind(),
            AnyEvent::Mde(e) => e.kind(),
            AnyEvent::Web(e) => e.kind(),
            AnyEvent::LinuxLog(e) => e.kind(),
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

impl Record {
    /// The keys the record gave more than once (see
    /// [`AnyEvent::duplicate_keys`]).
    pub fn duplicate_keys(&self) -> &DuplicateKeys {
        self.event.duplicate_keys()
    }
}

/// Streams the records of one file, whatever its format.
pub struct RecordReader {
    format: Format,
    inner: Inner,
}

enum Inner {
    EvtxJson(EvtxJsonReader<Input>),
    Evtx(EvtxReader),
    Zeek(ZeekReader<Input>),
    Auditd(AuditdReader<Input>),
    Xml(XmlReader<Input>),
    Ecs(EcsReader<Input>),
    MdeJson(MdeJsonReader<Input>),
    MdeCsv(MdeCsvReader<Input>),
    Pcap(PcapReader),
    SiemExport(SiemExportReader<Input>),
    Web(WebReader<Input>),
    Syslog(SyslogReader<Input>),
    JournalJson(JournalJsonReader<Input>),
    JournalExport(JournalExportReader<Input>),
}

impl RecordReader {
    /// Read `input`, already known to be in `format`, reporting positions
    /// against `path`.
    pub fn new(format: Format, input: Box<dyn BufRead + Send>, path: Arc<Path>) -> Self {
        let inner = match format {
            Format::EvtxJson => Inner::EvtxJson(EvtxJsonReader::new(input, path)),
            // A stream cannot seek: chunks in file order (see `evtx::chunks`).
            Format::Evtx => Inner::Evtx(EvtxReader::from_stream(input, path)),
            Format::ZeekTsv | Format::ZeekJson => Inner::Zeek(ZeekReader::new(input, path)),
            Format::Auditd => Inner::Auditd(AuditdReader::new(input, path)),
            Format::XmlEvents => Inner::Xml(XmlReader::new(input, path)),
            Format::Ecs => Inner::Ecs(EcsReader::new(input, path)),
            Format::MdeJson => Inner::MdeJson(MdeJsonReader::new(input, path)),
            Format::MdeCsv => Inner::MdeCsv(MdeCsvReader::new(input, path)),
            Format::Pcap | Format::Pcapng => Inner::Pcap(PcapReader::new(input, path, format)),
            Format::SplunkJson => siem(input, path, Export::SplunkJson),
            Format::SplunkCsv => siem(input, path, Export::SplunkCsv),
            Format::SentinelJson => siem(input, path, Export::SentinelJson),
            Format::SentinelCsv => siem(input, path, Export::SentinelCsv),
            Format::IisW3c | Format::AccessLog | Format::AccessJson => {
                Inner::Web(WebReader::new(input, path))
            }
            Format::Syslog => Inner::Syslog(SyslogReader::new(input, path)),
            Format::JournalJson => Inner::JournalJson(JournalJsonReader::new(input, path)),
            Format::JournalExport => Inner::JournalExport(JournalExportReader::new(input, path)),
        };
        RecordReader { format, inner }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Skip, unparsed, the records whose raw bytes `prefilter` says no
    /// rule can match, where this reader's format allows it
    /// ([`crate::prefilter::supports`]); other readers ignore it. Build
    /// the prefilter with [`crate::prefilter::evtx_shape_prefilter`].
    pub fn set_prefilter(&mut self, prefilter: Arc<Prefilter>) {
        match &mut self.inner {
            Inner::EvtxJson(r) => r.set_prefilter(prefilter),
            Inner::Evtx(r) => r.set_prefilter(prefilter),
            _ => {}
        }
    }

    /// Keep in each event only the fields `projection` asks for, where
    /// this reader parses the evtx JSON shape from raw bytes (evtx-JSON
    /// and EVTX); other readers ignore it and keep everything. Build it
    /// from every field the caller will look up (see
    /// [`crate::json::projection`]).
    pub fn set_projection(&mut self, projection: Arc<EvtxProjection>) {
        match &mut self.inner {
            Inner::EvtxJson(r) => r.set_projection(projection),
            Inner::Evtx(r) => r.set_projection(projection),
            _ => {}
        }
    }

    /// Place syslog times that have no year by `epoch_secs`, the moment
    /// the file was last written ([`crate::syslog`] says how); other
    /// readers ignore it. [`open`] sets it from the file's modification
    /// time.
    pub fn set_year_reference(&mut self, epoch_secs: i64) {
        if let Inner::Syslog(r) = &mut self.inner {
            r.set_reference(epoch_secs);
        }
    }

    /// How many records the prefilter skipped so far. They are read but
    /// neither parsed nor yielded.
    pub fn prefiltered(&self) -> u64 {
        match &self.inner {
            Inner::EvtxJson(r) => r.prefiltered(),
            Inner::Evtx(r) => r.prefiltered(),
            _ => 0,
        }
    }
}

/// The reader of a SIEM export.
fn siem(input: Input, path: Arc<Path>, export: Export) -> Inner {
    Inner::SiemExport(SiemExportReader::new(input, path, export))
}

impl From<EvtxReader> for RecordReader {
    /// An EVTX reader already set up, e.g. over a range of chunks
    /// ([`crate::evtx::EvtxPlan::open`]).
    fn from(reader: EvtxReader) -> Self {
        RecordReader {
            format: Format::Evtx,
            inner: Inner::Evtx(reader),
        }
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
            // EVTX records render to the evtx JSON shape: one event type.
            Inner::Evtx(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::EvtxJson(e),
            })),
            Inner::Zeek(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::Zeek(e),
            })),
            Inner::Auditd(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::Auditd(e),
            })),
            // XML events convert to the evtx JSON shape, as EVTX records do.
            Inner::Xml(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::EvtxJson(e),
            })),
            Inner::Ecs(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::Ecs(e),
            })),
            Inner::MdeJson(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::Mde(e),
            })),
            Inner::MdeCsv(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::Mde(e),
            })),
            // Captures become Zeek-shaped events: one set of rules for both.
            Inner::Pcap(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::Zeek(e),
            })),
            // SIEM exports hold Windows events, in the evtx JSON shape.
            Inner::SiemExport(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::EvtxJson(e),
            })),
            Inner::Web(r) => Some(r.next()?.map(|(origin, e)| Record {
                origin,
                event: AnyEvent::Web(e),
            })),
            Inner::Syslog(r) => Some(r.next()?.map(linux_record)),
            Inner::JournalJson(r) => Some(r.next()?.map(linux_record)),
            Inner::JournalExport(r) => Some(r.next()?.map(linux_record)),
        }
    }
}

/// A Linux log message as a record; the Sysmon for Linux events it may
/// carry are evtx-shaped, as through the XML reader.
fn linux_record((origin, record): (Origin, LinuxRecord)) -> Record {
    let event = match record {
        LinuxRecord::Log(e) => AnyEvent::LinuxLog(e),
        LinuxRecord::Sysmon(e) => AnyEvent::EvtxJson(e),
    };
    Record { origin, event }
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
    let written = modified_secs(&file);
    let head = read_head(&mut file).map_err(io_error)?;
    if crate::decompress::is_gzip(&head) {
        let (format, head, decoder) =
            crate::decompress::sniff_gzip(&path, Cursor::new(head).chain(file))?;
        let input: Input = Box::new(BufReader::with_capacity(
            256 * 1024,
            Cursor::new(head).chain(decoder),
        ));
        let mut reader = RecordReader::new(format, input, path);
        if let Some(secs) = written {
            reader.set_year_reference(secs);
        }
        return Ok(reader);
    }
    if crate::encoding::is_utf16(&head) {
        let mut decoded = crate::encoding::decode_utf16(Cursor::new(head).chain(file));
        let head = read_head(&mut decoded).map_err(io_error)?;
        return open_text(path, head, decoded, written);
    }
    if head.starts_with(b"ElfFile\0") {
        // The file itself, seekable, so that a log that has wrapped around
        // is read from its oldest chunk.
        let inner = Inner::Evtx(EvtxReader::from_seekable(file, path));
        return Ok(RecordReader {
            format: Format::Evtx,
            inner,
        });
    }
    open_text(path, head, file, written)
}

/// When `file` was last written, in epoch seconds, where the system says.
fn modified_secs(file: &File) -> Option<i64> {
    let modified = file.metadata().and_then(|m| m.modified()).ok()?;
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_secs()).ok()
}

/// The first [`SNIFF_LEN`] bytes of `input` (fewer if it is shorter).
fn read_head(input: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    input.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The reader for an input whose first bytes are `head` and whose rest
/// `rest` yields, in the format detected from them — looking past a
/// preamble when they are not recognised ([`crate::preamble`]).
fn open_text(
    path: Arc<Path>,
    mut head: Vec<u8>,
    mut rest: impl Read + Send + 'static,
    written: Option<i64>,
) -> Result<RecordReader, OpenError> {
    let format = match detect::detect(&head) {
        Ok(format) => format,
        Err(reason) => match preamble::look_beyond(&mut head, &mut rest) {
            Ok(Beyond::Read(format)) => format,
            Ok(Beyond::NotRead(found)) => {
                return Err(OpenError::RecordsAfterPreamble { path, found });
            }
            Ok(Beyond::Nothing) => return Err(OpenError::Skipped { path, reason }),
            Err(source) => return Err(OpenError::Io { path, source }),
        },
    };
    let input: Input = Box::new(BufReader::with_capacity(
        256 * 1024,
        Cursor::new(head).chain(rest),
    ));
    let mut reader = RecordReader::new(format, input, path);
    if let Some(secs) = written {
        reader.set_year_reference(secs);
    }
    Ok(reader)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::error::ReadErrorKind;
    use crate::format::SkipReason;

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
        assert_eq!(last.origin.line(), Some(n as u64));
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
        // An EVTX file cut short inside its header: read, with the damage.
        let evtx = temp_file("x.evtx", b"ElfFile\0rest");
        let items: Vec<_> = open(&evtx).unwrap().collect();
        assert!(
            matches!(&items[..], [Err(e)] if e.to_string().contains("truncated file")),
            "{items:?}"
        );
        let missing = std::env::temp_dir().join("tunnelhunt-definitely-missing.json");
        assert!(matches!(open(&missing), Err(OpenError::Io { .. })));
    }
}
