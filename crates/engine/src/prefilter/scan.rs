//! The raw-byte side of the prefilter: haystack copies, and the records
//! whose raw form may spell a value otherwise than the needles assume.

use std::sync::LazyLock;

use memchr::memmem::{self, Finder};

use super::{ASCII_FOLDING, REGEX_FOLDING};

/// Searchers built once: building one costs about as much as searching a
/// record, and every record is searched for these.
struct Finders {
    /// `\u` and `\/`.
    escapes: [Finder<'static>; 2],
    /// The folding characters, as UTF-8.
    folding_utf8: Vec<Finder<'static>>,
    event_id: Finder<'static>,
    channel: Finder<'static>,
}

static FINDERS: LazyLock<Finders> = LazyLock::new(|| Finders {
    escapes: [
        Finder::new(b"\\u").into_owned(),
        Finder::new(b"\\/").into_owned(),
    ],
    folding_utf8: folding()
        .map(|c| {
            let mut buf = [0; 4];
            Finder::new(c.encode_utf8(&mut buf).as_bytes()).into_owned()
        })
        .collect(),
    event_id: Finder::new(b"\"EventID\"").into_owned(),
    channel: Finder::new(b"\"Channel\"").into_owned(),
});

/// `raw`, ASCII-lowercased, into `buf`.
pub(super) fn lowercase_into(raw: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(raw);
    buf.make_ascii_lowercase();
}

/// `raw` without its zero bytes, ASCII-lowercased, into `buf`: an ASCII
/// run of UTF-16LE text becomes contiguous ASCII.
pub(super) fn squeeze_lowercase_into(raw: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    buf.reserve(raw.len());
    let mut rest = raw;
    while !rest.is_empty() {
        let end = memchr::memchr(0, rest).unwrap_or(rest.len());
        buf.extend_from_slice(&rest[..end]);
        rest = rest.get(end + 1..).unwrap_or(&[]);
    }
    buf.make_ascii_lowercase();
}

/// Whether the escape at `i` (a backslash) is real: preceded by an even
/// number of backslashes.
fn escapes(raw: &[u8], i: usize) -> bool {
    let run = raw[..i].iter().rev().take_while(|&&b| b == b'\\').count();
    run % 2 == 0
}

/// Whether the JSON text `raw` may spell a string otherwise than one
/// spelling per character: it has a `\uXXXX` or `\/` escape, or holds a
/// non-ASCII character whose case folding is ASCII (as UTF-8).
pub(super) fn json_unsure(raw: &[u8]) -> bool {
    let f = &*FINDERS;
    let escape = |finder: &Finder<'_>| finder.find_iter(raw).any(|i| escapes(raw, i));
    f.escapes.iter().any(escape) || utf8_folding(raw)
}

/// The non-ASCII characters a needle may stand for (see
/// [`ASCII_FOLDING`] and [`REGEX_FOLDING`]).
fn folding() -> impl Iterator<Item = char> {
    ASCII_FOLDING
        .into_iter()
        .chain(REGEX_FOLDING.into_iter().map(|(c, _)| c))
}

fn utf8_folding(raw: &[u8]) -> bool {
    FINDERS.folding_utf8.iter().any(|f| f.find(raw).is_some())
}

/// Whether the EVTX chunk `raw` may hold a character whose case folding is
/// ASCII (as UTF-16LE, at any alignment), or one as UTF-8 (an ANSI string).
pub(super) fn utf16_unsure(raw: &[u8]) -> bool {
    let mut units = [0; 2];
    folding().any(|c| {
        c.encode_utf16(&mut units);
        memmem::find(raw, &units[0].to_le_bytes()).is_some()
    }) || utf8_folding(raw)
}

/// A scalar a key holds: the text of a number, or a string.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scalar<'a> {
    Num(&'a str),
    Str(&'a str),
}

/// The values of every `"key"` key in the JSON text `raw` (`key` with its
/// quotes), read the way the evtx shape reads `System` values: a number, a
/// string, or either as the `#text` of an object; `None` when one is
/// something else, or not read here (an escape, a fraction or exponent).
fn key_values<'a>(raw: &'a [u8], key: &Finder<'_>) -> Option<Vec<Scalar<'a>>> {
    let mut out = Vec::new();
    for at in key.find_iter(raw) {
        let at = skip_blanks(raw, at + key.needle().len());
        // A string followed by anything but `:` is a value, not a key.
        if raw.get(at) != Some(&b':') {
            continue;
        }
        let at = skip_blanks(raw, at + 1);
        out.push(match raw.get(at)? {
            b'{' => text_member(raw, at + 1)?,
            _ => scalar(raw, at)?,
        });
    }
    Some(out)
}

/// The `EventID`s a JSON record may have (see [`key_values`]): numbers
/// and strings that read as one; `None` when unsure.
pub(super) fn event_ids(raw: &[u8]) -> Option<Vec<u32>> {
    let values = key_values(raw, &FINDERS.event_id)?;
    Some(
        values
            .iter()
            .filter_map(|v| match v {
                Scalar::Num(n) => n.parse().ok(),
                Scalar::Str(s) => s.trim().parse().ok(),
            })
            .collect(),
    )
}

/// The `Channel`s a JSON record may have (strings only); `None` when
/// unsure.
pub(super) fn channels(raw: &[u8]) -> Option<Vec<&str>> {
    let values = key_values(raw, &FINDERS.channel)?;
    Some(
        values
            .into_iter()
            .filter_map(|v| match v {
                Scalar::Str(s) => Some(s),
                Scalar::Num(_) => None,
            })
            .collect(),
    )
}

fn skip_blanks(raw: &[u8], mut at: usize) -> usize {
    while raw.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
        at += 1;
    }
    at
}

/// The number or string at `at`; `None` for anything else, a string with
/// an escape, or a number with a sign, fraction or exponent.
fn scalar(raw: &[u8], at: usize) -> Option<Scalar<'_>> {
    let rest = &raw[at..];
    if rest.first() == Some(&b'"') {
        let end = memchr::memchr2(b'"', b'\\', &rest[1..])?;
        if rest[1 + end] != b'"' {
            return None;
        }
        return Some(Scalar::Str(std::str::from_utf8(&rest[1..1 + end]).ok()?));
    }
    let end = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    if end == 0 || matches!(rest.get(end), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    Some(Scalar::Num(std::str::from_utf8(&rest[..end]).ok()?))
}

/// The value of the `"#text"` member of the object whose body starts at
/// `at`, looking only at its direct members; `None` when unsure (no such
/// member, or two).
fn text_member(raw: &[u8], mut at: usize) -> Option<Scalar<'_>> {
    let mut depth = 0u32;
    let mut found = None;
    loop {
        at = skip_blanks(raw, at);
        match *raw.get(at)? {
            b'"' => {
                let end = at + 1 + memchr::memchr2(b'"', b'\\', &raw[at + 1..])?;
                if raw[end] != b'"' {
                    return None;
                }
                let key = &raw[at + 1..end];
                at = end + 1;
                if depth == 0 && key == b"#text" {
                    let colon = skip_blanks(raw, at);
                    if raw.get(colon) == Some(&b':') {
                        if found.is_some() {
                            return None;
                        }
                        found = Some(scalar(raw, skip_blanks(raw, colon + 1))?);
                        at = colon + 1;
                    }
                }
            }
            b'{' | b'[' => {
                depth += 1;
                at += 1;
            }
            b'}' | b']' if depth == 0 => return found,
            b'}' | b']' => {
                depth -= 1;
                at += 1;
            }
            _ => at += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeezing_joins_utf16_ascii() {
        let utf16: Vec<u8> = "Ab\\C".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut raw = vec![1, 0, 0];
        raw.extend(&utf16);
        let mut buf = Vec::new();
        squeeze_lowercase_into(&raw, &mut buf);
        assert_eq!(buf, b"\x01ab\\c");
        lowercase_into(b"AbC", &mut buf);
        assert_eq!(buf, b"abc");
    }

    #[test]
    fn unsure_json() {
        assert!(!json_unsure(br#"{"a":"C:\\Users\\x","b":"\\\\u"}"#));
        assert!(json_unsure(br#"{"a":"\u0041"}"#));
        assert!(json_unsure(br#"{"a":"\\\u0041"}"#));
        assert!(json_unsure(br#"{"a":"http:\/\/x"}"#));
        assert!(!json_unsure(br#"{"a":"C:\\/x"}"#));
        assert!(json_unsure("{\"a\":\"\u{212A}\"}".as_bytes()));
        assert!(json_unsure("{\"a\":\"\u{130}\"}".as_bytes()));
        assert!(!json_unsure("{\"a\":\"é\"}".as_bytes()));
    }

    #[test]
    fn event_ids_and_channels_as_the_evtx_shape_reads_them() {
        let ids = |s: &str| event_ids(s.as_bytes());
        assert_eq!(ids(r#"{"System":{"EventID":1}}"#), Some(vec![1]));
        assert_eq!(
            ids(r#"{"EventID" : " 22 ","x":{"EventID":3}}"#),
            Some(vec![22, 3])
        );
        assert_eq!(
            ids(r##"{"EventID":{"#attributes":{"#text":7,"Qualifiers":0},"#text":4688}}"##),
            Some(vec![4688])
        );
        assert_eq!(ids(r#"{"Name":"EventID","b":2}"#), Some(vec![]));
        assert_eq!(ids(r#"{"EventID":"x"}"#), Some(vec![]));
        assert_eq!(ids(r#"{"EventID":1.0}"#), None);
        assert_eq!(ids(r#"{"EventID":1e1}"#), None);
        assert_eq!(ids(r#"{"EventID":-1}"#), None);
        assert_eq!(ids(r#"{"EventID":{"a":1}}"#), None);
        assert_eq!(ids(r##"{"EventID":{"#text":1,"#text":2}}"##), None);
        assert_eq!(ids(r#"{"EventID":"\u0031"}"#), None);
        assert_eq!(ids(r#"{"EventID":"#), None);
        assert_eq!(ids("{}"), Some(vec![]));
        let ch = |s: &'static str| channels(s.as_bytes());
        assert_eq!(
            ch(r#"{"Channel":"Security","Security":{"Channel":4}}"#),
            Some(vec!["Security"])
        );
        assert_eq!(
            ch(r##"{"Channel":{"#text":"System"}}"##),
            Some(vec!["System"])
        );
        assert_eq!(ch(r#"{"Channel":"A\/B"}"#), None);
    }

    #[test]
    fn unsure_utf16() {
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        assert!(!utf16_unsure(&utf16("plain KEY")));
        assert!(utf16_unsure(&utf16("\u{212A}EY")));
        let mut odd = vec![7];
        odd.extend(utf16("x\u{130}"));
        assert!(utf16_unsure(&odd));
    }
}
