//! Evaluating everything a run collected, children before parents.
//!
//! Each base rule's observations are sorted once by (time, source). A
//! correlation's inputs (its base rules, and the alerts of the
//! correlations it chains) are merged in that order and streamed through
//! its [`Windows`]; a child correlation's alert enters its parents as one
//! match at its `window_end` carrying its group-by values. Sorting before
//! evaluating is what makes the result independent of input order and of
//! how observations were split between collectors.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::collect::{ABSENT, Collector, Interner, RuleBuffer};
use crate::plan::{Compiled, Plan, Reference};
use crate::spill::{Run, RunReader};
use crate::window::{Item, ItemId, RawAlert, Windows};
use crate::{CorrelationAlert, Degraded, Nanos, Report, SourceRef};

/// A finished correlation: its alerts in emission order, and what its
/// parents need to read them as matches.
struct Finished {
    alerts: Vec<CorrelationAlert>,
    keys: Vec<Box<[u32]>>,
    /// Alert indices in (window_end, index) order.
    by_end: Vec<usize>,
}

/// Where a match came from, for ordering ties at equal times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    Event(SourceRef),
    Alert { correlation: usize, ordinal: usize },
}

/// One input of a correlation, read in time order.
enum Cursor<'a> {
    Rule {
        buffer: &'a RuleBuffer,
        at: usize,
    },
    /// A rule whose observations are in a temporary file: the next
    /// record is read ahead.
    Spilled {
        reader: RunReader<'a>,
        head: Option<(Nanos, SourceRef)>,
        values: Vec<u32>,
        ahead: Vec<u32>,
        at: usize,
    },
    Child {
        correlation: usize,
        finished: &'a Finished,
        at: usize,
    },
}

impl Cursor<'_> {
    fn head(&self) -> Option<(Nanos, Origin)> {
        match self {
            Cursor::Rule { buffer, at } => buffer
                .records
                .get(*at)
                .map(|record| (record.time, Origin::Event(record.source))),
            Cursor::Spilled { head, .. } => {
                head.map(|(time, source)| (time, Origin::Event(source)))
            }
            Cursor::Child {
                correlation,
                finished,
                at,
            } => finished.by_end.get(*at).map(|&ordinal| {
                (
                    finished.alerts[ordinal].window_end,
                    Origin::Alert {
                        correlation: *correlation,
                        ordinal,
                    },
                )
            }),
        }
    }
}

impl Collector {
    /// Evaluate every correlation of `plan` over what was collected. The
    /// alerts come in (window_start, correlation index, group, window_end)
    /// order; the result does not depend on the order of
    /// [`Collector::push`] calls or on how they were split between
    /// collectors merged with [`Collector::absorb`].
    pub fn finish(mut self, plan: &Plan) -> (Vec<CorrelationAlert>, Report) {
        self.settle();
        let mut failure = self.spill_failure.take();
        let numbers = numbers_of(&self.interner, plan);
        let mut finished: Vec<Option<Finished>> = (0..plan.len()).map(|_| None).collect();
        let mut report = Report::default();
        for &index in plan.order() {
            let compiled = plan.compiled(index);
            let missing: u64 = compiled
                .feeds
                .iter()
                .filter_map(|feed| match feed.reference {
                    Reference::Rule(rule) => self.rules.get(&rule),
                    Reference::Correlation(_) => None,
                })
                .map(|buffer| buffer.missing_time)
                .sum();
            if missing > 0 {
                report.missing_time.push((index, missing));
            }
            let mut cursors: Vec<Cursor<'_>> = Vec::with_capacity(compiled.feeds.len());
            for feed in &compiled.feeds {
                cursors.push(match feed.reference {
                    Reference::Rule(rule) => match self.rules.get(&rule) {
                        Some(buffer) => match buffer.runs.first() {
                            Some(run) => spilled_cursor(run, buffer.width, &mut failure),
                            None => Cursor::Rule { buffer, at: 0 },
                        },
                        None => empty_cursor(),
                    },
                    Reference::Correlation(child) => match finished[child].as_ref() {
                        Some(done) => Cursor::Child {
                            correlation: child,
                            finished: done,
                            at: 0,
                        },
                        None => empty_cursor(),
                    },
                });
            }
            let (windows, unusable) = stream(compiled, plan, &numbers, &mut cursors, &mut failure);
            if unusable > 0 {
                report.unusable_value.push((index, unusable));
            }
            if windows.dropped > 0 {
                report.degraded.push(Degraded {
                    correlation: index,
                    dropped_matches: windows.dropped,
                    examples: windows
                        .dropped_examples
                        .iter()
                        .map(|key| texts_of(&self.interner, key))
                        .collect(),
                });
            }
            let done = self.convert(plan, index, &finished, windows.alerts, &mut failure);
            finished[index] = Some(done);
        }
        report.missing_time.sort_unstable();
        report.unusable_value.sort_unstable();
        report.degraded.sort_by_key(|degraded| degraded.correlation);
        report.spill_failure = failure;
        let mut alerts: Vec<CorrelationAlert> = finished
            .into_iter()
            .flatten()
            .flat_map(|done| done.alerts)
            .collect();
        alerts.sort_by(alert_order);
        (alerts, report)
    }

    /// Turn raw alerts into public ones: sources instead of item numbers,
    /// text instead of interned values.
    fn convert(
        &self,
        plan: &Plan,
        index: usize,
        finished: &[Option<Finished>],
        raw: Vec<RawAlert>,
        failure: &mut Option<String>,
    ) -> Finished {
        let correlation = plan.correlation(index);
        let compiled = plan.compiled(index);
        let cap = plan.limits().evidence_cap;
        let spilled_sources = self.spilled_sources(compiled, &raw, failure);
        let mut alerts = Vec::with_capacity(raw.len());
        let mut keys = Vec::with_capacity(raw.len());
        for alert in raw {
            let mut evidence = Vec::with_capacity(alert.evidence.len().min(cap));
            for id in &alert.evidence {
                if evidence.len() >= cap {
                    break;
                }
                match compiled.feeds[id.feed()].reference {
                    Reference::Rule(rule) => {
                        let source = match spilled_sources.get(&id.feed()) {
                            Some(sources) => sources.get(&id.index()).copied(),
                            None => self
                                .rules
                                .get(&rule)
                                .and_then(|b| b.records.get(id.index()))
                                .map(|record| record.source),
                        };
                        evidence.extend(source);
                    }
                    Reference::Correlation(child) => {
                        if let Some(child_alert) = finished[child]
                            .as_ref()
                            .and_then(|done| done.alerts.get(id.index()))
                        {
                            let room = cap - evidence.len();
                            evidence.extend(child_alert.evidence.iter().take(room).copied());
                        }
                    }
                }
            }
            let values = if correlation.kind.is_temporal() {
                rules_seen(compiled, correlation, &alert.values)
            } else {
                alert
                    .values
                    .iter()
                    .filter_map(|&id| self.interner.text(id).map(str::to_owned))
                    .collect()
            };
            let group = correlation
                .group_by
                .iter()
                .cloned()
                .zip(texts_of(&self.interner, &alert.group))
                .collect();
            alerts.push(CorrelationAlert {
                correlation: index,
                group,
                window_start: alert.window_start,
                window_end: alert.window_end,
                figure: alert.figure,
                values,
                evidence,
                evidence_total: alert.evidence_total,
            });
            keys.push(alert.group);
        }
        // Output order, so that a parent reading alerts that end at the
        // same instant reads them in the order a reader of the output would.
        let mut order: Vec<usize> = (0..alerts.len()).collect();
        order.sort_by(|&a, &b| alert_order(&alerts[a], &alerts[b]));
        let mut slots: Vec<Option<(CorrelationAlert, Box<[u32]>)>> =
            alerts.into_iter().zip(keys).map(Some).collect();
        let (alerts, keys): (Vec<_>, Vec<_>) = order
            .iter()
            .filter_map(|&ordinal| slots[ordinal].take())
            .unzip();
        let mut by_end: Vec<usize> = (0..alerts.len()).collect();
        by_end.sort_by_key(|&ordinal| (alerts[ordinal].window_end, ordinal));
        Finished {
            alerts,
            keys,
            by_end,
        }
    }
}

impl Collector {
    /// For each input whose rule is in a temporary file, the sources of
    /// the records the alerts cite as evidence, found by reading the file
    /// once more (records are cited by their place in it).
    fn spilled_sources(
        &self,
        compiled: &Compiled,
        raw: &[RawAlert],
        failure: &mut Option<String>,
    ) -> BTreeMap<usize, BTreeMap<usize, SourceRef>> {
        let mut wanted: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for id in raw.iter().flat_map(|alert| &alert.evidence) {
            if let Reference::Rule(rule) = compiled.feeds[id.feed()].reference
                && self.rules.get(&rule).is_some_and(|b| !b.runs.is_empty())
            {
                wanted.entry(id.feed()).or_default().insert(id.index());
            }
        }
        let mut found = BTreeMap::new();
        for (feed, indices) in wanted {
            let Reference::Rule(rule) = compiled.feeds[feed].reference else {
                continue;
            };
            let Some((buffer, run)) = self
                .rules
                .get(&rule)
                .and_then(|b| b.runs.first().map(|run| (b, run)))
            else {
                continue;
            };
            let mut sources = BTreeMap::new();
            let read = (|| -> std::io::Result<()> {
                let mut reader = run.reader(buffer.width)?;
                let mut values = Vec::new();
                let mut at = 0;
                for index in indices {
                    while at < index {
                        reader.next(&mut values)?;
                        at += 1;
                    }
                    if let Some((_, source)) = reader.next(&mut values)? {
                        sources.insert(index, source);
                    }
                    at += 1;
                }
                Ok(())
            })();
            if let Err(error) = read {
                failure.get_or_insert_with(|| format!("reading a temporary file: {error}"));
            }
            found.insert(feed, sources);
        }
        found
    }
}

fn spilled_cursor<'a>(run: &'a Run, width: usize, failure: &mut Option<String>) -> Cursor<'a> {
    let opened = run.reader(width).and_then(|mut reader| {
        let mut values = Vec::with_capacity(width);
        let head = reader.next(&mut values)?;
        Ok((reader, head, values))
    });
    match opened {
        Ok((reader, head, values)) => Cursor::Spilled {
            reader,
            head,
            values,
            ahead: Vec::with_capacity(width),
            at: 0,
        },
        Err(error) => {
            failure.get_or_insert_with(|| format!("reading a temporary file: {error}"));
            empty_cursor()
        }
    }
}

/// A cursor over nothing: a referenced rule no collector was built for.
fn empty_cursor<'a>() -> Cursor<'a> {
    static EMPTY: RuleBuffer = RuleBuffer {
        width: 0,
        records: Vec::new(),
        values: Vec::new(),
        missing_time: 0,
        runs: Vec::new(),
    };
    Cursor::Rule {
        buffer: &EMPTY,
        at: 0,
    }
}

/// Merge the inputs in (time, origin, input) order into the windows.
/// Returns the windows and how many matches had no usable value.
fn stream<'p>(
    compiled: &'p Compiled,
    plan: &Plan,
    numbers: &'p [f64],
    cursors: &mut [Cursor<'_>],
    failure: &mut Option<String>,
) -> (Windows<'p>, u64) {
    let mut windows = Windows::new(compiled, plan.limits(), numbers);
    let mut unusable = 0u64;
    let mut key: Vec<u32> = Vec::new();
    let needs_value = compiled.aggregate.needs_value();
    let needs_number = compiled.aggregate.needs_number();
    loop {
        let mut next: Option<(usize, (Nanos, Origin))> = None;
        for (feed, cursor) in cursors.iter().enumerate() {
            if let Some(head) = cursor.head()
                && next.is_none_or(|(_, best)| head < best)
            {
                next = Some((feed, head));
            }
        }
        let Some((feed, (time, _))) = next else {
            break;
        };
        let input = &compiled.feeds[feed];
        key.clear();
        let (index, value, weight) = match &mut cursors[feed] {
            Cursor::Rule { buffer, at } => {
                let index = *at;
                *at += 1;
                let values = buffer.values_of(&buffer.records[index]);
                let read = |slot: Option<usize>| slot.and_then(|s| values.get(s)).copied();
                key.extend(input.group.iter().map(|&slot| read(slot).unwrap_or(ABSENT)));
                (index, read(input.value).unwrap_or(ABSENT), 1)
            }
            Cursor::Spilled {
                reader,
                head,
                values,
                ahead,
                at,
            } => {
                let index = *at;
                *at += 1;
                let read = |slot: Option<usize>| slot.and_then(|s| values.get(s)).copied();
                key.extend(input.group.iter().map(|&slot| read(slot).unwrap_or(ABSENT)));
                let value = read(input.value).unwrap_or(ABSENT);
                *head = reader.next(ahead).unwrap_or_else(|error| {
                    failure.get_or_insert_with(|| format!("reading a temporary file: {error}"));
                    None
                });
                std::mem::swap(values, ahead);
                (index, value, 1)
            }
            Cursor::Child { finished, at, .. } => {
                let ordinal = finished.by_end[*at];
                *at += 1;
                let group = &finished.keys[ordinal];
                let read = |slot: Option<usize>| slot.and_then(|s| group.get(s)).copied();
                key.extend(input.group.iter().map(|&slot| read(slot).unwrap_or(ABSENT)));
                let total = finished.alerts[ordinal].evidence_total;
                let weight = u32::try_from(total).unwrap_or(u32::MAX);
                (ordinal, read(input.value).unwrap_or(ABSENT), weight)
            }
        };
        let usable = if needs_number {
            numbers.get(value as usize).is_some_and(|n| !n.is_nan())
        } else {
            !needs_value || value != ABSENT
        };
        if !usable {
            unusable += 1;
            continue;
        }
        windows.push(Item {
            time,
            id: ItemId::new(feed, index),
            weight,
            group: &key,
            value,
        });
    }
    (windows.finish(), unusable)
}

/// The referenced rules an alert saw, as written in `rules`, in that order.
fn rules_seen(
    compiled: &Compiled,
    correlation: &tunnelhunt_sigma::ast::Correlation,
    feeds_seen: &[u32],
) -> Vec<String> {
    compiled
        .feeds
        .iter()
        .enumerate()
        .filter(|(feed, _)| feeds_seen.contains(&(*feed as u32)))
        .filter_map(|(_, feed)| feed.positions.first())
        .map(|&position| correlation.rules[position].value.clone())
        .collect()
}

fn texts_of(interner: &Interner, key: &[u32]) -> Vec<Option<String>> {
    key.iter()
        .map(|&id| interner.text(id).map(str::to_owned))
        .collect()
}

/// Every interned value as a number, NaN when it is not a finite decimal
/// number; empty when no correlation aggregates numbers.
fn numbers_of(interner: &Interner, plan: &Plan) -> Vec<f64> {
    let numeric = (0..plan.len()).any(|index| plan.compiled(index).aggregate.needs_number());
    if !numeric {
        return Vec::new();
    }
    (0..interner.len())
        .map(|id| {
            interner
                .text(id as u32)
                .and_then(|text| text.trim().parse::<f64>().ok())
                .filter(|number| number.is_finite())
                // +0.0 folds -0.0 into 0.0, so both are one value.
                .map_or(f64::NAN, |number| number + 0.0)
        })
        .collect()
}

fn alert_order(a: &CorrelationAlert, b: &CorrelationAlert) -> Ordering {
    (a.window_start, a.correlation, &a.group, a.window_end).cmp(&(
        b.window_start,
        b.correlation,
        &b.group,
        b.window_end,
    ))
}
