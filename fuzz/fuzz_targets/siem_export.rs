//! The SIEM export reader on arbitrary bytes: the first byte picks the
//! export (Splunk JSON or CSV, Log Analytics JSON or CSV), the rest is the
//! file. Every record is an event or an error, nothing panics, overflows
//! the stack (the XML in `_raw` and `EventData` is bounded like the XML
//! reader's) or hangs, and each event answers lookups.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_engine::Event;
use tunnelhunt_sources::{Format, RecordReader};

const FORMATS: [Format; 4] = [
    Format::SplunkJson,
    Format::SplunkCsv,
    Format::SentinelJson,
    Format::SentinelCsv,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let format = FORMATS[usize::from(pick) % FORMATS.len()];
    let reader = RecordReader::new(
        format,
        Box::new(Cursor::new(file.to_vec())),
        Arc::from(Path::new("fuzz.export")),
    );
    for record in reader.take(10_000) {
        let Ok(record) = record else { continue };
        let _ = record.event.kind();
        let _ = record.event.field("CommandLine");
        let _ = record.event.field("ThreatName");
        let _ = record.event.host();
        let _ = record.event.timestamp();
        let mut n = 0usize;
        record.event.for_each_value(&mut |_| n += 1);
        let _ = record.origin.to_string();
    }
});
