//! LogScale literal syntax: quoted strings, `/regex/flags` literals and
//! line comments.
//!
//! Every value of a rule ends up in one of these three places, so this is
//! where injection safety lives:
//!
//! * a quoted string `"…"` escapes `\` and `"` with a backslash. LogScale
//!   documents no escape for control characters in strings, so a value
//!   holding one is not written as a string at all: the caller falls back
//!   to a regex literal, where `\n`, `\t`, `\xHH` are regex escapes
//!   ([`QuotedString::new`] says whether it can carry a value).
//! * a regex literal `/…/` ends at the first unescaped `/`: slashes are
//!   escaped, escapes already in the pattern are kept as they are, and raw
//!   control characters become regex escapes, so the literal is one line.
//! * a `//` comment ends at a line break; comment text has every line
//!   break and control character replaced by a space (a rule title cannot
//!   end the comment and start query text).

use std::fmt::Write as _;

/// A LogScale quoted string, `"…"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotedString(String);

impl QuotedString {
    /// The literal for `value`, or `None` when the value holds a control
    /// character (no documented escape).
    pub fn new(value: &str) -> Option<QuotedString> {
        if value.chars().any(is_line_unsafe) {
            return None;
        }
        let mut out = String::with_capacity(value.len() + 2);
        out.push('"');
        for c in value.chars() {
            if matches!(c, '\\' | '"') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        Some(QuotedString(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A label for an assignment (`DetectionBranch := "…"`): like
/// [`QuotedString`], with control characters replaced by spaces (labels are
/// for people, not for matching).
pub fn label(value: &str) -> String {
    let clean = crate::common::one_line(value);
    QuotedString::new(&clean)
        .expect("one_line removed every line-breaking character")
        .0
}

/// `/pattern/flags` for a pattern in JitRex syntax (not yet delimited).
pub(crate) fn regex_literal(pattern: &str, flags: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    out.push('/');
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                // An escaped control character is that character: write the
                // regex escape instead of the raw one.
                Some(next) if is_line_unsafe(next) => push_control_escape(&mut out, next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                // A trailing backslash is not a valid pattern; keep it
                // escaped so it cannot swallow the closing slash.
                None => out.push_str("\\\\"),
            },
            '/' => out.push_str("\\/"),
            c if is_line_unsafe(c) => push_control_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('/');
    out.push_str(flags);
    out
}

fn push_control_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\x{{{:X}}}", u32::from(c));
        }
    }
}

/// Characters that end a line (for LogScale's lexer or an editor) or have
/// no printable form: C0/C1 controls, DEL, and the Unicode line and
/// paragraph separators.
pub(crate) fn is_line_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_escape_backslash_and_quote_only() {
        assert_eq!(
            QuotedString::new(r#"C:\a "b" | `c` % _ /d/ –x"#)
                .unwrap()
                .as_str(),
            r#""C:\\a \"b\" | `c` % _ /d/ –x""#
        );
        assert_eq!(
            QuotedString::new("trailing\\").unwrap().as_str(),
            r#""trailing\\""#
        );
        assert!(QuotedString::new("line1\nline2").is_none());
        assert!(QuotedString::new("nul\0").is_none());
    }

    #[test]
    fn regex_literals_escape_slashes_and_controls_but_keep_escapes() {
        assert_eq!(regex_literal(r"a/b\/c\\/d", "i"), r"/a\/b\/c\\\/d/i");
        assert_eq!(regex_literal("x\ny\\\tz", ""), r"/x\ny\tz/");
        assert_eq!(regex_literal("\u{1}", ""), r"/\x{1}/");
        assert_eq!(regex_literal("end\\", ""), r"/end\\/");
    }

    #[test]
    fn labels_stay_on_one_line() {
        assert_eq!(label("a\u{feff}b\u{2029}"), r#""a b ""#);
        assert_eq!(label("x\n\"y\""), r#""x \"y\"""#);
    }
}
