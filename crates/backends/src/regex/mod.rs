//! Regular expressions in each target's dialect.
//!
//! Sigma `|re` values are written in (and validated against) the syntax of
//! the `regex` crate with *search* semantics: the pattern may match
//! anywhere in the value, case-sensitively unless `|i`. Targets differ in
//! dialect (RE2, PCRE, Lucene RegExp, Java, LogScale's JitRex), in
//! anchoring (Lucene regexes always match the whole value), in how flags
//! are written (inline `(?i)` or outside: `regex~`, `/…/i`, `nocase`) and in
//! what they support at all. This module parses the Sigma pattern with
//! `regex-syntax` and writes it again for the target, or refuses with the
//! construct it cannot express.
//!
//! Globs (Sigma wildcards) that a target's string operators cannot express
//! (a literal `*` where `*` is always a wildcard; `?` in a language without
//! a one-character wildcard) are translated here to a regex that matches
//! the *whole* value, with the same case rule.
//!
//! How each dialect differs from Rust's `regex` and what we do about it
//! (details in [`printer`] and [`charset`]):
//!
//! | | RE2 | PCRE | Lucene | Java | JitRex |
//! |---|---|---|---|---|---|
//! | `\d \w \s`, classes | exact set, `\p{…}` | exact set, `\p{…}`, `(*UTF)` | explicit ranges (Unicode `\w` refused: too large) | exact set, `\p{…}` | explicit BMP ranges (`\d`/`\w` refused: supplementary digits/letters) |
//! | `.` | `.` | `[^\n]` | `[^\n]` | `[^\n]` | `[^\n]` |
//! | end `$` | `$` | `\z` | implicit | `\z` | `$` |
//! | multi-line `^ $` | `(?m:^)` | look-around | only at the pattern's edges | look-around | refused |
//! | Unicode `\b` | refused | look-around | refused | look-around | refused |
//! | case | `(?i)` / outside | `(?i)` / outside | outside flag, non-ASCII letters spelled out | `(?iu)` / outside | outside flag, non-ASCII letters spelled out |
//!
//! Greediness never changes whether a pattern matches, so lazy quantifiers
//! (and `(?U)`) are dropped where a dialect lacks them. Look-around and
//! back-references never reach us: Sigma's loader rejects them.
//!
//! Every pattern we return contains no bare `/` (all ASCII punctuation is
//! backslash-escaped), so hosts that delimit regexes with `/…/` only need
//! their own string rules; RE2, PCRE and Java patterns contain no raw
//! control or non-ASCII characters either (they are `\x{…}` escapes), nor
//! do JitRex patterns below U+10000 (`\u…`). Lucene has no such escapes,
//! and LogScale none beyond the BMP, so those characters go in raw and the
//! host string syntax must escape them.
//!
//! Unverified against a live engine (no LogScale here): JitRex's `$`
//! without the `m` flag is taken as end of text, and its `/…/i` as folding
//! ASCII letters only (letters with other case partners are spelled out).

mod charset;
mod glob;
mod printer;

use regex_syntax::ast::parse::ParserBuilder;

use tunnelhunt_sigma::ir::{RegexMatch, StrMatch};

use crate::refusal::{Construct, Refusal};
use printer::{CaseMode, Printer, State};

/// A regex dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Google RE2: KQL `matches regex`, YARA-L / UDM.
    Re2,
    /// PCRE: Splunk `regex`, `match()`.
    Pcre,
    /// Lucene RegExp: Elasticsearch EQL `regex`/`regex~` (full match).
    Lucene,
    /// java.util.regex: QRadar `MATCHES`, Sumo Logic.
    Java,
    /// CrowdStrike LogScale (JitRex).
    JitRex,
}

/// Where the caller wants the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagPlacement {
    /// Write `(?i)`, `(?m)`, `(?s)` into the pattern (where the dialect has
    /// inline flags; otherwise a refusal).
    Inline,
    /// Leave them to the caller, who writes them in the language's own way
    /// (`regex~`, `/…/i`, `nocase`): see [`TranslatedRegex::case_insensitive`].
    /// Multi-line and dot-all are still expressed inside the pattern or
    /// refused.
    Outside,
}

/// A pattern for the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslatedRegex {
    /// The pattern text, not yet quoted for the host language.
    pub pattern: String,
    /// With [`FlagPlacement::Outside`]: the caller must apply
    /// case-insensitive matching.
    pub case_insensitive: bool,
}

/// Translate a Sigma `|re` value with search semantics (match anywhere).
pub fn translate(
    regex: &RegexMatch,
    dialect: Dialect,
    flags: FlagPlacement,
) -> Result<TranslatedRegex, Refusal> {
    let ast = ParserBuilder::new()
        .build()
        .parse(&regex.pattern)
        .map_err(|e| {
            Refusal::new(
                Construct::Regex,
                format!(
                    "pattern {} does not parse: {}",
                    quote(&regex.pattern),
                    e.kind()
                ),
            )
        })?;
    let start = State {
        case_insensitive: regex.case_insensitive,
        multi_line: regex.multi_line,
        dot_all: regex.dot_matches_new_line,
        unicode: true,
        ignore_whitespace: false,
    };
    let uniform = printer::uniform_case(&regex.pattern, &ast, start);
    let (case, prefix_flag, outside) = match (uniform, dialect.folds_unicode(), flags) {
        (Some(false), _, _) => (CaseMode::Uniform, false, false),
        (Some(true), _, FlagPlacement::Outside) => (CaseMode::Uniform, false, true),
        (Some(true), true, FlagPlacement::Inline) => (CaseMode::Uniform, true, false),
        (None, true, _) => (CaseMode::Echo, regex.case_insensitive, false),
        (Some(true), false, FlagPlacement::Inline) | (None, false, _) => {
            (CaseMode::Expand, false, false)
        }
    };
    let mut printer = Printer {
        dialect,
        pattern: &regex.pattern,
        case,
        needs_utf: false,
    };
    let body = printer.top(&ast, &mut start.clone())?;
    let mut pattern = String::new();
    if dialect == Dialect::Pcre && (printer.needs_utf || prefix_flag || outside) {
        pattern.push_str(PCRE_UTF);
    }
    if prefix_flag {
        pattern.push_str(&dialect.case_flag(true, false));
    }
    pattern.push_str(&body);
    Ok(TranslatedRegex {
        pattern,
        case_insensitive: outside,
    })
}

/// Translate a glob into a regex that matches the whole value (anchored
/// or, in Lucene, implicitly full-match), case-insensitive unless the glob
/// is `cased`.
pub fn glob_to_regex(
    glob: &StrMatch,
    dialect: Dialect,
    flags: FlagPlacement,
) -> Result<TranslatedRegex, Refusal> {
    glob::to_regex(glob, dialect, flags)
}

/// PCRE works on bytes unless told otherwise; every pattern we write
/// counts characters (`.`, classes, case folding, `\x{…}` above 0xFF).
const PCRE_UTF: &str = "(*UTF)";

impl Dialect {
    /// How refusals name the dialect.
    pub fn label(self) -> &'static str {
        match self {
            Dialect::Re2 => "RE2",
            Dialect::Pcre => "PCRE",
            Dialect::Lucene => "Lucene RegExp",
            Dialect::Java => "Java regex",
            Dialect::JitRex => "LogScale regex",
        }
    }

    /// Inline `(?i)` folds Unicode letters the way Rust does.
    fn folds_unicode(self) -> bool {
        matches!(self, Dialect::Re2 | Dialect::Pcre | Dialect::Java)
    }

    /// The inline flag turning case-insensitivity on or off, as a setting
    /// (`(?i)`) or opening a group (`(?i:`). Java needs `u` to fold
    /// beyond ASCII.
    fn case_flag(self, on: bool, opens_group: bool) -> String {
        let flag = match (self, on) {
            (Dialect::Java, true) => "iu",
            (_, true) => "i",
            (_, false) => "-i",
        };
        format!("(?{flag}{}", if opens_group { ":" } else { ")" })
    }

    fn has_lazy(self) -> bool {
        matches!(self, Dialect::Re2 | Dialect::Pcre | Dialect::Java)
    }

    /// LogScale turns groups into fields; plain groups elsewhere are kept
    /// as the author wrote them.
    fn keeps_captures(self) -> bool {
        !matches!(self, Dialect::JitRex)
    }

    fn non_capturing(self) -> &'static str {
        match self {
            Dialect::Lucene => "(",
            _ => "(?:",
        }
    }
}

/// A pattern or snippet as the variable part of a refusal: in single
/// quotes (which reports strip when grouping), its own single quotes
/// replaced so they cannot end the quotation.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "\u{2019}"))
}

#[cfg(test)]
mod tests;
