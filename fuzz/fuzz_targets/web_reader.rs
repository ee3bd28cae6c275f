//! The web access-log reader on arbitrary bytes (IIS W3C, common and
//! combined, nginx/Caddy JSON, mixed line by line): every line an event,
//! an error or a directive, no panic or hang; events answer lookups, their
//! timestamps are RFC 3339 UTC, and `-raw` gives one spelling or none.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_engine::{Event, Lookup};
use tunnelhunt_sources::{Format, RecordReader};

fuzz_target!(|data: &[u8]| {
    let _ = tunnelhunt_sources::detect::detect(data);
    let lines = data.split(|&b| b == b'\n').count() as u64;
    let reader = RecordReader::new(
        Format::AccessLog,
        Box::new(Cursor::new(data.to_vec())),
        Arc::from(Path::new("fuzz.log")),
    );
    let mut items = 0u64;
    for record in reader.take(100_000) {
        items += 1;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                assert!(error.line >= 1 && error.line <= lines, "{error}");
                continue;
            }
        };
        assert!(record.origin.line().is_some_and(|l| l >= 1 && l <= lines));
        assert_eq!(record.event.kind().category, Some("webserver"));
        for name in [
            "c-ip",
            "cs-method",
            "cs-uri-stem",
            "cs-uri-query",
            "cs-uri",
            "sc-status",
            "cs-user-agent",
            "cs-referer",
            "time-taken",
            "cs-x-cmd",
        ] {
            let _ = record.event.field(name);
            let raw = record.event.field(&format!("{name}-raw"));
            assert!(!matches!(raw, Lookup::Many(_)), "{name}-raw: {raw:?}");
        }
        if let Some(time) = record.event.timestamp() {
            assert!(time.ends_with('Z') && time.len() >= 20, "{time}");
        }
        let _ = record.event.host();
        let _ = record.event.to_json();
        let mut n = 0usize;
        record.event.for_each_value(&mut |_| n += 1);
    }
    assert!(items <= lines, "{items} items from {lines} lines");
});
