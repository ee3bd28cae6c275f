//! The EVTX chunk decoder: a real file header (from the reader's test
//! fixture, announcing one chunk) followed by the fuzzed bytes as chunks.
//! The input is cut before each `ElfChnk\0` magic and each piece padded
//! with zeroes to 64 KiB, so that small inputs (a chunk's used part, or
//! several) make files of several chunks, for the checks across chunks;
//! the file is also read with its last piece unpadded, which exercises the
//! truncated chunk. Nothing may panic or hang; every damage names a chunk the file
//! holds; a chunk yields no more records than its bytes could hold; and
//! the file read in two chunk ranges, one after the other, yields what it
//! yields read whole (the survey that plans ranges carries the wipe checks
//! across chunks).

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_sources::evtx::{CHUNK_SIZE, EvtxPlan, EvtxReader};
use tunnelhunt_sources::{ReadError, ReadErrorKind};

const FIXTURE: &[u8] =
    include_bytes!("../../crates/sources/tests/fixtures/evtx/security-4688-netsh-portproxy.evtx");
const FILE_HEADER: usize = 4096;
/// The smallest record: a 24-byte header and the size copy at its end.
const RECORD_MIN: usize = 28;

fn check(bytes: Vec<u8>) {
    let path: Arc<Path> = Arc::from(Path::new("fuzz.evtx"));
    let chunks = (bytes.len() - FILE_HEADER).div_ceil(CHUNK_SIZE) as u64;
    let whole: Vec<String> =
        EvtxReader::from_seekable(Cursor::new(bytes.clone()), Arc::clone(&path))
            .take(100_000)
            .map(|item| {
                if let Err(ReadError {
                    kind: ReadErrorKind::Evtx(damage),
                    ..
                }) = &item
                {
                    assert!(damage.chunk.is_none_or(|c| c < chunks), "{damage}");
                }
                format!("{item:?}")
            })
            .collect();
    let records = whole.iter().filter(|i| i.starts_with("Ok")).count();
    assert!(records as u64 <= chunks * (CHUNK_SIZE / RECORD_MIN) as u64);
    let plan = EvtxPlan::of(&mut Cursor::new(bytes.clone()), path).unwrap();
    let n = plan.chunk_order().len();
    let cut = n / 2;
    let ranges: Vec<String> = [0..cut, cut..n]
        .into_iter()
        .flat_map(|range| plan.reader(Cursor::new(bytes.clone()), range))
        .take(100_000)
        .map(|item| format!("{item:?}"))
        .collect();
    assert_eq!(
        ranges, whole,
        "ranges read one after the other are the whole file"
    );
    // A stream (a decompressor) reads chunks in file order; it must not
    // panic either.
    for _ in
        EvtxReader::from_stream(Cursor::new(bytes), Arc::from(Path::new("fuzz.evtx"))).take(100_000)
    {
    }
}

/// `data` cut before each chunk magic (the first piece also before it).
fn pieces(data: &[u8]) -> Vec<&[u8]> {
    let mut starts: Vec<usize> = memchr::memmem::find_iter(data, b"ElfChnk\0").collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts.push(data.len());
    starts.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

fuzz_target!(|data: &[u8]| {
    let pieces = pieces(data);
    if data.is_empty() || pieces.len() > 4 || pieces.iter().any(|p| p.len() > CHUNK_SIZE) {
        return;
    }
    let mut bytes = FIXTURE[..FILE_HEADER].to_vec();
    for (i, piece) in pieces.iter().enumerate() {
        bytes.extend_from_slice(piece);
        if i + 1 < pieces.len() {
            bytes.resize(bytes.len() + CHUNK_SIZE - piece.len(), 0);
        }
    }
    check(bytes.clone());
    bytes.resize(FILE_HEADER + pieces.len() * CHUNK_SIZE, 0);
    check(bytes);
});
