//! The literals a regex's every match contains, wherever they stand.
//!
//! regex-syntax's extractor gives the *prefixes* a match starts with, which
//! is what the matcher's literal gates want but fails the prefilter on the
//! regexes tunnel rules are written with: `(?:^|\s)client\s…` starts with
//! an anchor or a blank, and under `(?i)` every letter is a class, so the
//! prefix sets either come out empty or explode into case variants. Here
//! the regex's HIR is walked instead, and each node says two things:
//!
//! * `exact`: every string it can match, when there are few — a literal,
//!   a small class (`[46]`, or a letter's case pair under `(?i)`, which
//!   folds to the one lowercase letter the haystack is searched with), an
//!   optional part (`x?` adds the empty string), alternations and
//!   concatenations of those (their cross product);
//! * `need`: needles one of which occurs in every match: a concatenation
//!   needs what its best run of exact children or its best child needs, an
//!   alternation the union of what each branch needs (nothing if one
//!   branch needs nothing), a repetition of at least one what its body
//!   needs.
//!
//! Needles are turned into safe fragments ([`super::fragment`]) as they are
//! made, so a class member outside ASCII splits a needle there — except
//! the two a `(?i)` letter brings (the Kelvin sign for `k`, the long s for
//! `s`), which stand for their letter because the prefilter lets through
//! every record that holds one ([`REGEX_FOLDING`]).

use regex_syntax::hir::{Class, Hir, HirKind};

use super::{Need, REGEX_FOLDING, better, sorted};
use tunnelhunt_sigma::ir::RegexMatch;

/// More alternatives than this and a node's `exact` set is given up.
const MAX_ALTERNATIVES: usize = 64;

/// Classes with more members than this are not enumerated.
const MAX_CLASS: u32 = 4;

/// The needles every match of `r` contains, each passed through
/// `fragment` (which makes a needle safe, or says there is none).
/// `letter_folding`: a [`REGEX_FOLDING`] character in a class stands for
/// its letter — only for a search that lets through whatever holds one.
pub(crate) fn required_factors(
    r: &RegexMatch,
    fragment: &dyn Fn(&str) -> Option<String>,
    letter_folding: bool,
) -> Need {
    let hir = crate::regex_bank::hir(r)?;
    Walk {
        fragment,
        letter_folding,
    }
    .info(&hir)
    .need
}

struct Info {
    /// Every string the node matches (lowercase), if there are few.
    exact: Option<Vec<String>>,
    need: Need,
}

struct Walk<'a> {
    fragment: &'a dyn Fn(&str) -> Option<String>,
    letter_folding: bool,
}

impl Walk<'_> {
    fn info(&self, hir: &Hir) -> Info {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => self.exact(vec![String::new()]),
            HirKind::Literal(lit) => match std::str::from_utf8(&lit.0) {
                Ok(s) => self.exact(vec![s.to_ascii_lowercase()]),
                Err(_) => Info::unknown(),
            },
            HirKind::Class(class) => match class_members(class, self.letter_folding) {
                Some(members) => self.exact(members),
                None => Info::unknown(),
            },
            HirKind::Capture(c) => self.info(&c.sub),
            HirKind::Repetition(rep) => {
                let sub = self.info(&rep.sub);
                match (rep.min, rep.max) {
                    (0, Some(1)) => Info {
                        exact: sub.exact.map(|mut e| {
                            push_unique(&mut e, String::new());
                            e
                        }),
                        need: None,
                    },
                    (0, _) => Info::unknown(),
                    (1, Some(1)) => sub,
                    _ => Info {
                        exact: None,
                        need: sub.need,
                    },
                }
            }
            HirKind::Alternation(branches) => {
                let infos: Vec<Info> = branches.iter().map(|b| self.info(b)).collect();
                let mut need = Some(Vec::new());
                for info in &infos {
                    need = match (need, &info.need) {
                        (Some(mut all), Some(n)) => {
                            all.extend(n.iter().cloned());
                            Some(all)
                        }
                        _ => None,
                    };
                }
                let need = need.map(sorted);
                let mut exact = Some(Vec::new());
                for info in infos {
                    exact = match (exact, info.exact) {
                        (Some(mut all), Some(e)) if all.len() + e.len() <= MAX_ALTERNATIVES => {
                            e.into_iter().for_each(|s| push_unique(&mut all, s));
                            Some(all)
                        }
                        _ => None,
                    };
                }
                Info { exact, need }
            }
            HirKind::Concat(parts) => self.concat(parts),
        }
    }

    fn concat(&self, parts: &[Hir]) -> Info {
        let mut need: Need = None;
        // The cross product of the exact children since the last one
        // that was not.
        let mut run = vec![String::new()];
        let mut whole = true;
        for part in parts {
            let info = self.info(part);
            need = better(need, info.need);
            match info.exact {
                Some(e) if run.len() * e.len() <= MAX_ALTERNATIVES => run = cross(&run, &e),
                Some(e) => {
                    need = better(need, self.needles(&run));
                    run = e;
                    whole = false;
                }
                None => {
                    need = better(need, self.needles(&run));
                    run = vec![String::new()];
                    whole = false;
                }
            }
        }
        if whole {
            return self.exact(run);
        }
        Info {
            exact: None,
            need: better(need, self.needles(&run)),
        }
    }

    /// A node matching exactly `strings`.
    fn exact(&self, strings: Vec<String>) -> Info {
        Info {
            need: self.needles(&strings),
            exact: Some(strings),
        }
    }

    /// `strings` as needles: one safe fragment of each, or none at all.
    fn needles(&self, strings: &[String]) -> Need {
        let frags: Option<Vec<String>> = strings.iter().map(|s| (self.fragment)(s)).collect();
        frags.map(sorted)
    }
}

impl Info {
    fn unknown() -> Info {
        Info {
            exact: None,
            need: None,
        }
    }
}

fn cross(left: &[String], right: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(left.len() * right.len());
    for l in left {
        for r in right {
            push_unique(&mut out, format!("{l}{r}"));
        }
    }
    out
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// The members of a small class, ASCII letters lowercased (the haystack
/// is searched lowercased, so `[Ll]` is the one needle character `l`) and,
/// with `letter_folding`, the [`REGEX_FOLDING`] characters as their letter.
fn class_members(class: &Class, letter_folding: bool) -> Option<Vec<String>> {
    let chars: Vec<char> = match class {
        Class::Unicode(c) => {
            let count: u32 = c.ranges().iter().map(|r| r.len() as u32).sum();
            if count > MAX_CLASS {
                return None;
            }
            c.iter().flat_map(|r| r.start()..=r.end()).collect()
        }
        Class::Bytes(c) => {
            let count: usize = c.ranges().iter().map(|r| r.len()).sum();
            if count > MAX_CLASS as usize || !c.is_ascii() {
                return None;
            }
            c.iter()
                .flat_map(|r| r.start()..=r.end())
                .map(char::from)
                .collect()
        }
    };
    let mut out = Vec::new();
    for c in chars {
        let c = REGEX_FOLDING
            .iter()
            .find(|(folding, _)| letter_folding && *folding == c)
            .map_or(c, |(_, letter)| *letter);
        push_unique(&mut out, c.to_ascii_lowercase().to_string());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn factors(pattern: &str, case_insensitive: bool) -> Need {
        let r = RegexMatch {
            pattern: pattern.into(),
            case_insensitive,
            multi_line: false,
            dot_matches_new_line: false,
        };
        let keep = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        required_factors(&r, &keep, true)
    }

    fn v(xs: &[&str]) -> Need {
        Some(xs.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn words_after_anchors_and_blanks() {
        assert_eq!(
            factors(r"(?:^|\s)client\s(?:.*\s)?R:socks", false),
            v(&["r:socks"])
        );
        assert_eq!(factors(r"(?:^|\s)server\s", false), v(&["server"]));
    }

    #[test]
    fn case_insensitive_letters_fold_to_one_needle() {
        assert_eq!(factors("(?i)PuTTy", false), v(&["putty"]));
        assert_eq!(factors("plin", true), v(&["plin"]));
        // `k` also matches the Kelvin sign and `s` the long s: records
        // holding those are let through, so they fold to the letter.
        assert_eq!(factors("(?i)dnscat", false), v(&["dnscat"]));
        assert_eq!(factors("(?i)k", false), v(&["k"]));
        // Other non-ASCII members split the needle.
        assert_eq!(factors("ab[cé]de", false), v(&["abcde", "abéde"]));
    }

    #[test]
    fn optional_parts_and_small_classes_multiply() {
        assert_eq!(
            factors("tcp[46]?-listen", false),
            v(&["tcp-listen", "tcp4-listen", "tcp6-listen"])
        );
        assert_eq!(
            factors("(?:plink|putty)\\.exe", false),
            v(&["plink.exe", "putty.exe"])
        );
    }

    #[test]
    fn alternations_need_every_branch() {
        assert_eq!(
            factors("-connect|-laddr", false),
            v(&["-connect", "-laddr"])
        );
        assert_eq!(factors("-connect|\\d+", false), None);
        assert_eq!(factors("(?:abc)+x", false), v(&["abc"]));
        assert_eq!(factors("(?:abc)*x", false), v(&["x"]));
        assert_eq!(factors("^.{60,}$", false), None);
    }

    /// A regex and a string it matches, built together.
    fn regex_and_sample() -> impl Strategy<Value = (String, String)> {
        let word = "[abkKsS\\-.: \u{17f}\u{212a}]{1,4}"
            .prop_map(|w: String| (regex_syntax::escape(&w), w));
        let class = (0..2usize).prop_map(|i| ("[46]".to_owned(), ["4", "6"][i].to_owned()));
        let filler = "[a-z ]{0,3}".prop_map(|f: String| (".*".to_owned(), f));
        let leaf = prop_oneof![4 => word, 1 => class, 1 => filler];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(|parts| {
                    parts
                        .into_iter()
                        .fold((String::new(), String::new()), |(p, s), (p2, s2)| {
                            (p + &p2, s + &s2)
                        })
                }),
                (inner.clone(), inner.clone(), any::<bool>()).prop_map(|(a, b, first)| {
                    let sample = if first { a.1 } else { b.1 };
                    (format!("(?:{}|{})", a.0, b.0), sample)
                }),
                (inner.clone(), any::<bool>()).prop_map(|((p, s), on)| {
                    (format!("(?:{p})?"), if on { s } else { String::new() })
                }),
                (inner.clone(), 1..3usize)
                    .prop_map(|((p, s), n)| (format!("(?:{p}){{1,3}}"), s.repeat(n))),
                (inner, "[01]{8}").prop_map(|((p, s), flips)| {
                    // Under (?i) the sample may use any case variant,
                    // the Kelvin sign and the long s included.
                    let mut flips = flips.bytes().cycle();
                    let s = s
                        .chars()
                        .map(|c| match (c, flips.next() == Some(b'1')) {
                            ('k', true) => '\u{212a}',
                            ('s', true) => '\u{17f}',
                            (c, true) => c.to_ascii_uppercase(),
                            (c, false) => c,
                        })
                        .collect();
                    (format!("(?i:{p})"), s)
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        /// Every string a regex matches holds one of its needles, as the
        /// prefilter searches them (ASCII-lowercased).
        #[test]
        fn every_match_holds_a_needle((pattern, sample) in regex_and_sample()) {
            let re = regex::Regex::new(&pattern).unwrap();
            prop_assert!(re.is_match(&sample), "{pattern} / {sample:?}");
            // Without letter folding (the matcher's literal gates, which
            // search the folded value) every match holds a factor as is.
            let r0 = RegexMatch {
                pattern: pattern.clone(),
                case_insensitive: false,
                multi_line: false,
                dot_matches_new_line: false,
            };
            let keep = |s: &str| (!s.is_empty()).then(|| crate::text::fold(s));
            if let Some(lits) = required_factors(&r0, &keep, false) {
                let folded = crate::text::fold(&sample);
                prop_assert!(
                    lits.iter().any(|l| folded.contains(l.as_str())),
                    "{pattern} matches {sample:?} but its folded form holds none of {lits:?}"
                );
            }
            let r = RegexMatch {
                pattern: pattern.clone(),
                case_insensitive: false,
                multi_line: false,
                dot_matches_new_line: false,
            };
            let fragment = |l: &str| {
                super::super::fragment::best_fragment(l, false, "", super::super::RawForm::Json)
            };
            // A record holding a folding character is let through.
            let let_through = sample.chars().any(|c| REGEX_FOLDING.iter().any(|(f, _)| *f == c));
            if let (Some(needles), false) = (required_factors(&r, &fragment, true), let_through) {
                let hay = sample.to_ascii_lowercase();
                prop_assert!(
                    needles.iter().any(|n| hay.contains(n.as_str())),
                    "{pattern} matches {sample:?} but holds none of {needles:?}"
                );
            }
        }
    }
}
