//! The figure of one group's window, kept up to date as matches enter and
//! leave it, so evaluating the condition never rescans the window.
//!
//! Each kind has its own incremental state: a count (`event_count`), a
//! value → count map (`value_count`: amortised O(1) per match), the same
//! map with a count → number-of-values map (the share form of
//! `value_percentile`), an exact sum ([`ExactSum`]: `value_sum`,
//! `value_avg`: adding and removing a number leaves no rounding drift, so
//! the streaming sum equals a sum recomputed from scratch), two ordered
//! multisets split at the percentile's rank (`value_percentile`,
//! `value_median`: O(log n) per match), and per-rule counts or time lists
//! (`temporal`, `temporal_ordered`).

use std::collections::{BTreeMap, HashMap, VecDeque};

use tunnelhunt_sigma::ast::CorrelationCondition;

use crate::Nanos;
use crate::exact_sum::ExactSum;
use crate::plan::Aggregate;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// What the measure needs to know of one match.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) time: Nanos,
    /// The interned value of the aggregated field.
    pub(crate) value: u32,
    /// That value as a number (the numeric kinds only).
    pub(crate) number: f64,
    /// Which of the correlation's inputs the match came from.
    pub(crate) feed: usize,
}

/// The outcome of evaluating the condition on a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) holds: bool,
    pub(crate) figure: f64,
}

/// The incremental state of one group's window.
pub(crate) enum Measure {
    Count,
    Distinct(FastMap<u32, u32>),
    Share {
        counts: FastMap<u32, u32>,
        /// How many values occur exactly `count` times.
        values_with_count: BTreeMap<u32, u32>,
    },
    Rules {
        per_feed: Vec<u32>,
        seen: usize,
    },
    Ordered {
        /// The times of each input's matches in the window, in order.
        per_feed: Vec<VecDeque<Nanos>>,
    },
    Sum(ExactSum),
    Percentile(RankSplit),
}

impl Measure {
    pub(crate) fn new(aggregate: Aggregate, feeds: usize) -> Measure {
        match aggregate {
            Aggregate::Count => Measure::Count,
            Aggregate::Distinct => Measure::Distinct(FastMap::default()),
            Aggregate::Share => Measure::Share {
                counts: FastMap::default(),
                values_with_count: BTreeMap::new(),
            },
            Aggregate::Rules => Measure::Rules {
                per_feed: vec![0; feeds],
                seen: 0,
            },
            Aggregate::Ordered => Measure::Ordered {
                per_feed: vec![VecDeque::new(); feeds],
            },
            Aggregate::Sum | Aggregate::Avg => Measure::Sum(ExactSum::default()),
            Aggregate::Percentile(percentile) => Measure::Percentile(RankSplit::new(percentile)),
        }
    }

    pub(crate) fn add(&mut self, sample: Sample) {
        match self {
            Measure::Count => {}
            Measure::Distinct(counts) => *counts.entry(sample.value).or_insert(0) += 1,
            Measure::Share {
                counts,
                values_with_count,
            } => {
                let count = counts.entry(sample.value).or_insert(0);
                if *count > 0 {
                    decrement(values_with_count, *count);
                }
                *count += 1;
                *values_with_count.entry(*count).or_insert(0) += 1;
            }
            Measure::Rules { per_feed, seen } => {
                if per_feed[sample.feed] == 0 {
                    *seen += 1;
                }
                per_feed[sample.feed] += 1;
            }
            Measure::Ordered { per_feed } => per_feed[sample.feed].push_back(sample.time),
            Measure::Sum(sum) => sum.add(sample.number),
            Measure::Percentile(split) => split.insert(sample.number),
        }
    }

    /// Remove a sample that was added earlier; samples leave in the order
    /// they were added.
    pub(crate) fn remove(&mut self, sample: Sample) {
        match self {
            Measure::Count => {}
            Measure::Distinct(counts) => {
                if let Some(count) = counts.get_mut(&sample.value) {
                    *count -= 1;
                    if *count == 0 {
                        counts.remove(&sample.value);
                    }
                }
            }
            Measure::Share {
                counts,
                values_with_count,
            } => {
                if let Some(count) = counts.get_mut(&sample.value) {
                    decrement(values_with_count, *count);
                    *count -= 1;
                    if *count == 0 {
                        counts.remove(&sample.value);
                    } else {
                        *values_with_count.entry(*count).or_insert(0) += 1;
                    }
                }
            }
            Measure::Rules { per_feed, seen } => {
                per_feed[sample.feed] -= 1;
                if per_feed[sample.feed] == 0 {
                    *seen -= 1;
                }
            }
            Measure::Ordered { per_feed } => {
                per_feed[sample.feed].pop_front();
            }
            Measure::Sum(sum) => sum.subtract(sample.number),
            Measure::Percentile(split) => split.remove(sample.number),
        }
    }

    /// How many distinct counted values (or, for the temporal kinds,
    /// inputs) the window holds, when the measure knows.
    pub(crate) fn distinct(&self) -> Option<usize> {
        match self {
            Measure::Count => Some(0),
            Measure::Distinct(counts) | Measure::Share { counts, .. } => Some(counts.len()),
            Measure::Rules { seen, .. } => Some(*seen),
            Measure::Ordered { per_feed } => {
                Some(per_feed.iter().filter(|times| !times.is_empty()).count())
            }
            Measure::Sum(_) | Measure::Percentile(_) => None,
        }
    }

    /// The figure of a window of `len` matches and whether the condition
    /// holds for it. `positions` maps each entry of `rules` to its input
    /// (the temporal kinds).
    pub(crate) fn evaluate(
        &mut self,
        aggregate: Aggregate,
        condition: Option<&CorrelationCondition>,
        len: usize,
        positions: &[usize],
    ) -> Verdict {
        let figure = match self {
            Measure::Count => len as f64,
            Measure::Distinct(counts) => counts.len() as f64,
            Measure::Share {
                values_with_count, ..
            } => return share_verdict(values_with_count, condition, len),
            Measure::Rules { per_feed, seen } => {
                let figure = *seen as f64;
                return match condition {
                    Some(condition) => verdict(condition, figure),
                    None => Verdict {
                        holds: *seen == per_feed.len(),
                        figure,
                    },
                };
            }
            Measure::Ordered { per_feed } => {
                let figure = ordered_prefix(per_feed, positions);
                return match condition {
                    Some(condition) => verdict(condition, figure as f64),
                    None => Verdict {
                        holds: figure == positions.len(),
                        figure: figure as f64,
                    },
                };
            }
            Measure::Sum(sum) => {
                let total = sum.value();
                if aggregate == Aggregate::Avg {
                    total / len as f64
                } else {
                    total
                }
            }
            Measure::Percentile(split) => split.value(),
        };
        match condition {
            Some(condition) => verdict(condition, figure),
            None => Verdict {
                holds: false,
                figure,
            },
        }
    }
}

fn verdict(condition: &CorrelationCondition, figure: f64) -> Verdict {
    Verdict {
        holds: condition.holds(figure),
        figure,
    }
}

fn decrement(map: &mut BTreeMap<u32, u32>, key: u32) {
    if let Some(number) = map.get_mut(&key) {
        *number -= 1;
        if *number == 0 {
            map.remove(&key);
        }
    }
}

/// The share form of `value_percentile`: the condition holds when some
/// value's share of the window (in percent) satisfies it; the figure is the
/// smallest such share. Shares are visited by count, so the cost is the
/// number of distinct counts (at most about √(2·len)), not of values.
fn share_verdict(
    values_with_count: &BTreeMap<u32, u32>,
    condition: Option<&CorrelationCondition>,
    len: usize,
) -> Verdict {
    let not_held = Verdict {
        holds: false,
        figure: 0.0,
    };
    let Some(condition) = condition else {
        return not_held;
    };
    values_with_count
        .keys()
        .map(|&count| share_percent(count as usize, len))
        .find(|&share| condition.holds(share))
        .map_or(not_held, |figure| Verdict {
            holds: true,
            figure,
        })
}

/// The share of `count` matches among `len`, in percent.
pub fn share_percent(count: usize, len: usize) -> f64 {
    100.0 * count as f64 / len as f64
}

/// The longest prefix of `rules` that occurs in order: greedily take the
/// earliest match of each position at or after the time of the previous
/// one (equal times count as in order), never the same match twice. The
/// earliest choice leaves the most room for the positions after it, so
/// the greedy prefix is the longest.
fn ordered_prefix(per_feed: &[VecDeque<Nanos>], positions: &[usize]) -> usize {
    let mut previous = Nanos::MIN;
    let mut used: Vec<Option<usize>> = vec![None; per_feed.len()];
    for (matched, &feed) in positions.iter().enumerate() {
        let times = &per_feed[feed];
        let mut at = times.partition_point(|&time| time < previous);
        if let Some(last) = used[feed] {
            at = at.max(last + 1);
        }
        match times.get(at) {
            Some(&time) => {
                used[feed] = Some(at);
                previous = time;
            }
            None => return matched,
        }
    }
    positions.len()
}

/// The nearest-rank position (1-based) of percentile `percentile` among
/// `len` sorted values: ⌈percentile/100 · len⌉, at least 1. Public so
/// exporters and tests state the same rank.
pub fn nearest_rank(percentile: f64, len: usize) -> usize {
    let rank = (percentile * len as f64 / 100.0).ceil();
    // `as` saturates; a rank past the end is the largest value.
    (rank as usize).clamp(1, len.max(1))
}

/// A multiset of numbers split so that `low` holds exactly the
/// nearest-rank count of the smallest ones: the percentile is `low`'s
/// maximum. An insert or removal changes the rank by at most one, so it
/// moves at most one number between the halves.
pub(crate) struct RankSplit {
    percentile: f64,
    low: BTreeMap<u64, u32>,
    low_len: usize,
    high: BTreeMap<u64, u32>,
    high_len: usize,
}

impl RankSplit {
    fn new(percentile: f64) -> RankSplit {
        RankSplit {
            percentile,
            low: BTreeMap::new(),
            low_len: 0,
            high: BTreeMap::new(),
            high_len: 0,
        }
    }

    fn insert(&mut self, number: f64) {
        let key = order_key(number);
        if self
            .low
            .last_key_value()
            .is_some_and(|(&max, _)| key <= max)
        {
            add_key(&mut self.low, key);
            self.low_len += 1;
        } else {
            add_key(&mut self.high, key);
            self.high_len += 1;
        }
        self.rebalance();
    }

    fn remove(&mut self, number: f64) {
        let key = order_key(number);
        // Every number in `high` is at least `low`'s maximum, so a number
        // not above that maximum is in `low`.
        if self
            .low
            .last_key_value()
            .is_some_and(|(&max, _)| key <= max)
        {
            if remove_key(&mut self.low, key) {
                self.low_len -= 1;
            }
        } else if remove_key(&mut self.high, key) {
            self.high_len -= 1;
        }
        self.rebalance();
    }

    fn rebalance(&mut self) {
        let len = self.low_len + self.high_len;
        let rank = if len == 0 {
            0
        } else {
            nearest_rank(self.percentile, len)
        };
        while self.low_len > rank {
            let Some((&key, _)) = self.low.last_key_value() else {
                break;
            };
            remove_key(&mut self.low, key);
            self.low_len -= 1;
            add_key(&mut self.high, key);
            self.high_len += 1;
        }
        while self.low_len < rank {
            let Some((&key, _)) = self.high.first_key_value() else {
                break;
            };
            remove_key(&mut self.high, key);
            self.high_len -= 1;
            add_key(&mut self.low, key);
            self.low_len += 1;
        }
    }

    fn value(&self) -> f64 {
        self.low
            .last_key_value()
            .map_or(f64::NAN, |(&key, _)| number_of_key(key))
    }
}

fn add_key(map: &mut BTreeMap<u64, u32>, key: u64) {
    *map.entry(key).or_insert(0) += 1;
}

fn remove_key(map: &mut BTreeMap<u64, u32>, key: u64) -> bool {
    match map.get_mut(&key) {
        Some(count) => {
            *count -= 1;
            if *count == 0 {
                map.remove(&key);
            }
            true
        }
        None => false,
    }
}

const SIGN: u64 = 1 << 63;

/// A key whose unsigned order is the numeric order of finite numbers
/// (`-0.0` is normalised to `0.0` by the caller).
fn order_key(number: f64) -> u64 {
    let bits = number.to_bits();
    if bits & SIGN == 0 { bits | SIGN } else { !bits }
}

fn number_of_key(key: u64) -> f64 {
    let bits = if key & SIGN != 0 { key & !SIGN } else { !key };
    f64::from_bits(bits)
}
