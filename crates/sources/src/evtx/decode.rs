//! One chunk's bytes → its events, or the damage that stops them.
//!
//! A chunk is the unit of work: it is self-contained (its own string and
//! template tables), so it can be decoded alone, and any damage found in it
//! stays in it. Each record is rendered by the `evtx` crate as compact JSON
//! bytes (`separate_json_attributes(false)`, the `evtx_dump -o jsonl`
//! shape) and parsed by the JSON reader's parser into the same
//! [`EvtxJsonEvent`] (with the same field projection, if any), so an
//! `.evtx` file and its JSON export are one event type with one field
//! mapping. JSON *bytes*, not `records_json_value()`: the latter renders a
//! string and re-parses it, 4.8× slower (reference/rust-crates.md §1.3),
//! and builds the whole document a projection avoids.
//!
//! The crate has panicked on crafted files before; decoding runs under
//! `catch_unwind`, so a panic costs the rest of its chunk, not the scan.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use evtx::err::EvtxError;
use evtx::{EvtxChunkData, EvtxChunkHeader, ParserSettings, checksum_ieee};

use super::chunks::{CHUNK_HEADER_SIZE, CHUNK_SIZE};
use super::damage::{EvtxDamage, EvtxProblem, chain, panic_message};
use super::wipes::{RECORD_MAGIC, RECORD_MIN_SIZE, check_records};
use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::json::{EvtxJsonEvent, EvtxProjection};
use crate::origin::{Origin, Position};
use crate::prefilter::{ChunkPlan, RawFilter};

/// What the reader yields for one record or one piece of damage.
pub(crate) type Item = Result<(Origin, EvtxJsonEvent), ReadError>;

/// How a reader decodes its chunks, the same for each.
pub(crate) struct Decoder {
    settings: Arc<ParserSettings>,
    /// Chunks and records no rule can match are skipped undecoded.
    pub(crate) filter: Option<RawFilter>,
    /// What each event keeps.
    pub(crate) projection: Option<Arc<EvtxProjection>>,
}

impl Decoder {
    pub(crate) fn new() -> Self {
        Decoder {
            settings: Arc::new(
                ParserSettings::new()
                    .num_threads(1)
                    .validate_checksums(false)
                    .separate_json_attributes(false)
                    .indent(false),
            ),
            filter: None,
            projection: None,
        }
    }
}

/// The damage as a [`ReadError`] of `path`.
pub(crate) fn damage(
    path: &Arc<Path>,
    chunk: Option<u64>,
    record_id: Option<u64>,
    problem: EvtxProblem,
) -> ReadError {
    let damage = EvtxDamage {
        chunk,
        record_id,
        problem,
    };
    ReadError::new(path, 0, ReadErrorKind::Evtx(damage))
}

/// Decode chunk `number` from its `bytes` (fewer than a chunk when the file
/// ends inside it), appending its events and damage to `out` in record
/// order. (All-zero chunks are not decoded: [`super::chunks`] leaves them
/// out.)
pub(crate) fn decode_chunk(
    number: u64,
    mut bytes: Vec<u8>,
    decoder: &mut Decoder,
    path: &Arc<Path>,
    out: &mut VecDeque<Item>,
) {
    let truncated = bytes.len() < CHUNK_SIZE;
    if truncated {
        let problem = EvtxProblem::TruncatedChunk { bytes: bytes.len() };
        out.push_back(Err(damage(path, Some(number), None, problem)));
        // The records that fit in what is left still parse; the cut one
        // runs into zeroes and is reported.
        bytes.resize(CHUNK_SIZE, 0);
    }
    let run = catch_unwind(AssertUnwindSafe(|| {
        decode(number, bytes, truncated, decoder, path, out);
    }));
    if let Err(payload) = run {
        let message = panic_message(payload.as_ref());
        let problem = EvtxProblem::Panic { message };
        out.push_back(Err(damage(path, Some(number), None, problem)));
    }
}

fn decode(
    number: u64,
    bytes: Vec<u8>,
    truncated: bool,
    decoder: &mut Decoder,
    path: &Arc<Path>,
    out: &mut VecDeque<Item>,
) {
    let Decoder {
        settings,
        filter,
        projection,
    } = decoder;
    let mut filter = filter.as_mut();
    let fail = |record_id, problem| Err(damage(path, Some(number), record_id, problem));
    let mut chunk = match EvtxChunkData::new(bytes, false) {
        Ok(chunk) => chunk,
        Err(e) => {
            let reason = chain(&e);
            return out.push_back(fail(None, EvtxProblem::BadChunk { reason }));
        }
    };
    chunk.number = Some(number);
    let damaged = truncated
        || checksum_problem(&chunk)
            .inspect(|reason| {
                let reason = reason.clone();
                out.push_back(fail(None, EvtxProblem::Checksum { reason }));
            })
            .is_some();
    // Before the prefilter may skip the chunk, so that what is reported
    // does not depend on the rules. (A truncated chunk's records run into
    // the zeroes that pad it, which says nothing about a wipe.)
    if !truncated && let Some(problem) = check_records(number, &chunk.data, &chunk.header) {
        out.push_back(fail(None, problem));
    }
    // A sound chunk whose UTF-16 holds no needle: only its records a rule
    // without needles may see by their route are rendered, the others are
    // counted as skipped. (A damaged one is decoded whole, so that its
    // damage is reported.)
    let mut plan = ChunkPlan::All;
    if !damaged
        && let Some(f) = filter.as_deref_mut()
        && f.skips_chunks()
        && let Some(records) = record_spans(&chunk.data, &chunk.header)
    {
        plan = f.plan_chunk(&chunk.data, &records);
        if plan == ChunkPlan::Skip {
            return;
        }
    }
    let (first, last) = (
        chunk.header.first_event_record_id,
        chunk.header.last_event_record_id,
    );
    let mut parsed = match chunk.parse(Arc::clone(settings)) {
        Ok(parsed) => parsed,
        Err(e) => {
            let reason = chain(&e);
            let problem = EvtxProblem::UnreadableChunk {
                first,
                last,
                reason,
            };
            return out.push_back(fail(None, problem));
        }
    };
    for record in parsed.iter() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let reason = chain(&e);
                out.push_back(fail(record_id_of(&e), EvtxProblem::Record { reason }));
                continue;
            }
        };
        let record_id = record.event_record_id;
        if !plan.renders(record.binxml_offset)
            && let Some(f) = filter.as_deref_mut()
        {
            f.skipped += 1;
            continue;
        }
        let rendered = match record.into_json_bytes() {
            Ok(rendered) => rendered,
            Err(e) => {
                let reason = chain(&e);
                out.push_back(fail(Some(record_id), EvtxProblem::Record { reason }));
                continue;
            }
        };
        if let Some(f) = filter.as_deref_mut()
            && !f.keep_json(&rendered.data)
        {
            continue;
        }
        let event = EvtxJsonEvent::from_json_slice(&rendered.data, projection.as_deref())
            .map_err(|e| e.to_string());
        out.push_back(match event {
            Ok(event) => Ok((
                Origin {
                    path: Arc::clone(path),
                    position: Position::Evtx {
                        chunk: number,
                        // What Event Viewer shows and SIEMs index. A log
                        // exported with `wevtutil epl` numbers its record
                        // headers from 1 but keeps the original IDs here.
                        record_id: event.record_id().unwrap_or(record_id),
                    },
                    format: Format::Evtx,
                },
                event,
            )),
            Err(reason) => fail(Some(record_id), EvtxProblem::Rendering { reason }),
        });
    }
}

/// Why the chunk's CRC32s do not match it, if they do not.
fn checksum_problem(chunk: &EvtxChunkData) -> Option<String> {
    if chunk.validate_checksum() {
        return None;
    }
    let h = &chunk.header;
    if !chunk.validate_header_checksum() {
        let mut covered = Vec::with_capacity(CHUNK_HEADER_SIZE);
        covered.extend_from_slice(&chunk.data[..120]);
        covered.extend_from_slice(&chunk.data[128..CHUNK_HEADER_SIZE]);
        return Some(format!(
            "chunk header CRC32 invalid (stored {:#010x}, computed {:#010x})",
            h.header_chunk_checksum,
            checksum_ieee(&covered)
        ));
    }
    let records = chunk
        .data
        .get(CHUNK_HEADER_SIZE..h.free_space_offset as usize);
    Some(match records {
        Some(records) => format!(
            "chunk records CRC32 invalid (stored {:#010x}, computed {:#010x})",
            h.events_checksum,
            checksum_ieee(records)
        ),
        None => format!(
            "records CRC32 cannot be checked: free space offset {} is outside the chunk",
            h.free_space_offset
        ),
    })
}

/// Where each record of a chunk is (its offset and size), by walking its
/// record headers (magic `**\0\0`, size, and the size repeated at the
/// record's end) up to its free space; `None` unless the walk ends exactly
/// there and agrees with the header's first and last `EventRecordID`.
fn record_spans(data: &[u8], header: &EvtxChunkHeader) -> Option<Vec<(usize, usize)>> {
    let end = header.free_space_offset as usize;
    let (first, last) = (header.first_event_record_id, header.last_event_record_id);
    if end > data.len() || first > last {
        return None;
    }
    let u32_at = |at: usize| {
        data.get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
    };
    let mut at = CHUNK_HEADER_SIZE;
    let mut spans = Vec::new();
    while at < end {
        if data.get(at..at + 4)? != RECORD_MAGIC {
            return None;
        }
        let size = u32_at(at + 4)?;
        if size < RECORD_MIN_SIZE || at + size > end || u32_at(at + size - 4)? != size {
            return None;
        }
        spans.push((at, size));
        at += size;
    }
    (at == end && spans.len() as u64 == last - first + 1).then_some(spans)
}

/// The `EventRecordID` an error names, if any.
fn record_id_of(error: &EvtxError) -> Option<u64> {
    match error {
        EvtxError::FailedToParseRecord { record_id, .. } => Some(*record_id),
        EvtxError::FailedToReadRecordAt { source, .. } => record_id_of(source),
        _ => None,
    }
}
