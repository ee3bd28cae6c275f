//! The engine's literal prefilter ([`tunnelhunt_engine::prefilter`]) as
//! the readers apply it: what the readers do to values between raw bytes
//! and events (the [`RawProfile`]), the search of the raw forms, and the
//! skipping itself.
//!
//! The engine derives the needles from the rules, groups them by route and
//! builds their searchers; it knows no raw form. What a raw form spells
//! and how is known here, next to the readers that produce it:
//!
//! * **JSON** ([`may_match_json`]): a string is written with one spelling
//!   per character once `\uXXXX` and `\/` escapes are ruled out, so a
//!   needle is searched in its escaped form (`\` → `\\`,
//!   [`json_spelling`]), and a record with a `\u` or `\/` escape is let
//!   through. Whether a record has one, or a character whose case folding
//!   is ASCII, is asked last, of the records the gates and needles would
//!   skip: one pass finds every candidate, and only an escape-looking one
//!   has its backslashes counted (`scan::json_unsure`). The keys the
//!   engine's route gates read (`EventID`, `Channel`, plain or as the
//!   `#text` of an object, `scan::JsonKeys`) are read only as far as a
//!   gate needs: a record whose first `EventID` lets it in is not read
//!   further.
//! * **EVTX** ([`may_match_utf16`]): strings are UTF-16LE; an ASCII needle
//!   is searched in a copy of the chunk with every zero byte removed,
//!   where an ASCII run of UTF-16 becomes contiguous ASCII. The rules
//!   without needles there are held to their routes record by record: the
//!   `EventID` and `Channel` of each record are read from its binary XML
//!   (`evtx::keys`, unsure → let through) and asked of the engine's chunk
//!   gate, so a chunk without needles has only the records some rule's
//!   route admits rendered.
//!
//! The searchers of those unsure spellings are built once (`LazyLock`),
//! and each record is searched in one pass per question, as the engine's
//! searchers are.
//!
//! Only the readers of the evtx JSON shape from raw bytes take a
//! prefilter: evtx-JSON ([`Format::EvtxJson`], each framed record's JSON
//! text, before it is parsed) and EVTX ([`Format::Evtx`]: each chunk's
//! UTF-16 before it is decoded, then each record's rendered JSON before it
//! is parsed). The other readers ignore it and read everything; their
//! raw forms (XML entities, CSV quoting, ECS and Defender field joins) are
//! not described here.
//!
//! What the evtx shape does to values, and why the profile is sound:
//!
//! * field values are the JSON strings (or the UTF-16 strings of an EVTX
//!   record, which the `evtx` crate renders to JSON); aliases such as
//!   Security 4688 `Image` → `NewProcessName` only rename, so a value's
//!   text is in the raw bytes whatever name a rule uses;
//! * joins ([`mapping::Join`], Security 4688 `User` = `Domain\Name`) are
//!   not: those fields are listed in [`RawProfile::joined`] with their
//!   separator, and a needle never spans it;
//! * in an EVTX chunk a string value is one UTF-16LE (or ANSI) run: a
//!   substitution value of its record, or text of the chunk's template
//!   definition; typed values (numbers, GUIDs, SIDs, times, hex, binary)
//!   are binary and never needles (see the engine's fragment rules), and
//!   string arrays, joined with `,` when rendered, are split there. A
//!   value made of template text *and* a substitution in one element would
//!   not be one run; Windows' manifests put each `Data` and `System` value
//!   in one substitution, which `tests/prefilter_differential.rs` checks
//!   over every EVTX corpus we have. The chunk check is only a first stage
//!   (and only runs when no rule without needles may see every record);
//!   each record of a chunk that passes is checked again, exactly, as the
//!   JSON the `evtx` crate renders;
//! * the routing (`EventKind` of [`crate::json::EvtxJsonEvent`]): the
//!   product is `linux` exactly when `System/Channel` starts with
//!   `Linux-Sysmon`, else `windows`; no service is declared, so a rule of
//!   a service reaches only records whose channel is one of the service's
//!   channels (`routing::service_channels`). [`evtx_route`] turns that
//!   into the strings a record must hold.

mod literals;
mod scan;

use std::sync::Arc;

use tunnelhunt_engine::routing::{CATEGORIES, EQUIVALENT_CATEGORIES, service_channels};
use tunnelhunt_engine::{CompileError, Matcher, Prefilter, RawProfile, RouteNeed};
use tunnelhunt_sigma::ast::LogSource;

use crate::format::Format;
use crate::json::evtx_shape::Key;
use crate::mapping;

/// Whether records of `format` can be prefiltered (see the module docs).
pub fn supports(format: Format) -> bool {
    matches!(format, Format::EvtxJson | Format::Evtx)
}

/// The prefilter of `matcher`'s rules for the evtx-shape readers (EVTX
/// and evtx-JSON).
pub fn evtx_shape_prefilter(matcher: &Matcher) -> Result<Prefilter, CompileError> {
    let joined: Vec<(&str, &str)> = mapping::WINDOWS
        .iter()
        .flat_map(|t| t.joins.iter().map(|j| (j.sigma, j.separator)))
        .collect();
    Prefilter::new(
        matcher,
        &RawProfile {
            joined: &joined,
            route: &evtx_route,
            event_ids: &evtx_event_ids,
            spelled: &json_spelling,
        },
    )
}

/// How a value's text is spelled in JSON text once the escapes that let
/// a record through are ruled out: `\` as `\\` (no needle holds `"`).
pub fn json_spelling(value: &str) -> String {
    value.replace('\\', "\\\\")
}

/// Whether a rule may match the record whose JSON text is `raw`.
/// `buf` is scratch space.
pub fn may_match_json(prefilter: &Prefilter, raw: &[u8], buf: &mut Vec<u8>) -> bool {
    let always_gate = prefilter.always_gate();
    if always_gate.admits_any() {
        return true;
    }
    let mut keys = scan::JsonKeys::new(raw);
    // The rules without needles first: reading a record's `EventID`
    // and `Channel` is cheaper than the needle search, and a record
    // one of them must see needs no search.
    if !always_gate.is_empty() && always_gate.admits(&mut keys) {
        return true;
    }
    let mut lowered = false;
    for group in prefilter.groups() {
        if !group.gate().admits(&mut keys) {
            continue;
        }
        let needles = group.needles();
        let hay = if needles.want_lowercase() {
            if !lowered {
                scan::lowercase_into(raw, buf);
                lowered = true;
            }
            buf.as_slice()
        } else {
            raw
        };
        if needles.occur_in(hay) {
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
    (!always_gate.is_empty() || !prefilter.needles().is_empty()) && scan::json_unsure(raw)
}

/// Whether a rule with needles in an EVTX chunk may match a record of the
/// chunk whose bytes are `chunk` (a rule without is asked of each record
/// by [`Prefilter::chunk_gate`]). `buf` is scratch space.
pub fn may_match_utf16(prefilter: &Prefilter, chunk: &[u8], buf: &mut Vec<u8>) -> bool {
    if !prefilter.skips_chunks() {
        return true;
    }
    let Some(needles) = prefilter.chunk_needles() else {
        return false;
    };
    scan::squeeze_lowercase_into(chunk, buf);
    needles.occur_in(buf) || scan::utf16_unsure(chunk)
}

/// What of an EVTX chunk is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChunkPlan {
    /// Every record.
    All,
    /// No record: no rule may match one.
    Skip,
    /// The records whose binary XML starts at these offsets (sorted); the
    /// others are skipped.
    Only(Vec<u64>),
}

impl ChunkPlan {
    /// Whether the record whose binary XML starts at `offset` is rendered.
    pub(crate) fn renders(&self, offset: u64) -> bool {
        match self {
            ChunkPlan::All => true,
            ChunkPlan::Skip => false,
            ChunkPlan::Only(offsets) => offsets.binary_search(&offset).is_ok(),
        }
    }
}

/// What to render of the EVTX chunk `chunk`, whose records are at
/// `records` (offset and size of each): every record if a needle occurs
/// in it, else those whose `EventID` or `Channel` (read from the binary
/// XML, [`crate::evtx::ChunkKeys`]) the chunk gate admits. The keys are
/// read first: they cost far less than the search, which is not needed
/// when the gate admits every record anyway, nor when no record is on the
/// route of a rule with needles.
fn plan_chunk(
    prefilter: &Prefilter,
    chunk: &[u8],
    records: &[(usize, usize)],
    buf: &mut Vec<u8>,
) -> ChunkPlan {
    let (Some(gate), Some(needle_gate)) = (prefilter.chunk_gate(), prefilter.chunk_needle_gate())
    else {
        return ChunkPlan::All;
    };
    let mut reader = crate::evtx::ChunkKeys::new(chunk);
    let mut admitted = Vec::new();
    let mut searched = false;
    for &(at, size) in records {
        let mut keys = reader.of_record(at, size);
        if gate.admits(&mut keys) {
            admitted.push((at + crate::evtx::RECORD_HEADER_SIZE) as u64);
        } else if !searched && needle_gate.admits(&mut keys) {
            // A record only a rule with needles may see: the search
            // decides, once for the chunk.
            if may_match_utf16(prefilter, chunk, buf) {
                return ChunkPlan::All;
            }
            searched = true;
        }
    }
    if admitted.len() == records.len() {
        ChunkPlan::All
    } else if admitted.is_empty() {
        ChunkPlan::Skip
    } else {
        ChunkPlan::Only(admitted)
    }
}

/// The channel prefix that makes an evtx-shape event a `linux` one.
const LINUX_CHANNEL: &str = "Linux-Sysmon";

/// What a logsource requires of an evtx-shape record (mirrors
/// `routing::decide` over the kinds `EvtxJsonEvent::kind` produces).
pub fn evtx_route(ls: &LogSource) -> RouteNeed {
    let product = ls.product.as_deref();
    let linux = match product {
        None => false,
        Some(p) if p.eq_ignore_ascii_case("windows") => false,
        Some(p) if p.eq_ignore_ascii_case("linux") => true,
        Some(_) => return RouteNeed::Never,
    };
    if let Some(service) = ls.service.as_deref() {
        let channels: Vec<String> = service_channels(service, product)
            .map(str::to_owned)
            .collect();
        if channels.is_empty() {
            return RouteNeed::Never;
        }
        return RouteNeed::AnyOf(channels);
    }
    if linux {
        RouteNeed::AnyOf(vec![LINUX_CHANNEL.to_owned()])
    } else {
        RouteNeed::Unknown
    }
}

/// The `EventID`s an evtx-shape record must have to reach a rule of
/// logsource `ls`: a rule with a category reaches a `windows` event only
/// through the routing table's entries for it (by `EventID`), and a
/// `linux` one (Sysmon for Linux) only through the category its `EventID`
/// declares; neither without an `EventID`. `None` for rules without a
/// category.
pub fn evtx_event_ids(ls: &LogSource) -> Option<Vec<u32>> {
    let category = ls.category.as_deref()?;
    let product = ls.product.as_deref();
    let fits = |p: Option<&str>| match (p, product) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => true,
    };
    let mut ids: Vec<u32> = CATEGORIES
        .iter()
        .filter(|e| e.category.eq_ignore_ascii_case(category) && fits(e.product))
        .flat_map(|e| e.event_ids.iter().copied())
        .collect();
    // Sysmon for Linux: its categories, and every category counted as
    // the same.
    let same = |declared: &str| {
        declared.eq_ignore_ascii_case(category)
            || EQUIVALENT_CATEGORIES.iter().any(|group| {
                group.iter().any(|c| c.eq_ignore_ascii_case(declared))
                    && group.iter().any(|c| c.eq_ignore_ascii_case(category))
            })
    };
    if fits(Some("linux")) {
        ids.extend(
            mapping::LINUX_SYSMON_CATEGORIES
                .iter()
                .filter(|(_, c)| same(c))
                .map(|(id, _)| *id),
        );
    }
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// The parts of the evtx shape `EvtxJsonEvent::from_value` insists on,
/// read without building the document: an object with an `Event` object
/// whose `System`, if any, is an object or null. Anything else (invalid
/// JSON or UTF-8, a duplicate key) is `false`.
struct Shape;

/// Which object is being read.
#[derive(Clone, Copy)]
enum Level {
    /// The record: needs an `Event` object.
    Root,
    /// `Event`: its `System`, if any, is an object or null.
    Event,
    /// Any object.
    Any,
}

struct ShapeVisitor(Level);

impl<'de> serde::de::Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        use serde::de::{Error, IgnoredAny};
        let mut has_event = false;
        // Borrowed keys: this runs on every record the prefilter skips.
        while let Some(Key(key)) = map.next_key()? {
            match (self.0, &*key) {
                (Level::Root, "Event") => {
                    map.next_value_seed(Seed(Level::Event))?;
                    has_event = true;
                }
                (Level::Event, "System") => {
                    map.next_value_seed(OptionSeed)?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match self.0 {
            Level::Root if !has_event => Err(A::Error::custom("no Event")),
            _ => Ok(Shape),
        }
    }
}

/// An object of the given level.
struct Seed(Level);

impl<'de> serde::de::DeserializeSeed<'de> for Seed {
    type Value = Shape;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_map(ShapeVisitor(self.0))
    }
}

/// Null, or any object.
struct OptionSeed;

impl<'de> serde::de::DeserializeSeed<'de> for OptionSeed {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("null or an object")
            }
            fn visit_none<E>(self) -> Result<(), E> {
                Ok(())
            }
            fn visit_unit<E>(self) -> Result<(), E> {
                Ok(())
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_map(ShapeVisitor(Level::Any)).map(|_| ())
            }
        }
        d.deserialize_option(V)
    }
}

/// Whether `raw` has the parts of the evtx shape that
/// `EvtxJsonEvent::from_value` insists on, read without building the
/// document: an object with an `Event` object whose `System`, if any, is
/// an object or null. Invalid JSON or UTF-8 is `false`.
fn evtx_shaped(raw: &[u8]) -> bool {
    use serde::de::DeserializeSeed;
    let Ok(text) = std::str::from_utf8(raw) else {
        return false;
    };
    let mut d = serde_json::Deserializer::from_str(text);
    Seed(Level::Root).deserialize(&mut d).is_ok() && d.end().is_ok()
}

/// A prefilter in use by one reader: its scratch buffer and how many
/// records it skipped.
pub(crate) struct RawFilter {
    prefilter: Arc<Prefilter>,
    buf: Vec<u8>,
    pub(crate) skipped: u64,
}

impl RawFilter {
    pub(crate) fn new(prefilter: Arc<Prefilter>) -> Self {
        RawFilter {
            prefilter,
            buf: Vec::new(),
            skipped: 0,
        }
    }

    /// Whether to parse the record whose JSON text is `raw`; counts it
    /// as skipped if not. A record no rule can match is still parsed when
    /// it is not an evtx-shape record, so that it is reported as
    /// unparseable, as without the prefilter.
    pub(crate) fn keep_json(&mut self, raw: &[u8]) -> bool {
        let keep = may_match_json(&self.prefilter, raw, &mut self.buf) || !evtx_shaped(raw);
        if !keep {
            self.skipped += 1;
        }
        keep
    }

    /// What to render of an EVTX chunk whose records are at `records`
    /// (offset and size of each); counts the records it leaves out as
    /// skipped, except those of [`ChunkPlan::Only`], which the decoder
    /// counts as it passes them.
    pub(crate) fn plan_chunk(&mut self, chunk: &[u8], records: &[(usize, usize)]) -> ChunkPlan {
        let plan = plan_chunk(&self.prefilter, chunk, records, &mut self.buf);
        if plan == ChunkPlan::Skip {
            self.skipped += records.len() as u64;
        }
        plan
    }

    /// Whether looking at a chunk can skip anything.
    pub(crate) fn skips_chunks(&self) -> bool {
        self.prefilter.skips_chunks()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(product: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            product: product.map(str::to_owned),
            service: service.map(str::to_owned),
            ..LogSource::default()
        }
    }

    #[test]
    fn routes_of_the_evtx_shape() {
        assert_eq!(evtx_route(&ls(Some("aws"), None)), RouteNeed::Never);
        assert_eq!(evtx_route(&ls(Some("windows"), None)), RouteNeed::Unknown);
        assert_eq!(evtx_route(&ls(None, None)), RouteNeed::Unknown);
        assert_eq!(
            evtx_route(&ls(Some("linux"), None)),
            RouteNeed::AnyOf(vec!["Linux-Sysmon".into()])
        );
        match evtx_route(&ls(Some("windows"), Some("security"))) {
            RouteNeed::AnyOf(c) => assert!(c.iter().any(|c| c == "Security")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            evtx_route(&ls(Some("windows"), Some("no-such-service"))),
            RouteNeed::Never
        );
    }

    #[test]
    fn shape_check_accepts_what_the_reader_accepts() {
        assert!(evtx_shaped(
            br#"{"Event":{"System":{"EventID":1}},"x":[1]}"#
        ));
        assert!(evtx_shaped(br#"{"Event":{"System":null}}"#));
        assert!(evtx_shaped(br#"{"Event":{}}"#));
        // Escaped keys are unescaped, as the reader does.
        assert!(evtx_shaped(br#"{"\u0045vent":{"Syst\u0065m":null}}"#));
        assert!(!evtx_shaped(br#"{"\u0045vent":{"Syst\u0065m":3}}"#));
        assert!(!evtx_shaped(br#"{"Event":{"System":3}}"#));
        assert!(!evtx_shaped(br#"{"Event":[]}"#));
        assert!(!evtx_shaped(br#"{"winlog":{}}"#));
        assert!(!evtx_shaped(br#"{"Event": {"System": oops}}"#));
        assert!(!evtx_shaped(b"{\"Event\":{\"x\":\"caf\xE9\"}}"));
    }

    #[test]
    fn event_ids_of_categories() {
        let cat = |c: &str, p: Option<&str>| LogSource {
            category: Some(c.into()),
            product: p.map(str::to_owned),
            ..LogSource::default()
        };
        let pc = evtx_event_ids(&cat("process_creation", Some("windows"))).unwrap();
        assert!(pc.contains(&1) && pc.contains(&4688) && !pc.contains(&3));
        let any = evtx_event_ids(&cat("process_creation", None)).unwrap();
        assert!(any.contains(&1) && any.contains(&4688));
        let linux = evtx_event_ids(&cat("network_connection", Some("linux"))).unwrap();
        assert!(linux.contains(&3));
        assert_eq!(
            evtx_event_ids(&cat("no_such_category", Some("windows"))),
            Some(vec![])
        );
        assert_eq!(evtx_event_ids(&LogSource::default()), None);
    }
}

#[cfg(test)]
mod search_tests;
