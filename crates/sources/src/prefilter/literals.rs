//! Byte strings the raw searchers look for besides the needles: the
//! escapes and encodings that make a record unsure (see `scan`).

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind, packed};

/// Byte strings looked for case-sensitively, each occurrence reported:
/// with Teddy where the CPU has it, else with an automaton.
pub(crate) enum Literals {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Literals {
    /// `literals` must be such that no two occur at one position (none is
    /// a prefix of another): each position is reported once, so which
    /// literal is reported there is never in doubt.
    pub(crate) fn new(literals: &[Vec<u8>]) -> Literals {
        match packed::Config::new().builder().extend(literals).build() {
            Some(searcher) => Literals::Packed(searcher),
            None => Literals::automaton(literals),
        }
    }

    pub(crate) fn automaton(literals: &[Vec<u8>]) -> Literals {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(literals)
            .expect("a few short literals");
        Literals::Automaton(ac)
    }

    /// The first occurrence at or after `at`: which literal, and where.
    pub(crate) fn find_at(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        let found = match self {
            Literals::Packed(searcher) => {
                searcher.find_in(hay, aho_corasick::Span::from(at..hay.len()))
            }
            Literals::Automaton(ac) => ac.find(Input::new(hay).range(at..)),
        };
        found.map(|m| (m.pattern().as_usize(), m.start()))
    }
}
