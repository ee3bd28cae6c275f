//! Web-server access logs: IIS W3C extended, Apache/nginx common and
//! combined, and JSON access logs (nginx `escape=json`, Caddy).
//!
//! A web shell that relays TCP (Tunna, reGeorg, Neo-reGeorg, ABPTTS,
//! pivotnacci, Suo5) is the server end of a tunnel, and the access log is
//! where its traffic shows: the set-up request naming the target
//! (`?proxy&port=3389&ip=127.0.0.1`, `?cmd=connect&target=…`), then one
//! client polling one script many times a minute. Every entry becomes a
//! Sigma `category: webserver` event ([`WebEvent`]) under the taxonomy's
//! names (SigmaHQ writes its `rules/web` with IIS's: `c-ip`,
//! `cs-method`, `cs-uri-stem`, `cs-uri-query`, `sc-status`,
//! `cs-user-agent`…), whatever the dialect; how percent-encoding and IIS's
//! `+` are read is in `decode`.
//!
//! One reader takes the three dialects line by line, so a file that
//! mixes them (concatenated exports) is read too: a `#` line is a W3C
//! directive (`w3c`; `#Fields:` sets the columns of the entries after
//! it), a `{` line a JSON entry (`json`), any other line a W3C entry
//! while a `#Fields:` is in force, else a common/combined entry (`clf`).
//! Each record's [`Format`] says which dialect it was. Lines are read with
//! the size limit every line reader shares (`stream::Lines`); a line that
//! is no entry is a [`ReadError`] with its line, and the next is read as
//! usual. Text that is not UTF-8 is read with U+FFFD in place of the bad
//! bytes (Apache and nginx escape such bytes themselves, so only a damaged
//! or hostile file has them, and an entry should not vanish for a byte of
//! its user agent). Times become RFC 3339 UTC (`when`).

mod clf;
mod decode;
mod event;
mod json;
mod w3c;
mod when;

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use thiserror::Error;

pub use event::{Value, WebEvent};

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::origin::Origin;
use crate::stream::{Bom, Lines, placed};

/// The longest line read. An access-log entry is a request line and a few
/// headers: nginx refuses request lines over 8 KiB by default and IIS
/// 16 KiB, so 1 MiB leaves room for long logged headers and cookies.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// What is wrong with one line of an access log.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WebError {
    /// A line that is neither a W3C entry nor a common/combined entry.
    #[error("not an access-log entry (common or combined format): `{snippet}`")]
    NotAccessLine { snippet: String },
    /// A W3C entry before any `#Fields:` directive.
    #[error("W3C entry before any `#Fields:` directive")]
    NoFields,
    /// A `#Fields:` directive that names no field.
    #[error("`#Fields:` directive names no field")]
    EmptyFields,
    /// A W3C entry with another number of values than its `#Fields:`.
    #[error("expected {expected} fields (as listed by `#Fields:`), found {found}")]
    FieldCount { expected: usize, found: usize },
}

/// Streams the entries of one access log.
pub struct WebReader<R> {
    lines: Lines<R>,
    path: Arc<Path>,
    header: w3c::Header,
}

impl<R: BufRead> WebReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        Self::with_max_line_bytes(input, path, MAX_LINE_BYTES)
    }

    /// Like [`WebReader::new`], with a limit on one line's size.
    pub fn with_max_line_bytes(input: R, path: impl Into<Arc<Path>>, limit: usize) -> Self {
        WebReader {
            lines: Lines::new(input, limit),
            path: path.into(),
            header: w3c::Header::default(),
        }
    }
}

impl<R: BufRead> Iterator for WebReader<R> {
    type Item = Result<(Origin, WebEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line, bytes) = match self.lines.next_content(&self.path, Bom::Strip)? {
                Ok(content) => content,
                Err(error) => return Some(Err(error)),
            };
            let result = if bytes.starts_with(b"{") {
                json::entry(bytes, line).map(|e| (e, Format::AccessJson))
            } else {
                let text = String::from_utf8_lossy(bytes);
                match parse_text(&mut self.header, &text) {
                    None => continue,
                    Some(result) => result.map_err(ReadErrorKind::from),
                }
            };
            return Some(placed(&self.path, line, result));
        }
    }
}

/// A text line under the W3C `header` in force: `None` for a directive or
/// remark, else the entry.
fn parse_text(
    header: &mut w3c::Header,
    text: &str,
) -> Option<Result<(WebEvent, Format), WebError>> {
    if text.starts_with('#') {
        return match header.directive(text) {
            Ok(()) => None,
            Err(e) => Some(Err(e)),
        };
    }
    Some(if header.has_fields() {
        header.entry(text).map(|e| (e, Format::IisW3c))
    } else {
        clf::entry(text).map(|e| (e, Format::AccessLog))
    })
}

/// Whether the line at the start of `text` starts an access log: a W3C
/// directive, a common/combined entry, or a JSON access entry. `whole`:
/// `text` runs to the end of the input, so a last line without a newline
/// is complete.
pub(crate) fn sniff_line(text: &[u8], whole: bool) -> Option<Format> {
    let line = match memchr::memchr(b'\n', text) {
        Some(end) => &text[..end],
        None if whole => text,
        None => return None,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.starts_with(b"#Fields: ")
        || line.starts_with(b"#Software: Microsoft Internet Information Services")
        || line == b"#Version: 1.0"
    {
        return Some(Format::IisW3c);
    }
    if line.starts_with(b"{") {
        let serde_json::Value::Object(object) = serde_json::from_slice(line).ok()? else {
            return None;
        };
        return json::is_access_object(&object).then_some(Format::AccessJson);
    }
    let text = std::str::from_utf8(line).ok()?;
    clf::looks_like(text).then_some(Format::AccessLog)
}

/// The text values of `name` in a web event, for the dialects' tests.
#[cfg(test)]
pub(crate) fn texts_of(event: &WebEvent, name: &str) -> Vec<String> {
    use tunnelhunt_engine::{Event, FieldValue};
    event
        .field(name)
        .values()
        .iter()
        .filter_map(FieldValue::as_text)
        .map(|t| t.into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn sniffs_each_dialect() {
        assert_eq!(
            sniff_line(
                b"#Software: Microsoft Internet Information Services 10.0\r\n",
                false
            ),
            Some(Format::IisW3c)
        );
        assert_eq!(
            sniff_line(b"#Fields: date time cs-method\n", false),
            Some(Format::IisW3c)
        );
        assert_eq!(
            sniff_line(
                br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "x""#,
                true
            ),
            Some(Format::AccessLog)
        );
        assert_eq!(
            sniff_line(
                br#"{"remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":"200"}"#,
                true
            ),
            Some(Format::AccessJson)
        );
        assert_eq!(sniff_line(b"#fields\tts\tuid\n", false), None);
        assert_eq!(sniff_line(br#"{"Event":{}}"#, true), None);
        assert_eq!(sniff_line(b"hello world\n", false), None);
        assert_eq!(
            sniff_line(br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET"#, false),
            None
        );
    }

    #[test]
    fn mixed_dialects_each_keep_their_format_and_lines() {
        let text = "\
#Software: Microsoft Internet Information Services 10.0
#Fields: date time c-ip cs-method cs-uri-stem
2024-01-01 00:00:00 1.2.3.4 GET /a.aspx
# a remark someone added

2024-01-01 00:00:01 1.2.3.4 GET /b.aspx extra
{\"remote_addr\":\"1.2.3.4\",\"request\":\"GET / HTTP/1.1\",\"status\":\"200\"}
";
        let items: Vec<_> = WebReader::new(Cursor::new(text), Path::new("x.log")).collect();
        let summary: Vec<String> = items
            .iter()
            .map(|item| match item {
                Ok((origin, _)) => format!("{}:{}", origin.line().unwrap_or(0), origin.format),
                Err(e) => format!("{}:error", e.line),
            })
            .collect();
        assert_eq!(summary, ["3:iis-w3c", "6:error", "7:access-json"]);
    }
}
