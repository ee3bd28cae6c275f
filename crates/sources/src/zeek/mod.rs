//! Zeek logs: `dns.log`, `conn.log` (and any other Zeek log), TSV or JSON.
//!
//! Zeek sees the network, not the host, so for tunnelling it is where DNS
//! tunnels (long, high-entropy query names, TXT floods) and odd
//! connections (SSH on port 80, long-lived flows to a VPS) show up. Entries
//! of `dns.log` are Sigma `dns_query` events and entries of `conn.log` are
//! `network_connection` events, with `product: zeek` and the log's name as
//! `service`, so SigmaHQ's Zeek rules (`product: zeek, service: dns`, Zeek
//! field names) and taxonomy rules (`category: dns_query`, `QueryName`)
//! both reach them. Other Zeek logs pass through with their native names.
//!
//! One reader takes both encodings line by line: `#` lines are TSV header
//! directives ([`tsv`]), a `{` line when no TSV header is in force is a JSON
//! entry ([`json`]), any other line is a TSV entry under the header in
//! force. Lines are bytes with a size limit (`stream::Lines`), so a corrupt file
//! cannot make one line take unbounded memory; a bad line is a
//! [`ReadError`] with its line number and the next line is read as usual.

mod event;
mod json;
pub mod mapping;
mod tsv;

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

pub use event::{Log, Value, ZeekEvent};

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::json::DEFAULT_MAX_RECORD_BYTES;
use crate::origin::Origin;
use crate::stream::{Bom, Lines, placed};

/// Streams the entries of one Zeek log.
///
/// Yields one item per entry: the event with its [`Origin`] (the file
/// line), or a [`ReadError`]. Header lines, blank lines and `#close` yield
/// nothing. After an I/O error (including a corrupt compressed stream) the
/// stream ends.
pub struct ZeekReader<R> {
    lines: Lines<R>,
    path: Arc<Path>,
    header: tsv::Header,
}

impl<R: BufRead> ZeekReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        Self::with_max_line_bytes(input, path, DEFAULT_MAX_RECORD_BYTES)
    }

    /// Like [`ZeekReader::new`], with a limit on one line's size.
    pub fn with_max_line_bytes(input: R, path: impl Into<Arc<Path>>, limit: usize) -> Self {
        ZeekReader {
            lines: Lines::new(input, limit),
            path: path.into(),
            header: tsv::Header::default(),
        }
    }
}

impl<R: BufRead> Iterator for ZeekReader<R> {
    type Item = Result<(Origin, ZeekEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line, bytes) = match self.lines.next_content(&self.path, Bom::Strip)? {
                Ok(content) => content,
                Err(error) => return Some(Err(error)),
            };
            let result = if bytes.starts_with(b"#") {
                match self.header.directive(bytes) {
                    Ok(()) => continue,
                    Err(reason) => Err(ReadErrorKind::BadHeader { reason }),
                }
            } else if bytes.starts_with(b"{") && !self.header.has_fields() {
                json::parse(bytes, line).map(|e| (e, Format::ZeekJson))
            } else {
                self.header.record(bytes).map(|e| (e, Format::ZeekTsv))
            };
            return Some(placed(&self.path, line, result));
        }
    }
}

/// Whether the line at the start of `text` is the start of a Zeek log.
/// `whole`: `text` is the whole file, so a last line without a newline is
/// complete.
pub(crate) fn sniff_line(text: &[u8], whole: bool) -> Option<Format> {
    if text.starts_with(b"#separator ") || text.starts_with(b"#fields\t") {
        return Some(Format::ZeekTsv);
    }
    if !text.starts_with(b"{") {
        return None;
    }
    let line = match memchr::memchr(b'\n', text) {
        Some(end) => &text[..end],
        None if whole => text,
        // The line goes on past the sniffed head: Zeek writes `ts` (or
        // `_path`) first, which the other JSON sources never do.
        None => {
            return (text.starts_with(br#"{"_path":"#) || text.starts_with(br#"{"ts":"#))
                .then_some(Format::ZeekJson);
        }
    };
    let serde_json::Value::Object(object) = serde_json::from_slice(line).ok()? else {
        return None;
    };
    let zeek = object.contains_key("_path")
        || (object.contains_key("ts")
            && (object.contains_key("uid") || object.contains_key("id.orig_h")));
    zeek.then_some(Format::ZeekJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_tsv_and_json() {
        assert_eq!(
            sniff_line(b"#separator \\x09\n#set_separator\t,\n", false),
            Some(Format::ZeekTsv)
        );
        assert_eq!(
            sniff_line(br#"{"ts":1.0,"uid":"C","query":"x"}"#, true),
            Some(Format::ZeekJson)
        );
        assert_eq!(
            sniff_line(br#"{"_path":"conn","ts":"#, false),
            Some(Format::ZeekJson)
        );
        assert_eq!(sniff_line(br#"{"ts":1.0}"#, true), None);
        assert_eq!(sniff_line(br#"{"Event":{}}"#, true), None);
        assert_eq!(sniff_line(b"hello", true), None);
    }
}
