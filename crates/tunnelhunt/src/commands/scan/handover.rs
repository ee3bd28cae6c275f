//! What a unit has found so far, handed over while it is still being read.
//!
//! A unit that runs past `--file-timeout` is given up (see `pipeline.rs`):
//! its worker may be stuck in a parser for good, so its result never
//! comes. Dropping everything the unit had found until then would throw
//! away evidence already in hand — the alerts of a crafted file's first
//! records are exactly what a responder wants. So the worker hands its
//! alerts, counts and correlation observations over, at record
//! boundaries, into a [`Handover`] the consumer can reach too; giving the
//! unit up takes what was handed over and closes it, and whatever the
//! worker hands over after that is dropped. The worker's own result takes
//! it the same way: whichever closes it first owns the unit's output, so
//! the output is the unit's whole result or a prefix of it, never a mix.
//!
//! Handing over is what it costs: a lock nobody contends and a merge of
//! the counts. The worker does it after a record that found something (so
//! no alert is ever held back from a give-up) and every
//! [`HAND_OVER_EVERY`] records otherwise (so the counts stay close).

use std::io;
use std::sync::{Mutex, PoisonError};

use tunnelhunt_sources::Format;

use super::spool::Spool;
use super::summary::Tally;
use super::worker::UnitResult;
use crate::correlations::Gathered;

/// Records a worker reads between hand-overs when it finds nothing.
pub const HAND_OVER_EVERY: u64 = 4096;

/// What one unit has handed over, until it is taken (see the module docs).
pub struct Handover {
    /// `None` once taken: later hand-overs are dropped.
    found: Mutex<Option<Found>>,
}

impl Default for Handover {
    fn default() -> Self {
        Handover {
            found: Mutex::new(Some(Found::default())),
        }
    }
}

/// What a worker hands over at once; the same fields as [`UnitResult`].
pub struct Batch {
    pub alerts: Spool,
    pub write_error: Option<io::Error>,
    pub tally: Tally,
    pub gathered: Gathered,
    pub stop: Option<String>,
}

/// Everything handed over so far.
#[derive(Default)]
pub struct Found {
    alerts: Spool,
    write_error: Option<io::Error>,
    pub tally: Tally,
    gathered: Gathered,
    pub stop: Option<String>,
    /// The format of the records being read, once reading has begun: a
    /// unit given up then was read in part, not unreadable.
    pub reading: Option<Format>,
}

impl Handover {
    /// Say that the unit reads records of `format` from now on.
    pub fn reading(&self, format: Format) -> bool {
        self.with_found(|found| found.reading = Some(format))
    }

    /// Add `batch` to what was handed over. Returns whether it was taken:
    /// `false` once the unit has been given up (the worker may stop).
    pub fn add(&self, batch: Batch) -> bool {
        self.with_found(|found| found.add(batch))
    }

    /// Take everything handed over and close the hand-over; `None` if it
    /// was taken already.
    pub fn take(&self) -> Option<Found> {
        self.found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn with_found(&self, change: impl FnOnce(&mut Found)) -> bool {
        // A poisoned lock only means a worker panicked in a merge; what it
        // holds is still the best there is.
        let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        match found.as_mut() {
            Some(found) => {
                change(found);
                true
            }
            None => false,
        }
    }
}

impl Found {
    fn add(&mut self, batch: Batch) {
        let Batch {
            alerts,
            write_error,
            tally,
            gathered,
            stop,
        } = batch;
        if self.write_error.is_none()
            && let Err(e) = alerts.copy_to(&mut self.alerts)
        {
            self.write_error = Some(e);
        }
        if let Some(e) = write_error {
            self.write_error.get_or_insert(e);
        }
        self.tally.merge(tally);
        self.gathered.absorb(gathered);
        if self.stop.is_none() {
            self.stop = stop;
        }
    }

    /// Records counted so far, over every format.
    pub fn records(&self) -> u64 {
        self.tally.formats.values().map(|s| s.records).sum()
    }

    pub fn into_result(self) -> UnitResult {
        UnitResult {
            alerts: match self.write_error {
                Some(e) => Err(e),
                None => Ok(self.alerts),
            },
            tally: self.tally,
            stop: self.stop,
            gathered: self.gathered,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn batch(alert: &str, records: u64) -> Batch {
        let mut alerts = Spool::new();
        alerts.write_all(alert.as_bytes()).unwrap();
        let mut tally = Tally::default();
        tally.format(Format::EvtxJson).records = records;
        Batch {
            alerts,
            write_error: None,
            tally,
            gathered: Gathered::default(),
            stop: None,
        }
    }

    #[test]
    fn what_is_handed_over_after_the_take_is_dropped() {
        let handover = Handover::default();
        handover.reading(Format::EvtxJson);
        assert!(handover.add(batch("a\n", 2)));
        assert!(handover.add(batch("b\n", 3)));
        let found = handover.take().unwrap();
        assert_eq!(found.reading, Some(Format::EvtxJson));
        assert_eq!(found.records(), 5);
        // The worker, still running, learns it was given up.
        assert!(!handover.add(batch("c\n", 1)));
        assert!(handover.take().is_none());
        let result = found.into_result();
        let mut out = Vec::new();
        result.alerts.unwrap().copy_to(&mut out).unwrap();
        assert_eq!(out, b"a\nb\n");
    }
}
