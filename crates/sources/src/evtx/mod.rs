//! Windows event logs (`.evtx`).
//!
//! Built on the `evtx` crate, but driven chunk by chunk rather than through
//! `EvtxParser`'s record iterators ([`chunks`] says why: damage stays in
//! its chunk, memory is one chunk, wrapped logs come out oldest first).
//! Each record is rendered to JSON and becomes the same
//! [`EvtxJsonEvent`] the evtx-JSON reader produces ([`decode`] says why),
//! so a rule sees identical fields whether it runs over the `.evtx` file or
//! over its `evtx_dump` export — `tests/evtx_twins.rs` in the CLI crate
//! holds us to that on SigmaHQ's regression data.
//!
//! Every record is accounted for: an event with its [`Origin`]
//! (`EventRecordID` and chunk number), or a [`ReadError`] whose kind is an
//! [`EvtxDamage`] naming the chunk and, where known, the record. A damaged
//! file (cut short, a chunk that fails its CRC32 or is garbage, a parser
//! panic) is read as far as it can be and never ends the scan; only an I/O
//! error ends the file. Records removed in a way that leaves every chunk
//! well-formed (a zeroed chunk, a gap in the record ids, a lowered
//! free-space offset, a duplicated chunk) are damage too ([`wipes`]).
//!
//! A big file can also be read in parts, on several threads: [`plan`]
//! surveys it once (file header, chunk order) and [`EvtxPlan::open`] reads
//! a range of that order. Chunks are self-contained, so a part needs
//! nothing from the chunks before it; the survey is the only state the
//! whole-file walk carries across chunks, and both walks are planned from
//! it, so the parts, read one after the other, yield exactly what the
//! whole file yields (file-header damage with the first part, missing
//! chunks with the last).

mod chunks;
mod damage;
mod decode;
pub(crate) mod keys;
mod wipes;

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Seek};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

pub use chunks::{CHUNK_SIZE, ReadSeek};
pub use damage::{EvtxDamage, EvtxProblem};
pub(crate) use keys::{ChunkKeys, RECORD_HEADER_SIZE};

use crate::error::{OpenError, ReadError, ReadErrorKind};
use crate::json::{EvtxJsonEvent, EvtxProjection};
use crate::origin::Origin;
use crate::prefilter::RawFilter;
use chunks::{Chunks, Piece, Survey};
use decode::{Decoder, Item, decode_chunk};
use tunnelhunt_engine::Prefilter;

/// Streams the events of one EVTX file, chunk by chunk.
///
/// Yields, in record order, one item per record (the event, or a
/// [`ReadError`] for a record that cannot be read) and one [`ReadError`]
/// per piece of file or chunk damage (see [`EvtxDamage::is_record`]).
/// After an I/O error it yields nothing more.
pub struct EvtxReader {
    path: Arc<Path>,
    chunks: Chunks,
    decoder: Decoder,
    /// The decoded items of the current chunk.
    ready: VecDeque<Item>,
}

impl EvtxReader {
    /// Read from a source that can seek, so that a log that has wrapped
    /// around comes out oldest record first.
    pub fn from_seekable(input: impl Read + Seek + Send + 'static, path: Arc<Path>) -> Self {
        Self::with(Chunks::seekable(Box::new(input)), path)
    }

    /// Read from a stream (e.g. a decompressor), chunks in file order.
    pub fn from_stream(input: impl Read + Send + 'static, path: Arc<Path>) -> Self {
        Self::with(Chunks::stream(Box::new(input)), path)
    }

    fn with(chunks: Chunks, path: Arc<Path>) -> Self {
        EvtxReader {
            path,
            chunks,
            decoder: Decoder::new(),
            ready: VecDeque::new(),
        }
    }

    /// Skip chunks whose UTF-16, and records whose rendered JSON,
    /// `prefilter` says no rule can match (see [`crate::prefilter`]).
    pub fn set_prefilter(&mut self, prefilter: Arc<Prefilter>) {
        self.decoder.filter = Some(RawFilter::new(prefilter));
    }

    /// How many records the prefilter skipped so far.
    pub fn prefiltered(&self) -> u64 {
        self.decoder.filter.as_ref().map_or(0, |f| f.skipped)
    }

    /// Keep in each event only what `projection` asks for (see
    /// [`crate::json::projection`]).
    pub fn set_projection(&mut self, projection: Arc<EvtxProjection>) {
        self.decoder.projection = Some(projection);
    }
}

/// Open `path` as an EVTX file, without checking its format first (see
/// [`crate::open`] for the reader that detects it).
pub fn read_evtx(path: &Path) -> Result<EvtxReader, OpenError> {
    let path: Arc<Path> = Arc::from(path);
    let file = File::open(&path).map_err(|source| OpenError::Io {
        path: Arc::clone(&path),
        source,
    })?;
    // Unbuffered: every read is a whole chunk or a chunk header, and a
    // buffer would turn each 512-byte header read into a 64 KiB one.
    Ok(EvtxReader::from_seekable(file, path))
}

/// How a seekable EVTX file will be read: its chunks in record order and
/// what its header says, found once so that ranges of chunks can be read
/// apart (see the module docs).
#[derive(Debug, Clone)]
pub struct EvtxPlan {
    path: Arc<Path>,
    survey: Survey,
}

/// The size of an EVTX file of `chunks` whole chunks: a file bigger than
/// that may hold more, one no bigger cannot.
pub fn file_size(chunks: usize) -> u64 {
    chunks::FILE_HEADER_SIZE as u64 + chunks as u64 * CHUNK_SIZE as u64
}

/// Survey `path` for reading in chunk ranges: one header read per chunk.
pub fn plan(path: &Path) -> Result<EvtxPlan, OpenError> {
    let path: Arc<Path> = Arc::from(path);
    let io_error = |source| OpenError::Io {
        path: Arc::clone(&path),
        source,
    };
    let mut file = File::open(&path).map_err(io_error)?;
    let survey = Survey::of(&mut file).map_err(io_error)?;
    Ok(EvtxPlan { path, survey })
}

impl EvtxPlan {
    /// Survey `input`, reporting positions against `path`.
    pub fn of(input: &mut (impl Read + Seek + Send), path: Arc<Path>) -> std::io::Result<Self> {
        Ok(EvtxPlan {
            path,
            survey: Survey::of(input)?,
        })
    }

    pub fn path(&self) -> &Arc<Path> {
        &self.path
    }

    /// The chunk numbers in the order they are read (oldest records first).
    pub fn chunk_order(&self) -> &[u64] {
        &self.survey.order
    }

    /// A reader over the chunks `chunk_order()[range]` of the file, which
    /// it opens again.
    ///
    /// # Panics
    /// If `range` is not within `0..chunk_order().len()`.
    pub fn open(&self, range: Range<usize>) -> Result<EvtxReader, OpenError> {
        let file = File::open(&self.path).map_err(|source| OpenError::Io {
            path: Arc::clone(&self.path),
            source,
        })?;
        Ok(self.reader(file, range))
    }

    /// A reader over the chunks `chunk_order()[range]` of `input`, the
    /// source this plan was made from.
    ///
    /// # Panics
    /// If `range` is not within `0..chunk_order().len()`.
    pub fn reader(
        &self,
        input: impl Read + Seek + Send + 'static,
        range: Range<usize>,
    ) -> EvtxReader {
        let chunks = Chunks::planned(Box::new(input), &self.survey, range);
        EvtxReader::with(chunks, Arc::clone(&self.path))
    }
}

impl Iterator for EvtxReader {
    type Item = Result<(Origin, EvtxJsonEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            match self.chunks.next_piece()? {
                Ok(Piece::Chunk { number, bytes }) => {
                    decode_chunk(
                        number,
                        bytes,
                        &mut self.decoder,
                        &self.path,
                        &mut self.ready,
                    );
                }
                Ok(Piece::Damage(problem)) => {
                    return Some(Err(decode::damage(&self.path, None, None, problem)));
                }
                Ok(Piece::ChunkDamage { number, problem }) => {
                    return Some(Err(decode::damage(&self.path, Some(number), None, problem)));
                }
                Err(e) => {
                    return Some(Err(ReadError::new(&self.path, 0, ReadErrorKind::Io(e))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
