//! The keys read from binary XML are the keys the rendered record has,
//! whenever they are read at all: on the fixture (where every record is
//! read), and over every EVTX file of `$TUNNELHUNT_CORPUS` when set.

use std::path::Path;
use std::sync::Arc;

use evtx::{EvtxChunkData, ParserSettings};
use serde_json::Value;

use super::{ChunkKeys, RecordKeys};
use crate::evtx::chunks::{CHUNK_SIZE, FILE_HEADER_SIZE};

const FIXTURE: &[u8] =
    include_bytes!("../../../tests/fixtures/evtx/security-4688-netsh-portproxy.evtx");

/// Per chunk of `file`: for each record, the keys read from its binary
/// XML and the `EventID` and `Channel` of its rendered JSON.
fn compare(file: &[u8]) -> Vec<(RecordKeys, Option<u32>, Option<String>)> {
    let settings = Arc::new(ParserSettings::new().num_threads(1));
    let mut out = Vec::new();
    for chunk in file
        .get(FILE_HEADER_SIZE..)
        .unwrap_or(&[])
        .chunks(CHUNK_SIZE)
    {
        let Ok(mut data) = EvtxChunkData::new(chunk.to_vec(), false) else {
            continue;
        };
        let bytes = data.data.clone();
        let Ok(mut parsed) = data.parse(Arc::clone(&settings)) else {
            continue;
        };
        let mut keys = ChunkKeys::new(&bytes);
        for record in parsed.iter().flatten() {
            let at = record.binxml_offset as usize - super::RECORD_HEADER_SIZE;
            let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            let read = keys.of_record(at, size);
            let Ok(json) = record.into_json_bytes() else {
                continue;
            };
            let json: Value = serde_json::from_slice(&json.data).unwrap();
            let system = &json["Event"]["System"];
            let text = |v: &Value| v.get("#text").cloned().unwrap_or_else(|| v.clone());
            let id = text(&system["EventID"]).as_u64().map(|n| n as u32);
            let channel = text(&system["Channel"]).as_str().map(str::to_owned);
            out.push((read, id, channel));
        }
    }
    out
}

fn assert_agree(label: &str, seen: &[(RecordKeys, Option<u32>, Option<String>)]) {
    for (read, id, channel) in seen {
        if let Some(read_id) = read.event_id {
            assert_eq!(Some(read_id), *id, "{label}: EventID");
        }
        if let Some(read_channel) = &read.channel {
            assert_eq!(Some(read_channel), channel.as_ref(), "{label}: Channel");
        }
    }
}

#[test]
fn the_fixture_s_keys_are_read_and_are_the_rendered_ones() {
    let seen = compare(FIXTURE);
    assert!(!seen.is_empty());
    assert_agree("fixture", &seen);
    for (read, id, channel) in &seen {
        assert_eq!(read.event_id, *id);
        assert_eq!(read.channel, *channel);
    }
}

#[test]
fn a_damaged_chunk_leaves_keys_unsure_or_right_and_never_panics() {
    let chunk = &FIXTURE[FILE_HEADER_SIZE..FILE_HEADER_SIZE + CHUNK_SIZE];
    let first = u32::from_le_bytes(chunk[512 + 4..512 + 8].try_into().unwrap()) as usize;
    // Every byte of the first record, and of the template it defines.
    for at in 512..512 + first {
        for flip in [0xff, 0x01, 0x40] {
            let mut bytes = chunk.to_vec();
            bytes[at] ^= flip;
            let keys = ChunkKeys::new(&bytes).of_record(512, first);
            if let Some(id) = keys.event_id {
                assert!(id < 1 << 16, "byte {at}: EventID {id}");
            }
        }
    }
    // Out-of-bounds records are unsure.
    let unsure = RecordKeys::UNSURE;
    assert_eq!(ChunkKeys::new(chunk).of_record(CHUNK_SIZE - 8, 64), unsure);
    assert_eq!(ChunkKeys::new(chunk).of_record(512, 3), unsure);
}

#[test]
fn every_corpus_record_s_keys_are_the_rendered_ones() {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        return;
    };
    let (mut records, mut sure) = (0usize, 0usize);
    for sub in ["evtx-samples", "sigmahq/regression_data"] {
        let mut stack = vec![Path::new(&root).join(sub)];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "evtx") {
                    let seen = compare(&std::fs::read(&path).unwrap());
                    assert_agree(&path.display().to_string(), &seen);
                    records += seen.len();
                    sure += seen
                        .iter()
                        .filter(|(k, ..)| k.event_id.is_some() && k.channel.is_some())
                        .count();
                }
            }
        }
    }
    println!("{records} records, both keys read in {sure}");
    // Unsure keys cost speed only; most records must be read.
    assert!(sure * 10 > records * 9, "{sure} of {records}");
}
