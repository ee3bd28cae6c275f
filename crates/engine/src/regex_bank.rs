//! Regexes, batched per field.
//!
//! All `|re` predicates on one field are compiled into one
//! [`regex::RegexSet`], run at most once per event and only when some
//! candidate rule actually needs one of them; one pass answers every regex
//! of the field. The set gets a much larger lazy-DFA cache than the default:
//! with the default the cache thrashes and the set falls back to the
//! PikeVM, about 200× slower on SigmaHQ's regexes (rust-crates.md §4).
//!
//! A regex with a Unicode word boundary (`\b` without `(?-u)`) stays out of
//! the set and runs alone. A lazy DFA cannot tell a Unicode word boundary
//! next to a non-ASCII character, so it gives up on such a text, and a set
//! holding one of these regexes then runs *all* its patterns in the
//! PikeVM: SigmaHQ's 106 `CommandLine` regexes (one has `\b`) took 2.5 ms
//! on a command line with one `ó` against 1.6 µs on its ASCII twin, and
//! this fallback was a fifth of the CPU of all SigmaHQ rules on EVTX
//! (`bench/README.md`). Alone, such a regex falls back to a bounded
//! backtracker over its own pattern only; without it the set keeps its DFA
//! (7 µs on the same text). Each pattern is still matched by the `regex`
//! crate as written, so the answers are the same.
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
    /// The patterns a lazy DFA can run on any text, together.
    set: RegexSet,
    /// The index (in `preds`) of each pattern of `set`, in order.
    in_set: Vec<usize>,
    /// The indexes of the patterns run alone, with a Unicode word boundary
    /// (see the module docs).
    alone: Vec<usize>,
    /// Each pattern alone, for when few of the field's regexes are needed.
    single: Vec<Regex>,
    /// Predicate of each pattern, in order.
    pub(crate) preds: Vec<PredId>,
}

impl RegexBank {
    pub(crate) fn new(
        field: &str,
        regexes: &[(PredId, RegexMatch)],
    ) -> Result<RegexBank, CompileError> {
        let (alone, in_set): (Vec<usize>, Vec<usize>) =
            (0..regexes.len()).partition(|&i| has_unicode_word_boundary(&regexes[i].1));
        let set = RegexSetBuilder::new(in_set.iter().map(|&i| regex_source(&regexes[i].1)))
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
            in_set,
            alone,
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
            hits[self.in_set[i]] = true;
        }
        for &i in &self.alone {
            if self.single[i].is_match(text) {
                hits[i] = true;
            }
        }
    }
}

/// Whether `r` has a Unicode word boundary, which a lazy DFA gives up on
/// next to a non-ASCII character (see the module docs). A pattern that
/// does not parse stays in the set, whose build reports it.
fn has_unicode_word_boundary(r: &RegexMatch) -> bool {
    hir(r).is_some_and(|h| h.properties().look_set().contains_word_unicode())
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

    #[test]
    fn word_boundary_regexes_run_alone_with_the_same_answers() {
        let regexes = [
            (1, re(r"cmd\b", false)),
            (2, re("powershell", true)),
            (3, re(r"(?-u:\b)net\s", false)),
            (4, re(r"\Bell\b", true)),
        ];
        let bank = RegexBank::new("CommandLine", &regexes).unwrap();
        assert_eq!(bank.alone, vec![0, 3], "only Unicode word boundaries");
        assert_eq!(bank.in_set, vec![1, 2]);
        for text in [
            "cmd /c net start",
            "cmdó PowerShell",
            "cmd ó PowerShell",
            "shell net x",
            "óPOWERSHELL",
            "",
        ] {
            let mut hits = vec![false; regexes.len()];
            bank.run(text, &mut hits);
            let expected: Vec<bool> = regexes
                .iter()
                .map(|(_, r)| Regex::new(&regex_source(r)).unwrap().is_match(text))
                .collect();
            assert_eq!(hits, expected, "{text:?}");
        }
    }
}
