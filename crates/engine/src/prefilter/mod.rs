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
//! `EventID` is one of the category's ([`RouteGate`]) — both read from
//! the raw form by the readers' crate ([`RouteKeys`], unsure → let
//! through). The rules with needles are
//! held to their routes the same way: their needles are searched in
//! groups, one per route (up to `MAX_GROUPS`, else one group behind the
//! union of the routes), and a record is searched only for the groups
//! whose route it may be on — a `ssh` in a registry event does not let it
//! through for a process-creation rule, and a process-creation record is
//! not searched for the registry rules' needles. In an EVTX chunk the
//! needles of every rule that has some there are searched at once
//! ([`Prefilter::chunk_needles`]); the rules without are held to their
//! routes by [`Prefilter::chunk_gate`], which the readers' crate asks of
//! each record's `EventID` and `Channel`, read from the record's binary
//! template values without rendering it. A chunk is skipped when no
//! needle occurs in it and the gate admits none of its records; only the
//! admitted records of a chunk without needles are rendered. The search
//! itself is run only when a record is on the route of a rule with
//! needles ([`Prefilter::chunk_needle_gate`]).
//!
//! # Searching
//!
//! This module derives the needles and builds their searchers; it does
//! not read any raw form. The readers' crate, which knows its formats,
//! holds the search loop: it reads a record's route keys for the gates
//! ([`Prefilter::always_gate`], [`Prefilter::groups`]), hands each
//! admitted group's [`Needles`] the haystack, spelled as
//! [`RawProfile::spelled`] says and lowercased if
//! [`Needles::want_lowercase`], and knows which records may spell a value
//! otherwise than the needles assume (escapes, other encodings) and must
//! be let through. An EVTX chunk, squeezed to ASCII, is searched for
//! [`Prefilter::chunk_needles`].
//!
//! Needles match ASCII case-insensitively: a group of up to 16, or up to
//! 64 of at least 4 bytes, is found with Teddy (SIMD) in a copy of the
//! haystack lowercased into a scratch buffer, others by an Aho-Corasick
//! automaton that lowercases each byte as it reads it, walking several
//! parts of the haystack at once (see `search`). Case folding is per
//! character (`crate::text`), and only two non-ASCII characters fold to
//! something with an ASCII letter in it (U+0130 `İ` → `i̇`, U+212A `K` →
//! `k`, see [`ASCII_FOLDING`]); a record holding one of them must be let
//! through. So must one holding a character a case-insensitive regex
//! matches for an ASCII letter (the long s, the Kelvin sign:
//! [`REGEX_FOLDING`]), which lets `(?i)s` be searched as `s`.

pub(crate) mod factors;
mod fragment;
mod search;

use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, Predicate, Test};

use crate::error::CompileError;
use crate::matcher::Matcher;
use crate::regex_bank::required_prefixes;
pub use fragment::{ASCII_FOLDING, REGEX_FOLDING};
use fragment::{RawForm, best_fragment};
pub use search::Needles;

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
    /// How a value's text is spelled in a record's raw text, where the
    /// grouped needles ([`Prefilter::groups`]) are searched (JSON writes
    /// `\\` for `\`).
    pub spelled: &'a dyn Fn(&str) -> String,
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
    /// For EVTX chunks; `None` when some rule without a needle there may
    /// see any record.
    chunk: Option<ChunkSide>,
}

/// What an EVTX chunk is searched for.
struct ChunkSide {
    /// The routes of the rules without needles in a chunk: a record one
    /// of them may see is rendered.
    gate: RouteGate,
    /// The needles of the other rules; `None` when there are none.
    needles: Option<Needles>,
    /// The routes of the rules with needles: a chunk none of whose
    /// records is on one of them need not be searched.
    needle_gate: RouteGate,
}

struct JsonSide {
    /// Rules without needles: they must see every record of their route.
    always: Vec<usize>,
    /// The routes of the rules without needles.
    always_gate: RouteGate,
    /// All needles, lowercase, as they read in the value.
    needles: Vec<String>,
    /// The needles grouped by the route of the rules that need them: a
    /// record is searched only for the needles of rules it may reach.
    groups: Vec<NeedleGroup>,
}

/// Needles of rules with one route, as the raw text spells them
/// ([`RawProfile::spelled`]).
pub struct NeedleGroup {
    gate: RouteGate,
    needles: Needles,
}

impl NeedleGroup {
    /// Which records the group's rules may see.
    pub fn gate(&self) -> &RouteGate {
        &self.gate
    }

    /// The group's needles, one of which such a record must hold.
    pub fn needles(&self) -> &Needles {
        &self.needles
    }
}

/// More routes than this among the rules with needles and their needles
/// are searched as one group, behind the union of the routes.
const MAX_GROUPS: usize = 16;

/// Which records some rules may see by their routes: any (`any`), or
/// those whose `EventID` is one of `ids` or whose `Channel` contains one
/// of `channels` (lowercase), both read from the raw form by the readers'
/// crate ([`RouteKeys`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteGate {
    any: bool,
    ids: Vec<u32>,
    channels: Vec<String>,
}

impl RouteGate {
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

    fn union(&mut self, other: &RouteGate) {
        self.any |= other.any;
        self.ids.extend_from_slice(&other.ids);
        self.channels.extend_from_slice(&other.channels);
    }

    /// Whether it lets in no record.
    pub fn is_empty(&self) -> bool {
        !self.any && self.ids.is_empty() && self.channels.is_empty()
    }

    /// Whether it lets in every record.
    pub fn admits_any(&self) -> bool {
        self.any
    }

    /// Whether a record with these keys may pass (unsure keys pass).
    #[inline]
    pub fn admits(&self, keys: &mut impl RouteKeys) -> bool {
        self.any
            || !self.ids.is_empty() && keys.any_event_id(|id| self.ids.binary_search(&id).is_ok())
            || !self.channels.is_empty()
                && keys.any_channel(|c| self.channels.iter().any(|w| contains_ci(c, w)))
    }
}

/// A record's `EventID`s and `Channel`s as the readers' crate reads them
/// from its raw form, only as far as a gate asks (a record whose first
/// `EventID` lets it in need not be read further). A value that cannot be
/// read for sure makes every answer yes.
pub trait RouteKeys {
    /// Whether some `EventID` is `wanted`, or some is unsure.
    fn any_event_id(&mut self, wanted: impl Fn(u32) -> bool) -> bool;
    /// Whether some `Channel` is `wanted`, or some is unsure.
    fn any_channel(&mut self, wanted: impl Fn(&str) -> bool) -> bool;
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
    spelled: &dyn Fn(&str) -> String,
) -> Result<Vec<NeedleGroup>, CompileError> {
    let mut by_gate: std::collections::BTreeMap<RouteGate, Vec<String>> = Default::default();
    for (needles, route, ids) in needy {
        let mut gate = RouteGate::default();
        gate.add(&route, ids);
        gate.finish();
        by_gate.entry(gate).or_default().extend(needles);
    }
    if by_gate.len() > MAX_GROUPS {
        let mut union = RouteGate::default();
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
            let spelled: Vec<String> = sorted(needles).iter().map(|n| spelled(n)).collect();
            Ok(NeedleGroup {
                gate,
                needles: Needles::new(&spelled)?,
            })
        })
        .collect()
}

impl Prefilter {
    /// The prefilter of `matcher`'s rules for readers described by
    /// `profile`.
    pub fn new(matcher: &Matcher, profile: &RawProfile<'_>) -> Result<Prefilter, CompileError> {
        let mut always = Vec::new();
        let mut always_gate = RouteGate::default();
        // Each rule's JSON needles with its route.
        let mut needy: Vec<(Vec<String>, RouteNeed, Option<Vec<u32>>)> = Vec::new();
        let mut chunk_needles: Vec<String> = Vec::new();
        let mut chunk_gate = RouteGate::default();
        let mut needle_gate = RouteGate::default();
        for (rule, (expr, ls)) in matcher.exprs.iter().zip(&matcher.sources).enumerate() {
            let route = (profile.route)(ls);
            if route == RouteNeed::Never {
                continue;
            }
            match need(expr, true, profile, RawForm::Chunk) {
                Some(n) => {
                    chunk_needles.extend(n);
                    needle_gate.add(&route, (profile.event_ids)(ls));
                }
                None => chunk_gate.add(&route, (profile.event_ids)(ls)),
            }
            match need(expr, true, profile, RawForm::Json) {
                Some(n) => needy.push((n, route, (profile.event_ids)(ls))),
                None => {
                    always.push(rule);
                    always_gate.add(&route, (profile.event_ids)(ls));
                }
            }
        }
        always_gate.finish();
        chunk_gate.finish();
        needle_gate.finish();
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
        let groups = needle_groups(needy, profile.spelled)?;
        let chunk = if chunk_gate.any {
            None
        } else {
            let needles = sorted(chunk_needles);
            Some(ChunkSide {
                gate: chunk_gate,
                needles: (!needles.is_empty())
                    .then(|| Needles::new(&needles))
                    .transpose()?,
                needle_gate,
            })
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

    /// Whether an EVTX chunk can be skipped: every rule either has needles
    /// that can be searched in a chunk or a route that does not take every
    /// record ([`Self::chunk_gate`]).
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

    /// Which records the rules without needles must see.
    pub fn always_gate(&self) -> &RouteGate {
        &self.json.always_gate
    }

    /// The needles of the rules that have some, grouped by route: a record
    /// need only be searched for the groups whose gate admits it.
    pub fn groups(&self) -> &[NeedleGroup] {
        &self.json.groups
    }

    /// The needles searched in an EVTX chunk squeezed to ASCII, of the
    /// rules that have some there; `None` when no rule has (or when a
    /// chunk cannot be skipped, see [`Self::skips_chunks`]).
    pub fn chunk_needles(&self) -> Option<&Needles> {
        self.chunk.as_ref()?.needles.as_ref()
    }

    /// Which records of an EVTX chunk the rules without needles there may
    /// see; `None` when a chunk cannot be skipped. Empty when every rule
    /// has needles there.
    pub fn chunk_gate(&self) -> Option<&RouteGate> {
        self.chunk.as_ref().map(|c| &c.gate)
    }

    /// Which records of an EVTX chunk the rules with needles there may
    /// see: a chunk with none of them need not be searched. `None` when a
    /// chunk cannot be skipped.
    pub fn chunk_needle_gate(&self) -> Option<&RouteGate> {
        self.chunk.as_ref().map(|c| &c.needle_gate)
    }
}

#[cfg(test)]
mod tests;
