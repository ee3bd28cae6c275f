//! String values: wildcards, escapes, placeholders and position modifiers.
//!
//! # Wildcards and escapes
//!
//! Sigma strings are globs: `*` is any run of characters, `?` exactly one.
//! The backslash escapes exactly three characters, as pySigma's
//! `SigmaString` does (and as the specification's "Escaping" section
//! describes):
//!
//! * `\*` and `\?` are a literal `*` and `?`;
//! * `\\` is one literal backslash;
//! * a backslash before anything else — including the end of the string —
//!   is itself literal: `C:\Windows\` is the text `C:\Windows\`.
//!
//! The last rule is what lets rule authors write Windows paths with single
//! backslashes, which nearly all SigmaHQ rules do (`\cmd.exe`).
//!
//! # Placeholders (`|expand`)
//!
//! With `expand`, `%name%` (name = one or more letters, digits or `_`) in a
//! literal part of the value is replaced by each of the placeholder's
//! values, and `\%` becomes a plain `%` (pySigma's rule: a `%` right after
//! a backslash does not open a placeholder). Placeholder values are globs
//! themselves, so a table entry `srv*` is a wildcard, as in pySigma's value
//! list placeholders. Several placeholders in one value give their cross
//! product. Without `expand`, `%name%` is literal text.
//!
//! Every expansion (placeholders, windash, base64offset) is bounded by
//! [`MAX_VARIANTS`] alternatives per value, so that a hostile rule cannot
//! make lowering explode.

use crate::ast::Modifier;
use crate::ir::{Number, Piece};

use super::Placeholders;

/// How many alternatives one value may expand into.
pub const MAX_VARIANTS: usize = 4096;

/// Parse a raw Sigma string into glob pieces (escapes removed).
pub(crate) fn parse_glob(raw: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.clone().next() {
                Some(next @ ('*' | '?' | '\\')) => {
                    lit.push(next);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                pieces.push(if c == '*' {
                    Piece::AnyString
                } else {
                    Piece::AnyChar
                });
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    pieces
}

/// The text of a glob without wildcards, or `None` if it has any.
pub(crate) fn plain_text(pieces: &[Piece]) -> Option<String> {
    let mut text = String::new();
    for piece in pieces {
        match piece {
            Piece::Lit(s) => text.push_str(s),
            Piece::AnyString | Piece::AnyChar => return None,
        }
    }
    Some(text)
}

/// Merge adjacent literal pieces (expansions can leave them side by side).
pub(crate) fn merge_literals(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match (out.last_mut(), piece) {
            (Some(Piece::Lit(prev)), Piece::Lit(s)) => prev.push_str(&s),
            (_, p) => out.push(p),
        }
    }
    out
}

/// Apply `contains`/`startswith`/`endswith` (and the implicit contains of
/// keywords). `StrMatch::new` collapses a doubled `*`, so a value that
/// already starts or ends with `*` is unchanged, as in pySigma.
pub(crate) fn add_position(mut pieces: Vec<Piece>, position: Option<Modifier>) -> Vec<Piece> {
    let (front, back) = match position {
        Some(Modifier::Contains) => (true, true),
        Some(Modifier::StartsWith) => (false, true),
        Some(Modifier::EndsWith) => (true, false),
        _ => (false, false),
    };
    if front {
        pieces.insert(0, Piece::AnyString);
    }
    if back {
        pieces.push(Piece::AnyString);
    }
    pieces
}

/// Why placeholder expansion failed.
pub(crate) enum ExpandError {
    /// The cross product would exceed [`MAX_VARIANTS`].
    TooMany,
}

/// A literal split at its placeholders.
enum Segment {
    Text(String),
    Placeholder(String),
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Split a literal at `%name%` placeholders that are not preceded by a
/// backslash; `\%` in the text between them becomes `%`.
fn split_placeholders(lit: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut text_start = 0;
    let mut search = 0;
    while let Some(rel) = lit[search..].find('%') {
        let open = search + rel;
        let escaped = lit[..open].ends_with('\\');
        let name_len: usize = lit[open + 1..]
            .chars()
            .take_while(|&c| is_name_char(c))
            .map(char::len_utf8)
            .sum();
        let close = open + 1 + name_len;
        if !escaped && name_len > 0 && lit[close..].starts_with('%') {
            segments.push(Segment::Text(lit[text_start..open].replace("\\%", "%")));
            segments.push(Segment::Placeholder(lit[open + 1..close].to_owned()));
            text_start = close + 1;
            search = close + 1;
        } else {
            search = open + 1;
        }
    }
    segments.push(Segment::Text(lit[text_start..].replace("\\%", "%")));
    segments
}

/// A value with its `|expand` placeholders resolved.
pub(crate) struct Expanded {
    /// Every combination of placeholder values; none when a placeholder
    /// has no entry in the table.
    pub variants: Vec<Vec<Piece>>,
    /// The placeholders the table has no entry for, each named once, in
    /// the order the value uses them.
    pub unresolved: Vec<String>,
}

/// Resolve `|expand` placeholders: every combination of placeholder values.
///
/// A placeholder the table does not know stands for no value at all, like a
/// placeholder given an empty list: the cross product is then empty, so
/// the value matches nothing. That keeps the rest of the rule useful — a
/// filter built on an unknown placeholder filters nothing — and the caller
/// names what was missing from `unresolved`.
pub(crate) fn expand_placeholders(
    pieces: &[Piece],
    placeholders: &Placeholders,
) -> Result<Expanded, ExpandError> {
    let mut variants: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut unresolved: Vec<String> = Vec::new();
    for piece in pieces {
        let Piece::Lit(lit) = piece else {
            variants.iter_mut().for_each(|v| v.push(piece.clone()));
            continue;
        };
        for segment in split_placeholders(lit) {
            match segment {
                Segment::Text(text) => variants
                    .iter_mut()
                    .for_each(|v| v.push(Piece::Lit(text.clone()))),
                Segment::Placeholder(name) => match placeholders.get(&name) {
                    None => {
                        if !unresolved.contains(&name) {
                            unresolved.push(name);
                        }
                    }
                    Some(values) => {
                        if variants.len().saturating_mul(values.len()) > MAX_VARIANTS {
                            return Err(ExpandError::TooMany);
                        }
                        let globs: Vec<Vec<Piece>> = values.iter().map(|v| parse_glob(v)).collect();
                        variants = variants
                            .iter()
                            .flat_map(|prefix| {
                                globs.iter().map(move |glob| {
                                    let mut v = prefix.clone();
                                    v.extend(glob.iter().cloned());
                                    v
                                })
                            })
                            .collect();
                    }
                },
            }
        }
    }
    if !unresolved.is_empty() {
        variants.clear();
    }
    Ok(Expanded {
        variants: variants.into_iter().map(merge_literals).collect(),
        unresolved,
    })
}

/// The text of a YAML number, used when a string modifier makes a number a
/// string (`EventID|contains: 46`).
pub(crate) fn number_text(n: Number) -> String {
    n.to_string()
}

/// A numeric string for `gt`/`gte`/`lt`/`lte` (`'10'`, `'-2.5'`).
pub(crate) fn parse_number(text: &str) -> Option<Number> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Number::Int(i));
    }
    // Only plain decimal notation: `inf`, `NaN` and friends are not numbers
    // a rule author means.
    let decimal = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && t.chars().any(|c| c.is_ascii_digit());
    match t.parse::<f64>() {
        Ok(f) if decimal && f.is_finite() => Some(Number::Float(f)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Piece {
        Piece::Lit(s.to_owned())
    }

    #[test]
    fn escapes_follow_pysigma() {
        assert_eq!(parse_glob(r"a\*b"), vec![lit("a*b")]);
        assert_eq!(parse_glob(r"a\?b"), vec![lit("a?b")]);
        assert_eq!(parse_glob(r"a\\b"), vec![lit(r"a\b")]);
        assert_eq!(parse_glob(r"C:\Windows\"), vec![lit(r"C:\Windows\")]);
        assert_eq!(parse_glob(r"\\*"), vec![lit("\\"), Piece::AnyString]);
        assert_eq!(parse_glob(r"\\\*"), vec![lit(r"\*")]);
        assert_eq!(parse_glob(r"\\\\"), vec![lit(r"\\")]);
        assert_eq!(parse_glob(r"\\\"), vec![lit(r"\\")]);
        assert_eq!(
            parse_glob("a*b?"),
            vec![lit("a"), Piece::AnyString, lit("b"), Piece::AnyChar]
        );
        assert_eq!(parse_glob(""), Vec::<Piece>::new());
    }

    #[test]
    fn placeholders_split_like_pysigma() {
        let mut table = Placeholders::new();
        table.insert("a", vec!["1".into(), "2".into()]);
        table.insert("b", vec!["x*".into()]);
        let v = expand_placeholders(&[lit(r"pre%a%mid%b%\%a%%%")], &table)
            .ok()
            .unwrap();
        assert!(v.unresolved.is_empty());
        assert_eq!(
            v.variants,
            vec![
                vec![lit("pre1midx"), Piece::AnyString, lit("%a%%%")],
                vec![lit("pre2midx"), Piece::AnyString, lit("%a%%%")],
            ]
        );
        let v = expand_placeholders(&[lit("%nope% %a% %nope%")], &table)
            .ok()
            .unwrap();
        assert_eq!(v.unresolved, vec!["nope".to_owned()]);
        assert!(v.variants.is_empty(), "an unknown placeholder has no value");
    }

    #[test]
    fn numeric_strings() {
        assert_eq!(parse_number(" 10 "), Some(Number::Int(10)));
        assert_eq!(parse_number("-2.5"), Some(Number::Float(-2.5)));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("1e400"), None);
        assert_eq!(parse_number("ten"), None);
    }
}
