//! Per-dialect renderings of the constructs the module docs list.

use super::*;

fn re(pattern: &str) -> RegexMatch {
    RegexMatch {
        pattern: pattern.to_owned(),
        case_insensitive: false,
        multi_line: false,
        dot_matches_new_line: false,
    }
}

fn flagged(pattern: &str, i: bool, m: bool, s: bool) -> RegexMatch {
    RegexMatch {
        pattern: pattern.to_owned(),
        case_insensitive: i,
        multi_line: m,
        dot_matches_new_line: s,
    }
}

fn render(r: &RegexMatch, d: Dialect, f: FlagPlacement) -> String {
    translate(r, d, f)
        .unwrap_or_else(|e| panic!("{d:?}: {e}"))
        .pattern
}

fn refusal(r: &RegexMatch, d: Dialect) -> String {
    translate(r, d, FlagPlacement::Outside)
        .expect_err("refused")
        .to_string()
}

#[test]
fn plain_literals_and_anchors() {
    let r = re(r"^ssh\.exe$");
    assert_eq!(
        render(&r, Dialect::Re2, FlagPlacement::Inline),
        r"^ssh\.exe$"
    );
    assert_eq!(
        render(&r, Dialect::Pcre, FlagPlacement::Inline),
        r"^ssh\.exe\z"
    );
    assert_eq!(
        render(&r, Dialect::Java, FlagPlacement::Inline),
        r"^ssh\.exe\z"
    );
    assert_eq!(
        render(&r, Dialect::JitRex, FlagPlacement::Inline),
        r"^ssh\.exe$"
    );
    assert_eq!(
        render(&r, Dialect::Lucene, FlagPlacement::Inline),
        r"ssh\.exe"
    );
}

#[test]
fn lucene_pushes_search_padding_into_the_edges() {
    let l = |p: &str| render(&re(p), Dialect::Lucene, FlagPlacement::Outside);
    assert_eq!(l("abc"), ".*abc.*");
    assert_eq!(l("^abc"), "abc.*");
    assert_eq!(l("abc$"), ".*abc");
    assert_eq!(l(r"(?:^|\.)ab"), r"(()|.*\.)ab.*");
    assert_eq!(
        l(r"a(?:\s|$)"),
        ".*a([\t-\r \u{85}\u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}].*|())"
    );
    assert_eq!(l("a|^b$"), ".*a.*|b");
    assert_eq!(l(""), ".*");
    assert_eq!(l("^$"), "");
    assert_eq!(l("(?m)^a$"), "(.*\n)?a(\n.*)?");
    assert!(refusal(&re("a^b"), Dialect::Lucene).contains("not at the start or end"));
    assert!(refusal(&re(r"\bssh"), Dialect::Lucene).contains("word boundary"));
}

#[test]
fn dot_and_dot_all() {
    let r = re("a.b");
    assert_eq!(render(&r, Dialect::Re2, FlagPlacement::Inline), "a.b");
    assert_eq!(render(&r, Dialect::Java, FlagPlacement::Inline), r"a[^\n]b");
    assert_eq!(
        render(&r, Dialect::Pcre, FlagPlacement::Inline),
        r"(*UTF)a[^\n]b"
    );
    let s = flagged("a.b", false, false, true);
    assert_eq!(render(&s, Dialect::Re2, FlagPlacement::Inline), "a(?s:.)b");
    assert_eq!(
        render(&s, Dialect::JitRex, FlagPlacement::Inline),
        r"a[\s\S]b"
    );
    assert_eq!(
        render(&s, Dialect::Lucene, FlagPlacement::Inline),
        ".*a.b.*"
    );
}

#[test]
fn multi_line_anchors() {
    let r = flagged("^ssh$", false, true, false);
    assert_eq!(
        render(&r, Dialect::Re2, FlagPlacement::Inline),
        "(?m:^)ssh(?m:$)"
    );
    assert_eq!(
        render(&r, Dialect::Java, FlagPlacement::Inline),
        r"(?:^|(?<=\n))ssh(?:\z|(?=\n))"
    );
    assert!(refusal(&r, Dialect::JitRex).contains("multi-line anchor"));
}

#[test]
fn case_insensitivity_per_dialect() {
    let outside = flagged("ssh", true, false, false);
    let t = translate(&outside, Dialect::Re2, FlagPlacement::Outside).unwrap();
    assert_eq!((t.pattern.as_str(), t.case_insensitive), ("ssh", true));
    assert_eq!(
        render(&outside, Dialect::Java, FlagPlacement::Inline),
        "(?iu)ssh"
    );
    assert_eq!(
        render(&outside, Dialect::Pcre, FlagPlacement::Inline),
        "(*UTF)(?i)ssh"
    );
    // Lucene/LogScale flags fold ASCII only: `s` keeps its long-s partner.
    let t = translate(&outside, Dialect::Lucene, FlagPlacement::Outside).unwrap();
    assert_eq!(
        (t.pattern.as_str(), t.case_insensitive),
        (".*[Ssſ][Ssſ]h.*", true)
    );
    assert_eq!(
        render(&outside, Dialect::JitRex, FlagPlacement::Inline),
        r"[Ss\u017F][Ss\u017F][Hh]"
    );
    // An author's leading (?i) is the same as |i.
    let t = translate(&re("(?i)ab"), Dialect::Re2, FlagPlacement::Outside).unwrap();
    assert_eq!((t.pattern.as_str(), t.case_insensitive), ("ab", true));
}

#[test]
fn mixed_case_regions() {
    let r = re("a(?i:b)c(?i)d");
    assert_eq!(
        render(&r, Dialect::Re2, FlagPlacement::Outside),
        "a(?i:b)c(?i)d"
    );
    assert_eq!(
        render(&r, Dialect::Java, FlagPlacement::Outside),
        "a(?iu:b)c(?iu)d"
    );
    assert_eq!(
        render(&r, Dialect::Lucene, FlagPlacement::Outside),
        ".*a([Bb])c[Dd].*"
    );
    let r = flagged("a(?-i)b", true, false, false);
    assert_eq!(
        render(&r, Dialect::Re2, FlagPlacement::Outside),
        "(?i)a(?-i)b"
    );
    assert_eq!(render(&r, Dialect::JitRex, FlagPlacement::Outside), "[Aa]b");
}

#[test]
fn classes_are_exact_sets() {
    let r = re(r"\d{1,5}:[\w.-]+");
    assert_eq!(
        render(&r, Dialect::Re2, FlagPlacement::Inline),
        format!(
            r"[\p{{Nd}}]{{1,5}}\:{}+",
            charset::render_set(Dialect::Re2, &charset::exact_set("", r"[\w.-]").unwrap()).unwrap()
        )
    );
    assert!(refusal(&re(r"\d"), Dialect::JitRex).contains("outside the Basic Multilingual Plane"));
    assert!(refusal(&re(r"\w"), Dialect::Lucene).contains("explicit ranges"));
    assert_eq!(
        render(&re("(?-u:\\d)"), Dialect::JitRex, FlagPlacement::Inline),
        "(?:[0-9])"
    );
    assert_eq!(
        render(&re("[0-9a-f]"), Dialect::Lucene, FlagPlacement::Inline),
        ".*[0-9a-f].*"
    );
    let folded = flagged("[a-f]", true, false, false);
    assert_eq!(
        render(&folded, Dialect::Lucene, FlagPlacement::Inline),
        ".*[A-Fa-f].*"
    );
}

#[test]
fn word_boundaries() {
    let r = re(r"\bssh\b");
    assert!(refusal(&r, Dialect::Re2).contains("Unicode word boundary"));
    assert!(refusal(&r, Dialect::JitRex).contains("word boundary"));
    let pcre = render(&r, Dialect::Pcre, FlagPlacement::Inline);
    assert!(
        pcre.starts_with(r"(*UTF)(?:(?<=[\p{L}\p{M}\p{Nd}\p{Pc}"),
        "{pcre}"
    );
    assert_eq!(
        render(&re(r"(?-u:\b)x"), Dialect::Re2, FlagPlacement::Inline),
        r"(?:\b)x"
    );
}

#[test]
fn refused_constructs_name_the_dialect_and_quote_the_pattern() {
    let r = re(r"a{1001}");
    let refusal = translate(&r, Dialect::Re2, FlagPlacement::Inline).unwrap_err();
    assert_eq!(refusal.construct, Construct::Regex);
    assert_eq!(
        refusal.grouping_key(),
        "regex: RE2 cannot express a repetition count above 1000 '…' in pattern '…'"
    );
    assert!(translate(&re("(?R)a"), Dialect::Java, FlagPlacement::Inline).is_err());
    assert!(translate(&re("(?i-u)k"), Dialect::Re2, FlagPlacement::Inline).is_err());
    // A quote inside the pattern cannot end the quotation.
    let refusal = translate(&re(r"'\b"), Dialect::Re2, FlagPlacement::Inline).unwrap_err();
    assert_eq!(refusal.detail.matches('\'').count(), 4);
}

#[test]
fn escaping_keeps_hosts_safe() {
    let r = re("a/b\"c`d\n\u{2013}\\|%_\\$");
    assert_eq!(
        render(&r, Dialect::Re2, FlagPlacement::Inline),
        r#"a\/b\"c\`d\n\x{2013}\|\%\_\$"#
    );
    assert_eq!(
        render(&r, Dialect::JitRex, FlagPlacement::Inline),
        r#"a\/b\"c\`d\n\u2013\|\%\_\$"#
    );
    assert_eq!(
        render(&r, Dialect::Lucene, FlagPlacement::Inline),
        ".*a\\/b\\\"c\\`d\n\u{2013}\\|\\%\\_\\$.*"
    );
}

#[test]
fn verbose_mode_and_laziness() {
    let r = re("(?x) a b # comment\n c+?");
    assert_eq!(render(&r, Dialect::Re2, FlagPlacement::Inline), "abc+?");
    assert_eq!(
        render(&r, Dialect::Lucene, FlagPlacement::Inline),
        ".*abc+.*"
    );
}
