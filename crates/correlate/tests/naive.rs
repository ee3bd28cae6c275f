//! The reference evaluator: the definitions of `docs/correlations.md`
//! applied literally. It sorts everything, builds every window by scanning
//! all of the group's matches, computes every figure from scratch, and
//! applies the burst rule. It shares no code with the streaming evaluator
//! (it reads events by field name, resolves aliases itself, and finds the
//! ordered prefix instant by instant), so the property tests compare two
//! independent readings of one definition.

use std::collections::{BTreeMap, BTreeSet};

use tunnelhunt_correlate::{CorrelationAlert, Reference, Report, SourceRef};
use tunnelhunt_sigma::ast::{Correlation, CorrelationKind};

use crate::support::{Event, SECOND};

/// One usable match of one correlation.
#[derive(Debug, Clone)]
struct Match {
    time: i64,
    /// Sort key for equal times: events by source, then child alerts.
    origin: (u8, u64, u64),
    feed: usize,
    group: Vec<Option<String>>,
    value: Option<String>,
    weight: u64,
    evidence: Vec<SourceRef>,
}

pub fn evaluate(
    correlations: &[(Correlation, Vec<Reference>)],
    evidence_cap: usize,
    events: &[Event],
) -> (Vec<CorrelationAlert>, Report) {
    let mut done: Vec<Option<Vec<CorrelationAlert>>> = vec![None; correlations.len()];
    let mut report = Report::default();
    for index in 0..correlations.len() {
        evaluate_one(
            correlations,
            evidence_cap,
            events,
            index,
            &mut done,
            &mut report,
        );
    }
    let mut alerts: Vec<CorrelationAlert> = done.into_iter().flatten().flatten().collect();
    alerts.sort_by(|a, b| {
        (a.window_start, a.correlation, &a.group, a.window_end).cmp(&(
            b.window_start,
            b.correlation,
            &b.group,
            b.window_end,
        ))
    });
    report.missing_time.sort();
    report.unusable_value.sort();
    (alerts, report)
}

fn evaluate_one(
    correlations: &[(Correlation, Vec<Reference>)],
    cap: usize,
    events: &[Event],
    index: usize,
    done: &mut Vec<Option<Vec<CorrelationAlert>>>,
    report: &mut Report,
) {
    if done[index].is_some() {
        return;
    }
    let (correlation, references) = &correlations[index];
    for reference in references {
        if let Reference::Correlation(child) = reference {
            evaluate_one(correlations, cap, events, *child, done, report);
        }
    }
    // Distinct references, in first-listed order.
    let mut feeds: Vec<(Reference, usize)> = Vec::new();
    for (position, reference) in references.iter().enumerate() {
        if !feeds.iter().any(|(r, _)| r == reference) {
            feeds.push((*reference, position));
        }
    }
    let kind = correlation.kind;
    let condition = correlation.condition.as_ref();
    let percentile = condition.and_then(|c| c.percentile);
    let field = condition.and_then(|c| c.field.clone());
    let numeric =
        kind.is_numeric() && !(kind == CorrelationKind::ValuePercentile && percentile.is_none());
    let resolve = |name: &str, position: usize| -> String {
        let written = &correlation.rules[position].value;
        correlation
            .aliases
            .iter()
            .find(|a| a.alias == name)
            .and_then(|a| a.mapping.iter().find(|(r, _)| r == written))
            .map_or_else(|| name.to_owned(), |(_, f)| f.clone())
    };
    let mut matches = Vec::new();
    let mut missing = 0;
    let mut unusable = 0;
    for (feed, (reference, position)) in feeds.iter().enumerate() {
        let group_names: Vec<String> = correlation
            .group_by
            .iter()
            .map(|g| resolve(g, *position))
            .collect();
        let value_name = field
            .as_ref()
            .filter(|_| kind.needs_field())
            .map(|f| resolve(f, *position));
        let mut candidates: Vec<Match> = Vec::new();
        match reference {
            Reference::Rule(rule) => {
                for event in events.iter().filter(|e| e.rule == rule.0) {
                    let Some(seconds) = event.time else {
                        missing += 1;
                        continue;
                    };
                    let source = SourceRef {
                        input: 0,
                        position: event.position,
                    };
                    candidates.push(Match {
                        time: seconds * SECOND,
                        origin: (0, 0, event.position),
                        feed,
                        group: group_names
                            .iter()
                            .map(|n| event.fields.get(n).cloned())
                            .collect(),
                        value: value_name
                            .as_ref()
                            .and_then(|n| event.fields.get(n).cloned()),
                        weight: 1,
                        evidence: vec![source],
                    });
                }
            }
            Reference::Correlation(child) => {
                let child_groups = &correlations[*child].0.group_by;
                let from_child = |alert: &CorrelationAlert, name: &str| {
                    child_groups
                        .iter()
                        .position(|g| g == name)
                        .and_then(|i| alert.group[i].1.clone())
                };
                for (ordinal, alert) in done[*child].iter().flatten().enumerate() {
                    candidates.push(Match {
                        time: alert.window_end,
                        origin: (1, *child as u64, ordinal as u64),
                        feed,
                        group: group_names.iter().map(|n| from_child(alert, n)).collect(),
                        value: value_name.as_ref().and_then(|n| from_child(alert, n)),
                        weight: alert.evidence_total,
                        evidence: alert.evidence.clone(),
                    });
                }
            }
        }
        for candidate in candidates {
            let usable = match (&candidate.value, numeric) {
                _ if !kind.needs_field() => true,
                (None, _) => false,
                (Some(text), true) => number(text).is_some(),
                (Some(_), false) => true,
            };
            if usable {
                matches.push(candidate);
            } else {
                unusable += 1;
            }
        }
    }
    if missing > 0 {
        report.missing_time.push((index, missing));
    }
    if unusable > 0 {
        report.unusable_value.push((index, unusable));
    }
    matches.sort_by_key(|m| (m.time, m.origin, m.feed));
    let mut groups: BTreeMap<Vec<Option<String>>, Vec<Match>> = BTreeMap::new();
    for m in matches {
        groups.entry(m.group.clone()).or_default().push(m);
    }
    let timespan = correlation.timespan_secs as i64 * SECOND;
    let position_feeds: Vec<usize> = references
        .iter()
        .map(|r| feeds.iter().position(|(f, _)| f == r).unwrap())
        .collect();
    let mut alerts = Vec::new();
    for (key, members) in groups {
        let instants: BTreeSet<i64> = members.iter().map(|m| m.time).collect();
        // (start, end, figure) of the open burst.
        let mut open: Option<(i64, i64, f64)> = None;
        let mut previous: Option<i64> = None;
        let mut bursts = Vec::new();
        for &instant in &instants {
            let window: Vec<&Match> = members
                .iter()
                .filter(|m| m.time >= instant - timespan && m.time <= instant)
                .collect();
            if previous.is_some_and(|p| p < instant - timespan) {
                bursts.extend(open.take());
            }
            previous = Some(instant);
            let (holds, figure) = judge(correlation, &window, feeds.len(), &position_feeds);
            if holds {
                let start = open.map_or(window[0].time, |(s, _, _)| s);
                open = Some((start, instant, figure));
            } else {
                bursts.extend(open.take());
            }
        }
        bursts.extend(open);
        for (start, end, figure) in bursts {
            let contributing: Vec<&Match> = members
                .iter()
                .filter(|m| m.time >= start && m.time <= end)
                .collect();
            let mut evidence: Vec<SourceRef> = contributing
                .iter()
                .flat_map(|m| m.evidence.clone())
                .collect();
            evidence.truncate(cap);
            let values = if kind.is_temporal() {
                feeds
                    .iter()
                    .enumerate()
                    .filter(|(feed, _)| contributing.iter().any(|m| m.feed == *feed))
                    .map(|(_, (_, position))| correlation.rules[*position].value.clone())
                    .collect()
            } else if kind == CorrelationKind::EventCount {
                Vec::new()
            } else {
                let mut seen: Vec<String> = Vec::new();
                for m in &contributing {
                    if let Some(v) = &m.value
                        && !seen.contains(v)
                        && seen.len() < cap
                    {
                        seen.push(v.clone());
                    }
                }
                seen
            };
            alerts.push(CorrelationAlert {
                correlation: index,
                group: correlation
                    .group_by
                    .iter()
                    .cloned()
                    .zip(key.iter().cloned())
                    .collect(),
                window_start: start,
                window_end: end,
                figure,
                values,
                evidence,
                evidence_total: contributing.iter().map(|m| m.weight).sum(),
            });
        }
    }
    alerts.sort_by(|a, b| {
        (a.window_start, &a.group, a.window_end).cmp(&(b.window_start, &b.group, b.window_end))
    });
    done[index] = Some(alerts);
}

/// A finite decimal number, -0 as 0.
fn number(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(|n| if n == 0.0 { 0.0 } else { n })
}

/// Whether the condition holds on `window`, and the figure.
fn judge(
    correlation: &Correlation,
    window: &[&Match],
    feed_count: usize,
    position_feeds: &[usize],
) -> (bool, f64) {
    let condition = correlation.condition.as_ref();
    let holds = |figure: f64| condition.is_some_and(|c| c.holds(figure));
    let values = || window.iter().filter_map(|m| m.value.clone());
    let numbers = || -> Vec<f64> { values().filter_map(|v| number(&v)).collect() };
    let n = window.len();
    match correlation.kind {
        CorrelationKind::EventCount => (holds(n as f64), n as f64),
        CorrelationKind::ValueCount => {
            let distinct = values().collect::<BTreeSet<_>>().len() as f64;
            (holds(distinct), distinct)
        }
        CorrelationKind::Temporal => {
            let seen = window.iter().map(|m| m.feed).collect::<BTreeSet<_>>().len();
            match condition {
                Some(c) => (c.holds(seen as f64), seen as f64),
                None => (seen == feed_count, seen as f64),
            }
        }
        CorrelationKind::TemporalOrdered => {
            let prefix = ordered_prefix(window, position_feeds) as f64;
            match condition {
                Some(c) => (c.holds(prefix), prefix),
                None => (prefix as usize == position_feeds.len(), prefix),
            }
        }
        CorrelationKind::ValueSum => {
            let sum: f64 = numbers().iter().sum();
            (holds(sum), sum)
        }
        CorrelationKind::ValueAvg => {
            let mean = numbers().iter().sum::<f64>() / n as f64;
            (holds(mean), mean)
        }
        CorrelationKind::ValueMedian => {
            let figure = percentile(numbers(), 50.0);
            (holds(figure), figure)
        }
        CorrelationKind::ValuePercentile => match condition.and_then(|c| c.percentile) {
            Some(p) => {
                let figure = percentile(numbers(), p);
                (holds(figure), figure)
            }
            None => {
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for v in values() {
                    *counts.entry(v).or_default() += 1;
                }
                let mut shares: Vec<f64> = counts
                    .values()
                    .map(|&c| 100.0 * c as f64 / n as f64)
                    .collect();
                shares.sort_by(f64::total_cmp);
                match shares.into_iter().find(|&s| holds(s)) {
                    Some(share) => (true, share),
                    None => (false, 0.0),
                }
            }
        },
    }
}

fn percentile(mut numbers: Vec<f64>, p: f64) -> f64 {
    numbers.sort_by(f64::total_cmp);
    let rank = ((p * numbers.len() as f64 / 100.0).ceil() as usize).clamp(1, numbers.len());
    numbers[rank - 1]
}

/// Walk the window instant by instant: at each instant, as long as the
/// next position's input has an unused match at that instant, take it
/// (equal times are in order, in any order).
fn ordered_prefix(window: &[&Match], position_feeds: &[usize]) -> usize {
    let mut by_instant: BTreeMap<i64, BTreeMap<usize, usize>> = BTreeMap::new();
    for m in window {
        *by_instant
            .entry(m.time)
            .or_default()
            .entry(m.feed)
            .or_default() += 1;
    }
    let mut matched = 0;
    for (_, mut available) in by_instant {
        while matched < position_feeds.len() {
            let feed = position_feeds[matched];
            match available.get_mut(&feed) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    matched += 1;
                }
                _ => break,
            }
        }
    }
    matched
}
