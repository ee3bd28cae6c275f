//! Defender for Endpoint CSV exports: a header row, then one row per event
//! (rows read by [`crate::csv_rows`]).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::event::MdeEvent;
use crate::csv_rows::CsvRows;
use crate::error::ReadError;
use crate::format::Format;
use crate::origin::Origin;

/// Streams the events of a Defender for Endpoint CSV export.
pub struct MdeCsvReader<R> {
    rows: CsvRows<R>,
}

impl<R: Read> MdeCsvReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        MdeCsvReader {
            rows: CsvRows::new(input, path.into()),
        }
    }
}

impl<R: Read> Iterator for MdeCsvReader<R> {
    type Item = Result<(Origin, MdeEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.rows.next()?.map(|(line, columns)| {
            (
                Origin::at_line(Arc::clone(self.rows.path()), line, Format::MdeCsv),
                MdeEvent::from_columns(columns, None),
            )
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use tunnelhunt_engine::{Event, FieldValue, Lookup};

    use super::*;

    #[test]
    fn rows_become_events_at_their_lines() {
        let input = "Timestamp,DeviceName,ActionType,ProcessCommandLine\n\
            2024-05-02T09:14:03Z,wks,ProcessCreated,\"cmd /c \"\"a, b\"\"\"\n";
        let items: Vec<_> =
            MdeCsvReader::new(Cursor::new(input.as_bytes().to_vec()), Path::new("t.csv")).collect();
        let (origin, event) = items[0].as_ref().unwrap();
        assert_eq!(origin.line(), Some(2));
        assert_eq!(origin.format, Format::MdeCsv);
        assert_eq!(
            event.field("CommandLine"),
            Lookup::One(FieldValue::Str("cmd /c \"a, b\"".into()))
        );
    }
}
