//! JSON records framed and placed in their file, and JSON values as field
//! values.
//!
//! The evtx JSON shape, ECS documents and Defender for Endpoint rows come
//! in the same layouts (JSON lines, arrays, pretty-printed documents), so
//! one [`JsonRecords`] frames them ([`super::frame`]) for all three, with
//! the prefilter's skipping and errors placed in the file; each reader
//! then parses a record's text its own way. ECS and Defender build a
//! [`Value`] first ([`ValueReader`]) and their event from it; the evtx
//! shape parses the text straight into its event (see
//! [`super::evtx_shape`]), with errors placed the same way
//! ([`utf8_text`], [`json_error`]). The helpers at the bottom
//! turn JSON values into the engine's [`FieldValue`]s the same way for
//! every JSON-backed event (the evtx shape unwraps its `#text` elements
//! first).

use std::borrow::Cow;
use std::io::{BufRead, Cursor};

use serde_json::{Map, Value};
use tunnelhunt_engine::{FieldValue, Lookup};

use super::DEFAULT_MAX_RECORD_BYTES;
use super::duplicates::{DuplicateKeys, parse_merged};
use super::frame::{Frame, Framer, Problem};
use crate::error::ReadErrorKind;
use crate::origin;
use crate::prefilter::RawFilter;

/// The JSON records of one input, framed, each handed to a parser with
/// the line and column it starts at.
pub(crate) struct JsonRecords<R> {
    framer: Framer<R>,
    /// Records whose raw text no rule can match are skipped unparsed.
    pub(crate) filter: Option<RawFilter>,
}

impl<R: BufRead> JsonRecords<R> {
    /// Frame `input`, with a limit on one record's size.
    pub(crate) fn with_max_record_bytes(input: R, limit: usize) -> Self {
        JsonRecords {
            framer: Framer::new(input, limit),
            filter: None,
        }
    }

    /// Like [`JsonRecords::with_max_record_bytes`], with a framer that
    /// steps every byte: the reference the fast path is tested against.
    #[cfg(test)]
    pub(super) fn stepping(input: R, limit: usize) -> Self {
        JsonRecords {
            framer: Framer::without_fast_path(input, limit),
            filter: None,
        }
    }

    /// The next record as the 1-based line it starts on, and what `parse`
    /// makes of its bytes (given that line and column) or what was wrong
    /// with it; `None` at the end. After an I/O error (a
    /// `ReadErrorKind::Io`) there is no next record.
    ///
    /// `parse` must return `Ok` only for text that is one complete JSON
    /// value, with nothing after it but whitespace (as `serde_json::from_str`
    /// does, or a `Deserializer` checked with `end()`): the framer takes a
    /// line that looks like one record as framed on trust, and only a
    /// failed parse makes it frame the line properly (see
    /// [`super::frame`]).
    pub(crate) fn next_with<T>(
        &mut self,
        mut parse: impl FnMut(&[u8], u64, u64) -> Result<T, ReadErrorKind>,
    ) -> Option<(u64, Result<T, ReadErrorKind>)> {
        // A line framed on trust that `parse` rejected: its line, the
        // length of its text and the error.
        let mut rejected: Option<(u64, usize, ReadErrorKind)> = None;
        loop {
            let failed = rejected.take();
            let (line, column, on_trust) = match self.framer.next_frame()? {
                Frame::Value { line, column } => (line, column, false),
                Frame::Line { line } => (line, 1, true),
                Frame::Bad { line, problem } => return Some((line, Err(problem_kind(problem)))),
                Frame::Io { line, error } => return Some((line, Err(ReadErrorKind::Io(error)))),
            };
            let bytes = self.framer.record();
            if let Some((at, len, error)) = failed {
                // The first record stepping framed of a rejected line: if it
                // starts where the line does and is as long, it is the same
                // text, which the prefilter kept and `parse` rejected
                // already.
                if (at, column, len) == (line, 1, bytes.len()) {
                    return Some((line, Err(error)));
                }
            }
            if self.filter.as_mut().is_some_and(|f| !f.keep_json(bytes)) {
                continue;
            }
            match parse(bytes, line, column) {
                Err(error) if on_trust => {
                    rejected = Some((line, bytes.len(), error));
                    self.framer.reframe();
                }
                parsed => return Some((line, parsed)),
            }
        }
    }
}

/// Streams the JSON records of one input as parsed values.
///
/// Each item is the 1-based line the record starts on, and the value with
/// the keys it repeated (whose values it keeps, see [`super::duplicates`])
/// or what was wrong with it. After an I/O error (a `ReadErrorKind::Io`)
/// the stream ends.
pub(crate) struct ValueReader<R>(JsonRecords<R>);

impl<R: BufRead> ValueReader<R> {
    pub(crate) fn new(input: R) -> Self {
        ValueReader(JsonRecords::with_max_record_bytes(
            input,
            DEFAULT_MAX_RECORD_BYTES,
        ))
    }
}

impl<R: BufRead> Iterator for ValueReader<R> {
    type Item = (u64, Result<(Value, DuplicateKeys), ReadErrorKind>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next_with(parse_value)
    }
}

fn problem_kind(problem: Problem) -> ReadErrorKind {
    match problem {
        Problem::Truncated => ReadErrorKind::Truncated,
        Problem::UnterminatedString => ReadErrorKind::UnterminatedString,
        Problem::NotJson { snippet } => ReadErrorKind::NotJson { snippet },
        Problem::TooLarge { limit } => ReadErrorKind::TooLarge { limit },
    }
}

/// Parse one framed record that starts at `line`, `column` of the file,
/// with errors placed in the file.
fn parse_value(
    bytes: &[u8],
    line: u64,
    column: u64,
) -> Result<(Value, DuplicateKeys), ReadErrorKind> {
    let text = utf8_text(bytes, line, column)?;
    parse_merged(serde_json::Deserializer::from_str(text)).map_err(|e| json_error(&e, line, column))
}

/// The text of a record that starts at `line`, `column` of the file, or
/// where in the file it stops being UTF-8.
pub(crate) fn utf8_text(bytes: &[u8], line: u64, column: u64) -> Result<&str, ReadErrorKind> {
    std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = origin::position_in(bytes, e.valid_up_to(), line, column);
        ReadErrorKind::InvalidUtf8 { line, column }
    })
}

/// serde_json's error `e` in a record that starts at `line`, `column` of
/// the file, placed in the file.
pub(crate) fn json_error(e: &serde_json::Error, line: u64, column: u64) -> ReadErrorKind {
    let (rel_line, rel_col) = (e.line() as u64, e.column() as u64);
    let message = e.to_string();
    let reason = match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    };
    ReadErrorKind::Json {
        line: line + rel_line.saturating_sub(1),
        column: if rel_line <= 1 {
            column + rel_col.saturating_sub(1)
        } else {
            rel_col
        },
        reason,
    }
}

/// How many framed records of a file's head [`first_object`] looks at.
const SNIFF_RECORDS: usize = 16;

/// The first complete JSON object in `head` (the start of a file), for
/// format detection. Malformed records before it are passed over, like a
/// reader would; `None` when the head holds no complete object.
pub(crate) fn first_object(head: &[u8]) -> Option<Map<String, Value>> {
    ValueReader::new(Cursor::new(head))
        .take(SNIFF_RECORDS)
        .find_map(|(_, value)| match value {
            Ok((Value::Object(map), _)) => Some(map),
            _ => None,
        })
}

/// A JSON value as the engine's field lookup result: arrays become
/// [`Lookup::Many`], everything else one value.
pub(crate) fn to_lookup(v: &Value) -> Lookup<'_> {
    match v {
        Value::Array(items) => Lookup::Many(items.iter().map(to_field).collect()),
        v => Lookup::One(to_field(v)),
    }
}

/// One JSON value as a field value. Strings are borrowed; an object (or a
/// nested array) under one field name is searchable as its JSON text.
pub(crate) fn to_field(v: &Value) -> FieldValue<'_> {
    match v {
        Value::Null => FieldValue::Null,
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => FieldValue::Int(i),
            // A u64 beyond i64 keeps its exact digits as text.
            None if n.is_u64() => FieldValue::Str(Cow::Owned(n.to_string())),
            None => n.as_f64().map_or_else(
                || FieldValue::Str(Cow::Owned(n.to_string())),
                FieldValue::Float,
            ),
        },
        Value::String(s) => FieldValue::Str(Cow::Borrowed(s)),
        Value::Array(_) | Value::Object(_) => FieldValue::Str(Cow::Owned(v.to_string())),
    }
}

/// Call `visit` with every leaf (string, number, bool, null) under `v`.
pub(crate) fn visit_leaves(v: &Value, visit: &mut dyn FnMut(&FieldValue<'_>)) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| visit_leaves(i, visit)),
        Value::Object(m) => m.values().for_each(|child| visit_leaves(child, visit)),
        leaf => visit(&to_field(leaf)),
    }
}

/// Insert into a map built from repeated elements (XML children),
/// turning a repeated name into a list of its values. (The evtx shape's
/// `Data` items do the same in its own field list.)
pub(crate) fn insert_repeated(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        None => {
            map.insert(name, value);
        }
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

/// The first of a list's values, else the value itself: what a fact an
/// event has once (its time, host, channel, event ID) is read from when
/// a record gives it several times (see [`super::duplicates`]).
pub(crate) fn first_value(v: &Value) -> &Value {
    match v {
        Value::Array(items) => items.first().unwrap_or(v),
        _ => v,
    }
}

/// The text of a string value (the first of a list, [`first_value`]),
/// `None` for anything else or an empty string.
pub(crate) fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    match v.map(first_value) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_with_lines_and_errors() {
        let input = "{\"a\":1}\nnope\n[{\"b\":2},{\"c\":\"x\"}]\n{\"d\":\n";
        let got: Vec<_> = ValueReader::new(Cursor::new(input))
            .map(|(line, v)| (line, v.map(|(v, _)| v).map_err(|e| e.to_string())))
            .collect();
        assert_eq!(got[0], (1, Ok(json!({"a": 1}))));
        assert!(matches!(&got[1], (2, Err(e)) if e.contains("not a JSON object")));
        assert_eq!(got[2], (3, Ok(json!({"b": 2}))));
        assert_eq!(got[3], (3, Ok(json!({"c": "x"}))));
        assert!(matches!(&got[4], (4, Err(e)) if e.contains("incomplete")));
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn first_object_skips_bad_records_and_partial_tails() {
        let head = b"garbage\n{\"x\": }\n{\"winlog\":{\"channel\":\"Security\"}}\n{\"cut";
        let map = first_object(head).unwrap();
        assert!(map.contains_key("winlog"));
        assert!(first_object(b"{\"only\": \"a partial rec").is_none());
    }

    #[test]
    fn field_conversion() {
        assert_eq!(to_field(&json!(3)), FieldValue::Int(3));
        assert_eq!(
            to_field(&json!(u64::MAX)),
            FieldValue::Str(Cow::Owned(u64::MAX.to_string()))
        );
        assert_eq!(to_field(&json!(1.5)), FieldValue::Float(1.5));
        assert_eq!(
            to_lookup(&json!(["a", 1])),
            Lookup::Many(vec![FieldValue::Str("a".into()), FieldValue::Int(1)])
        );
        let mut seen = Vec::new();
        visit_leaves(&json!({"a": [1, {"b": "c"}], "d": null}), &mut |v| {
            seen.push(v.clone().into_owned())
        });
        assert_eq!(seen.len(), 3);
        assert_eq!(non_empty_str(Some(&json!(""))), None);
        assert_eq!(non_empty_str(Some(&json!("x"))), Some("x"));
    }
}
