//! The robust statistics the beacon score is made of: quartiles, the
//! Bowley skew and the median absolute deviation.
//!
//! Robust (rank-based) rather than mean and variance because a beacon's
//! series has outliers by nature — a missed check-in doubles one interval,
//! a sleeping laptop adds an hour — and one outlier must not turn a
//! metronome into noise. Quartiles are nearest-rank, like the correlation
//! percentiles: a value that occurred, not an interpolation.

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of `sorted` (ascending,
/// not empty): the value at rank ⌈p/100 · n⌉, at least 1.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
    sorted[rank.min(n) - 1]
}

/// Quartiles `(Q1, median, Q3)` of `sorted` (ascending, not empty).
pub fn quartiles(sorted: &[f64]) -> (f64, f64, f64) {
    (
        percentile(sorted, 25.0),
        percentile(sorted, 50.0),
        percentile(sorted, 75.0),
    )
}

/// Bowley's quartile skew, `(Q1 + Q3 − 2·Q2) / (Q3 − Q1)`, in [−1, 1]: 0
/// for a symmetric spread, ±1 when the median sits on a quartile. A spread
/// with no inter-quartile range (every middle value equal: a perfect
/// metronome) has skew 0 — as RITA decides it — since there is nothing to
/// be lopsided.
pub fn bowley_skew(sorted: &[f64]) -> f64 {
    let (q1, q2, q3) = quartiles(sorted);
    let spread = q3 - q1;
    if spread <= 0.0 {
        return 0.0;
    }
    ((q1 + q3 - 2.0 * q2) / spread).clamp(-1.0, 1.0)
}

/// The median absolute deviation from the median, and the median, of
/// `values` (not empty; reordered).
pub fn median_and_mad(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let median = percentile(values, 50.0);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    (median, percentile(&deviations, 50.0))
}

/// Shannon entropy of the bytes of `text`, in bits per byte (0 for an
/// empty or single-symbol text, at most 8).
pub fn entropy_bits_per_byte(text: &str) -> f64 {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quartiles_are_values_that_occurred() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        assert_eq!(quartiles(&sorted), (2.0, 4.0, 6.0));
        assert_eq!(percentile(&[9.0], 50.0), 9.0);
    }

    #[test]
    fn bowley_skew_is_zero_when_symmetric_and_signed_when_lopsided() {
        assert_eq!(bowley_skew(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]), 0.0);
        // Median on Q1: the long tail is on the right.
        assert_eq!(bowley_skew(&[1.0, 1.0, 1.0, 1.0, 1.0, 9.0, 9.0, 9.0]), 1.0);
        assert_eq!(bowley_skew(&[5.0; 10]), 0.0);
    }

    #[test]
    fn mad_ignores_one_outlier() {
        let mut values = [60.0, 60.0, 61.0, 59.0, 60.0, 3600.0, 60.0];
        assert_eq!(median_and_mad(&mut values), (60.0, 0.0));
    }

    #[test]
    fn entropy_of_uniform_symbols() {
        assert_eq!(entropy_bits_per_byte("aaaa"), 0.0);
        assert!((entropy_bits_per_byte("abcd") - 2.0).abs() < 1e-12);
        assert_eq!(entropy_bits_per_byte(""), 0.0);
    }
}
