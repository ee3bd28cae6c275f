//! The auditd reader on arbitrary bytes: records are grouped into events
//! or reported, nothing panics or hangs, and each event answers lookups.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_engine::Event;
use tunnelhunt_sources::{Format, RecordReader};

fuzz_target!(|data: &[u8]| {
    let reader = RecordReader::new(
        Format::Auditd,
        Box::new(Cursor::new(data.to_vec())),
        Arc::from(Path::new("fuzz.log")),
    );
    for record in reader.take(10_000) {
        let Ok(record) = record else { continue };
        let _ = record.event.kind();
        for name in [
            "Image",
            "CommandLine",
            "DestinationIp",
            "DestinationPort",
            "User",
            "type",
        ] {
            let _ = record.event.field(name);
        }
        let _ = record.event.timestamp();
        let _ = record.event.host();
        let mut n = 0usize;
        record.event.for_each_value(&mut |_| n += 1);
    }
});
