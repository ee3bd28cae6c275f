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

use std::io::{self, BufRead};

use crate::stream::with_chunk;

/// Default limit on one record's size. A single record bigger than this is
/// reported and skipped instead of growing memory without bound.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 256 * 1024 * 1024;

/// How many bytes of a non-JSON line are kept for the error message.
const SNIPPET_LEN: usize = 60;

/// One framed piece of input.
#[derive(Debug)]
pub(crate) enum Frame {
    /// A balanced `{…}` starting at `line`, `column` (both 1-based).
    Value {
        line: u64,
        column: u64,
        bytes: Vec<u8>,
    },
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
    /// After a bad record: skip to the end of the line, or (when
    /// `to_line_end` is false) to the next `{` in the first column.
    Skip { to_line_end: bool },
}

pub(crate) struct Framer<R> {
    input: R,
    scan: Scanner,
    finished: bool,
}

impl<R: BufRead> Framer<R> {
    pub(crate) fn new(input: R, max_record: usize) -> Self {
        Framer {
            input,
            scan: Scanner {
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
            },
            finished: false,
        }
    }

    /// The next frame, or `None` at the end of the input.
    pub(crate) fn next_frame(&mut self) -> Option<Frame> {
        if self.finished {
            return None;
        }
        loop {
            let scan = &mut self.scan;
            // `None` at the end of the input, else the frame the chunk
            // completed, if any.
            let read = with_chunk(&mut self.input, |chunk| {
                if chunk.is_empty() {
                    return (0, None);
                }
                for (i, &b) in chunk.iter().enumerate() {
                    if let Some(frame) = scan.step(b) {
                        return (i + 1, Some(Some(frame)));
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
}

impl Scanner {
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
            State::Garbage => Some(Frame::Bad {
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
                    self.state = State::Between;
                    let snippet = snippet(&self.buf);
                    self.buf.clear();
                    return Some(self.bad(Problem::NotJson { snippet }));
                }
                if self.buf.len() < SNIPPET_LEN {
                    self.buf.push(b);
                }
                None
            }
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
            _ => {
                self.state = State::Garbage;
                self.start_line = line;
                self.buf.clear();
                self.buf.push(b);
            }
        }
        None
    }

    fn begin(&mut self, b: u8, line: u64, column: u64) {
        self.state = State::Value;
        self.start_line = line;
        self.start_column = column;
        self.depth = 1;
        self.in_string = false;
        self.escaped = false;
        self.buf.clear();
        self.buf.push(b);
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
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
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
                            bytes: std::mem::take(&mut self.buf),
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
mod tests {
    use super::*;

    /// Frame `input` into (line, text-or-problem) pairs.
    fn frames(input: &str) -> Vec<(u64, Result<String, Problem>)> {
        frames_limited(input, DEFAULT_MAX_RECORD_BYTES)
    }

    fn frames_limited(input: &str, limit: usize) -> Vec<(u64, Result<String, Problem>)> {
        // A tiny buffer exercises records that straddle chunks.
        let reader = io::BufReader::with_capacity(7, input.as_bytes());
        let mut framer = Framer::new(reader, limit);
        let mut out = Vec::new();
        while let Some(frame) = framer.next_frame() {
            out.push(match frame {
                Frame::Value { line, bytes, .. } => (line, Ok(String::from_utf8(bytes).unwrap())),
                Frame::Bad { line, problem } => (line, Err(problem)),
                Frame::Io { error, .. } => panic!("{error}"),
            });
        }
        out
    }

    #[test]
    fn json_lines() {
        let got = frames("{\"a\":1}\n{\"b\":\"}{\"}\r\n\n{\"c\":[{}]}");
        assert_eq!(
            got,
            vec![
                (1, Ok("{\"a\":1}".into())),
                (2, Ok("{\"b\":\"}{\"}".into())),
                (4, Ok("{\"c\":[{}]}".into())),
            ]
        );
    }

    #[test]
    fn concatenated_pretty_documents() {
        let input = "{\n  \"a\": {\n    \"x\": \"\\\"{\"\n  }\n}\n{\n  \"b\": 2\n}\n";
        let got = frames(input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, 1);
        assert_eq!(got[1], (6, Ok("{\n  \"b\": 2\n}".into())));
    }

    #[test]
    fn arrays_on_one_line_and_pretty() {
        let got = frames("[{\"a\":1},{\"b\":2}]");
        assert_eq!(
            got,
            vec![(1, Ok("{\"a\":1}".into())), (1, Ok("{\"b\":2}".into()))]
        );
        let got = frames("[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": 2\n  }\n]\n");
        assert_eq!(got.iter().map(|f| f.0).collect::<Vec<_>>(), vec![2, 5]);
    }

    #[test]
    fn truncated_json_line_does_not_swallow_the_next() {
        let got = frames("{\"a\":1}\n{\"a\":{\"b\":2}\n{\"c\":3}\nnot json at all\n{\"d\":4}\n");
        assert_eq!(
            got,
            vec![
                (1, Ok("{\"a\":1}".into())),
                (2, Err(Problem::Truncated)),
                (3, Ok("{\"c\":3}".into())),
                (
                    4,
                    Err(Problem::NotJson {
                        snippet: "not json at all".into()
                    })
                ),
                (5, Ok("{\"d\":4}".into())),
            ]
        );
    }

    #[test]
    fn truncated_pretty_document_is_closed_by_the_next() {
        let got = frames("{\n  \"a\": {\n    \"b\": 1\n{\n  \"c\": 2\n}\n");
        assert_eq!(
            got,
            vec![
                (1, Err(Problem::Truncated)),
                (4, Ok("{\n  \"c\": 2\n}".into()))
            ]
        );
    }

    #[test]
    fn unterminated_string_resynchronises() {
        let got = frames("{\"a\":1}\n{\"a\":\"oops\n{\"b\":2}\n");
        assert_eq!(
            got,
            vec![
                (1, Ok("{\"a\":1}".into())),
                (2, Err(Problem::UnterminatedString)),
                (3, Ok("{\"b\":2}".into())),
            ]
        );
        let got = frames("{\n  \"a\": \"oops\n  \"x\": 1\n}\n{\n  \"b\": 2\n}");
        assert_eq!(got[0], (1, Err(Problem::UnterminatedString)));
        assert_eq!(got[1], (5, Ok("{\n  \"b\": 2\n}".into())));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn end_of_input_inside_a_record() {
        assert_eq!(
            frames("{\"a\":1}\n{\"a\":"),
            vec![(1, Ok("{\"a\":1}".into())), (2, Err(Problem::Truncated))]
        );
        assert_eq!(frames(""), vec![]);
        assert_eq!(frames("\u{feff}{}"), vec![(1, Ok("{}".into()))]);
    }

    #[test]
    fn oversized_record_is_skipped() {
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(100));
        let input = format!("{{\"ok\":1}}\n{big}\n{{\"ok\":2}}\n");
        let got = frames_limited(&input, 50);
        assert_eq!(
            got,
            vec![
                (1, Ok("{\"ok\":1}".into())),
                (2, Err(Problem::TooLarge { limit: 50 })),
                (3, Ok("{\"ok\":2}".into())),
            ]
        );
    }
}
