//! Recognising a file's format from its content.
//!
//! Extensions lie (`.log`, `.txt`, `.json` for anything, none at all in a
//! triage collection), so the format is decided from the first bytes of the
//! file. A file in no format we read is skipped with a reason the scan
//! summary can print, rather than being fed to a reader that would turn
//! every line into an error. Text before the first record (a preamble)
//! longer than the 16 lines looked at here is looked past by
//! [`crate::preamble`].

use crate::format::{Format, SkipReason};

/// How many bytes of a file [`detect`] wants to see.
pub const SNIFF_LEN: usize = 16 * 1024;

/// How many line starts in the sniffed head are tried, so that one
/// malformed first line does not hide a file's format.
const SNIFF_LINES: usize = 16;

/// Decide the format of a file from its first bytes (up to [`SNIFF_LEN`]).
///
/// gzip is a wrapper, not a format: [`crate::open`] decompresses a gzip
/// file and calls this on the decompressed head (see [`crate::decompress`]),
/// so any format here may come gzipped, EVTX included. Given gzip bytes
/// themselves, `detect` says that they must be decompressed first.
pub fn detect(head: &[u8]) -> Result<Format, SkipReason> {
    if head.starts_with(b"ElfFile\0") {
        return Ok(Format::Evtx);
    }
    if let Some(format) = crate::pcap::sniff(head) {
        return Ok(format);
    }
    if crate::decompress::is_gzip(head) {
        return Err(SkipReason::CompressedUnsupported {
            content: "data",
            why: "its format is detected after decompressing it, as `open` does",
        });
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(SkipReason::Empty);
    }
    let line_starts = std::iter::once(0).chain(
        text.iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    let whole = head.len() < SNIFF_LEN;
    for start in line_starts.take(SNIFF_LINES) {
        if let Some(format) = sniff_line_start(&text[start..], whole) {
            return Ok(format);
        }
    }
    // A syslog message may hold any other format's record (Sysmon for
    // Linux's XML, an audit record forwarded by audisp): syslog is decided
    // only when no line is claimed by another reader.
    let syslog_lines = std::iter::once(0).chain(
        text.iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    for start in syslog_lines.take(SNIFF_LINES) {
        if crate::syslog::sniff_line(line_at(&text[start..])) {
            return Ok(Format::Syslog);
        }
    }
    if let Some(format) = ecs_or_mde(text) {
        return Ok(format);
    }
    Err(SkipReason::Unrecognised {
        hint: describe(text),
    })
}

/// The format of the records that start at `text`, a line start, as its
/// first line (and, for pretty-printed JSON, the lines after it) shows;
/// `whole` when `text` runs to the end of the input. ECS and Defender
/// shapes are not told apart here ([`ecs_or_mde`] does).
pub(crate) fn sniff_line_start(text: &[u8], whole: bool) -> Option<Format> {
    if let Some(format) = crate::zeek::sniff_line(text, whole) {
        return Some(format);
    }
    if crate::auditd::sniff_line(line_at(text)) {
        return Some(Format::Auditd);
    }
    if crate::xml::sniff_line(text) {
        return Some(Format::XmlEvents);
    }
    if crate::journal::sniff_export_line(text) {
        return Some(Format::JournalExport);
    }
    if crate::journal::sniff_json_line(text) {
        return Some(Format::JournalJson);
    }
    if let Some(format) = crate::web::sniff_line(text, whole) {
        return Some(format);
    }
    match evtx_json_start(text) {
        Some(true) => Some(Format::EvtxJson),
        Some(false) => None,
        // The head ends inside the opening of a JSON object; give the
        // reader the benefit of the doubt, it checks every record.
        None => Some(Format::EvtxJson),
    }
}

/// The line that starts `text`, without its line break.
fn line_at(text: &[u8]) -> &[u8] {
    let end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    &text[..end]
}

/// ECS and Defender for Endpoint inputs: JSON whose first complete object
/// has their fields (their first key is nothing in particular), or a CSV
/// header of Defender columns. When the head ends inside the first object,
/// a key only these shapes have decides.
pub(crate) fn ecs_or_mde(text: &[u8]) -> Option<Format> {
    if crate::mde::is_csv_header(text) {
        return Some(Format::MdeCsv);
    }
    if let Some(format) = crate::siem_export::sniff_csv_header(text) {
        return Some(format);
    }
    if let Some(object) = crate::json::values::first_object(text) {
        return if crate::mde::is_mde_json(&object) {
            Some(Format::MdeJson)
        } else if crate::ecs::is_ecs_json(&object) {
            Some(Format::Ecs)
        } else {
            crate::siem_export::sniff_object(&object)
        };
    }
    let json = matches!(skip_ws(text).first(), Some(b'{' | b'['));
    let has = |key: &[u8]| memchr::memmem::find(text, key).is_some();
    if json && has(b"\"AdvancedHunting-") {
        Some(Format::MdeJson)
    } else if json && has(b"\"winlog\"") {
        Some(Format::Ecs)
    } else {
        None
    }
}

/// Whether `text` starts (after whitespace and an optional `[`) with a JSON
/// object whose first key is `"Event"`. `None` when `text` ends first.
fn evtx_json_start(text: &[u8]) -> Option<bool> {
    let mut rest = skip_ws(text);
    if let Some(after) = rest.strip_prefix(b"[") {
        rest = skip_ws(after);
    }
    if rest.first() != Some(&b'{') {
        return Some(false);
    }
    let rest = skip_ws(&rest[1..]);
    const KEY: &[u8] = b"\"Event\"";
    if rest.len() < KEY.len() {
        return if KEY.starts_with(rest) {
            None
        } else {
            Some(false)
        };
    }
    Some(rest.starts_with(KEY))
}

fn skip_ws(text: &[u8]) -> &[u8] {
    let n = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &text[n..]
}

/// A short description of unrecognised content for the skip message.
fn describe(text: &[u8]) -> String {
    let rest = skip_ws(text);
    match rest.first() {
        Some(b'{') | Some(b'[') => {
            "JSON, but in none of the shapes read (evtx `{\"Event\": …}`, ECS, Defender for Endpoint)"
                .to_owned()
        }
        Some(b'<') => "XML or HTML".to_owned(),
        _ if std::str::from_utf8(rest).is_err() && !rest.is_empty() => {
            "binary or non-UTF-8 data".to_owned()
        }
        _ => {
            let first: String = String::from_utf8_lossy(rest)
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(40)
                .collect();
            format!("text starting with `{first}`")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_evtx_json_layouts() {
        for head in [
            &b"{\"Event\":{\"System\":{}}}\n"[..],
            b"\xEF\xBB\xBF{\"Event\":{}}",
            b"{\n  \"Event\": {\n",
            b"[\n  {\n    \"Event\": {",
            b"[{\"Event\"",
            b"garbage line\n{\"Event\":{}}\n",
            b"{\n",
        ] {
            assert_eq!(detect(head), Ok(Format::EvtxJson), "{head:?}");
        }
    }

    #[test]
    fn reports_what_it_cannot_read() {
        assert_eq!(detect(b""), Err(SkipReason::Empty));
        assert_eq!(detect(b" \n\t"), Err(SkipReason::Empty));
        assert!(matches!(detect(b"ElfFile\0\0\0"), Ok(Format::Evtx)));
        assert!(matches!(
            detect(&[0x1f, 0x8b, 8, 0]),
            Err(SkipReason::CompressedUnsupported { .. })
        ));
        let Err(SkipReason::Unrecognised { hint }) = detect(b"{\"log\":{}}\n") else {
            panic!("not a known JSON shape");
        };
        assert!(hint.contains("none of the shapes"), "{hint}");
        let Err(SkipReason::Unrecognised { hint }) = detect(b"#version 1\tts\tuid\n") else {
            panic!("not a zeek header");
        };
        assert!(hint.contains("#version"), "{hint}");
    }
}
