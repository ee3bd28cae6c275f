//! Exact character sets and how each dialect writes them.
//!
//! Sigma regexes have Rust `regex` semantics, where `\d`, `\w`, `\s`, `.`
//! and case-insensitive matching are Unicode-aware. The target dialects
//! disagree with that and with each other (RE2 and LogScale `\d` is
//! `[0-9]`, Java's `.` also stops at `\r`, Lucene has no `\n` escape). So
//! we never hand a class to the target by name: regex-syntax computes the
//! exact set of code points a class matches under the flags in force, and
//! this module writes that set in the target's class syntax. Dialects with
//! Unicode general categories (RE2, PCRE, Java) get `\p{L}`-style items for
//! the parts of the set that are whole categories, which keeps `\w` short;
//! the rest is explicit ranges.
//!
//! The residual difference is the Unicode version of the target's tables,
//! which no rendering can remove.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, HirKind};

use super::Dialect;

/// The largest number of explicit ranges we write into one class for a
/// dialect without Unicode categories (Lucene, LogScale). Unicode `\w` is
/// about 770 ranges: far beyond what a reviewer can read or Elasticsearch's
/// default 1,000-character regex limit accepts.
pub(super) const MAX_EXPLICIT_RANGES: usize = 128;

/// Why a set could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum SetError {
    #[error("matches no character at all")]
    Empty,
    #[error(
        "contains characters outside the Basic Multilingual Plane, which it cannot write in a class"
    )]
    Supplementary,
    #[error("would need more than {MAX_EXPLICIT_RANGES} explicit ranges")]
    TooLarge,
}

/// The exact set of one class (or literal) of a pattern: `snippet` is its
/// source text and `flags` the `(?…)` prefix for the flags in force.
pub(super) fn exact_set(flags: &str, snippet: &str) -> Option<ClassUnicode> {
    static CACHE: OnceLock<Memo<Option<ClassUnicode>>> = OnceLock::new();
    CACHE
        .get_or_init(Memo::default)
        .get_or_compute(format!("{flags}{snippet}"), compute_exact_set)
}

/// Whether simple case folding adds characters to the exact set of
/// `snippet` (under `flags`, which must not include `i`).
pub(super) fn grows_under_case_folding(flags: &str, snippet: &str) -> bool {
    static CACHE: OnceLock<Memo<bool>> = OnceLock::new();
    CACHE
        .get_or_init(Memo::default)
        .get_or_compute(format!("{flags}{snippet}"), |text| {
            compute_exact_set(text).is_some_and(|set| {
                let mut folded = set.clone();
                folded.case_fold_simple();
                folded != set
            })
        })
}

/// A small memo of set computations. Why: building and case-folding a
/// class such as `[^\s]` walks a million code points, and the same few
/// snippets recur in every rule and every target of an export.
struct Memo<T> {
    entries: Mutex<HashMap<String, T>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

/// Beyond this many snippets the memo starts over: a bound on memory for
/// a process converting an unbounded stream of rules.
const MEMO_CAPACITY: usize = 4096;

impl<T: Clone> Memo<T> {
    /// A panic while computing never leaves an entry half-written, so a
    /// poisoned lock still guards a consistent map.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, T>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get_or_compute(&self, key: String, compute: impl FnOnce(&str) -> T) -> T {
        let hit = self.lock().get(&key).cloned();
        if let Some(hit) = hit {
            return hit;
        }
        let value = compute(&key);
        let mut entries = self.lock();
        if entries.len() >= MEMO_CAPACITY {
            entries.clear();
        }
        entries.insert(key, value.clone());
        value
    }
}

fn compute_exact_set(text: &str) -> Option<ClassUnicode> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(text)
        .ok()?;
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => Some(class.clone()),
        HirKind::Class(Class::Bytes(class)) => class.to_unicode_class(),
        HirKind::Literal(lit) => {
            let s = std::str::from_utf8(&lit.0).ok()?;
            let mut chars = s.chars();
            let c = chars.next()?;
            chars
                .next()
                .is_none()
                .then(|| ClassUnicode::new([ClassUnicodeRange::new(c, c)]))
        }
        _ => None,
    }
}

/// The simple case-folding orbit of `c` (`k` → `{k, K, U+212A}`), as Rust's
/// `(?i)` uses it.
pub(super) fn case_orbit(c: char) -> ClassUnicode {
    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    class.case_fold_simple();
    class
}

fn category(name: &str) -> &'static ClassUnicode {
    static CATEGORIES: OnceLock<Vec<(&'static str, ClassUnicode)>> = OnceLock::new();
    let table = CATEGORIES.get_or_init(|| {
        COMPACT_CATEGORIES
            .iter()
            .map(|&name| {
                let class = exact_set("", &format!("\\p{{{name}}}"))
                    .expect("regex-syntax knows the general categories");
                (name, class)
            })
            .collect()
    });
    &table
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a listed category")
        .1
}

/// General categories that are written by name where a whole category is
/// inside a set: together they cover Unicode `\w` and `\d`.
const COMPACT_CATEGORIES: &[&str] = &["L", "M", "Nd", "Pc"];

/// Every Unicode scalar value.
fn is_full(class: &ClassUnicode) -> bool {
    let mut complement = class.clone();
    complement.negate();
    complement.ranges().is_empty()
}

/// Write one character inside or outside a class.
pub(super) fn escape_char(dialect: Dialect, c: char, in_class: bool) -> Result<String, SetError> {
    if c.is_ascii_alphanumeric() || c == ' ' {
        return Ok(c.to_string());
    }
    if matches!(c, '<' | '>') && dialect != Dialect::Lucene {
        // Plain characters everywhere but Lucene; escaped, they would be
        // word boundaries in Rust's and GNU-style syntaxes.
        return Ok(c.to_string());
    }
    if c.is_ascii_punctuation() {
        // Every dialect accepts a backslash before ASCII punctuation as
        // "this character literally"; escaping all of it keeps reserved
        // characters (`/`, Lucene's `#@&<>~"`, Java's `&&`) inert.
        return Ok(format!("\\{c}"));
    }
    Ok(match dialect {
        Dialect::Re2 | Dialect::Pcre | Dialect::Java => match c {
            '\t' => "\\t".to_owned(),
            '\n' => "\\n".to_owned(),
            '\r' => "\\r".to_owned(),
            _ => format!("\\x{{{:X}}}", u32::from(c)),
        },
        // Lucene RegExp has no character escapes (`\n` is the letter n):
        // the character itself goes into the pattern and the host
        // language's string syntax carries it.
        Dialect::Lucene => c.to_string(),
        Dialect::JitRex => match c {
            '\t' => "\\t".to_owned(),
            '\n' => "\\n".to_owned(),
            '\r' => "\\r".to_owned(),
            _ if u32::from(c) <= 0xFFFF => format!("\\u{:04X}", u32::from(c)),
            // LogScale has no escape beyond the BMP. As a literal the
            // character itself matches itself; inside a class we cannot
            // tell whether JitRex sees one code point or two UTF-16 units.
            _ if in_class => return Err(SetError::Supplementary),
            _ => c.to_string(),
        },
    })
}

/// "Any character, newlines included".
pub(super) fn any_char(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Re2 | Dialect::Pcre | Dialect::Java => "(?s:.)",
        Dialect::Lucene => ".",
        Dialect::JitRex => "[\\s\\S]",
    }
}

/// Write an exact set as one atom of the dialect.
pub(super) fn render_set(dialect: Dialect, set: &ClassUnicode) -> Result<String, SetError> {
    if set.ranges().is_empty() {
        return Err(SetError::Empty);
    }
    if is_full(set) {
        return Ok(any_char(dialect).to_owned());
    }
    if let [range] = set.ranges()
        && range.start() == range.end()
    {
        return escape_char(dialect, range.start(), false);
    }
    let mut complement = set.clone();
    complement.negate();
    let positive = render_items(dialect, set);
    let negative = render_items(dialect, &complement);
    let (negated, items) = match (positive, negative) {
        (Ok(p), Ok(n)) if n.len() < p.len() => (true, n),
        (Ok(p), _) => (false, p),
        (Err(_), Ok(n)) => (true, n),
        (Err(e), Err(_)) => return Err(e),
    };
    Ok(format!("[{}{items}]", if negated { "^" } else { "" }))
}

fn has_categories(dialect: Dialect) -> bool {
    matches!(dialect, Dialect::Re2 | Dialect::Pcre | Dialect::Java)
}

/// The inside of a class (no brackets, no `^`).
fn render_items(dialect: Dialect, set: &ClassUnicode) -> Result<String, SetError> {
    let mut out = String::new();
    let mut rest = set.clone();
    if has_categories(dialect) {
        for name in COMPACT_CATEGORIES {
            let cat = category(name);
            let mut outside = cat.clone();
            outside.difference(set);
            if outside.ranges().is_empty() {
                out.push_str(&format!("\\p{{{name}}}"));
                rest.difference(cat);
            }
        }
    } else if rest.ranges().len() > MAX_EXPLICIT_RANGES {
        return Err(SetError::TooLarge);
    }
    for range in rest.ranges() {
        out.push_str(&escape_char(dialect, range.start(), true)?);
        if range.end() != range.start() {
            if u32::from(range.end()) > u32::from(range.start()) + 1 {
                out.push('-');
            }
            out.push_str(&escape_char(dialect, range.end(), true)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(snippet: &str) -> ClassUnicode {
        exact_set("", snippet).unwrap()
    }

    #[test]
    fn unicode_digit_uses_the_category_where_the_dialect_has_it() {
        assert_eq!(render_set(Dialect::Re2, &set(r"\d")).unwrap(), r"[\p{Nd}]");
        assert_eq!(
            render_set(Dialect::Java, &set(r"\D")).unwrap(),
            r"[^\p{Nd}]"
        );
        let lucene = render_set(Dialect::Lucene, &set(r"\d")).unwrap();
        assert!(lucene.starts_with("[0-9٠-٩"), "{lucene}");
        assert_eq!(
            render_set(Dialect::JitRex, &set(r"\d")),
            Err(SetError::Supplementary)
        );
    }

    #[test]
    fn unicode_space_is_explicit_everywhere() {
        assert_eq!(
            render_set(Dialect::Re2, &set(r"\s")).unwrap(),
            r"[\t-\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]"
        );
        assert_eq!(
            render_set(Dialect::JitRex, &set(r"\S")).unwrap(),
            r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
        );
    }

    #[test]
    fn word_class_is_categories_plus_the_rest() {
        let re2 = render_set(Dialect::Re2, &set(r"\w")).unwrap();
        assert!(re2.starts_with(r"[\p{L}\p{M}\p{Nd}\p{Pc}"), "{re2}");
        assert!(matches!(
            render_set(Dialect::Lucene, &set(r"\w")),
            Err(SetError::TooLarge)
        ));
    }

    #[test]
    fn ascii_sets_stay_readable_and_escaped() {
        assert_eq!(
            render_set(Dialect::Pcre, &set(r"[a-f0-9]")).unwrap(),
            "[0-9a-f]"
        );
        assert_eq!(
            render_set(Dialect::Lucene, &set(r"[\w.-]")).unwrap_err(),
            SetError::TooLarge
        );
        assert_eq!(
            render_set(Dialect::Java, &set(r"[&\]^-]")).unwrap(),
            r"[\&\-\]\^]"
        );
        assert_eq!(render_set(Dialect::Re2, &set(r"[.]")).unwrap(), r"\.");
        assert_eq!(
            render_set(Dialect::Lucene, &set(r"[^\n]")).unwrap(),
            "[^\n]"
        );
        assert_eq!(render_set(Dialect::Re2, &set(r"(?s:.)")).unwrap(), "(?s:.)");
    }

    #[test]
    fn case_orbits_include_the_unicode_partners() {
        let orbit = case_orbit('k');
        assert_eq!(render_set(Dialect::Re2, &orbit).unwrap(), r"[Kk\x{212A}]");
        assert_eq!(case_orbit('7').ranges().len(), 1);
    }
}
