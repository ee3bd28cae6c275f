//! Walking an EVTX file chunk by chunk, in record order.
//!
//! The layout is fixed: a 4 KiB file header, then 64 KiB chunks, chunk *i*
//! at byte `4096 + i * 65536`, each starting with `ElfChnk\0`. Knowing
//! that, we find the chunks ourselves instead of going through
//! `EvtxParser`, for three reasons:
//!
//! * **damage stays local**: a chunk that is garbage, cut short or fails
//!   its CRC32 is one report, and the walk goes on with the next chunk;
//! * **memory is one chunk**: each chunk is read with a positioned read
//!   (or, from a stream, a sequential one) into a 64 KiB buffer;
//! * **order**: a log that has wrapped around holds its oldest records in
//!   the chunk with the lowest first `EventRecordID`, anywhere in the file.
//!   Like Windows (and `evtx` 0.15), we start there, go to the end, then on
//!   from chunk 0. Finding it costs one 512-byte header read per chunk.
//!   From a stream that cannot seek (a decompressor) chunks come in file
//!   order, which is record order for every log that has not wrapped.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

use evtx::EvtxFileHeader;

use super::damage::{EvtxProblem, chain};
use super::wipes::{Sequence, claimed_ids, zeroed_chunk};

/// Size of the file header block, where chunk 0 starts.
pub(crate) const FILE_HEADER_SIZE: usize = 4096;
/// Size of one chunk.
pub const CHUNK_SIZE: usize = 65536;
/// Size of a chunk's header.
pub(crate) const CHUNK_HEADER_SIZE: usize = 512;
/// What every chunk starts with.
pub(crate) const CHUNK_MAGIC: &[u8; 8] = b"ElfChnk\0";

/// Files up to this size are read into memory at once (most logs
/// exported for analysis are a few chunks; evtx-samples' median is 68 KiB).
const SMALL_FILE: u64 = 1 << 20;

/// A source that can be read at any position.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// One step of the walk.
#[derive(Debug)]
pub(crate) enum Piece {
    /// Damage to the file as a whole (its header, missing chunks).
    Damage(EvtxProblem),
    /// Damage found from chunk `number`'s place in the file and its
    /// header, before it is decoded (see [`super::wipes`]).
    ChunkDamage { number: u64, problem: EvtxProblem },
    /// The bytes of chunk `number`: [`CHUNK_SIZE`] of them, fewer when the
    /// file ends inside the chunk.
    Chunk { number: u64, bytes: Vec<u8> },
}

enum Source {
    Seekable(Box<dyn ReadSeek>),
    Stream(Box<dyn Read + Send>),
}

/// The chunks of one file, in record order, with the file-level damage
/// found on the way.
pub(crate) struct Chunks {
    source: Source,
    started: bool,
    /// Pieces found ahead of the walk (header damage).
    pending: VecDeque<Piece>,
    /// Seekable: the chunk numbers still to read, in order.
    plan: VecDeque<u64>,
    /// Stream: the number of the next chunk.
    next: u64,
    /// Chunks the header announces, when it is readable, and when this
    /// walk ends the file (missing chunks are reported at the end).
    announced: Option<u64>,
    /// Chunks the header counts as in use, when it is readable: a zeroed
    /// chunk below it was wiped.
    in_use: Option<u64>,
    /// Stream: the record-id checks across chunks, done as chunks come.
    sequence: Sequence,
    /// Seekable: what the survey's record-id checks found, by chunk.
    sequence_damage: BTreeMap<u64, EvtxProblem>,
    /// Chunks the file holds (whole or partial).
    present: u64,
    done: bool,
}

impl Chunks {
    pub(crate) fn seekable(source: Box<dyn ReadSeek>) -> Self {
        Self::with(Source::Seekable(source))
    }

    pub(crate) fn stream(source: Box<dyn Read + Send>) -> Self {
        Self::with(Source::Stream(source))
    }

    fn with(source: Source) -> Self {
        Chunks {
            source,
            started: false,
            pending: VecDeque::new(),
            plan: VecDeque::new(),
            next: 0,
            announced: None,
            in_use: None,
            sequence: Sequence::in_file_order(),
            sequence_damage: BTreeMap::new(),
            present: 0,
            done: false,
        }
    }

    /// The next piece; `Err` is an I/O error, after which the walk ends.
    pub(crate) fn next_piece(&mut self) -> Option<io::Result<Piece>> {
        if !self.started {
            self.started = true;
            if let Err(e) = self.start() {
                self.done = true;
                return Some(Err(e));
            }
        }
        loop {
            if let Some(piece) = self.pending.pop_front() {
                return Some(Ok(piece));
            }
            if self.done {
                return None;
            }
            match self.next_chunk() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    let announced = self.announced?;
                    let present = self.present;
                    return (announced > present).then_some(Ok(Piece::Damage(
                        EvtxProblem::MissingChunks { announced, present },
                    )));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }

    /// A walk over `survey.order[range]` only, the survey done already:
    /// the file header's damage comes first when the range starts the
    /// order, missing chunks are reported last when it ends it, so the
    /// walks over consecutive ranges, one after the other, are the walk
    /// over the whole file.
    pub(crate) fn planned(source: Box<dyn ReadSeek>, survey: &Survey, range: Range<usize>) -> Self {
        let mut chunks = Self::seekable(source);
        chunks.started = true;
        chunks.apply(survey, range);
        chunks
    }

    fn apply(&mut self, survey: &Survey, range: Range<usize>) {
        if range.start == 0 {
            for problem in &survey.header_damage {
                self.pending.push_back(Piece::Damage(problem.clone()));
            }
        }
        if range.end == survey.order.len() {
            self.announced = survey.announced;
        }
        self.in_use = survey.announced;
        self.plan = survey.order[range].iter().copied().collect();
        self.sequence_damage = self
            .plan
            .iter()
            .filter_map(|n| Some((*n, survey.sequence_damage.get(n)?.clone())))
            .collect();
        self.present = survey.present;
    }

    /// Read the file header and, when the source can seek, plan the order.
    fn start(&mut self) -> io::Result<()> {
        match &mut self.source {
            Source::Seekable(s) => {
                // A small file is read whole, in one read: the survey's
                // header read per chunk and the chunk reads become copies
                // from memory instead of two system calls each.
                let len = s.seek(SeekFrom::End(0))?;
                if len <= SMALL_FILE {
                    let mut whole = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
                    s.seek(SeekFrom::Start(0))?;
                    s.read_to_end(&mut whole)?;
                    *s = Box::new(io::Cursor::new(whole));
                }
                let survey = Survey::of(s.as_mut())?;
                let all = 0..survey.order.len();
                self.apply(&survey, all);
            }
            Source::Stream(s) => {
                let mut header = vec![0; FILE_HEADER_SIZE];
                let got = read_full(s, &mut header)?;
                let (damage, announced) = check_header(&header[..got]);
                self.pending.extend(damage.into_iter().map(Piece::Damage));
                self.announced = announced;
                self.in_use = announced;
                // A header cut short: the file holds no chunk.
                self.done = got < FILE_HEADER_SIZE;
            }
        }
        Ok(())
    }

    /// Read the next chunk into `pending`, after the damage its place
    /// shows; an all-zero chunk is not decoded. `false` at the end.
    fn next_chunk(&mut self) -> io::Result<bool> {
        // Not zeroed first: the chunk is read over it.
        let mut bytes = Vec::with_capacity(CHUNK_SIZE);
        let (number, sequence) = match &mut self.source {
            Source::Seekable(s) => {
                let Some(number) = self.plan.pop_front() else {
                    return Ok(false);
                };
                s.seek(SeekFrom::Start(chunk_offset(number)))?;
                read_chunk(s, &mut bytes)?;
                (number, self.sequence_damage.remove(&number))
            }
            Source::Stream(s) => {
                let got = read_chunk(s, &mut bytes)?;
                if got == 0 {
                    return Ok(false);
                }
                self.next += 1;
                self.present = self.next;
                let number = self.next - 1;
                let sequence = claimed_ids(&bytes[..got.min(CHUNK_HEADER_SIZE)])
                    .and_then(|ids| self.sequence.next(number, ids));
                (number, sequence)
            }
        };
        // A chunk that starts with its magic is not all zeroes: only the
        // others are looked at whole.
        let zeroed = !bytes.starts_with(CHUNK_MAGIC) && all_zero(&bytes);
        let place = if zeroed {
            zeroed_chunk(number, self.in_use)
        } else {
            sequence
        };
        if let Some(problem) = place {
            self.pending
                .push_back(Piece::ChunkDamage { number, problem });
        }
        if !zeroed {
            self.pending.push_back(Piece::Chunk { number, bytes });
        }
        Ok(true)
    }
}

/// What a seekable file says before any chunk is decoded: its header's
/// damage, how many chunks it announces and holds, and the order to read
/// them in. One survey plans the whole-file walk and every chunk-range
/// walk alike, which is what makes the ranges add up to the whole.
#[derive(Debug, Clone)]
pub(crate) struct Survey {
    pub(crate) header_damage: Vec<EvtxProblem>,
    pub(crate) announced: Option<u64>,
    /// Chunk slots (whole or partial) the file holds.
    pub(crate) present: u64,
    /// Chunk numbers in record order; empty when the header is cut short.
    pub(crate) order: Vec<u64>,
    /// What the record-id checks across chunks found, by chunk: checked
    /// here, over every chunk header in record order, so that every walk
    /// over a range of the order reports the same as the whole-file walk.
    pub(crate) sequence_damage: BTreeMap<u64, EvtxProblem>,
}

impl Survey {
    pub(crate) fn of(source: &mut dyn ReadSeek) -> io::Result<Survey> {
        let mut header = vec![0; FILE_HEADER_SIZE];
        source.seek(SeekFrom::Start(0))?;
        let got = read_full(source, &mut header)?;
        let (header_damage, announced) = check_header(&header[..got]);
        if got < FILE_HEADER_SIZE {
            return Ok(Survey {
                header_damage,
                announced,
                present: 0,
                order: Vec::new(),
                sequence_damage: BTreeMap::new(),
            });
        }
        let len = source.seek(SeekFrom::End(0))?;
        let data = len.saturating_sub(FILE_HEADER_SIZE as u64);
        let slots = data.div_ceil(CHUNK_SIZE as u64);
        let claimed = claimed_ids_of(source, slots)?;
        let oldest = oldest_chunk(&claimed);
        let order: Vec<u64> = (oldest..slots).chain(0..oldest).collect();
        let mut sequence = Sequence::default();
        let sequence_damage = order
            .iter()
            .filter_map(|&n| {
                let ids = claimed[usize::try_from(n).ok()?]?;
                Some((n, sequence.next(n, ids)?))
            })
            .collect();
        Ok(Survey {
            header_damage,
            announced,
            present: slots,
            order,
            sequence_damage,
        })
    }
}

/// The damage in a file header (`header` is what the file holds of it,
/// possibly less than [`FILE_HEADER_SIZE`]) and the chunks it announces.
fn check_header(header: &[u8]) -> (Vec<EvtxProblem>, Option<u64>) {
    let damage = |reason| vec![EvtxProblem::FileHeader { reason }];
    let got = header.len();
    if got < FILE_HEADER_SIZE {
        return (
            damage(format!(
                "the file ends {got} bytes into the {FILE_HEADER_SIZE}-byte header \
                 (truncated file)"
            )),
            None,
        );
    }
    match EvtxFileHeader::from_bytes(header) {
        Ok(h) => {
            let announced = Some(u64::from(h.chunk_count));
            if h.validate_checksum() {
                (Vec::new(), announced)
            } else {
                let reason = format!(
                    "CRC32 invalid (stored {:#010x}, computed {:#010x})",
                    h.checksum, h.computed_checksum
                );
                (damage(reason), announced)
            }
        }
        Err(e) => (damage(format!("cannot be read: {}", chain(&e))), None),
    }
}

/// Whether `bytes` are all zeroes. A block at a time, OR-ed together, which
/// the compiler vectorizes: `iter().all` tests and branches on every byte,
/// and zeroed chunk slots are 41 MB of evtx-samples' 104 (the unused end of
/// preallocated logs), so that loop was the reader's hottest after
/// rendering (`bench/README.md`).
fn all_zero(bytes: &[u8]) -> bool {
    bytes
        .chunks(4096)
        .all(|block| block.iter().fold(0u8, |acc, &b| acc | b) == 0)
}

/// Where chunk `number` starts.
pub(crate) fn chunk_offset(number: u64) -> u64 {
    FILE_HEADER_SIZE as u64 + number * CHUNK_SIZE as u64
}

/// The `EventRecordID` range each of the `slots` chunk headers claims
/// (`None` where the header is unreadable or the range reversed): one
/// 512-byte read per chunk.
fn claimed_ids_of(source: &mut dyn ReadSeek, slots: u64) -> io::Result<Vec<Option<(u64, u64)>>> {
    let mut header = [0; CHUNK_HEADER_SIZE];
    (0..slots)
        .map(|number| {
            source.seek(SeekFrom::Start(chunk_offset(number)))?;
            let got = read_full(source, &mut header)?;
            Ok(claimed_ids(&header[..got]))
        })
        .collect()
}

/// The chunk holding the oldest records: the lowest first `EventRecordID`
/// among the chunks that claim a range (0 when there is none).
fn oldest_chunk(claimed: &[Option<(u64, u64)>]) -> u64 {
    let oldest = claimed
        .iter()
        .zip(0u64..)
        .filter_map(|(ids, number)| Some(((*ids)?.0, number)))
        .min();
    oldest.map_or(0, |(_, number)| number)
}

/// Read up to a chunk into `bytes` (empty), until the input ends; the
/// number of bytes read. `Take` answers the read past the chunk's end
/// itself, so no probe reaches the input.
fn read_chunk(input: &mut (impl Read + ?Sized), bytes: &mut Vec<u8>) -> io::Result<usize> {
    input.take(CHUNK_SIZE as u64).read_to_end(bytes)
}

/// Read until `buf` is full or the input ends; the number of bytes read.
fn read_full(input: &mut (impl Read + ?Sized), buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::all_zero;

    #[test]
    fn one_byte_anywhere_is_not_all_zero() {
        assert!(all_zero(&[]));
        let zeroes = vec![0u8; CHUNK + 7];
        assert!(all_zero(&zeroes));
        for at in [0, 1, 4095, 4096, 4097, CHUNK - 1, CHUNK + 6] {
            let mut bytes = zeroes.clone();
            bytes[at] = 0x80;
            assert!(!all_zero(&bytes), "{at}");
        }
    }

    const CHUNK: usize = super::CHUNK_SIZE;
}
