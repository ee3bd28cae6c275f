//! Syslog times, and the year RFC 3164 leaves out.
//!
//! `Nov  7 09:05:01` has no year and no zone. The year is inferred from a
//! *reference time*, the moment the file was last written (its
//! modification time, which `logrotate` and `gzip` keep when they rotate
//! and compress it): each line gets the latest year that does not put it
//! more than a day after the reference. A file written until 3 January
//! therefore reads its `Dec 31` lines as the previous year and its `Jan 2`
//! lines as the current one — the December→January rollover needs no state
//! and survives lines out of order. `29 Feb` goes back to the latest leap
//! year. This is wrong only for a file whose lines span more than a year,
//! or whose modification time was changed after it was written (a copy
//! without `-p`); times with a year (RFC 3339, RFC 5424, `Mmm dd yyyy`)
//! are taken as written. A stream without a file (a pipe) uses the time of
//! reading as its reference.
//!
//! RFC 3164 times carry no zone either; they are reported as if they were
//! UTC, and the RFC 3339 times that do carry one are converted to UTC.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::time::{civil_from_days, days_from_civil, days_in_month, rfc3339_utc};

/// A line's time, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// A full time, in UTC.
    Utc {
        days: i64,
        second_of_day: u32,
        micros: u32,
    },
    /// An RFC 3164 time: month, day and time of day, no year.
    NoYear {
        month: u32,
        day: u32,
        second_of_day: u32,
    },
    /// RFC 5424's NILVALUE: the sender did not know the time.
    Nil,
}

/// Slack past the reference time a line may still be in, for clock skew
/// and the zone the RFC 3164 time was written in.
const SLACK_SECS: i64 = 86_400;

impl Stamp {
    /// A dated time; `offset_secs` is the zone's offset east of UTC.
    /// `None` for a date that does not exist.
    pub(crate) fn dated(
        year: i64,
        month: u32,
        day: u32,
        second_of_day: u32,
        micros: u32,
        offset_secs: i64,
    ) -> Option<Stamp> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let local = days_from_civil(year, month, day) * 86_400 + i64::from(second_of_day);
        let utc = local - offset_secs;
        Some(Stamp::Utc {
            days: utc.div_euclid(86_400),
            second_of_day: utc.rem_euclid(86_400) as u32,
            micros,
        })
    }

    /// RFC 3339 UTC text with microseconds; a time without a year is
    /// placed by `reference` (epoch seconds, see the module docs), and is
    /// `None` without one, as is a NILVALUE.
    pub(crate) fn rfc3339(self, reference: Option<i64>) -> Option<String> {
        match self {
            Stamp::Utc {
                days,
                second_of_day,
                micros,
            } => Some(rfc3339_utc(days, u64::from(second_of_day), micros, 6)),
            Stamp::NoYear {
                month,
                day,
                second_of_day,
            } => {
                let reference = reference?;
                let days = infer_days(month, day, second_of_day, reference)?;
                Some(rfc3339_utc(days, u64::from(second_of_day), 0, 6))
            }
            Stamp::Nil => None,
        }
    }
}

/// The day (since 1970-01-01) of `month`/`day` in the latest year that
/// keeps it no more than [`SLACK_SECS`] after `reference`.
fn infer_days(month: u32, day: u32, second_of_day: u32, reference: i64) -> Option<i64> {
    let (reference_year, _, _) = civil_from_days(reference.div_euclid(86_400));
    (0..8)
        .map(|back| reference_year - back)
        .filter(|&year| day <= days_in_month(year, month))
        .map(|year| days_from_civil(year, month, day))
        .find(|&days| days * 86_400 + i64::from(second_of_day) <= reference + SLACK_SECS)
}

/// Now, in epoch seconds: the reference of a stream that has no file.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Epoch seconds of a UTC date.
    fn at(year: i64, month: u32, day: u32) -> i64 {
        days_from_civil(year, month, day) * 86_400
    }

    fn place(month: u32, day: u32, reference: i64) -> Option<String> {
        Stamp::NoYear {
            month,
            day,
            second_of_day: 3600,
        }
        .rfc3339(Some(reference))
    }

    #[test]
    fn the_year_comes_from_the_reference_and_rolls_over_in_january() {
        let written = at(2026, 1, 3);
        assert_eq!(
            place(12, 31, written).as_deref(),
            Some("2025-12-31T01:00:00.000000Z")
        );
        assert_eq!(
            place(1, 2, written).as_deref(),
            Some("2026-01-02T01:00:00.000000Z")
        );
        // A day of slack: the file's last line may be a little after its mtime.
        assert_eq!(
            place(1, 3, written).as_deref(),
            Some("2026-01-03T01:00:00.000000Z")
        );
        assert_eq!(
            place(1, 4, written).as_deref(),
            Some("2025-01-04T01:00:00.000000Z")
        );
        assert_eq!(
            place(2, 29, written).as_deref(),
            Some("2024-02-29T01:00:00.000000Z")
        );
        assert_eq!(
            place(5, 1, written).as_deref(),
            Some("2025-05-01T01:00:00.000000Z")
        );
        assert_eq!(Stamp::Nil.rfc3339(Some(written)), None);
    }

    #[test]
    fn zones_are_converted_and_impossible_dates_refused() {
        let stamp = Stamp::dated(2026, 1, 1, 30 * 60, 0, 3600).unwrap();
        assert_eq!(
            stamp.rfc3339(None).as_deref(),
            Some("2025-12-31T23:30:00.000000Z")
        );
        assert_eq!(Stamp::dated(2025, 2, 29, 0, 0, 0), None);
        assert_eq!(Stamp::dated(2025, 13, 1, 0, 0, 0), None);
    }
}
