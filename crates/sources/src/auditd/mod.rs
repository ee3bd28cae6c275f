//! Linux audit logs, as `auditd` writes them (`/var/log/audit/audit.log`).
//!
//! The pipeline: [`parse`] turns each line into a record (header, fields,
//! hex-encoded values decoded), [`group`] collects the records of one event
//! by their `msg=audit(TIME:SERIAL)` in bounded memory (which record
//! types end an event is in [`role`]), and [`event`]
//! assembles an [`AuditdEvent`]: native fields plus the Sigma taxonomy
//! fields of an exec (`process_creation`) or a socket connect/bind/accept
//! (`network_connection`), with the parent of an exec looked up in a
//! bounded pid → process table ([`process`]) filled from earlier events.
//!
//! Why a hand-written parser rather than `linux-audit-parser` (the crate
//! LAUREL uses): that crate is LGPL-3.0, which this MIT/Apache project
//! cannot link statically without passing the relinking obligation on to
//! every user of the binary; it parses single lines only, so grouping,
//! argument reassembly, sockaddr decoding and the process table would be
//! ours anyway; and it rejects a whole line on any trailing garbage, where
//! a hunting tool should keep what it can read. The subset of the format
//! that matters here (key=value with double, single or brace quoting,
//! hex-encoded untrusted strings, the ENRICHED `0x1d` section, split
//! EXECVE arguments) is small and tested in [`parse`].
//!
//! Every line is accounted for: a line that is not an audit record is a
//! [`ReadError`] with its line number, counted by the caller, and reading
//! goes on. So is every event that could not be kept whole (released at
//! the grouping bound, cut off by the end of the file, split for its size,
//! or continued after it was released): an
//! [`AuditdError::IncompleteEvent`] at the event's line, which the caller
//! counts as damage (the event itself is read as it is). Blank lines are
//! not records. Lines are read with the size
//! limit every line-oriented reader shares (`stream::Lines`).

mod event;
mod group;
mod net;
mod parse;
mod process;
mod role;

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use thiserror::Error;

pub use event::{AuditdEvent, SIGMA_FIELDS};
pub use group::{IncompleteCause, MAX_IDLE_RECORDS, MAX_OPEN_BYTES, MAX_RECORDS_PER_EVENT};
pub use process::GENERATION as PROCESS_TABLE_GENERATION;

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::origin::Origin;
use crate::stream::{Bom, Lines};
use group::{Grouper, Notice, Released};
use process::ProcessTable;

/// The longest line read; an audit record is at most a few KiB (the
/// kernel splits EXECVE arguments at about 7.5 KiB), so anything longer is
/// not one.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// What is wrong with one audit log line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuditdError {
    #[error("not an audit record (no `type=… msg=audit(…)` header): `{snippet}`")]
    NotAuditRecord { snippet: String },
    #[error("bad event id in `msg=audit({snippet}`: expected `SECONDS.MILLIS:SERIAL)`")]
    BadEventId { snippet: String },
    #[error("unterminated quoted value of `{key}`")]
    UnterminatedQuote { key: String },
    /// An event that could not be kept whole (by the grouping): it is read
    /// as it is, and this says so where it happened. Not a lost record.
    #[error("audit event {event} {cause}")]
    IncompleteEvent {
        /// The event's id as the log writes it (`1700000000.123:4567`),
        /// with its node if it has one.
        event: String,
        cause: IncompleteCause,
    },
}

impl AuditdError {
    /// Whether this error stands for a line that could not be read (and
    /// is counted as an unparseable record), rather than an event read in
    /// part, which is damage.
    pub fn is_record(&self) -> bool {
        !matches!(self, AuditdError::IncompleteEvent { .. })
    }
}

/// Whether a line looks like an audit record (for format detection). A
/// JSON document that quotes an audit record (Auditbeat's `message`) is
/// not one.
pub fn sniff_line(line: &[u8]) -> bool {
    !matches!(line.trim_ascii_start().first(), Some(b'{' | b'['))
        && parse::parse_line(0, line).is_ok()
}

/// Streams the events of one audit log.
pub struct AuditdReader<R> {
    lines: Lines<R>,
    path: Arc<Path>,
    grouper: Grouper,
    processes: ProcessTable,
    out: VecDeque<Result<(Origin, AuditdEvent), ReadError>>,
    done: bool,
}

impl<R: BufRead> AuditdReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        AuditdReader {
            lines: Lines::new(input, MAX_LINE_BYTES),
            path: path.into(),
            grouper: Grouper::default(),
            processes: ProcessTable::default(),
            out: VecDeque::new(),
            done: false,
        }
    }

    fn emit(&mut self, released: Released) {
        match released {
            Released::Event(group) => {
                let line = group.records.first().map_or(0, |r| r.line);
                let event = AuditdEvent::assemble(group, &mut self.processes);
                let origin = Origin::at_line(Arc::clone(&self.path), line, Format::Auditd);
                self.out.push_back(Ok((origin, event)));
            }
            Released::Notice(Notice { line, key, cause }) => {
                let event = key.to_string();
                let kind = ReadErrorKind::Auditd(AuditdError::IncompleteEvent { event, cause });
                self.out
                    .push_back(Err(ReadError::new(&self.path, line, kind)));
            }
        }
    }
}

impl<R: BufRead> Iterator for AuditdReader<R> {
    type Item = Result<(Origin, AuditdEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.out.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            let mut released = Vec::new();
            match self.lines.next_content(&self.path, Bom::Keep) {
                None => {
                    self.done = true;
                    self.grouper.finish(&mut |r| released.push(r));
                }
                Some(Err(err)) if err.is_fatal() => {
                    self.done = true;
                    self.grouper.finish(&mut |r| released.push(r));
                    released.into_iter().for_each(|r| self.emit(r));
                    self.out.push_back(Err(err));
                    continue;
                }
                Some(Err(err)) => self.out.push_back(Err(err)),
                Some(Ok((line, bytes))) => match parse::parse_line(line, bytes) {
                    Ok(record) => self.grouper.push(record, &mut |r| released.push(r)),
                    Err(e) => {
                        let err = ReadError::new(&self.path, line, ReadErrorKind::Auditd(e));
                        self.out.push_back(Err(err));
                    }
                },
            }
            released.into_iter().for_each(|r| self.emit(r));
        }
    }
}
