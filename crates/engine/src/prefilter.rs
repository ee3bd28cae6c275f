//! The literal prefilter: records no rule can match, recognised in their
//! raw bytes before they are parsed.
//!
//! From each rule's IR we derive *needles*: ASCII strings at least one of
//! which occurs (ASCII case-insensitively) in the raw bytes of any record
//! the rule matches. A record (or an EVTX chunk) in which no needle occurs
//! is skipped without being parsed — unless some rule has no needles at
//! all (it is satisfied through a `not`, a number, `exists`, a CIDR …)
//! and its route may bring it the record (see *Routes*). The prefilter is *sound*: it may let a record
//! through needlessly, never drop one a rule would match.
//!
//! # Needles
//!
//! In negation normal form (as [`crate::gate`] does for the matcher's
//! per-field gates): a conjunction needs the needles of its best child, a
//! disjunction the union of all its children's, `false` needs none (it
//! never holds) and `true` or a negated predicate leaves no requirement.
//! A string predicate needs one *fragment* of one of its glob's literal
//! pieces (every match contains every piece, so every fragment of every
//! piece), a regex one fragment of each of the prefixes its matches begin
//! with (`regex-syntax`'s extractor); the other tests need none.
//!
//! A fragment is a run of a literal (case-folded as the matcher folds it,
//! unless `|cased`) that is spelled the same in the raw bytes as in the
//! value the rule sees. That rules out, by splitting the literal there:
//!
//! * non-ASCII and control characters (JSON may `\u`-escape them; EVTX
//!   stores UTF-16);
//! * `" { } [ ] : ,` — a field holding an object or array is matched as
//!   its JSON text, re-serialized (keys sorted, no blanks), and EVTX string
//!   arrays are joined with `,`;
//! * the separator of a field the reader synthesises by joining two native
//!   fields ([`RawProfile::joined`], e.g. Security 4688 `User` =
//!   `Domain\Name`): a fragment without it lies in one of the two;
//! * a fragment made only of characters a number, GUID, SID, hex value or
//!   timestamp is rendered with (`0-9 a-f x s t z . + - ?`, or a part of
//!   `true`/`false`/`null`/`nan`/`infinity`) is not used at all: such
//!   values are stored in binary in EVTX and may be spelled differently in
//!   JSON (`1e3`), so their text is not in the raw bytes.
//!
//! Of the safe fragments the longest is taken; along a conjunction the
//! child with the cheapest needles wins (see [`cost`]).
//!
//! # Routes
//!
//! A rule's logsource is a second necessary condition
//! ([`RawProfile::route`], [`RawProfile::event_ids`]): a rule of another
//! product never matches these readers' records and is left out. A rule
//! without needles lets through, in JSON, only the records whose
//! `Channel` is one of its service's channels or, for a category, whose
//! `EventID` is one of the category's — both read from the raw text
//! (`scan::key_values`, unsure → let through). In an EVTX chunk neither
//! is readable (binary, or shared template text), so a chunk is skipped
//! only when every rule has needles.
//!
//! # Raw forms
//!
//! Case-insensitive needles match ASCII case-insensitively (the haystack is
//! lowercased into a scratch buffer). Case folding is per character
//! (`crate::text`), and only two non-ASCII characters fold to something
//! with an ASCII letter in it (U+0130 `İ` → `i̇`, U+212A `K` → `k`, see
//! [`ASCII_FOLDING`]); a record holding one of them is let through.
//!
//! * **JSON** ([`Prefilter::may_match_json`]): a string is written with
//!   one spelling per character once `\uXXXX` and `\/` escapes are ruled
//!   out, so a needle is searched in its escaped form (`\` → `\\`), and a
//!   record with a `\u` or `\/` escape is let through.
//! * **EVTX** ([`Prefilter::may_match_utf16`]): strings are UTF-16LE; an
//!   ASCII needle is searched in a copy of the chunk with every zero byte
//!   removed, where an ASCII run of UTF-16 becomes contiguous ASCII.

mod fragment;
mod scan;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, Predicate, Test};

use crate::error::CompileError;
use crate::matcher::Matcher;
use crate::regex_bank::required_prefixes;
pub use fragment::ASCII_FOLDING;
use fragment::best_fragment;

/// What a rule's logsource requires of a record's raw bytes, for one
/// family of readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteNeed {
    /// Records of these readers never reach the rule.
    Never,
    /// Nothing known.
    Unknown,
    /// The `Channel` of every record that reaches the rule contains one
    /// of these strings (compared ASCII case-insensitively).
    AnyOf(Vec<String>),
}

/// What a family of readers does to values between raw bytes and events;
/// the readers' crate describes its own.
pub struct RawProfile<'a> {
    /// Fields whose value the reader joins from several native fields, and
    /// the characters that may join them.
    pub joined: &'a [(&'a str, &'a str)],
    /// What a rule's logsource requires of a record.
    pub route: &'a dyn Fn(&LogSource) -> RouteNeed,
    /// The `EventID`s a record must have to reach a rule of this
    /// logsource; `None` if any (or none) will do.
    pub event_ids: &'a dyn Fn(&LogSource) -> Option<Vec<u32>>,
}

/// Needles one of which must occur; `None` when nothing is required.
/// `Some(empty)`: the expression cannot hold.
type Need = Option<Vec<String>>;

/// The rough cost of a needle set: how often it lets a record through,
/// with short needles weighing far more (a 3-byte needle is common, a
/// 12-byte one rare).
pub(crate) fn cost(needles: &[String]) -> u64 {
    needles.iter().map(|n| 1u64 << (12 - n.len().min(12))).sum()
}

fn better(a: Need, b: Need) -> Need {
    match (a, b) {
        (Some(a), Some(b)) => Some(if cost(&b) < cost(&a) { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The needles `e` being `want` requires.
fn need(e: &Expr, want: bool, profile: &RawProfile<'_>) -> Need {
    match e {
        Expr::Const(b) => (*b != want).then(Vec::new),
        Expr::Pred(p) => {
            if want {
                pred_need(p, profile)
            } else {
                None
            }
        }
        Expr::Not(x) => need(x, !want, profile),
        Expr::And(xs) | Expr::Or(xs) => {
            let conjunctive = matches!(e, Expr::And(_)) == want;
            if conjunctive {
                xs.iter().map(|x| need(x, want, profile)).fold(None, better)
            } else {
                let mut all = Vec::new();
                for x in xs {
                    all.extend(need(x, want, profile)?);
                }
                all.sort_unstable();
                all.dedup();
                Some(all)
            }
        }
    }
}

fn pred_need(p: &Predicate, profile: &RawProfile<'_>) -> Need {
    let split = p
        .field
        .as_deref()
        .and_then(|f| profile.joined.iter().find(|(name, _)| *name == f))
        .map_or("", |(_, sep)| *sep);
    match &p.test {
        Test::Str(m) => m
            .literals()
            .filter_map(|l| best_fragment(l, !m.cased, split))
            .max_by_key(String::len)
            .map(|f| vec![f]),
        Test::Regex(r) => {
            // Case-insensitive regexes already list their case variants.
            let prefixes = required_prefixes(r)?;
            let mut out: Vec<String> = prefixes
                .iter()
                .map(|l| best_fragment(l, false, split))
                .collect::<Option<_>>()?;
            out.sort_unstable();
            out.dedup();
            Some(out)
        }
        Test::Cidr(_)
        | Test::Num(..)
        | Test::Bool(_)
        | Test::Null
        | Test::Exists(_)
        | Test::FieldRef(_) => None,
    }
}

/// The needles of one rule's condition; `None` if it has none.
pub(crate) fn rule_need(expr: &Expr, profile: &RawProfile<'_>) -> Need {
    need(expr, true, profile)
}

/// The prefilter of one rule set for one family of readers. Immutable and
/// shared between threads; the callers bring the scratch buffer.
pub struct Prefilter {
    /// Rules without needles: they must see every record of their route.
    always: Vec<usize>,
    /// Some rule without needles may see any record.
    anywhere: bool,
    /// The `EventID`s some rules without needles need (sorted).
    ids: Vec<u32>,
    /// The channels (lowercase) the other rules without needles need.
    channels: Vec<String>,
    /// All needles, lowercase, raw (as in the squeezed UTF-16 copy).
    needles: Vec<String>,
    /// The needles as JSON escapes them.
    json: Option<AhoCorasick>,
    plain: Option<AhoCorasick>,
}

/// Whether `haystack` contains `needle` (lowercase), ASCII
/// case-insensitively.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len().max(1))
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn automaton(needles: impl IntoIterator<Item = String>) -> Result<AhoCorasick, CompileError> {
    let needles: Vec<String> = needles.into_iter().collect();
    let mut b = AhoCorasick::builder();
    b.match_kind(MatchKind::LeftmostFirst);
    if needles.len() <= 2048 {
        b.kind(Some(AhoCorasickKind::DFA));
    }
    b.build(&needles).map_err(|e| CompileError::LiteralIndex {
        field: "<prefilter>".to_owned(),
        message: e.to_string(),
    })
}

impl Prefilter {
    /// The prefilter of `matcher`'s rules for readers described by
    /// `profile`.
    pub fn new(matcher: &Matcher, profile: &RawProfile<'_>) -> Result<Prefilter, CompileError> {
        let mut always = Vec::new();
        let mut anywhere = false;
        let (mut ids, mut channels) = (Vec::new(), Vec::new());
        let mut needles: Vec<String> = Vec::new();
        for (rule, (expr, ls)) in matcher.exprs.iter().zip(&matcher.sources).enumerate() {
            let route = (profile.route)(ls);
            if route == RouteNeed::Never {
                continue;
            }
            if let Some(n) = rule_need(expr, profile) {
                needles.extend(n);
                continue;
            }
            always.push(rule);
            match (route, (profile.event_ids)(ls)) {
                (RouteNeed::AnyOf(names), _) => {
                    channels.extend(names.iter().map(|n| n.to_ascii_lowercase()));
                }
                (_, Some(some)) => ids.extend(some),
                (_, None) => anywhere = true,
            }
        }
        channels.sort_unstable();
        channels.dedup();
        needles.sort_unstable();
        needles.dedup();
        ids.sort_unstable();
        ids.dedup();
        let (json, plain) = if !anywhere && !needles.is_empty() {
            (
                Some(automaton(needles.iter().map(|n| n.replace('\\', "\\\\")))?),
                Some(automaton(needles.iter().cloned())?),
            )
        } else {
            (None, None)
        };
        Ok(Prefilter {
            always,
            anywhere,
            ids,
            channels,
            needles,
            json,
            plain,
        })
    }

    /// Whether every record is let through (some rule has no needle and
    /// may see any record).
    pub fn passes_everything(&self) -> bool {
        self.anywhere
    }

    /// Whether an EVTX chunk can be skipped (no rule lacks needles: the
    /// `EventID`s of a chunk's records are not in its raw bytes).
    pub fn skips_chunks(&self) -> bool {
        self.always.is_empty() && !self.needles.is_empty()
    }

    /// The rules that have no needle, by [`crate::RuleId`].
    pub fn always_rules(&self) -> &[usize] {
        &self.always
    }

    /// Every needle, lowercase, as it reads in the value.
    pub fn needles(&self) -> &[String] {
        &self.needles
    }

    /// Whether a rule may match the record whose JSON text is `raw`.
    /// `buf` is scratch space.
    pub fn may_match_json(&self, raw: &[u8], buf: &mut Vec<u8>) -> bool {
        if self.passes_everything() {
            return true;
        }
        // The rules without needles first: reading a record's `EventID`
        // and `Channel` is cheaper than the needle search, and a record
        // one of them must see needs no search.
        let routed = !self.ids.is_empty() || !self.channels.is_empty();
        let unsure = routed && scan::json_unsure(raw);
        if unsure || routed && self.route_may_match(raw) {
            return true;
        }
        if let Some(ac) = &self.json {
            scan::lowercase_into(raw, buf);
            if ac.is_match(buf.as_slice()) {
                return true;
            }
        }
        // No needle: only a record spelled otherwise than the needles
        // assume may still match (there is nothing to spell without any).
        !self.needles.is_empty() && !routed && scan::json_unsure(raw)
    }

    /// Whether a rule without needles may see the JSON record `raw`
    /// (spelled without `\u` or `\/` escapes), by its `EventID`s and
    /// `Channel`s.
    fn route_may_match(&self, raw: &[u8]) -> bool {
        let by_id = !self.ids.is_empty()
            && scan::event_ids(raw)
                .is_none_or(|found| found.iter().any(|id| self.ids.binary_search(id).is_ok()));
        by_id
            || !self.channels.is_empty()
                && scan::channels(raw).is_none_or(|found| {
                    found
                        .iter()
                        .any(|c| self.channels.iter().any(|w| contains_ci(c, w)))
                })
    }

    /// Whether a rule may match a record of the EVTX chunk whose bytes
    /// are `chunk`. `buf` is scratch space.
    pub fn may_match_utf16(&self, chunk: &[u8], buf: &mut Vec<u8>) -> bool {
        if !self.always.is_empty() {
            return true;
        }
        let Some(ac) = &self.plain else {
            return false;
        };
        scan::squeeze_lowercase_into(chunk, buf);
        ac.is_match(buf.as_slice()) || scan::utf16_unsure(chunk)
    }
}

#[cfg(test)]
mod tests;
