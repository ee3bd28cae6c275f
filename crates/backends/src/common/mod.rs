//! Helpers several backends share, so that no backend imports another's
//! internals: one definition of "a line break" for every value that enters
//! a comment or a single-line context ([`one_line`]), the RE2 literal
//! escapes YARA-L and Sumo Logic both write ([`re2`]), and the fixed-bucket
//! approximation of a correlation LogScale, Sumo Logic and AQL share
//! ([`bucketed`]).
//!
//! Why one definition of a line break: each target once had its own, and
//! the laxest ones let U+2028/U+2029 (which editors and some lexers end a
//! line at) or U+FEFF (invisible, hides text from a reviewer) through into
//! a `//` comment. The strictest of them is the only one that is safe for
//! every target, so it is the one every target uses.

use tunnelhunt_sigma::ast::CountOp;

pub(crate) mod bucketed;
pub(crate) mod re2;

/// Whether `c` may end a line for some reader of the query (a lexer, an
/// editor, a YAML 1.1 parser) or has no printable form: the C0 and C1
/// control characters and DEL (newline, carriage return, NEL, tab…), the
/// Unicode line and paragraph separators, and the byte-order mark.
pub(crate) fn breaks_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// `text` on one line: every character [`breaks_line`] names becomes one
/// space, everything else is kept as it is (a value's spacing is part of
/// what a reader compares with the rule).
pub(crate) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if breaks_line(c) { ' ' } else { c })
        .collect()
}

/// `gte` → `>=` and so on, for the targets whose comparison operators are
/// the C ones (`==`/`!=` when `double_equals`, else `=`/`!=`).
pub(crate) fn comparison_operator(op: CountOp, double_equals: bool) -> &'static str {
    match op {
        CountOp::Gt => ">",
        CountOp::Gte => ">=",
        CountOp::Lt => "<",
        CountOp::Lte => "<=",
        CountOp::Eq if double_equals => "==",
        CountOp::Eq => "=",
        CountOp::Neq => "!=",
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn every_line_break_and_invisible_mark_becomes_a_space() {
        assert_eq!(
            one_line("a\nb\r\n\tc\u{85}d\u{2028}e\u{2029}f\u{feff}g\u{0}h\u{7f}i"),
            "a b   c d e f g h i"
        );
        assert_eq!(one_line(" title // */ –R "), " title // */ –R ");
    }

    proptest! {
        #[test]
        fn one_line_output_never_breaks_a_line(text in any::<String>()) {
            let line = one_line(&text);
            prop_assert!(!line.chars().any(breaks_line));
            prop_assert_eq!(line.chars().count(), text.chars().count());
        }
    }
}
