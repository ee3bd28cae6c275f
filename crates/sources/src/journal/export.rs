//! `journalctl -o export`: the journal's binary-safe serialization.
//!
//! Each entry is a run of fields ended by a blank line. A field is
//! `KEY=value\n` when its value is text without a newline, else `KEY\n`,
//! the value's length as a 64-bit little-endian number, the value, and
//! `\n`. So the input is cut by bytes, not by lines: a binary value may
//! hold newlines. Memory is bounded by the limit on one field (and one
//! entry's fields); a longer field is reported and skipped by reading past
//! it, never held.

use std::io::{self, BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use super::{JournalError, entry};
use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::origin::Origin;
use crate::syslog::{LinuxRecord, snippet};

/// The longest field value (and the most bytes of fields in one entry)
/// kept.
pub const MAX_ENTRY_BYTES: usize = 16 * 1024 * 1024;

/// Streams the entries of `journalctl -o export` output.
pub struct JournalExportReader<R> {
    input: R,
    path: Arc<Path>,
    /// 1-based line of the next byte (every `\n` read counts).
    line: u64,
    limit: usize,
    done: bool,
}

/// One entry as read, or why it could not be.
struct Raw {
    line: u64,
    fields: Vec<(String, Vec<u8>)>,
    problem: Option<ReadErrorKind>,
}

impl<R: BufRead> JournalExportReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        Self::with_limit(input, path, MAX_ENTRY_BYTES)
    }

    /// Like [`JournalExportReader::new`], with a limit on one entry's size.
    pub fn with_limit(input: R, path: impl Into<Arc<Path>>, limit: usize) -> Self {
        JournalExportReader {
            input,
            path: path.into(),
            line: 1,
            limit,
            done: false,
        }
    }

    /// The next entry's fields, `Ok(None)` at the end of the input.
    fn read_entry(&mut self) -> io::Result<Option<Raw>> {
        let mut raw = Raw {
            line: self.line,
            fields: Vec::new(),
            problem: None,
        };
        let mut size = 0usize;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let start_line = self.line;
            let n = (&mut self.input)
                .take(self.limit as u64 + 1)
                .read_until(b'\n', &mut buf)?;
            if n == 0 {
                self.done = true;
                let any = !raw.fields.is_empty() || raw.problem.is_some();
                return Ok(any.then_some(raw));
            }
            let ended = buf.last() == Some(&b'\n');
            if ended {
                self.line += 1;
                buf.pop();
            } else if buf.len() > self.limit {
                // Pass over the rest of an over-long line.
                let skipped = skip_line(&mut self.input)?;
                self.line += u64::from(skipped);
                raw.problem
                    .get_or_insert(ReadErrorKind::TooLarge { limit: self.limit });
                continue;
            }
            if buf.is_empty() {
                if raw.fields.is_empty() && raw.problem.is_none() {
                    raw.line = self.line;
                    continue;
                }
                return Ok(Some(raw));
            }
            if raw.fields.is_empty() && raw.problem.is_none() {
                raw.line = start_line;
            }
            if let Some(eq) = memchr::memchr(b'=', &buf) {
                let key = String::from_utf8_lossy(&buf[..eq]).into_owned();
                let value = buf[eq + 1..].to_vec();
                size += value.len();
                raw.fields.push((key, value));
            } else if is_field_name(&buf) {
                let key = String::from_utf8_lossy(&buf).into_owned();
                match self.binary(&key, size)? {
                    Ok(value) => {
                        size += value.len();
                        raw.fields.push((key, value));
                    }
                    Err(problem) => {
                        raw.problem.get_or_insert(ReadErrorKind::Journal(problem));
                        if self.done {
                            return Ok(Some(raw));
                        }
                    }
                }
            } else {
                let text = String::from_utf8_lossy(&buf);
                raw.problem
                    .get_or_insert(ReadErrorKind::Journal(JournalError::BadExportField {
                        snippet: snippet(&text),
                    }));
            }
            if size > self.limit {
                raw.problem
                    .get_or_insert(ReadErrorKind::TooLarge { limit: self.limit });
                raw.fields.clear();
                size = 0;
            }
        }
    }

    /// The value of a binary field whose key line was just read.
    fn binary(&mut self, key: &str, used: usize) -> io::Result<Result<Vec<u8>, JournalError>> {
        let mut length = [0u8; 8];
        if let Err(e) = self.input.read_exact(&mut length) {
            return self.cut_short(e, key);
        }
        self.line += newlines(&length);
        let length = u64::from_le_bytes(length);
        if length > (self.limit.saturating_sub(used)) as u64 {
            // Read past the value without keeping it; a damaged length
            // may take the rest of the input with it.
            let mut counter = NewlineCounter::default();
            io::copy(&mut (&mut self.input).take(length), &mut counter)?;
            self.line += counter.0;
            let newline = self.skip_newline()?;
            if !newline {
                self.done = true;
            }
            return Ok(Err(JournalError::BinaryTooLarge {
                key: key.to_owned(),
                length,
                limit: self.limit,
            }));
        }
        let mut value = vec![0u8; length as usize];
        if let Err(e) = self.input.read_exact(&mut value) {
            return self.cut_short(e, key);
        }
        self.line += newlines(&value);
        if !self.skip_newline()? {
            return Ok(Err(JournalError::NoNewlineAfterBinary {
                key: key.to_owned(),
            }));
        }
        Ok(Ok(value))
    }

    fn cut_short(
        &mut self,
        error: io::Error,
        key: &str,
    ) -> io::Result<Result<Vec<u8>, JournalError>> {
        if error.kind() != io::ErrorKind::UnexpectedEof {
            return Err(error);
        }
        self.done = true;
        Ok(Err(JournalError::TruncatedBinary {
            key: key.to_owned(),
        }))
    }

    /// Consume a `\n` if it is the next byte.
    fn skip_newline(&mut self) -> io::Result<bool> {
        let next = crate::stream::with_chunk(&mut self.input, |chunk| match chunk.first() {
            Some(b'\n') => (1, true),
            _ => (0, false),
        })?;
        if next {
            self.line += 1;
        }
        Ok(next)
    }
}

/// Whether `bytes` can be a journal field name: upper-case letters,
/// digits and underscores, as the journal requires.
fn is_field_name(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
}

/// Read up to and including the next `\n`, keeping nothing; how many
/// newlines that was (0 at the end of the input).
fn skip_line<R: BufRead>(input: &mut R) -> io::Result<u8> {
    loop {
        let (found, end) =
            crate::stream::with_chunk(input, |chunk| match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, (true, false)),
                None => (chunk.len(), (false, chunk.is_empty())),
            })?;
        if found {
            return Ok(1);
        }
        if end {
            return Ok(0);
        }
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// A sink that counts the newlines written to it.
#[derive(Default)]
struct NewlineCounter(u64);

impl io::Write for NewlineCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += newlines(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<R: BufRead> Iterator for JournalExportReader<R> {
    type Item = Result<(Origin, LinuxRecord), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let raw = match self.read_entry() {
            Ok(Some(raw)) => raw,
            Ok(None) => return None,
            Err(error) => {
                self.done = true;
                return Some(Err(ReadError::new(
                    &self.path,
                    self.line,
                    ReadErrorKind::Io(error),
                )));
            }
        };
        let line = raw.line;
        let result = match raw.problem {
            Some(problem) => Err(problem),
            None => entry(raw.fields, line),
        };
        Some(
            result
                .map(|record| {
                    let origin =
                        Origin::at_line(Arc::clone(&self.path), line, Format::JournalExport);
                    (origin, record)
                })
                .map_err(|kind| ReadError::new(&self.path, line, kind)),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Cursor};

    use super::*;

    fn binary(key: &str, value: &[u8]) -> Vec<u8> {
        let mut out = format!("{key}\n").into_bytes();
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
        out.extend_from_slice(value);
        out.push(b'\n');
        out
    }

    fn read(input: Vec<u8>, capacity: usize, limit: usize) -> Vec<Result<(u64, String), String>> {
        let reader = JournalExportReader::with_limit(
            BufReader::with_capacity(capacity, Cursor::new(input)),
            Path::new("x"),
            limit,
        );
        reader
            .map(|r| match r {
                Ok((origin, LinuxRecord::Log(e))) => {
                    Ok((origin.line().unwrap_or(0), e.message().to_owned()))
                }
                Ok((_, LinuxRecord::Sysmon(_))) => Ok((0, "sysmon".to_owned())),
                Err(e) => Err(format!("{}:{}", e.line, e.kind)),
            })
            .collect()
    }

    #[test]
    fn text_and_binary_fields_with_line_numbers() {
        let mut input =
            b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1700000000000000\nMESSAGE=one\n_HOSTNAME=h\n\n"
                .to_vec();
        input.extend(b"__CURSOR=s=2\n");
        input.extend(binary("MESSAGE", b"two\nlines"));
        input.extend(b"SYSLOG_IDENTIFIER=sshd\n\n\n");
        input.extend(b"__CURSOR=s=3\nMESSAGE=last, no blank line");
        for capacity in [1, 3, 64] {
            assert_eq!(
                read(input.clone(), capacity, 1024),
                vec![
                    Ok((1, "one".to_owned())),
                    Ok((6, "two\nlines".to_owned())),
                    Ok((13, "last, no blank line".to_owned())),
                ],
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn damage_is_reported_per_entry() {
        let mut input = b"__CURSOR=s=1\nnot a field\nMESSAGE=x\n\n".to_vec();
        input.extend(binary("MESSAGE", &[b'a'; 100]));
        input.extend(b"\n__CURSOR=s=3\nMESSAGE=ok\n\n");
        input.extend(b"MESSAGE\n\x05\x00");
        let got = read(input, 8, 50);
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(
            matches!(&got[0], Err(e) if e.starts_with("1:not a journal export field")),
            "{got:?}"
        );
        assert!(
            matches!(&got[1], Err(e) if e.contains("over the limit")),
            "{got:?}"
        );
        assert_eq!(got[2], Ok((8, "ok".to_owned())));
        assert!(
            matches!(&got[3], Err(e) if e.contains("cut short")),
            "{got:?}"
        );
    }
}
