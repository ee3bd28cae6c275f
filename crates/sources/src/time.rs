//! Timestamps, normalized to RFC 3339 UTC for every source.
//!
//! Alerts carry one timestamp form whatever the input, so each reader turns
//! its own spelling into RFC 3339 UTC here rather than in its own module:
//! Windows `SystemTime` and ISO 8601 text ([`normalize_timestamp`], for the
//! evtx JSON shape, EVTX, XML, ECS and Defender for Endpoint), and epoch
//! seconds (auditd's `msg=audit(SECS.MILLIS:…)`, Zeek's `ts`) through
//! [`rfc3339_utc`]. No date library: the one calendar computation needed is
//! Howard Hinnant's `civil_from_days`, a dozen lines.

use std::borrow::Cow;

/// `2024-01-02T03:04:05.123Z` stays as is; `2024-01-02 03:04:05.123 UTC`
/// and zone-less forms (EVTX `SystemTime` is UTC by definition) become
/// RFC 3339 with a `Z`.
pub fn normalize_timestamp(text: &str) -> Cow<'_, str> {
    let t = text.trim();
    let bytes = t.as_bytes();
    let date_time = bytes.len() >= 19
        && bytes[..19].is_ascii()
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b'T' | b' ')
        && bytes[13] == b':';
    if !date_time {
        return Cow::Borrowed(text);
    }
    let body = t.strip_suffix(" UTC").unwrap_or(t);
    let zoned = body.ends_with('Z') || {
        let tail = &body[19..];
        tail.contains('+') || tail.contains('-')
    };
    if bytes[10] == b'T' && zoned && body.len() == t.len() && t.len() == text.len() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(body.len() + 1);
    out.push_str(&body[..10]);
    out.push('T');
    out.push_str(&body[11..]);
    if !zoned {
        out.push('Z');
    }
    Cow::Owned(out)
}

/// `YYYY-MM-DDTHH:MM:SS.fffZ` for a day count since 1970-01-01, the second
/// of that day, and a fraction of a second written with `digits` digits
/// (3 for milliseconds, 6 for microseconds).
pub(crate) fn rfc3339_utc(days: i64, second_of_day: u64, fraction: u32, digits: usize) -> String {
    let (year, month, day) = civil_from_days(days);
    let rem = second_of_day;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{fraction:0digits$}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Day count since 1970-01-01 of a proleptic Gregorian date (Howard
/// Hinnant's `days_from_civil`, the inverse of [`civil_from_days`]); the
/// syslog and journald readers compute epoch times from calendar dates.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether `year` has a 29 February.
pub(crate) fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// How many days `month` of `year` has.
pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// RFC 3339 UTC text of an epoch time in microseconds (journald's
/// `__REALTIME_TIMESTAMP`), with microseconds.
pub(crate) fn rfc3339_from_micros(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000) as u32;
    rfc3339_utc(
        secs.div_euclid(86_400),
        secs.rem_euclid(86_400) as u64,
        fraction,
        6,
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_from_civil_inverts_civil_from_days() {
        for days in [-800_000, -1, 0, 59, 60, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(
            rfc3339_from_micros(1_700_000_000_123_456),
            "2023-11-14T22:13:20.123456Z"
        );
    }

    #[test]
    fn days_and_seconds_become_rfc3339() {
        assert_eq!(rfc3339_utc(0, 0, 0, 3), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(11_016, 0, 5, 6), "2000-02-29T00:00:00.000005Z");
        assert_eq!(rfc3339_utc(-1, 86_399, 0, 6), "1969-12-31T23:59:59.000000Z");
    }
}
