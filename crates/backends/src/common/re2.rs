//! RE2 text for the `/…/` regex literals YARA-L and Sumo Logic share:
//! a value escaped to match itself, and a pattern made safe to delimit.
//! Both targets run Google's RE2 and both delimit patterns with `/`, so
//! one escape serves them; it lives here rather than in either backend.

/// Characters RE2 treats as operators outside a character class; each is
/// escaped with a backslash to be matched literally.
const RE2_META: &str = r"\.+*?()|[]{}^$";

/// RE2 pattern text matching `value` literally. Control characters become
/// `\x{…}` so the pattern never holds a raw line break.
pub(crate) fn re2_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if RE2_META.contains(c) {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            out.push_str(&format!("\\x{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A pattern (valid RE2 syntax) as a `/…/` literal: an unescaped `/`
/// would end the literal, so it becomes `\/` (RE2 accepts any escaped
/// punctuation); raw control characters become `\x{…}`. Escape pairs are
/// copied as they are, so `\\/` stays an escaped backslash followed by an
/// escaped slash.
pub(crate) fn slash_literal(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 2);
    out.push('/');
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push('\\');
                match chars.next() {
                    Some(next) if next.is_control() => {
                        // `\<newline>` means the newline itself.
                        out.push_str(&format!("x{{{:x}}}", u32::from(next)));
                    }
                    Some(next) => out.push(next),
                    None => out.push('\\'),
                }
            }
            '/' => out.push_str("\\/"),
            c if c.is_control() => out.push_str(&format!("\\x{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('/');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re2_escape_escapes_operators_and_control_characters_only() {
        assert_eq!(re2_escape(r"\ssh.exe"), r"\\ssh\.exe");
        assert_eq!(
            re2_escape("a(b)|[c]{d}^$*+?"),
            r"a\(b\)\|\[c\]\{d\}\^\$\*\+\?"
        );
        assert_eq!(re2_escape("x\ny"), r"x\x{a}y");
        assert_eq!(re2_escape("-R #~&"), "-R #~&");
    }

    #[test]
    fn slash_literal_escapes_slashes_outside_escape_pairs() {
        assert_eq!(slash_literal("tcp://0"), r"/tcp:\/\/0/");
        assert_eq!(slash_literal(r"a\\/b"), r"/a\\\/b/");
        assert_eq!(slash_literal(r"\/"), r"/\//");
        assert_eq!(slash_literal("[/]"), r"/[\/]/");
        assert_eq!(slash_literal("a\tb"), r"/a\x{9}b/");
    }
}
