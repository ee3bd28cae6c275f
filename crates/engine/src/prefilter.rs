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
//! piece), a regex one fragment of each of the literals one of which every
//! match contains (its prefixes, or factors found anywhere in it, see
//! `factors`); the other tests need none.
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
//! * a fragment that could be (part of) the text of a typed value is not
//!   used at all. In an EVTX chunk numbers, GUIDs, SIDs, hex values and
//!   timestamps are binary, so no fragment made only of the characters
//!   they render with (`0-9 a-f x s t z . + - ?`) is searched there; in
//!   JSON text only a number may be spelled otherwise than it reads
//!   (`1e3`), so there only fragments of number characters with at most
//!   one `.` are left out (`127.0.0.1` is a string, spelled as it reads).
//!   Parts of `true`/`false`/`null`/`nan`/`infinity` are left out in both.
//!   Needles are therefore made twice: for JSON text and for chunks.
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
//! (`scan::KeyValues`, unsure → let through). The rules with needles are
//! held to their routes the same way: their needles are searched in
//! groups, one per route (up to `MAX_GROUPS`, else one group behind the
//! union of the routes), and a record is searched only for the groups
//! whose route it may be on — a `ssh` in a registry event does not let it
//! through for a process-creation rule, and a process-creation record is
//! not searched for the registry rules' needles. In an EVTX chunk neither
//! `EventID` nor `Channel` is readable (binary, or shared template text),
//! so a chunk is searched for every needle, and skipped only when every
//! rule has needles.
//!
//! # Raw forms
//!
//! Needles match ASCII case-insensitively: a group of up to 16, or up to
//! 64 of at least 4 bytes, is found with Teddy (SIMD) in a copy of the
//! haystack lowercased into a scratch buffer, others by an Aho-Corasick
//! automaton that lowercases each byte as it reads it, walking several
//! parts of the haystack at once (see `search`). Case folding is per
//! character (`crate::text`), and only two non-ASCII characters fold to
//! something with an ASCII letter in it (U+0130 `İ` → `i̇`, U+212A `K` →
//! `k`, see [`ASCII_FOLDING`]); a record holding one of them is let
//! through. So is one holding a character a case-insensitive regex
//! matches for an ASCII letter (the long s, the Kelvin sign:
//! [`REGEX_FOLDING`]), which lets `(?i)s` be searched as `s`.
//!
//! * **JSON** ([`Prefilter::may_match_json`]): a string is written with
//!   one spelling per character once `\uXXXX` and `\/` escapes are ruled
//!   out, so a needle is searched in its escaped form (`\` → `\\`), and a
//!   record with a `\u` or `\/` escape is let through. Whether a record has
//!   one, or a folding character, is asked last, of the records the gates
//!   and needles would skip: one pass finds every candidate, and only an
//!   escape-looking one has its backslashes counted (`scan::json_unsure`).
//!   The keys the gates read (`EventID`, `Channel`) are read only as far
//!   as a gate needs: a record whose first `EventID` lets it in is not
//!   read further.
//! * **EVTX** ([`Prefilter::may_match_utf16`]): strings are UTF-16LE; an
//!   ASCII needle is searched in a copy of the chunk with every zero byte
//!   removed, where an ASCII run of UTF-16 becomes contiguous ASCII.

pub(crate) mod factors;
mod fragment;
mod scan;
mod search;

use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, Predicate, Test};

use crate::error::CompileError;
use crate::matcher::Matcher;
use crate::regex_bank::required_prefixes;
pub use fragment::{ASCII_FOLDING, REGEX_FOLDING};
use fragment::{RawForm, best_fragment};
use search::Needles;

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

/// The needles `e` being `want` requires, searched in `form`.
fn need(e: &Expr, want: bool, profile: &RawProfile<'_>, form: RawForm) -> Need {
    match e {
        Expr::Const(b) => (*b != want).then(Vec::new),
        Expr::Pred(p) => {
            if want {
                pred_need(p, profile, form)
            } else {
                None
            }
        }
        Expr::Not(x) => need(x, !want, profile, form),
        Expr::And(xs) | Expr::Or(xs) => {
            let conjunctive = matches!(e, Expr::And(_)) == want;
            if conjunctive {
                xs.iter()
                    .map(|x| need(x, want, profile, form))
                    .fold(None, better)
            } else {
                let mut all = Vec::new();
                for x in xs {
                    all.extend(need(x, want, profile, form)?);
                }
                Some(sorted(all))
            }
        }
    }
}

fn pred_need(p: &Predicate, profile: &RawProfile<'_>, form: RawForm) -> Need {
    let split = p
        .field
        .as_deref()
        .and_then(|f| profile.joined.iter().find(|(name, _)| *name == f))
        .map_or("", |(_, sep)| *sep);
    match &p.test {
        Test::Str(m) => m
            .literals()
            .filter_map(|l| best_fragment(l, !m.cased, split, form))
            .max_by_key(String::len)
            .map(|f| vec![f]),
        Test::Regex(r) => {
            let fragment = |l: &str| best_fragment(l, false, split, form);
            // Case-insensitive regexes already list their case variants.
            let prefixes = required_prefixes(r).and_then(|prefixes| {
                prefixes
                    .iter()
                    .map(|l| fragment(l))
                    .collect::<Option<Vec<_>>>()
                    .map(sorted)
            });
            better(prefixes, factors::required_factors(r, &fragment, true))
        }
        Test::Cidr(_)
        | Test::Num(..)
        | Test::Bool(_)
        | Test::Null
        | Test::Exists(_)
        | Test::FieldRef(_) => None,
    }
}

/// The needles of one rule's condition in JSON text; `None` if it has
/// none.
#[cfg(test)]
pub(crate) fn rule_need(expr: &Expr, profile: &RawProfile<'_>) -> Need {
    need(expr, true, profile, RawForm::Json)
}

/// The prefilter of one rule set for one family of readers. Immutable and
/// shared between threads; the callers bring the scratch buffer.
pub struct Prefilter {
    /// For JSON text: the records of JSON files, and EVTX records as the
    /// `evtx` crate renders them.
    json: JsonSide,
    /// For EVTX chunks; `None` when some rule has no needle there (the
    /// `EventID`s of a chunk's records are not in its raw bytes, so such a
    /// rule may want any chunk).
    chunk: Option<Needles>,
}

struct JsonSide {
    /// Rules without needles: they must see every record of their route.
    always: Vec<usize>,
    /// The routes of the rules without needles.
    always_gate: Gate,
    /// All needles, lowercase, as they read in the value.
    needles: Vec<String>,
    /// The needles grouped by the route of the rules that need them: a
    /// record is searched only for the needles of rules it may reach.
    groups: Vec<NeedleGroup>,
}

/// Needles of rules with one route, as JSON escapes them.
struct NeedleGroup {
    gate: Gate,
    needles: Needles,
}

/// More routes than this among the rules with needles and their needles
/// are searched as one group, behind the union of the routes.
const MAX_GROUPS: usize = 16;

/// Which records some rules may see by their routes: any (`any`), or
/// those whose `EventID` is one of `ids` or whose `Channel` contains one
/// of `channels` (lowercase), both read from the raw text.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Gate {
    any: bool,
    ids: Vec<u32>,
    channels: Vec<String>,
}

impl Gate {
    /// Let in the records a rule of this route and these `EventID`s sees.
    fn add(&mut self, route: &RouteNeed, ids: Option<Vec<u32>>) {
        match (route, ids) {
            (RouteNeed::AnyOf(names), _) => {
                self.channels
                    .extend(names.iter().map(|n| n.to_ascii_lowercase()));
            }
            (_, Some(some)) => self.ids.extend(some),
            (_, None) => self.any = true,
        }
    }

    fn finish(&mut self) {
        self.ids = sorted(std::mem::take(&mut self.ids));
        self.channels = sorted(std::mem::take(&mut self.channels));
        if self.any {
            self.ids.clear();
            self.channels.clear();
        }
    }

    fn union(&mut self, other: &Gate) {
        self.any |= other.any;
        self.ids.extend_from_slice(&other.ids);
        self.channels.extend_from_slice(&other.channels);
    }

    fn is_empty(&self) -> bool {
        !self.any && self.ids.is_empty() && self.channels.is_empty()
    }

    /// Whether a record with these keys may pass (unsure keys pass).
    fn admits(&self, keys: &mut RecordKeys<'_>) -> bool {
        self.any
            || !self.ids.is_empty() && keys.ids.any(|id| self.ids.binary_search(&id).is_ok())
            || !self.channels.is_empty()
                && keys
                    .channels
                    .any(|c| self.channels.iter().any(|w| contains_ci(c, w)))
    }
}

/// A JSON record's `EventID`s and `Channel`s, read from its text as far
/// as the gates need.
struct RecordKeys<'a> {
    ids: scan::KeyValues<'a, u32>,
    channels: scan::KeyValues<'a, &'a str>,
}

impl<'a> RecordKeys<'a> {
    fn new(raw: &'a [u8]) -> Self {
        RecordKeys {
            ids: scan::event_ids(raw),
            channels: scan::channels(raw),
        }
    }
}

/// Whether `haystack` contains `needle` (lowercase, not empty), ASCII
/// case-insensitively.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return false;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    // Only where the first byte is: comparing at every position cost more
    // than the rest of a gate.
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), &haystack[..=last_start])
        .any(|i| haystack[i + 1..i + needle.len()].eq_ignore_ascii_case(rest))
}

/// `v` sorted, without repeats.
pub(crate) fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// The needles of each rule (with its route), grouped by route.
fn needle_groups(
    needy: Vec<(Vec<String>, RouteNeed, Option<Vec<u32>>)>,
) -> Result<Vec<NeedleGroup>, CompileError> {
    let mut by_gate: std::collections::BTreeMap<Gate, Vec<String>> = Default::default();
    for (needles, route, ids) in needy {
        let mut gate = Gate::default();
        gate.add(&route, ids);
        gate.finish();
        by_gate.entry(gate).or_default().extend(needles);
    }
    if by_gate.len() > MAX_GROUPS {
        let mut union = Gate::default();
        let mut all = Vec::new();
        for (gate, needles) in std::mem::take(&mut by_gate) {
            union.union(&gate);
            all.extend(needles);
        }
        union.finish();
        by_gate.insert(union, all);
    }
    by_gate
        .into_iter()
        .map(|(gate, needles)| {
            let escaped: Vec<String> = sorted(needles)
                .into_iter()
                .map(|n| n.replace('\\', "\\\\"))
                .collect();
            Ok(NeedleGroup {
                gate,
                needles: Needles::new(&escaped)?,
            })
        })
        .collect()
}

impl Prefilter {
    /// The prefilter of `matcher`'s rules for readers described by
    /// `profile`.
    pub fn new(matcher: &Matcher, profile: &RawProfile<'_>) -> Result<Prefilter, CompileError> {
        let mut always = Vec::new();
        let mut always_gate = Gate::default();
        // Each rule's JSON needles with its route.
        let mut needy: Vec<(Vec<String>, RouteNeed, Option<Vec<u32>>)> = Vec::new();
        let mut chunk_needles: Option<Vec<String>> = Some(Vec::new());
        for (rule, (expr, ls)) in matcher.exprs.iter().zip(&matcher.sources).enumerate() {
            let route = (profile.route)(ls);
            if route == RouteNeed::Never {
                continue;
            }
            chunk_needles = chunk_needles.and_then(|mut all| {
                all.extend(need(expr, true, profile, RawForm::Chunk)?);
                Some(all)
            });
            match need(expr, true, profile, RawForm::Json) {
                Some(n) => needy.push((n, route, (profile.event_ids)(ls))),
                None => {
                    always.push(rule);
                    always_gate.add(&route, (profile.event_ids)(ls));
                }
            }
        }
        always_gate.finish();
        if always_gate.any {
            // Every record passes: no automaton is worth its memory (tens
            // of MB for SigmaHQ's needles). The chunk side is stricter, so
            // it has a rule without needles too.
            return Ok(Prefilter {
                json: JsonSide {
                    always,
                    always_gate,
                    needles: Vec::new(),
                    groups: Vec::new(),
                },
                chunk: None,
            });
        }
        let needles = sorted(needy.iter().flat_map(|(n, ..)| n.clone()).collect());
        let groups = needle_groups(needy)?;
        let chunk = match chunk_needles.map(sorted) {
            Some(n) if !n.is_empty() => Some(Needles::new(&n)?),
            _ => None,
        };
        Ok(Prefilter {
            json: JsonSide {
                always,
                always_gate,
                needles,
                groups,
            },
            chunk,
        })
    }

    /// Whether every JSON record is let through (some rule has no needle
    /// and may see any record).
    pub fn passes_everything(&self) -> bool {
        self.json.always_gate.any
    }

    /// Whether an EVTX chunk can be skipped: every rule has needles that
    /// can be searched in a chunk.
    pub fn skips_chunks(&self) -> bool {
        self.chunk.is_some()
    }

    /// The rules that have no needle in JSON text, by [`crate::RuleId`].
    pub fn always_rules(&self) -> &[usize] {
        &self.json.always
    }

    /// Every needle searched in JSON text, lowercase, as it reads in the
    /// value.
    pub fn needles(&self) -> &[String] {
        &self.json.needles
    }

    /// Whether a rule may match the record whose JSON text is `raw`.
    /// `buf` is scratch space.
    pub fn may_match_json(&self, raw: &[u8], buf: &mut Vec<u8>) -> bool {
        let side = &self.json;
        if side.always_gate.any {
            return true;
        }
        let mut keys = RecordKeys::new(raw);
        // The rules without needles first: reading a record's `EventID`
        // and `Channel` is cheaper than the needle search, and a record
        // one of them must see needs no search.
        if !side.always_gate.is_empty() && side.always_gate.admits(&mut keys) {
            return true;
        }
        let mut lowered = false;
        for group in &side.groups {
            if !group.gate.admits(&mut keys) {
                continue;
            }
            let hay = if group.needles.want_lowercase() {
                if !lowered {
                    scan::lowercase_into(raw, buf);
                    lowered = true;
                }
                buf.as_slice()
            } else {
                raw
            };
            if group.needles.occur_in(hay) {
                return true;
            }
        }
        // A record spelled otherwise than the needles and the keys are
        // looked for (a `\u` or `\/` escape, a folding character) may be
        // seen by a rule without needles, or match one with needles, so it
        // passes if any rule is left. The answer is thus `gate admits ||
        // unsure || a group's needles occur || unsure`, each part a
        // function of `raw` alone: asking `unsure` once, last, gives the
        // same answer and spares it the records let through above (every
        // `return` above is `true`).
        (!side.always_gate.is_empty() || !side.needles.is_empty()) && scan::json_unsure(raw)
    }

    /// Whether a rule may match a record of the EVTX chunk whose bytes
    /// are `chunk`. `buf` is scratch space.
    pub fn may_match_utf16(&self, chunk: &[u8], buf: &mut Vec<u8>) -> bool {
        let Some(needles) = &self.chunk else {
            return true;
        };
        scan::squeeze_lowercase_into(chunk, buf);
        needles.occur_in(buf) || scan::utf16_unsure(chunk)
    }
}

#[cfg(test)]
mod tests;
