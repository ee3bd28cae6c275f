//! Bounded state that stays deterministic: what is kept past a cap depends
//! on the data, never on the order it arrived in or on how it was split
//! between workers.
//!
//! A cap that keeps "the first N seen" would make the result depend on
//! which worker read which file first. Both containers here keep instead
//! the N *smallest* items in a fixed order (keys in their natural order,
//! observations by time then source), which is a property of the set of
//! inputs alone. They do it in amortised constant time per item: items
//! accumulate up to a quarter past the cap ([`slack`]), are then cut back
//! to the cap, and the
//! largest item kept becomes a *ceiling* — anything above it can never be
//! among the N smallest again, so it is refused at once. The ceiling only
//! falls, so a refused item never had a place in the final result.

use std::collections::HashMap;
use std::hash::Hash;

use foldhash::fast::FixedState;

/// How far past `cap` items accumulate before a cut: a quarter, so the
/// state peaks at 1.25 times the cap while a cut (linear in the items)
/// still happens only every `cap / 4` new items.
pub fn slack(cap: usize) -> usize {
    cap + (cap / 4).max(1)
}

/// A map that keeps at most `cap` keys: the smallest ones, in `K`'s order.
#[derive(Debug, Clone)]
pub struct BoundedMap<K, V> {
    entries: HashMap<K, V, FixedState>,
    cap: usize,
    ceiling: Option<K>,
    /// Keys refused or cut, counted once per refusal (an observation).
    pub dropped: u64,
}

impl<K: Ord + Hash + Clone, V> BoundedMap<K, V> {
    pub fn new(cap: usize) -> Self {
        BoundedMap {
            entries: HashMap::with_hasher(FixedState::default()),
            cap: cap.max(1),
            ceiling: None,
            dropped: 0,
        }
    }

    /// The value of `key`, created by `make` if the key may be kept;
    /// `None` (counted as dropped) if it is above the ceiling.
    pub fn entry(&mut self, key: K, make: impl FnOnce() -> V) -> Option<&mut V> {
        if !self.entries.contains_key(&key) {
            if self.ceiling.as_ref().is_some_and(|c| key > *c) {
                self.dropped += 1;
                return None;
            }
            if self.entries.len() >= slack(self.cap) {
                self.cut();
                if self.ceiling.as_ref().is_some_and(|c| key > *c) {
                    self.dropped += 1;
                    return None;
                }
            }
        }
        Some(self.entries.entry(key).or_insert_with(make))
    }

    /// [`Self::entry`] looked up by a borrowed key: the owned key is made
    /// (`make`) only when a new key is kept.
    pub fn entry_by<Q>(&mut self, key: &Q, make: impl FnOnce() -> (K, V)) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + Ord + ?Sized,
    {
        if !self.entries.contains_key(key) {
            if self.ceiling.as_ref().is_some_and(|c| key > c.borrow()) {
                self.dropped += 1;
                return None;
            }
            if self.entries.len() >= slack(self.cap) {
                self.cut();
                if self.ceiling.as_ref().is_some_and(|c| key > c.borrow()) {
                    self.dropped += 1;
                    return None;
                }
            }
            let (owned, value) = make();
            return Some(self.entries.entry(owned).or_insert(value));
        }
        self.entries.get_mut(key)
    }

    /// Keep the `cap` smallest keys; the largest of them is the ceiling.
    /// Only that one key is cloned: the others are compared by reference.
    fn cut(&mut self) {
        if self.entries.len() <= self.cap {
            return;
        }
        let ceiling = {
            let mut keys: Vec<&K> = self.entries.keys().collect();
            let (_, nth, _) = keys.select_nth_unstable(self.cap - 1);
            (*nth).clone()
        };
        let before = self.entries.len();
        self.entries.retain(|key, _| *key <= ceiling);
        self.dropped += (before - self.entries.len()) as u64;
        self.ceiling = Some(ceiling);
    }

    /// Merge `other` into `self`, combining the values of a key both have.
    pub fn absorb(&mut self, other: BoundedMap<K, V>, mut combine: impl FnMut(&mut V, V)) {
        self.dropped += other.dropped;
        // Whatever either side refused is above its ceiling: the merged
        // map must refuse it too, so its ceiling is the lower one.
        let ceiling = match (self.ceiling.take(), other.ceiling) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.ceiling = ceiling;
        if let Some(c) = self.ceiling.clone() {
            let before = self.entries.len();
            self.entries.retain(|k, _| *k <= c);
            self.dropped += (before - self.entries.len()) as u64;
        }
        for (key, value) in other.entries {
            if let Some(mine) = self.entries.get_mut(&key) {
                combine(mine, value);
            } else if self.ceiling.as_ref().is_some_and(|c| key > *c) {
                self.dropped += 1;
            } else {
                self.entries.insert(key, value);
            }
        }
        if self.entries.len() > slack(self.cap) {
            self.cut();
        }
    }

    /// The kept entries, at most `cap`, sorted by key.
    pub fn into_sorted(mut self) -> (Vec<(K, V)>, u64) {
        self.cut();
        let mut entries: Vec<(K, V)> = self.entries.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        (entries, self.dropped)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A list that keeps at most `cap` items: the smallest in `T`'s order
/// (for observations: the earliest).
#[derive(Debug, Clone)]
pub struct Earliest<T> {
    items: Vec<T>,
    cap: usize,
    ceiling: Option<T>,
    /// Items refused or cut.
    pub dropped: u64,
}

impl<T: Ord + Clone> Earliest<T> {
    pub fn new(cap: usize) -> Self {
        Earliest {
            items: Vec::new(),
            cap: cap.max(1),
            ceiling: None,
            dropped: 0,
        }
    }

    pub fn push(&mut self, item: T) {
        if self.ceiling.as_ref().is_some_and(|c| item > *c) {
            self.dropped += 1;
            return;
        }
        // Most keys of a network hold one or two items: start small.
        if self.items.capacity() == 0 {
            self.items.reserve_exact(1);
        }
        self.items.push(item);
        if self.items.len() >= slack(self.cap) {
            self.cut();
        }
    }

    fn cut(&mut self) {
        if self.items.len() <= self.cap {
            return;
        }
        self.items.select_nth_unstable(self.cap - 1);
        let cut = self.items.len() - self.cap;
        self.items.truncate(self.cap);
        self.dropped += cut as u64;
        self.ceiling = self.items.iter().max().cloned();
    }

    pub fn absorb(&mut self, other: Earliest<T>) {
        self.dropped += other.dropped;
        let ceiling = match (self.ceiling.take(), other.ceiling) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.ceiling = ceiling;
        self.items.extend(other.items);
        if let Some(c) = self.ceiling.clone() {
            let before = self.items.len();
            self.items.retain(|item| *item <= c);
            self.dropped += (before - self.items.len()) as u64;
        }
        if self.items.len() >= slack(self.cap) {
            self.cut();
        }
    }

    /// The kept items, at most `cap`, sorted; and how many were dropped.
    pub fn into_sorted(mut self) -> (Vec<T>, u64) {
        self.cut();
        self.items.sort_unstable();
        (self.items, self.dropped)
    }
}

/// A set that keeps at most `cap` distinct items: the smallest. Enough to
/// tell "at most `cap - 1`" from "more", whatever the order.
#[derive(Debug, Clone)]
pub struct SmallestDistinct<T> {
    items: std::collections::BTreeSet<T>,
    cap: usize,
}

impl<T: Ord> SmallestDistinct<T> {
    pub fn new(cap: usize) -> Self {
        SmallestDistinct {
            items: std::collections::BTreeSet::new(),
            cap: cap.max(1),
        }
    }

    pub fn insert(&mut self, item: T) {
        if self.items.len() >= self.cap && self.items.last().is_some_and(|l| item >= *l) {
            return;
        }
        self.items.insert(item);
        if self.items.len() > self.cap {
            self.items.pop_last();
        }
    }

    /// [`Self::insert`] by a borrowed item, made owned only when kept.
    pub fn insert_by<Q>(&mut self, item: &Q, make: impl FnOnce() -> T)
    where
        T: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if self.items.contains(item)
            || (self.items.len() >= self.cap
                && self.items.last().is_some_and(|l| item >= l.borrow()))
        {
            return;
        }
        self.insert(make());
    }

    pub fn absorb(&mut self, other: SmallestDistinct<T>) {
        for item in other.items {
            self.insert(item);
        }
    }

    /// Distinct items kept: the true count, up to `cap`.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_keeps_the_smallest_whatever_the_order_and_split() {
        let values: Vec<u32> = (0..1000).map(|i| (i * 7919) % 1000).collect();
        let mut whole = Earliest::new(10);
        values.iter().for_each(|v| whole.push(*v));
        let (mut left, mut right) = (Earliest::new(10), Earliest::new(10));
        values[..300].iter().for_each(|v| left.push(*v));
        values[300..].iter().rev().for_each(|v| right.push(*v));
        right.absorb(left);
        let expected: Vec<u32> = (0..10).collect();
        assert_eq!(whole.into_sorted(), (expected.clone(), 990));
        assert_eq!(right.into_sorted(), (expected, 990));
    }

    #[test]
    fn smallest_distinct_counts_distinct_items_up_to_its_cap() {
        let mut set = SmallestDistinct::new(3);
        for item in ["b", "b", "a", "a", "b"] {
            set.insert(item);
        }
        assert_eq!(set.len(), 2);
        let mut other = SmallestDistinct::new(3);
        for item in ["e", "d", "c", "c"] {
            other.insert(item);
        }
        set.absorb(other);
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn bounded_map_keeps_the_smallest_keys_and_their_whole_values() {
        let mut left: BoundedMap<u32, u32> = BoundedMap::new(3);
        let mut right: BoundedMap<u32, u32> = BoundedMap::new(3);
        for key in [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2] {
            if let Some(n) = left.entry(key, || 0) {
                *n += 1;
            }
        }
        for key in [0, 2, 1, 50, 60] {
            if let Some(n) = right.entry(key, || 0) {
                *n += 1;
            }
        }
        left.absorb(right, |a, b| *a += b);
        let (kept, _) = left.into_sorted();
        assert_eq!(kept, vec![(0, 2), (1, 3), (2, 3)]);
    }
}
