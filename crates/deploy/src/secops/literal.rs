//! YARA-L 2.0 double-quoted string literals for meta values.
//!
//! Google's syntax reference: double quotes are for "normal strings" that
//! "must include escape characters" (`"hello\tworld"` holds a tab); back
//! quotes take every character literally but cannot hold a back quote.
//! So every value is written double-quoted with `\\`, `\"`, `\n`, `\r` and
//! `\t`: a title or guide holding quotes, backslashes, newlines, `//`,
//! `/*`, `$` or braces cannot end the string, start a comment or reach the
//! rule's grammar. Other control characters have no documented escape;
//! they are written as U+FFFD (visible, never a raw byte that a parser
//! could read differently). The tests read every value back with yaraast.

/// `value` as a double-quoted YARA-L string literal.
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push(char::REPLACEMENT_CHARACTER)
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
    fn metacharacters_are_escaped_and_other_controls_are_replaced() {
        assert_eq!(
            quoted("a \"b\" \\ c\r\n\td // /* $e {x}"),
            "\"a \\\"b\\\" \\\\ c\\r\\n\\td // /* $e {x}\""
        );
        assert_eq!(
            quoted("bell\u{7}\u{1b}[0m\u{2028}"),
            "\"bell\u{fffd}\u{fffd}[0m\u{fffd}\""
        );
        assert_eq!(quoted("é€😀 `x`"), "\"é€😀 `x`\"");
    }
}
