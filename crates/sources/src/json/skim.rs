//! Finding where a JSON value ends without parsing it.
//!
//! The block planner (`super::blocks`), which cuts big JSON-lines files
//! into blocks, needs to know where an object that opens on a line
//! closes, by the JSON framer's rules (the framer itself leaves that to
//! the parser, see `frame`): outside
//! strings `{`/`[` open and `}`/`]` close (alike, so `{]` is balanced),
//! and in a string a backslash escapes exactly the next byte. Nothing else
//! is checked; whether the text is valid JSON is the parser's business.
//!
//! Most of an event's bytes are inside strings, where only `"` and `\`
//! matter, so string contents are skipped with `memchr2`; only the short
//! stretches between strings (`":`, `,"`, numbers) are looked at byte by
//! byte. Callers hand in one line at a time (a string never spans lines in
//! the framer's view), so a value that does not close in `bytes` is one
//! still open at the line end.

use memchr::memchr2;

/// Index just past the `"` that ends the string whose contents start at
/// `bytes[from]`, or `None` if the string is still open at the end of
/// `bytes`.
pub(crate) fn string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + memchr2(b'"', b'\\', bytes.get(from..)?)?;
        if bytes[at] == b'"' {
            return Some(at + 1);
        }
        // The escaped byte is skipped whatever it is, as the framer does;
        // a backslash at the very end leaves the string open.
        from = at + 2;
    }
}

/// Index of the byte that closes the value opening at `bytes[0]`, which
/// should be `{` or `[`; `None` if it is still open at the end of `bytes`.
pub(crate) fn value_end(bytes: &[u8]) -> Option<usize> {
    debug_assert!(matches!(bytes.first(), Some(b'{' | b'[')));
    let mut depth = 1u32;
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                i = string_end(bytes, i + 1)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(string_end(b"abc\"x", 0), Some(4));
        assert_eq!(string_end(b"\"a\\\"b\"", 1), Some(6));
        assert_eq!(string_end(b"\"a\\\\\"b", 1), Some(5));
        assert_eq!(string_end(b"\"abc", 1), None);
        assert_eq!(string_end(b"\"abc\\", 1), None);
        assert_eq!(string_end(b"\"abc\\\"", 1), None);
        assert_eq!(string_end(b"\"", 1), None);
        assert_eq!(string_end(b"\"", 5), None);
    }

    #[test]
    fn values() {
        assert_eq!(value_end(b"{}"), Some(1));
        assert_eq!(value_end(b"{\"a\":[1,{\"b\":\"}]\"}]} x"), Some(19));
        assert_eq!(value_end(b"{]"), Some(1));
        assert_eq!(value_end(b"[{\"\\\"\"}]"), Some(7));
        assert_eq!(value_end(b"{\"a\":{}"), None);
        assert_eq!(value_end(b"{\"}"), None);
        assert_eq!(value_end(b"{\"\\\"}"), None);
        assert_eq!(value_end(b"{"), None);
    }
}
