//! The syslog reader on arbitrary bytes: every line that is neither blank
//! nor a `journalctl` note (`-- Boot … --`) is exactly one item (an event or an error, in line order), nothing panics or
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
        Format::Syslog,
        Box::new(Cursor::new(data.to_vec())),
        Arc::from(Path::new("fuzz.log")),
    );
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    let expected: Vec<u64> = if data.is_empty() {
        Vec::new()
    } else {
        body.split(|&b| b == b'\n')
            .zip(1u64..)
            .filter(|(line, _)| {
                let line = line.trim_ascii();
                let note = line.len() >= 6 && line.starts_with(b"-- ") && line.ends_with(b" --");
                !line.is_empty() && !note
            })
            .map(|(_, n)| n)
            .collect()
    };
    let mut lines = Vec::new();
    for item in reader {
        let record = match item {
            Ok(record) => record,
            Err(e) => {
                lines.push(e.line);
                continue;
            }
        };
        lines.push(record.origin.line().unwrap_or(0));
        let _ = record.event.kind();
        for name in ["Message", "Program", "User", "SourceIp", "DestinationPort", "Image"] {
            let _ = record.event.field(name);
        }
        let _ = record.event.timestamp();
        let _ = record.event.host();
        let _ = record.event.to_json();
        let mut n = 0usize;
        record.event.for_each_value(&mut |_| n += 1);
    }
    assert_eq!(lines, expected, "one item per line that is a message");
});
