//! The journal readers on arbitrary bytes: the first byte picks `-o json`
//! or `-o export`; every item is an event or an error at a line inside the
//! input, in order, nothing panics, hangs or allocates a binary field's
//! claimed length, and each event answers lookups.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_engine::Event;
use tunnelhunt_sources::{Format, RecordReader};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let format = if pick & 1 == 0 {
        Format::JournalJson
    } else {
        Format::JournalExport
    };
    let reader = RecordReader::new(
        format,
        Box::new(Cursor::new(rest.to_vec())),
        Arc::from(Path::new("fuzz.journal")),
    );
    let last_line = rest.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let mut previous = 0;
    for item in reader.take(100_000) {
        let line = match &item {
            Ok(record) => record.origin.line().unwrap_or(0),
            Err(e) => e.line,
        };
        assert!(line >= previous && line <= last_line, "line {line} after {previous}");
        previous = line;
        let Ok(record) = item else { continue };
        let _ = record.event.kind();
        for name in ["Message", "Program", "_PID", "User", "DestinationIp", "Image"] {
            let _ = record.event.field(name);
        }
        let _ = record.event.timestamp();
        let _ = record.event.to_json();
        let mut n = 0usize;
        record.event.for_each_value(&mut |_| n += 1);
    }
});
