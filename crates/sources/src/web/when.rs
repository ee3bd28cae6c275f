//! Access-log times, to RFC 3339 UTC with milliseconds.
//!
//! Each dialect spells time its own way: IIS writes `date` and `time` in
//! UTC (always, whatever the server's zone), Apache and nginx the common
//! log format's `10/Oct/2000:13:55:36 -0700` in the server's local time
//! with its offset, nginx's JSON logs `$time_iso8601` with an offset or
//! `$msec` epoch seconds, Caddy epoch seconds (`ts`). All become UTC here;
//! a time that does not parse leaves the event without a timestamp rather
//! than with a wrong one.

use crate::time::rfc3339_utc;

/// IIS `date` (`2019-09-03`) and `time` (`10:13:36`, fractions allowed).
pub(crate) fn iis(date: &str, time: &str) -> Option<String> {
    let days = civil_date(date)?;
    let (second, millis) = clock(time)?;
    Some(rfc3339_utc(days, second, millis, 3))
}

/// The common log format's `10/Oct/2000:13:55:36 -0700`.
pub(crate) fn clf(text: &str) -> Option<String> {
    let (stamp, zone) = text.split_once(' ')?;
    let mut parts = stamp.splitn(3, '/');
    let day: u32 = parts.next()?.parse().ok()?;
    let month = month_number(parts.next()?)?;
    let (year, clock_text) = parts.next()?.split_once(':')?;
    let year: i64 = year.parse().ok()?;
    let days = days_from_civil(year, month, day)?;
    let (second, millis) = clock(clock_text)?;
    let offset = zone_offset(zone)?;
    Some(utc(days, second, millis, offset))
}

/// ISO 8601 with a zone: `2019-09-03T10:13:36+02:00`, `…36.5Z`.
pub(crate) fn iso(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() < 20 || !text.is_char_boundary(10) {
        return None;
    }
    let days = civil_date(&text[..10])?;
    if !matches!(text.as_bytes()[10], b'T' | b't' | b' ') {
        return None;
    }
    let rest = &text[11..];
    let (clock_text, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        (&rest[..at], zone_offset(&rest[at..])?)
    };
    let (second, millis) = clock(clock_text)?;
    Some(utc(days, second, millis, offset))
}

/// Seconds since the epoch (`1567505616.123`).
pub(crate) fn epoch(seconds: f64) -> Option<String> {
    if !seconds.is_finite() || !(0.0..253_402_300_800.0).contains(&seconds) {
        return None;
    }
    let millis = (seconds * 1000.0).round() as i64;
    let (secs, frac) = (millis.div_euclid(1000), millis.rem_euclid(1000));
    Some(rfc3339_utc(
        secs.div_euclid(86_400),
        secs.rem_euclid(86_400) as u64,
        frac as u32,
        3,
    ))
}

/// A local time `days`/`second`/`millis` at `offset` seconds east of UTC.
fn utc(days: i64, second: u64, millis: u32, offset: i64) -> String {
    let total = days * 86_400 + second as i64 - offset;
    rfc3339_utc(
        total.div_euclid(86_400),
        total.rem_euclid(86_400) as u64,
        millis,
        3,
    )
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn civil_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    days_from_civil(
        text[..4].parse().ok()?,
        text[5..7].parse().ok()?,
        text[8..10].parse().ok()?,
    )
}

/// `HH:MM:SS[.fff…]` as the second of the day and milliseconds.
fn clock(text: &str) -> Option<(u64, u32)> {
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let mut parts = whole.split(':');
    let mut next = |max: u64| -> Option<u64> {
        let part = parts.next()?;
        if part.len() != 2 {
            return None;
        }
        part.parse().ok().filter(|&v| v <= max)
    };
    let (h, m, s) = (next(23)?, next(59)?, next(60)?);
    let millis = match fraction {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let digits: String = f.chars().chain("000".chars()).take(3).collect();
            digits.parse().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    Some((h * 3600 + m * 60 + s.min(59), millis))
}

/// `-0700`, `+02:00`, `Z` as seconds east of UTC.
fn zone_offset(text: &str) -> Option<i64> {
    if text.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = text[1..].chars().filter(|&c| c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = digits[2..].parse().ok()?;
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3600 + minutes * 60))
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

/// Days since 1970-01-01 of a calendar date ([`crate::time::days_from_civil`]),
/// checked first: `None` for a day that does not exist or a year outside
/// 0000–9999, which a log line can claim and a calendar cannot hold.
fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(0..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let leap_day = u32::from(month == 2 && crate::time::is_leap_year(year));
    if day == 0 || day > MONTH_DAYS[month as usize - 1] + leap_day {
        return None;
    }
    Some(crate::time::days_from_civil(year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_becomes_utc() {
        assert_eq!(
            iis("2019-09-03", "10:13:36").as_deref(),
            Some("2019-09-03T10:13:36.000Z")
        );
        assert_eq!(
            clf("10/Oct/2000:13:55:36 -0700").as_deref(),
            Some("2000-10-10T20:55:36.000Z")
        );
        assert_eq!(
            clf("01/Jan/2024:00:30:00 +0100").as_deref(),
            Some("2023-12-31T23:30:00.000Z")
        );
        assert_eq!(
            iso("2024-02-29T10:00:00.25+02:00").as_deref(),
            Some("2024-02-29T08:00:00.250Z")
        );
        assert_eq!(
            iso("2024-02-29T10:00:00Z").as_deref(),
            Some("2024-02-29T10:00:00.000Z")
        );
        assert_eq!(
            epoch(1_567_505_616.123_4).as_deref(),
            Some("2019-09-03T10:13:36.123Z")
        );
    }

    #[test]
    fn impossible_times_are_none() {
        assert_eq!(iis("2019-02-30", "10:00:00"), None);
        assert_eq!(iis("2019-09-03", "25:00:00"), None);
        assert_eq!(clf("10/Foo/2000:13:55:36 -0700"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36"), None);
        assert_eq!(iso("2024-02-29T10:00:00"), None);
        assert_eq!(iso("2024-02-29T10:00:00+99:00"), None);
        assert_eq!(epoch(f64::NAN), None);
        assert_eq!(epoch(-1.0), None);
    }

    #[test]
    fn days_round_trip_with_the_calendar_of_crate_time() {
        for days in [-719_468, -1, 0, 11_016, 18_000, 2_932_896] {
            let text = rfc3339_utc(days, 0, 0, 3);
            assert_eq!(civil_date(&text[..10]), Some(days), "{text}");
        }
    }
}
