//! EQL string literals.
//!
//! Elasticsearch's EQL lexer takes a double-quoted string with the escapes
//! `\\ \" \' \b \f \n \r \t` and `\u{X…}` (2 to 8 hex digits, no
//! surrogates); a raw `\r` or `\n` ends the token with an error, and an
//! unknown escape is kept *with* its backslash. Single quotes and `?"…"`
//! raw strings are syntax errors, and `"""…"""` cannot hold `"""` or a
//! newline. So every value is written as a `"…"` literal escaping `\`, `"`,
//! the named control characters, and every other control or line/paragraph
//! separator as `\u{…}`: the literal reads back as exactly the value, and
//! the query stays on the lines it was laid out on.
//!
//! Comments are `//` to the end of the line (`/* */` exists too, but
//! Elasticsearch nests it and we never need it); text that goes into one
//! is put on one line by [`crate::common::one_line`], so a rule title
//! cannot end the comment and inject query text.

use std::fmt::Write as _;

/// `value` as an EQL string literal, quotes included.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_unicode_escape(c) => {
                write!(out, "\\u{{{:02X}}}", u32::from(c)).expect("writing to a String");
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters that are legal raw inside a literal but would make the query
/// text misleading or fragile: control characters (C0, DEL, C1) and the
/// Unicode line and paragraph separators.
fn needs_unicode_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_exactly_what_the_lexer_needs() {
        assert_eq!(quote(r#"C:\a "b""#), r#""C:\\a \"b\"""#);
        assert_eq!(quote("a\nb\r\tc"), r#""a\nb\r\tc""#);
        assert_eq!(
            quote("\u{0}\u{1}\u{7f}\u{85}\u{2028}"),
            r#""\u{00}\u{01}\u{7F}\u{85}\u{2028}""#
        );
        assert_eq!(
            quote("–R ' | % _ ` / ${x} *?"),
            "\"–R ' | % _ ` / ${x} *?\""
        );
        assert_eq!(quote(""), "\"\"");
    }
}
