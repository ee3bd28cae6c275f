//! Grouping records into events, in bounded memory.
//!
//! The kernel writes every record of one event (SYSCALL, EXECVE, CWD, PATH,
//! PROCTITLE, SOCKADDR…) with the same `msg=audit(TIME:SERIAL)` and ends a
//! multi-record event with `EOE`; but records of different events
//! interleave (several CPUs, user-space messages in between), and
//! single-record events have no `EOE`. So events are collected in a queue
//! of *open* events, in the order of their first record, and the head of
//! the queue is released when
//!
//! * it is complete (its `EOE` arrived), or
//! * it has been idle: [`MAX_IDLE_RECORDS`] records of other events arrived
//!   since its last record (the records of one event are written together,
//!   so a straggler that late is treated as a new event), or
//! * more than [`MAX_OPEN_EVENTS`] events are open, or
//! * the input ends.
//!
//! Releasing only the head keeps the output in the order of the events'
//! first lines (deterministic, and what the analyst sees in the file), and
//! the three bounds keep memory independent of the file's size.

use std::collections::{HashMap, VecDeque};

use super::parse::{EventKey, RawRecord};

/// How many records of other events may arrive after an event's last
/// record before it is released without its `EOE`.
pub const MAX_IDLE_RECORDS: u64 = 512;

/// How many events may be open at once.
pub const MAX_OPEN_EVENTS: usize = 1024;

/// How many records one event may collect; the excess starts a new event
/// (a guard against a corrupted log repeating one serial forever).
pub const MAX_RECORDS_PER_EVENT: usize = 256;

/// The records of one event.
#[derive(Debug)]
pub(crate) struct Group {
    pub key: EventKey,
    pub records: Vec<RawRecord>,
}

#[derive(Debug)]
struct Open {
    group: Group,
    last_seen: u64,
    complete: bool,
}

/// Collects records into groups; see the module docs for the policy.
#[derive(Debug, Default)]
pub(crate) struct Grouper {
    queue: VecDeque<Open>,
    /// Key → sequence number of its open event; `queue[seq - base]`.
    index: HashMap<EventKey, u64>,
    base: u64,
    seen: u64,
}

impl Grouper {
    /// Add one record; groups that are ready are passed to `emit` in order.
    pub fn push(&mut self, record: RawRecord, emit: &mut impl FnMut(Group)) {
        self.seen += 1;
        let end_of_event = record.rtype == "EOE";
        let slot = match self.index.get(&record.key) {
            Some(&seq) => {
                let open = &mut self.queue[(seq - self.base) as usize];
                if open.group.records.len() >= MAX_RECORDS_PER_EVENT {
                    open.complete = true;
                    None
                } else {
                    Some(seq)
                }
            }
            None => None,
        };
        let seq = match slot {
            Some(seq) => seq,
            None => {
                let seq = self.base + self.queue.len() as u64;
                // A full event with the same key stays queued; the new
                // one takes over the key.
                self.index.insert(record.key.clone(), seq);
                self.queue.push_back(Open {
                    group: Group {
                        key: record.key.clone(),
                        records: Vec::new(),
                    },
                    last_seen: self.seen,
                    complete: false,
                });
                seq
            }
        };
        let open = &mut self.queue[(seq - self.base) as usize];
        open.last_seen = self.seen;
        if end_of_event {
            open.complete = true;
        } else {
            open.group.records.push(record);
        }
        self.release(emit, false);
    }

    /// Release every open group (end of input).
    pub fn finish(&mut self, emit: &mut impl FnMut(Group)) {
        self.release(emit, true);
    }

    fn release(&mut self, emit: &mut impl FnMut(Group), all: bool) {
        while let Some(head) = self.queue.front() {
            let ready = all
                || head.complete
                || self.seen - head.last_seen > MAX_IDLE_RECORDS
                || self.queue.len() > MAX_OPEN_EVENTS;
            if !ready {
                break;
            }
            let open = self.queue.pop_front().expect("front exists");
            if self.index.get(&open.group.key) == Some(&self.base) {
                self.index.remove(&open.group.key);
            }
            self.base += 1;
            // An EOE whose records were released earlier leaves nothing.
            if !open.group.records.is_empty() {
                emit(open.group);
            }
        }
    }

    /// How many events are open (for tests).
    #[cfg(test)]
    pub fn open_events(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auditd::parse::parse_line;

    fn rec(line: u64, serial: u64, rtype: &str) -> RawRecord {
        let text = format!("type={rtype} msg=audit(1700000000.000:{serial}): x={line}");
        parse_line(line, text.as_bytes()).unwrap()
    }

    fn run(records: Vec<RawRecord>) -> Vec<(u64, Vec<u64>)> {
        let mut out = Vec::new();
        let mut g = Grouper::default();
        let mut emit = |group: Group| {
            out.push((
                group.key.serial,
                group.records.iter().map(|r| r.line).collect(),
            ))
        };
        for r in records {
            g.push(r, &mut emit);
        }
        g.finish(&mut emit);
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
        assert_eq!(out, vec![(10, vec![1, 4]), (11, vec![2, 3]), (12, vec![6])]);
    }

    #[test]
    fn memory_is_bounded() {
        let mut g = Grouper::default();
        let mut released = 0;
        let mut emit = |_: Group| released += 1;
        for i in 0..(MAX_OPEN_EVENTS as u64 * 4) {
            // Events that never see their EOE.
            g.push(rec(i + 1, i, "SYSCALL"), &mut emit);
            assert!(g.open_events() <= MAX_OPEN_EVENTS);
        }
        g.finish(&mut emit);
        assert_eq!(released, MAX_OPEN_EVENTS * 4);
    }

    #[test]
    fn idle_events_are_released_and_stragglers_start_anew() {
        let mut records = vec![rec(1, 1, "SYSCALL")];
        for i in 0..=MAX_IDLE_RECORDS {
            records.push(rec(i + 2, 100 + i, "USER_LOGIN"));
        }
        records.push(rec(9999, 1, "CWD"));
        let out = run(records);
        assert_eq!(out[0], (1, vec![1]));
        assert_eq!(out.last().unwrap(), &(1, vec![9999]));
    }

    #[test]
    fn oversized_events_are_split() {
        let records = (0..MAX_RECORDS_PER_EVENT as u64 + 3)
            .map(|i| rec(i + 1, 5, "PATH"))
            .collect();
        let out = run(records);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].1.len(), MAX_RECORDS_PER_EVENT);
        assert_eq!(out[1].1.len(), 3);
    }
}
