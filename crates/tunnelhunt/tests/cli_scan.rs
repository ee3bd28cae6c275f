//! `tunnelhunt scan` across threads and formats: the output is the same for
//! any `--threads`, every record is counted per format, `--strict` stops at
//! the first input error, hidden files are read and pipes are skipped.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{repo, stderr, tunnelhunt};
use serde_json::Value;

fn fixtures() -> PathBuf {
    repo().join("crates/sources/tests/fixtures")
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("scan", name)
}

/// The example Sysmon lines (3 tunnels, 3 benign), each with its own
/// `EventRecordID` from `first_id` on, `copies` times over.
fn sysmon_lines(copies: usize, first_id: u64) -> Vec<String> {
    let text =
        std::fs::read_to_string(repo().join("examples/events/sysmon_process_creation.jsonl"))
            .unwrap();
    let template: Vec<&str> = text.lines().collect();
    let mut id = first_id;
    let mut out = Vec::new();
    for _ in 0..copies {
        for line in &template {
            let key = "\"EventRecordID\":";
            let start = line.find(key).unwrap() + key.len();
            let digits = line[start..].find(|c: char| !c.is_ascii_digit()).unwrap();
            out.push(format!("{}{id}{}", &line[..start], &line[start + digits..]));
            id += 1;
        }
    }
    out
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// The summary JSON object printed on stderr by `--summary json`.
/// Two runs at different `--threads` printed the same alerts, byte for
/// byte, and the same summary apart from timing and the thread count.
fn assert_same_scan(one: &Output, other: &Output, threads: &str) {
    assert!(
        one.stdout == other.stdout,
        "--threads 1 and --threads {threads} differ"
    );
    let (mut a, mut b) = (summary_json(one), summary_json(other));
    for s in [&mut a, &mut b] {
        let s = s.as_object_mut().unwrap();
        for volatile in ["elapsed_seconds", "scan_seconds", "throughput", "threads"] {
            s.remove(volatile);
        }
    }
    assert_eq!(a, b, "summaries differ with --threads {threads}");
}

fn summary_json(out: &Output) -> Value {
    let text = stderr(out);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no summary JSON in {text}"));
    serde_json::from_str(line).unwrap()
}

/// The per-format counts that add up.
const COUNTS: [&str; 5] = [
    "files",
    "records_read",
    "events_evaluated",
    "skipped_by_prefilter",
    "unparseable",
];

/// Per format and in total: records read = events evaluated + skipped by
/// the prefilter + unparseable.
fn assert_accounted(summary: &Value) {
    let formats = summary["formats"].as_object().unwrap();
    let mut sum = [0u64; COUNTS.len()];
    for (name, f) in formats {
        let n = |k: &str| f[k].as_u64().unwrap();
        assert_eq!(
            n("records_read"),
            n("events_evaluated") + n("skipped_by_prefilter") + n("unparseable"),
            "{name}: {f}"
        );
        for (i, k) in COUNTS.iter().enumerate() {
            sum[i] += n(k);
        }
    }
    let totals = &summary["totals"];
    for (i, k) in COUNTS.iter().enumerate() {
        assert_eq!(totals[k].as_u64().unwrap(), sum[i], "totals.{k}: {summary}");
    }
    assert_eq!(summary["files"]["read"], totals["files"]);
}

/// A folder of several formats: evtx JSON (the examples, generated files,
/// one big enough to be read in blocks, one with a bad line), EVTX, Zeek
/// and auditd.
fn mixed_folder(name: &str) -> PathBuf {
    let dir = scratch(name);
    for f in ["security_4688.json", "sysmon_process_creation.jsonl"] {
        std::fs::copy(repo().join("examples/events").join(f), dir.join(f)).unwrap();
    }
    std::fs::create_dir_all(dir.join("hosts")).unwrap();
    for i in 0..6 {
        let lines = sysmon_lines(5 + i * 7, 1000 * i as u64);
        write_lines(&dir.join(format!("hosts/wks{i}.jsonl")), &lines);
    }
    let mut bad = sysmon_lines(3, 90_000);
    bad.insert(4, "{\"Event\": {\"System\": oops}}".to_owned());
    write_lines(&dir.join("hosts/with_a_bad_line.jsonl"), &bad);
    // Over 4 MiB: cut into blocks of lines read in parallel.
    write_lines(&dir.join("big.jsonl"), &sysmon_lines(520, 1_000_000));
    std::fs::copy(
        fixtures().join("evtx/security-4688-netsh-portproxy.evtx"),
        dir.join("security.evtx"),
    )
    .unwrap();
    std::fs::copy(fixtures().join("zeek/dns.log"), dir.join("dns.log")).unwrap();
    std::fs::copy(fixtures().join("zeek/conn.log"), dir.join("conn.log")).unwrap();
    std::fs::copy(fixtures().join("auditd/tunnels.log"), dir.join("audit.log")).unwrap();
    dir
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let dir = mixed_folder("threads");
    let dir = dir.to_str().unwrap();
    let run = |threads: &str| {
        tunnelhunt(&[
            "scan",
            "--rules",
            "examples/rules",
            "--threads",
            threads,
            "--summary",
            "json",
            "examples/events",
            dir,
        ])
    };
    let one = run("1");
    assert_eq!(one.status.code(), Some(3), "{}", stderr(&one));
    assert!(one.stdout.len() > 10_000, "{}", stderr(&one));
    for threads in ["2", "3", "8"] {
        let other = run(threads);
        assert_eq!(other.status.code(), Some(3));
        assert_same_scan(&one, &other, threads);
    }

    let alerts: Vec<Value> = String::from_utf8(one.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The big file is read in blocks; its alerts keep their file's lines:
    // copy k (0-based) of the six template lines starts at line 6k + 1,
    // and its third line is a plink tunnel.
    let big: Vec<u64> = alerts
        .iter()
        .filter(|a| a["source"]["path"].as_str().unwrap().ends_with("big.jsonl"))
        .map(|a| a["source"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(big.len(), 520 * 3);
    assert!(big.windows(2).all(|w| w[0] < w[1]), "in record order");
    assert!(big.contains(&(6 * 400 + 3)), "{:?}", &big[1190..1210]);
    // Files in sorted path order, the named file before the folder.
    let paths: Vec<&str> = alerts
        .iter()
        .map(|a| a["source"]["path"].as_str().unwrap())
        .collect();
    let mut firsts: Vec<&str> = paths.clone();
    firsts.dedup();
    assert!(firsts[0].starts_with("examples/events/"), "{firsts:?}");
    let in_dir: Vec<&str> = firsts.into_iter().filter(|p| p.starts_with(dir)).collect();
    let mut sorted = in_dir.clone();
    sorted.sort();
    assert_eq!(in_dir, sorted);
}

#[test]
fn summary_counts_every_record_per_format() {
    let dir = mixed_folder("formats");
    let out = tunnelhunt(&[
        "scan",
        "--rules",
        "examples/rules",
        "--summary",
        "json",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let summary = summary_json(&out);
    assert_accounted(&summary);
    let formats = &summary["formats"];
    for (name, files) in [
        ("evtx-json", 10),
        ("evtx", 1),
        ("zeek-tsv", 2),
        ("auditd", 1),
    ] {
        assert_eq!(formats[name]["files"], files, "{name}: {summary}");
        assert!(
            formats[name]["events_evaluated"].as_u64().unwrap() > 0,
            "{name}"
        );
    }
    // The EVTX chunk holds 8 records; netsh portproxy add (and its
    // abbreviation) raise alerts.
    assert_eq!(formats["evtx"]["records_read"], 8);
    assert!(
        formats["evtx"]["alerts"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    let bad = &formats["evtx-json"];
    assert_eq!(bad["unparseable"], 1);
    let first = bad["first_unparseable"][0].as_str().unwrap();
    assert!(
        first.contains("with_a_bad_line.jsonl:5: invalid JSON"),
        "{first}"
    );
    assert_eq!(summary["files"]["found"], 14);
    assert_eq!(summary["stopped"], Value::Null);
    let by_rule: u64 = summary["alerts_by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(summary["totals"]["alerts"].as_u64().unwrap(), by_rule);
    assert!(summary["throughput"]["events_per_second"].as_f64().unwrap() > 0.0);

    // The text summary shows the same, one line per format.
    let out = tunnelhunt(&["scan", "--rules", "examples/rules", dir.to_str().unwrap()]);
    let text = stderr(&out);
    // Records no rule can match may be skipped by the prefilter.
    let evtx = text
        .lines()
        .find(|l| l.starts_with("  evtx: 1 file, 69632 bytes; 8 read = "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(evtx.contains(" + 0 unparseable"), "{evtx}");
    assert!(text.contains("    unparseable: "), "{text}");
    assert!(text.contains(" MB/s, "), "{text}");
}

#[test]
fn strict_stops_at_the_first_bad_record_and_the_default_goes_on() {
    let dir = scratch("strict");
    write_lines(&dir.join("a.jsonl"), &sysmon_lines(1, 1));
    let mut bad = sysmon_lines(1, 100);
    bad.insert(3, "{\"Event\": truncated".to_owned());
    write_lines(&dir.join("b.jsonl"), &bad);
    write_lines(&dir.join("c.jsonl"), &sysmon_lines(2, 200));
    let dir = dir.to_str().unwrap();
    let alerts_in = |out: &Output, file: &str| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(file))
            .count()
    };

    let lenient = tunnelhunt(&["scan", "--rules", "examples/rules", dir]);
    assert_eq!(lenient.status.code(), Some(3), "{}", stderr(&lenient));
    assert_eq!(
        (
            alerts_in(&lenient, "a.jsonl"),
            alerts_in(&lenient, "b.jsonl"),
            alerts_in(&lenient, "c.jsonl")
        ),
        (3, 3, 6)
    );
    assert!(
        stderr(&lenient).contains("b.jsonl:4: "),
        "{}",
        stderr(&lenient)
    );

    for threads in ["1", "2"] {
        let strict = strict_scan(dir, threads);
        assert_eq!(strict.status.code(), Some(3), "{}", stderr(&strict));
        let err = stderr(&strict);
        assert!(
            err.contains("--strict: stopped at the first input error: ")
                && err.contains("b.jsonl:4: "),
            "{err}"
        );
        // Everything before the bad record, nothing after it: b.jsonl's
        // first three lines hold one tunnel (plink -L), c.jsonl is not read.
        assert_eq!(
            (
                alerts_in(&strict, "a.jsonl"),
                alerts_in(&strict, "b.jsonl"),
                alerts_in(&strict, "c.jsonl")
            ),
            (3, 1, 0),
            "--threads {threads}"
        );
        let summary = summary_json(&strict);
        assert!(
            summary["stopped"].as_str().unwrap().contains("b.jsonl:4"),
            "{summary}"
        );
        assert_accounted(&summary);
    }
}

/// `scan --strict` of `dir` with the example rules on `threads` threads,
/// the summary as JSON.
fn strict_scan(dir: &str, threads: &str) -> std::process::Output {
    tunnelhunt(&[
        "scan",
        "--rules",
        "examples/rules",
        "--strict",
        "--threads",
        threads,
        "--summary",
        "json",
        dir,
    ])
}

/// A path the walk cannot read stops `--strict` at its place in input
/// order: the files that sort before it are scanned first, those after it
/// are not.
#[cfg(unix)]
#[test]
fn strict_scans_what_sorts_before_a_dangling_link() {
    let dir = scratch("strict-dangling");
    write_lines(&dir.join("a.jsonl"), &sysmon_lines(1, 1));
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("b.jsonl")).unwrap();
    write_lines(&dir.join("c.jsonl"), &sysmon_lines(1, 100));
    let dir = dir.to_str().unwrap();
    for threads in ["1", "2"] {
        let strict = strict_scan(dir, threads);
        assert_eq!(strict.status.code(), Some(3), "{}", stderr(&strict));
        let alerts = String::from_utf8_lossy(&strict.stdout);
        let alerts_in = |file: &str| alerts.lines().filter(|l| l.contains(file)).count();
        assert_eq!(
            (alerts_in("a.jsonl"), alerts_in("c.jsonl")),
            (3, 0),
            "--threads {threads}: {}",
            stderr(&strict)
        );
        let summary = summary_json(&strict);
        assert!(
            summary["stopped"].as_str().unwrap().contains("b.jsonl"),
            "{summary}"
        );
        assert_accounted(&summary);
    }
}

#[test]
fn strict_stops_at_a_damaged_evtx_chunk() {
    let dir = scratch("strict-evtx");
    let mut evtx =
        std::fs::read(fixtures().join("evtx/security-4688-netsh-portproxy.evtx")).unwrap();
    // Cut the only chunk short: the file ends inside it.
    evtx.truncate(4096 + 30_000);
    std::fs::write(dir.join("cut.evtx"), &evtx).unwrap();
    let dir = dir.to_str().unwrap();
    let lenient = tunnelhunt(&["scan", "--rules", "examples/rules", dir]);
    assert_eq!(lenient.status.code(), Some(3));
    assert!(
        stderr(&lenient).contains("damaged: "),
        "{}",
        stderr(&lenient)
    );
    let strict = tunnelhunt(&["scan", "--rules", "examples/rules", "--strict", dir]);
    assert_eq!(strict.status.code(), Some(3));
    assert!(
        stderr(&strict).contains("stopped at the first input error: ")
            && stderr(&strict).contains("cut.evtx"),
        "{}",
        stderr(&strict)
    );
}

#[cfg(unix)]
#[test]
fn hidden_files_are_read_and_pipes_are_skipped_not_unreadable() {
    let dir = scratch("hidden");
    std::fs::create_dir_all(dir.join(".cache")).unwrap();
    write_lines(&dir.join(".cache/.history.jsonl"), &sysmon_lines(1, 1));
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let out = tunnelhunt(&[
        "scan",
        "--rules",
        "examples/rules",
        "--summary",
        "json",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    let summary = summary_json(&out);
    assert_eq!(summary["files"]["unreadable"], 0, "{summary}");
    assert_eq!(summary["files"]["skipped"], 1, "{summary}");
    let group = &summary["skipped"][0];
    assert_eq!(group["reason"], "not a regular file (a named pipe)");
    assert!(group["files"][0].as_str().unwrap().ends_with("pipe"));
}

/// Big EVTX logs are read in ranges of chunks on several threads: the
/// alerts (one per record here, so every record's origin shows) and the
/// summary are the same for any `--threads`. Needs the corpus (the
/// fixture has one chunk); skipped without `TUNNELHUNT_CORPUS`.
#[test]
fn multi_chunk_evtx_output_is_identical_for_any_thread_count() {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    let samples = PathBuf::from(root).join("evtx-samples/DeepBlueCLI");
    assert!(samples.is_dir(), "{} is missing", samples.display());
    let dir = scratch("evtx-chunks");
    let names = [
        "smb-password-guessing-security.evtx",
        "many-events-application.evtx",
        "Powershell-Invoke-Obfuscation-many.evtx",
    ];
    for name in names {
        std::fs::copy(samples.join(name), dir.join(name)).unwrap();
    }
    // A wrapped copy: the first half of the chunks moved to the end, so
    // the oldest chunk is mid-file and the reader's order is not the file's.
    let bytes = std::fs::read(samples.join(names[0])).unwrap();
    let (header, chunks) = bytes.split_at(4096);
    let half = (chunks.len() / 65536 / 2) * 65536;
    let wrapped = [header, &chunks[half..], &chunks[..half]].concat();
    std::fs::write(dir.join("wrapped.evtx"), wrapped).unwrap();
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("every_event.yml"),
        "title: Every event\nid: 9b0d5a4e-0000-4000-8000-000000000001\nstatus: test\n\
         logsource:\n  product: windows\ndetection:\n  selection:\n    EventID|gt: 0\n  \
         condition: selection\nlevel: low\n",
    )
    .unwrap();
    let run = |threads: &str| {
        tunnelhunt(&[
            "scan",
            "--rules",
            rules.to_str().unwrap(),
            "--threads",
            threads,
            "--summary",
            "json",
            dir.to_str().unwrap(),
        ])
    };
    let one = run("1");
    let summary = summary_json(&one);
    assert_accounted(&summary);
    assert_eq!(summary["formats"]["evtx"]["files"], 4, "{summary}");
    let alerts = one.stdout.iter().filter(|&&b| b == b'\n').count();
    assert!(alerts > 5_000, "{alerts} alerts: {}", stderr(&one));
    for threads in ["2", "5"] {
        let other = run(threads);
        assert_eq!(other.status.code(), one.status.code());
        assert_same_scan(&one, &other, threads);
    }
}
