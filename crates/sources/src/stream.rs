//! Reading a byte stream: chunks, and lines with a size limit.
//!
//! Every text reader scans its input chunk by chunk from a [`BufRead`]
//! (the JSON and XML framers, the line readers), and all of them must
//! retry a read that was interrupted and stop for good on any other I/O
//! error; [`with_chunk`] is that loop, written once.
//!
//! [`Lines`] serves the line-oriented formats (Zeek, auditd, web access
//! logs, syslog, journal JSON). Each of them skips blank lines, reports a
//! line over the limit or a failed read as a [`ReadError`] at its file and
//! line, and goes on with the next line: [`Lines::next_content`] is that
//! loop, written once, so the readers differ only in what a line means.
//! `BufRead::read_until` grows its buffer for as long as the line goes on,
//! so one 2 GB line without a newline (a corrupt file, a binary blob with a
//! `.log` name) would take 2 GB of memory. This reader keeps at most
//! `limit` bytes of a line; the rest of an over-long line is read and
//! thrown away, and the line is reported as too long. Lines are bytes, not
//! text: Zeek and audit logs may carry bytes that are not UTF-8 and the
//! caller decides what to do with them.

use std::io::{self, BufRead};
use std::path::Path;
use std::sync::Arc;

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::origin::Origin;

/// Whether a UTF-8 byte-order mark at the start of a line is dropped
/// before the line is read. Access logs and Zeek logs written on Windows
/// (or concatenated from such files) carry one on the first line of each
/// part; syslog and the journal never do, and there a mark is a byte of
/// the line like any other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bom {
    Strip,
    Keep,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Call `take` with the next chunk of `input` (empty at the end of the
/// input), retrying reads that were interrupted, and consume as many bytes
/// as `take` says it used. Any other read error is returned.
pub(crate) fn with_chunk<R: BufRead + ?Sized, T>(
    input: &mut R,
    take: impl FnOnce(&[u8]) -> (usize, T),
) -> io::Result<T> {
    loop {
        match input.fill_buf() {
            Ok(chunk) => {
                let (used, out) = take(chunk);
                input.consume(used);
                return Ok(out);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// One line of input, without its `\n` (or `\r\n`).
#[derive(Debug)]
pub(crate) enum Line<'a> {
    Text {
        line: u64,
        bytes: &'a [u8],
    },
    /// The line at `line` is longer than the limit; it was skipped.
    TooLong {
        line: u64,
    },
    /// Reading failed while on `line`; the reader is finished.
    Io {
        line: u64,
        error: io::Error,
    },
}

pub(crate) struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    /// 1-based number of the next line.
    line: u64,
    limit: usize,
    finished: bool,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(input: R, limit: usize) -> Self {
        Lines {
            input,
            buf: Vec::new(),
            line: 1,
            limit,
            finished: false,
        }
    }

    /// The next line, or `None` at the end of the input.
    pub(crate) fn next_line(&mut self) -> Option<Line<'_>> {
        if self.finished {
            return None;
        }
        self.buf.clear();
        let mut too_long = false;
        let mut saw_bytes = false;
        loop {
            let (buf, limit) = (&mut self.buf, self.limit);
            // `Some(whether the line ended)`, `None` at the end of the input.
            let read = with_chunk(&mut self.input, |chunk| {
                if chunk.is_empty() {
                    return (0, None);
                }
                let (take, used, end) = match memchr::memchr(b'\n', chunk) {
                    Some(i) => (i, i + 1, true),
                    None => (chunk.len(), chunk.len(), false),
                };
                if !too_long {
                    if buf.len() + take > limit {
                        too_long = true;
                        buf.clear();
                        buf.shrink_to(64 * 1024);
                    } else {
                        buf.extend_from_slice(&chunk[..take]);
                    }
                }
                (used, Some(end))
            });
            match read {
                Err(error) => {
                    self.finished = true;
                    return Some(Line::Io {
                        line: self.line,
                        error,
                    });
                }
                Ok(None) => {
                    self.finished = true;
                    if !saw_bytes {
                        return None;
                    }
                    break;
                }
                Ok(Some(end)) => {
                    saw_bytes = true;
                    if end {
                        break;
                    }
                }
            }
        }
        let line = self.line;
        self.line += 1;
        if too_long {
            return Some(Line::TooLong { line });
        }
        let bytes = self.buf.strip_suffix(b"\r").unwrap_or(&self.buf);
        Some(Line::Text { line, bytes })
    }

    /// The next line that holds more than whitespace (after the mark `bom`
    /// says to drop) with its 1-based number, or the error of a line over
    /// the limit or of a failed read, placed at `path` and that line; `None`
    /// at the end of the input. After an I/O error the input is finished.
    pub(crate) fn next_content(
        &mut self,
        path: &Arc<Path>,
        bom: Bom,
    ) -> Option<Result<(u64, &[u8]), ReadError>> {
        let limit = self.limit;
        loop {
            // The line's bounds, not the borrowed line, leave the match: a
            // blank line must let the loop read on.
            let (line, start, end) = match self.next_line()? {
                Line::TooLong { line } => {
                    let kind = ReadErrorKind::TooLarge { limit };
                    return Some(Err(ReadError::new(path, line, kind)));
                }
                Line::Io { line, error } => {
                    return Some(Err(ReadError::new(path, line, ReadErrorKind::Io(error))));
                }
                Line::Text { line, bytes } => {
                    let skip = match bom {
                        Bom::Strip if bytes.starts_with(UTF8_BOM) => UTF8_BOM.len(),
                        _ => 0,
                    };
                    if bytes[skip..].iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    (line, skip, bytes.len())
                }
            };
            return Some(Ok((line, &self.buf[start..end])));
        }
    }
}

/// What a line reader read from the line at `line` of `path`: the event
/// and its [`Origin`] in the format the line turned out to be, or the
/// error placed there.
pub(crate) fn placed<E>(
    path: &Arc<Path>,
    line: u64,
    read: Result<(E, Format), ReadErrorKind>,
) -> Result<(Origin, E), ReadError> {
    match read {
        Ok((event, format)) => Ok((Origin::at_line(Arc::clone(path), line, format), event)),
        Err(kind) => Err(ReadError::new(path, line, kind)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Cursor};

    use super::*;

    fn collect(input: &[u8], limit: usize, capacity: usize) -> Vec<String> {
        let mut lines = Lines::new(
            BufReader::with_capacity(capacity, Cursor::new(input)),
            limit,
        );
        let mut out = Vec::new();
        while let Some(line) = lines.next_line() {
            out.push(match line {
                Line::Text { line, bytes } => format!("{line}:{}", String::from_utf8_lossy(bytes)),
                Line::TooLong { line } => format!("{line}:too long"),
                Line::Io { line, .. } => format!("{line}:io"),
            });
        }
        out
    }

    #[test]
    fn splits_lines_across_buffer_boundaries() {
        let input = b"alpha\r\nbeta\n\ngamma";
        for capacity in [1, 2, 3, 7, 64] {
            assert_eq!(
                collect(input, 100, capacity),
                ["1:alpha", "2:beta", "3:", "4:gamma"],
                "capacity {capacity}"
            );
        }
        assert!(collect(b"", 10, 8).is_empty());
        assert_eq!(collect(b"x\n", 10, 8), ["1:x"]);
    }

    #[test]
    fn over_long_lines_are_skipped_and_counted() {
        let input = b"short\nthis line is too long\nok\nlast line is too long too";
        for capacity in [4, 64] {
            assert_eq!(
                collect(input, 10, capacity),
                ["1:short", "2:too long", "3:ok", "4:too long"]
            );
        }
    }

    /// What `next_content` yields for `input`, one string per item.
    fn contents(input: &[u8], limit: usize, bom: Bom) -> Vec<String> {
        let path: Arc<Path> = Arc::from(Path::new("x.log"));
        let mut lines = Lines::new(BufReader::with_capacity(4, Cursor::new(input)), limit);
        let mut out = Vec::new();
        while let Some(item) = lines.next_content(&path, bom) {
            out.push(match item {
                Ok((line, bytes)) => format!("{line}:{}", String::from_utf8_lossy(bytes)),
                Err(e) => format!("{}:{}", e.line, e.kind),
            });
        }
        out
    }

    #[test]
    fn content_lines_skip_blanks_and_keep_their_numbers() {
        let input =
            b"\xEF\xBB\xBFfirst\n \t\r\n\nsecond\r\n\xEF\xBB\xBF \nthis one is too long\nlast";
        let too_long = format!("6:{}", ReadErrorKind::TooLarge { limit: 12 });
        assert_eq!(
            contents(input, 12, Bom::Strip),
            ["1:first", "4:second", &too_long, "7:last"]
        );
        // Where the format has no mark, it is a byte of the line: the
        // line holding only a mark and a blank is content.
        assert_eq!(
            contents(input, 12, Bom::Keep),
            [
                "1:\u{FEFF}first",
                "4:second",
                "5:\u{FEFF} ",
                &too_long,
                "7:last"
            ]
        );
    }
}
