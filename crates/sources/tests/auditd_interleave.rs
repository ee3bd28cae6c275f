//! auditd events whose records interleave as a busy multi-CPU host writes
//! them (issue 15): thousands of execs open at once still come out whole,
//! a realistic interleave too, and events that never end stream in
//! bounded memory, each reported with its line — never split in silence.

use crate::common;

use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use common::{compile_bodies, split, text};
use tunnelhunt_sources::auditd::{
    AuditdError, AuditdEvent, AuditdReader, IncompleteCause, MAX_OPEN_BYTES,
};
use tunnelhunt_sources::{ReadError, ReadErrorKind};

const COMMAND: &str = "ssh -N -L 8080:10.0.0.5:3389 ops@203.0.113.20";

/// The records of one `ssh -L` exec, in the order the kernel writes them.
fn exec_records(serial: u64) -> Vec<String> {
    let id = format!("msg=audit(1700000000.{:03}:{serial})", serial % 1000);
    let pid = 10_000 + serial;
    let proctitle: String = COMMAND
        .replace(' ', "\0")
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect();
    vec![
        format!(
            "type=SYSCALL {id}: arch=c000003e syscall=59 success=yes exit=0 ppid=999 \
             pid={pid} auid=1000 uid=1000 comm=\"ssh\" exe=\"/usr/bin/ssh\" key=\"exec\""
        ),
        format!(
            "type=EXECVE {id}: argc=5 a0=\"ssh\" a1=\"-N\" a2=\"-L\" a3=\"8080:10.0.0.5:3389\" \
             a4=\"ops@203.0.113.20\""
        ),
        format!("type=CWD {id}: cwd=\"/home/ops\""),
        format!("type=PATH {id}: item=0 name=\"/usr/bin/ssh\" inode=1 nametype=NORMAL"),
        format!("type=PATH {id}: item=1 name=\"/lib64/ld-linux-x86-64.so.2\" nametype=NORMAL"),
        format!("type=PROCTITLE {id}: proctitle={proctitle}"),
        format!("type=EOE {id}: "),
    ]
}

/// `events` execs written in batches of `open` events: within a batch the
/// first records of every event come, then the second records, and so on,
/// so that `open` events are open at once.
fn interleaved(events: u64, open: u64) -> Vec<u8> {
    let mut log = String::new();
    let serials: Vec<u64> = (1..=events).collect();
    for batch in serials.chunks(open as usize) {
        let records: Vec<Vec<String>> = batch.iter().map(|&s| exec_records(s)).collect();
        for position in 0..records[0].len() {
            for event in &records {
                log.push_str(&event[position]);
                log.push('\n');
            }
        }
    }
    log.into_bytes()
}

fn read(input: impl std::io::BufRead) -> (Vec<(u64, AuditdEvent)>, Vec<ReadError>) {
    split(
        AuditdReader::new(input, Path::new("audit.log"))
            .map(|r| r.map(|(origin, e)| (origin.line().unwrap(), e))),
    )
}

fn ssh_forward_rule_hits(events: &[(u64, AuditdEvent)]) -> usize {
    let matcher = compile_bodies(&[(
        "ssh_forward",
        "logsource: {category: process_creation, product: linux}\n\
         detection:\n  sel:\n    Image|endswith: /ssh\n    CommandLine|contains|cased: ' -L '\n  condition: sel",
    )]);
    let mut scratch = matcher.scratch();
    events
        .iter()
        .filter(|(_, e)| {
            let mut ids = Vec::new();
            matcher.matches(e, &mut scratch, &mut ids);
            !ids.is_empty()
        })
        .count()
}

fn assert_whole_execs(events: &[(u64, AuditdEvent)], count: u64) {
    assert_eq!(events.len() as u64, count);
    for (_, event) in events {
        assert_eq!(text(event, "CommandLine").as_deref(), Some(COMMAND));
        assert_eq!(
            text(event, "CurrentDirectory").as_deref(),
            Some("/home/ops")
        );
        assert_eq!(event.category(), Some("process_creation"));
    }
    let mut serials: Vec<u64> = events.iter().map(|(_, e)| e.serial()).collect();
    serials.dedup();
    assert_eq!(serials, (1..=count).collect::<Vec<_>>());
    assert_eq!(ssh_forward_rule_hits(events), count as usize);
}

#[test]
fn three_thousand_execs_open_at_once_come_out_whole() {
    let (events, errors) = read(Cursor::new(interleaved(3000, 3000)));
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(3)]);
    assert_whole_execs(&events, 3000);
    // Each event is placed at its SYSCALL line.
    assert_eq!(events[0].0, 1);
    assert_eq!(events[2999].0, 3000);
}

#[test]
fn a_realistic_interleave_of_a_few_dozen_open_events() {
    let (events, errors) = read(Cursor::new(interleaved(3000, 40)));
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(3)]);
    assert_whole_execs(&events, 3000);
}

#[test]
fn events_cut_by_the_end_of_the_log_are_reported_as_damage_with_their_line() {
    let mut log = interleaved(2, 2);
    // A third exec whose PROCTITLE and EOE are not in this file (rotated).
    for record in &exec_records(3)[..3] {
        log.extend_from_slice(record.as_bytes());
        log.push(b'\n');
    }
    let (events, errors) = read(Cursor::new(log));
    assert_eq!(events.len(), 3);
    assert_eq!(text(&events[2].1, "CommandLine").as_deref(), Some(COMMAND));
    assert_eq!(errors.len(), 1);
    let error = &errors[0];
    assert_eq!(error.line, 15);
    assert!(!error.is_record() && !error.is_fatal());
    assert!(matches!(
        error.kind,
        ReadErrorKind::Auditd(AuditdError::IncompleteEvent {
            cause: IncompleteCause::EndOfInput,
            ..
        })
    ));
    assert!(
        error
            .to_string()
            .starts_with("audit.log:15: audit event 1700000000.003:3 incomplete at the end"),
        "{error}"
    );
}

/// An endless supply of exec SYSCALL records that never see their end,
/// each with a long argument, generated as it is read (no copy in memory).
struct NeverClosed {
    next_serial: u64,
    limit: u64,
    pending: Vec<u8>,
    at: usize,
}

impl Read for NeverClosed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.pending.len() {
            if self.next_serial > self.limit {
                return Ok(0);
            }
            let serial = self.next_serial;
            self.next_serial += 1;
            self.pending = format!(
                "type=SYSCALL msg=audit(1700000000.000:{serial}): syscall=59 pid={serial} \
                 exe=\"/usr/bin/ssh\" padding=\"{}\"\n",
                "x".repeat(16 * 1024)
            )
            .into_bytes();
            self.at = 0;
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn events_that_never_end_stream_in_bounded_memory_and_each_is_reported() {
    // Twice the bound's worth of records (each record holds 16 KiB).
    let count = 2 * MAX_OPEN_BYTES as u64 / (16 * 1024);
    let input = BufReader::new(NeverClosed {
        next_serial: 1,
        limit: count,
        pending: Vec::new(),
        at: 0,
    });
    let mut events = 0u64;
    let mut first_event_before_the_end = None;
    let (mut at_bound, mut at_end) = (0u64, 0u64);
    for item in AuditdReader::new(input, Path::new("audit.log")) {
        match item {
            Ok((origin, event)) => {
                events += 1;
                assert_eq!(origin.line(), Some(event.serial()));
                first_event_before_the_end.get_or_insert(at_end == 0);
            }
            Err(error) => match error.kind {
                ReadErrorKind::Auditd(AuditdError::IncompleteEvent { cause, .. }) => {
                    assert!(!error.is_record());
                    match cause {
                        IncompleteCause::GroupingBound => at_bound += 1,
                        IncompleteCause::EndOfInput => at_end += 1,
                        other => panic!("{other:?}: {error}"),
                    }
                }
                _ => panic!("{error}"),
            },
        }
    }
    assert_eq!(events, count);
    // Every event is reported once, and events were released while the
    // input went on (memory stayed bounded), not only at its end.
    assert_eq!(at_bound + at_end, count);
    assert!(at_bound >= count / 3, "{at_bound} of {count}");
    assert_eq!(first_event_before_the_end, Some(true));
}
