//! Sliding windows per group, the alert rule, and the bounds on state.
//!
//! Matches arrive in (time, source) order. Each group keeps the matches of
//! its current window in a queue and a [`Measure`] of them; when a group
//! first receives a match at a new instant `t` it drops the matches older
//! than `t - timespan`, and once every match at `t` has been added the
//! condition is evaluated (equal times are one instant). A group whose
//! newest match is older than the current time minus the timespan can
//! never see those matches again, so its state is freed: the memory held
//! is the matches inside live windows, not the input.
//!
//! Alerts follow the burst rule of `docs/correlations.md`: an alert opens
//! at the first evaluation that holds, grows while consecutive evaluations
//! of the group hold, and is emitted at the first that does not, when the
//! group's window empties, or at the end of the input.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::Nanos;
use crate::measure::{Measure, Sample};
use crate::plan::{Aggregate, Compiled, Limits};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
type FastSet<K> = HashSet<K, foldhash::fast::FixedState>;

/// How many dropped groups a degraded correlation reports by name.
const DROPPED_EXAMPLES: usize = 5;

/// Which input of the correlation a match came from, and its index in that
/// input's time-ordered list: enough to find its source (or, for a child
/// correlation's alert, its evidence) again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ItemId(u64);

impl ItemId {
    const FEED_SHIFT: u32 = 40;

    pub(crate) fn new(feed: usize, index: usize) -> ItemId {
        ItemId(((feed as u64) << Self::FEED_SHIFT) | index as u64)
    }

    pub(crate) fn feed(self) -> usize {
        (self.0 >> Self::FEED_SHIFT) as usize
    }

    pub(crate) fn index(self) -> usize {
        (self.0 & ((1 << Self::FEED_SHIFT) - 1)) as usize
    }
}

/// One usable match offered to the windows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item<'k> {
    pub(crate) time: Nanos,
    pub(crate) id: ItemId,
    /// How many base-rule matches it stands for (1, or a child alert's
    /// evidence total).
    pub(crate) weight: u32,
    pub(crate) group: &'k [u32],
    pub(crate) value: u32,
}

/// A match held in a window.
#[derive(Debug, Clone, Copy)]
struct Entry {
    time: Nanos,
    id: ItemId,
    value: u32,
    weight: u32,
}

/// An alert before its references are turned into sources and text.
#[derive(Debug, Clone)]
pub(crate) struct RawAlert {
    pub(crate) group: Box<[u32]>,
    pub(crate) window_start: Nanos,
    pub(crate) window_end: Nanos,
    pub(crate) figure: f64,
    pub(crate) evidence: Vec<ItemId>,
    pub(crate) evidence_total: u64,
    /// Interned values, or for the temporal kinds input numbers.
    pub(crate) values: Vec<u32>,
}

struct OpenAlert {
    alert: RawAlert,
    seen_values: FastSet<u32>,
}

struct Group {
    key: Box<[u32]>,
    entries: VecDeque<Entry>,
    measure: Measure,
    weight: u64,
    /// The last instant the group received a match.
    touched: Option<Nanos>,
    /// How many of `entries` arrived at that instant.
    added: usize,
    open: Option<Box<OpenAlert>>,
}

/// Live groups by their key. Keys of up to two values (most rules group
/// by one or two fields) are packed into one `u64`, so finding a group
/// hashes one integer and compares no slices.
enum GroupIndex {
    Packed(FastMap<u64, usize>),
    Slices(FastMap<Box<[u32]>, usize>),
}

impl GroupIndex {
    fn for_width(width: usize) -> GroupIndex {
        if width <= 2 {
            GroupIndex::Packed(FastMap::default())
        } else {
            GroupIndex::Slices(FastMap::default())
        }
    }

    fn pack(key: &[u32]) -> u64 {
        key.iter()
            .fold(0, |packed, &id| (packed << 32) | u64::from(id))
    }

    fn get(&self, key: &[u32]) -> Option<usize> {
        match self {
            GroupIndex::Packed(map) => map.get(&GroupIndex::pack(key)).copied(),
            GroupIndex::Slices(map) => map.get(key).copied(),
        }
    }

    fn insert(&mut self, key: &[u32], slot: usize) {
        match self {
            GroupIndex::Packed(map) => {
                map.insert(GroupIndex::pack(key), slot);
            }
            GroupIndex::Slices(map) => {
                map.insert(key.into(), slot);
            }
        }
    }

    fn remove(&mut self, key: &[u32]) {
        match self {
            GroupIndex::Packed(map) => {
                map.remove(&GroupIndex::pack(key));
            }
            GroupIndex::Slices(map) => {
                map.remove(key);
            }
        }
    }
}

/// The live state of one correlation.
pub(crate) struct Windows<'p> {
    compiled: &'p Compiled,
    limits: Limits,
    /// Each interned value as a number (NaN when it is not one).
    numbers: &'p [f64],
    /// Each entry of `rules`, as the input it is.
    position_feeds: Vec<usize>,
    slots: GroupIndex,
    groups: Vec<Option<Group>>,
    free: Vec<usize>,
    live: usize,
    buffered: usize,
    /// (instant, group) for every instant a group received a match, oldest
    /// first: how stale groups are found without scanning them all.
    expiry: VecDeque<(Nanos, usize)>,
    dirty: Vec<usize>,
    /// The previous instant's dirty list, kept for its allocation.
    evaluating: Vec<usize>,
    instant: Option<Nanos>,
    pub(crate) alerts: Vec<RawAlert>,
    pub(crate) dropped: u64,
    pub(crate) dropped_examples: Vec<Box<[u32]>>,
}

impl<'p> Windows<'p> {
    pub(crate) fn new(compiled: &'p Compiled, limits: Limits, numbers: &'p [f64]) -> Windows<'p> {
        let mut position_feeds = vec![0; compiled.positions];
        for (feed, input) in compiled.feeds.iter().enumerate() {
            for &position in &input.positions {
                position_feeds[position] = feed;
            }
        }
        Windows {
            compiled,
            limits,
            numbers,
            position_feeds,
            slots: GroupIndex::for_width(compiled.feeds.first().map_or(0, |feed| feed.group.len())),
            groups: Vec::new(),
            free: Vec::new(),
            live: 0,
            buffered: 0,
            expiry: VecDeque::new(),
            dirty: Vec::new(),
            evaluating: Vec::new(),
            instant: None,
            alerts: Vec::new(),
            dropped: 0,
            dropped_examples: Vec::new(),
        }
    }

    /// Offer the next match; matches come in (time, source) order.
    pub(crate) fn push(&mut self, item: Item<'_>) {
        if self.instant != Some(item.time) {
            self.evaluate_dirty();
            self.expire(item.time);
            self.instant = Some(item.time);
        }
        let slot = match self.slots.get(item.group) {
            Some(slot) => slot,
            None if self.live >= self.limits.max_groups
                || self.buffered >= self.limits.max_buffered =>
            {
                self.drop_match(item.group);
                return;
            }
            None => self.create_group(item.group),
        };
        let timespan = self.compiled.timespan;
        let Some(group) = self.groups[slot].as_mut() else {
            return;
        };
        let first_at_instant = group.touched != Some(item.time);
        if first_at_instant {
            // Matches older than the window can never count again: drop
            // them before asking whether the buffer has room.
            let oldest = item.time.saturating_sub(timespan);
            while let Some(entry) = group.entries.front().copied() {
                if entry.time >= oldest {
                    break;
                }
                group.entries.pop_front();
                group.weight -= u64::from(entry.weight);
                group.measure.remove(sample(self.numbers, entry));
                self.buffered -= 1;
            }
        }
        if self.buffered >= self.limits.max_buffered {
            self.drop_match(item.group);
            return;
        }
        let Some(group) = self.groups[slot].as_mut() else {
            return;
        };
        if first_at_instant {
            // The window cannot be empty here: a group whose window would
            // be was freed by `expire`, which ended its burst.
            group.touched = Some(item.time);
            group.added = 0;
            self.dirty.push(slot);
            self.expiry.push_back((item.time, slot));
        }
        let entry = Entry {
            time: item.time,
            id: item.id,
            value: item.value,
            weight: item.weight,
        };
        group.entries.push_back(entry);
        group.weight += u64::from(item.weight);
        group.added += 1;
        group.measure.add(sample(self.numbers, entry));
        self.buffered += 1;
    }

    /// End of input: evaluate the last instant and emit every open alert.
    pub(crate) fn finish(mut self) -> Windows<'p> {
        self.evaluate_dirty();
        for group in self.groups.iter_mut().flatten() {
            if let Some(open) = group.open.take() {
                self.alerts.push(open.alert);
            }
        }
        self
    }

    fn create_group(&mut self, key: &[u32]) -> usize {
        let group = Group {
            key: key.into(),
            entries: VecDeque::new(),
            measure: Measure::new(self.compiled.aggregate, self.compiled.feeds.len()),
            weight: 0,
            touched: None,
            added: 0,
            open: None,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.groups[slot] = Some(group);
                slot
            }
            None => {
                self.groups.push(Some(group));
                self.groups.len() - 1
            }
        };
        self.slots.insert(key, slot);
        self.live += 1;
        slot
    }

    fn drop_match(&mut self, key: &[u32]) {
        self.dropped += 1;
        if self.dropped_examples.len() < DROPPED_EXAMPLES
            && !self
                .dropped_examples
                .iter()
                .any(|example| **example == *key)
        {
            self.dropped_examples.push(key.into());
        }
    }

    /// Free the groups whose newest match is older than `now - timespan`:
    /// any later match would find their window empty.
    fn expire(&mut self, now: Nanos) {
        let oldest = now.saturating_sub(self.compiled.timespan);
        while let Some(&(instant, slot)) = self.expiry.front() {
            if instant >= oldest {
                break;
            }
            self.expiry.pop_front();
            let stale = self.groups[slot]
                .as_ref()
                .is_some_and(|group| group.touched == Some(instant));
            if !stale {
                continue;
            }
            if let Some(group) = self.groups[slot].take() {
                if let Some(open) = group.open {
                    self.alerts.push(open.alert);
                }
                self.buffered -= group.entries.len();
                self.slots.remove(&group.key);
                self.live -= 1;
                self.free.push(slot);
            }
        }
    }

    fn evaluate_dirty(&mut self) {
        let Some(instant) = self.instant else {
            return;
        };
        let aggregate = self.compiled.aggregate;
        let condition = self.compiled.condition.as_ref();
        let cap = self.limits.evidence_cap;
        std::mem::swap(&mut self.dirty, &mut self.evaluating);
        for index in 0..self.evaluating.len() {
            let slot = self.evaluating[index];
            let Some(group) = self.groups[slot].as_mut() else {
                continue;
            };
            let verdict = group.measure.evaluate(
                aggregate,
                condition,
                group.entries.len(),
                &self.position_feeds,
            );
            if !verdict.holds {
                if let Some(open) = group.open.take() {
                    self.alerts.push(open.alert);
                }
                continue;
            }
            let open = match group.open.as_mut() {
                Some(open) => {
                    let fresh = group.entries.len() - group.added;
                    for entry in group.entries.range(fresh..) {
                        open.alert.evidence_total += u64::from(entry.weight);
                        if open.alert.evidence.len() < cap {
                            open.alert.evidence.push(entry.id);
                        }
                        note_value(open, aggregate, entry, cap);
                    }
                    open
                }
                None => {
                    let mut open = Box::new(OpenAlert {
                        alert: RawAlert {
                            group: group.key.clone(),
                            window_start: group.entries.front().map_or(instant, |e| e.time),
                            window_end: instant,
                            figure: verdict.figure,
                            evidence: group.entries.iter().take(cap).map(|e| e.id).collect(),
                            evidence_total: group.weight,
                            values: Vec::new(),
                        },
                        seen_values: FastSet::default(),
                    });
                    // Stop once every value the window can show is listed.
                    let wanted = group.measure.distinct().unwrap_or(usize::MAX).min(cap);
                    for entry in &group.entries {
                        if open.alert.values.len() >= wanted {
                            break;
                        }
                        note_value(&mut open, aggregate, entry, cap);
                    }
                    group.open.insert(open)
                }
            };
            open.alert.window_end = instant;
            open.alert.figure = verdict.figure;
        }
        self.evaluating.clear();
    }
}

/// Record the value an entry counts (the value, or for the temporal kinds
/// its input) in the alert's list of counted values, once, up to `cap`.
fn note_value(open: &mut OpenAlert, aggregate: Aggregate, entry: &Entry, cap: usize) {
    let counted = match aggregate {
        Aggregate::Count => return,
        Aggregate::Rules | Aggregate::Ordered => entry.id.feed() as u32,
        _ => entry.value,
    };
    if open.alert.values.len() < cap && open.seen_values.insert(counted) {
        open.alert.values.push(counted);
    }
}

fn sample(numbers: &[f64], entry: Entry) -> Sample {
    Sample {
        time: entry.time,
        value: entry.value,
        number: numbers
            .get(entry.value as usize)
            .copied()
            .unwrap_or(f64::NAN),
        feed: entry.id.feed(),
    }
}
