//! Anti-forensic wipes: what the headers say the file holds, against what
//! it holds.
//!
//! The cheapest ways to remove records from an EVTX file leave every chunk
//! that is left well-formed, so neither the parser nor a CRC32 notices:
//!
//! * **zero a chunk**: an all-zero chunk looks like the unused slots at the
//!   end of a preallocated log — except that the file header counts it as
//!   in use ([`zeroed_chunk`]);
//! * **remove chunks, or records at a chunk's end**: `EventRecordID`s are
//!   consecutive across the whole log, so the next chunk read starts past
//!   the previous one's end ([`Sequence`]);
//! * **lower a chunk's free-space offset** (and its last record id): the
//!   parser stops there, and the records after it are gone without a trace
//!   unless one walks on ([`check_records`]);
//! * **copy a chunk over another**: the copy's records are read twice, and
//!   the ones it replaced vanish ([`Sequence`] again: repeated ids).
//!
//! Every check works on chunk headers and record headers only, so it costs
//! no decoding, and it runs on every chunk — also on those whose records
//! the prefilter skips — so what a scan reports does not depend on its
//! rules. Positions are the chunk number and the file offset where the
//! damage is.

use std::collections::BTreeMap;

use evtx::EvtxChunkHeader;

use super::chunks::{CHUNK_HEADER_SIZE, CHUNK_MAGIC, chunk_offset};
use super::damage::EvtxProblem;

/// The `EventRecordID`s a chunk header claims, `first..=last`; `None` when
/// `header` is not a readable chunk header or the range is reversed.
pub(crate) fn claimed_ids(header: &[u8]) -> Option<(u64, u64)> {
    if header.len() < CHUNK_HEADER_SIZE || !header.starts_with(CHUNK_MAGIC) {
        return None;
    }
    let h = EvtxChunkHeader::from_bytes(header).ok()?;
    (h.first_event_record_id <= h.last_event_record_id)
        .then_some((h.first_event_record_id, h.last_event_record_id))
}

/// Chunk `number` is all zeroes: damage when the file header counts it
/// among the chunks in use (`in_use`), unused space when it does not.
pub(crate) fn zeroed_chunk(number: u64, in_use: Option<u64>) -> Option<EvtxProblem> {
    let in_use = in_use?;
    (number < in_use).then(|| EvtxProblem::ZeroedChunk {
        offset: chunk_offset(number),
        in_use,
    })
}

/// The chunks of one file in record order, checked one after the other for
/// records missing between them or read twice.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sequence {
    /// The chunk read last and its last `EventRecordID`.
    previous: Option<(u64, u64)>,
    /// The id ranges read so far, disjoint: first → (last, chunk).
    seen: BTreeMap<u64, (u64, u64)>,
    /// Chunks come in file order (from a stream), not record order: a log
    /// that has wrapped around goes back to lower ids once, where its
    /// oldest chunk is.
    wrap_allowed: bool,
}

impl Sequence {
    /// Chunks in file order, as a stream yields them (see `wrap_allowed`).
    pub(crate) fn in_file_order() -> Self {
        Sequence {
            wrap_allowed: true,
            ..Sequence::default()
        }
    }

    /// Chunk `number`, claiming the ids `first..=last`, comes next.
    pub(crate) fn next(&mut self, number: u64, (first, last): (u64, u64)) -> Option<EvtxProblem> {
        let offset = chunk_offset(number);
        let repeated = self
            .seen
            .range(..=last)
            .next_back()
            .filter(|(_, (seen_last, _))| *seen_last >= first)
            .map(
                |(seen_first, (seen_last, chunk))| EvtxProblem::RepeatedRecords {
                    first: first.max(*seen_first),
                    last: last.min(*seen_last),
                    other: *chunk,
                    offset,
                },
            );
        if repeated.is_some() {
            // Only disjoint ranges are kept, so that the one query above
            // finds any overlap.
            self.previous = Some((number, last));
            return repeated;
        }
        self.seen.insert(first, (last, number));
        let previous = self.previous.replace((number, last));
        let (previous, previous_last) = previous?;
        if first > previous_last.saturating_add(1) {
            Some(EvtxProblem::RecordGap {
                previous,
                first: previous_last + 1,
                last: first - 1,
                offset,
            })
        } else if first <= previous_last && std::mem::take(&mut self.wrap_allowed) {
            None
        } else if first <= previous_last {
            Some(EvtxProblem::RecordsGoBack {
                previous,
                previous_last,
                first,
                offset,
            })
        } else {
            None
        }
    }
}

/// What every record starts with.
pub(crate) const RECORD_MAGIC: &[u8] = b"\x2a\x2a\x00\x00";
/// A record header (24 bytes) and the size copy at its end.
pub(crate) const RECORD_MIN_SIZE: usize = 28;

/// The records of chunk `number` (its 64 KiB `data`) against its header:
/// records past the free-space offset that continue the chunk's records
/// (the offset was lowered to hide them), or records that stop, followed
/// by nothing, before the last id the header claims.
///
/// The walk follows record headers (magic, size, the size copy at the
/// record's end) whose ids count up from the header's first id; a chunk
/// reused by a later pass of the log holds stale records after its free
/// space too, but their ids do not continue the live ones, so the walk
/// stops before them.
pub(crate) fn check_records(
    number: u64,
    data: &[u8],
    header: &EvtxChunkHeader,
) -> Option<EvtxProblem> {
    let free = header.free_space_offset as usize;
    let (first, last) = (header.first_event_record_id, header.last_event_record_id);
    if free < CHUNK_HEADER_SIZE || free > data.len() || first > last {
        return None;
    }
    let u32_at = |at: usize| {
        data.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(|b: [u8; 4]| u32::from_le_bytes(b) as usize)
    };
    let u64_at = |at: usize| {
        data.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let (mut at, mut next_id) = (CHUNK_HEADER_SIZE, first);
    let mut live_last = None;
    let mut cut: Option<(u64, u64)> = None;
    while data.get(at..at + 4) == Some(RECORD_MAGIC) {
        let Some(size) = u32_at(at + 4) else { break };
        let end = at.saturating_add(size);
        if size < RECORD_MIN_SIZE
            || end > data.len()
            || u32_at(end - 4) != Some(size)
            || u64_at(at + 8) != Some(next_id)
        {
            break;
        }
        if end <= free {
            live_last = Some(next_id);
        } else {
            cut = Some((cut.map_or(next_id, |(from, _)| from), next_id));
        }
        at = end;
        next_id += 1;
    }
    let offset = chunk_offset(number);
    if let Some((cut_first, cut_last)) = cut {
        return Some(EvtxProblem::CutRecords {
            free_space: header.free_space_offset,
            first: cut_first,
            last: cut_last,
            offset: offset + u64::from(header.free_space_offset),
        });
    }
    // The live records end in nothing (zeroes up to the free space), yet
    // the header claims more: they were removed, not damaged (damaged
    // records are reported one by one as they are decoded).
    let ends_clean = data[at.min(free)..free].iter().all(|&b| b == 0);
    let read_last = live_last.unwrap_or(first.wrapping_sub(1));
    (ends_clean && at <= free && live_last.is_none_or(|id| id < last)).then(|| {
        EvtxProblem::MissingRecords {
            first: read_last.wrapping_add(1),
            last,
            offset: offset + at as u64,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_chunks_are_sound() {
        let mut s = Sequence::default();
        assert_eq!(s.next(0, (1, 10)), None);
        assert_eq!(s.next(1, (11, 20)), None);
        assert_eq!(s.next(2, (21, 21)), None);
    }

    #[test]
    fn a_gap_names_the_missing_ids_and_both_chunks() {
        let mut s = Sequence::default();
        s.next(0, (1, 10));
        let gap = s.next(2, (31, 40)).unwrap();
        assert_eq!(
            gap,
            EvtxProblem::RecordGap {
                previous: 0,
                first: 11,
                last: 30,
                offset: chunk_offset(2)
            }
        );
        // The walk goes on from the chunk after the gap.
        assert_eq!(s.next(3, (41, 50)), None);
    }

    #[test]
    fn a_copied_chunk_repeats_ids_anywhere_earlier() {
        let mut s = Sequence::default();
        s.next(0, (1, 10));
        s.next(1, (11, 20));
        s.next(2, (21, 30));
        let repeated = s.next(3, (11, 20)).unwrap();
        assert_eq!(
            repeated,
            EvtxProblem::RepeatedRecords {
                first: 11,
                last: 20,
                other: 1,
                offset: chunk_offset(3)
            }
        );
    }

    #[test]
    fn ids_that_go_back_without_repeating_are_reported() {
        let mut s = Sequence::default();
        s.next(0, (100, 110));
        let back = s.next(1, (50, 60)).unwrap();
        assert!(matches!(back, EvtxProblem::RecordsGoBack { .. }), "{back}");
    }

    #[test]
    fn in_file_order_one_wrap_is_a_log_that_wrapped_around() {
        let mut s = Sequence::in_file_order();
        assert_eq!(s.next(0, (300, 310)), None);
        assert_eq!(s.next(1, (100, 110)), None);
        assert_eq!(s.next(2, (111, 120)), None);
        let again = s.next(3, (50, 60)).unwrap();
        assert!(
            matches!(again, EvtxProblem::RecordsGoBack { .. }),
            "{again}"
        );
    }

    #[test]
    fn zero_chunks_are_damage_only_inside_the_count() {
        assert!(zeroed_chunk(2, Some(3)).is_some());
        assert_eq!(zeroed_chunk(3, Some(3)), None);
        assert_eq!(zeroed_chunk(0, None), None);
    }
}
