//! The XML event reader on arbitrary bytes (Sysmon for Linux in syslog,
//! `wevtutil` exports, anything else): every record is an event or an
//! error, nothing panics, overflows the stack (nesting is bounded) or
//! hangs, and each event answers lookups.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_engine::Event;
use tunnelhunt_sources::{Format, RecordReader};

fuzz_target!(|data: &[u8]| {
    let reader = RecordReader::new(
        Format::XmlEvents,
        Box::new(Cursor::new(data.to_vec())),
        Arc::from(Path::new("fuzz.xml")),
    );
    for record in reader.take(10_000) {
        let Ok(record) = record else { continue };
        let _ = record.event.kind();
        let _ = record.event.field("CommandLine");
        let _ = record.event.field("EventID");
        let _ = record.event.host();
        let _ = record.event.timestamp();
        let mut n = 0usize;
        record.event.for_each_value(&mut |_| n += 1);
        let _ = record.origin.to_string();
    }
});
