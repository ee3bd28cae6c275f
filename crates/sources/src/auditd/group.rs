//! Grouping records into events, in bounded memory, and saying so when an
//! event cannot be kept whole.
//!
//! The kernel writes every record of one event (SYSCALL, EXECVE, CWD, PATH,
//! PROCTITLE, SOCKADDR…) with the same `msg=audit(TIME:SERIAL)`, but
//! records of different events interleave: a busy host with many CPUs has
//! thousands of events between their first record and their `EOE`. So
//! events are collected in a queue of *open* events, in the order of their
//! first record, and the head of the queue is released when
//!
//! * it is over: its `EOE` or `PROCTITLE` arrived, or it is a user-space
//!   message (which record types end an event, and why, is in
//!   [`super::role`]), or
//! * it is undecided — no `SYSCALL` yet, so it may be a kernel record
//!   written outside any syscall, which has no `EOE` — and has been idle
//!   for [`MAX_IDLE_RECORDS`] records of other events, or
//! * the open events hold more than [`MAX_OPEN_BYTES`]: then the head is
//!   released as it is, *reported* (a [`Notice`]), or
//! * the input ends: an event that reached its `SYSCALL` but not its end
//!   is reported as cut off.
//!
//! An event that expects more records waits for them however many events
//! interleave with it; only memory bounds the wait, by bytes, not by a
//! count of events, because a count small enough to bound memory (1,024
//! once) is one a busy host's interleaving exceeds (3,000 interleaved
//! `ssh -L` execs were all split, in silence, and none matched).
//!
//! Nothing is split in silence: an event released before its end, an event
//! cut at [`MAX_RECORDS_PER_EVENT`], and a record that arrives after its
//! event was released early are each a [`Notice`] with a line, which the
//! reader turns into a damage report.
//!
//! Releasing only the head keeps the output in the order of the events'
//! first lines (deterministic, and what the analyst sees in the file).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::mem::size_of;

use super::parse::{EventKey, RawRecord};
use super::role::RecordRole;

/// How many bytes (estimated heap use of their records) the open events
/// may hold before the oldest is released incomplete. 64 MiB holds about
/// 60,000 open exec events of 1 KiB: far more than a host interleaves.
pub const MAX_OPEN_BYTES: usize = 64 * 1024 * 1024;

/// How many records of other events may arrive after the last record of
/// an undecided event (one without `SYSCALL`) before it is released as a
/// whole event.
pub const MAX_IDLE_RECORDS: u64 = 4096;

/// How many records one event may collect; the excess starts a new event,
/// reported (a guard against a corrupted log repeating one serial). The
/// largest real event is an exec with a 2 MiB argument list: about 280
/// EXECVE records of 7.5 KiB.
pub const MAX_RECORDS_PER_EVENT: usize = 4096;

/// How many events released early are remembered, so that a record of
/// theirs that comes later is reported rather than read as a new event in
/// silence.
const REMEMBERED_EARLY_RELEASES: usize = 4096;

/// The records of one event.
#[derive(Debug)]
pub(crate) struct Group {
    pub key: EventKey,
    pub records: Vec<RawRecord>,
}

/// Why an event was not released whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncompleteCause {
    /// The open events outgrew [`MAX_OPEN_BYTES`], and this, the oldest,
    /// was released before its end.
    GroupingBound,
    /// The input ended between its `SYSCALL` and its end.
    EndOfInput,
    /// It has more than [`MAX_RECORDS_PER_EVENT`] records.
    TooManyRecords,
    /// A record of it arrived after it had been released early.
    LateRecord,
}

impl fmt::Display for IncompleteCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IncompleteCause::GroupingBound => write!(
                f,
                "flushed incomplete at the grouping bound ({} MiB of events awaiting their end); \
                 records of it that follow are read as a separate event",
                MAX_OPEN_BYTES / (1024 * 1024)
            ),
            IncompleteCause::EndOfInput => f.write_str(
                "incomplete at the end of the input (no PROCTITLE or EOE record after its \
                 SYSCALL: the log was cut, e.g. by rotation, or records were lost)",
            ),
            IncompleteCause::TooManyRecords => write!(
                f,
                "has more than {MAX_RECORDS_PER_EVENT} records; split here, the rest is read as \
                 a separate event"
            ),
            IncompleteCause::LateRecord => write!(
                f,
                "continues after it was released early (idle for {MAX_IDLE_RECORDS} records, or \
                 at the grouping bound); this record starts a separate event"
            ),
        }
    }
}

/// An event that was not released whole: its key, the line to report, and
/// why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    pub line: u64,
    pub key: EventKey,
    pub cause: IncompleteCause,
}

/// What the grouper hands on, in order.
#[derive(Debug)]
pub(crate) enum Released {
    Event(Group),
    Notice(Notice),
}

/// How far an open event has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    /// No `SYSCALL` yet: a lone kernel record, or one written during a
    /// syscall whose `SYSCALL` is still to come.
    Undecided,
    /// Its `SYSCALL` arrived: records up to `PROCTITLE`/`EOE` follow.
    ExpectingMore,
    /// Nothing of it follows.
    Over,
}

#[derive(Debug)]
struct Open {
    group: Group,
    last_seen: u64,
    progress: Progress,
    bytes: usize,
}

/// How an open event leaves the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Whole,
    Idle,
    Bound,
    EndOfInput,
}

/// Collects records into groups; see the module docs for the policy.
#[derive(Debug, Default)]
pub(crate) struct Grouper {
    queue: VecDeque<Open>,
    /// Key → sequence number of its open event; `queue[seq - base]`.
    index: HashMap<EventKey, u64>,
    base: u64,
    seen: u64,
    open_bytes: usize,
    /// Keys of events released early, with the order they were
    /// remembered in (`early_order`, to forget the oldest first).
    early: HashMap<EventKey, u64>,
    early_order: VecDeque<(EventKey, u64)>,
    early_count: u64,
}

impl Grouper {
    /// Add one record; what is ready is passed to `emit` in order.
    pub fn push(&mut self, record: RawRecord, emit: &mut impl FnMut(Released)) {
        self.seen += 1;
        let role = RecordRole::of(&record.rtype);
        let open_seq = self.index.get(&record.key).copied();
        if let Some(seq) = open_seq
            && role == RecordRole::EndOfEvent
        {
            self.open_mut(seq).progress = Progress::Over;
            self.release(emit, false);
            return;
        }
        let seq = match open_seq {
            Some(seq) if self.open(seq).group.records.len() < MAX_RECORDS_PER_EVENT => seq,
            Some(seq) => {
                // The full event stays queued, ended; the new part takes
                // over the key.
                self.open_mut(seq).progress = Progress::Over;
                emit(Released::Notice(Notice {
                    line: record.line,
                    key: record.key.clone(),
                    cause: IncompleteCause::TooManyRecords,
                }));
                self.open_new(&record.key)
            }
            None => {
                let late = self.forget_early(&record.key);
                // An `EOE` after its event was released (at its PROCTITLE,
                // or early, which was reported) adds nothing.
                if role == RecordRole::EndOfEvent {
                    self.release(emit, false);
                    return;
                }
                if late {
                    emit(Released::Notice(Notice {
                        line: record.line,
                        key: record.key.clone(),
                        cause: IncompleteCause::LateRecord,
                    }));
                }
                self.open_new(&record.key)
            }
        };
        let seen = self.seen;
        let bytes = footprint(&record);
        let open = self.open_mut(seq);
        open.last_seen = seen;
        let first = open.group.records.is_empty();
        open.progress = match (open.progress, role) {
            (Progress::Over, _) | (_, RecordRole::EndOfEvent | RecordRole::Last) => Progress::Over,
            // A user-space message is its own event; one that shares a
            // key with records before it is not, and waits with them.
            (_, RecordRole::Standalone) if first => Progress::Over,
            (Progress::Undecided, RecordRole::SyscallHead) => Progress::ExpectingMore,
            (progress, _) => progress,
        };
        if role != RecordRole::EndOfEvent {
            open.group.records.push(record);
            open.bytes += bytes;
            self.open_bytes += bytes;
        }
        self.release(emit, false);
    }

    /// Release every open group (end of input).
    pub fn finish(&mut self, emit: &mut impl FnMut(Released)) {
        self.release(emit, true);
    }

    fn open(&self, seq: u64) -> &Open {
        &self.queue[(seq - self.base) as usize]
    }

    fn open_mut(&mut self, seq: u64) -> &mut Open {
        &mut self.queue[(seq - self.base) as usize]
    }

    fn open_new(&mut self, key: &EventKey) -> u64 {
        let seq = self.base + self.queue.len() as u64;
        self.index.insert(key.clone(), seq);
        let bytes = size_of::<Open>() + index_entry_bytes(key);
        self.open_bytes += bytes;
        self.queue.push_back(Open {
            group: Group {
                key: key.clone(),
                records: Vec::new(),
            },
            last_seen: self.seen,
            progress: Progress::Undecided,
            bytes,
        });
        seq
    }

    fn release(&mut self, emit: &mut impl FnMut(Released), at_end: bool) {
        while let Some(head) = self.queue.front() {
            let exit = if head.progress == Progress::Over {
                Exit::Whole
            } else if at_end {
                match head.progress {
                    Progress::ExpectingMore => Exit::EndOfInput,
                    _ => Exit::Whole,
                }
            } else if head.progress == Progress::Undecided
                && self.seen - head.last_seen > MAX_IDLE_RECORDS
            {
                Exit::Idle
            } else if self.open_bytes > MAX_OPEN_BYTES {
                Exit::Bound
            } else {
                break;
            };
            let Some(open) = self.queue.pop_front() else {
                break;
            };
            if self.index.get(&open.group.key) == Some(&self.base) {
                self.index.remove(&open.group.key);
            }
            self.base += 1;
            self.open_bytes -= open.bytes;
            let line = open.group.records.first().map_or(0, |r| r.line);
            let cause = match exit {
                Exit::Whole => None,
                Exit::Idle => {
                    self.remember_early(&open.group.key);
                    None
                }
                Exit::Bound => {
                    self.remember_early(&open.group.key);
                    Some(IncompleteCause::GroupingBound)
                }
                Exit::EndOfInput => Some(IncompleteCause::EndOfInput),
            };
            if let Some(cause) = cause {
                emit(Released::Notice(Notice {
                    line,
                    key: open.group.key.clone(),
                    cause,
                }));
            }
            if !open.group.records.is_empty() {
                emit(Released::Event(open.group));
            }
        }
    }

    fn remember_early(&mut self, key: &EventKey) {
        self.early_count += 1;
        self.early.insert(key.clone(), self.early_count);
        self.early_order.push_back((key.clone(), self.early_count));
        while self.early_order.len() > REMEMBERED_EARLY_RELEASES {
            if let Some((old, stamp)) = self.early_order.pop_front()
                && self.early.get(&old) == Some(&stamp)
            {
                self.early.remove(&old);
            }
        }
    }

    /// Whether `key`'s event was released early (and forget it: one
    /// report per split).
    fn forget_early(&mut self, key: &EventKey) -> bool {
        self.early.remove(key).is_some()
    }

    /// How many bytes the open events hold (for tests).
    #[cfg(test)]
    pub fn open_bytes(&self) -> usize {
        self.open_bytes
    }
}

/// Estimated heap bytes of one record: its struct, its strings and its
/// fields' strings, by capacity.
fn footprint(record: &RawRecord) -> usize {
    size_of::<RawRecord>()
        + record.rtype.capacity()
        + record.key.node.as_ref().map_or(0, |n| n.len())
        + record.fields.capacity() * size_of::<(String, Vec<u8>)>()
        + record
            .fields
            .iter()
            .map(|(k, v)| k.capacity() + v.capacity())
            .sum::<usize>()
}

/// Estimated bytes of the key's entry in the index (the key twice: in the
/// map and in the group).
fn index_entry_bytes(key: &EventKey) -> usize {
    2 * (size_of::<EventKey>() + key.node.as_ref().map_or(0, |n| n.len())) + size_of::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auditd::parse::parse_line;

    fn rec(line: u64, serial: u64, rtype: &str) -> RawRecord {
        let text = format!("type={rtype} msg=audit(1700000000.000:{serial}): x={line}");
        parse_line(line, text.as_bytes()).unwrap()
    }

    /// What came out: `Ok((serial, lines))` per event, `Err((line,
    /// serial, cause))` per notice.
    type Out = Result<(u64, Vec<u64>), (u64, u64, IncompleteCause)>;

    fn collect(out: &mut Vec<Out>) -> impl FnMut(Released) + '_ {
        |released| match released {
            Released::Event(group) => out.push(Ok((
                group.key.serial,
                group.records.iter().map(|r| r.line).collect(),
            ))),
            Released::Notice(n) => out.push(Err((n.line, n.key.serial, n.cause))),
        }
    }

    fn run(records: Vec<RawRecord>) -> Vec<Out> {
        let mut out = Vec::new();
        let mut g = Grouper::default();
        let mut emit = collect(&mut out);
        for r in records {
            g.push(r, &mut emit);
        }
        g.finish(&mut emit);
        drop(emit);
        out
    }

    #[test]
    fn interleaved_events_come_out_whole_in_first_line_order() {
        let out = run(vec![
            rec(1, 10, "SYSCALL"),
            rec(2, 11, "SYSCALL"),
            rec(3, 11, "EXECVE"),
            rec(4, 10, "EXECVE"),
            rec(5, 11, "EOE"),
            rec(6, 12, "USER_LOGIN"),
            rec(7, 10, "EOE"),
        ]);
        assert_eq!(
            out,
            vec![
                Ok((10, vec![1, 4])),
                Ok((11, vec![2, 3])),
                Ok((12, vec![6]))
            ]
        );
    }

    #[test]
    fn thousands_of_open_events_stay_whole() {
        let n = 20_000;
        let mut records = Vec::new();
        for (offset, rtype) in ["SYSCALL", "EXECVE", "PATH", "EOE"].iter().enumerate() {
            for serial in 0..n {
                records.push(rec(offset as u64 * n + serial + 1, serial, rtype));
            }
        }
        let out = run(records);
        assert_eq!(out.len(), n as usize);
        for (serial, item) in out.iter().enumerate() {
            let serial = serial as u64;
            assert_eq!(
                item,
                &Ok((serial, vec![serial + 1, n + serial + 1, 2 * n + serial + 1]))
            );
        }
    }

    #[test]
    fn proctitle_ends_an_event_and_its_eoe_adds_nothing() {
        let mut g = Grouper::default();
        let mut out = Vec::new();
        let mut emit = collect(&mut out);
        g.push(rec(1, 7, "SYSCALL"), &mut emit);
        g.push(rec(2, 7, "PROCTITLE"), &mut emit);
        g.push(rec(3, 7, "EOE"), &mut emit);
        drop(emit);
        assert_eq!(out, vec![Ok((7, vec![1, 2]))]);
        assert_eq!(g.open_bytes(), 0);
    }

    #[test]
    fn memory_is_bounded_by_bytes_and_every_early_release_is_reported() {
        let mut g = Grouper::default();
        let (mut events, mut bound, mut end) = (0, 0, 0);
        let mut emit = |released: Released| match released {
            Released::Event(_) => events += 1,
            Released::Notice(n) if n.cause == IncompleteCause::GroupingBound => bound += 1,
            Released::Notice(n) if n.cause == IncompleteCause::EndOfInput => end += 1,
            Released::Notice(n) => panic!("{n:?}"),
        };
        let value = "v".repeat(64 * 1024);
        let n = 4 * MAX_OPEN_BYTES as u64 / value.len() as u64;
        let mut peak = 0;
        for i in 0..n {
            // Execs that never see their end.
            let text = format!("type=SYSCALL msg=audit(1.000:{i}): v={value}");
            g.push(parse_line(i + 1, text.as_bytes()).unwrap(), &mut emit);
            peak = peak.max(g.open_bytes());
        }
        assert!(peak <= MAX_OPEN_BYTES + 2 * value.len(), "{peak}");
        g.finish(&mut emit);
        assert_eq!(events, n);
        assert_eq!(bound + end, n);
        assert!(bound > 0 && end > 0, "{bound} {end}");
    }

    #[test]
    fn idle_undecided_events_are_released_and_a_straggler_is_reported() {
        let mut records = vec![rec(1, 1, "AVC")];
        for i in 0..=MAX_IDLE_RECORDS {
            records.push(rec(i + 2, 100 + i, "USER_LOGIN"));
        }
        records.push(rec(9999, 1, "SYSCALL"));
        records.push(rec(10000, 1, "EOE"));
        let out = run(records);
        assert_eq!(out[0], Ok((1, vec![1])));
        let tail = &out[out.len() - 2..];
        assert_eq!(
            tail,
            &[
                Err((9999, 1, IncompleteCause::LateRecord)),
                Ok((1, vec![9999]))
            ]
        );
        let notices = out.iter().filter(|o| o.is_err()).count();
        assert_eq!(notices, 1);
    }

    #[test]
    fn an_event_cut_by_the_end_of_input_is_reported_a_lone_record_is_not() {
        let out = run(vec![
            rec(1, 1, "SYSCALL"),
            rec(2, 1, "EXECVE"),
            rec(3, 2, "AVC"),
            rec(4, 3, "SERVICE_STOP"),
        ]);
        assert_eq!(
            out,
            vec![
                Err((1, 1, IncompleteCause::EndOfInput)),
                Ok((1, vec![1, 2])),
                Ok((2, vec![3])),
                Ok((3, vec![4])),
            ]
        );
    }

    #[test]
    fn an_event_ending_at_the_record_limit_is_not_split() {
        let mut records: Vec<RawRecord> = (0..MAX_RECORDS_PER_EVENT as u64)
            .map(|i| rec(i + 1, 5, "PATH"))
            .collect();
        records.push(rec(MAX_RECORDS_PER_EVENT as u64 + 1, 5, "EOE"));
        let out = run(records);
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0], Ok((5, lines)) if lines.len() == MAX_RECORDS_PER_EVENT));
    }

    #[test]
    fn oversized_events_are_split_and_reported() {
        let total = MAX_RECORDS_PER_EVENT as u64 + 3;
        let records = (0..total).map(|i| rec(i + 1, 5, "PATH")).collect();
        let out = run(records);
        assert_eq!(out.len(), 3);
        let split_at = MAX_RECORDS_PER_EVENT as u64 + 1;
        assert_eq!(out[0], Err((split_at, 5, IncompleteCause::TooManyRecords)));
        assert!(matches!(&out[1], Ok((5, lines)) if lines.len() == MAX_RECORDS_PER_EVENT));
        assert!(matches!(&out[2], Ok((5, lines)) if lines.len() == 3));
    }

    use proptest::prelude::*;

    proptest! {
        /// However the records of syscall events interleave (each event's
        /// own order kept, as one CPU writes them), every event comes out
        /// whole, once, in the order of its first line, and nothing is
        /// reported; whether the events end with `EOE` or only with
        /// `PROCTITLE` (logs filtered of `EOE`).
        #[test]
        fn any_interleaving_of_ended_events_comes_out_whole(
            (sizes, order) in prop::collection::vec(1usize..6, 1..150).prop_flat_map(|sizes| {
                let slots: Vec<usize> = sizes
                    .iter()
                    .enumerate()
                    .flat_map(|(event, &n)| std::iter::repeat_n(event, n + 1))
                    .collect();
                (Just(sizes), Just(slots).prop_shuffle())
            }),
            with_eoe in any::<bool>(),
        ) {
            let mut written = vec![0usize; sizes.len()];
            let mut expected: Vec<(u64, Vec<u64>)> = Vec::new();
            let mut records = Vec::new();
            for (i, &event) in order.iter().enumerate() {
                let line = i as u64 + 1;
                let at = written[event];
                written[event] += 1;
                let rtype = match at {
                    0 => "SYSCALL",
                    _ if at < sizes[event] => "PATH",
                    _ if with_eoe => "EOE",
                    _ => "PROCTITLE",
                };
                if at == 0 {
                    expected.push((event as u64, Vec::new()));
                }
                if rtype != "EOE" {
                    let slot = expected.iter_mut().find(|(e, _)| *e == event as u64);
                    slot.expect("opened at its first record").1.push(line);
                }
                records.push(rec(line, event as u64, rtype));
            }
            let out = run(records);
            let want: Vec<Out> = expected.into_iter().map(Ok).collect();
            prop_assert_eq!(out, want);
        }
    }
}
