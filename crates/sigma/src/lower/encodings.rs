//! Value rewrites: `windash`, UTF-16 and base64.
//!
//! # windash
//!
//! Windows programs accept `-flag` and `/flag` alike, and copy-pasted
//! command lines carry typographic dashes. pySigma rewrites every `-` or `/`
//! matched by the (Python, Unicode) regex `\B[-/]\b` — a dash or slash that
//! is *not* preceded by a word character and *is* followed by one, i.e. one
//! that starts a word-ish token (`-L`, `/c`, ` -NfL`), but not the hyphen
//! in `Invoke-Expression` nor a trailing `-`. The regex is evaluated on each
//! literal part of the value separately, so a part's first character counts
//! as preceded by nothing (`*-flag` rewrites the dash). Each such character
//! expands to all five of `-`, `/`, `–` (U+2013), `—` (U+2014), `―`
//! (U+2015), and a value with several gets every combination.
//!
//! # UTF-16 and base64
//!
//! `utf16le`/`wide`, `utf16be` and `utf16` (little-endian with the `FF FE`
//! byte-order mark) turn the text into bytes; without them the bytes are
//! UTF-8. `base64` encodes those bytes (standard alphabet, padded, as
//! pySigma does). `base64offset` produces the three encodings of the bytes
//! shifted by zero, one and two positions in a base64 stream, with the
//! leading and trailing characters that depend on the unknown neighbouring
//! bytes cut off — exactly pySigma's cut: prefix `i` spaces, encode, then
//! slice `[start[i] .. end[(len + i) % 3]]` with `start = (0, 2, 3)` and
//! `end = (none, -3, -2)`. Variants that come out empty (values of one or
//! two bytes) are dropped: an empty fragment under `contains` would match
//! every event.

use base64::Engine as _;

use crate::ir::Piece;

use super::modifiers::Utf16;

/// The characters a windash position expands to.
pub(crate) const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Python's `\w` for `str` patterns: letters, digits (any script) and `_`.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte offsets of the characters `\B[-/]\b` matches in `lit`.
fn windash_positions(lit: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = lit.char_indices().collect();
    let mut out = Vec::new();
    for (i, &(offset, c)) in chars.iter().enumerate() {
        if !matches!(c, '-' | '/') {
            continue;
        }
        let after_word = i > 0 && is_word(chars[i - 1].1);
        let before_word = chars.get(i + 1).is_some_and(|&(_, n)| is_word(n));
        if !after_word && before_word {
            out.push(offset);
        }
    }
    out
}

/// How many variants windash makes of `pieces` (saturating).
pub(crate) fn windash_count(pieces: &[Piece]) -> usize {
    let positions: usize = pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(s) => windash_positions(s).len(),
            _ => 0,
        })
        .sum();
    let exp = u32::try_from(positions).unwrap_or(u32::MAX);
    DASHES.len().checked_pow(exp).unwrap_or(usize::MAX)
}

/// All windash variants of `pieces`, in a fixed order (the original dash
/// choice first varies slowest). Callers check [`windash_count`] first.
pub(crate) fn windash(pieces: &[Piece]) -> Vec<Vec<Piece>> {
    let mut variants: Vec<Vec<Piece>> = vec![Vec::new()];
    for piece in pieces {
        let Piece::Lit(lit) = piece else {
            variants.iter_mut().for_each(|v| v.push(piece.clone()));
            continue;
        };
        // Split the literal at its windash positions: text, dash, text, …
        let mut texts: Vec<&str> = Vec::new();
        let mut start = 0;
        for pos in windash_positions(lit) {
            texts.push(&lit[start..pos]);
            start = pos + 1; // `-` and `/` are one byte
        }
        texts.push(&lit[start..]);
        let mut strings: Vec<String> = vec![texts[0].to_owned()];
        for text in &texts[1..] {
            strings = strings
                .iter()
                .flat_map(|prefix| {
                    DASHES.iter().map(move |dash| {
                        let mut s = prefix.clone();
                        s.push(*dash);
                        s.push_str(text);
                        s
                    })
                })
                .collect();
        }
        variants = variants
            .iter()
            .flat_map(|prefix| {
                strings.iter().map(move |s| {
                    let mut v = prefix.clone();
                    v.push(Piece::Lit(s.clone()));
                    v
                })
            })
            .collect();
    }
    variants
}

/// The bytes that base64 encodes.
pub(crate) fn encode_text(text: &str, utf16: Option<Utf16>) -> Vec<u8> {
    match utf16 {
        None => text.as_bytes().to_vec(),
        Some(Utf16::Le) => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Some(Utf16::Be) => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Some(Utf16::LeBom) => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
    }
}

/// `|base64`: the padded standard encoding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `|base64offset`: the three shifted encodings, trimmed as pySigma does,
/// without empty ones.
pub(crate) fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_TRIM: [usize; 3] = [0, 3, 2];
    let mut out = Vec::with_capacity(3);
    for shift in 0..3 {
        let mut shifted = vec![b' '; shift];
        shifted.extend_from_slice(bytes);
        let encoded = base64(&shifted);
        let end = encoded
            .len()
            .saturating_sub(END_TRIM[(bytes.len() + shift) % 3]);
        let start = START[shift];
        if start < end {
            out.push(encoded[start..end].to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Piece {
        Piece::Lit(s.to_owned())
    }

    #[test]
    fn windash_positions_follow_the_word_boundary_rule() {
        assert_eq!(windash_positions("-L"), vec![0]);
        assert_eq!(windash_positions(" /c "), vec![1]);
        assert_eq!(windash_positions("Invoke-Expression"), Vec::<usize>::new());
        assert_eq!(windash_positions("a -"), Vec::<usize>::new());
        assert_eq!(windash_positions("--x"), vec![1]);
        assert_eq!(windash_positions("é -ü"), vec![3]);
    }

    #[test]
    fn windash_expands_every_combination() {
        let v = windash(&[Piece::AnyString, lit(" -a -b")]);
        assert_eq!(v.len(), 25);
        assert_eq!(v[0], vec![Piece::AnyString, lit(" -a -b")]);
        assert_eq!(v[1], vec![Piece::AnyString, lit(" -a /b")]);
        assert_eq!(v[24], vec![Piece::AnyString, lit(" \u{2015}a \u{2015}b")]);
        assert_eq!(windash_count(&[lit(" -a -b")]), 25);
        assert_eq!(windash(&[lit("none")]), vec![vec![lit("none")]]);
    }

    #[test]
    fn base64_matches_pysigma() {
        assert_eq!(
            base64_offsets(b"/bin/bash"),
            vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]
        );
        assert_eq!(
            base64_offsets(b"foobar"),
            vec!["Zm9vYmFy", "Zvb2Jhc", "mb29iYX"]
        );
        assert_eq!(base64_offsets(b"a"), vec!["Y", "h"]);
        assert!(base64_offsets(b"").is_empty());
        let wide = encode_text("cmd", Some(Utf16::Le));
        assert_eq!(base64(&wide), "YwBtAGQA");
        assert_eq!(
            base64_offsets(&wide),
            vec!["YwBtAGQA", "MAbQBkA", "jAG0AZA"]
        );
        assert_eq!(
            base64(&encode_text("cmd", Some(Utf16::LeBom))),
            "//5jAG0AZAA="
        );
        assert_eq!(base64(&encode_text("cmd", Some(Utf16::Be))), "AGMAbQBk");
    }
}
