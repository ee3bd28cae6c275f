//! The raw forms the prefilter searches: haystack copies (JSON text
//! lowercased, EVTX chunks squeezed from UTF-16), the records whose raw
//! form may spell a value otherwise than the needles assume, and the
//! `EventID`s and `Channel`s of JSON records, read for the engine's route
//! gates ([`RouteKeys`]).

use std::sync::LazyLock;

use memchr::memmem::Finder;

use tunnelhunt_engine::RouteKeys;
use tunnelhunt_engine::prefilter::{ASCII_FOLDING, REGEX_FOLDING};

use super::literals::Literals;

/// Searchers built once: building one costs about as much as searching a
/// record, and every record is searched for these.
struct Finders {
    /// [`JSON_ESCAPES`], then the folding characters as UTF-8.
    json_unsure: Literals,
    /// The folding characters as UTF-16LE, then as UTF-8.
    utf16_unsure: Literals,
    event_id: Finder<'static>,
    channel: Finder<'static>,
}

/// The escapes of JSON strings whose escaped form needles are not searched
/// in (`\\` is searched for `\`, and no needle holds `"`).
const JSON_ESCAPES: [&[u8]; 2] = [b"\\u", b"\\/"];

static FINDERS: LazyLock<Finders> = LazyLock::new(|| Finders {
    json_unsure: Literals::new(&json_unsure_literals()),
    utf16_unsure: Literals::new(&utf16_unsure_literals()),
    event_id: Finder::new(b"\"EventID\"").into_owned(),
    channel: Finder::new(b"\"Channel\"").into_owned(),
});

fn folding_utf8() -> impl Iterator<Item = Vec<u8>> {
    folding().map(|c| c.encode_utf8(&mut [0; 4]).as_bytes().to_vec())
}

/// What [`json_unsure`] looks for.
fn json_unsure_literals() -> Vec<Vec<u8>> {
    JSON_ESCAPES
        .iter()
        .map(|e| e.to_vec())
        .chain(folding_utf8())
        .collect()
}

/// What [`utf16_unsure`] looks for.
fn utf16_unsure_literals() -> Vec<Vec<u8>> {
    folding()
        .map(|c| {
            let mut units = [0; 2];
            // The folding characters are in the BMP: one unit each.
            c.encode_utf16(&mut units);
            units[0].to_le_bytes().to_vec()
        })
        .chain(folding_utf8())
        .collect()
}

/// `raw`, ASCII-lowercased, into `buf`.
pub(super) fn lowercase_into(raw: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend(raw.iter().map(u8::to_ascii_lowercase));
}

/// `raw` without its zero bytes, ASCII-lowercased, into `buf`: an ASCII
/// run of UTF-16LE text becomes contiguous ASCII.
///
/// Without a branch per byte: each byte is written where the next kept
/// one goes and the place moves on only past a non-zero byte. UTF-16 text
/// has a zero every other byte, so looking for the zeroes (one `memchr`
/// per run) cost five times as much as the needle search itself.
pub(super) fn squeeze_lowercase_into(raw: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    buf.resize(raw.len(), 0);
    let mut kept = 0;
    for &b in raw {
        // `kept` is at most the index of `b`: always within `buf`.
        if let Some(slot) = buf.get_mut(kept) {
            *slot = b.to_ascii_lowercase();
        }
        kept += usize::from(b != 0);
    }
    buf.truncate(kept);
}

/// Whether the backslash at `i` starts an escape: it is preceded by an
/// even number of backslashes (after an odd run it is the second half of
/// an escaped backslash, `\\`).
fn escapes(raw: &[u8], i: usize) -> bool {
    let run = raw[..i].iter().rev().take_while(|&&b| b == b'\\').count();
    run % 2 == 0
}

/// Whether the JSON text `raw` may spell a string otherwise than one
/// spelling per character: it has a `\uXXXX` or `\/` escape, or holds a
/// non-ASCII character whose case folding is ASCII (as UTF-8).
///
/// One pass finds every occurrence of any of them: no two of the
/// sequences can start at one position (the escapes differ in their
/// second byte, the UTF-8 sequences in their lead byte), so the leftmost
/// one found from just after the previous is the next occurrence. Only an
/// escape-looking occurrence needs its backslashes counted, and in text
/// without escapes those are rare, unlike backslashes (Windows paths).
pub(super) fn json_unsure(raw: &[u8]) -> bool {
    json_unsure_by(&FINDERS.json_unsure, raw)
}

fn json_unsure_by(literals: &Literals, raw: &[u8]) -> bool {
    let mut at = 0;
    while let Some((which, start)) = literals.find_at(raw, at) {
        if which >= JSON_ESCAPES.len() || escapes(raw, start) {
            return true;
        }
        at = start + 1;
    }
    false
}

/// The non-ASCII characters a needle may stand for (see
/// [`ASCII_FOLDING`] and [`REGEX_FOLDING`]), each once.
fn folding() -> impl Iterator<Item = char> {
    let all = ASCII_FOLDING
        .into_iter()
        .chain(REGEX_FOLDING.into_iter().map(|(c, _)| c));
    let mut all: Vec<char> = all.collect();
    all.sort_unstable();
    all.dedup();
    all.into_iter()
}

/// Whether the EVTX chunk `raw` may hold a character whose case folding is
/// ASCII (as UTF-16LE, at any alignment), or one as UTF-8 (an ANSI string).
pub(super) fn utf16_unsure(raw: &[u8]) -> bool {
    utf16_unsure_by(&FINDERS.utf16_unsure, raw)
}

fn utf16_unsure_by(literals: &Literals, raw: &[u8]) -> bool {
    literals.find_at(raw, 0).is_some()
}

/// A scalar a key holds: the text of a number, or a string.
#[derive(Debug, PartialEq, Eq)]
enum Scalar<'a> {
    Num(&'a str),
    Str(&'a str),
}

/// What an occurrence of `"key"` in a JSON record is.
enum Occurrence<'a> {
    /// A key with a value read the way the evtx shape reads `System`
    /// values: a number, a string, or either as the `#text` of an object.
    Value(Scalar<'a>),
    /// A string standing for a value, not a key.
    NotAKey,
    /// A key whose value is something else, or not read here (an escape,
    /// a fraction or exponent).
    Unsure,
}

/// The occurrence of `"key"` ending at `end` in the JSON text `raw`.
fn occurrence(raw: &[u8], end: usize) -> Occurrence<'_> {
    let at = skip_blanks(raw, end);
    if raw.get(at) != Some(&b':') {
        return Occurrence::NotAKey;
    }
    let at = skip_blanks(raw, at + 1);
    let value = match raw.get(at) {
        None => None,
        Some(b'{') => text_member(raw, at + 1),
        Some(_) => scalar(raw, at),
    };
    value.map_or(Occurrence::Unsure, Occurrence::Value)
}

/// An `EventID` value as a number, if it reads as one.
fn event_id(v: Scalar<'_>) -> Option<u32> {
    match v {
        Scalar::Num(n) => n.parse().ok(),
        Scalar::Str(s) => s.trim().parse().ok(),
    }
}

/// A `Channel` value, if a string.
fn channel(v: Scalar<'_>) -> Option<&str> {
    match v {
        Scalar::Str(s) => Some(s),
        Scalar::Num(_) => None,
    }
}

/// A JSON record's `EventID`s and `Channel`s, read from its text as far
/// as the gates ask.
pub(super) struct JsonKeys<'a> {
    ids: KeyValues<'a, u32>,
    channels: KeyValues<'a, &'a str>,
}

impl<'a> JsonKeys<'a> {
    pub(super) fn new(raw: &'a [u8]) -> Self {
        JsonKeys {
            ids: event_ids(raw),
            channels: channels(raw),
        }
    }
}

impl RouteKeys for JsonKeys<'_> {
    #[inline]
    fn any_event_id(&mut self, wanted: impl Fn(u32) -> bool) -> bool {
        self.ids.any(wanted)
    }

    #[inline]
    fn any_channel(&mut self, wanted: impl Fn(&str) -> bool) -> bool {
        self.channels.any(wanted)
    }
}

/// The values of one key of a JSON record (see [`Occurrence`]), read
/// from its text only as far as a question needs: a record whose first
/// `EventID` lets it in is not read further.
pub(super) struct KeyValues<'a, T> {
    raw: &'a [u8],
    key: &'static Finder<'static>,
    read: fn(Scalar<'a>) -> Option<T>,
    /// Where the next occurrence of the key is looked for; `None` past
    /// the last, or after an unsure value.
    next: Option<usize>,
    found: Found<T>,
    unsure: bool,
}

/// The `EventID`s of the record `raw`: numbers and strings that read as
/// one.
pub(super) fn event_ids(raw: &[u8]) -> KeyValues<'_, u32> {
    KeyValues::new(raw, &FINDERS.event_id, event_id)
}

/// The `Channel`s of the record `raw` (strings only).
pub(super) fn channels(raw: &[u8]) -> KeyValues<'_, &str> {
    KeyValues::new(raw, &FINDERS.channel, channel)
}

impl<'a, T: Copy + Default> KeyValues<'a, T> {
    fn new(
        raw: &'a [u8],
        key: &'static Finder<'static>,
        read: fn(Scalar<'a>) -> Option<T>,
    ) -> Self {
        KeyValues {
            raw,
            key,
            read,
            next: Some(0),
            found: Found::default(),
            unsure: false,
        }
    }

    /// Whether some value is `wanted`, or some value is unsure: the same
    /// answer as reading all the values first, since either makes it yes.
    pub(super) fn any(&mut self, wanted: impl Fn(T) -> bool) -> bool {
        if self.unsure || self.found.iter().any(&wanted) {
            return true;
        }
        while let Some(from) = self.next {
            let Some(i) = self.key.find(&self.raw[from..]) else {
                self.next = None;
                break;
            };
            let end = from + i + self.key.needle().len();
            self.next = Some(end);
            match occurrence(self.raw, end) {
                Occurrence::Unsure => {
                    self.unsure = true;
                    self.next = None;
                    return true;
                }
                Occurrence::Value(v) => {
                    if let Some(v) = (self.read)(v) {
                        self.found.push(v);
                        if wanted(v) {
                            return true;
                        }
                    }
                }
                Occurrence::NotAKey => {}
            }
        }
        false
    }

    /// All the values; `None` when one is unsure.
    #[cfg(test)]
    pub(super) fn all(mut self) -> Option<Vec<T>> {
        (!self.any(|_| false)).then(|| self.found.iter().collect())
    }
}

/// Values found so far: a record has one or two of a key, kept without an
/// allocation.
#[derive(Default)]
struct Found<T> {
    first: [T; 2],
    len: usize,
    more: Vec<T>,
}

impl<T: Copy> Found<T> {
    fn push(&mut self, v: T) {
        match self.first.get_mut(self.len) {
            Some(slot) => *slot = v,
            None => self.more.push(v),
        }
        self.len += 1;
    }

    fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.first[..self.len.min(2)]
            .iter()
            .chain(&self.more)
            .copied()
    }
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
#[path = "scan_tests.rs"]
mod tests;
