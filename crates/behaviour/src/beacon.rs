//! The beacon score of one (host, process, destination, port) series.
//!
//! `docs/behaviour.md` is the definition; this is its implementation. In
//! short: an interval score from the inter-arrival times (Bowley skew,
//! MAD over median, hour coverage), a size score from the bytes where the
//! log has them (skew, MAD over median, smallness), the mean of the two.

use crate::stats::{bowley_skew, median_and_mad};
use crate::{Figure, Nanos};

/// Fewer connections than this are not judged: eleven intervals are the
/// least that quartiles and a MAD say anything about.
pub const MIN_CONNECTIONS: usize = 12;
/// A series shorter than this is not judged: polling bursts of a web
/// page or a retry loop are regular for a minute, a beacon for longer.
pub const MIN_SPAN_SECONDS: f64 = 600.0;
/// A score at or above this raises an alert.
pub const THRESHOLD: f64 = 0.8;
/// Bytes per connection at which the smallness score reaches 0 (RITA's
/// figure: a beacon's check-in is small).
const SMALL_BYTES: f64 = 65_535.0;

const NANOS_PER_SECOND: f64 = 1e9;
const SECONDS_PER_HOUR: i64 = 3600;

/// One connection of a series: time, and bytes where logged.
#[derive(Debug, Clone, Copy)]
pub struct Beat {
    pub time: Nanos,
    pub bytes: Option<u64>,
}

/// The score and its figures, or `None` when the series is too short to
/// judge.
pub fn score(beats: &[Beat]) -> Option<(f64, Vec<Figure>)> {
    if beats.len() < MIN_CONNECTIONS {
        return None;
    }
    let first = beats.first()?.time;
    let last = beats.last()?.time;
    let span = (last - first) as f64 / NANOS_PER_SECOND;
    if span < MIN_SPAN_SECONDS {
        return None;
    }
    let mut intervals: Vec<f64> = beats
        .windows(2)
        .map(|pair| (pair[1].time - pair[0].time) as f64 / NANOS_PER_SECOND)
        .collect();
    let (median, mad) = median_and_mad(&mut intervals);
    let skew = bowley_skew(&intervals);
    let skew_score = 1.0 - skew.abs();
    let madm_score = if median > 0.0 {
        (1.0 - mad / median).max(0.0)
    } else {
        0.0
    };
    let (hours_seen, hours_spanned) = hour_coverage(beats);
    let coverage_score = hours_seen as f64 / hours_spanned as f64;
    let interval_score = (skew_score + madm_score + coverage_score) / 3.0;

    let mut figures = vec![
        Figure {
            name: "connections",
            value: beats.len() as f64,
        },
        Figure {
            name: "interval_median_s",
            value: median,
        },
        Figure {
            name: "interval_mad_s",
            value: mad,
        },
        Figure {
            name: "interval_skew",
            value: skew,
        },
        Figure {
            name: "hours_seen",
            value: hours_seen as f64,
        },
        Figure {
            name: "hours_spanned",
            value: hours_spanned as f64,
        },
        Figure {
            name: "interval_score",
            value: interval_score,
        },
    ];
    let mut sizes: Vec<f64> = beats
        .iter()
        .filter_map(|b| b.bytes.map(|n| n as f64))
        .collect();
    // Sizes count only when most connections have them: a score from a
    // few sized rows would speak for the unsized rest.
    let score = if sizes.len() * 2 > beats.len() {
        let total: f64 = sizes.iter().sum();
        let (size_median, size_mad) = median_and_mad(&mut sizes);
        let size_skew_score = 1.0 - bowley_skew(&sizes).abs();
        let size_madm_score = if size_median > 0.0 {
            (1.0 - size_mad / size_median).max(0.0)
        } else {
            0.0
        };
        let smallness = (1.0 - size_median / SMALL_BYTES).max(0.0);
        let size_score = (size_skew_score + size_madm_score + smallness) / 3.0;
        figures.extend([
            Figure {
                name: "bytes_median",
                value: size_median,
            },
            Figure {
                name: "bytes_total",
                value: total,
            },
            Figure {
                name: "size_score",
                value: size_score,
            },
        ]);
        (interval_score + size_score) / 2.0
    } else {
        interval_score
    };
    Some((score, figures))
}

/// Distinct clock hours (UTC) with a connection, and the hours from the
/// first connection's hour to the last's, inclusive.
fn hour_coverage(beats: &[Beat]) -> (usize, usize) {
    let hour = |t: Nanos| t.div_euclid(SECONDS_PER_HOUR * 1_000_000_000);
    let mut hours: Vec<i64> = beats.iter().map(|b| hour(b.time)).collect();
    hours.dedup();
    let spanned = hours
        .last()
        .zip(hours.first())
        .map_or(1, |(l, f)| usize::try_from(l - f + 1).unwrap_or(usize::MAX));
    (hours.len(), spanned.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(intervals: impl Iterator<Item = f64>, bytes: Option<u64>) -> Vec<Beat> {
        let mut t = 0.0;
        let mut beats = vec![Beat { time: 0, bytes }];
        for d in intervals {
            t += d;
            beats.push(Beat {
                time: (t * NANOS_PER_SECOND) as Nanos,
                bytes,
            });
        }
        beats
    }

    #[test]
    fn a_metronome_scores_one() {
        let beats = series(std::iter::repeat_n(60.0, 60), Some(400));
        let (score, _) = score(&beats).expect("long enough");
        assert!(score > 0.99, "{score}");
    }

    #[test]
    fn twenty_percent_jitter_still_beacons() {
        // A deterministic spread of ±20% around 60 s.
        let jitter = (0..120).map(|i| 60.0 * (0.8 + 0.4 * ((i * 37 % 101) as f64 / 100.0)));
        let (score, _) = score(&series(jitter, None)).expect("long enough");
        assert!(score >= THRESHOLD, "{score}");
    }

    #[test]
    fn bursty_browsing_does_not() {
        // Exponential-like gaps: many short, a few very long.
        let gaps = (0..120).map(|i| match i % 6 {
            0 => 900.0,
            1 => 2.0,
            2 => 45.0,
            3 => 1.0,
            4 => 300.0,
            _ => 7.0,
        });
        let (score, _) = score(&series(gaps, Some(90_000))).expect("long enough");
        assert!(score < THRESHOLD, "{score}");
    }

    #[test]
    fn too_few_or_too_short_is_not_judged() {
        assert!(score(&series(std::iter::repeat_n(60.0, 5), None)).is_none());
        assert!(score(&series(std::iter::repeat_n(1.0, 100), None)).is_none());
    }
}
