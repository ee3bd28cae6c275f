//! The JSON readers on arbitrary bytes (any layout: JSON lines, arrays,
//! concatenated documents), as the evtx JSON shape and as ECS: every
//! record is an event or an error, nothing panics or hangs, and each
//! event answers lookups.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_engine::Event;
use tunnelhunt_sources::{Format, RecordReader};

fuzz_target!(|data: &[u8]| {
    for format in [Format::EvtxJson, Format::Ecs, Format::MdeJson] {
        let reader = RecordReader::new(
            format,
            Box::new(Cursor::new(data.to_vec())),
            Arc::from(Path::new("fuzz.json")),
        );
        for record in reader.take(10_000) {
            let Ok(record) = record else { continue };
            let _ = record.event.kind();
            let _ = record.event.field("CommandLine");
            let _ = record.event.field("User");
            let _ = record.event.timestamp();
            let mut n = 0usize;
            record.event.for_each_value(&mut |_| n += 1);
            let _ = record.origin.to_string();
        }
    }
});
