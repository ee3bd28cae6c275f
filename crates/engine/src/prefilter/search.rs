//! Finding the needles in raw bytes, ASCII case-insensitively, whatever
//! the raw form: the readers' crate hands in the haystack (a record's
//! text, a squeezed EVTX chunk) and this says whether a needle occurs.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous;
use aho_corasick::{Anchored, MatchKind, dfa, packed};

use crate::error::CompileError;
use crate::literal::dfa_affordable;

/// Lowercase ASCII needles, one of which is looked for in a record's raw
/// bytes, ASCII case-insensitively.
pub enum Needles {
    /// Few needles, or not many and none short (see [`teddy_fits`]):
    /// Teddy finds them several times faster than an automaton walks the
    /// bytes, but only case-sensitively, so it searches a lowercased copy.
    Packed(packed::Searcher),
    /// Otherwise an automaton walked over the bytes (see [`walk`]); it
    /// lowercases each byte as it reads it, so it needs no copy.
    Dfa(dfa::DFA),
    /// A DFA for this many needles would take tens of MB.
    Nfa(contiguous::NFA),
}

/// More needles than this are searched with an NFA.
const MAX_DFA_NEEDLES: usize = 2048;

/// Whether Teddy is worth trying for `needles` (it also refuses more than
/// 64, or more than 16 one-byte ones). Teddy looks for the first bytes of
/// the needles and checks each place they occur: with many short needles
/// those are everywhere. On process-creation records, 32 to 64 needles as
/// short as 2 or 3 bytes were found up to 2.6 times slower than by
/// [`walk`], 16 of them or any number of at least 4 bytes 1.3 to 2 times
/// faster.
fn teddy_fits(needles: &[String]) -> bool {
    needles.len() <= 16 || needles.iter().all(|n| n.len() >= 4)
}

/// How [`Needles`] searches; tests force each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Engine {
    Packed,
    Dfa,
    Nfa,
}

fn build_error(message: String) -> CompileError {
    CompileError::LiteralIndex {
        field: "<prefilter>".to_owned(),
        message,
    }
}

impl Needles {
    pub(super) fn new(needles: &[String]) -> Result<Needles, CompileError> {
        let engine = if needles.len() > MAX_DFA_NEEDLES {
            Engine::Nfa
        } else {
            Engine::Packed
        };
        Needles::with(needles, engine)
    }

    /// The searcher of `engine`, or a DFA when Teddy does not fit (too
    /// many or too short needles, or no SIMD for it).
    pub(super) fn with(needles: &[String], engine: Engine) -> Result<Needles, CompileError> {
        // Lowercase needles are what makes a lowercased haystack, or bytes
        // lowercased as read, equivalent to an ASCII case-insensitive search.
        assert!(
            needles
                .iter()
                .all(|n| !n.bytes().any(|b| b.is_ascii_uppercase())),
            "needles are lowercase"
        );
        match engine {
            Engine::Packed => match teddy_fits(needles)
                .then(|| packed::Config::new().builder().extend(needles).build())
                .flatten()
            {
                Some(searcher) => Ok(Needles::Packed(searcher)),
                None => Needles::with(needles, Engine::Dfa),
            },
            // A long periodic needle makes a DFA's construction quadratic
            // (see `literal::dfa_affordable`); the NFA finds the same.
            Engine::Dfa if !dfa_affordable(needles.iter().map(|n| n.as_bytes())) => {
                Needles::with(needles, Engine::Nfa)
            }
            Engine::Dfa => dfa::DFA::builder()
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(needles)
                .map(Needles::Dfa)
                .map_err(|e| build_error(e.to_string())),
            Engine::Nfa => contiguous::NFA::builder()
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(needles)
                .map(Needles::Nfa)
                .map_err(|e| build_error(e.to_string())),
        }
    }

    /// Whether [`Self::occur_in`] wants the haystack lowercased.
    pub fn want_lowercase(&self) -> bool {
        matches!(self, Needles::Packed(_))
    }

    /// Whether a needle occurs in `hay` ASCII case-insensitively; `hay`
    /// must be lowercase if [`Self::want_lowercase`].
    pub fn occur_in(&self, hay: &[u8]) -> bool {
        match self {
            Needles::Packed(searcher) => searcher.find(hay).is_some(),
            Needles::Dfa(dfa) => walk(dfa, hay),
            Needles::Nfa(nfa) => walk(nfa, hay),
        }
    }
}

/// Streams [`walk`] cuts a haystack into. Each step of an automaton is a
/// table lookup that waits for the previous one (the tables are larger
/// than L1); stepping independent streams in turn keeps several lookups in
/// flight. On the built-in pack's process-creation needles 4 streams walk
/// about twice as fast as one; 2 to 6 measured within 15% of each other.
const STREAMS: usize = 4;

/// Shorter streams than this are not worth the set-up.
const MIN_STREAM: usize = 64;

/// Whether a pattern of `aut` (with `MatchKind::Standard`, whose every
/// state after a pattern's last byte is a match state) occurs in `hay`
/// read ASCII-lowercased.
///
/// `hay` is cut into [`STREAMS`] parts, each walked from the start state;
/// the walk of a part goes on into the next part by one byte less than
/// the longest pattern, so that it sees every occurrence starting in its
/// part, and only real occurrences: the union is every occurrence.
fn walk<A: Automaton>(aut: &A, hay: &[u8]) -> bool {
    let start = aut
        .start_state(Anchored::No)
        .expect("built for unanchored searches");
    // An empty pattern occurs even in an empty haystack.
    if aut.is_match(start) {
        return true;
    }
    let overlap = aut.max_pattern_len().saturating_sub(1);
    let part = hay.len() / STREAMS;
    if part < MIN_STREAM.max(overlap) {
        return walk_from(aut, start, hay);
    }
    // `part >= overlap`: the non-last streams end inside `hay`, and none is
    // shorter than `common`.
    let streams: [&[u8]; STREAMS] = std::array::from_fn(|k| {
        let end = if k + 1 == STREAMS {
            hay.len()
        } else {
            (k + 1) * part + overlap
        };
        &hay[k * part..end]
    });
    let common = part + overlap.min(hay.len() - STREAMS * part);
    let mut sids = [start; STREAMS];
    for i in 0..common {
        let mut hit = false;
        for (sid, stream) in sids.iter_mut().zip(&streams) {
            *sid = aut.next_state(Anchored::No, *sid, LOWER[usize::from(stream[i])]);
            hit |= aut.is_match(*sid);
        }
        if hit {
            return true;
        }
    }
    sids.iter()
        .zip(&streams)
        .any(|(&sid, stream)| walk_from(aut, sid, &stream[common..]))
}

/// ASCII lowercase by table: one load measured faster than the arithmetic
/// in [`walk`]'s loop.
static LOWER: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).to_ascii_lowercase();
        b += 1;
    }
    table
};

fn walk_from<A: Automaton>(aut: &A, mut sid: StateID, hay: &[u8]) -> bool {
    hay.iter().any(|&b| {
        sid = aut.next_state(Anchored::No, sid, LOWER[usize::from(b)]);
        aut.is_match(sid)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ENGINES: [Engine; 3] = [Engine::Packed, Engine::Dfa, Engine::Nfa];

    fn occur(needles: &[String], engine: Engine, hay: &[u8]) -> bool {
        let searcher = Needles::with(needles, engine).unwrap();
        if searcher.want_lowercase() {
            searcher.occur_in(&hay.to_ascii_lowercase())
        } else {
            searcher.occur_in(hay)
        }
    }

    fn naive(needles: &[String], hay: &[u8]) -> bool {
        let hay = hay.to_ascii_lowercase();
        needles
            .iter()
            .any(|n| hay.windows(n.len()).any(|w| w == n.as_bytes()))
    }

    #[test]
    fn engines_find_needles_case_insensitively() {
        let needles = vec!["\\ssh.exe".to_owned(), "-r".to_owned()];
        for engine in ENGINES {
            assert!(
                occur(&needles, engine, b"C:\\OpenSSH\\SSH.EXE"),
                "{engine:?}"
            );
            assert!(occur(&needles, engine, b"x -R"), "{engine:?}");
            assert!(!occur(&needles, engine, b"x -s \\ssh.ex"), "{engine:?}");
            assert!(!occur(&[], engine, b"anything"), "{engine:?}");
            assert!(!occur(&needles, engine, b""), "{engine:?}");
            // No fragment is empty, but were one, it would be everywhere.
            assert!(occur(&[String::new()], engine, b""), "{engine:?}");
        }
    }

    #[test]
    fn many_short_needles_are_walked() {
        let short: Vec<String> = (b'a'..=b't')
            .map(|c| format!("-{}", char::from(c)))
            .collect();
        assert!(matches!(Needles::new(&short).unwrap(), Needles::Dfa(_)));
        let long: Vec<String> = short.iter().map(|n| format!("{n}xyz")).collect();
        let teddy = packed::Config::new()
            .builder()
            .extend(&long)
            .build()
            .is_some();
        let packed = matches!(Needles::new(&long).unwrap(), Needles::Packed(_));
        assert_eq!(packed, teddy);
    }

    /// Needles from a small alphabet (`-`, `\`, `.` included), some longer
    /// than a stream; a haystack, mostly of other bytes, in which one may
    /// be planted, in any case, often across where [`walk`] cuts it.
    fn case() -> impl Strategy<Value = (Vec<String>, Vec<u8>)> {
        let short = "[ab\\\\.-]{1,6}";
        let long = "[ab\\\\.-]{60,90}";
        let needle = prop_oneof![4 => short, 1 => long];
        let needles = prop::collection::vec(needle, 1..6);
        let byte = prop_oneof![
            8 => prop::sample::select(b"xyzXYZ /".to_vec()),
            1 => prop::sample::select(b"aAbB\\.-".to_vec()),
        ];
        let filler = prop::collection::vec(byte, 0..1500);
        let plant = any::<Option<(prop::sample::Index, bool, u8)>>();
        (needles, filler, plant).prop_map(|(needles, mut hay, plant)| {
            if let Some((which, across, shift)) = plant {
                let needle = which.get(&needles).to_ascii_uppercase();
                let len = hay.len() + needle.len();
                let at = if across {
                    let cut = len / STREAMS * (1 + usize::from(shift) % (STREAMS - 1));
                    cut.saturating_sub(1 + usize::from(shift) % needle.len())
                } else {
                    hay.len() * usize::from(shift) / 256
                };
                let at = at.min(hay.len());
                hay.splice(at..at, needle.bytes());
            }
            (needles, hay)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn engines_agree_with_a_plain_search((needles, hay) in case()) {
            let expected = naive(&needles, &hay);
            for engine in ENGINES {
                prop_assert_eq!(occur(&needles, engine, &hay), expected, "{:?}", engine);
            }
        }
    }

    /// More needles than Teddy takes, one short, one of 80 KB and periodic:
    /// a DFA over them took minutes to build (198 s for 20 KB in a debug
    /// build). The searcher must be built in linear time and still find
    /// every needle.
    #[test]
    fn a_long_periodic_needle_is_searched_without_a_dfa() {
        let periodic = "gh".repeat(40_000);
        let mut needles: Vec<String> = (b'a'..=b't')
            .map(|c| format!("q{}", char::from(c)))
            .collect();
        needles.push(periodic.clone());
        let searcher = Needles::new(&needles).unwrap();
        assert!(matches!(searcher, Needles::Nfa(_)));
        assert!(searcher.occur_in(format!("x{}x", periodic.to_uppercase()).as_bytes()));
        assert!(searcher.occur_in(b"xxqtxx"));
        assert!(!searcher.occur_in(&periodic.as_bytes()[1..]));
    }
}
