//! Cutting the inputs into units of work, in input order.
//!
//! Files are the natural unit: most evidence folders hold many of them,
//! and across-file parallelism needs nothing from the readers. But a
//! single JSON-lines export can be most of a collection, so big files in a
//! format the JSON framer reads (those `tunnelhunt_sources::json::plan`
//! accepts) are cut into blocks of whole lines, each read by its own
//! reader on its own thread, with line numbers shifted back to the file's.
//!
//! A block reader must see exactly what the one reader over the whole file
//! would have seen, or splitting would change results. Where a cut may go
//! depends on the JSON framer's states, so `tunnelhunt_sources::json::plan`
//! decides it, line by line, as the cutter reads the file; the cutter only
//! reads (in big pieces, straight into the block) and hands out blocks.
//! A line longer than [`Limits::max_line`] also ends cutting, and the rest
//! of the file from the last cut is one unit read sequentially.
//!
//! Big uncompressed EVTX files (more than [`Limits::evtx_chunks`] chunks)
//! are cut into ranges of that many consecutive chunks in the order the
//! reader walks them (oldest first for a log that has wrapped), each read
//! by its own reader. EVTX chunks are self-contained, so no state needs to
//! be checked at a cut: `tunnelhunt_sources::evtx::plan` surveys the file
//! once (header, chunk order) and every range is read from that survey,
//! the first one reporting file-header damage and the last one missing
//! chunks, so the ranges in order yield exactly what the whole file does.
//! The one difference: an I/O error ends only its range, not the file.
//!
//! Other formats keep per-file state (headers, event groups), and gzip
//! streams cannot be entered in the middle: each of those files is one
//! unit.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use std::ops::Range;

use tunnelhunt_sources::Format;
use tunnelhunt_sources::decompress::is_gzip;
use tunnelhunt_sources::detect::{self, SNIFF_LEN};
use tunnelhunt_sources::evtx::{self, EvtxPlan};
use tunnelhunt_sources::json::{self, JsonPlan};

use super::pipeline::{Unit, UnitInfo};

/// How much is read at a time, at most.
const READ_AHEAD: usize = 1024 * 1024;

/// How far past [`Limits::block`] a block is read before the cut is
/// looked for: enough for a cut line to come (records are a few KB), and
/// little, since what lies past the cut is copied into the next block.
const PAST_LIMIT: usize = 64 * 1024;

/// Append up to `want` more bytes of `input` to `block`; how many (0 at
/// the end of the input). They are read straight into the block's spare
/// room: going through a `BufReader` would copy every byte of the file
/// once more, on the one thread that feeds all the others.
fn read_more(input: &mut File, block: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    block.reserve(want);
    // `read_to_end` retries interrupted reads and stops at the limit or
    // the end of the file.
    input.take(want as u64).read_to_end(block)
}

/// Block buffers the workers are done with, for the cutter to fill again.
/// A fresh buffer is memory the allocator has just mapped (or returned to
/// the OS since), so the kernel faults in and zeroes every page of it while
/// reading into it: about a fifth of the cutter's time on a big file.
static SPARE_BLOCKS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// How many spare buffers are kept: about as many as are in flight.
const SPARE_LIMIT: usize = 4;

/// The room a block is given up front: its size and what is read past
/// it, with slack for the last line. Growing it by doubling would copy it
/// again and fault in fresh pages at each step.
fn block_room(limits: Limits) -> usize {
    limits.block.saturating_add(PAST_LIMIT + 64 * 1024)
}

/// A spare block buffer, empty, or a new one.
fn spare_block() -> Vec<u8> {
    let spare = SPARE_BLOCKS.lock().ok().and_then(|mut spare| spare.pop());
    spare.unwrap_or_default()
}

/// A block of a file, given back as a spare buffer when dropped.
struct Block {
    bytes: Vec<u8>,
    /// Buffers bigger than this (a block that grew looking for a place to
    /// cut) are freed rather than kept.
    keep_up_to: usize,
}

impl AsRef<[u8]> for Block {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.bytes);
        if bytes.capacity() > self.keep_up_to {
            return;
        }
        bytes.clear();
        if let Ok(mut spare) = SPARE_BLOCKS.lock()
            && spare.len() < SPARE_LIMIT
        {
            spare.push(bytes);
        }
    }
}

/// Sizes that decide when and how files are cut.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A block is cut at the first suitable line past this many bytes.
    pub block: usize,
    /// JSON files smaller than this are one unit.
    pub min_file: u64,
    /// A line longer than this ends cutting for the rest of its file.
    pub max_line: usize,
    /// An EVTX file of more chunks than this is read in ranges of this
    /// many chunks (64 KiB each).
    pub evtx_chunks: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            block: 2 * 1024 * 1024,
            min_file: 4 * 1024 * 1024,
            max_line: 16 * 1024 * 1024,
            evtx_chunks: 4,
        }
    }
}

/// One unit of work.
pub enum Work {
    /// A whole file: the worker opens it, detects its format and reads it.
    File(PathBuf),
    /// Part of a file in a known format, starting at the beginning of
    /// line `first_line`.
    Part(Part),
    /// A range of the chunks of a big EVTX file.
    EvtxChunks(EvtxPart),
    /// Reading a file failed while it was being cut into blocks.
    Failed {
        path: Arc<Path>,
        line: u64,
        error: io::Error,
    },
}

impl Unit for Work {
    /// The file, and which part of it; the bytes it reads at most.
    fn describe(&self) -> UnitInfo {
        let size = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
        let (label, bytes) = match self {
            Work::File(path) => (path.display().to_string(), size(path)),
            Work::Part(part) => (
                format!("{} (from line {})", part.path.display(), part.first_line),
                size(&part.path),
            ),
            Work::EvtxChunks(part) => (
                format!(
                    "{} (chunks {} to {} of {})",
                    part.plan.path().display(),
                    part.range.start + 1,
                    part.range.end,
                    part.plan.chunk_order().len()
                ),
                part.range.len() as u64 * evtx::CHUNK_SIZE as u64,
            ),
            Work::Failed { path, .. } => (path.display().to_string(), 0),
        };
        UnitInfo { label, bytes }
    }
}

/// A block of lines of a file, or the rest of a file from a line on.
pub struct Part {
    pub path: Arc<Path>,
    pub format: Format,
    pub input: Box<dyn BufRead + Send>,
    /// 1-based line of the file where `input` starts.
    pub first_line: u64,
    /// The file's size, on its first part only (the file is counted once).
    pub opens_file: Option<u64>,
}

/// A range of an EVTX file's chunks, in the order they are read.
pub struct EvtxPart {
    pub plan: Arc<EvtxPlan>,
    /// Positions in [`EvtxPlan::chunk_order`].
    pub range: Range<usize>,
    /// The file's size, on its first part only (the file is counted once).
    pub opens_file: Option<u64>,
}

/// The units of `files`, in order, produced lazily.
pub fn plan(files: Vec<PathBuf>, limits: Limits) -> impl Iterator<Item = Work> + Send {
    let mut files = files.into_iter();
    let mut current: Option<Cutter> = None;
    let mut ranges: Option<EvtxRanges> = None;
    std::iter::from_fn(move || {
        loop {
            if let Some(cutter) = &mut current {
                if let Some(work) = cutter.next_unit() {
                    return Some(work);
                }
                current = None;
            }
            if let Some(r) = &mut ranges {
                if let Some(work) = r.next_unit() {
                    return Some(work);
                }
                ranges = None;
            }
            let path = files.next()?;
            match Cutter::open(&path, limits) {
                Some(Cut::Lines(cutter)) => current = Some(cutter),
                Some(Cut::Chunks(r)) => ranges = Some(r),
                None => return Some(Work::File(path)),
            }
        }
    })
}

/// How a big file is cut.
enum Cut {
    Lines(Cutter),
    Chunks(EvtxRanges),
}

/// Cuts one EVTX file into ranges of chunks.
struct EvtxRanges {
    plan: Arc<EvtxPlan>,
    per: usize,
    next: usize,
    size: Option<u64>,
}

impl EvtxRanges {
    /// Ranges of `path` when it has more than `per` chunks; `None` to read
    /// it as one unit (which also reports any problem opening it).
    fn open(path: &Path, size: u64, per: usize) -> Option<EvtxRanges> {
        let plan = evtx::plan(path).ok()?;
        (per > 0 && plan.chunk_order().len() > per).then(|| EvtxRanges {
            plan: Arc::new(plan),
            per,
            next: 0,
            size: Some(size),
        })
    }

    fn next_unit(&mut self) -> Option<Work> {
        let n = self.plan.chunk_order().len();
        if self.next >= n {
            return None;
        }
        let range = self.next..(self.next + self.per).min(n);
        self.next = range.end;
        Some(Work::EvtxChunks(EvtxPart {
            plan: Arc::clone(&self.plan),
            range,
            opens_file: self.size.take(),
        }))
    }
}

/// Cuts one file into blocks of lines.
struct Cutter {
    path: Arc<Path>,
    format: Format,
    input: Option<File>,
    limits: Limits,
    size: Option<u64>,
    /// Lines read past the end of the previous block, which start the
    /// next one, and the number of the first of them.
    carry: Vec<u8>,
    carry_line: u64,
    /// Where the blocks are cut.
    plan: JsonPlan,
    /// A read error met after the current block, reported after it.
    failure: Option<(u64, io::Error)>,
}

impl Cutter {
    /// A cutter for `path` if it is a big uncompressed file in a framed
    /// JSON format or in EVTX; `None` to read it as one unit (which also
    /// reports any problem opening it).
    fn open(path: &Path, limits: Limits) -> Option<Cut> {
        let size = std::fs::metadata(path).ok()?.len();
        let evtx_min = evtx::file_size(limits.evtx_chunks);
        if size < limits.min_file.min(evtx_min + 1) {
            return None;
        }
        let mut file = File::open(path).ok()?;
        let mut head = Vec::with_capacity(SNIFF_LEN);
        (&mut file)
            .take(SNIFF_LEN as u64)
            .read_to_end(&mut head)
            .ok()?;
        if is_gzip(&head) {
            return None;
        }
        let format = detect::detect(&head).ok()?;
        if format == Format::Evtx {
            drop(file);
            return EvtxRanges::open(path, size, limits.evtx_chunks).map(Cut::Chunks);
        }
        if size < limits.min_file {
            return None;
        }
        let plan = json::plan(format, limits.block)?;
        file.seek(SeekFrom::Start(0)).ok()?;
        Some(Cut::Lines(Cutter {
            path: Arc::from(path),
            format,
            input: Some(file),
            limits,
            size: Some(size),
            carry: Vec::new(),
            carry_line: 1,
            plan,
            failure: None,
        }))
    }

    fn next_unit(&mut self) -> Option<Work> {
        if let Some((line, error)) = self.failure.take() {
            return Some(Work::Failed {
                path: Arc::clone(&self.path),
                line,
                error,
            });
        }
        let mut input = self.input.take()?;
        let first_line = self.carry_line;
        let mut block = spare_block();
        block.extend_from_slice(&self.carry);
        self.carry.clear();
        self.plan.start_block();
        // The file is read in big pieces, not line by line, and the lines
        // are then looked at in place: `block[..done]` holds whole lines
        // the plan has looked at, `line` is the number of the next.
        let mut done = 0;
        let mut line = first_line;
        block.reserve(block_room(self.limits).saturating_sub(block.len()));
        loop {
            match self.plan.next_cut(&block, &mut done, &mut line) {
                json::Cut::NeedMore => {}
                json::Cut::At { at, line } => {
                    self.carry.extend_from_slice(&block[at..]);
                    block.truncate(at);
                    self.carry_line = line;
                    self.input = Some(input);
                    return Some(self.part(block, first_line, None));
                }
                json::Cut::Stop => return Some(self.part(block, first_line, Some(input))),
            }
            if block.len() - done > self.limits.max_line {
                // A line too long to hold: the rest is read as a stream.
                return Some(self.part(block, first_line, Some(input)));
            }
            // Read up to a little past the block size, then in small
            // pieces until the cut: the bytes after it are carried over.
            let want = match self.limits.block.checked_sub(block.len()) {
                Some(short) => short.saturating_add(PAST_LIMIT).min(READ_AHEAD),
                None => PAST_LIMIT,
            };
            match read_more(&mut input, &mut block, want) {
                Ok(0) => {
                    // End of file: the last block (its last line may have
                    // no line break; it cannot change where to cut).
                    return (!block.is_empty()).then(|| self.part(block, first_line, None));
                }
                Ok(_) => {}
                Err(error) => {
                    // The whole lines read so far first, then the failure.
                    block.truncate(done);
                    self.failure = Some((line, error));
                    if block.is_empty() {
                        return self.next_unit();
                    }
                    return Some(self.part(block, first_line, None));
                }
            }
        }
    }

    /// `bytes` as a block whose buffer is kept for reuse.
    fn block(&self, bytes: Vec<u8>) -> Block {
        Block {
            bytes,
            keep_up_to: 2 * block_room(self.limits),
        }
    }

    /// A unit over `block`, followed by the rest of `rest` when given.
    fn part(&mut self, block: Vec<u8>, first_line: u64, rest: Option<File>) -> Work {
        let input: Box<dyn BufRead + Send> = match rest {
            Some(rest) => Box::new(BufReader::with_capacity(
                256 * 1024,
                Cursor::new(self.block(block)).chain(rest),
            )),
            None => Box::new(Cursor::new(self.block(block))),
        };
        Work::Part(Part {
            path: Arc::clone(&self.path),
            format: self.format,
            input,
            first_line,
            opens_file: self.size.take(),
        })
    }
}

#[cfg(test)]
#[path = "units_tests.rs"]
mod tests;
