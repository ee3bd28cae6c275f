//! The literal index: per field, an Aho-Corasick automaton for the short
//! literals and, on fields with many, a [`GramIndex`] for the long ones.
//!
//! Every string predicate contributes the longest literal piece of its glob,
//! every regex the literals its matches must begin with; all of them are
//! folded (see [`crate::text`]) and deduplicated per field. Per event each
//! scanned field's folded values go through the index once, with
//! `MatchKind::Standard` and overlapping search so that *every* literal
//! present is reported (leftmost semantics would hide literals that overlap
//! an earlier match). The result is one "present" bit per literal.
//!
//! Following the measurements in `shared/reference/rust-crates.md` §4:
//! haystacks are lowercased into a scratch buffer instead of using
//! `ascii_case_insensitive` (which disables the prefilters); empty literals
//! never enter an automaton (one empty pattern disables the prefilter for
//! all) — a predicate without a non-empty literal is simply not gated.
//! Fields with thousands of literals (`CommandLine`, `Hashes`) used to get a
//! 30–40 MB DFA, one cache miss per byte; their literals of 8+ bytes now go
//! to the hashed-anchor [`GramIndex`] and only the short rest to an
//! automaton (a DFA for the few fields with the most of them).
//!
//! A route that uses only a few of a field's literals scans with a
//! [`SubsetScan`] instead (built by `Route::new`).

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::error::CompileError;
use crate::grams::{GRAM, GramIndex};
use crate::program::{FieldId, LitId};

/// A field-local literal index and its text.
type Local<'a> = (u32, &'a str);

/// How many of the fields with the most literals get a full DFA.
const DFA_FIELDS: usize = 3;
/// Fields with fewer literals than this never get one.
const DFA_MIN_LITERALS: usize = 64;
/// Fields with at least this many literals find their long ones through a
/// [`GramIndex`]; below it one small automaton is cheaper than two scans.
const GRAM_MIN_LITERALS: usize = 256;
/// The most work a DFA's construction may take, in units of (bytes of
/// literals) × (longest literal's bytes). Building a DFA from the
/// Aho-Corasick NFA resolves each state's missing transitions by walking
/// its failure chain, which is as long as the state is deep for a periodic
/// literal ("abab…"): quadratic in the literal's length, over a minute for
/// 80 KB. The contiguous NFA is built in linear time and reports the same
/// matches; its search is a little slower, which literals this long make
/// irrelevant. The bound leaves real rule sets their DFAs (a field that
/// gets one has either only short literals, or at most 255 of a few
/// hundred bytes: under 8 M) and caps a periodic literal's construction
/// at about a second in a debug build.
const DFA_MAX_WORK: usize = 1 << 24;

/// Whether a DFA over `literals` is built in reasonable time (see
/// [`DFA_MAX_WORK`]); the prefilter's searchers ask too.
pub(crate) fn dfa_affordable<'a>(literals: impl Iterator<Item = &'a [u8]>) -> bool {
    let (total, longest) = literals.fold((0usize, 0usize), |(total, longest), l| {
        (total.saturating_add(l.len()), longest.max(l.len()))
    });
    total.saturating_mul(longest) <= DFA_MAX_WORK
}

/// The automaton to ask for over `literals`, given whether a DFA is
/// wanted: the one asked for (`None`: the crate's own choice, a DFA for up
/// to 100 patterns) while a DFA is affordable, else a contiguous NFA.
fn automaton_kind<'a>(
    literals: impl Iterator<Item = &'a [u8]>,
    dfa: bool,
) -> Option<AhoCorasickKind> {
    if !dfa_affordable(literals) {
        Some(AhoCorasickKind::ContiguousNFA)
    } else if dfa {
        Some(AhoCorasickKind::DFA)
    } else {
        None
    }
}

#[derive(Default)]
pub(crate) struct LiteralsBuilder {
    per_field: HashMap<FieldId, (Vec<String>, HashMap<String, u32>)>,
}

impl LiteralsBuilder {
    /// Register a (folded, non-empty) literal; returns its field-local index.
    pub(crate) fn add(&mut self, field: FieldId, lit: &str) -> u32 {
        debug_assert!(!lit.is_empty());
        let (list, map) = self.per_field.entry(field).or_default();
        *map.entry(lit.to_owned()).or_insert_with(|| {
            list.push(lit.to_owned());
            (list.len() - 1) as u32
        })
    }

    pub(crate) fn build(
        self,
        field_names: &[Option<String>],
    ) -> Result<LiteralIndex, CompileError> {
        let mut by_size: Vec<(FieldId, usize)> = self
            .per_field
            .iter()
            .map(|(f, (list, _))| {
                let automaton = if list.len() >= GRAM_MIN_LITERALS {
                    list.iter().filter(|l| l.len() < GRAM).count()
                } else {
                    list.len()
                };
                (*f, automaton)
            })
            .collect();
        by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let dfa: Vec<FieldId> = by_size
            .iter()
            .take(DFA_FIELDS)
            .filter(|(_, n)| *n >= DFA_MIN_LITERALS)
            .map(|(f, _)| *f)
            .collect();

        let mut fields: Vec<Option<FieldAc>> = (0..field_names.len()).map(|_| None).collect();
        let mut next: LitId = 0;
        let mut order: Vec<FieldId> = self.per_field.keys().copied().collect();
        order.sort_unstable();
        let mut per_field = self.per_field;
        let mut texts: Vec<Box<str>> = Vec::new();
        for field in order {
            let (list, _) = per_field.remove(&field).expect("field listed");
            let long_ok = list.len() >= GRAM_MIN_LITERALS;
            let (long, short): (Vec<Local<'_>>, Vec<Local<'_>>) = list
                .iter()
                .enumerate()
                .map(|(i, l)| (i as u32, l.as_str()))
                .partition(|(_, l)| long_ok && l.len() >= GRAM);
            let ac = if short.is_empty() {
                None
            } else {
                let mut builder = AhoCorasick::builder();
                builder.match_kind(MatchKind::Standard).kind(automaton_kind(
                    short.iter().map(|(_, l)| l.as_bytes()),
                    dfa.contains(&field),
                ));
                let ac = builder.build(short.iter().map(|(_, l)| l)).map_err(|e| {
                    CompileError::LiteralIndex {
                        field: display_field(field_names, field),
                        message: e.to_string(),
                    }
                })?;
                Some((ac, short.iter().map(|(i, _)| *i).collect()))
            };
            fields[field as usize] = Some(FieldAc {
                ac,
                grams: GramIndex::new(&long),
                base: next,
            });
            next += list.len() as LitId;
            texts.extend(list.into_iter().map(String::into_boxed_str));
        }
        Ok(LiteralIndex {
            fields,
            count: next as usize,
            texts,
        })
    }
}

pub(crate) fn display_field(names: &[Option<String>], field: FieldId) -> String {
    names[field as usize]
        .clone()
        .unwrap_or_else(|| "<keywords>".to_owned())
}

struct FieldAc {
    /// The short literals, and the field-local id of each AC pattern.
    ac: Option<(AhoCorasick, Vec<u32>)>,
    /// The long literals, when the field has many.
    grams: Option<GramIndex>,
    base: LitId,
}

pub(crate) struct LiteralIndex {
    fields: Vec<Option<FieldAc>>,
    count: usize,
    /// Every literal's text, by id.
    texts: Vec<Box<str>>,
}

/// A scan of one field restricted to the few literals one route can use
/// (e.g. the 24 keyword literals of the two keyword rules routed to Sysmon
/// process creation, out of the field's 511). A leftmost-first automaton
/// over so few patterns gets the packed (Teddy) prefilter and rejects a
/// value at gigabytes per second; only values it accepts go through the
/// exact overlapping scan. Reporting only the subset is sound because every
/// predicate a routed rule can evaluate has its literals in the subset (see
/// `Route::new`).
pub(crate) struct SubsetScan {
    any: AhoCorasick,
    exact: AhoCorasick,
    ids: Vec<LitId>,
}

impl SubsetScan {
    /// Report every literal of the subset occurring in the folded `text`.
    pub(crate) fn scan(&self, text: &str, mut found: impl FnMut(LitId)) {
        if self.any.is_match(text) {
            for m in self.exact.find_overlapping_iter(text) {
                found(self.ids[m.pattern().as_usize()]);
            }
        }
    }
}

impl LiteralIndex {
    /// Total number of literals over all fields.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Literals in a field.
    pub(crate) fn field_len(&self, field: FieldId) -> usize {
        let Some(f) = &self.fields[field as usize] else {
            return 0;
        };
        let end = self.fields[field as usize + 1..]
            .iter()
            .flatten()
            .map(|g| g.base as usize)
            .next()
            .unwrap_or(self.count);
        end - f.base as usize
    }

    /// A restricted scan over `ids` (literals of one field); `None` if the
    /// automata cannot be built.
    pub(crate) fn subset(&self, ids: &[LitId]) -> Option<SubsetScan> {
        let pats = ids.iter().map(|&l| self.texts[l as usize].as_bytes());
        let kind = automaton_kind(pats.clone(), false);
        let any = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(kind)
            .build(pats.clone())
            .ok()?;
        let exact = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(pats)
            .ok()?;
        Some(SubsetScan {
            any,
            exact,
            ids: ids.to_vec(),
        })
    }

    /// The global id of a field-local literal index.
    pub(crate) fn lit_id(&self, field: FieldId, local: u32) -> LitId {
        self.fields[field as usize]
            .as_ref()
            .expect("literal registered for field")
            .base
            + local
    }

    /// Report every literal of `field` that occurs in the folded `text`
    /// (possibly more than once).
    pub(crate) fn scan(&self, field: FieldId, text: &str, mut found: impl FnMut(LitId)) {
        if let Some(f) = &self.fields[field as usize] {
            if let Some((ac, locals)) = &f.ac {
                for m in ac.find_overlapping_iter(text) {
                    found(f.base + locals[m.pattern().as_usize()]);
                }
            }
            if let Some(g) = &f.grams {
                g.scan(text.as_bytes(), |l| found(f.base + l));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_literals_are_all_reported() {
        let mut b = LiteralsBuilder::default();
        let a = b.add(1, "abc");
        let bc = b.add(1, "bc");
        let c = b.add(1, "c");
        assert_eq!(b.add(1, "abc"), a);
        let x = b.add(0, "x");
        let idx = b.build(&[None, Some("F".into())]).unwrap();
        assert_eq!(idx.len(), 4);
        let mut seen = Vec::new();
        idx.scan(1, "xabcx", |l| seen.push(l));
        seen.sort();
        let want = {
            let mut w = vec![idx.lit_id(1, a), idx.lit_id(1, bc), idx.lit_id(1, c)];
            w.sort();
            w
        };
        assert_eq!(seen, want);
        let mut seen = Vec::new();
        idx.scan(0, "xx", |l| seen.push(l));
        assert_eq!(seen, vec![idx.lit_id(0, x); 2]);
    }

    /// The kind of the automaton built for `field`'s short literals.
    fn kind_of(idx: &LiteralIndex, field: FieldId) -> AhoCorasickKind {
        let f = idx.fields[field as usize]
            .as_ref()
            .expect("field has literals");
        f.ac.as_ref().expect("field has short literals").0.kind()
    }

    /// A periodic literal ("abab…") gives every automaton state a failure
    /// chain as long as its depth, and a DFA's construction follows that
    /// chain for each state and byte class: an 80 KB literal took over a
    /// minute. The index must choose an automaton built in linear time.
    #[test]
    fn a_long_periodic_literal_is_indexed_in_linear_time() {
        let periodic = "ab".repeat(40_000);
        let mut b = LiteralsBuilder::default();
        let lit = b.add(0, &periodic);
        let idx = b.build(&[Some("CommandLine".into())]).unwrap();
        assert_ne!(kind_of(&idx, 0), AhoCorasickKind::DFA);
        let mut seen = Vec::new();
        idx.scan(0, &format!("x{periodic}x"), |l| seen.push(l));
        assert_eq!(seen, vec![idx.lit_id(0, lit)]);
        let subset = idx.subset(&[idx.lit_id(0, lit)]).expect("subset builds");
        assert_ne!(subset.exact.kind(), AhoCorasickKind::DFA);
        assert_ne!(subset.any.kind(), AhoCorasickKind::DFA);
    }

    /// Short literals keep the DFA the fields with the most of them get.
    #[test]
    fn many_short_literals_still_get_a_dfa() {
        let mut b = LiteralsBuilder::default();
        for i in 0..100 {
            b.add(0, &format!("-x{i}"));
        }
        b.add(1, "one");
        let idx = b
            .build(&[Some("CommandLine".into()), Some("Image".into())])
            .unwrap();
        assert_eq!(kind_of(&idx, 0), AhoCorasickKind::DFA);
        assert_eq!(kind_of(&idx, 1), AhoCorasickKind::DFA);
    }
}
