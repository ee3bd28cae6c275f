//! Text from files and rules made safe to print on a terminal.
//!
//! tunnelhunt is run on files an attacker wrote: their names, their
//! garbage lines, the host names in their events and the titles of rules
//! someone sent. Printed raw, such text drives the terminal (an ESC or C1
//! CSI starts a control sequence that can move the cursor, clear the
//! screen, set the window title or write to the clipboard through OSC 52),
//! fakes lines (CR returns to the start of a line and overwrites it, LF
//! adds a summary line of the attacker's choosing) or reorders what the
//! reader sees (bidi overrides such as U+202E turn `exe.txt` into
//! `txt.exe` on screen).
//!
//! [`escape`] is the one function every text printer uses for a value
//! that did not come from tunnelhunt itself. It writes each character
//! [`needs_escape`] names as `\u{…}` (its code point in lowercase hex, as
//! Rust and JSON-minded readers know it) and leaves every other character,
//! including a backslash, as it is, so ordinary names, paths and messages
//! read unchanged. The characters escaped are Unicode's control (Cc) and
//! format (Cf) characters and the line and paragraph separators: all the
//! characters that have no visible form of their own.
//!
//! JSON and CSV outputs are not passed through it: their formats already
//! escape what they must, and they are read by programs.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The format characters (general category Cf) of Unicode 16, as
/// inclusive ranges: invisible characters that change how the text
/// around them is shown (bidi overrides and isolates, joiners, the soft
/// hyphen, the byte-order mark, tag characters, interlinear annotation).
const FORMAT_CHARACTERS: &[(char, char)] = &[
    ('\u{ad}', '\u{ad}'),
    ('\u{600}', '\u{605}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{6dd}', '\u{6dd}'),
    ('\u{70f}', '\u{70f}'),
    ('\u{890}', '\u{891}'),
    ('\u{8e2}', '\u{8e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
    ('\u{110bd}', '\u{110bd}'),
    ('\u{110cd}', '\u{110cd}'),
    ('\u{13430}', '\u{1343f}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0001}', '\u{e0001}'),
    ('\u{e0020}', '\u{e007f}'),
];

/// Whether `c` is printed escaped: a control character (C0, DEL, C1: ESC,
/// CSI, CR, LF, NUL…), a format character (bidi controls, zero-width
/// characters, the byte-order mark…) or the line or paragraph separator.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}')
        || FORMAT_CHARACTERS
            .binary_search_by(|&(first, last)| {
                if last < c {
                    std::cmp::Ordering::Less
                } else if first > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
}

/// `text` with every character [`needs_escape`] names written `\u{…}`;
/// borrowed unchanged when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Push `c` onto `out`, escaped if [`needs_escape`] says so.
pub fn push_escaped(out: &mut String, c: char) {
    if needs_escape(c) {
        // Writing to a String cannot fail.
        let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
    } else {
        out.push(c);
    }
}

/// Text of several lines (a guide, an error with its causes) with each
/// line escaped on its own: the line breaks stay, as LF or CRLF (a CR
/// right before LF moves nothing), any other control character does not.
pub fn escape_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive('\n') {
        let (line, end) = if let Some(line) = piece.strip_suffix("\r\n") {
            (line, "\r\n")
        } else if let Some(line) = piece.strip_suffix('\n') {
            (line, "\n")
        } else {
            (piece, "")
        };
        out.push_str(&escape(line));
        out.push_str(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;

    /// Unicode's own answer, from the regex crate's tables: control and
    /// format characters and the two separators.
    fn invisible() -> Regex {
        Regex::new(r"^[\p{Cc}\p{Cf}\u{2028}\u{2029}]$").expect("a valid class")
    }

    #[test]
    fn every_control_and_format_character_of_unicode_is_escaped() {
        let invisible = invisible();
        let mut buf = [0; 4];
        for c in (0..=0x10_ffff_u32).filter_map(char::from_u32) {
            let text = c.encode_utf8(&mut buf);
            let escaped = escape(text);
            if invisible.is_match(text) {
                assert_eq!(escaped, format!("\\u{{{:x}}}", u32::from(c)), "{c:?}");
            } else {
                assert_eq!(escaped, *text, "U+{:04X} is printable", u32::from(c));
            }
        }
    }

    #[test]
    fn escapes_are_visible_and_names_keep_their_backslashes() {
        assert_eq!(
            escape("a\u{1b}]52;c;x\u{7}\r\nb\u{9b}2J\0\u{202e}exe.txt"),
            "a\\u{1b}]52;c;x\\u{7}\\u{d}\\u{a}b\\u{9b}2J\\u{0}\\u{202e}exe.txt"
        );
        assert!(matches!(escape("C:\\Users\\adm\\x.log"), Cow::Borrowed(_)));
        assert_eq!(
            escape_lines("one\r\ntwo\u{1b}\rthree\r"),
            "one\r\ntwo\\u{1b}\\u{d}three\\u{d}"
        );
    }

    proptest! {
        #[test]
        fn nothing_invisible_survives_and_printable_text_is_unchanged(text in any::<String>()) {
            let escaped = escape(&text);
            prop_assert!(!escaped.chars().any(needs_escape));
            let invisible = invisible();
            let mut buf = [0; 4];
            let printable: String = text
                .chars()
                .filter(|c| !invisible.is_match(c.encode_utf8(&mut buf)))
                .collect();
            if printable.len() == text.len() {
                prop_assert_eq!(&*escaped, &*text);
            }
        }
    }
}
