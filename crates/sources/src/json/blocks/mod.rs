//! Where a big file in a framed JSON format can be cut into blocks that
//! are read on their own.
//!
//! A single JSON-lines export can be most of a collection, so a caller
//! that reads in parallel cuts big files (evtx JSON, ECS, Defender for
//! Endpoint JSON: the formats [`plan`] accepts) into blocks of whole
//! lines, each read by its own reader, with line numbers shifted back to
//! the file's. The reading is the caller's; where to cut is decided here,
//! next to the framer whose states the decision depends on, so that the
//! framer and the rules for cutting it cannot drift apart.
//!
//! A block reader must see exactly what the one reader over the whole file
//! would have seen, or splitting would change results. The framer
//! (`frame`) carries state across lines (whether the file is one record
//! per line or pretty-printed, whether a top-level array is open), so a
//! cut is made only where that state is known to be the fresh one: every
//! line up to the cut has been checked to be JSON-lines-shaped — a record
//! that opens and closes on its line, a line with no record (blank, or
//! text the framer reports as not JSON), or, once the file is known to be
//! one record per line, a record cut short at its line end — and the
//! block after the cut starts with a complete one-line record, so that its
//! fresh reader settles on one-record-per-line as the file's did.
//! A file whose first record goes on past its first line is a stream of
//! pretty-printed documents (what `evtx_dump -o json` writes); it is
//! followed line by line instead ([`pretty`]) and cut before a line that
//! opens a document in its first column.
//! At the first line that is anything else (a `[`, a pretty-printed
//! document in a one-record-per-line file) cutting stops ([`Cut::Stop`]),
//! and the rest of the file from the last cut is one unit read
//! sequentially; so it does when no place to cut has come for
//! [`MAX_BLOCK_FACTOR`] times the block size.
//! Once the file has shown itself to be one record per line, a line with
//! no `[` byte needs no classifying (only the one a cut would go before
//! does): in that layout the framer is between records at every line
//! start, and only a top-level `[` could change that.

mod pretty;

use crate::format::Format;
use pretty::{Pretty, Step};

use super::skim;

/// A block that finds no place to cut within this many times its size
/// ends cutting for the rest of its file.
pub const MAX_BLOCK_FACTOR: usize = 4;

/// The cutting of one file in a framed JSON format into blocks of about
/// `block` bytes, followed line by line from the file's start.
#[derive(Debug, Clone)]
pub struct JsonPlan {
    /// A block is cut at the first suitable line past this many bytes.
    block: usize,
    /// Whether the file has shown itself to be one record per line (a
    /// record opened and closed on one line).
    lines_layout: bool,
    /// Set when the file's first record goes on past its line: the file
    /// is followed as pretty-printed documents.
    pretty: Option<Pretty>,
    /// Where the last pretty-printed candidate line starts in the current
    /// block, and its line number (see [`pretty`]).
    candidate: Option<(usize, u64)>,
}

/// What [`JsonPlan::next_cut`] found in a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// No decision in the whole lines held: read more of the file.
    NeedMore,
    /// The block ends before byte `at` (the start of line `line` of the
    /// file); the rest starts the next block.
    At { at: usize, line: u64 },
    /// No more cuts in this file: the rest of it, from the start of this
    /// block, is one unit.
    Stop,
}

/// How a file in `format` is cut into blocks of about `block` bytes;
/// `None` if its format is not one the JSON framer reads (those files are
/// one unit each, or are cut another way, as EVTX is).
pub fn plan(format: Format, block: usize) -> Option<JsonPlan> {
    matches!(format, Format::EvtxJson | Format::Ecs | Format::MdeJson).then_some(JsonPlan {
        block,
        lines_layout: false,
        pretty: None,
        candidate: None,
    })
}

impl JsonPlan {
    /// Start a block at a cut (or at the start of the file).
    pub fn start_block(&mut self) {
        self.candidate = None;
    }

    /// Look at the whole lines of `block` (the bytes of the current block
    /// so far) from `*done`, counting them into `*line` (the number of the
    /// line that starts at `*done`), until one decides the block: where to
    /// cut it, or to stop cutting. The lines looked at are added to
    /// `*done`; a last line without its `\n` is left for the next call.
    pub fn next_cut(&mut self, block: &[u8], done: &mut usize, line: &mut u64) -> Cut {
        loop {
            *done = self.pass_plain_lines(block, *done, line);
            let Some(end) = memchr::memchr(b'\n', &block[*done..]).map(|n| *done + n + 1) else {
                return Cut::NeedMore;
            };
            let start = *done;
            let verdict = self.classify(&block[start..end], start, *line);
            *done = end;
            *line += 1;
            // Not a shape cutting follows, or no place to cut has come
            // for long (blank or garbage lines, records cut short): the
            // rest of the file, from the start of this block, is one
            // sequential unit, rather than a block growing without bound.
            let too_long = end > self.block.saturating_mul(MAX_BLOCK_FACTOR);
            match verdict {
                _ if too_long => return Cut::Stop,
                LineVerdict::StopCutting => return Cut::Stop,
                LineVerdict::CutBefore { at, line } => return Cut::At { at, line },
                LineVerdict::GoOn => {}
            }
        }
    }

    /// Pass over the whole lines of `block` from `done` that need no
    /// classifying, counting them into `line`; where the rest starts. Once
    /// the file is one record per line, a line that starts before the block
    /// size (no cut goes there) and holds no `[` (no array can open on it)
    /// is nothing that stops cutting: whatever its shape, classifying it
    /// would only say "go on". Finding the first `[` and counting line
    /// breaks over the whole run costs less than looking at each line.
    fn pass_plain_lines(&self, block: &[u8], done: usize, line: &mut u64) -> usize {
        if !self.lines_layout || self.pretty.is_some() || done >= self.block {
            return done;
        }
        let horizon = self.block.min(block.len());
        let horizon = memchr::memchr(b'[', &block[done..horizon]).map_or(horizon, |i| done + i);
        let Some(last) = memchr::memrchr(b'\n', &block[done..horizon]) else {
            return done;
        };
        let end = done + last + 1;
        *line += newlines(&block[done..end]);
        end
    }

    /// Classify one line (`text`, with its line break) that starts at
    /// `start` in the block and is line number `line` of the file.
    fn classify(&mut self, text: &[u8], start: usize, line: u64) -> LineVerdict {
        let cut_wanted = start > 0 && start >= self.block;
        let first_line_of_file = line == 1;
        if let Some(pretty) = &mut self.pretty {
            let Some(step) = pretty.next_line(text) else {
                return LineVerdict::StopCutting;
            };
            return match step {
                Step::Candidate => {
                    self.candidate = Some((start, line));
                    LineVerdict::GoOn
                }
                Step::Confirmed => match self.candidate.take() {
                    Some((at, line)) if at > 0 && at >= self.block => {
                        LineVerdict::CutBefore { at, line }
                    }
                    _ => LineVerdict::GoOn,
                },
                Step::Other => LineVerdict::GoOn,
            };
        }
        // The lines that need no classifying are passed over before they
        // get here (`pass_plain_lines`).
        let shape = line_shape(text, first_line_of_file);
        match shape {
            Shape::OneLineRecord | Shape::Records => {
                self.lines_layout = true;
                if cut_wanted && shape == Shape::OneLineRecord {
                    LineVerdict::CutBefore { at: start, line }
                } else {
                    LineVerdict::GoOn
                }
            }
            Shape::NoRecord => LineVerdict::GoOn,
            Shape::OpenAtEnd if self.lines_layout => LineVerdict::GoOn,
            // The first record goes on past its line: the file is
            // pretty-printed, followed from here by `Pretty`.
            Shape::OpenAtEnd => {
                let text = if first_line_of_file {
                    text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
                } else {
                    text
                };
                self.pretty = Pretty::start(text);
                if self.pretty.is_some() {
                    LineVerdict::GoOn
                } else {
                    LineVerdict::StopCutting
                }
            }
            Shape::Unsafe => LineVerdict::StopCutting,
        }
    }
}

/// What one classified line means for cutting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineVerdict {
    /// The line is of a shape that cutting cannot follow: no more cuts.
    StopCutting,
    /// Nothing to decide here: look at the next line.
    GoOn,
    /// The block may be cut before byte `at`, the start of line `line`.
    CutBefore { at: usize, line: u64 },
}

/// How many `\n` bytes `bytes` holds. Counted in runs of at most 255
/// bytes into a `u8`, which the compiler turns into wide vector compares
/// and adds; a plain `filter().count()` stays byte by byte.
fn newlines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|run| u64::from(run.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

/// What one line looks like to the JSON framer, as far as cutting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Starts in its first column with an object that closes on the line
    /// (whatever follows it on the line): a block may start here.
    OneLineRecord,
    /// Holds one or more objects that close on the line, not starting in
    /// the first column.
    Records,
    /// Blank, or text that is not JSON: the framer reports it (or not)
    /// and is between records at the line end whatever the file's layout.
    NoRecord,
    /// An object (or a string in it) is still open at the line end: a
    /// truncated record if the file is one record per line, the start of
    /// a pretty-printed one otherwise.
    OpenAtEnd,
    /// Opens a top-level array, which changes how the framer reads the
    /// following lines.
    Unsafe,
}

/// Classify `line` (with or without its `\n`) the way the framer would
/// scan it from between records: objects are balanced over `{}`/`[]`
/// outside strings; outside objects a `[` opens an array, other text is
/// not JSON up to the line end.
///
/// Every line of a cut file goes through here, so objects are skimmed
/// (string contents skipped with `memchr2`) rather than stepped byte by
/// byte, by the same rules as the framer's own fast path.
fn line_shape(line: &[u8], first_line_of_file: bool) -> Shape {
    let mut line = line.strip_suffix(b"\n").unwrap_or(line);
    if first_line_of_file {
        line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    }
    let mut records = 0;
    let mut first_at_start = false;
    let mut i = 0;
    while let Some(&b) = line.get(i) {
        match b {
            b'{' => {
                let Some(close) = skim::value_end(&line[i..]) else {
                    return Shape::OpenAtEnd;
                };
                first_at_start |= i == 0;
                records += 1;
                i += close + 1;
            }
            b'[' => return Shape::Unsafe,
            _ if b.is_ascii_whitespace() => i += 1,
            // Not JSON: the framer skips to the line end.
            _ => break,
        }
    }
    if records == 0 {
        Shape::NoRecord
    } else if first_at_start {
        Shape::OneLineRecord
    } else {
        Shape::Records
    }
}

#[cfg(test)]
mod tests;
