//! The EVTX reader on real logs.
//!
//! The corpus is not part of the repository; set `TUNNELHUNT_CORPUS` to the
//! folder that holds `real/` and `evtx-samples/` (in a checkout:
//! `../shared/corpus`). Unset, these tests print "skipped" and pass; set to
//! a folder without them, they fail, so CI cannot silently test nothing.
//!
//! * `real/`: real tunnelling telemetry; every record count and EventID
//!   histogram is the one `real/PROVENANCE.md` gives, and the plink command
//!   line reads back byte for byte.
//! * `evtx-samples/`: 593 public sample logs (Hayabusa's collection), some
//!   of them damaged; every one is read to its end without a panic, and the
//!   records and damage are counted.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use tunnelhunt_engine::{Event, FieldValue, Lookup};

use crate::common::corpus;
use tunnelhunt_sources::{Format, ReadErrorKind, Record, inputs};

fn read_all(path: &Path) -> (Vec<Record>, Vec<String>) {
    let reader = tunnelhunt_sources::open(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reader.format(), Format::Evtx, "{}", path.display());
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for item in reader {
        match item {
            Ok(r) => records.push(r),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (records, errors)
}

fn text(record: &Record, field: &str) -> Option<String> {
    match record.event.field(field) {
        Lookup::One(FieldValue::Str(s)) => Some(s.into_owned()),
        _ => None,
    }
}

/// EventID → how many records have it.
type Histogram = &'static [(u32, usize)];

/// (file under `real/`, records, EventID histogram) from PROVENANCE.md.
const REAL: &[(&str, usize, Histogram)] = &[
    (
        "evtx-attack-samples/DE_sysmon-3-rdp-tun.evtx",
        73,
        &[(1, 13), (3, 42), (5, 12), (6, 6)],
    ),
    (
        "evtx-attack-samples/DE_RDP_Tunnel_5156.evtx",
        101,
        &[
            (5156, 63),
            (4688, 17),
            (5158, 9),
            (4624, 5),
            (4648, 3),
            (4672, 3),
            (1102, 1),
        ],
    ),
    (
        "evtx-attack-samples/DE_RDP_Tunneling_4624.evtx",
        18,
        &[(4624, 18)],
    ),
    (
        "evtx-attack-samples/DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx",
        228,
        &[(1149, 11), (1155, 64), (258, 64), (1136, 64), (261, 25)],
    ),
    (
        "evtx-attack-samples/tunna_iis_rdp_smb_tunneling_sysmon_3.evtx",
        12,
        &[(3, 12)],
    ),
    (
        "evtx-attack-samples/de_portforward_netsh_rdp_sysmon_13_1.evtx",
        3,
        &[(1, 2), (13, 1)],
    ),
    (
        "evtx-attack-samples/panache_sysmon_vs_EDRTestingScript.evtx",
        122,
        &[(1, 96), (3, 8), (7, 8), (11, 5), (13, 4), (12, 1)],
    ),
    (
        "evtx-to-mitre-attack/ID4688-netsh RDP port forwarding abuse.evtx",
        8,
        &[
            (4688, 3),
            (1102, 1),
            (4624, 1),
            (4627, 1),
            (4672, 1),
            (4964, 1),
        ],
    ),
];

#[test]
fn real_tunnelling_logs_read_whole() {
    let Some(real) = corpus("real") else { return };
    let mut total = 0;
    for (file, count, histogram) in REAL {
        let path = real.join(file);
        let (records, errors) = read_all(&path);
        assert!(errors.is_empty(), "{file}: {errors:#?}");
        assert_eq!(records.len(), *count, "{file}");
        let mut got: BTreeMap<u32, usize> = BTreeMap::new();
        for r in &records {
            *got.entry(r.event.kind().event_id.expect("EventID"))
                .or_default() += 1;
            let record_id = match r.event.field("EventRecordID") {
                Lookup::One(FieldValue::Int(n)) => u64::try_from(n).ok(),
                _ => None,
            };
            assert_eq!(r.origin.record_id(), record_id, "{file}");
            assert!(r.event.timestamp().is_some_and(|t| t.ends_with('Z')));
        }
        let want: BTreeMap<u32, usize> = histogram.iter().copied().collect();
        assert_eq!(got, want, "{file}");
        total += records.len();
    }
    println!(
        "real: {} EVTX files, {total} records, all as PROVENANCE.md says",
        REAL.len()
    );
}

#[test]
fn plink_reverse_tunnel_reads_back_exactly() {
    let Some(real) = corpus("real") else { return };
    let (records, _) = read_all(&real.join("evtx-attack-samples/DE_sysmon-3-rdp-tun.evtx"));
    let plink: Vec<&Record> = records
        .iter()
        .filter(|r| {
            r.event.kind().event_id == Some(1)
                && text(r, "Image").as_deref() == Some("C:\\Users\\IEUser\\Desktop\\plink.exe")
        })
        .collect();
    assert_eq!(plink.len(), 1);
    let r = plink[0];
    assert_eq!(
        text(r, "CommandLine").as_deref(),
        Some("plink.exe  10.0.2.18 -P 80 -C -R 127.0.0.3:4444:127.0.0.2:3389 -l test -pw test")
    );
    assert_eq!(text(r, "Product").as_deref(), Some("PuTTY suite"));
    assert_eq!(text(r, "OriginalFileName"), None);
    assert_eq!(r.event.host(), Some("PC01.example.corp"));
    let kind = r.event.kind();
    assert_eq!(kind.channel, Some("Microsoft-Windows-Sysmon/Operational"));
    assert_eq!(r.origin.chunk(), Some(0));
    assert!(
        r.origin.to_string().ends_with(&format!(
            "DE_sysmon-3-rdp-tun.evtx#record={} (chunk 0)",
            r.origin.record_id().unwrap()
        )),
        "{}",
        r.origin
    );
}

#[test]
fn every_evtx_sample_is_read_without_panic() {
    let Some(samples) = corpus("evtx-samples") else {
        return;
    };
    let started = Instant::now();
    let found = inputs::discover(std::slice::from_ref(&samples), |p| {
        inputs::has_extension(p, &["evtx"])
    });
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let (mut events, mut record_errors, mut damage_reports) = (0u64, 0u64, 0u64);
    let mut damaged: Vec<(String, String)> = Vec::new();
    let mut skipped = Vec::new();
    for file in &found.files {
        let rel = file.strip_prefix(&samples).unwrap().display().to_string();
        let reader = match tunnelhunt_sources::open(file) {
            Ok(reader) => reader,
            Err(e) => {
                skipped.push(e.to_string());
                continue;
            }
        };
        let mut first_damage = None;
        let read = catch_unwind(AssertUnwindSafe(|| {
            for item in reader {
                match item {
                    Ok(_) => events += 1,
                    Err(e) => {
                        assert!(
                            matches!(e.kind, ReadErrorKind::Evtx(_)),
                            "{rel}: unexpected error {e}"
                        );
                        if e.is_record() {
                            record_errors += 1;
                        } else {
                            damage_reports += 1;
                        }
                        first_damage.get_or_insert_with(|| e.to_string());
                    }
                }
            }
        }));
        assert!(read.is_ok(), "{rel}: the reader panicked");
        if let Some(d) = first_damage {
            damaged.push((rel, d));
        }
    }
    println!(
        "evtx-samples: {} files ({} skipped), {} records read = {events} events + \
         {record_errors} unreadable records; {} damaged files ({damage_reports} file/chunk \
         damage reports); {:.2?}",
        found.files.len(),
        skipped.len(),
        events + record_errors,
        damaged.len(),
        started.elapsed()
    );
    for s in &skipped {
        println!("  skipped: {s}");
    }
    for (file, first) in &damaged {
        println!("  damaged: {file}: {first}");
    }
    assert!(events > 0);
}
