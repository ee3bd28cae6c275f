//! An exact running sum of `f64`s that supports removal.
//!
//! A sliding `value_sum` adds each number when it enters the window and
//! subtracts it when it leaves. With ordinary floating point the residue
//! of those subtractions drifts (0.1 + 0.2 − 0.1 ≠ 0.2), so the streaming
//! figure would differ from the sum of the window's numbers, and an `eq`
//! condition could flip. Every finite `f64` is an integer multiple of
//! 2⁻¹⁰⁷⁴, so the sum is kept exactly as one big integer in 32-bit digits
//! (a "superaccumulator", as in Neal's xsum) and rounded to the nearest
//! `f64` only when read: the figure is the correctly rounded exact sum,
//! whatever the order of additions and removals.
//!
//! Written here because the crates that do this were wrong where it
//! matters: `xsum` 0.1.6 returns −2.0000000000000004 for the sum of the
//! single number −2, and `accurate` 0.4.1's online exact sum panics on
//! 1e308 + 1e308 − 1e308.

/// Digits of 32 bits over 2⁻¹⁰⁷⁴ … 2¹⁰²⁴ (2,098 bits) and room for carries
/// from billions of additions.
const DIGITS: usize = 68;
const DIGIT_BITS: u32 = 32;
/// Each addition changes a digit by less than 2³²; an `i64` digit holds
/// 2³⁰ of them before carries must be propagated.
const ADDS_BETWEEN_CARRIES: u32 = 1 << 30;

#[derive(Debug, Clone)]
pub(crate) struct ExactSum {
    /// The sum in units of 2⁻¹⁰⁷⁴, little-endian, each digit signed and
    /// not yet normalised.
    digits: Box<[i64; DIGITS]>,
    adds_until_carry: u32,
}

impl Default for ExactSum {
    fn default() -> ExactSum {
        ExactSum {
            digits: Box::new([0; DIGITS]),
            adds_until_carry: ADDS_BETWEEN_CARRIES,
        }
    }
}

impl ExactSum {
    /// Add a finite number (non-finite numbers are the caller's to refuse).
    pub(crate) fn add(&mut self, number: f64) {
        self.add_signed(number, 1);
    }

    /// Remove a number added earlier: exactly undoes [`ExactSum::add`].
    pub(crate) fn subtract(&mut self, number: f64) {
        self.add_signed(number, -1);
    }

    fn add_signed(&mut self, number: f64, sign: i64) {
        if !number.is_finite() || number == 0.0 {
            return;
        }
        if self.adds_until_carry == 0 {
            propagate(&mut self.digits);
            self.adds_until_carry = ADDS_BETWEEN_CARRIES;
        }
        self.adds_until_carry -= 1;
        let bits = number.to_bits();
        let sign = if bits >> 63 == 1 { -sign } else { sign };
        let exponent = ((bits >> 52) & 0x7ff) as u32;
        let fraction = bits & ((1 << 52) - 1);
        // value = mantissa · 2^(shift − 1074)
        let (mantissa, shift) = if exponent == 0 {
            (fraction, 0)
        } else {
            (fraction | (1 << 52), exponent - 1)
        };
        let index = (shift / DIGIT_BITS) as usize;
        let spread = u128::from(mantissa) << (shift % DIGIT_BITS);
        for offset in 0..3 {
            let digit = ((spread >> (DIGIT_BITS * offset as u32)) & 0xffff_ffff) as i64;
            self.digits[index + offset] += sign * digit;
        }
    }

    /// The exact sum, rounded to the nearest `f64` (ties to even).
    pub(crate) fn value(&self) -> f64 {
        let mut digits = *self.digits;
        propagate(&mut digits);
        let negative = digits
            .iter()
            .rev()
            .find(|&&d| d != 0)
            .is_some_and(|&d| d < 0);
        if negative {
            for digit in digits.iter_mut() {
                *digit = -*digit;
            }
            propagate(&mut digits);
        }
        let Some(top) = digits.iter().rposition(|&d| d != 0) else {
            return 0.0;
        };
        // The top three digits hold at least 65 significant bits; any
        // nonzero digit below them only decides rounding, so it is folded
        // into the lowest bit (a sticky bit).
        let low = top.saturating_sub(2);
        let mut head: u128 = 0;
        for index in (low..=top).rev() {
            head = (head << DIGIT_BITS) | digits[index] as u128;
        }
        if digits[..low].iter().any(|&d| d != 0) {
            head |= 1;
        }
        let magnitude = head as f64 * power_of_two(DIGIT_BITS as i32 * low as i32 - 1074);
        if negative { -magnitude } else { magnitude }
    }
}

/// Normalise every digit but the last to 0 ≤ d < 2³², carrying upwards.
fn propagate(digits: &mut [i64; DIGITS]) {
    for index in 0..DIGITS - 1 {
        let carry = digits[index] >> DIGIT_BITS;
        digits[index] -= carry << DIGIT_BITS;
        digits[index + 1] += carry;
    }
}

/// 2^exponent for −1074 ≤ exponent ≤ 1023, exactly (subnormal below
/// −1022).
fn power_of_two(exponent: i32) -> f64 {
    if exponent >= -1022 {
        f64::from_bits(((exponent + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (exponent + 1074))
    }
}

#[cfg(test)]
mod tests {
    use super::ExactSum;

    fn sum(adds: &[f64], subtracts: &[f64]) -> f64 {
        let mut total = ExactSum::default();
        adds.iter().for_each(|&n| total.add(n));
        subtracts.iter().for_each(|&n| total.subtract(n));
        total.value()
    }

    #[test]
    fn single_numbers_are_themselves() {
        for number in [
            -2.0,
            2.0,
            -0.5,
            0.1,
            -0.1,
            1e308,
            -1e308,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            123_456.789,
            f64::MAX,
        ] {
            assert_eq!(sum(&[number], &[]), number, "{number}");
        }
        assert_eq!(sum(&[], &[]), 0.0);
    }

    #[test]
    fn removal_leaves_no_residue() {
        assert_eq!(sum(&[0.1, 0.2, 0.3], &[0.1, 0.3]), 0.2);
        assert_eq!(sum(&[1e308, 1e308], &[1e308]), 1e308);
        assert_eq!(sum(&[1.0, 1e-300], &[1.0]), 1e-300);
        let many: Vec<f64> = (0..10_000).map(|i| i as f64 * 0.37).collect();
        assert_eq!(sum(&[&many[..], &[5.5]].concat(), &many), 5.5);
    }

    #[test]
    fn rounds_the_exact_sum_to_nearest() {
        // 1 + 2⁻⁵³ is a tie between 1 and its successor: ties go to even.
        assert_eq!(sum(&[1.0, 2f64.powi(-53)], &[]), 1.0);
        // A third of an ulp more breaks the tie upwards.
        assert_eq!(
            sum(&[1.0, 2f64.powi(-53), 2f64.powi(-60)], &[]),
            1.0 + f64::EPSILON
        );
        assert_eq!(
            sum(&[-1.0, -(2f64.powi(-53)), -(2f64.powi(-60))], &[]),
            -1.0 - f64::EPSILON
        );
        assert_eq!(sum(&[f64::MAX, f64::MAX], &[]), f64::INFINITY);
        assert_eq!(sum(&[0.1; 10], &[]), 1.0);
        assert_eq!(sum(&[1.0, -3.0], &[]), -2.0);
    }
}
