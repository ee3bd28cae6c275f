//! What can be wrong with an EVTX file, and where.
//!
//! An EVTX file is a 4 KiB file header followed by 64 KiB chunks, each with
//! its own header, string and template tables, CRC32s and records. Damage
//! therefore has three scopes, and the caller treats them differently:
//!
//! * the **file** (its header, or chunks it announces that are missing),
//! * one **chunk** (not a chunk at all, a bad CRC32, cut short by the end
//!   of the file, tables that cannot be read, the `evtx` crate panicking
//!   on it, or records wiped from it or around it: [`super::wipes`]),
//! * one **record** (it cannot be parsed or rendered).
//!
//! Only record damage stands for one record that could not be read; file
//! and chunk damage is reported once, and [`EvtxDamage::is_record`] tells
//! the two apart so that the scan's `records read = evaluated +
//! unparseable` stays true.

use std::fmt;

use thiserror::Error;

/// One piece of damage in an EVTX file, with where it is.
#[derive(Debug, Error)]
#[error("{}{problem}", Place { chunk: *chunk, record_id: *record_id })]
pub struct EvtxDamage {
    /// The chunk, counted from 0 in file order; `None` for damage to the
    /// file as a whole.
    pub chunk: Option<u64>,
    /// The `EventRecordID` of the damaged record, when it is known.
    pub record_id: Option<u64>,
    pub problem: EvtxProblem,
}

impl EvtxDamage {
    /// Whether this stands for one record that could not be read (as
    /// opposed to damage to the file or to a chunk, reported once).
    pub fn is_record(&self) -> bool {
        self.problem.is_record()
    }
}

/// What is wrong.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvtxProblem {
    /// The 4 KiB file header is cut short or damaged. Chunks sit at fixed
    /// offsets, so whatever chunks exist are still read.
    #[error("file header: {reason}")]
    FileHeader { reason: String },
    /// The file header announces more chunks than the file holds: the file
    /// was cut short at a chunk boundary.
    #[error(
        "the file header announces {announced} chunks but the file holds {present}; \
         the file is truncated"
    )]
    MissingChunks { announced: u64, present: u64 },
    /// The file ends inside this chunk; the records in what is left of it
    /// are read.
    #[error("the file ends {bytes} bytes into this 65536-byte chunk (truncated file)")]
    TruncatedChunk { bytes: usize },
    /// Not a chunk (bad magic or an unreadable header): its records, if it
    /// had any, are lost.
    #[error("not a valid chunk, its records are lost: {reason}")]
    BadChunk { reason: String },
    /// A CRC32 stored in the chunk header does not match the chunk. Its
    /// records are read anyway (a log that was not closed cleanly has such
    /// chunks), but their content may be wrong.
    #[error("{reason}; its records are read but may be corrupt")]
    Checksum { reason: String },
    /// The chunk's header is valid but its tables cannot be read, so none
    /// of its records can.
    #[error("chunk cannot be parsed, records {first}–{last} are lost: {reason}")]
    UnreadableChunk {
        first: u64,
        last: u64,
        reason: String,
    },
    /// The `evtx` crate panicked while reading this chunk; the records it
    /// had produced before are kept, the rest of the chunk is lost.
    #[error("the EVTX parser panicked, the rest of the chunk is skipped: {message}")]
    Panic { message: String },
    /// A chunk the file header counts as in use is all zeroes: its
    /// records were wiped (see [`super::wipes`]).
    #[error(
        "all zeroes at file offset {offset}, though the file header counts {in_use} chunks \
         in use: its records were wiped"
    )]
    ZeroedChunk { offset: u64, in_use: u64 },
    /// `EventRecordID`s `first..=last` are in no chunk: the chunk read
    /// before this one (`previous`) ends before them, this one starts
    /// after them.
    #[error(
        "EventRecordIDs {first}–{last} are missing between chunk {previous} and this chunk \
         (file offset {offset}): records were removed"
    )]
    RecordGap {
        previous: u64,
        first: u64,
        last: u64,
        offset: u64,
    },
    /// This chunk's `EventRecordID`s `first..=last` were read already, in
    /// chunk `other`: a chunk copied over another, whose records are gone.
    #[error(
        "EventRecordIDs {first}–{last} (file offset {offset}) were already read in chunk \
         {other}: a duplicated chunk, which replaced the records that were here"
    )]
    RepeatedRecords {
        first: u64,
        last: u64,
        other: u64,
        offset: u64,
    },
    /// This chunk starts at or before the last `EventRecordID` of the chunk
    /// read before it, without repeating ids read so far.
    #[error(
        "EventRecordIDs go back from {previous_last} (chunk {previous}) to {first} \
         (file offset {offset}): chunks were moved or replaced"
    )]
    RecordsGoBack {
        previous: u64,
        previous_last: u64,
        first: u64,
        offset: u64,
    },
    /// Records `first..=last` continue the chunk's records past its
    /// free-space offset, which was lowered to hide them; they are not read.
    #[error(
        "the free-space offset {free_space} cuts off records {first}–{last} (file offset \
         {offset}); they are not read"
    )]
    CutRecords {
        free_space: u32,
        first: u64,
        last: u64,
        offset: u64,
    },
    /// The chunk's records stop, followed by zeroes, before the last
    /// `EventRecordID` its header claims.
    #[error(
        "records {first}–{last}, which the chunk header claims, are missing: zeroes from \
         file offset {offset}"
    )]
    MissingRecords { first: u64, last: u64, offset: u64 },
    /// One record could not be parsed or rendered.
    #[error("record cannot be read: {reason}")]
    Record { reason: String },
    /// The record rendered, but not as an event in the evtx JSON shape.
    #[error("record rendered as unexpected JSON: {reason}")]
    Rendering { reason: String },
}

impl EvtxProblem {
    /// Whether this stands for one record that could not be read.
    pub fn is_record(&self) -> bool {
        matches!(
            self,
            EvtxProblem::Record { .. } | EvtxProblem::Rendering { .. }
        )
    }
}

/// `chunk 3, record 1234: `, `chunk 3: `, or nothing for the whole file.
struct Place {
    chunk: Option<u64>,
    record_id: Option<u64>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.chunk, self.record_id) {
            (Some(chunk), Some(record)) => write!(f, "chunk {chunk}, record {record}: "),
            (Some(chunk), None) => write!(f, "chunk {chunk}: "),
            (None, Some(record)) => write!(f, "record {record}: "),
            (None, None) => Ok(()),
        }
    }
}

/// An error and its sources, as one line (`a: b: c`).
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}

/// The message of a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_place() {
        let d = EvtxDamage {
            chunk: Some(3),
            record_id: Some(1234),
            problem: EvtxProblem::Record {
                reason: "bad token".into(),
            },
        };
        assert_eq!(
            d.to_string(),
            "chunk 3, record 1234: record cannot be read: bad token"
        );
        assert!(d.is_record());
        let d = EvtxDamage {
            chunk: None,
            record_id: None,
            problem: EvtxProblem::MissingChunks {
                announced: 4,
                present: 1,
            },
        };
        assert!(
            d.to_string()
                .starts_with("the file header announces 4 chunks")
        );
        assert!(!d.is_record());
    }
}
