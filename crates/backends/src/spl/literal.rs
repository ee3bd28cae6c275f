//! How a value is written in each SPL context, so that any text comes back
//! exactly.
//!
//! SPL has three string contexts with different rules, and a value passes
//! through one of them:
//!
//! * **search terms** (`field="…"`): backslash escapes the next character,
//!   so `\` is written `\\` and `"` is written `\"`; `*` is *always* a
//!   wildcard — the Search Manual ("Backslashes") says it cannot be escaped
//!   — so a literal `*` cannot be searched for at all and such values go to
//!   a `where` stage instead ([`search_safe`]).
//! * **eval strings** (`"…"` in `where`/`eval`): again `\\` and `\"`; the
//!   text that comes out is what the function receives. For `match()` that
//!   is a PCRE pattern, which interprets backslashes a second time — so a
//!   regex `\\` (one literal backslash) is written `\\\\` in the query.
//! * **comments** (```` ``` … ``` ````): no escapes at all, so the text is
//!   sanitized instead.
//!
//! Backticks are kept out of every context: SPL expands `` `macro` `` before
//! parsing, and whether that happens inside quotes is not documented. A
//! value with a backtick therefore never becomes a search term, and in a
//! regex it is written `\x{60}` ([`pcre_without_specials`]). Control
//! characters likewise become `\x{…}` escapes rather than raw bytes inside
//! a quoted string.

use crate::common::one_line;

/// Whether `text` can be a literal part of a quoted search term: no `*`
/// (always a wildcard), no backtick, no control character.
pub(super) fn search_safe(text: &str) -> bool {
    !text.chars().any(|c| c == '*' || c == '`' || c.is_control())
}

/// Escape literal text for the inside of a quoted search term. The caller
/// has checked [`search_safe`] and adds the quotes and wildcards.
pub(super) fn search_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A quoted eval string literal whose value is exactly `text`.
pub(super) fn eval_string(text: &str) -> String {
    format!("\"{}\"", search_escape(text))
}

/// A PCRE pattern with every backtick and control character written as a
/// `\x{…}` escape, so the pattern survives macro expansion and quoting.
/// Escapes already in the pattern keep their meaning: `\` followed by a
/// backtick or control character (an escaped literal) becomes the hex
/// escape of that character, every other `\x` pair is copied unchanged.
pub(super) fn pcre_without_specials(pattern: &str) -> String {
    let needs_hex = |c: char| c == '`' || c.is_control();
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) if needs_hex(next) => out.push_str(&hex_escape(next)),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            c if needs_hex(c) => out.push_str(&hex_escape(c)),
            c => out.push(c),
        }
    }
    out
}

fn hex_escape(c: char) -> String {
    format!("\\x{{{:x}}}", u32::from(c))
}

/// One ```` ``` … ``` ```` comment line with `text` made harmless
/// ([`harmless`]).
pub(super) fn comment(text: &str) -> String {
    format!("``` {} ```", harmless(text).trim())
}

/// A quoted eval string for a label taken from a rule (its title, id or
/// branch), made harmless first ([`harmless`]): unlike a value the rule
/// compares, a label need not come back exactly, and a backtick in it
/// would start a macro expansion.
pub(super) fn label_string(text: &str) -> String {
    eval_string(&harmless(text))
}

/// `text` on one line ([`one_line`]: control characters, a newline in a
/// title, become spaces) with every backtick (which could close a comment
/// or start a macro) written `'`.
fn harmless(text: &str) -> String {
    one_line(text).replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_escape_doubles_backslashes_and_escapes_quotes() {
        assert_eq!(search_escape(r#"C:\x\"y"#), r#"C:\\x\\\"y"#);
        assert_eq!(search_escape("tcp\\"), "tcp\\\\");
        assert!(!search_safe("a*b"));
        assert!(!search_safe("a`b"));
        assert!(!search_safe("a\nb"));
        assert!(search_safe("a | b %x_ \"q\" 'q' –R"));
    }

    #[test]
    fn pcre_specials_become_hex_escapes_and_keep_escapes() {
        assert_eq!(pcre_without_specials("a`b"), r"a\x{60}b");
        assert_eq!(pcre_without_specials("a\\`b"), r"a\x{60}b");
        assert_eq!(pcre_without_specials("a\nb"), r"a\x{a}b");
        assert_eq!(pcre_without_specials(r"\\n\d"), r"\\n\d");
        assert_eq!(pcre_without_specials(r"x\\`"), r"x\\\x{60}");
    }

    #[test]
    fn comments_cannot_be_closed_by_their_text() {
        assert_eq!(comment("a ``` b\nc"), "``` a ''' b c ```");
    }

    #[test]
    fn labels_lose_backticks_and_line_breaks() {
        assert_eq!(
            label_string("a ``` `m` \"q\"\r\n\0b"),
            r#""a ''' 'm' \"q\"   b""#
        );
    }
}
