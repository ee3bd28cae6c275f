//! KQL string literals that carry any text unchanged.
//!
//! Injection safety lives here: a Sigma value becomes a KQL string literal
//! whose *value* is exactly the Sigma value, whatever it contains. (Rule
//! metadata in `//` comments goes through [`crate::common::one_line`].)
//! The property tests in `tests/kql_literal_roundtrip.rs` parse the
//! literals with Microsoft's Kusto.Language and compare the values.

use crate::common::breaks_line;

/// A string literal whose value is exactly `value`.
///
/// Values with a backslash and nothing that needs an escape are written
/// verbatim (`@"C:\Windows\"`, a `"` doubled), because that is how people
/// read Windows paths in KQL; everything else is a regular `"…"` literal
/// with `\\`, `\"`, `\n`, `\r`, `\t` and `\uXXXX` for every other control
/// or line-breaking character. Other non-ASCII text stays as it is
/// (queries are UTF-8).
pub fn string(value: &str) -> String {
    if value.contains('\\') && !value.chars().any(breaks_line) {
        let mut out = String::with_capacity(value.len() + 3);
        out.push_str("@\"");
        for c in value.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
        return out;
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if breaks_line(c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_are_regular_literals() {
        assert_eq!(string("ssh.exe"), r#""ssh.exe""#);
        assert_eq!(string(""), r#""""#);
        assert_eq!(string("a\"b"), r#""a\"b""#);
        assert_eq!(string("–R | x `y` 'z' %_"), "\"–R | x `y` 'z' %_\"");
    }

    #[test]
    fn paths_are_verbatim_with_doubled_quotes() {
        assert_eq!(string(r"\ssh.exe"), r#"@"\ssh.exe""#);
        assert_eq!(string(r"\tcp\"), r#"@"\tcp\""#);
        assert_eq!(string(r#"C:\a "b"\"#), r#"@"C:\a ""b""\""#);
    }

    #[test]
    fn control_and_separator_characters_are_escaped() {
        assert_eq!(string("a\nb\\"), r#""a\nb\\""#);
        assert_eq!(
            string("\u{0}\u{7f}\u{85}\u{2028}"),
            r#""\u0000\u007f\u0085\u2028""#
        );
        assert_eq!(string("\r\t"), r#""\r\t""#);
    }
}
