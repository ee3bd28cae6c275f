//! Provenance: where a record came from.
//!
//! Every record carries an [`Origin`], so an alert can name the file and
//! the place in it an analyst has to open. Text formats are addressed by
//! line; a Windows event log has no lines, so its records are addressed the
//! way Windows tools address them, by `EventRecordID`, plus the number of
//! the 64 KiB chunk that holds the record (what a hex editor or a carving
//! tool needs). The path is shared (`Arc`) because every record of a file
//! points at it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::format::Format;

/// Where one record is: file, position and format.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub path: Arc<Path>,
    pub position: Position,
    pub format: Format,
}

/// A record's place in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Position {
    /// 1-based line of the record's first byte (text formats).
    Line(u64),
    /// A record of a Windows EVTX file.
    Evtx {
        /// Number of the chunk that holds the record, counted from 0 in
        /// file order (the chunk starts at byte `4096 + chunk * 65536`).
        chunk: u64,
        /// The record's `EventRecordID`.
        record_id: u64,
    },
    /// A packet capture's packet: what started the event (a flow's first
    /// packet, a DNS query).
    Packet {
        /// 1-based, as Wireshark numbers frames.
        number: u64,
        /// Byte offset of the packet's record in the (decompressed) file.
        offset: u64,
    },
}

impl Origin {
    /// A record of a text format that starts on `line` (1-based).
    pub fn at_line(path: Arc<Path>, line: u64, format: Format) -> Origin {
        Origin {
            path,
            position: Position::Line(line),
            format,
        }
    }

    /// Move a text record `offset` lines down: a reader that started
    /// `offset` lines into its file (a block of a cut file) counted from
    /// its own start. EVTX positions are not lines and stay as they are;
    /// [`ReadError::shift_lines`](crate::ReadError::shift_lines) is the same
    /// for errors.
    pub fn shift_lines(&mut self, offset: u64) {
        if let Position::Line(line) = &mut self.position {
            *line += offset;
        }
    }

    /// The 1-based line, for text formats.
    pub fn line(&self) -> Option<u64> {
        match self.position {
            Position::Line(line) => Some(line),
            Position::Evtx { .. } | Position::Packet { .. } => None,
        }
    }

    /// The `EventRecordID`, for EVTX records.
    pub fn record_id(&self) -> Option<u64> {
        match self.position {
            Position::Evtx { record_id, .. } => Some(record_id),
            Position::Line(_) | Position::Packet { .. } => None,
        }
    }

    /// The packet number and its record's byte offset, for captures.
    pub fn packet(&self) -> Option<(u64, u64)> {
        match self.position {
            Position::Packet { number, offset } => Some((number, offset)),
            Position::Line(_) | Position::Evtx { .. } => None,
        }
    }

    /// The chunk number, for EVTX records.
    pub fn chunk(&self) -> Option<u64> {
        match self.position {
            Position::Evtx { chunk, .. } => Some(chunk),
            Position::Line(_) | Position::Packet { .. } => None,
        }
    }
}

/// The line and column (1-based) in the file of byte `offset` of a record
/// whose first byte is at `line`, `column`: how a parser's error position
/// inside one framed record (a JSON document, an XML element) becomes a
/// place in the file.
pub(crate) fn position_in(bytes: &[u8], offset: usize, line: u64, column: u64) -> (u64, u64) {
    let before = &bytes[..offset.min(bytes.len())];
    match memchr::memrchr(b'\n', before) {
        None => (line, column + before.len() as u64),
        Some(nl) => {
            let newlines = memchr::memchr_iter(b'\n', before).count() as u64;
            (line + newlines, (before.len() - nl) as u64)
        }
    }
}

/// `path:line` for text, the form editors and terminals turn into links;
/// `path#record=123 (chunk 4)` for EVTX; `path#packet=7 (byte 1234)` for
/// a capture.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Position::Line(line) => write!(f, "{}:{line}", self.path.display()),
            Position::Evtx { chunk, record_id } => {
                write!(
                    f,
                    "{}#record={record_id} (chunk {chunk})",
                    self.path.display()
                )
            }
            Position::Packet { number, offset } => {
                write!(f, "{}#packet={number} (byte {offset})", self.path.display())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_accessors() {
        let path: Arc<Path> = Arc::from(Path::new("logs/a.json"));
        let text = Origin::at_line(Arc::clone(&path), 7, Format::EvtxJson);
        assert_eq!(text.to_string(), "logs/a.json:7");
        assert_eq!(
            (text.line(), text.record_id(), text.chunk()),
            (Some(7), None, None)
        );
        let evtx = Origin {
            path,
            position: Position::Evtx {
                chunk: 4,
                record_id: 123,
            },
            format: Format::EvtxJson,
        };
        assert_eq!(evtx.to_string(), "logs/a.json#record=123 (chunk 4)");
        assert_eq!(
            (evtx.line(), evtx.record_id(), evtx.chunk()),
            (None, Some(123), Some(4))
        );
    }

    #[test]
    fn positions_inside_a_record() {
        assert_eq!(position_in(b"<Event>\n<A>x", 11, 5, 9), (6, 4));
        assert_eq!(position_in(b"<Event><A>", 7, 5, 9), (5, 16));
    }
}
