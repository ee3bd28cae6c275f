//! How untrusted text is shown: escaping into HTML is the templates'
//! job (maud escapes every splice); this module makes the invisible
//! visible. A bidi override (U+202E) in a command line would reorder
//! what a responder reads, and a zero-width or control character would
//! hide a difference, so each is shown as `\u{…}`, the way the terminal
//! output writes them. The report's script applies the same rule.

use crate::model::Level;

/// `text` with control, bidi and zero-width characters written as
/// `\u{…}` (tab, line feed and carriage return too: a value is one line).
pub fn visible(text: &str) -> String {
    if !text.chars().any(is_hidden) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`visible`] for prose (a rule's description, a false positive): line
/// breaks and tabs are layout there, not hidden content, and HTML folds
/// them into spaces.
pub fn prose(text: &str) -> String {
    let lines: Vec<String> = text.split(['\n', '\r', '\t']).map(visible).collect();
    lines.join(" ")
}

pub(crate) fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2028}' | '\u{2029}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}'
            | '\u{feff}')
}

/// At most `max` characters of `text`, with `…` when cut.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The CSS class of a level's colour.
pub fn level_class(level: Level) -> String {
    format!("level level-{}", level.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_controls_are_shown_not_applied() {
        assert_eq!(visible("a\u{202e}b\nc"), "a\\u{202e}b\\u{a}c");
        assert_eq!(visible("plain"), "plain");
        assert_eq!(prose("two\nlines\u{202e}"), "two lines\\u{202e}");
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
