//! An ordered parallel pipeline: work in parallel, emit in input order.
//!
//! Three roles run at once:
//!
//! * a **producer** thread walks the units of work in input order (it does
//!   the sequential file I/O of cutting big files into blocks) and hands
//!   each unit, numbered, to the thread pool;
//! * the **pool** works on units in any order, as threads free up;
//! * the **consumer** (the calling thread) receives finished units, holds
//!   the ones that finish early in a reorder buffer, and emits each unit as
//!   soon as every earlier one has been emitted.
//!
//! Why memory stays bounded: the producer takes a slot from a window of
//! `window` slots before it hands out a unit, and the consumer gives the
//! slot back only when that unit has been emitted. So at most `window`
//! units exist at any time — queued, being worked on, or finished and
//! waiting for an earlier one — whatever the number or size of the inputs.
//! A slow unit at the head holds the others back, but only `window` of
//! them; the producer then waits instead of reading ahead without limit.
//! Each unit's input is bounded by its construction (a block of lines, or
//! a streaming reader) and its output by the spool (see `spool.rs`).
//!
//! The order of emission depends only on the order of the input, never on
//! the number of threads or on timing, which is what makes the scan's
//! output byte-identical for any `--threads`.

use std::collections::BTreeMap;
use std::sync::mpsc;

use rayon::ThreadPool;

/// What the consumer wants after emitting a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Emit nothing more; the producer stops handing out units.
    Stop,
}

/// Run `work` on every unit of `units` on `pool`, and `emit` the results
/// in the order of `units`, with at most `window` units in flight.
///
/// `work` receives each unit's position in `units`. After `emit` returns
/// [`Flow::Stop`], units already handed out still finish (their results
/// are dropped) and no further unit is taken from `units`; `work` can ask
/// its own cancellation flag to return early.
pub fn run_ordered<U, R>(
    pool: &ThreadPool,
    window: usize,
    units: impl Iterator<Item = U> + Send,
    work: impl Fn(usize, U) -> R + Sync,
    mut emit: impl FnMut(R) -> Flow,
) where
    U: Send,
    R: Send,
{
    let window = window.max(1);
    let (done_tx, done_rx) = mpsc::channel::<(usize, R)>();
    // A slot token is sent before a unit is handed out and received after
    // it is emitted: a counting semaphore of `window` permits.
    let (slot_tx, slot_rx) = mpsc::sync_channel::<()>(window);
    let work = &work;
    std::thread::scope(|threads| {
        threads.spawn(move || {
            pool.in_place_scope(|scope| {
                for (seq, unit) in units.enumerate() {
                    if slot_tx.send(()).is_err() {
                        // The consumer has stopped.
                        break;
                    }
                    let done = done_tx.clone();
                    scope.spawn(move |_| {
                        let result = work(seq, unit);
                        // The consumer may have stopped listening.
                        let _ = done.send((seq, result));
                    });
                }
            });
            // `done_tx` drops here, ending the consumer's loop once every
            // spawned unit has reported.
        });

        let mut next = 0;
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let mut stopped = false;
        let mut slot_rx = Some(slot_rx);
        for (seq, result) in done_rx {
            waiting.insert(seq, result);
            while let Some(result) = waiting.remove(&next) {
                next += 1;
                if !stopped && emit(result) == Flow::Stop {
                    stopped = true;
                    // Closing the window makes the producer's next `send`
                    // fail, so it stops taking units.
                    slot_rx = None;
                }
                if let Some(slots) = &slot_rx {
                    // Free the unit's slot, now that it is emitted. The
                    // token is there: it was sent before the unit was
                    // handed out.
                    let _ = slots.recv();
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn pool(threads: usize) -> ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[test]
    fn emits_in_input_order_with_a_bounded_window() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let mut seen = Vec::new();
        run_ordered(
            &pool(4),
            3,
            (0..40u64).inspect(|_| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
            }),
            |seq, unit| {
                // Later units tend to finish first.
                std::thread::sleep(Duration::from_micros(((40 - unit) * 50) % 700));
                (seq, unit * 2)
            },
            |(seq, doubled)| {
                in_flight.fetch_sub(1, Ordering::SeqCst);
                seen.push((seq, doubled));
                Flow::Continue
            },
        );
        let expected: Vec<(usize, u64)> = (0..40).map(|i| (i as usize, i * 2)).collect();
        assert_eq!(seen, expected);
        // The window, plus the one unit the producer holds while it waits.
        assert!(peak.load(Ordering::SeqCst) <= 4, "{peak:?}");
    }

    #[test]
    fn stop_ends_the_emission_and_the_production() {
        let produced = AtomicUsize::new(0);
        let mut seen = Vec::new();
        run_ordered(
            &pool(2),
            2,
            (0..1000).inspect(|_| {
                produced.fetch_add(1, Ordering::SeqCst);
            }),
            |_, unit| unit,
            |unit| {
                seen.push(unit);
                if unit == 5 {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            },
        );
        assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
        assert!(produced.load(Ordering::SeqCst) < 20, "{produced:?}");
    }
}
