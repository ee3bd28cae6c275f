//! One syslog line cut into its parts: priority, time, host, program, pid,
//! (RFC 5424) message id and structured data, and the message.
//!
//! Three spellings reach files: RFC 3164's `Mmm dd hh:mm:ss host tag:`
//! (what `/var/log/auth.log`, `/var/log/secure` and `/var/log/syslog` hold
//! with rsyslog's traditional file format, some devices adding a year after
//! the day), the same with an RFC 3339 time (rsyslog's
//! `RSYSLOG_FileFormat`, the default of newer Debian and Ubuntu), and RFC
//! 5424 (`<PRI>1 TIME HOST APP PROCID MSGID [SD] MSG`, what a collector
//! writes when it keeps the network form). RFC 3164 lines may keep the
//! `<PRI>` they arrived with. Only the RFC 3164 time lacks a year; it is
//! resolved by [`super::clock`].

use super::clock::Stamp;

/// The parts of one line. The message is the rest of the line after the
/// tag (RFC 3164) or the structured data (RFC 5424), a UTF-8 byte-order
/// mark removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    /// `<PRI>`: facility × 8 + severity.
    pub pri: Option<u8>,
    pub stamp: Stamp,
    pub host: Option<&'a str>,
    pub program: Option<&'a str>,
    pub pid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    pub structured: Structured,
    pub message: &'a str,
}

/// RFC 5424 structured data as (`SD-ID.PARAM`, value), unescaped.
pub(crate) type Structured = Vec<(String, String)>;

/// Why a line is not a syslog line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    /// No time in any of the spellings read at the start of the line.
    NoTimestamp,
    /// A time, then no host and tag.
    NoHost,
    /// RFC 5424 structured data that does not close.
    BadStructuredData,
}

impl Problem {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Problem::NoTimestamp => {
                "no syslog time (`Mmm dd hh:mm:ss`, RFC 3339, or `<PRI>1 ` and RFC 5424) at its start"
            }
            Problem::NoHost => "no host name after the time",
            Problem::BadStructuredData => "RFC 5424 structured data not closed by `]`",
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Cut `line` into its parts.
pub(crate) fn parse(line: &str) -> Result<Header<'_>, Problem> {
    let (pri, rest) = priority(line);
    if let Some(after) = rest.strip_prefix("1 ")
        && pri.is_some()
    {
        return rfc5424(pri, after);
    }
    let (stamp, rest) = rfc3164_stamp(rest)
        .or_else(|| iso_stamp(rest))
        .ok_or(Problem::NoTimestamp)?;
    let rest = rest.strip_prefix(' ').ok_or(Problem::NoHost)?;
    let rest = rest.trim_start_matches(' ');
    let (host, rest) = rest.split_once(' ').ok_or(Problem::NoHost)?;
    if host.is_empty() {
        return Err(Problem::NoHost);
    }
    let (program, pid, message) = tag(rest);
    Ok(Header {
        pri,
        stamp,
        host: Some(host),
        program,
        pid,
        msgid: None,
        structured: Vec::new(),
        message,
    })
}

/// `<N>` with N in 0..=191 at the start, and what follows it.
fn priority(line: &str) -> (Option<u8>, &str) {
    let Some(rest) = line.strip_prefix('<') else {
        return (None, line);
    };
    let Some((digits, after)) = rest.split_once('>') else {
        return (None, line);
    };
    match digits.parse::<u8>() {
        Ok(n) if n <= 191 && (1..=3).contains(&digits.len()) => (Some(n), after),
        _ => (None, line),
    }
}

/// `Mmm dd hh:mm:ss` or `Mmm dd yyyy hh:mm:ss` (the day space-padded or
/// not), and what follows.
fn rfc3164_stamp(text: &str) -> Option<(Stamp, &str)> {
    let month = MONTHS.iter().position(|m| text.starts_with(m))? as u32 + 1;
    let rest = text.get(3..)?.strip_prefix(' ')?.trim_start_matches(' ');
    let (day, rest) = number(rest, 1, 2)?;
    let rest = rest.strip_prefix(' ')?;
    let (year, rest) = match number(rest, 4, 4) {
        Some((year, after)) if after.starts_with(' ') => (Some(i64::from(year)), &after[1..]),
        _ => (None, rest),
    };
    let (second_of_day, rest) = clock_time(rest)?;
    if !(1..=31).contains(&day) {
        return None;
    }
    let stamp = match year {
        Some(year) => Stamp::dated(year, month, day, second_of_day, 0, 0)?,
        None => Stamp::NoYear {
            month,
            day,
            second_of_day,
        },
    };
    Some((stamp, rest))
}

/// `hh:mm:ss` and what follows.
fn clock_time(text: &str) -> Option<(u32, &str)> {
    let (h, rest) = number(text, 2, 2)?;
    let (m, rest) = number(rest.strip_prefix(':')?, 2, 2)?;
    let (s, rest) = number(rest.strip_prefix(':')?, 2, 2)?;
    (h < 24 && m < 60 && s < 61).then_some((h * 3600 + m * 60 + s.min(59), rest))
}

/// RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`) and what follows; a
/// time without a zone is taken as UTC.
pub(crate) fn iso_stamp(text: &str) -> Option<(Stamp, &str)> {
    let (year, rest) = number(text, 4, 4)?;
    let (month, rest) = number(rest.strip_prefix('-')?, 2, 2)?;
    let (day, rest) = number(rest.strip_prefix('-')?, 2, 2)?;
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let (second_of_day, mut rest) = clock_time(rest)?;
    let mut micros = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let kept = &frac[..digits.min(6)];
        micros = kept.parse::<u32>().ok()? * 10u32.pow(6 - kept.len() as u32);
        rest = &frac[digits..];
    }
    let mut offset = 0i64;
    if let Some(after) = rest.strip_prefix('Z') {
        rest = after;
    } else if let Some(sign) = rest.chars().next().filter(|c| *c == '+' || *c == '-') {
        let (h, after) = number(&rest[1..], 2, 2)?;
        let (m, after) = number(after.strip_prefix(':').unwrap_or(after), 2, 2)?;
        offset = i64::from(h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
        rest = after;
    }
    let stamp = Stamp::dated(i64::from(year), month, day, second_of_day, micros, offset)?;
    Some((stamp, rest))
}

/// An unsigned decimal of `min..=max` digits at the start of `text`.
fn number(text: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = text
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if n < min {
        return None;
    }
    Some((text[..n].parse().ok()?, &text[n..]))
}

/// The RFC 3164 tag, `program[pid]: ` or `program: `, and the message; a
/// line whose first word does not end the tag has no program.
fn tag(text: &str) -> (Option<&str>, Option<&str>, &str) {
    let word_end = text.find(' ').unwrap_or(text.len());
    let word = &text[..word_end];
    let Some(tag) = word.strip_suffix(':') else {
        return (None, None, text);
    };
    let message = text[word_end..].strip_prefix(' ').unwrap_or("");
    match tag.split_once('[') {
        Some((program, pid)) if pid.ends_with(']') && !program.is_empty() => {
            (Some(program), Some(&pid[..pid.len() - 1]), message)
        }
        _ if !tag.is_empty() => (Some(tag), None, message),
        _ => (None, None, text),
    }
}

/// The rest of an RFC 5424 line after `<PRI>1 `.
fn rfc5424(pri: Option<u8>, text: &str) -> Result<Header<'_>, Problem> {
    let mut fields = text.splitn(5, ' ');
    let mut next = || fields.next().ok_or(Problem::NoHost);
    let time = next()?;
    let stamp = if time == "-" {
        Stamp::Nil
    } else {
        match iso_stamp(time) {
            Some((stamp, "")) => stamp,
            _ => return Err(Problem::NoTimestamp),
        }
    };
    let host = nil(next()?);
    let program = nil(next()?);
    let pid = nil(next()?);
    let rest = next()?;
    let (msgid, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let (structured, rest) = structured_data(rest)?;
    let message = rest.strip_prefix(' ').unwrap_or(rest);
    let message = message.strip_prefix('\u{feff}').unwrap_or(message);
    Ok(Header {
        pri,
        stamp,
        host,
        program,
        pid,
        msgid: nil(msgid),
        structured,
        message,
    })
}

/// A header field, `None` for RFC 5424's NILVALUE `-`.
fn nil(field: &str) -> Option<&str> {
    (field != "-").then_some(field)
}

/// `-`, or `[SD-ID PARAM="value" …]…` with `\"`, `\\` and `\]` escapes.
fn structured_data(text: &str) -> Result<(Structured, &str), Problem> {
    if let Some(rest) = text.strip_prefix('-') {
        return Ok((Vec::new(), rest));
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(element) = rest.strip_prefix('[') {
        let id_end = element.find([' ', ']']).ok_or(Problem::BadStructuredData)?;
        let id = &element[..id_end];
        rest = &element[id_end..];
        loop {
            rest = rest.trim_start_matches(' ');
            if let Some(after) = rest.strip_prefix(']') {
                rest = after;
                break;
            }
            let (name, after) = rest.split_once("=\"").ok_or(Problem::BadStructuredData)?;
            let (value, after) = quoted(after).ok_or(Problem::BadStructuredData)?;
            out.push((format!("{id}.{name}"), value));
            rest = after;
        }
    }
    Ok((out, rest))
}

/// A PARAM-VALUE up to its closing quote, unescaped, and what follows.
fn quoted(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[i + 1..])),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\' | ']'))) => value.push(e),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => return None,
            },
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3164_with_and_without_year_and_priority() {
        let h = parse("Nov  7 09:05:01 bastion sshd[811]: Accepted publickey for ops").unwrap();
        assert_eq!(
            h.stamp,
            Stamp::NoYear {
                month: 11,
                day: 7,
                second_of_day: 9 * 3600 + 5 * 60 + 1
            }
        );
        assert_eq!(
            (h.host, h.program, h.pid, h.message),
            (
                Some("bastion"),
                Some("sshd"),
                Some("811"),
                "Accepted publickey for ops"
            )
        );
        let h = parse("<38>Dec 31 2025 23:59:59 gw CRON: x").unwrap();
        assert_eq!(h.pri, Some(38));
        assert!(matches!(h.stamp, Stamp::Utc { .. }));
        assert_eq!((h.program, h.pid), (Some("CRON"), None));
        let h = parse("Jan 01 00:00:00 host -- MARK --").unwrap();
        assert_eq!((h.program, h.message), (None, "-- MARK --"));
    }

    #[test]
    fn rfc3339_file_format() {
        let h = parse("2026-11-23T08:30:02.515123+01:00 web01 sudo:   ops : TTY=pts/0").unwrap();
        assert_eq!(
            h.stamp.rfc3339(None).as_deref(),
            Some("2026-11-23T07:30:02.515123Z")
        );
        assert_eq!((h.program, h.message), (Some("sudo"), "  ops : TTY=pts/0"));
    }

    #[test]
    fn rfc5424_structured_data_bom_and_nil() {
        let line = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 \
                    [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"lication\"][x@1 a=\"]\"] \u{feff}An application event";
        let h = parse(line).unwrap();
        assert_eq!(h.host, Some("mymachine.example.com"));
        assert_eq!(
            (h.program, h.pid, h.msgid),
            (Some("evntslog"), None, Some("ID47"))
        );
        assert_eq!(h.structured[1].1, "App\"lication");
        assert_eq!(h.structured[2], ("x@1.a".to_owned(), "]".to_owned()));
        assert_eq!(h.message, "An application event");
        let h = parse("<13>1 - - - - - -").unwrap();
        assert_eq!((h.stamp, h.host, h.message), (Stamp::Nil, None, ""));
        assert_eq!(
            parse("<13>1 - h a p m [x a=\"b\""),
            Err(Problem::BadStructuredData)
        );
    }

    #[test]
    fn refuses_what_is_not_syslog() {
        for line in [
            "",
            "hello world",
            "Nov 7 host x",
            "Foo  7 09:05:01 h p: m",
            "Nov 7 25:00:00 h p: m",
        ] {
            assert_eq!(parse(line), Err(Problem::NoTimestamp), "{line}");
        }
        assert_eq!(parse("Nov  7 09:05:01"), Err(Problem::NoHost));
    }
}
