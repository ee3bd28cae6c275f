//! Reading an EVTX file in chunk ranges ([`evtx::plan`] and
//! [`EvtxPlan::open`]), the ranges one after the other, yields exactly what
//! reading it whole yields: the same records with the same origins, the
//! same errors and damage, in the same order. The scan relies on this to
//! read big logs on several threads with output identical to one thread.
//!
//! Runs on the fixture always, and on every sample of more than four
//! chunks in `$TUNNELHUNT_CORPUS/evtx-samples` when that is set (see
//! `evtx_corpus.rs`); the damaged samples among them check that damage is
//! reported once, by the range that holds it.

use std::path::{Path, PathBuf};

use tunnelhunt_sources::evtx::{self, EvtxPlan};
use tunnelhunt_sources::{Format, RecordReader, inputs};

fn show(item: Result<tunnelhunt_sources::Record, tunnelhunt_sources::ReadError>) -> String {
    match item {
        Ok(record) => format!("{record:?}"),
        Err(error) => format!("error: {error} / {error:?}"),
    }
}

/// Compare the whole-file read of `path` with reads of `per` chunks at a
/// time; the number of items compared.
fn same_in_ranges(path: &Path, per: usize) -> usize {
    let whole = tunnelhunt_sources::open(path).unwrap();
    assert_eq!(whole.format(), Format::Evtx, "{}", path.display());
    let plan: EvtxPlan = evtx::plan(path).unwrap();
    let n = plan.chunk_order().len();
    let ranges: Vec<_> = (0..n.div_ceil(per).max(1))
        .map(|i| i * per..((i + 1) * per).min(n))
        .collect();
    let parts = ranges
        .into_iter()
        .flat_map(|r| RecordReader::from(plan.open(r).unwrap()));
    let mut count = 0;
    let mut parts = parts.map(show);
    for (i, item) in whole.map(show).enumerate() {
        let part = parts.next();
        assert_eq!(
            part.as_deref(),
            Some(item.as_str()),
            "{}: item {i} differs ({per} chunks a range)",
            path.display()
        );
        count += 1;
    }
    assert_eq!(parts.next(), None, "{}: extra items", path.display());
    count
}

#[test]
fn the_fixture_in_ranges_is_the_fixture() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/evtx/security-4688-netsh-portproxy.evtx");
    assert!(same_in_ranges(&path, 1) > 0);
}

#[test]
fn multi_chunk_samples_in_ranges_are_the_samples() {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    let dir = PathBuf::from(root).join("evtx-samples");
    assert!(
        dir.is_dir(),
        "TUNNELHUNT_CORPUS is set but {dir:?} is missing"
    );
    let found = inputs::discover(&[dir], |p| {
        inputs::has_extension(p, &["evtx"])
            && std::fs::metadata(p).is_ok_and(|m| m.len() > 4096 + 4 * 65536)
    });
    let big = found.files;
    assert!(
        big.len() >= 20,
        "{} samples of more than 4 chunks",
        big.len()
    );
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get());
    let total: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let big = &big;
                s.spawn(move || {
                    big.iter()
                        .skip(t)
                        .step_by(threads)
                        .enumerate()
                        // Ranges of 1, 3 and 7 chunks, varied over the files.
                        .map(|(i, p)| same_in_ranges(p, [1, 3, 7][i % 3]))
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    println!("{} files, {total} items compared", big.len());
    assert!(total > 10_000);
}
