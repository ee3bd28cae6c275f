//! Hostile and broken input: alias bombs, absurd nesting, huge files,
//! truncated and mangled text. Loading must refuse fast, report where, and
//! never panic.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use tunnelhunt_sigma::Code;
use tunnelhunt_sigma::load::{ParsedFile, parse_rule_file};

const FIXTURES: [&str; 4] = [
    include_str!("fixtures/load/full_metadata.yml"),
    include_str!("fixtures/load/multidoc_sysmon_security.yml"),
    include_str!("fixtures/load/correlation_failed_logins.yml"),
    include_str!("fixtures/load/filter_admin_tunnels.yml"),
];

/// Generous for a debug build on a busy machine; an expanding alias bomb
/// or a quadratic walk would take minutes, not this.
const FAST: Duration = Duration::from_millis(900);

fn parse(text: &str) -> ParsedFile {
    parse_rule_file(Path::new("hostile.yml"), text)
}

fn timed(text: &str) -> (ParsedFile, Duration) {
    let started = Instant::now();
    let parsed = parse(text);
    (parsed, started.elapsed())
}

fn assert_refused_as_too_complex(text: &str) {
    let (parsed, elapsed) = timed(text);
    eprintln!("refused {} bytes in {elapsed:?}", text.len());
    assert!(elapsed < FAST, "took {elapsed:?}");
    assert!(parsed.documents.is_empty());
    let diagnostic = parsed
        .diagnostics
        .iter()
        .find(|d| d.code == Code::YamlTooComplex)
        .unwrap_or_else(|| panic!("no yaml-too-complex in {:#?}", parsed.diagnostics));
    assert!(diagnostic.is_error());
    assert!(diagnostic.span.is_known());
}

#[test]
fn billion_laughs_is_refused_fast() {
    let mut text = String::from(
        "title: lol\nlol0: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for level in 1..10 {
        let previous = level - 1;
        let refs = vec![format!("*l{previous}"); 9].join(", ");
        writeln!(text, "lol{level}: &l{level} [{refs}]").unwrap();
    }
    text.push_str("logsource: {product: windows}\ndetection: {s: x, condition: s}\n");
    assert_refused_as_too_complex(&text);
}

#[test]
fn alias_bomb_in_a_mapping_is_refused_fast() {
    let mut text = String::from("a0: &a0 {k: v, l: w}\n");
    for level in 1..40 {
        let p = level - 1;
        writeln!(text, "a{level}: &a{level} {{x: *a{p}, y: *a{p}}}").unwrap();
    }
    assert_refused_as_too_complex(&text);
}

#[test]
fn modest_aliases_are_fine() {
    let text = "title: t\nlogsource: &ls {product: windows}\nproducts: *ls\ndetection:\n    sel: &v ['a', 'b']\n    other: *v\n    condition: sel or other\n";
    let parsed = parse(text);
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    assert_eq!(parsed.documents.len(), 1);
}

#[test]
fn deep_flow_nesting_is_refused_fast() {
    assert_refused_as_too_complex(&"[".repeat(10_000));
    assert_refused_as_too_complex(&"{a: ".repeat(10_000));
    assert_refused_as_too_complex(&format!("title: x\ndetection: {}", "[".repeat(1_000_000)));
}

#[test]
fn deep_block_nesting_is_refused_fast() {
    assert_refused_as_too_complex(&"- ".repeat(100_000));
    let mut text = String::new();
    for depth in 0..200 {
        writeln!(text, "{}k{depth}:", "  ".repeat(depth)).unwrap();
    }
    assert_refused_as_too_complex(&text);
}

#[test]
fn an_alias_that_would_nest_too_deep_is_refused() {
    let deep = format!("{}x{}", "[".repeat(40), "]".repeat(40));
    let text = format!(
        "a: &deep {deep}\nb: {}*deep{}\n",
        "[".repeat(30),
        "]".repeat(30)
    );
    assert_refused_as_too_complex(&text);
}

#[test]
fn merging_a_huge_global_part_into_many_documents_is_bounded() {
    let mut text = String::from("action: global\n");
    for i in 0..50_000 {
        writeln!(text, "k{i}: v").unwrap();
    }
    for _ in 0..100 {
        text.push_str("---\ntitle: t\n");
    }
    let (parsed, elapsed) = timed(&text);
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.code == Code::YamlTooComplex)
    );
}

#[test]
fn a_large_collection_file_loads() {
    let mut text = String::new();
    let rules = 3_000;
    for i in 0..rules {
        write!(
            text,
            "---\ntitle: Rule {i}\nid: 00000000-0000-4000-8000-{i:012}\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        Image|endswith: '\\tool{i}.exe'\n        CommandLine|contains:\n            - ' -R '\n            - ' -L '\n    condition: selection\nlevel: high\n"
        )
        .unwrap();
    }
    let (parsed, elapsed) = timed(&text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:#?}",
        &parsed.diagnostics[..1]
    );
    assert_eq!(parsed.documents.len(), rules);
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

#[test]
fn a_long_scalar_and_a_wide_mapping_load() {
    let long = "A".repeat(1 << 20);
    let mut text = format!(
        "title: t\nlogsource: {{product: x}}\ndetection:\n    sel:\n        Data: '{long}'\n    wide:\n"
    );
    for i in 0..20_000 {
        writeln!(text, "        F{i}: {i}").unwrap();
    }
    text.push_str("    condition: sel and wide\n");
    let parsed = parse(&text);
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
}

#[test]
fn odd_inputs_never_panic() {
    let inputs = [
        "",
        "---",
        "---\n---\n...\n",
        ":",
        "[",
        "]",
        "{",
        "\t",
        "- - -",
        "? [a, b]\n: c\n",
        "? {a: b}\n: c\ntitle: t\n",
        "!!binary aGVsbG8=",
        "&a *a",
        "a: *undefined",
        "title: !!int abc\n",
        "title: !custom x\n",
        "\u{feff}title: x\n",
        "title: \"unterminated\n",
        "title: 'x'\ndetection: {s: x, condition: '('}\nlogsource: {product: x}\n",
        "title: t\nlogsource: {product: x}\ndetection: {condition: s, s: [[], {}, ~, '']}\n",
        "title: t\nlogsource: {product: x}\ndetection: {'|': x, '': y, '||': z, condition: s}\n",
        "title: t\nlogsource: {product: x}\ndetection: {s: {'a|re|': [1, [2]], b: {c: d}}, condition: s}\n",
        "title: t\ncorrelation: {type: value_count, rules: [], timespan: 9999999999999999999d, condition: {field: [], gte: 1.5}}\n",
        "title: t\ncorrelation: {type: [x], rules: {a: b}, timespan: [1], condition: [1], aliases: [x], group-by: {}}\n",
        "title: t\ncorrelation: {type: temporal, rules: [a, b], timespan: ''}\n",
        "title: t\nfilter: [x]\nlogsource: x\n",
        "title: t\nfilter: {rules: [], condition: 1}\n",
        "action: global\n---\naction: repeat\n---\naction: reset\naction: global\n",
        "title: t\nrelated: [{id: [], type: {}}]\ntags: [[]]\nfalsepositives: {}\n",
        "title: ☃\ndetection: {☃|contains: ☃, condition: ☃}\nlogsource: {product: ☃}\n",
        "title: t\ndetection:\n  s: x\n  condition: s and\n    not\n",
        "%YAML 1.2\n---\ntitle: t\n",
        "%TAG ! tag:example.com,2000:\n--- !foo\ntitle: t\n",
        "title: t\n\0\n",
        "title: t\r\nlogsource: {product: x}\r\ndetection: {s: x, condition: s}\r\n",
    ];
    for input in inputs {
        let _ = parse(input);
    }
}

#[test]
fn every_truncation_of_the_fixtures_is_handled() {
    for fixture in FIXTURES {
        for (cut, _) in fixture.char_indices() {
            let parsed = parse(&fixture[..cut]);
            for diagnostic in &parsed.diagnostics {
                assert!(
                    diagnostic.span.is_known(),
                    "unknown position for {diagnostic} at cut {cut}"
                );
            }
        }
    }
}

#[test]
fn mangled_fixtures_never_panic() {
    // A deterministic mangler: swap in structural characters at spread-out
    // positions, the kind of damage a fuzzer does first.
    let replacements = [
        '[', ']', '{', '}', ':', '-', '|', '\'', '"', '&', '*', '!', '\n', ' ',
    ];
    for fixture in FIXTURES {
        let chars: Vec<char> = fixture.chars().collect();
        for (step, replacement) in replacements.iter().enumerate() {
            let mut mangled = chars.clone();
            let mut position = step * 7;
            while position < mangled.len() {
                mangled[position] = *replacement;
                position += 97 + step;
            }
            let text: String = mangled.into_iter().collect();
            let _ = parse(&text);
        }
    }
}
