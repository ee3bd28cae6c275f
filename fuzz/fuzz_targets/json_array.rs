//! One-line JSON arrays (what `ConvertTo-Json -Compress` and API exports
//! write) read as evtx JSON: the input is split at `0xFF` bytes into
//! elements; an empty element stands for a known event, any other is
//! used as it is. Nothing may panic or hang, and when every element is a
//! JSON value other than an array, each is one record — an event, or one
//! unparseable record that does not cost the elements after it — and each
//! known event is read.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tunnelhunt_sources::{Format, RecordReader};

const EVENT: &[u8] =
    br#"{"Event":{"System":{"EventID":1},"EventData":{"Image":"C:\\plink.exe","CommandLine":"plink -R 3389:127.0.0.1:3389"}}}"#;

fuzz_target!(|data: &[u8]| {
    let mut line = b"[".to_vec();
    let (mut elements, mut events) = (0usize, 0usize);
    // Every element a JSON value that is not an array, and no line break
    // outside a string (the array stays on one line).
    let mut well_formed = true;
    for (i, piece) in data.split(|&b| b == 0xFF).enumerate() {
        if i > 0 {
            line.push(b',');
        }
        elements += 1;
        if piece.is_empty() {
            events += 1;
            line.extend_from_slice(EVENT);
            continue;
        }
        match serde_json::from_slice::<Value>(piece) {
            Ok(Value::Array(_)) | Err(_) => well_formed = false,
            Ok(_) => well_formed &= !piece.contains(&b'\n'),
        }
        line.extend_from_slice(piece);
    }
    line.extend_from_slice(b"]\n");
    let reader = RecordReader::new(
        Format::EvtxJson,
        Box::new(Cursor::new(line)),
        Arc::from(Path::new("fuzz.json")),
    );
    let (mut ok, mut bad) = (0usize, 0usize);
    for record in reader.take(100_000) {
        match record {
            Ok(_) => ok += 1,
            Err(_) => bad += 1,
        }
    }
    if well_formed {
        assert_eq!(ok + bad, elements, "one record per element");
        assert!(
            ok >= events,
            "{ok} events read, {events} known events in the array"
        );
    }
});
