//! Anti-forensic wipes of a real multi-chunk log (issue 15, defect 3):
//! a zeroed chunk, a removed chunk, a chunk copied over another and a
//! lowered free-space offset are each reported with the chunk and file
//! offset, and every record of the chunks left intact reads back exactly
//! as from the untouched file.
//!
//! The log is `PanacheSysmon_vs_AtomicRedTeam01.evtx` from the corpus
//! (`$TUNNELHUNT_CORPUS/evtx-samples`, 15 chunks in use; its chunk headers
//! number records 1–565, chunk 3 holds 125–162). Each test damages a copy in a temporary folder;
//! without the corpus they print "skipped" and pass.

use std::path::Path;

use tunnelhunt_sources::evtx::EvtxProblem;
use tunnelhunt_sources::{AnyEvent, ReadErrorKind};

use crate::common::corpus;

const SAMPLE: &str =
    "EVTX-ATTACK-SAMPLES/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx";
const FILE_HEADER: usize = 4096;
const CHUNK: usize = 65536;

fn sample() -> Option<Vec<u8>> {
    let dir = corpus("evtx-samples")?;
    Some(std::fs::read(dir.join(SAMPLE)).unwrap())
}

/// Where chunk `n` starts.
fn at(n: usize) -> usize {
    FILE_HEADER + n * CHUNK
}

/// (chunk, EventRecordID, event) of each record read.
type Events = Vec<(u64, u64, AnyEvent)>;

/// The events and the (chunk, problem) of each piece of damage, read from
/// `bytes` written to a temporary file.
fn read(bytes: &[u8]) -> (Events, Vec<(Option<u64>, EvtxProblem)>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.evtx");
    std::fs::write(&path, bytes).unwrap();
    read_path(&path)
}

fn read_path(path: &Path) -> (Events, Vec<(Option<u64>, EvtxProblem)>) {
    let mut events = Vec::new();
    let mut damage = Vec::new();
    for item in tunnelhunt_sources::open(path).unwrap() {
        match item {
            Ok(r) => events.push((
                r.origin.chunk().unwrap(),
                r.origin.record_id().unwrap(),
                r.event,
            )),
            Err(e) => match e.kind {
                ReadErrorKind::Evtx(d) => damage.push((d.chunk, d.problem)),
                other => panic!("not EVTX damage: {other}"),
            },
        }
    }
    (events, damage)
}

/// The events of the untouched log, each with the chunk number `keep`
/// gives its chunk; those it gives none are left out.
fn intact_events(bytes: &[u8], keep: impl Fn(u64) -> Option<u64>) -> Events {
    let (events, damage) = read(bytes);
    assert!(damage.is_empty(), "the sample is sound: {damage:?}");
    events
        .into_iter()
        .filter_map(|(chunk, id, event)| Some((keep(chunk)?, id, event)))
        .collect()
}

/// The same events in the same order; a failure names the first
/// difference rather than printing hundreds of events.
fn assert_same(got: &Events, want: &Events) {
    let differs = got.iter().zip(want).position(|(g, w)| g != w);
    if let Some(i) = differs {
        panic!(
            "event {i} differs: chunk {} record {} read, chunk {} record {} expected",
            got[i].0, got[i].1, want[i].0, want[i].1
        );
    }
    assert_eq!(got.len(), want.len(), "as many events");
}

/// Both CRC32s of the chunk at `bytes[start..]` made right again, as a
/// careful forger does, so that only the checks on record ids can tell.
fn reseal_chunk(bytes: &mut [u8], start: usize) {
    let chunk = &mut bytes[start..start + CHUNK];
    let free = u32::from_le_bytes(chunk[48..52].try_into().unwrap()) as usize;
    let records = evtx::checksum_ieee(&chunk[512..free]);
    chunk[52..56].copy_from_slice(&records.to_le_bytes());
    let mut covered = chunk[..120].to_vec();
    covered.extend_from_slice(&chunk[128..512]);
    let header = evtx::checksum_ieee(&covered);
    chunk[124..128].copy_from_slice(&header.to_le_bytes());
}

#[test]
fn a_zeroed_chunk_is_reported_and_the_other_chunks_read_unchanged() {
    let Some(log) = sample() else { return };
    let mut wiped = log.clone();
    wiped[at(3)..at(4)].fill(0);
    let (events, damage) = read(&wiped);
    assert_eq!(
        damage,
        [
            (
                Some(3),
                EvtxProblem::ZeroedChunk {
                    offset: at(3) as u64,
                    in_use: 15
                }
            ),
            (
                Some(4),
                EvtxProblem::RecordGap {
                    previous: 2,
                    first: 125,
                    last: 162,
                    offset: at(4) as u64
                }
            ),
        ]
    );
    assert_same(&events, &intact_events(&log, |c| (c != 3).then_some(c)));
    assert_eq!(events.len(), 565 - 38);
}

#[test]
fn a_removed_chunk_leaves_a_gap_in_the_record_ids() {
    let Some(log) = sample() else { return };
    let mut cut = log[..at(3)].to_vec();
    cut.extend_from_slice(&log[at(4)..]);
    // The header counts one chunk fewer, its CRC32 made right.
    cut[42..44].copy_from_slice(&14u16.to_le_bytes());
    let crc = evtx::checksum_ieee(&cut[..120]);
    cut[124..128].copy_from_slice(&crc.to_le_bytes());
    let (events, damage) = read(&cut);
    assert_eq!(
        damage,
        [(
            Some(3),
            EvtxProblem::RecordGap {
                previous: 2,
                first: 125,
                last: 162,
                offset: at(3) as u64
            }
        )]
    );
    let renumbered = |c: u64| match c {
        3 => None,
        c if c > 3 => Some(c - 1),
        c => Some(c),
    };
    assert_same(&events, &intact_events(&log, renumbered));
}

#[test]
fn a_chunk_copied_over_another_is_reported_as_repeated_records() {
    let Some(log) = sample() else { return };
    let mut copied = log.clone();
    copied.copy_within(at(2)..at(3), at(3));
    let (events, damage) = read(&copied);
    assert_eq!(
        damage,
        [
            (
                Some(3),
                EvtxProblem::RepeatedRecords {
                    first: 88,
                    last: 124,
                    other: 2,
                    offset: at(3) as u64
                }
            ),
            (
                Some(4),
                EvtxProblem::RecordGap {
                    previous: 3,
                    first: 125,
                    last: 162,
                    offset: at(4) as u64
                }
            ),
        ]
    );
    // The copy's records are read (as what they are, chunk 3's bytes);
    // the other chunks read as before.
    let outside: Events = events.iter().filter(|e| e.0 != 3).cloned().collect();
    assert_same(&outside, &intact_events(&log, |c| (c != 3).then_some(c)));
}

#[test]
fn a_lowered_free_space_offset_is_reported_with_the_records_it_hides() {
    let Some(log) = sample() else { return };
    let mut hidden = log.clone();
    let chunk = at(5);
    // Chunk 5 holds records 203–241; hide all but the first ten.
    let mut record = chunk + 512;
    for _ in 0..10 {
        record += u32::from_le_bytes(hidden[record + 4..record + 8].try_into().unwrap()) as usize;
    }
    let free = (record - chunk) as u32;
    hidden[chunk + 48..chunk + 52].copy_from_slice(&free.to_le_bytes());
    hidden[chunk + 32..chunk + 40].copy_from_slice(&212u64.to_le_bytes());
    reseal_chunk(&mut hidden, chunk);
    let (events, damage) = read(&hidden);
    assert_eq!(
        damage,
        [
            (
                Some(5),
                EvtxProblem::CutRecords {
                    free_space: free,
                    first: 213,
                    last: 241,
                    offset: record as u64
                }
            ),
            (
                Some(6),
                EvtxProblem::RecordGap {
                    previous: 5,
                    first: 213,
                    last: 241,
                    offset: at(6) as u64
                }
            ),
        ]
    );
    let mut want = intact_events(&log, Some);
    let chunk5 = want.iter().position(|e| e.0 == 5).unwrap();
    want.drain(chunk5 + 10..chunk5 + 39);
    assert_same(&events, &want);
}
