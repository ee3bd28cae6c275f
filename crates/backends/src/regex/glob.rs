//! Sigma globs as whole-value regexes.
//!
//! A glob matches the whole value: `*` is any run of characters (newlines
//! included), `?` exactly one character, everything else literal. Sigma
//! strings are case-insensitive unless `|cased`; the case rule is applied
//! like Rust's `(?i)` (simple case folding), the same as for `|re|i`.

use tunnelhunt_sigma::ir::{Piece, StrMatch};

use super::charset::{self, SetError};
use super::{Dialect, FlagPlacement, PCRE_UTF, TranslatedRegex, quote};
use crate::refusal::{Construct, Refusal};

pub(super) fn to_regex(
    glob: &StrMatch,
    dialect: Dialect,
    flags: FlagPlacement,
) -> Result<TranslatedRegex, Refusal> {
    let insensitive = !glob.cased;
    let outside = insensitive && flags == FlagPlacement::Outside;
    let inline_flag = insensitive && flags == FlagPlacement::Inline && dialect.folds_unicode();
    // Letters are spelled out as their case orbit where no flag applies
    // (Lucene/LogScale inline) or where the target's flag folds only ASCII.
    let spell_out = |c: char| -> bool {
        if !insensitive || orbit_is_trivial(c) {
            return false;
        }
        if dialect.folds_unicode() {
            return false;
        }
        !outside || !ascii_pair(c)
    };
    let refuse = |err: SetError| {
        Refusal::new(
            Construct::Wildcard,
            format!(
                "{} cannot express the glob {} (a character class {err})",
                dialect.label(),
                quote(&glob.to_string())
            ),
        )
    };
    let mut needs_utf = insensitive;
    let mut body = String::new();
    for piece in &glob.pieces {
        match piece {
            Piece::AnyString => body.push_str(&format!("{}*", charset::any_char(dialect))),
            Piece::AnyChar => {
                needs_utf = true;
                body.push_str(charset::any_char(dialect));
            }
            Piece::Lit(text) => {
                for c in text.chars() {
                    needs_utf |= !c.is_ascii();
                    let atom = if spell_out(c) {
                        charset::render_set(dialect, &charset::case_orbit(c))
                    } else {
                        charset::escape_char(dialect, c, false)
                    };
                    body.push_str(&atom.map_err(refuse)?);
                }
            }
        }
    }
    let mut pattern = String::new();
    if dialect == Dialect::Pcre && needs_utf {
        pattern.push_str(PCRE_UTF);
    }
    if inline_flag {
        pattern.push_str(&dialect.case_flag(true, false));
    }
    match dialect {
        // Lucene matches the whole value by itself; its empty pattern is
        // written as an empty group.
        Dialect::Lucene if body.is_empty() => pattern.push_str("()"),
        Dialect::Lucene => pattern.push_str(&body),
        Dialect::Pcre | Dialect::Java => pattern.push_str(&format!("^{body}\\z")),
        Dialect::Re2 | Dialect::JitRex => pattern.push_str(&format!("^{body}$")),
    }
    Ok(TranslatedRegex {
        pattern,
        case_insensitive: outside,
    })
}

fn orbit_is_trivial(c: char) -> bool {
    let orbit = charset::case_orbit(c);
    matches!(orbit.ranges(), [r] if r.start() == r.end())
}

fn ascii_pair(c: char) -> bool {
    charset::case_orbit(c)
        .ranges()
        .iter()
        .all(|r| r.start().is_ascii() && r.end().is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pieces: Vec<Piece>, cased: bool) -> StrMatch {
        StrMatch::new(pieces, cased)
    }

    fn mid_wildcard() -> StrMatch {
        glob(
            vec![
                Piece::Lit("plink".into()),
                Piece::AnyString,
                Piece::Lit("-R".into()),
                Piece::AnyChar,
                Piece::Lit("3389*".into()),
            ],
            false,
        )
    }

    #[test]
    fn each_dialect_anchors_and_escapes() {
        let g = mid_wildcard();
        let cases = [
            (
                Dialect::Re2,
                FlagPlacement::Inline,
                r"(?i)^plink(?s:.)*\-R(?s:.)3389\*$",
                false,
            ),
            (
                Dialect::Pcre,
                FlagPlacement::Outside,
                r"(*UTF)^plink(?s:.)*\-R(?s:.)3389\*\z",
                true,
            ),
            (
                Dialect::Java,
                FlagPlacement::Inline,
                r"(?iu)^plink(?s:.)*\-R(?s:.)3389\*\z",
                false,
            ),
            (
                Dialect::Lucene,
                FlagPlacement::Outside,
                "plin[Kk\u{212A}].*\\-R.3389\\*",
                true,
            ),
            (
                Dialect::JitRex,
                FlagPlacement::Outside,
                r"^plin[Kk\u212A][\s\S]*\-R[\s\S]3389\*$",
                true,
            ),
        ];
        for (dialect, flags, want, ci) in cases {
            let got = to_regex(&g, dialect, flags).unwrap();
            assert_eq!(got.pattern, want, "{dialect:?}");
            assert_eq!(got.case_insensitive, ci, "{dialect:?}");
        }
    }

    #[test]
    fn lucene_inline_spells_out_case_orbits() {
        let g = glob(vec![Piece::Lit("Sk1".into()), Piece::AnyString], false);
        let got = to_regex(&g, Dialect::Lucene, FlagPlacement::Inline).unwrap();
        assert_eq!(got.pattern, "[Ssſ][Kk\u{212A}]1.*");
        assert!(!got.case_insensitive);
        // Outside: the ASCII flag folds plain pairs; k and s keep their
        // Unicode partners spelled out.
        let got = to_regex(&g, Dialect::Lucene, FlagPlacement::Outside).unwrap();
        assert_eq!(got.pattern, "[Ssſ][Kk\u{212A}]1.*");
        let g = glob(vec![Piece::Lit("ab".into())], false);
        let got = to_regex(&g, Dialect::Lucene, FlagPlacement::Outside).unwrap();
        assert_eq!(got.pattern, "ab");
    }

    #[test]
    fn cased_and_empty_globs() {
        let g = glob(vec![Piece::Lit("A\n/\\".into())], true);
        let got = to_regex(&g, Dialect::Re2, FlagPlacement::Outside).unwrap();
        assert_eq!(got.pattern, r"^A\n\/\\$");
        assert!(!got.case_insensitive);
        let empty = StrMatch::literal("", true);
        assert_eq!(
            to_regex(&empty, Dialect::Lucene, FlagPlacement::Inline)
                .unwrap()
                .pattern,
            "()"
        );
        assert_eq!(
            to_regex(&empty, Dialect::Java, FlagPlacement::Inline)
                .unwrap()
                .pattern,
            r"^\z"
        );
    }
}
