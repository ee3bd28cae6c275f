//! Typed errors of the readers.
//!
//! Two kinds, because the caller treats them differently: an [`OpenError`]
//! concerns a whole file (it cannot be opened, or it is in no format we
//! read, and is skipped with the reason), a [`ReadError`] concerns one
//! record (it is counted and reported with its location, and reading goes
//! on with the next record). Both carry the path; a `ReadError` also carries
//! the 1-based line where the bad record starts.

use std::io;
use std::path::Path;
use std::sync::Arc;

use thiserror::Error;

use crate::format::SkipReason;
use crate::preamble::Found;

/// A file that could not be read at all.
#[derive(Debug, Error)]
pub enum OpenError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: Arc<Path>,
        #[source]
        source: io::Error,
    },
    #[error("{}: skipped: {reason}", path.display())]
    Skipped { path: Arc<Path>, reason: SkipReason },
    /// Records start after more text in no format read than detection
    /// looks through ([`crate::preamble`]): the file is not read, and says
    /// where they are.
    #[error(
        "{}: not read: {} records start at byte {}, after a preamble longer than the {} bytes \
         searched for records; cut it off (e.g. `tail -c +{}`) and scan that",
        path.display(),
        found.format,
        found.offset,
        crate::preamble::PREAMBLE_LEN,
        found.offset + 1
    )]
    RecordsAfterPreamble { path: Arc<Path>, found: Found },
}

impl OpenError {
    pub fn path(&self) -> &Path {
        match self {
            OpenError::Io { path, .. }
            | OpenError::Skipped { path, .. }
            | OpenError::RecordsAfterPreamble { path, .. } => path,
        }
    }
}

/// One record that could not be turned into an event.
#[derive(Debug, Error)]
#[error("{}{}: {kind}", path.display(), line_suffix(*line))]
pub struct ReadError {
    pub path: Arc<Path>,
    /// 1-based line where the record starts; 0 in a format without lines
    /// (EVTX), whose `kind` says where the damage is.
    pub line: u64,
    #[source]
    pub kind: ReadErrorKind,
}

impl ReadError {
    /// The error of the record that starts at `line` of `path`.
    pub fn new(path: &Arc<Path>, line: u64, kind: ReadErrorKind) -> ReadError {
        ReadError {
            path: Arc::clone(path),
            line,
            kind,
        }
    }

    /// Shift the line numbers of an error found in a block of a file that
    /// starts `offset` lines into it, back to the file's (see
    /// [`crate::json::plan`]).
    pub fn shift_lines(&mut self, offset: u64) {
        if offset == 0 {
            return;
        }
        if self.line > 0 {
            self.line += offset;
        }
        match &mut self.kind {
            ReadErrorKind::Json { line, .. } | ReadErrorKind::InvalidUtf8 { line, .. } => {
                *line += offset;
            }
            _ => {}
        }
    }

    /// Whether the reader stops after this error (the file itself failed,
    /// not just one record).
    pub fn is_fatal(&self) -> bool {
        matches!(self.kind, ReadErrorKind::Io(_))
    }

    /// Whether this error stands for one record that could not be read,
    /// to be counted as such (`records read = evaluated + unparseable`).
    /// I/O errors and damage to an EVTX file or chunk are not: they are
    /// reported once, whatever number of records they cost.
    pub fn is_record(&self) -> bool {
        match &self.kind {
            ReadErrorKind::Io(_) => false,
            ReadErrorKind::Evtx(damage) => damage.is_record(),
            ReadErrorKind::Auditd(error) => error.is_record(),
            ReadErrorKind::Pcap(damage) => damage.is_record(),
            _ => true,
        }
    }
}

/// `:line`, or nothing for a format without lines.
fn line_suffix(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}

/// What was wrong with a record.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// The record is not valid JSON.
    #[error("invalid JSON at line {line}, column {column}: {reason}")]
    Json {
        /// 1-based line (in the file) of the offending byte.
        line: u64,
        column: u64,
        reason: String,
    },
    /// The record contains bytes that are not UTF-8.
    #[error("invalid UTF-8 at line {line}, column {column}")]
    InvalidUtf8 { line: u64, column: u64 },
    /// The input ends, or the next record begins, before the braces of this
    /// record are balanced.
    #[error("record is incomplete (truncated, or its braces do not balance)")]
    Truncated,
    /// A string runs past the end of its line, which JSON does not allow.
    #[error("unterminated string (a JSON string runs past the end of its line)")]
    UnterminatedString,
    /// The text at the start of a record is not a JSON object.
    #[error("not a JSON object: `{snippet}`")]
    NotJson { snippet: String },
    /// Valid JSON, but not an event in the shape this reader expects.
    #[error("not an event in the {shape}: {reason}")]
    WrongShape {
        shape: &'static str,
        reason: &'static str,
    },
    /// A Zeek TSV entry with another number of columns than its `#fields`.
    #[error("expected {expected} fields (as listed by `#fields`), found {found}")]
    FieldCount { expected: usize, found: usize },
    /// A Zeek TSV entry before any `#fields` header.
    #[error("entry before any `#fields` header line")]
    NoHeader,
    /// A Zeek header directive that cannot be applied.
    #[error("bad header line: {reason}")]
    BadHeader { reason: String },
    /// A line of a Linux audit log that cannot be read.
    #[error("{0}")]
    Auditd(#[from] crate::auditd::AuditdError),
    /// An XML `<Event>` element that cannot be read.
    #[error("{0}")]
    Xml(#[from] crate::xml::XmlError),
    /// A line of a web-server access log that cannot be read.
    #[error("{0}")]
    Web(#[from] crate::web::WebError),
    /// A syslog line that cannot be read.
    #[error("{0}")]
    Syslog(#[from] crate::syslog::SyslogError),
    /// A systemd journal entry that cannot be read.
    #[error("{0}")]
    Journal(#[from] crate::journal::JournalError),
    /// A CSV row with more or fewer fields than the header has columns.
    #[error("CSV row has {found} fields where the header has {expected}")]
    CsvFieldCount { expected: u64, found: u64 },
    /// A CSV field whose text is not UTF-8; `column` is the header's name
    /// for it (or `#n` for the n-th column).
    #[error("invalid UTF-8 in CSV column {column}")]
    CsvInvalidUtf8 { column: String },
    /// A single record exceeds the reader's size limit.
    #[error("record larger than the limit of {limit} bytes; skipped")]
    TooLarge { limit: usize },
    /// Damage in a Windows EVTX file, to the file, one chunk or one record;
    /// it names the chunk and, where known, the record.
    #[error("{0}")]
    Evtx(crate::evtx::EvtxDamage),
    /// Damage in a packet capture, to the file or one packet or message;
    /// it names the byte offset and, where known, the packet.
    #[error("{0}")]
    Pcap(crate::pcap::PcapDamage),
    /// A record of a SIEM export that is not a Windows event.
    #[error("{0}")]
    SiemExport(#[from] crate::siem_export::SiemExportError),
    /// Reading the file failed; no further records are read from it.
    #[error("read error: {0}")]
    Io(#[source] io::Error),
}
