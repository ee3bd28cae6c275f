//! Splitting a JSON byte stream into records, with their line numbers.
//!
//! One scanner handles every layout the evtx JSON shape comes in: JSON
//! lines, a single document, a top-level array (on one line or many), and
//! concatenated pretty-printed documents. It tracks only what is needed to
//! find where a value ends (brace depth, string and escape state), so it
//! streams with memory bounded by the largest record.
//!
//! We frame records ourselves instead of running serde_json's
//! `StreamDeserializer` over the whole file because that deserializer stops
//! for good at the first error: one bad line would hide every record after
//! it. Here a bad record is reported and the scanner resynchronises:
//!
//! * in a JSON-lines file (the first record fit on one line) a record that
//!   is still open at the end of its line is truncated, and the next line
//!   starts afresh;
//! * in a pretty-printed file a `{` in the first column outside any array
//!   starts a new document (pretty printers indent nested objects), so a
//!   truncated document is closed there;
//! * a raw line break inside a string is never valid JSON: the record is
//!   reported and the scanner skips to the next plausible record start.
//! * in a top-level array, an element that is not an object (`null`, a
//!   number, a string) is one bad record that ends at the `,` or `]` after
//!   it: a one-line array (`ConvertTo-Json -Compress`, API exports) with a
//!   `null` in it loses that element, not the rest of the line.
//!
//! Stepping the scanner byte by byte is most of the cost of reading a big
//! JSON-lines file, and looking for where a record ends is work the parser
//! does again, so a line that looks like one record is framed on trust:
//! when the scanner is between records at the start of a line, outside any
//! array and not in a pretty-printed file, and the line (all of it in the
//! reader's buffer, up to its `\n`) starts with `{` and, without its
//! trailing ASCII whitespace, ends with `}` and is within the size limit,
//! that text is framed whole as a [`Frame::Line`], without looking inside.
//! The line stays in the reader until the next frame is asked for: if the
//! consumer's parser rejects the text, [`Framer::reframe`] puts the
//! scanner back as it was before the line and steps through it, so that a
//! line which is not one valid record (two records, a record and more
//! text, a brace in a string, a truncated record) is framed and reported
//! exactly as stepping frames it. Every other line (one cut by the
//! buffer's end, not ending in `}`, too large, a byte-order mark) is
//! stepped at once.
//!
//! A line the parser accepts is framed as stepping would frame it. The
//! parser accepts only text that is one complete JSON value (the contract
//! of `JsonRecords::next_with`). In such text brackets and braces nest,
//! every string is closed and an escape is a backslash and one byte
//! (`\u` then four hex digits, which are plain bytes), so stepping, whose
//! depth and string rules are JSON's without the checks, closes the object
//! that opens in the first column at the end of that value: the last byte
//! of the text, which is `}`. Stepping would then skip the trailing
//! whitespace (the same ASCII whitespace that was trimmed, form feed
//! included, which serde_json would reject but is never shown it) to the
//! line end, and leave the scanner between records at the next line, with
//! an unknown layout settled to JSON lines: the state a line framed on
//! trust leaves. Stepping checks the size after each byte it pushes except
//! the closing one, so it lets a record of `max_record + 1` bytes through,
//! and so does the size condition here. A record the prefilter skips is
//! never parsed, but the prefilter skips only text it has read as one
//! complete JSON value (see `crate::prefilter`), which is just as good.

use std::io::{self, BufRead};

use memchr::memchr;

use crate::stream::with_chunk;

/// Default limit on one record's size. A single record bigger than this is
/// reported and skipped instead of growing memory without bound.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 256 * 1024 * 1024;

/// The record buffer is reused from record to record, but not kept bigger
/// than this after an exceptionally big record.
const KEPT_BUFFER: usize = 1 << 20;

/// How many bytes of a non-JSON line are kept for the error message.
const SNIPPET_LEN: usize = 60;

/// One framed piece of input.
#[derive(Debug)]
pub(crate) enum Frame {
    /// A balanced `{…}` starting at `line`, `column` (both 1-based); its
    /// bytes are [`Framer::record`] until the next frame is asked for (one
    /// buffer serves every record, rather than an allocation each).
    Value { line: u64, column: u64 },
    /// A line that starts with `{` and ends with `}`, framed whole on trust
    /// (see the module documentation): its text without the trailing
    /// whitespace is [`Framer::record`], at column 1. It is a record if it
    /// is one valid JSON value; if not, [`Framer::reframe`] frames the line
    /// again properly.
    Line { line: u64 },
    /// Input that is not a complete record.
    Bad { line: u64, problem: Problem },
    /// Reading failed at `line`; the framer is finished.
    Io { line: u64, error: io::Error },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    Truncated,
    UnterminatedString,
    NotJson { snippet: String },
    TooLarge { limit: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Unknown,
    /// One record per line.
    Lines,
    /// Records span lines.
    Pretty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records.
    Between,
    /// Inside a record.
    Value,
    /// Inside a line that does not start a JSON object.
    Garbage,
    /// Inside an element of a top-level array that is not an object
    /// (`null`, a number, a string…): one bad record, which ends at the
    /// `,` or `]` after it (outside a string) or at the line end, so that
    /// the elements after it on the line are still read.
    NotObject,
    /// After a bad record: skip to the end of the line, or (when
    /// `to_line_end` is false) to the next `{` in the first column.
    Skip { to_line_end: bool },
}

pub(crate) struct Framer<R> {
    input: R,
    scan: Scanner,
    finished: bool,
    /// The length of the line the last [`Frame::Line`] framed, with its
    /// `\n`: it is still in `input`, consumed only when the next frame is
    /// asked for, so that [`Framer::reframe`] can read it again.
    unconsumed: usize,
}

impl<R: BufRead> Framer<R> {
    pub(crate) fn new(input: R, max_record: usize) -> Self {
        Framer {
            input,
            scan: Scanner::new(max_record),
            finished: false,
            unconsumed: 0,
        }
    }

    /// A framer that steps every byte: the reference the fast path is
    /// tested against.
    #[cfg(test)]
    pub(super) fn without_fast_path(input: R, max_record: usize) -> Self {
        let mut framer = Framer::new(input, max_record);
        framer.scan.fast_path = false;
        framer
    }

    /// The bytes of the record the last [`Frame::Value`] or
    /// [`Frame::Line`] framed.
    pub(crate) fn record(&self) -> &[u8] {
        &self.scan.buf
    }

    /// Take back the [`Frame::Line`] just framed, whose text is not one
    /// JSON value: the next frames are what stepping through that line
    /// makes of it. Does nothing after any other frame.
    pub(crate) fn reframe(&mut self) {
        let Some(Rewind { line, layout }) = self.scan.rewind.take() else {
            return;
        };
        // Framing the line on trust changed nothing else that stepping
        // reads: the scanner was between records, in the first column,
        // outside arrays, and is so again.
        self.scan.line = line;
        self.scan.layout = layout;
        self.scan.step_line = true;
        self.unconsumed = 0;
    }

    /// The next frame, or `None` at the end of the input.
    pub(crate) fn next_frame(&mut self) -> Option<Frame> {
        // The line last framed on trust is kept: read past it for good.
        self.scan.rewind = None;
        self.input.consume(std::mem::take(&mut self.unconsumed));
        if self.finished {
            return None;
        }
        loop {
            let scan = &mut self.scan;
            let unconsumed = &mut self.unconsumed;
            // `None` at the end of the input, else the frame the chunk
            // completed, if any.
            let read = with_chunk(&mut self.input, |chunk| {
                if chunk.is_empty() {
                    return (0, None);
                }
                let mut i = 0;
                while i < chunk.len() {
                    if let Some((len, frame)) = scan.line_on_trust(&chunk[i..]) {
                        *unconsumed = len;
                        return (i, Some(Some(frame)));
                    }
                    // Step to the end of the line at most, so that the
                    // next line gets its chance at the fast path.
                    loop {
                        i += scan.take_plain(&chunk[i..]);
                        if i == chunk.len() {
                            break;
                        }
                        let b = chunk[i];
                        i += 1;
                        if let Some(frame) = scan.step(b) {
                            return (i, Some(Some(frame)));
                        }
                        if b == b'\n' || i == chunk.len() {
                            break;
                        }
                    }
                }
                (chunk.len(), Some(None))
            });
            match read {
                Err(error) => {
                    self.finished = true;
                    return Some(Frame::Io {
                        line: self.scan.line,
                        error,
                    });
                }
                Ok(None) => {
                    self.finished = true;
                    return self.scan.at_eof();
                }
                Ok(Some(Some(frame))) => return Some(frame),
                Ok(Some(None)) => {}
            }
        }
    }
}

/// The scanner state: everything but the reader, so that a chunk of the
/// reader's buffer can be scanned in place.
struct Scanner {
    /// Line and column of the next byte.
    line: u64,
    column: u64,
    state: State,
    layout: Layout,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// How many top-level `[` are open: records are their elements.
    array_depth: u32,
    buf: Vec<u8>,
    start_line: u64,
    start_column: u64,
    max_record: usize,
    /// Off only in tests, to compare with plain stepping.
    fast_path: bool,
    /// Set by [`Framer::reframe`]: step through the next line even if it
    /// looks like one record.
    step_line: bool,
    /// What framing the last line on trust changed, until the next frame.
    rewind: Option<Rewind>,
}

/// The scanner's line and layout before a line it framed on trust.
struct Rewind {
    line: u64,
    layout: Layout,
}

impl Scanner {
    fn new(max_record: usize) -> Self {
        Scanner {
            line: 1,
            column: 1,
            state: State::Between,
            layout: Layout::Unknown,
            depth: 0,
            in_string: false,
            escaped: false,
            array_depth: 0,
            buf: Vec::new(),
            start_line: 1,
            start_column: 1,
            max_record,
            fast_path: true,
            step_line: false,
            rewind: None,
        }
    }

    /// The fast path (see the module documentation): when `rest` starts
    /// with a whole line that may be one record, that line framed on trust
    /// and its length with the `\n` (the caller leaves it unconsumed);
    /// `None` to step through the line instead.
    fn line_on_trust(&mut self, rest: &[u8]) -> Option<(usize, Frame)> {
        if std::mem::take(&mut self.step_line)
            || !(self.fast_path
                && self.column == 1
                && self.state == State::Between
                && self.array_depth == 0
                && self.layout != Layout::Pretty
                && rest.first() == Some(&b'{'))
        {
            return None;
        }
        // A line cut by the end of the buffer or of the input is stepped:
        // what follows decides what it is, and it could not be read again.
        let line = &rest[..memchr(b'\n', rest)?];
        // `trim_ascii_end` takes off what stepping skips after a record.
        let record = line.trim_ascii_end();
        // Stepping checks the size after each byte it pushes except the
        // closing one, so a record of `max_record + 1` bytes still passes.
        if record.last() != Some(&b'}') || record.len() - 1 > self.max_record {
            return None;
        }
        let frame = Frame::Line { line: self.line };
        self.rewind = Some(Rewind {
            line: self.line,
            layout: self.layout,
        });
        // The state stepping would leave behind.
        self.start_line = self.line;
        self.start_column = 1;
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.clear_buf();
        self.buf.extend_from_slice(record);
        if self.layout == Layout::Unknown {
            self.layout = Layout::Lines;
        }
        self.line += 1;
        Some((line.len() + 1, frame))
    }

    /// Take the run of bytes at the start of `bytes` that `step` would
    /// only append to the record (inside a record: string contents up to a
    /// quote, backslash or line break; between strings anything but
    /// structure and line breaks), all at once; how many were taken. Those
    /// bytes change nothing but the column and the buffer, so this is the
    /// byte-by-byte path without its per-byte cost — what makes
    /// pretty-printed records, which the whole-line path cannot take,
    /// cheap to frame.
    fn take_plain(&mut self, bytes: &[u8]) -> usize {
        if !self.fast_path || self.state != State::Value || self.escaped {
            return 0;
        }
        // Stay within the size limit: the byte that crosses it goes
        // through `step`, which reports it.
        let room = self.max_record.saturating_sub(self.buf.len());
        let bytes = &bytes[..bytes.len().min(room)];
        let n = if self.in_string {
            memchr::memchr3(b'"', b'\\', b'\n', bytes).unwrap_or(bytes.len())
        } else {
            bytes
                .iter()
                .position(|b| matches!(b, b'"' | b'{' | b'}' | b'[' | b']' | b'\n'))
                .unwrap_or(bytes.len())
        };
        self.buf.extend_from_slice(&bytes[..n]);
        self.column += n as u64;
        n
    }

    fn at_eof(&mut self) -> Option<Frame> {
        let line = self.start_line;
        match std::mem::replace(&mut self.state, State::Between) {
            State::Value => {
                let problem = if self.in_string {
                    Problem::UnterminatedString
                } else {
                    Problem::Truncated
                };
                self.buf.clear();
                Some(Frame::Bad { line, problem })
            }
            State::Garbage | State::NotObject => Some(Frame::Bad {
                line,
                problem: Problem::NotJson {
                    snippet: snippet(&std::mem::take(&mut self.buf)),
                },
            }),
            State::Between | State::Skip { .. } => None,
        }
    }

    fn step(&mut self, b: u8) -> Option<Frame> {
        let at_line_start = self.column == 1;
        let (line, column) = (self.line, self.column);
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        match self.state {
            State::Between => self.between(b, line, column),
            State::Value => self.value(b, line, column, at_line_start),
            State::Garbage => {
                if b == b'\n' {
                    return Some(self.end_not_json());
                }
                self.keep_for_snippet(b);
                None
            }
            State::NotObject => self.not_object(b),
            State::Skip { to_line_end } => {
                if to_line_end {
                    if b == b'\n' {
                        self.state = State::Between;
                    }
                } else if b == b'{' && at_line_start && self.array_depth == 0 {
                    self.begin(b, line, column);
                }
                None
            }
        }
    }

    fn between(&mut self, b: u8, line: u64, column: u64) -> Option<Frame> {
        match b {
            b'{' => self.begin(b, line, column),
            b'[' => self.array_depth += 1,
            b']' | b',' if self.array_depth > 0 => {
                if b == b']' {
                    self.array_depth -= 1;
                }
            }
            // A UTF-8 byte-order mark at the start of the file.
            0xEF | 0xBB | 0xBF if line == 1 && column <= 3 => {}
            _ if b.is_ascii_whitespace() => {}
            _ if self.array_depth > 0 => {
                self.state = State::NotObject;
                self.start_line = line;
                self.in_string = b == b'"';
                self.escaped = false;
                self.buf.clear();
                self.buf.push(b);
            }
            _ => {
                self.state = State::Garbage;
                self.start_line = line;
                self.buf.clear();
                self.buf.push(b);
            }
        }
        None
    }

    /// A byte of an array element that is not an object; the element is
    /// reported when it ends. A string may hold the `,` and `]` that end
    /// it, so strings are followed (escapes included), as in a record.
    fn not_object(&mut self, b: u8) -> Option<Frame> {
        let ends = match b {
            b'\n' => true,
            _ if self.in_string => {
                self.step_in_string(b);
                false
            }
            b'"' => {
                self.in_string = true;
                false
            }
            b',' => true,
            b']' => {
                self.array_depth -= 1;
                true
            }
            _ => false,
        };
        if ends {
            self.in_string = false;
            self.escaped = false;
            return Some(self.end_not_json());
        }
        self.keep_for_snippet(b);
        None
    }

    /// One byte inside a string: the start or end of an escape, the
    /// closing quote, or text.
    #[inline]
    fn step_in_string(&mut self, b: u8) {
        if self.escaped {
            self.escaped = false;
        } else if b == b'\\' {
            self.escaped = true;
        } else if b == b'"' {
            self.in_string = false;
        }
    }

    /// The text that is not a record, collected in `buf`, ends here: it
    /// is reported by its start, and the framer is between records again.
    fn end_not_json(&mut self) -> Frame {
        self.state = State::Between;
        let snippet = snippet(&self.buf);
        self.buf.clear();
        self.bad(Problem::NotJson { snippet })
    }

    /// Keep `b` of text that is not a record, as far as its report shows.
    fn keep_for_snippet(&mut self, b: u8) {
        if self.buf.len() < SNIPPET_LEN {
            self.buf.push(b);
        }
    }

    fn begin(&mut self, b: u8, line: u64, column: u64) {
        self.state = State::Value;
        self.start_line = line;
        self.start_column = column;
        self.depth = 1;
        self.in_string = false;
        self.escaped = false;
        self.clear_buf();
        self.buf.push(b);
    }

    /// Empty the record buffer for the next record, letting go of the room
    /// an exceptionally big one took.
    fn clear_buf(&mut self) {
        if self.buf.capacity() > KEPT_BUFFER {
            self.buf = Vec::new();
        } else {
            self.buf.clear();
        }
    }

    fn value(&mut self, b: u8, line: u64, column: u64, at_line_start: bool) -> Option<Frame> {
        let in_array = self.array_depth > 0;
        if self.in_string {
            if b == b'\n' {
                // JSON strings cannot hold a raw line break.
                let to_line_end = self.layout == Layout::Lines && !in_array;
                self.state = State::Between;
                if !to_line_end {
                    self.state = State::Skip { to_line_end: false };
                }
                self.buf.clear();
                return Some(self.bad(Problem::UnterminatedString));
            }
            self.step_in_string(b);
        } else {
            match b {
                b'"' => self.in_string = true,
                b'{' if at_line_start && !in_array && self.layout != Layout::Lines => {
                    // A new document starts while this one is still open.
                    let bad = self.bad(Problem::Truncated);
                    self.begin(b, line, column);
                    return Some(bad);
                }
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        self.buf.push(b);
                        self.state = State::Between;
                        if self.layout == Layout::Unknown && !in_array {
                            self.layout = if line == self.start_line {
                                Layout::Lines
                            } else {
                                Layout::Pretty
                            };
                        }
                        return Some(Frame::Value {
                            line: self.start_line,
                            column: self.start_column,
                        });
                    }
                }
                b'\n' if self.layout == Layout::Lines && !in_array => {
                    self.state = State::Between;
                    self.buf.clear();
                    return Some(self.bad(Problem::Truncated));
                }
                _ => {}
            }
        }
        self.buf.push(b);
        if self.buf.len() > self.max_record {
            let to_line_end = self.layout == Layout::Lines && !in_array && b != b'\n';
            self.state = State::Skip { to_line_end };
            self.buf.clear();
            self.buf.shrink_to(64 * 1024);
            return Some(self.bad(Problem::TooLarge {
                limit: self.max_record,
            }));
        }
        None
    }

    fn bad(&self, problem: Problem) -> Frame {
        Frame::Bad {
            line: self.start_line,
            problem,
        }
    }
}

fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    let mut out: String = text.chars().take(SNIPPET_LEN - 3).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
