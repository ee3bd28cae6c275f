//! Translated regexes mean what the Sigma regex means.
//!
//! The oracle is Rust's `regex` crate, which defines Sigma `|re`
//! semantics here. Where a dialect's output is also valid Rust syntax with
//! the same meaning (RE2 always; PCRE and Java once their `(*UTF)` and
//! `(?iu)` spellings are mapped; Lucene once its implicit full match and
//! "any character" `.` are spelled out), we compile the translation with
//! Rust and check that it accepts exactly the same random strings as the
//! original. Globs are checked against a direct glob matcher.

use proptest::prelude::*;
use regex::{Regex, RegexBuilder};
use tunnelhunt_backends::regex::{Dialect, FlagPlacement, glob_to_regex, translate};
use tunnelhunt_sigma::ir::{Piece, RegexMatch, StrMatch};

/// Characters that exercise case folding (k/K/Kelvin, s/ſ, é/É), Unicode
/// digits and spaces, newlines and metacharacters.
const ALPHABET: &[char] = &[
    'a', 'b', 'k', 'K', '\u{212A}', 's', 'S', '\u{17F}', 'é', 'É', '1', '\u{663}', ' ', '\u{A0}',
    '\n', '\r', '.', '-', '/', '_', '<',
];

/// Mostly the characters the grammar's atoms name, so matches (and
/// near-misses around newlines) are common; sometimes any of [`ALPHABET`].
fn input() -> impl Strategy<Value = String> {
    let common = proptest::sample::select(vec!['a', 'b', 'k', 's', '\n', ' ', '1', '.']);
    let any = proptest::sample::select(ALPHABET);
    proptest::collection::vec(prop_oneof![4 => common, 1 => any], 0..6)
        .prop_map(|chars| chars.into_iter().collect())
}

/// A random pattern from a small grammar that covers literals, classes,
/// anchors, groups with flags, alternation and repetition.
fn pattern() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        proptest::sample::select(vec![
            "a", "b", "k", "K", "s", "é", "1", " ", r"\.", "-", "/", "_", "<", r"\n",
        ])
        .prop_map(str::to_owned),
        proptest::sample::select(vec![
            r"\d",
            r"\w",
            r"\s",
            r"\D",
            r"\S",
            "[a-c]",
            "[^a]",
            "[kS]",
            ".",
            r"[\d.]",
            r"(?-u:\w)",
        ])
        .prop_map(str::to_owned),
        proptest::sample::select(vec!["^", "$", r"\A", r"\z"]).prop_map(str::to_owned),
    ];
    atom.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..4).prop_map(|xs| xs.concat()),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(?:{a}|{b})")),
            (
                inner.clone(),
                proptest::sample::select(vec!["*", "+", "?", "{1,2}", "*?"])
            )
                .prop_map(|(a, op)| format!("(?:{a}){op}")),
            (
                proptest::sample::select(vec!["(?i:", "(?-i:", "(", "(?s:", "(?m:"]),
                inner
            )
                .prop_map(|(open, a)| format!("{open}{a})")),
        ]
    })
}

fn sigma(pattern: &str, i: bool, m: bool, s: bool) -> RegexMatch {
    RegexMatch {
        pattern: pattern.to_owned(),
        case_insensitive: i,
        multi_line: m,
        dot_matches_new_line: s,
    }
}

fn original(re: &RegexMatch) -> Regex {
    RegexBuilder::new(&re.pattern)
        .case_insensitive(re.case_insensitive)
        .multi_line(re.multi_line)
        .dot_matches_new_line(re.dot_matches_new_line)
        .build()
        .expect("generated patterns are valid")
}

/// The translation as a Rust regex with the same meaning, if its syntax
/// is one Rust shares.
fn as_rust(dialect: Dialect, pattern: &str, outside_ci: bool) -> Option<Regex> {
    let text = match dialect {
        Dialect::Re2 => pattern.to_owned(),
        Dialect::Pcre | Dialect::Java => {
            if pattern.contains("(?<") || pattern.contains("(?=") || pattern.contains("(?!") {
                return None; // look-around: Rust has none
            }
            pattern.trim_start_matches("(*UTF)").replace("(?iu", "(?i")
        }
        Dialect::Lucene => {
            // Lucene: `.` is any character, groups are plain parentheses,
            // `\<`/`\>` are escaped literals, and the match is the whole value.
            let mut out = String::from(r"\A(?:");
            let mut chars = pattern.chars().peekable();
            let mut in_class = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        let next = chars.next().expect("escape has a character");
                        if matches!(next, '<' | '>') {
                            out.push(next);
                        } else {
                            out.push('\\');
                            out.push(next);
                        }
                    }
                    '[' if !in_class => {
                        in_class = true;
                        out.push(c);
                    }
                    ']' if in_class => {
                        in_class = false;
                        out.push(c);
                    }
                    '.' if !in_class => out.push_str("(?s:.)"),
                    _ => out.push(c),
                }
            }
            out.push_str(r")\z");
            out
        }
        Dialect::JitRex => return None,
    };
    Some(
        RegexBuilder::new(&text)
            .case_insensitive(outside_ci)
            .build()
            .unwrap_or_else(|e| panic!("{dialect:?} output {pattern:?} is not Rust syntax: {e}")),
    )
}

/// Compare on every input; false if the dialect refused or its output is
/// not Rust syntax (refusals are checked by the unit tests).
fn check(dialect: Dialect, placement: FlagPlacement, re: &RegexMatch, inputs: &[String]) -> bool {
    let Ok(translated) = translate(re, dialect, placement) else {
        return false;
    };
    let Some(rust) = as_rust(dialect, &translated.pattern, translated.case_insensitive) else {
        return false;
    };
    let want = original(re);
    for text in inputs {
        assert_eq!(
            want.is_match(text),
            rust.is_match(text),
            "{dialect:?} {placement:?}: {:?} (i={} m={} s={}) became {:?} (outside i={}); input {text:?}",
            re.pattern,
            re.case_insensitive,
            re.multi_line,
            re.dot_matches_new_line,
            translated.pattern,
            translated.case_insensitive
        );
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn translations_match_the_same_strings(
        pattern in pattern(),
        i in any::<bool>(),
        m in any::<bool>(),
        s in any::<bool>(),
        inputs in proptest::collection::vec(input(), 24),
    ) {
        let re = sigma(&pattern, i, m, s);
        // Fixed near-misses around line breaks, which random inputs
        // rarely hit.
        let mut inputs = inputs;
        inputs.extend(["", "\n", "a\n", "\na", "b\na", "a\nb", "k\n", "\n1", " \n.", "ab", "1.s"].map(str::to_owned));
        // The only thing in the grammar RE2 refuses is ASCII-only case
        // folding (`(?-u:…)` under `i`): everything else is compared.
        let ascii_folding = pattern.contains("(?-u");
        prop_assert!(check(Dialect::Re2, FlagPlacement::Inline, &re, &inputs) || ascii_folding);
        prop_assert!(check(Dialect::Re2, FlagPlacement::Outside, &re, &inputs) || ascii_folding);
        for dialect in [Dialect::Pcre, Dialect::Java] {
            for placement in [FlagPlacement::Inline, FlagPlacement::Outside] {
                check(dialect, placement, &re, &inputs);
            }
        }
        // Lucene's outside flag folds ASCII only, which Rust cannot
        // emulate; inline placement spells case out and needs no flag.
        check(Dialect::Lucene, FlagPlacement::Inline, &re, &inputs);
    }
}

#[test]
fn the_pack_patterns_keep_their_meaning_in_re2() {
    // A few real T1572 patterns on inputs around their edges.
    let cases = [
        (
            r"(?i)(?:^|\.)[0-9a-f]{40,63}\.",
            vec![
                "x.".to_owned() + &"a".repeat(40) + ".com",
                "a".repeat(40) + ".",
                "ab.".to_owned(),
            ],
        ),
        (
            r"^.{100,}$",
            vec!["a".repeat(100), "a".repeat(99), "a".repeat(100) + "\n"],
        ),
        (
            r"(?:^|\s)-connect[\s=]\S+:\d{1,5}",
            vec![
                "agent -connect 1.2.3.4:11601".to_owned(),
                "x-connect a:1".to_owned(),
                "-connect\u{A0}a:\u{663}".to_owned(),
            ],
        ),
    ];
    for (pattern, inputs) in cases {
        let re = sigma(pattern, false, false, false);
        for dialect in [Dialect::Re2, Dialect::Pcre, Dialect::Java, Dialect::Lucene] {
            assert!(
                check(dialect, FlagPlacement::Outside, &re, &inputs),
                "{dialect:?} {pattern}"
            );
            check(dialect, FlagPlacement::Inline, &re, &inputs);
        }
    }
}

fn glob_pieces() -> impl Strategy<Value = Vec<Piece>> {
    proptest::collection::vec(
        prop_oneof![
            Just(Piece::AnyString),
            Just(Piece::AnyChar),
            proptest::collection::vec(proptest::sample::select(ALPHABET), 1..3)
                .prop_map(|cs| Piece::Lit(cs.into_iter().collect())),
            Just(Piece::Lit("*?\\".to_owned())),
        ],
        0..5,
    )
}

/// Sigma glob semantics, directly: `*` any run, `?` one character,
/// literals compared with simple case folding unless cased.
fn glob_matches(pieces: &[Piece], text: &[char], cased: bool) -> bool {
    let same = |a: char, b: char| {
        if cased {
            return a == b;
        }
        let fold = |c: char| -> char {
            match c {
                '\u{212A}' => 'k',
                '\u{17F}' => 's',
                _ => c.to_lowercase().next().unwrap_or(c),
            }
        };
        fold(a) == fold(b)
    };
    match pieces.split_first() {
        None => text.is_empty(),
        Some((Piece::AnyString, rest)) => {
            (0..=text.len()).any(|skip| glob_matches(rest, &text[skip..], cased))
        }
        Some((Piece::AnyChar, rest)) => !text.is_empty() && glob_matches(rest, &text[1..], cased),
        Some((Piece::Lit(lit), rest)) => {
            let lit: Vec<char> = lit.chars().collect();
            text.len() >= lit.len()
                && lit.iter().zip(text).all(|(a, b)| same(*a, *b))
                && glob_matches(rest, &text[lit.len()..], cased)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn globs_match_like_a_direct_glob_matcher(
        pieces in glob_pieces(),
        cased in any::<bool>(),
        inputs in proptest::collection::vec(input(), 12),
        probe_from_glob in any::<bool>(),
    ) {
        let glob = StrMatch::new(pieces, cased);
        let mut inputs = inputs;
        if probe_from_glob {
            // A string built from the glob itself, so matches are common.
            inputs.push(glob.literals().collect::<String>());
        }
        for (dialect, placement) in [
            (Dialect::Re2, FlagPlacement::Inline),
            (Dialect::Re2, FlagPlacement::Outside),
            (Dialect::Pcre, FlagPlacement::Outside),
            (Dialect::Java, FlagPlacement::Inline),
            (Dialect::Lucene, FlagPlacement::Inline),
        ] {
            let translated = glob_to_regex(&glob, dialect, placement).expect("globs translate");
            let rust = as_rust(dialect, &translated.pattern, translated.case_insensitive)
                .expect("Rust-compatible syntax");
            for text in &inputs {
                let chars: Vec<char> = text.chars().collect();
                prop_assert_eq!(
                    glob_matches(&glob.pieces, &chars, cased),
                    rust.is_match(text),
                    "{:?} {:?}: glob {} became {:?}; input {:?}",
                    dialect, placement, glob, translated.pattern, text
                );
            }
        }
    }
}
