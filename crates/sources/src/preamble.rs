//! Records after a preamble: text before the first record must not hide a
//! file.
//!
//! [`detect`] decides a file's format from its first 16 KiB and at most 16
//! line starts there. Sixteen lines of text (or one 16 KiB line) before the
//! records — a tool's banner, a PowerShell transcript header, a command
//! echo, or an attacker's padding — made the whole file "unrecognised" and
//! skipped it, exit 0 (issue 15, defect 4). So when those 16 KiB are
//! unrecognised text:
//!
//! * **the first [`PREAMBLE_LEN`] bytes (1 MiB) are searched**, every line
//!   start in turn, with the same per-line checks as [`detect`]. A line
//!   from which the text is in a format read decides the format, and the
//!   file is read from its start: the preamble's lines are unparseable
//!   records, each reported and counted (exit 3), and every record after
//!   them is read.
//! * **past 1 MiB, the rest of the file is searched** the same way,
//!   streaming one block at a time, but not read: a file whose records
//!   start that far in is reported as not read, with the byte offset where
//!   they start (an unreadable file, exit 3), never skipped in silence.
//!   Without records it is skipped as unrecognised, as before.
//!
//! Why 1 MiB: the head is held in memory while a file is opened and then
//! replayed into its reader, once per scanning thread, so it must stay
//! small; a preamble a tool writes is a few lines, and 1 MiB is 64 times
//! what detection looked at before. Beyond it nothing is lost in silence,
//! only the reading is left to the user (cut the preamble off, scan
//! again).
//!
//! Both searches are linear in the bytes searched: a line that cannot
//! start records in any format (see `may_start_records`) costs one pass;
//! each other line start is checked on its own line (and, for a line that opens a JSON value, on
//! at most 16 KiB after it); ECS and Defender documents pretty-printed
//! over several lines are looked for at the first [`JSON_OPENERS`] lines
//! per block that hold nothing but `{` or `[`, because each such check
//! reads 16 KiB.
//!
//! A head that is not text (a NUL byte, or not UTF-8, in its first
//! 16 KiB: an executable, an image, a database) is not searched: it is not
//! a text log with a preamble, and a triage folder holds many such files,
//! each of which a search would read whole.

use std::io::{self, Read};

use crate::detect::{self, SNIFF_LEN};
use crate::format::Format;

/// How far into a file records after a preamble are found and read.
pub const PREAMBLE_LEN: usize = 1 << 20;

/// Lines holding only `{` or `[` checked per block for a pretty-printed
/// ECS or Defender document.
const JSON_OPENERS: usize = 64;

/// Where records start after a preamble, and in which format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Byte offset of the line the records start on.
    pub offset: u64,
    pub format: Format,
}

/// Whether an unrecognised head is text, so worth searching for records
/// after a preamble. The last few bytes may be a UTF-8 sequence that the
/// head cuts in two.
pub(crate) fn is_text(head: &[u8]) -> bool {
    let head = &head[..head.len().min(SNIFF_LEN)];
    if memchr::memchr(0, head).is_some() {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// What an unrecognised input holds after a preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Beyond {
    /// Records in this format start within the first [`PREAMBLE_LEN`]
    /// bytes: read the input from its start in it.
    Read(Format),
    /// Records start further in: report the input as not read.
    NotRead(Found),
    /// No records (or not text): skip it as unrecognised.
    Nothing,
}

/// Look past a preamble: `head` holds the input's first bytes, which
/// [`detect::detect`] did not recognise, `rest` yields what follows. On
/// [`Beyond::Read`], `head` holds up to [`PREAMBLE_LEN`] bytes, to be
/// replayed before `rest`; otherwise `rest` may have been read to its end.
pub(crate) fn look_beyond(head: &mut Vec<u8>, rest: &mut impl Read) -> io::Result<Beyond> {
    if !is_text(head) {
        return Ok(Beyond::Nothing);
    }
    let more = PREAMBLE_LEN.saturating_sub(head.len()) as u64;
    rest.by_ref().take(more).read_to_end(head)?;
    let whole = head.len() < PREAMBLE_LEN;
    let (limit, _) = checkable(head, whole);
    if let Some(found) = first_records(head, limit, 0, whole) {
        return Ok(Beyond::Read(found.format));
    }
    if whole {
        return Ok(Beyond::Nothing);
    }
    let unchecked = std::io::Cursor::new(head[limit..].to_vec());
    Ok(
        match search_rest(&mut unchecked.chain(rest), limit as u64)? {
            Some(found) => Beyond::NotRead(found),
            None => Beyond::Nothing,
        },
    )
}

/// How much of `text` (from a line start) can be checked now: every line
/// start at the end of the input (`whole`); otherwise all but a last line
/// shorter than a window, which is checked once more text has come. Also
/// whether that last line is longer than a window (checked now, on its
/// first 16 KiB).
fn checkable(text: &[u8], whole: bool) -> (usize, bool) {
    let last_start = memchr::memrchr(b'\n', text).map_or(0, |end| end + 1);
    let long_last = !whole && text.len() - last_start >= SNIFF_LEN;
    if whole || long_last {
        (text.len(), long_last)
    } else {
        (last_start, false)
    }
}

/// The first line start in `text[..limit]` from which the text is in a
/// format read; `text` starts at a line start, at byte `base` of the file.
/// Each line start is checked on the text after it (up to 16 KiB), which
/// may go past `limit`. `whole` when `text` runs to the end of the input.
pub(crate) fn first_records(text: &[u8], limit: usize, base: u64, whole: bool) -> Option<Found> {
    let mut openers = JSON_OPENERS;
    let mut start = 0;
    while start < limit {
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        let line = text[start..end].trim_ascii();
        if may_start_records(line) {
            let window_end = (start + SNIFF_LEN).min(text.len());
            let window = &text[start..window_end];
            let window_whole = whole && window_end == text.len();
            let opener = line == b"{" || line == b"[";
            let format = detect::sniff_line_start(window, window_whole)
                .or_else(|| crate::mde::is_csv_header(line).then_some(Format::MdeCsv))
                .or_else(|| crate::siem_export::sniff_csv_header(line))
                .or_else(|| {
                    if opener {
                        openers = openers.checked_sub(1)?;
                        detect::ecs_or_mde(window)
                    } else if matches!(line.first(), Some(b'{' | b'[')) {
                        detect::ecs_or_mde(line)
                    } else {
                        None
                    }
                });
            if let Some(format) = format {
                return Some(Found {
                    offset: base + start as u64,
                    format,
                });
            }
        }
        start = end + 1;
    }
    None
}

/// Whether `line` (trimmed) could start records in some format read: what
/// every sniffer needs first (an opening `{`, `[`, `<` or `#`, an audit
/// header, an `<Event` element after a syslog prefix, Defender's `Device…`
/// columns), so that ordinary text lines cost one pass each.
fn may_start_records(line: &[u8]) -> bool {
    let has = |needle: &[u8]| memchr::memmem::find(line, needle).is_some();
    match line.first() {
        None => false,
        Some(b'{' | b'[' | b'<' | b'#') => true,
        Some(_) => has(b"msg=audit(") || has(b"<Event") || has(b"Device"),
    }
}

/// Search the rest of an input, `rest`, which starts at byte `base` (a
/// line start), for records after a preamble; memory: one block of
/// [`PREAMBLE_LEN`] and one 16 KiB window.
pub(crate) fn search_rest(rest: &mut impl Read, mut base: u64) -> io::Result<Option<Found>> {
    // Text from a line start at byte `base` — or, when `in_long_line`, from
    // inside a line longer than a window, whose start was checked already.
    let mut text: Vec<u8> = Vec::with_capacity(PREAMBLE_LEN + SNIFF_LEN);
    let mut in_long_line = false;
    loop {
        let got = rest
            .by_ref()
            .take(PREAMBLE_LEN as u64)
            .read_to_end(&mut text)?;
        let whole = got < PREAMBLE_LEN;
        if in_long_line {
            let Some(end) = memchr::memchr(b'\n', &text) else {
                base += text.len() as u64;
                text.clear();
                if whole {
                    return Ok(None);
                }
                continue;
            };
            text.drain(..=end);
            base += end as u64 + 1;
            in_long_line = false;
        }
        let (limit, long_last) = checkable(&text, whole);
        if let Some(found) = first_records(&text, limit, base, whole) {
            return Ok(Some(found));
        }
        if whole {
            return Ok(None);
        }
        text.drain(..limit);
        base += limit as u64;
        if long_last {
            base += text.len() as u64;
            text.clear();
            in_long_line = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    const EVENT: &str =
        r#"{"Event":{"System":{"EventID":1},"EventData":{"Image":"C:\\x\\ssh.exe"}}}"#;

    fn search(text: &[u8]) -> Option<Found> {
        search_rest(&mut Cursor::new(text.to_vec()), 0).unwrap()
    }

    #[test]
    fn records_are_found_after_lines_of_text() {
        for lines in [0, 1, 15, 16, 1000, 100_000] {
            let text = format!("{}{EVENT}\n", "some banner text\n".repeat(lines));
            let want = Found {
                offset: 17 * lines as u64,
                format: Format::EvtxJson,
            };
            assert_eq!(
                first_records(text.as_bytes(), text.len(), 0, true),
                Some(want)
            );
            assert_eq!(search(text.as_bytes()), Some(want), "{lines} lines");
        }
    }

    #[test]
    fn records_are_found_after_one_long_line() {
        for len in [
            SNIFF_LEN,
            PREAMBLE_LEN - 1,
            PREAMBLE_LEN,
            3 * PREAMBLE_LEN + 7,
        ] {
            let text = format!("{}\n{EVENT}\n", "x".repeat(len));
            let found = search(text.as_bytes()).unwrap();
            assert_eq!(found.offset, len as u64 + 1, "a {len}-byte line");
        }
    }

    #[test]
    fn every_format_is_found_after_a_preamble() {
        let cases: [(&str, Format); 6] = [
            ("#separator \\x09\n#fields\tts\n", Format::ZeekTsv),
            (
                "type=EXECVE msg=audit(1700000000.000:1): argc=1 a0=\"ssh\"\n",
                Format::Auditd,
            ),
            (
                "<Event xmlns='x'><System><EventID>1</EventID></System></Event>\n",
                Format::XmlEvents,
            ),
            (
                "{\"winlog\":{\"channel\":\"Security\"},\"event\":{\"code\":\"4688\"}}\n",
                Format::Ecs,
            ),
            (
                "{\n  \"winlog\": {\"channel\": \"Security\"}\n}\n",
                Format::Ecs,
            ),
            (
                "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine\n",
                Format::MdeCsv,
            ),
        ];
        for (records, format) in cases {
            let text = format!("{}{records}", "banner\n".repeat(20));
            let found = search(text.as_bytes());
            assert_eq!(
                found,
                Some(Found {
                    offset: 140,
                    format
                }),
                "{records}"
            );
        }
    }

    #[test]
    fn text_without_records_is_not_found() {
        let text = "just words {not json} <notanevent> [x]\n".repeat(100_000);
        assert_eq!(search(text.as_bytes()), None);
        assert_eq!(search(b""), None);
        assert_eq!(search(&vec![b'x'; 3 * PREAMBLE_LEN]), None);
    }

    #[test]
    fn binary_heads_are_not_text() {
        assert!(is_text(b"plain text\n"));
        assert!(is_text("caf\u{e9}".as_bytes()));
        // A head cut inside a UTF-8 sequence is still text.
        assert!(is_text(&"\u{e9}".as_bytes()[..1]));
        assert!(!is_text(b"MZ\x90\x00\x03"));
        assert!(!is_text(b"\xff\xfe\xfd text"));
    }
}
