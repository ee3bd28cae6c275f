//! JSON inputs.
//!
//! [`frame`] splits a byte stream into records whatever the layout (JSON
//! lines, one document, an array, concatenated pretty-printed documents)
//! and keeps the line each starts on; `values` hands each record to its
//! reader's parser with errors placed in the file, and turns JSON values
//! into the engine's field values. What differs between the JSON sources
//! is how a record becomes an event: ECS ([`crate::ecs`]) and Defender for
//! Endpoint ([`crate::mde`]) parse it into a `serde_json::Value` and build
//! their event from that; the evtx JSON shape ([`evtx_shape`]), read on
//! every record of the big Windows logs, is parsed straight into its
//! event, keeping only the fields the rules read when given a
//! [`projection`]. A big file is cut into blocks read on their own
//! where [`plan`] says (`blocks`, next to the framer whose states decide
//! where a cut may go; `skim` finds where an object ends without parsing
//! it, by the framer's rules). A key repeated in one object keeps every
//! value in every one of these readers ([`duplicates`]), and each event
//! says which keys its record repeated.

mod blocks;
pub mod duplicates;
pub mod evtx_shape;
mod frame;
pub mod projection;
mod skim;
pub(crate) mod values;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

pub use blocks::{Cut, JsonPlan, MAX_BLOCK_FACTOR, plan};
pub use duplicates::{DuplicateKey, DuplicateKeys};
pub use evtx_shape::{EvtxJsonEvent, EvtxParseError};
pub use frame::DEFAULT_MAX_RECORD_BYTES;
pub use projection::EvtxProjection;

use crate::error::{OpenError, ReadError, ReadErrorKind};
use crate::format::Format;
use crate::origin::Origin;
use crate::prefilter::RawFilter;
use tunnelhunt_engine::Prefilter;
use values::JsonRecords;

/// Streams the events of one input in the evtx JSON shape.
///
/// Yields one item per record: the event with its [`Origin`], or a
/// [`ReadError`] naming the line where the bad record starts. After an
/// error it goes on with the next record, except after an I/O error, which
/// ends the stream.
pub struct EvtxJsonReader<R> {
    records: JsonRecords<R>,
    path: Arc<Path>,
    projection: Option<Arc<EvtxProjection>>,
}

impl<R: BufRead> EvtxJsonReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        Self::with_max_record_bytes(input, path, DEFAULT_MAX_RECORD_BYTES)
    }

    /// Like [`EvtxJsonReader::new`], with a limit on one record's size.
    pub fn with_max_record_bytes(input: R, path: impl Into<Arc<Path>>, limit: usize) -> Self {
        EvtxJsonReader {
            records: JsonRecords::with_max_record_bytes(input, limit),
            path: path.into(),
            projection: None,
        }
    }
}

impl<R> EvtxJsonReader<R> {
    /// Skip records whose raw text `prefilter` says no rule can match,
    /// without parsing them (see [`crate::prefilter`]).
    pub fn set_prefilter(&mut self, prefilter: Arc<Prefilter>) {
        self.records.filter = Some(RawFilter::new(prefilter));
    }

    /// How many records the prefilter skipped so far.
    pub fn prefiltered(&self) -> u64 {
        self.records.filter.as_ref().map_or(0, |f| f.skipped)
    }

    /// Keep in each event only what `projection` asks for (see
    /// [`projection`]).
    pub fn set_projection(&mut self, projection: Arc<EvtxProjection>) {
        self.projection = Some(projection);
    }
}

/// Open `path` as evtx-shaped JSON, without checking its format first
/// (see [`crate::open`] for the reader that detects it).
pub fn read_evtx_json(path: &Path) -> Result<EvtxJsonReader<BufReader<File>>, OpenError> {
    let path: Arc<Path> = Arc::from(path);
    let file = File::open(&path).map_err(|source| OpenError::Io {
        path: Arc::clone(&path),
        source,
    })?;
    Ok(EvtxJsonReader::new(
        BufReader::with_capacity(256 * 1024, file),
        path,
    ))
}

impl<R: BufRead> Iterator for EvtxJsonReader<R> {
    type Item = Result<(Origin, EvtxJsonEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let projection = self.projection.as_deref();
        let (line, event) = self
            .records
            .next_with(|bytes, line, column| parse_event(bytes, line, column, projection))?;
        Some(match event {
            Ok(event) => Ok((
                Origin::at_line(Arc::clone(&self.path), line, Format::EvtxJson),
                event,
            )),
            Err(kind) => Err(ReadError::new(&self.path, line, kind)),
        })
    }
}

/// Parse one framed record that starts at `line`, `column` of the file,
/// with errors placed in the file.
fn parse_event(
    bytes: &[u8],
    line: u64,
    column: u64,
    projection: Option<&EvtxProjection>,
) -> Result<EvtxJsonEvent, ReadErrorKind> {
    let text = values::utf8_text(bytes, line, column)?;
    EvtxJsonEvent::from_json(text, projection).map_err(|e| match e {
        EvtxParseError::Json(e) => values::json_error(&e, line, column),
        EvtxParseError::Shape(reason) => ReadErrorKind::WrongShape {
            shape: evtx_shape::SHAPE,
            reason,
        },
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use serde_json::Value;
    use tunnelhunt_engine::{Event, FieldValue, Lookup};

    use super::*;
    use crate::error::ReadErrorKind;

    const GOOD: &str = r#"{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\Windows\\System32\\OpenSSH\\ssh.exe","CommandLine":"ssh.exe -N -L 8443:localhost:443 ops@203.0.113.20"}}}"#;

    fn read(input: &[u8]) -> Vec<Result<(Origin, EvtxJsonEvent), ReadError>> {
        EvtxJsonReader::new(Cursor::new(input.to_vec()), Path::new("t.json")).collect()
    }

    fn lines_of(items: &[Result<(Origin, EvtxJsonEvent), ReadError>]) -> Vec<Result<u64, u64>> {
        items
            .iter()
            .map(|r| match r {
                Ok((o, _)) => Ok(o.line().unwrap()),
                Err(e) => Err(e.line),
            })
            .collect()
    }

    #[test]
    fn invalid_json_line_between_valid_ones() {
        let input = format!("{GOOD}\n{{\"Event\": {{\"System\": }}}}\n{GOOD}\n");
        let items = read(input.as_bytes());
        assert_eq!(lines_of(&items), vec![Ok(1), Err(2), Ok(3)]);
        let err = items[1].as_ref().unwrap_err();
        assert!(
            matches!(err.kind, ReadErrorKind::Json { line: 2, .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("t.json:2: invalid JSON at line 2, column 22"),
            "{err}"
        );
        let (origin, event) = items[2].as_ref().unwrap();
        assert_eq!(origin.to_string(), "t.json:3");
        assert_eq!(origin.format, Format::EvtxJson);
        assert!(matches!(
            event.field("Image"),
            Lookup::One(FieldValue::Str(_))
        ));
    }

    #[test]
    fn invalid_utf8_is_reported_and_skipped() {
        let mut input = Vec::new();
        input.extend_from_slice(GOOD.as_bytes());
        input.extend_from_slice(b"\n{\"Event\":{\"EventData\":{\"CommandLine\":\"caf\xE9\"}}}\n");
        input.extend_from_slice(GOOD.as_bytes());
        let items = read(&input);
        assert_eq!(lines_of(&items), vec![Ok(1), Err(2), Ok(3)]);
        let err = items[1].as_ref().unwrap_err();
        assert!(
            matches!(
                err.kind,
                ReadErrorKind::InvalidUtf8 {
                    line: 2,
                    column: 42
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn wrong_shape_and_garbage_are_counted_not_fatal() {
        let input = format!("{{\"winlog\":{{}}}}\nhello\n{GOOD}");
        let items = read(input.as_bytes());
        assert_eq!(lines_of(&items), vec![Err(1), Err(2), Ok(3)]);
        assert!(matches!(
            items[0].as_ref().unwrap_err().kind,
            ReadErrorKind::WrongShape { .. }
        ));
        assert!(matches!(
            &items[1].as_ref().unwrap_err().kind,
            ReadErrorKind::NotJson { snippet } if snippet == "hello"
        ));
    }

    #[test]
    fn every_layout_yields_the_same_events() {
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(GOOD).unwrap()).unwrap();
        let n = pretty.lines().count() as u64;
        let layouts = [
            (format!("{GOOD}\n{GOOD}\n"), vec![1, 2]),
            (format!("[{GOOD},{GOOD}]"), vec![1, 1]),
            (format!("[\n{pretty},\n{pretty}\n]\n"), vec![2, 2 + n]),
            (format!("{pretty}\n{pretty}\n"), vec![1, 1 + n]),
            (pretty.clone(), vec![1]),
        ];
        let want = EvtxJsonEvent::from_value(serde_json::from_str(GOOD).unwrap()).unwrap();
        for (input, lines) in layouts {
            let items = read(input.as_bytes());
            let got: Vec<u64> = items
                .iter()
                .map(|r| {
                    let (origin, event) = r.as_ref().expect("valid record");
                    assert_eq!(event, &want);
                    origin.line().unwrap()
                })
                .collect();
            assert_eq!(got, lines, "{input}");
        }
    }

    #[test]
    fn sigmahq_style_concatenated_documents() {
        // Several of SigmaHQ's regression `.json` files are a stream of
        // pretty-printed documents without separators.
        let doc = |id: u32, cmd: &str| {
            format!(
                "{{\n  \"Event\": {{\n    \"System\": {{\n      \"EventID\": {id}\n    }},\n    \"EventData\": {{\n      \"CommandLine\": \"{cmd}\"\n    }}\n  }}\n}}"
            )
        };
        let input = format!("{}\n{}", doc(1, "a"), doc(13, "b"));
        let items = read(input.as_bytes());
        let ids: Vec<_> = items
            .iter()
            .map(|r| r.as_ref().unwrap().1.event_id())
            .collect();
        assert_eq!(ids, vec![Some(1), Some(13)]);
        assert_eq!(lines_of(&items), vec![Ok(1), Ok(11)]);
    }

    #[test]
    fn a_projection_changes_the_events_not_the_errors() {
        // Errors in values the projection skips, placed in the file.
        let mut input = b"{\n  \"Event\": {\"EventData\": {\n    \"X\": \"\\uD800\"}}}\n".to_vec();
        input.extend_from_slice(GOOD.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(b"{\"Event\":{\"EventData\":{\"X\":\"caf\xE9\"}}}\n");
        input.extend_from_slice(b"{\"Event\":{\"System\":3,\"EventData\":{\"X\":1e999}}}\n");
        input.extend_from_slice(b"{\"Event\":{\"System\":3,\"EventData\":{\"X\":1}}}\n");
        let full = read(&input);
        let mut reader = EvtxJsonReader::new(Cursor::new(input), Path::new("t.json"));
        reader.set_projection(Arc::new(EvtxProjection::new(["Image"])));
        let projected: Vec<_> = reader.collect();
        let errors = |items: &[Result<(Origin, EvtxJsonEvent), ReadError>]| {
            (items.iter())
                .filter_map(|r| r.as_ref().err().map(ToString::to_string))
                .collect::<Vec<_>>()
        };
        assert_eq!(errors(&projected), errors(&full));
        assert_eq!(
            errors(&full),
            [
                "t.json:1: invalid JSON at line 3, column 17: unexpected end of hex escape",
                "t.json:5: invalid UTF-8 at line 5, column 32",
                "t.json:6: invalid JSON at line 6, column 43: number out of range",
                "t.json:7: not an event in the evtx JSON shape: `Event.System` is not an object",
            ]
        );
        let (Ok((_, full)), Ok((_, projected))) = (&full[1], &projected[1]) else {
            panic!("{full:?}");
        };
        assert_eq!(full.field("Image"), projected.field("Image"));
        assert!(matches!(full.field("CommandLine"), Lookup::One(_)));
        assert_eq!(projected.field("CommandLine"), Lookup::Absent);
    }

    #[test]
    fn io_error_ends_the_stream() {
        struct Failing;
        impl std::io::Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let mut reader = EvtxJsonReader::new(BufReader::new(Failing), Path::new("x"));
        let err = reader.next().unwrap().unwrap_err();
        assert!(err.is_fatal());
        assert!(reader.next().is_none());
    }
}
