//! Tests on a real Security log (fixture, CC0; see `tests/fixtures/evtx/`)
//! and on damaged files built from its bytes. Real multi-chunk logs are
//! covered by `tests/evtx_corpus.rs` when the corpus is available.

use std::io::Cursor;

use tunnelhunt_engine::{Event, FieldValue, Lookup};

use super::chunks::{CHUNK_SIZE, FILE_HEADER_SIZE};
use super::*;
use crate::format::Format;

const FIXTURE: &[u8] =
    include_bytes!("../../tests/fixtures/evtx/security-4688-netsh-portproxy.evtx");

type Items = Vec<Result<(Origin, EvtxJsonEvent), ReadError>>;

fn read(bytes: Vec<u8>) -> Items {
    EvtxReader::from_seekable(Cursor::new(bytes), Arc::from(Path::new("t.evtx"))).collect()
}

fn read_stream(bytes: Vec<u8>) -> Items {
    EvtxReader::from_stream(Cursor::new(bytes), Arc::from(Path::new("t.evtx"))).collect()
}

fn events(items: &Items) -> Vec<&(Origin, EvtxJsonEvent)> {
    items.iter().filter_map(|i| i.as_ref().ok()).collect()
}

fn damage_in(items: &Items) -> Vec<&EvtxDamage> {
    items
        .iter()
        .filter_map(|i| match i {
            Err(ReadError {
                kind: ReadErrorKind::Evtx(d),
                ..
            }) => Some(d),
            Err(e) => panic!("not EVTX damage: {e}"),
            Ok(_) => None,
        })
        .collect()
}

fn text<'a>(event: &'a EvtxJsonEvent, field: &str) -> Option<std::borrow::Cow<'a, str>> {
    match event.field(field) {
        Lookup::One(FieldValue::Str(s)) => Some(s),
        _ => None,
    }
}

/// The fixture's one chunk.
fn chunk0() -> Vec<u8> {
    FIXTURE[FILE_HEADER_SIZE..FILE_HEADER_SIZE + CHUNK_SIZE].to_vec()
}

fn file_of(chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut out = FIXTURE[..FILE_HEADER_SIZE].to_vec();
    for c in chunks {
        out.extend_from_slice(c);
    }
    out
}

#[test]
fn reads_every_record_with_its_provenance() {
    assert_eq!(FIXTURE.len(), FILE_HEADER_SIZE + CHUNK_SIZE);
    let items = read(FIXTURE.to_vec());
    assert!(damage_in(&items).is_empty());
    let events = events(&items);
    let mut ids: Vec<u32> = events.iter().filter_map(|(_, e)| e.event_id()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [1102, 4624, 4627, 4672, 4688, 4688, 4688, 4964]);
    for (origin, event) in &events {
        assert_eq!(origin.format, Format::Evtx);
        assert_eq!(origin.chunk(), Some(0));
        assert_eq!(origin.record_id(), event.record_id());
        assert_eq!(origin.line(), None);
    }
    let record_ids: Vec<u64> = events.iter().filter_map(|(o, _)| o.record_id()).collect();
    assert!(
        record_ids.windows(2).all(|w| w[1] == w[0] + 1),
        "{record_ids:?}"
    );
    let first = &events[0].0;
    assert_eq!(
        first.to_string(),
        format!("t.evtx#record={} (chunk 0)", record_ids[0])
    );
}

#[test]
fn security_4688_maps_to_the_process_creation_taxonomy() {
    let items = read(FIXTURE.to_vec());
    let (_, add) = events(&items)
        .into_iter()
        .find(|(_, e)| text(e, "CommandLine").is_some_and(|c| c.contains("portproxy add v4tov4")))
        .expect("the portproxy add record");
    assert_eq!(add.event_id(), Some(4688));
    assert_eq!(
        text(add, "CommandLine").as_deref(),
        Some(
            "netsh  interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=48333 \
             connectaddress=127.0.0.1 connectport=80"
        )
    );
    assert_eq!(text(add, "Image"), text(add, "NewProcessName"));
    assert!(text(add, "Image").unwrap().ends_with("\\netsh.exe"));
    assert_eq!(text(add, "ParentImage"), text(add, "ParentProcessName"));
    assert!(text(add, "ParentImage").unwrap().ends_with("\\cmd.exe"));
    assert_eq!(add.computer(), Some("fs01.offsec.lan"));
    let kind = add.kind();
    assert_eq!(kind.provider, Some("Microsoft-Windows-Security-Auditing"));
    assert_eq!(kind.channel, Some("Security"));
    // evtx 0.15 writes seven fraction digits; RFC 3339 UTC either way.
    let ts = add.timestamp().unwrap();
    assert!(ts.starts_with("2021-06-03T") && ts.ends_with('Z'), "{ts}");
}

#[test]
fn truncated_mid_chunk_reads_the_records_that_remain() {
    let full = read(FIXTURE.to_vec());
    let all = events(&full).len();
    let items = read(FIXTURE[..FILE_HEADER_SIZE + CHUNK_SIZE / 8].to_vec());
    let got = events(&items).len();
    assert!(got > 0 && got < all, "{got} of {all}");
    let damage = damage_in(&items);
    assert!(
        matches!(
            damage[0],
            EvtxDamage {
                chunk: Some(0),
                problem: EvtxProblem::TruncatedChunk { bytes: 8192 },
                ..
            }
        ),
        "{damage:?}"
    );
    // Every damage names chunk 0; the kept records are the first ones.
    assert!(damage.iter().all(|d| d.chunk == Some(0)));
    let kept: Vec<_> = events(&items).iter().map(|(o, _)| o.clone()).collect();
    let head: Vec<_> = events(&full)[..got]
        .iter()
        .map(|(o, _)| o.clone())
        .collect();
    assert_eq!(kept, head);
}

#[test]
fn bad_checksums_are_reported_and_the_records_still_read() {
    // A flipped byte in a record's padding changes the records' CRC32 only.
    let mut chunk = chunk0();
    let free = u32::from_le_bytes(chunk[48..52].try_into().unwrap()) as usize;
    chunk[free - 1] ^= 0x55;
    let items = read(file_of(&[chunk]));
    let damage = damage_in(&items);
    assert!(
        matches!(
            &damage[0],
            EvtxDamage { chunk: Some(0), record_id: None, problem: EvtxProblem::Checksum { reason } }
                if reason.contains("records CRC32")
        ),
        "{damage:?}"
    );
    assert!(!damage[0].is_record());
    assert!(!events(&items).is_empty());

    // A flipped byte in the header's record numbers: the header's CRC32.
    let mut chunk = chunk0();
    chunk[8] ^= 0x01;
    let items = read(file_of(&[chunk]));
    assert!(
        matches!(
            &damage_in(&items)[0].problem,
            EvtxProblem::Checksum { reason } if reason.contains("header CRC32")
        ),
        "{items:?}"
    );
    assert_eq!(events(&items).len(), 8);
}

#[test]
fn a_garbage_chunk_costs_only_itself() {
    let garbage: Vec<u8> = (0..CHUNK_SIZE).map(|i| (i * 31 % 251) as u8 | 1).collect();
    let items = read(file_of(&[chunk0(), garbage, renumbered(chunk0(), 8)]));
    let chunks: Vec<Result<u64, Option<u64>>> = items
        .iter()
        .map(|i| match i {
            Ok((o, _)) => Ok(o.chunk().unwrap()),
            Err(ReadError {
                kind: ReadErrorKind::Evtx(d),
                ..
            }) => Err(d.chunk),
            Err(e) => panic!("{e}"),
        })
        .collect();
    let mut want = vec![Ok(0); 8];
    want.push(Err(Some(1)));
    want.extend(vec![Ok(2); 8]);
    assert_eq!(chunks, want);
    let bad = damage_in(&items)[0];
    assert!(matches!(bad.problem, EvtxProblem::BadChunk { .. }), "{bad}");
    assert!(
        bad.to_string().starts_with("chunk 1: not a valid chunk"),
        "{bad}"
    );
}

#[test]
fn zeroed_chunks_past_the_header_count_are_unused_space_not_damage() {
    // The fixture's header counts one chunk in use.
    let items = read(file_of(&[
        chunk0(),
        vec![0; CHUNK_SIZE],
        vec![0; CHUNK_SIZE],
    ]));
    assert!(damage_in(&items).is_empty());
    assert!(events(&items).iter().all(|(o, _)| o.chunk() == Some(0)));
    assert_eq!(events(&items).len(), 8);
}

#[test]
fn a_wrapped_log_starts_at_its_oldest_chunk() {
    // Chunk 0 claims records 1000–1007, chunk 1 holds the lower ones: a log
    // that has wrapped around, its oldest chunk second in the file.
    let mut newer = chunk0();
    newer[24..32].copy_from_slice(&1000u64.to_le_bytes());
    newer[32..40].copy_from_slice(&1007u64.to_le_bytes());
    let bytes = file_of(&[newer, chunk0()]);
    let order = |items: &Items| -> Vec<u64> {
        let mut chunks: Vec<u64> = events(items)
            .iter()
            .map(|(o, _)| o.chunk().unwrap())
            .collect();
        chunks.dedup();
        chunks
    };
    assert_eq!(order(&read(bytes.clone())), [1, 0]);
    // A stream cannot look ahead: file order.
    assert_eq!(order(&read_stream(bytes)), [0, 1]);
}

#[test]
fn a_file_that_is_only_its_header_says_chunks_are_missing() {
    let items = read(FIXTURE[..FILE_HEADER_SIZE].to_vec());
    let damage = damage_in(&items);
    assert_eq!(damage.len(), 1, "{damage:?}");
    assert_eq!(
        damage[0].problem,
        EvtxProblem::MissingChunks {
            announced: 1,
            present: 0
        }
    );
    assert_eq!(damage[0].chunk, None);
    let same = read_stream(FIXTURE[..FILE_HEADER_SIZE].to_vec());
    assert_eq!(damage_in(&same)[0].problem, damage[0].problem);
}

#[test]
fn empty_and_short_files_are_reported_not_fatal() {
    for len in [0, 8, 100, 4095] {
        for items in [
            read(FIXTURE[..len].to_vec()),
            read_stream(FIXTURE[..len].to_vec()),
        ] {
            let damage = damage_in(&items);
            assert_eq!(damage.len(), 1, "{len}: {damage:?}");
            assert!(
                matches!(&damage[0].problem, EvtxProblem::FileHeader { reason }
                    if reason.contains(&format!("ends {len} bytes into"))),
                "{damage:?}"
            );
        }
    }
}

#[test]
fn io_errors_end_the_file() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let mut reader = EvtxReader::from_stream(Failing, Arc::from(Path::new("x.evtx")));
    let err = reader.next().unwrap().unwrap_err();
    assert!(err.is_fatal());
    assert!(!err.is_record());
    assert_eq!(err.to_string(), "x.evtx: read error: disk on fire");
    assert!(reader.next().is_none());
}

#[test]
fn flipping_any_byte_never_panics_and_every_record_is_accounted_for() {
    // A sweep over the chunk header, the string/template tables and the
    // records: each mutant is read to the end without a panic escaping,
    // and yields no more than the chunk's eight events.
    let base = chunk0();
    for at in (0..base.len()).step_by(127) {
        for mask in [0xff, 0x01] {
            let mut chunk = base.clone();
            chunk[at] ^= mask;
            let items = read(file_of(&[chunk]));
            let got = events(&items).len();
            assert!(got <= 8, "byte {at}: {got} events");
            for d in damage_in(&items) {
                assert_eq!(d.chunk, Some(0), "byte {at}: {d}");
            }
        }
    }
}

#[test]
fn positions_of_damage_show_in_messages() {
    let mut chunk = chunk0();
    chunk[0] = b'X';
    let items = read(file_of(&[chunk]));
    let err = items[0].as_ref().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("t.evtx: chunk 0: not a valid chunk"),
        "{err}"
    );
    assert_eq!(err.line, 0);
    assert!(matches!(
        &items[..],
        [Err(ReadError {
            kind: ReadErrorKind::Evtx(EvtxDamage {
                problem: EvtxProblem::BadChunk { .. },
                ..
            }),
            ..
        })]
    ));
}

/// Every item of `bytes` as text, read through a plan in the ranges that
/// `cuts` (chunk-order positions) delimit, ranges one after the other.
fn read_in_ranges(bytes: &[u8], cuts: &[usize]) -> Vec<String> {
    let path: Arc<Path> = Arc::from(Path::new("t.evtx"));
    let plan = EvtxPlan::of(&mut Cursor::new(bytes.to_vec()), path).unwrap();
    let n = plan.chunk_order().len();
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < n));
    bounds.push(n);
    bounds
        .windows(2)
        .flat_map(|w| plan.reader(Cursor::new(bytes.to_vec()), w[0]..w[1]))
        .map(|item| format!("{item:?}"))
        .collect()
}

#[test]
fn chunk_ranges_read_one_after_another_are_the_whole_file() {
    let mut newer = chunk0();
    newer[24..32].copy_from_slice(&1000u64.to_le_bytes());
    newer[32..40].copy_from_slice(&1007u64.to_le_bytes());
    let garbage: Vec<u8> = (0..CHUNK_SIZE).map(|i| (i * 31 % 251) as u8 | 1).collect();
    let mut bad_header = file_of(&[chunk0(), chunk0()]);
    bad_header[10] ^= 0xff;
    let wrapped = file_of(&[newer.clone(), chunk0(), garbage.clone(), newer, chunk0()]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("fixture", FIXTURE.to_vec()),
        ("wrapped", wrapped.clone()),
        ("cut", wrapped[..wrapped.len() - CHUNK_SIZE / 2].to_vec()),
        (
            "zeroes",
            file_of(&[vec![0; CHUNK_SIZE], chunk0(), garbage, chunk0()]),
        ),
        ("bad header", bad_header),
        ("header only", FIXTURE[..FILE_HEADER_SIZE].to_vec()),
        ("short", FIXTURE[..100].to_vec()),
    ];
    for (name, bytes) in cases {
        let whole: Vec<String> = read(bytes.clone())
            .iter()
            .map(|item| format!("{item:?}"))
            .collect();
        assert!(!whole.is_empty(), "{name}");
        for cuts in [&[][..], &[1], &[2], &[1, 2, 3, 4], &[3]] {
            assert_eq!(
                read_in_ranges(&bytes, cuts),
                whole,
                "{name}, cut at {cuts:?}"
            );
        }
    }
}

/// `chunk` with every `EventRecordID` (header and records) moved up by
/// `by`, its CRC32s made right again: the next chunk of the same log, as
/// far as any check can tell.
fn renumbered(mut chunk: Vec<u8>, by: u64) -> Vec<u8> {
    let add = |bytes: &mut [u8]| {
        let id = u64::from_le_bytes(bytes[..8].try_into().unwrap()) + by;
        bytes[..8].copy_from_slice(&id.to_le_bytes());
    };
    add(&mut chunk[24..32]);
    add(&mut chunk[32..40]);
    for at in record_starts(&chunk) {
        add(&mut chunk[at + 8..at + 16]);
    }
    resealed(chunk)
}

/// Where each record of `chunk` starts, up to its free space.
fn record_starts(chunk: &[u8]) -> Vec<usize> {
    let free = u32::from_le_bytes(chunk[48..52].try_into().unwrap()) as usize;
    let mut starts = Vec::new();
    let mut at = 512;
    while at < free {
        starts.push(at);
        at += u32::from_le_bytes(chunk[at + 4..at + 8].try_into().unwrap()) as usize;
    }
    starts
}

/// `chunk` with both its CRC32s computed again, as a careful forger does.
fn resealed(mut chunk: Vec<u8>) -> Vec<u8> {
    let free = u32::from_le_bytes(chunk[48..52].try_into().unwrap()) as usize;
    let records = evtx::checksum_ieee(&chunk[512..free]);
    chunk[52..56].copy_from_slice(&records.to_le_bytes());
    let mut covered = chunk[..120].to_vec();
    covered.extend_from_slice(&chunk[128..512]);
    let header = evtx::checksum_ieee(&covered);
    chunk[124..128].copy_from_slice(&header.to_le_bytes());
    chunk
}

/// The file's header, counting `chunks` chunks in use (its CRC32 right).
fn file_counting(chunks: &[Vec<u8>], in_use: u16) -> Vec<u8> {
    let mut bytes = file_of(chunks);
    bytes[42..44].copy_from_slice(&in_use.to_le_bytes());
    let crc = evtx::checksum_ieee(&bytes[..120]);
    bytes[124..128].copy_from_slice(&crc.to_le_bytes());
    bytes
}

/// The first record id `chunk`'s header claims. (The fixture is a
/// `wevtutil epl` export: its headers number records from 1, the events
/// keep their original `EventRecordID`; the checks go by the headers.)
fn claimed_first(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk[24..32].try_into().unwrap())
}

/// The problems of `items`, with the chunk each names.
fn problems(items: &Items) -> Vec<(Option<u64>, EvtxProblem)> {
    damage_in(items)
        .into_iter()
        .map(|d| (d.chunk, d.problem.clone()))
        .collect()
}

/// The file read whole, from a stream, and in chunk ranges: the three must
/// report the same.
fn read_every_way(bytes: &[u8]) -> Items {
    let whole = read(bytes.to_vec());
    let as_text =
        |items: &Items| -> Vec<String> { items.iter().map(|i| format!("{i:?}")).collect() };
    assert_eq!(as_text(&read_stream(bytes.to_vec())), as_text(&whole));
    for cuts in [&[1][..], &[2], &[1, 2]] {
        assert_eq!(
            read_in_ranges(bytes, cuts),
            as_text(&whole),
            "cut at {cuts:?}"
        );
    }
    whole
}

mod wipes {
    use super::*;

    #[test]
    fn consecutive_chunks_read_clean() {
        let items = read_every_way(&file_counting(
            &[chunk0(), renumbered(chunk0(), 8), renumbered(chunk0(), 16)],
            3,
        ));
        assert!(damage_in(&items).is_empty(), "{:?}", problems(&items));
        assert_eq!(events(&items).len(), 24);
    }

    #[test]
    fn a_log_that_wrapped_around_reads_clean_from_a_file_and_a_stream() {
        // The newer records in the first slot, the oldest in the second.
        let bytes = file_counting(&[renumbered(chunk0(), 8), chunk0()], 2);
        for items in [read(bytes.clone()), read_stream(bytes)] {
            assert!(damage_in(&items).is_empty(), "{:?}", problems(&items));
            assert_eq!(events(&items).len(), 16);
        }
    }

    #[test]
    fn a_zeroed_chunk_inside_the_header_count_is_reported_with_its_offset() {
        let bytes = file_counting(
            &[chunk0(), vec![0; CHUNK_SIZE], renumbered(chunk0(), 16)],
            3,
        );
        let items = read_every_way(&bytes);
        let first = claimed_first(&chunk0());
        assert_eq!(
            problems(&items),
            [
                (
                    Some(1),
                    EvtxProblem::ZeroedChunk {
                        offset: 4096 + 65536,
                        in_use: 3
                    }
                ),
                (
                    Some(2),
                    EvtxProblem::RecordGap {
                        previous: 0,
                        first: first + 8,
                        last: first + 15,
                        offset: 4096 + 2 * 65536
                    }
                ),
            ]
        );
        let message = damage_in(&items)[0].to_string();
        assert!(
            message.starts_with("chunk 1: all zeroes at file offset 69632"),
            "{message}"
        );
        assert_eq!(events(&items).len(), 16);
    }

    #[test]
    fn a_duplicated_chunk_is_reported_and_its_copy_still_read() {
        let items = read_every_way(&file_counting(&[chunk0(), chunk0()], 2));
        let first = claimed_first(&chunk0());
        assert_eq!(
            problems(&items),
            [(
                Some(1),
                EvtxProblem::RepeatedRecords {
                    first,
                    last: first + 7,
                    other: 0,
                    offset: 4096 + 65536
                }
            )]
        );
        assert_eq!(events(&items).len(), 16);
    }

    #[test]
    fn a_lowered_free_space_offset_is_reported_with_the_records_it_cuts() {
        let mut chunk = chunk0();
        let starts = record_starts(&chunk);
        let first = claimed_first(&chunk0());
        // Hide the last three records: free space and last id lowered,
        // CRC32s made right.
        chunk[48..52].copy_from_slice(&(starts[5] as u32).to_le_bytes());
        chunk[32..40].copy_from_slice(&(first + 4).to_le_bytes());
        let items = read_every_way(&file_of(&[resealed(chunk)]));
        assert_eq!(
            problems(&items),
            [(
                Some(0),
                EvtxProblem::CutRecords {
                    free_space: starts[5] as u32,
                    first: first + 5,
                    last: first + 7,
                    offset: 4096 + starts[5] as u64
                }
            )]
        );
        assert_eq!(events(&items).len(), 5);
    }

    #[test]
    fn records_zeroed_before_the_last_id_the_header_claims_are_reported() {
        let mut chunk = chunk0();
        let starts = record_starts(&chunk);
        let free = u32::from_le_bytes(chunk[48..52].try_into().unwrap()) as usize;
        let first = claimed_first(&chunk0());
        chunk[starts[6]..free].fill(0);
        let items = read_every_way(&file_of(&[resealed(chunk)]));
        assert_eq!(
            problems(&items),
            [(
                Some(0),
                EvtxProblem::MissingRecords {
                    first: first + 6,
                    last: first + 7,
                    offset: 4096 + starts[6] as u64
                }
            )]
        );
        assert_eq!(events(&items).len(), 6);
    }
}

mod prefiltered {
    use tunnelhunt_engine::{MatcherBuilder, Prefilter};
    use tunnelhunt_sigma::Span;
    use tunnelhunt_sigma::ast::LogSource;
    use tunnelhunt_sigma::ir::{Expr, Piece, Predicate, StrMatch, Test};

    use super::*;
    use crate::prefilter::evtx_shape_prefilter;

    fn prefilter(literal: &str) -> Arc<Prefilter> {
        let mut b = MatcherBuilder::new();
        let rule = Expr::Pred(Predicate {
            field: Some("CommandLine".into()),
            test: Test::Str(StrMatch::new(
                [
                    Piece::AnyString,
                    Piece::Lit(literal.into()),
                    Piece::AnyString,
                ],
                false,
            )),
            span: Span::UNKNOWN,
        });
        b.add_rule(&LogSource::default(), &rule).unwrap();
        Arc::new(evtx_shape_prefilter(&b.build().unwrap()).unwrap())
    }

    fn read_with(bytes: Vec<u8>, literal: &str) -> (Items, u64) {
        let mut reader =
            EvtxReader::from_seekable(Cursor::new(bytes), Arc::from(Path::new("t.evtx")));
        reader.set_prefilter(prefilter(literal));
        let items = (&mut reader).collect();
        (items, reader.prefiltered())
    }

    #[test]
    fn a_chunk_without_needles_is_counted_not_decoded() {
        let all = read(FIXTURE.to_vec());
        assert!(all.iter().all(Result::is_ok));
        // No record holds it: the whole chunk is skipped, every record counted.
        let (items, skipped) = read_with(FIXTURE.to_vec(), "no such text anywhere");
        assert!(items.is_empty(), "{items:?}");
        assert_eq!(skipped, all.len() as u64);
        // One record holds it (in UTF-16): the chunk is decoded, and the
        // records whose rendered JSON lacks it are skipped one by one.
        let (items, skipped) = read_with(FIXTURE.to_vec(), "portproxy add");
        let kept = events(&items);
        assert!(!kept.is_empty());
        assert!(kept.iter().all(|(_, e)| {
            text(e, "CommandLine").is_some_and(|c| c.to_lowercase().contains("portproxy add"))
        }));
        assert_eq!(kept.len() as u64 + skipped, all.len() as u64);
    }

    #[test]
    fn a_damaged_chunk_is_decoded_so_that_its_damage_is_reported() {
        // A flipped byte in a record's padding: the records CRC32 fails.
        let mut chunk = chunk0();
        let free = u32::from_le_bytes(chunk[48..52].try_into().unwrap()) as usize;
        chunk[free - 1] ^= 0x55;
        let (items, skipped) = read_with(file_of(&[chunk]), "no such text anywhere");
        assert!(!damage_in(&items).is_empty(), "{items:?}");
        // Its records are still skipped one by one.
        assert_eq!(skipped, 8);
    }

    #[test]
    fn a_chunk_skipped_whole_still_shows_its_wipes() {
        // A zeroed chunk and a duplicated one, every chunk without the
        // needle: the same damage as without a prefilter.
        let bytes = file_counting(&[chunk0(), vec![0; CHUNK_SIZE], chunk0()], 3);
        let (items, skipped) = read_with(bytes.clone(), "no such text anywhere");
        assert_eq!(problems(&items), problems(&read(bytes)));
        assert_eq!(problems(&items).len(), 2, "{:?}", problems(&items));
        assert_eq!(skipped, 16);
        // A lowered free-space offset: the records left still count up to
        // the lowered last id, so the chunk is skipped whole, and the cut
        // is reported all the same.
        let mut chunk = chunk0();
        let starts = record_starts(&chunk);
        let first = claimed_first(&chunk);
        chunk[48..52].copy_from_slice(&(starts[5] as u32).to_le_bytes());
        chunk[32..40].copy_from_slice(&(first + 4).to_le_bytes());
        let (items, skipped) = read_with(file_of(&[resealed(chunk)]), "no such text anywhere");
        assert!(
            matches!(
                &problems(&items)[..],
                [(Some(0), EvtxProblem::CutRecords { .. })]
            ),
            "{items:?}"
        );
        assert_eq!(skipped, 5);
    }
}
