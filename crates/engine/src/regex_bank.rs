//! Regexes, batched per field.
//!
//! All `|re` predicates on one field are compiled into one
//! [`regex::RegexSet`], run at most once per event and only when some
//! candidate rule actually needs one of them; one pass answers every regex
//! of the field. The set gets a much larger lazy-DFA cache than the default:
//! with the default the cache thrashes and the set falls back to the
//! PikeVM, about 200× slower on SigmaHQ's regexes (rust-crates.md §4).
//!
//! Each regex also contributes literals one of which every match holds —
//! the ones it begins with (regex-syntax's prefix extractor) or, when
//! cheaper, ones it holds anywhere (`prefilter::factors`: `(?:^|\s)-connect`
//! has no literal prefix but always holds `-connect`) — to the literal
//! index, so a regex whose literals are absent is false without running
//! anything. On SigmaHQ this keeps most sets from running at all, and so
//! their lazy DFAs from thrashing their capped caches.

use regex::{Regex, RegexSet, RegexSetBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use tunnelhunt_sigma::ir::RegexMatch;

use crate::error::CompileError;
use crate::eval::regex_source;
use crate::prefilter::cost;
use crate::program::PredId;
use crate::text::fold;

/// Lazy DFA cache limit for a field's set.
///
/// Each worker thread has its own cache per set, and with diverse input
/// (EVTX: many providers and field shapes) a set's lazy DFA keeps adding
/// states until it reaches this limit, so peak memory is about threads ×
/// fields-with-regexes × this. At 256 MiB the SigmaHQ scan of the EVTX
/// samples peaked at 386 MiB (`-j 1`) and ten copies at 719 MiB (`-j 2`);
/// at 16 MiB 213 MiB (`-j 2`, ten copies) with the JSON-lines scan at
/// about 25% more CPU. At 8 MiB and below the JSON-lines scan is 60%+
/// slower: the cache thrashes and falls back to the PikeVM.
const DFA_SIZE_LIMIT: usize = 16 << 20;
/// Compiled program size limit for a field's set.
const SIZE_LIMIT: usize = 256 << 20;
/// More alternatives than this make a poor gate.
const MAX_GATE_LITERALS: usize = 32;

/// Check that the `regex` crate accepts the pattern (no look-around, no
/// back-references).
pub(crate) fn validate(r: &RegexMatch, field: &str) -> Result<(), CompileError> {
    Regex::new(&regex_source(r))
        .map(drop)
        .map_err(|e| CompileError::UnsupportedRegex {
            field: field.to_owned(),
            pattern: r.pattern.clone(),
            message: e.to_string(),
        })
}

/// Folded literals, one of which every match contains: the ones it begins
/// with, or the cheapest ones it holds anywhere (`prefilter::factors`);
/// `None` when the regex can match without any (e.g. `.*`, `^\d+$`).
pub(crate) fn required_literals(r: &RegexMatch) -> Option<Vec<String>> {
    let prefixes = required_prefixes(r).map(|prefixes| {
        let mut out: Vec<String> = Vec::new();
        for prefix in prefixes {
            let folded = fold(&prefix);
            if !out.contains(&folded) {
                out.push(folded);
            }
        }
        out
    });
    let keep = |s: &str| (!s.is_empty()).then(|| fold(s));
    let factors = crate::prefilter::factors::required_factors(r, &keep, false)
        .filter(|f| f.len() <= MAX_GATE_LITERALS);
    match (prefixes, factors) {
        (Some(p), Some(f)) if cost(&f) < cost(&p) => Some(f),
        (Some(p), _) => Some(p),
        (None, f) => f,
    }
}

/// The pattern of `r` as regex-syntax reads it with `r`'s flags; `None`
/// if it does not parse.
pub(crate) fn hir(r: &RegexMatch) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(r.case_insensitive)
        .multi_line(r.multi_line)
        .dot_matches_new_line(r.dot_matches_new_line)
        .build()
        .parse(&r.pattern)
        .ok()
}

/// Literals one of which begins every match, as the matched text spells
/// them (a case-insensitive regex lists its case variants); `None` when
/// the regex can match without any.
pub(crate) fn required_prefixes(r: &RegexMatch) -> Option<Vec<String>> {
    let hir = hir(r)?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > MAX_GATE_LITERALS {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(lits.len());
    for lit in lits {
        let bytes = lit.as_bytes();
        // A truncated literal may end inside a character; any prefix of a
        // required prefix is still required.
        let valid = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid prefix"),
        };
        if valid.is_empty() {
            return None;
        }
        if !out.iter().any(|o| o == valid) {
            out.push(valid.to_owned());
        }
    }
    Some(out)
}

/// The regexes of one field.
pub(crate) struct RegexBank {
    set: RegexSet,
    /// Each pattern alone, for when few of the field's regexes are needed.
    single: Vec<Regex>,
    /// Predicate of each pattern of the set, in order.
    pub(crate) preds: Vec<PredId>,
}

impl RegexBank {
    pub(crate) fn new(
        field: &str,
        regexes: &[(PredId, RegexMatch)],
    ) -> Result<RegexBank, CompileError> {
        let set = RegexSetBuilder::new(regexes.iter().map(|(_, r)| regex_source(r)))
            .dfa_size_limit(DFA_SIZE_LIMIT)
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| CompileError::RegexSet {
                field: field.to_owned(),
                count: regexes.len(),
                message: e.to_string(),
            })?;
        let single = regexes
            .iter()
            .map(|(_, r)| Regex::new(&regex_source(r)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CompileError::RegexSet {
                field: field.to_owned(),
                count: regexes.len(),
                message: e.to_string(),
            })?;
        Ok(RegexBank {
            set,
            single,
            preds: regexes.iter().map(|(p, _)| *p).collect(),
        })
    }

    /// Whether pattern `i` alone matches `text`.
    pub(crate) fn is_match(&self, i: usize, text: &str) -> bool {
        self.single[i].is_match(text)
    }

    /// Mark in `hits` (one flag per pattern) every regex matching `text`.
    pub(crate) fn run(&self, text: &str, hits: &mut [bool]) {
        for i in self.set.matches(text).iter() {
            hits[i] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str, i: bool) -> RegexMatch {
        RegexMatch {
            pattern: p.into(),
            case_insensitive: i,
            multi_line: false,
            dot_matches_new_line: false,
        }
    }

    #[test]
    fn literals_of_regexes() {
        assert_eq!(
            required_literals(&re("Invoke-(Expression|WebRequest)", false)),
            Some(vec!["invoke-expression".into(), "invoke-webrequest".into()])
        );
        // Literals anywhere in a match, not only at its start.
        assert_eq!(
            required_literals(&re(".*foo", false)),
            Some(vec!["foo".into()])
        );
        assert_eq!(
            required_literals(&re("(?:^|\\s)-connect\\s", true)),
            Some(vec!["-connect".into()])
        );
        assert_eq!(required_literals(&re("^\\d+$", false)), None);
        let ci = required_literals(&re("abc", true)).unwrap();
        assert!(ci.iter().all(|l| l == "abc"), "{ci:?}");
    }

    #[test]
    fn look_around_is_rejected_by_name() {
        let e = validate(&re("foo(?!bar)", false), "CommandLine").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("foo(?!bar)") && msg.contains("CommandLine"),
            "{msg}"
        );
    }

    #[test]
    fn a_bank_answers_all_its_regexes() {
        let bank = RegexBank::new("F", &[(7, re("a+b", false)), (9, re("B$", true))]).unwrap();
        let mut hits = vec![false; 2];
        bank.run("xaab", &mut hits);
        assert_eq!(hits, vec![true, true]);
        assert_eq!(bank.preds, vec![7, 9]);
    }
}
