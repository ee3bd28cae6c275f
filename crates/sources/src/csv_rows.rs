//! CSV exports with a header row: one row per record, as a map from column
//! name to text, placed at the line it starts on.
//!
//! Defender for Endpoint's portal, Splunk and Log Analytics all export
//! query results this way; each reader turns a row into its event
//! (`mde::MdeCsvReader`, `siem_export`).
//!
//! Parsing is the `csv` crate's (RFC 4180: quoted fields may hold commas,
//! doubled quotes and line breaks, so a record can span lines). Rows are
//! read as bytes and checked for UTF-8 here, so that a bad byte is
//! reported with its column name and the row is skipped, not the file. A
//! row with more or fewer fields than the header is reported too, with the
//! line it starts on.
//!
//! Records end at `\n` only, and a `\r` before it is dropped here: with the
//! crate's default CRLF handling the `\n` of a `\r\n` is consumed as the
//! start of the next record, which puts every row of a Windows-made export
//! (the portal's are) one line too early in error messages and alerts.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use csv::{ByteRecord, ErrorKind, ReaderBuilder, Terminator};
use serde_json::{Map, Value};

use crate::error::{ReadError, ReadErrorKind};

/// One row: the line it starts on and its columns (name → text).
pub(crate) type Row = (u64, Map<String, Value>);

/// Streams the rows of a CSV export: the line each starts on and its
/// columns, or a [`ReadError`]; reading goes on after a bad row, except
/// after an I/O error or a header that cannot be read.
pub(crate) struct CsvRows<R> {
    reader: csv::Reader<R>,
    path: Arc<Path>,
    /// Column names, read with the first record.
    header: Option<Vec<String>>,
    record: ByteRecord,
    finished: bool,
}

impl<R: Read> CsvRows<R> {
    /// Read from `input`, reporting positions against `path`.
    pub(crate) fn new(input: R, path: Arc<Path>) -> Self {
        CsvRows {
            reader: ReaderBuilder::new()
                .has_headers(true)
                .terminator(Terminator::Any(b'\n'))
                // Field counts are checked here, so that a blank line can
                // be passed over rather than reported.
                .flexible(true)
                .from_reader(input),
            path,
            header: None,
            record: ByteRecord::new(),
            finished: false,
        }
    }

    /// The path positions are reported against.
    pub(crate) fn path(&self) -> &Arc<Path> {
        &self.path
    }

    /// Read the header; an error here ends the file, as no row can be
    /// understood without it.
    fn read_header(&mut self) -> Result<(), ReadError> {
        let header = match self.reader.byte_headers() {
            Ok(header) => header,
            Err(e) => {
                self.finished = true;
                let (line, kind) = csv_error(e);
                return Err(ReadError::new(&self.path, line, kind));
            }
        };
        let mut names = Vec::with_capacity(header.len());
        for (i, name) in header.iter().enumerate() {
            let Ok(name) = std::str::from_utf8(name) else {
                self.finished = true;
                return Err(ReadError::new(
                    &self.path,
                    1,
                    ReadErrorKind::CsvInvalidUtf8 {
                        column: format!("#{}", i + 1),
                    },
                ));
            };
            let name = if i == 0 {
                name.trim_start_matches('\u{feff}')
            } else {
                name
            };
            names.push(name.trim().to_owned());
        }
        self.header = Some(names);
        Ok(())
    }

    /// The current record as columns; the error says why it is not a row.
    fn columns(&self) -> Result<Map<String, Value>, ReadErrorKind> {
        let header = self.header.as_deref().unwrap_or_default();
        if self.record.len() != header.len() {
            return Err(ReadErrorKind::CsvFieldCount {
                expected: header.len() as u64,
                found: self.record.len() as u64,
            });
        }
        let last = self.record.len().saturating_sub(1);
        let mut columns = Map::new();
        for (i, (name, field)) in header.iter().zip(self.record.iter()).enumerate() {
            let field = match field.split_last() {
                Some((b'\r', rest)) if i == last => rest,
                _ => field,
            };
            let text = std::str::from_utf8(field).map_err(|_| ReadErrorKind::CsvInvalidUtf8 {
                column: name.clone(),
            })?;
            columns.insert(name.clone(), Value::String(text.to_owned()));
        }
        Ok(columns)
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        if self.header.is_none()
            && let Err(e) = self.read_header()
        {
            return Some(Err(e));
        }
        loop {
            return match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => {
                    self.finished = true;
                    None
                }
                Ok(true) if is_blank(&self.record) => continue,
                Ok(true) => {
                    let line = self.record.position().map_or(0, |p| p.line());
                    Some(match self.columns() {
                        Ok(columns) => Ok((line, columns)),
                        Err(kind) => Err(ReadError::new(&self.path, line, kind)),
                    })
                }
                Err(e) => {
                    self.finished = e.is_io_error();
                    let (line, kind) = csv_error(e);
                    Some(Err(ReadError::new(&self.path, line, kind)))
                }
            };
        }
    }
}

/// A line with nothing on it (or only the `\r` of a CRLF).
fn is_blank(record: &ByteRecord) -> bool {
    record.len() == 1 && matches!(&record[0], b"" | b"\r")
}

/// The line and the typed error for a `csv` error.
fn csv_error(e: csv::Error) -> (u64, ReadErrorKind) {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        ErrorKind::Io(error) => (line, ReadErrorKind::Io(error)),
        ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => (
            pos.map_or(line, |p| p.line()),
            ReadErrorKind::CsvFieldCount {
                expected: expected_len,
                found: len,
            },
        ),
        ErrorKind::Utf8 { pos, err } => (
            pos.map_or(line, |p| p.line()),
            ReadErrorKind::CsvInvalidUtf8 {
                column: format!("#{}", err.field() + 1),
            },
        ),
        // Seek and (de)serialisation errors do not arise from reading byte
        // records; should one appear, the file is not read further.
        other => (
            line,
            ReadErrorKind::Io(std::io::Error::other(format!("CSV: {other:?}"))),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn read(input: &[u8]) -> Vec<Result<Row, ReadError>> {
        CsvRows::new(Cursor::new(input.to_vec()), Arc::from(Path::new("t.csv"))).collect()
    }

    #[test]
    fn quoted_fields_span_lines_and_rows_keep_their_lines() {
        let input = "\u{feff}Timestamp,DeviceName,ActionType,ProcessCommandLine\n\
            2024-05-02T09:14:03Z,wks,ProcessCreated,\"cmd /c \"\"a, b\"\"\nsecond line\"\n\
            2024-05-02T09:14:04Z,wks,ProcessCreated,plain\n";
        let items = read(input.as_bytes());
        let (line, first) = items[0].as_ref().unwrap();
        assert_eq!(*line, 2);
        assert_eq!(
            first.get("ProcessCommandLine"),
            Some(&Value::String("cmd /c \"a, b\"\nsecond line".into()))
        );
        assert!(
            first.contains_key("Timestamp"),
            "the BOM is not part of the name"
        );
        assert_eq!(items[1].as_ref().unwrap().0, 4);
    }

    #[test]
    fn bad_rows_are_reported_and_skipped() {
        let mut input = b"Timestamp,DeviceName,ActionType\n\
            2024-05-02T09:14:03Z,wks,ProcessCreated\n\
            too,many,fields,here\n\
            2024-05-02T09:14:03Z,caf\xE9,ProcessCreated\n"
            .to_vec();
        input.extend_from_slice(b"2024-05-02T09:14:05Z,wks,ProcessCreated\n");
        let items = read(&input);
        let lines: Vec<_> = items
            .iter()
            .map(|r| match r {
                Ok((line, _)) => Ok(*line),
                Err(e) => Err((e.line, e.kind.to_string())),
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                Ok(2),
                Err((3, "CSV row has 4 fields where the header has 3".to_owned())),
                Err((4, "invalid UTF-8 in CSV column DeviceName".to_owned())),
                Ok(5),
            ]
        );
    }

    #[test]
    fn io_error_ends_the_stream() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let mut reader = CsvRows::new(Failing, Arc::from(Path::new("x")));
        assert!(reader.next().unwrap().unwrap_err().is_fatal());
        assert!(reader.next().is_none());
    }
}
