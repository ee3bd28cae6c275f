//! Cutting a byte stream into `<Event>…</Event>` elements.
//!
//! The inputs hold XML events in three layouts: one per syslog line after
//! a prefix (Sysmon for Linux), a stream of elements with or without line
//! breaks between them (`wevtutil qe /f:xml`), or such a stream inside an
//! `<Events>` root. None of them is one well-formed document, and one
//! broken element must not hide the others, so the framer looks only for
//! the start tag `<Event` (followed by a space or `>`) and the end tag
//! `</Event>`, and hands each element to the XML parser on its own. Text
//! between elements (syslog prefixes, the XML declaration, the `<Events>`
//! wrapper, other programs' syslog lines) is not a record and is passed
//! over.
//!
//! It works on chunks, not lines, so a multi-megabyte single-line export
//! costs the size of one element, not of the line. An element that starts
//! and is not closed before the next start tag or the end of the input is
//! reported as unclosed; one larger than the limit is reported as too
//! large and skipped.

use std::io::{self, BufRead};

use memchr::memchr;

use crate::stream::with_chunk;

/// The largest element kept; a Windows event is a few KiB.
pub const DEFAULT_MAX_ELEMENT_BYTES: usize = 16 * 1024 * 1024;

const START: &[u8] = b"<Event";
const END: &[u8] = b"</Event>";

/// One cut from the stream.
#[derive(Debug)]
pub(crate) enum Frame {
    /// A whole element, from `<` of its start tag to `>` of its end tag.
    Element {
        line: u64,
        column: u64,
        bytes: Vec<u8>,
    },
    /// An element whose end tag never came; `at_end`: the input ended
    /// (else the next element started).
    Unclosed {
        line: u64,
        at_end: bool,
    },
    TooLarge {
        line: u64,
        limit: usize,
    },
    Io {
        line: u64,
        error: io::Error,
    },
}

struct Current {
    line: u64,
    column: u64,
    bytes: Vec<u8>,
    oversized: bool,
}

pub(crate) struct Framer<R> {
    input: R,
    window: Vec<u8>,
    pos: usize,
    /// Line and column (1-based) of `window[pos]`.
    line: u64,
    column: u64,
    eof: bool,
    current: Option<Current>,
    limit: usize,
}

impl<R: BufRead> Framer<R> {
    pub fn new(input: R, limit: usize) -> Self {
        Framer {
            input,
            window: Vec::new(),
            pos: 0,
            line: 1,
            column: 1,
            eof: false,
            current: None,
            limit,
        }
    }

    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some(frame) = self.scan() {
                return Some(frame);
            }
            if self.eof {
                let cur = self.current.take()?;
                return Some(self.finish(cur, true));
            }
            if let Err(error) = self.refill() {
                self.eof = true;
                self.current = None;
                return Some(Frame::Io {
                    line: self.line,
                    error,
                });
            }
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.window.drain(..self.pos);
        self.pos = 0;
        let window = &mut self.window;
        let more = with_chunk(&mut self.input, |buf| {
            window.extend_from_slice(buf);
            (buf.len(), !buf.is_empty())
        })?;
        if !more {
            self.eof = true;
        }
        Ok(())
    }

    /// Find the next frame in the window; `None` when more input is needed
    /// (or the input is exhausted).
    fn scan(&mut self) -> Option<Frame> {
        loop {
            let rest = &self.window[self.pos..];
            let Some(lt) = memchr(b'<', rest) else {
                self.advance(rest.len());
                return None;
            };
            self.advance(lt);
            let rest = &self.window[self.pos..];
            if rest.len() < END.len() && !self.eof {
                return None;
            }
            let is_start = rest.starts_with(START)
                && rest
                    .get(START.len())
                    .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'));
            if is_start {
                if let Some(cur) = self.current.take() {
                    // Not consumed: the next scan starts the new element.
                    return Some(self.finish(cur, false));
                }
                self.current = Some(Current {
                    line: self.line,
                    column: self.column,
                    bytes: Vec::new(),
                    oversized: false,
                });
                self.advance(START.len());
            } else if self.current.is_some() && rest.starts_with(END) {
                self.advance(END.len());
                let cur = self.current.take().expect("inside an element");
                return Some(self.finish(cur, false));
            } else {
                self.advance(1);
            }
        }
    }

    /// Move past `n` bytes, keeping them if inside an element.
    fn advance(&mut self, n: usize) {
        let bytes = &self.window[self.pos..self.pos + n];
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
                self.column = (n - last) as u64;
            }
            None => self.column += n as u64,
        }
        if let Some(cur) = &mut self.current
            && !cur.oversized
        {
            if cur.bytes.len() + n > self.limit {
                cur.oversized = true;
                cur.bytes = Vec::new();
            } else {
                cur.bytes.extend_from_slice(bytes);
            }
        }
        self.pos += n;
    }

    fn finish(&self, cur: Current, at_end: bool) -> Frame {
        let closed = cur.bytes.ends_with(END);
        match (cur.oversized, closed) {
            (true, _) => Frame::TooLarge {
                line: cur.line,
                limit: self.limit,
            },
            (false, true) => Frame::Element {
                line: cur.line,
                column: cur.column,
                bytes: cur.bytes,
            },
            (false, false) => Frame::Unclosed {
                line: cur.line,
                at_end,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Cursor};

    use super::*;

    fn frames(input: &[u8], capacity: usize, limit: usize) -> Vec<String> {
        let reader = BufReader::with_capacity(capacity, Cursor::new(input.to_vec()));
        let mut framer = Framer::new(reader, limit);
        std::iter::from_fn(|| framer.next_frame())
            .map(|f| match f {
                Frame::Element {
                    line,
                    column,
                    bytes,
                } => format!("{line}:{column} {}", String::from_utf8_lossy(&bytes)),
                Frame::Unclosed { line, at_end } => format!("{line} unclosed {at_end}"),
                Frame::TooLarge { line, .. } => format!("{line} too large"),
                Frame::Io { line, .. } => format!("{line} io"),
            })
            .collect()
    }

    #[test]
    fn layouts_and_chunk_boundaries() {
        let input = b"<?xml version=\"1.0\"?>\n<Events><Event xmlns='x'><System/></Event><Event>\n<A/></Event>\nNov 27 h sysmon: <Event><B>&amp;</B></Event>\n</Events>";
        let want = vec![
            "2:9 <Event xmlns='x'><System/></Event>".to_owned(),
            "2:43 <Event>\n<A/></Event>".to_owned(),
            "4:18 <Event><B>&amp;</B></Event>".to_owned(),
        ];
        // Every buffer size puts the tags across chunk boundaries somewhere.
        for capacity in [1, 2, 3, 5, 7, 8, 13, 4096] {
            assert_eq!(
                frames(input, capacity, 1 << 20),
                want,
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn unclosed_and_oversized_elements() {
        let input = b"<Event><A>\n<Event><B/></Event>\n<Event><C>xxxxxxxxxxxxxxxxxxxxxxxx</C></Event>\n<Event><D/></Event><Event><E>";
        assert_eq!(
            frames(input, 4, 30),
            vec![
                "1 unclosed false".to_owned(),
                "2:1 <Event><B/></Event>".to_owned(),
                "3 too large".to_owned(),
                "4:1 <Event><D/></Event>".to_owned(),
                "4 unclosed true".to_owned(),
            ]
        );
        // `<Events>` and `<EventData>` are not `<Event` start tags.
        assert_eq!(
            frames(b"<Events><EventData/></Events>", 8, 100),
            Vec::<String>::new()
        );
    }
}
