//! Compiled Sigma globs.
//!
//! A [`StrMatch`] is a sequence of literal pieces, `*` and `?`. Most SigmaHQ
//! values are one of the four dedicated shapes (equals, contains,
//! startswith, endswith), which compile to a single `str` operation. The
//! rest are split at every `*` into segments of literals and `?`: the first
//! segment is anchored at the start (unless the glob starts with `*`), the
//! last at the end (unless it ends with `*`), and the middle segments are
//! matched leftmost-first, which is complete for globs and never
//! backtracks. Matching is linear in the text for the shapes and at most
//! `O(text × segments)` otherwise.
//!
//! Case-insensitive globs store their literals folded (see [`crate::text`])
//! and must be given folded text; `cased` globs are given the original.

use tunnelhunt_sigma::ir::{Piece, StrMatch, StrShape};

use memchr::memmem::Finder;

use crate::text::fold;

#[derive(Debug, Clone)]
pub(crate) struct Glob {
    kind: Kind,
    cased: bool,
}

#[derive(Debug, Clone)]
enum Kind {
    /// `*`: any text, including the empty one.
    Any,
    Equals(String),
    /// A prebuilt searcher: `str::contains` sets one up on every call,
    /// which dominated the cost of verifying SigmaHQ's `contains` values.
    Contains(Box<Finder<'static>>),
    StartsWith(String),
    EndsWith(String),
    General {
        segments: Vec<Vec<Item>>,
        star_first: bool,
        star_last: bool,
    },
}

#[derive(Debug, Clone)]
enum Item {
    Lit(String),
    AnyChar,
}

impl Glob {
    pub(crate) fn new(m: &StrMatch) -> Glob {
        let norm = |s: &str| if m.cased { s.to_owned() } else { fold(s) };
        let kind = match m.shape() {
            StrShape::Any => Kind::Any,
            StrShape::Equals(s) => Kind::Equals(norm(s)),
            StrShape::Contains(s) => Kind::Contains(Box::new(Finder::new(&norm(s)).into_owned())),
            StrShape::StartsWith(s) => Kind::StartsWith(norm(s)),
            StrShape::EndsWith(s) => Kind::EndsWith(norm(s)),
            StrShape::Glob => {
                let mut segments = Vec::new();
                let mut segment = Vec::new();
                for piece in &m.pieces {
                    match piece {
                        Piece::AnyString => segments.push(std::mem::take(&mut segment)),
                        Piece::AnyChar => segment.push(Item::AnyChar),
                        Piece::Lit(s) => segment.push(Item::Lit(norm(s))),
                    }
                }
                segments.push(segment);
                let star_first = matches!(m.pieces.first(), Some(Piece::AnyString));
                let star_last = matches!(m.pieces.last(), Some(Piece::AnyString));
                segments.retain(|s| !s.is_empty());
                Kind::General {
                    segments,
                    star_first,
                    star_last,
                }
            }
        };
        Glob {
            kind,
            cased: m.cased,
        }
    }

    /// Whether the glob wants the original (not folded) text.
    pub(crate) fn cased(&self) -> bool {
        self.cased
    }

    /// Match against `text`, which must be folded unless [`Glob::cased`].
    pub(crate) fn is_match(&self, text: &str) -> bool {
        match &self.kind {
            Kind::Any => true,
            Kind::Equals(s) => text == s,
            Kind::Contains(f) => f.find(text.as_bytes()).is_some(),
            Kind::StartsWith(s) => text.starts_with(s.as_str()),
            Kind::EndsWith(s) => text.ends_with(s.as_str()),
            Kind::General {
                segments,
                star_first,
                star_last,
            } => match_general(segments, *star_first, *star_last, text),
        }
    }
}

fn match_general(segments: &[Vec<Item>], star_first: bool, star_last: bool, text: &str) -> bool {
    let mut segs = segments;
    if !star_first && !star_last && segs.len() == 1 {
        return match_at(&segs[0], text, 0) == Some(text.len());
    }
    let mut pos = 0;
    let mut limit = text.len();
    if !star_first {
        let Some((first, rest)) = segs.split_first() else {
            return text.is_empty();
        };
        match match_at(first, text, 0) {
            Some(end) => pos = end,
            None => return false,
        }
        segs = rest;
    }
    if !star_last {
        let Some((last, rest)) = segs.split_last() else {
            return pos == text.len();
        };
        let width: usize = last
            .iter()
            .map(|i| match i {
                Item::Lit(s) => s.chars().count(),
                Item::AnyChar => 1,
            })
            .sum();
        let Some(start) = back_chars(text, width) else {
            return false;
        };
        if start < pos || match_at(last, text, start) != Some(text.len()) {
            return false;
        }
        limit = start;
        segs = rest;
    }
    let hay = &text[..limit];
    for seg in segs {
        match find_leftmost(seg, hay, pos) {
            Some(end) => pos = end,
            None => return false,
        }
    }
    true
}

/// The byte offset `n` characters before the end of `text`.
fn back_chars(text: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return Some(text.len());
    }
    text.char_indices().rev().nth(n - 1).map(|(i, _)| i)
}

/// Match a segment starting exactly at byte `pos`; returns its end.
fn match_at(seg: &[Item], text: &str, mut pos: usize) -> Option<usize> {
    for item in seg {
        let rest = &text[pos..];
        match item {
            Item::Lit(s) => {
                if !rest.starts_with(s.as_str()) {
                    return None;
                }
                pos += s.len();
            }
            Item::AnyChar => pos += rest.chars().next()?.len_utf8(),
        }
    }
    Some(pos)
}

/// The end of the leftmost match of `seg` at or after `from`.
fn find_leftmost(seg: &[Item], text: &str, from: usize) -> Option<usize> {
    match seg.first() {
        // Jump between occurrences of the leading literal.
        Some(Item::Lit(lit)) => {
            let mut start = from;
            while let Some(off) = text[start..].find(lit.as_str()) {
                let at = start + off;
                if let Some(end) = match_at(seg, text, at) {
                    return Some(end);
                }
                start = at + text[at..].chars().next().map_or(1, char::len_utf8);
            }
            None
        }
        _ => {
            let mut at = from;
            loop {
                if let Some(end) = match_at(seg, text, at) {
                    return Some(end);
                }
                at += text[at..].chars().next()?.len_utf8();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pieces: &str, cased: bool) -> Glob {
        // Test notation: `*` and `?` are wildcards, everything else literal.
        let ps = pieces.chars().map(|c| match c {
            '*' => Piece::AnyString,
            '?' => Piece::AnyChar,
            c => Piece::Lit(c.to_string()),
        });
        Glob::new(&StrMatch::new(ps, cased))
    }

    fn m(pattern: &str, text: &str) -> bool {
        let g = glob(pattern, false);
        g.is_match(&fold(text))
    }

    #[test]
    fn shapes() {
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("cmd.exe", "CMD.EXE"));
        assert!(m("*\\cmd.exe", "C:\\Windows\\CMD.exe"));
        assert!(m("c:\\*", "C:\\x"));
        assert!(m("*ping*", "xxPINGxx"));
        assert!(!m("*ping*", "pin"));
    }

    #[test]
    fn question_mark_is_one_character() {
        assert!(m("a?c", "abc"));
        assert!(m("a?c", "aéc"));
        assert!(!m("a?c", "ac"));
        assert!(!m("a?c", "abbc"));
        assert!(m("?", "ß"));
        assert!(!m("?", ""));
        assert!(m("*?", "x"));
        assert!(!m("*?", ""));
        assert!(m("??*", "ab"));
        assert!(!m("??*", "a"));
    }

    #[test]
    fn general_globs() {
        assert!(m("a*b*c", "aXbYc"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("*a*b?d*", "zzabzdzz"));
        assert!(m("a*a", "aa"));
        assert!(!m("a*a", "a"));
        assert!(m("*-l ?:*", "ssh -L 8:x"));
        assert!(m("ab*?b", "abxb"));
        assert!(!m("ab*?b", "abb"));
        assert!(m("x*y*", "xay"));
        assert!(!m("x*y*z", "xayb"));
    }

    #[test]
    fn cased_globs_see_original_text() {
        let g = glob("*-L*", true);
        assert!(g.cased());
        assert!(g.is_match("ssh -L 80"));
        assert!(!g.is_match("ssh -l user"));
    }
}
