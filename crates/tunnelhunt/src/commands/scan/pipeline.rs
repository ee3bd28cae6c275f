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
//!
//! Why a stuck parser cannot hang the scan: the consumer wakes up every
//! 200 ms and gives up a unit that has run past its time limit (emitting a
//! stand-in result in its place); the producer and the pool are detached
//! from the caller, so nothing ever joins the stuck worker, which ends with
//! the process. Giving up depends on timing, but only a unit that would
//! otherwise never finish is given up (the limit is generous), so output
//! stays deterministic for every scan that can finish.
//!
//! What a given-up unit had found is not lost: each unit has a shared
//! `so_far` value (its type is the caller's) that its worker hands partial
//! results to as it goes, and the stand-in result is made from it. The
//! caller's type decides what is handed over and makes sure nothing is
//! added once the stand-in has taken it (see `handover.rs` for the scan's).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::time::{Duration, Instant};

use rayon::ThreadPool;

/// What the pipeline needs to know of a unit of work.
pub trait Unit: Send + 'static {
    /// What the unit is, for messages, and how big: its time limit grows
    /// with its size.
    fn describe(&self) -> UnitInfo;
}

/// A unit as a person is told about it, and about how many bytes it
/// reads (an upper bound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInfo {
    pub label: String,
    pub bytes: u64,
}

/// What the consumer wants after emitting a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Emit nothing more; the producer stops handing out units.
    Stop,
}

/// How long a unit may take before it is given up: `base`, plus
/// `per_mib` for each MiB of the unit's input.
#[derive(Debug, Clone, Copy)]
pub struct TimeLimit {
    pub base: Duration,
    pub per_mib: Duration,
}

impl TimeLimit {
    fn for_bytes(&self, bytes: u64) -> Duration {
        let mib = u32::try_from(bytes.div_ceil(1 << 20)).unwrap_or(u32::MAX);
        self.base.saturating_add(self.per_mib.saturating_mul(mib))
    }
}

/// A unit a worker has not finished within its [`TimeLimit`].
pub struct Overdue<S> {
    /// The unit's [`UnitInfo::label`].
    pub label: String,
    pub after: Duration,
    /// What the unit's worker handed over before it was given up.
    pub so_far: Arc<S>,
}

/// Where and how units run: the pool, how many may be in flight, and how
/// long each may take.
#[derive(Clone, Copy)]
pub struct Pipeline {
    /// `'static` because the workers run detached (see the module docs).
    pub pool: &'static ThreadPool,
    /// At most this many units exist at once (at least one).
    pub window: usize,
    pub limit: TimeLimit,
}

enum Message<R> {
    /// A worker took unit `seq` up.
    Started(usize),
    Done(usize, R),
    /// The producer handed out this many units and stops.
    Produced(usize),
}

/// A unit the producer handed out: which, what it is, how long it may
/// run, and where its worker hands over what it finds.
struct HandedOut<S> {
    seq: usize,
    label: String,
    allowed: Duration,
    so_far: Arc<S>,
}

/// How often the consumer looks at the running units' clocks.
const WATCH_EVERY: Duration = Duration::from_millis(200);

impl Pipeline {
    /// Run `work` on every unit of `units` on the pool, and `emit` the
    /// results in the order of `units`, with at most `window` units in
    /// flight.
    ///
    /// `work` receives each unit's position in `units` and the unit's own
    /// `so_far` (a fresh `S::default()`), to hand partial results to. After `emit`
    /// returns [`Flow::Stop`], units already handed out still finish
    /// (their results are dropped) and no further unit is taken from
    /// `units`; `work` can ask its own cancellation flag to return early.
    ///
    /// A unit that runs past its time limit (`limit`, for the size its
    /// [`Unit::describe`] gives) is given up: `overdue` makes its result
    /// from what the worker handed over to `so_far`, which is emitted in
    /// its place, and whatever its worker returns later is dropped. Should
    /// `overdue` find that the worker finished meanwhile (it returns
    /// `None`), the unit is not given up: its own result is on its way. A thread cannot be stopped from outside, so a
    /// worker stuck in a parser stays stuck, but nothing waits for it: the
    /// producer and the workers run detached (hence `'static`), and this
    /// returns once every unit is emitted or given up. The scan goes on
    /// with the other threads; the stuck one ends with the process.
    pub fn run<U: Unit, S: Default + Send + Sync + 'static, R: Send + 'static>(
        &self,
        units: impl Iterator<Item = U> + Send + 'static,
        work: impl Fn(usize, U, &S) -> R + Send + Sync + 'static,
        overdue: impl Fn(Overdue<S>) -> Option<R>,
        emit: impl FnMut(R) -> Flow,
    ) {
        let window = self.window.max(1);
        let (tx, rx) = mpsc::channel::<Message<R>>();
        let (handed_tx, handed_rx) = mpsc::channel::<HandedOut<S>>();
        // A slot token is sent before a unit is handed out and received
        // after it is emitted: a counting semaphore of `window` permits.
        let (slot_tx, slot_rx) = mpsc::sync_channel::<()>(window);
        self.spawn_producer(units, work, tx, handed_tx, slot_tx);
        consume(rx, handed_rx, slot_rx, overdue, emit);
    }

    /// The producer: on its own thread, detached, hand each unit to the
    /// pool once a slot of the window is free, and say what it is.
    fn spawn_producer<U: Unit, S: Default + Send + Sync + 'static, R: Send + 'static>(
        &self,
        units: impl Iterator<Item = U> + Send + 'static,
        work: impl Fn(usize, U, &S) -> R + Send + Sync + 'static,
        tx: Sender<Message<R>>,
        handed_tx: Sender<HandedOut<S>>,
        slot_tx: SyncSender<()>,
    ) {
        let (pool, limit) = (self.pool, self.limit);
        std::thread::spawn(move || {
            let work = &work;
            pool.in_place_scope(|scope| {
                let mut produced = 0;
                for (seq, unit) in units.enumerate() {
                    if slot_tx.send(()).is_err() {
                        // The consumer has stopped.
                        break;
                    }
                    let UnitInfo { label, bytes } = unit.describe();
                    let allowed = limit.for_bytes(bytes);
                    let so_far = Arc::new(S::default());
                    let _ = handed_tx.send(HandedOut {
                        seq,
                        label,
                        allowed,
                        so_far: Arc::clone(&so_far),
                    });
                    produced = seq + 1;
                    let tx = tx.clone();
                    scope.spawn(move |_| {
                        // The consumer may have stopped listening.
                        let _ = tx.send(Message::Started(seq));
                        let result = work(seq, unit, &so_far);
                        let _ = tx.send(Message::Done(seq, result));
                    });
                }
                let _ = tx.send(Message::Produced(produced));
            });
        });
    }
}

/// The consumer, on the calling thread: receive results, give up units
/// past their time, and emit in input order, freeing each emitted unit's
/// slot; until every unit handed out is emitted or given up.
fn consume<S, R>(
    rx: Receiver<Message<R>>,
    handed_rx: Receiver<HandedOut<S>>,
    slot_rx: Receiver<()>,
    overdue: impl Fn(Overdue<S>) -> Option<R>,
    mut emit: impl FnMut(R) -> Flow,
) {
    let mut next = 0;
    let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
    let mut handed_out: HashMap<usize, HandedOut<S>> = HashMap::new();
    let mut running: HashMap<usize, Instant> = HashMap::new();
    // Units whose result is in (done or given up), and how many units the
    // producer handed out once it has said so.
    let mut settled = 0;
    let mut produced: Option<usize> = None;
    let mut given_up: Vec<usize> = Vec::new();
    let mut stopped = false;
    let mut slot_rx = Some(slot_rx);
    while produced != Some(settled) {
        let message = match rx.recv_timeout(WATCH_EVERY) {
            Ok(message) => Some(message),
            Err(RecvTimeoutError::Timeout) => None,
            // Every sender is gone: nothing more will come.
            Err(RecvTimeoutError::Disconnected) => break,
        };
        handed_out.extend(handed_rx.try_iter().map(|unit| (unit.seq, unit)));
        match message {
            Some(Message::Started(seq)) => {
                running.insert(seq, Instant::now());
            }
            Some(Message::Done(seq, result)) => {
                running.remove(&seq);
                if !given_up.contains(&seq) {
                    waiting.insert(seq, result);
                    settled += 1;
                }
            }
            Some(Message::Produced(n)) => produced = Some(n),
            None => {}
        }
        let late: Vec<(usize, Duration)> = running
            .iter()
            .filter_map(|(&seq, started)| {
                let allowed = handed_out.get(&seq)?.allowed;
                let after = started.elapsed();
                (after > allowed).then_some((seq, after))
            })
            .collect();
        for (seq, after) in late {
            running.remove(&seq);
            let Some(HandedOut { label, so_far, .. }) = handed_out.remove(&seq) else {
                continue;
            };
            // `None`: the worker finished as it was given up; its `Done`
            // comes next and is emitted as usual.
            if let Some(stand_in) = overdue(Overdue {
                label,
                after,
                so_far,
            }) {
                given_up.push(seq);
                waiting.insert(seq, stand_in);
                settled += 1;
            }
        }
        while let Some(result) = waiting.remove(&next) {
            handed_out.remove(&next);
            next += 1;
            if !stopped && emit(result) == Flow::Stop {
                stopped = true;
                // Closing the window makes the producer's next `send`
                // fail, so it stops taking units.
                slot_rx = None;
            }
            if let Some(slots) = &slot_rx {
                // Free the unit's slot, now that it is emitted. The token
                // is there: it was sent before the unit was handed out.
                let _ = slots.recv();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A unit that is only a number, 2 MiB big by its description.
    struct Numbered(u64);

    impl Unit for Numbered {
        fn describe(&self) -> UnitInfo {
            UnitInfo {
                label: format!("unit {}", self.0),
                bytes: 2 << 20,
            }
        }
    }

    fn numbered(units: impl Iterator<Item = u64>) -> impl Iterator<Item = Numbered> {
        units.map(Numbered)
    }

    fn pipeline(threads: usize, window: usize, limit: TimeLimit) -> Pipeline {
        let pool = Box::leak(Box::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap(),
        ));
        Pipeline {
            pool,
            window,
            limit,
        }
    }

    const GENEROUS: TimeLimit = TimeLimit {
        base: Duration::from_secs(600),
        per_mib: Duration::ZERO,
    };

    #[test]
    fn emits_in_input_order_with_a_bounded_window() {
        static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
        static PEAK: AtomicUsize = AtomicUsize::new(0);
        let mut seen = Vec::new();
        pipeline(4, 3, GENEROUS).run(
            numbered((0..40u64).inspect(|_| {
                let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
                PEAK.fetch_max(now, Ordering::SeqCst);
            })),
            |seq, Numbered(unit), _: &()| {
                // Later units tend to finish first.
                std::thread::sleep(Duration::from_micros(((40 - unit) * 50) % 700));
                (seq, unit * 2)
            },
            |_| unreachable!("no unit is late"),
            |(seq, doubled)| {
                IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
                seen.push((seq, doubled));
                Flow::Continue
            },
        );
        let expected: Vec<(usize, u64)> = (0..40).map(|i| (i as usize, i * 2)).collect();
        assert_eq!(seen, expected);
        // The window, plus the one unit the producer holds while it waits.
        assert!(PEAK.load(Ordering::SeqCst) <= 4, "{PEAK:?}");
    }

    #[test]
    fn stop_ends_the_emission_and_the_production() {
        static PRODUCED: AtomicUsize = AtomicUsize::new(0);
        let mut seen = Vec::new();
        pipeline(2, 2, GENEROUS).run(
            numbered((0..1000).inspect(|_| {
                PRODUCED.fetch_add(1, Ordering::SeqCst);
            })),
            |_, Numbered(unit), _: &()| unit,
            |_| unreachable!("no unit is late"),
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
        assert!(PRODUCED.load(Ordering::SeqCst) < 20, "{PRODUCED:?}");
    }

    #[test]
    fn a_unit_that_never_ends_is_given_up_in_its_place() {
        let limit = TimeLimit {
            base: Duration::from_millis(300),
            per_mib: Duration::from_millis(100),
        };
        let started = Instant::now();
        let mut seen = Vec::new();
        pipeline(2, 4, limit).run(
            numbered(0..12u64),
            |_, Numbered(unit), so_far: &Mutex<Vec<u64>>| {
                if unit == 3 {
                    so_far.lock().unwrap().push(30);
                    // A parser in an endless loop.
                    loop {
                        std::thread::sleep(Duration::from_secs(3600));
                    }
                }
                Ok(unit)
            },
            |late| {
                let so_far = late.so_far.lock().unwrap();
                Some(Err(format!(
                    "{} after {:?}, handed over {so_far:?}",
                    late.label, late.after
                )))
            },
            |result| {
                seen.push(result);
                Flow::Continue
            },
        );
        // Every other unit, in order, on the thread left.
        assert_eq!(seen.len(), 12);
        for (i, result) in seen.iter().enumerate() {
            match result {
                Ok(unit) => assert_eq!(*unit, i as u64),
                Err(message) => {
                    assert_eq!(i, 3);
                    assert!(message.starts_with("unit 3 after"), "{message}");
                    assert!(message.ends_with("handed over [30]"), "{message}");
                }
            }
        }
        // 300 ms + 2 MiB × 100 ms, then at most one look later.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(500), "{took:?}");
        assert!(took < Duration::from_secs(30), "{took:?}");
    }

    #[test]
    fn a_unit_that_finishes_as_it_is_given_up_keeps_its_own_result() {
        let limit = TimeLimit {
            base: Duration::from_millis(200),
            per_mib: Duration::ZERO,
        };
        let asked = AtomicUsize::new(0);
        let mut seen = Vec::new();
        pipeline(2, 4, limit).run(
            numbered(0..3u64),
            |_, Numbered(unit), _: &()| {
                if unit == 1 {
                    std::thread::sleep(Duration::from_millis(900));
                }
                Ok(unit)
            },
            |late| {
                asked.fetch_add(1, Ordering::SeqCst);
                assert_eq!(late.label, "unit 1");
                // As the scan's hand-over does when the worker took it first.
                None::<Result<u64, String>>
            },
            |result| {
                seen.push(result);
                Flow::Continue
            },
        );
        assert_eq!(seen, [Ok(0), Ok(1), Ok(2)]);
        assert_eq!(asked.load(Ordering::SeqCst), 1);
    }
}
