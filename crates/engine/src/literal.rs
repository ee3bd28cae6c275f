//! The literal index: one Aho-Corasick automaton per field.
//!
//! Every string predicate contributes the longest literal piece of its glob,
//! every regex the literals its matches must begin with; all of them are
//! folded (see [`crate::text`]) and deduplicated per field. Per event each
//! scanned field's folded values go through its automaton once, with
//! `MatchKind::Standard` and overlapping search so that *every* literal
//! present is reported (leftmost semantics would hide literals that overlap
//! an earlier match). The result is one "present" bit per literal.
//!
//! Following the measurements in `shared/reference/rust-crates.md` §4:
//! haystacks are lowercased into a scratch buffer instead of using
//! `ascii_case_insensitive` (which disables the prefilters); empty literals
//! never enter an automaton (one empty pattern disables the prefilter for
//! all) — a predicate without a non-empty literal is simply not gated; and
//! the full DFA (fast, but ~80 MB for 10k patterns) is used only for the
//! few fields with the most literals, the library choosing for the rest.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::compile::FieldId;
use crate::error::CompileError;

/// Global literal number: `base of its field + index in that field`.
pub(crate) type LitId = u32;

/// How many of the fields with the most literals get a full DFA.
const DFA_FIELDS: usize = 3;
/// Fields with fewer literals than this never get one.
const DFA_MIN_LITERALS: usize = 64;

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
            .map(|(f, (list, _))| (*f, list.len()))
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
        for field in order {
            let (list, _) = per_field.remove(&field).expect("field listed");
            let mut builder = AhoCorasick::builder();
            builder.match_kind(MatchKind::Standard);
            if dfa.contains(&field) {
                builder.kind(Some(AhoCorasickKind::DFA));
            }
            let ac = builder
                .build(&list)
                .map_err(|e| CompileError::LiteralIndex {
                    field: display_field(field_names, field),
                    message: e.to_string(),
                })?;
            fields[field as usize] = Some(FieldAc { ac, base: next });
            next += list.len() as LitId;
        }
        Ok(LiteralIndex {
            fields,
            count: next as usize,
        })
    }
}

pub(crate) fn display_field(names: &[Option<String>], field: FieldId) -> String {
    names[field as usize]
        .clone()
        .unwrap_or_else(|| "<keywords>".to_owned())
}

struct FieldAc {
    ac: AhoCorasick,
    base: LitId,
}

pub(crate) struct LiteralIndex {
    fields: Vec<Option<FieldAc>>,
    count: usize,
}

impl LiteralIndex {
    /// Total number of literals over all fields.
    pub(crate) fn len(&self) -> usize {
        self.count
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
            for m in f.ac.find_overlapping_iter(text) {
                found(f.base + m.pattern().as_u32());
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
}
