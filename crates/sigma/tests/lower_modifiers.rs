//! Lowering of values and modifiers: every modifier, the edge cases the
//! issue lists, and each invalid chain with its diagnostic code.

use crate::lower_support;

use lower_support::*;
use tunnelhunt_sigma::ast::Value;
use tunnelhunt_sigma::lower::Placeholders;
use tunnelhunt_sigma::{Code, Span};

#[test]
fn plain_strings_are_case_insensitive_globs() {
    assert_eq!(one("Image", vec![s("C:\\x.exe")]), r#"Image:"C:\\x.exe""#);
    assert_eq!(one("Image", vec![s("*\\cmd.exe")]), r#"Image:"*\\cmd.exe""#);
    assert_eq!(one("User", vec![s("adm?n")]), r#"User:"adm?n""#);
    assert_eq!(one("A", vec![s("x"), s("y")]), r#"(A:"x" | A:"y")"#);
}

#[test]
fn escaped_wildcards_are_literal() {
    // The IR keeps the literal `*`; Display re-escapes it.
    assert_eq!(one("A", vec![s(r"100\*")]), r#"A:"100\*""#);
    assert_eq!(one("A", vec![s(r"what\?")]), r#"A:"what\?""#);
    // `\\*` is a backslash followed by a wildcard.
    assert_eq!(one("A", vec![s(r"C:\\*")]), r#"A:"C:\\*""#);
    // A backslash before anything else, or at the end, is literal.
    assert_eq!(one("A", vec![s(r"C:\Windows\")]), r#"A:"C:\\Windows\\""#);
    assert_eq!(one("A|contains", vec![s(r"\\\*")]), r#"A:"*\\\**""#);
}

#[test]
fn only_star_empty_string_and_null() {
    assert_eq!(one("A", vec![s("*")]), r#"A:"*""#);
    assert_eq!(one("A|contains", vec![s("*")]), r#"A:"*""#);
    assert_eq!(one("A", vec![s("")]), r#"A:"""#);
    assert_eq!(one("A|contains", vec![s("")]), r#"A:"*""#);
    assert_eq!(one("A", vec![Value::Null]), "A==null");
    assert_eq!(one("A|neq", vec![Value::Null]), "!A==null");
    assert_eq!(one("A", vec![]), "false");
}

#[test]
fn position_modifiers() {
    assert_eq!(one("A|contains", vec![s("x")]), r#"A:"*x*""#);
    assert_eq!(one("A|startswith", vec![s("x")]), r#"A:"x*""#);
    assert_eq!(one("A|endswith", vec![s("x")]), r#"A:"*x""#);
    // Already-present wildcards are not doubled.
    assert_eq!(one("A|contains", vec![s("*x*")]), r#"A:"*x*""#);
    assert_eq!(one("A|endswith", vec![s(r"\*")]), r#"A:"*\*""#);
}

#[test]
fn all_and_single_value_all() {
    assert_eq!(
        one("A|contains|all", vec![s("x"), s("y")]),
        r#"(A:"*x*" & A:"*y*")"#
    );
    assert_eq!(one("A|contains|all", vec![s("x")]), r#"A:"*x*""#);
    assert_eq!(one("A|all", vec![s("x")]), r#"A:"x""#);
}

#[test]
fn cased_with_wildcards() {
    assert_eq!(one("A|cased", vec![s("Foo*Bar?")]), r#"A:c"Foo*Bar?""#);
    assert_eq!(
        one("CommandLine|contains|cased", vec![s(" -L ")]),
        r#"CommandLine:c"* -L *""#
    );
    assert_eq!(one("A|cased|startswith", vec![s(r"x\*")]), r#"A:c"x\**""#);
}

#[test]
fn numbers_booleans() {
    assert_eq!(one("EventID", vec![int(1)]), "EventID==1");
    assert_eq!(
        one("EventID", vec![int(1), int(3)]),
        "(EventID==1 | EventID==3)"
    );
    assert_eq!(one("Ratio", vec![Value::Float(0.5)]), "Ratio==0.5");
    assert_eq!(one("EventID|contains", vec![int(46)]), r#"EventID:"*46*""#);
    assert_eq!(one("EventID|startswith", vec![int(-4)]), r#"EventID:"-4*""#);
    assert_eq!(one("Enabled", vec![Value::Bool(true)]), "Enabled==true");
    assert_eq!(one("EventID|neq", vec![int(4)]), "!EventID==4");
}

#[test]
fn comparisons() {
    assert_eq!(one("Port|gt", vec![int(1024)]), "Port>1024");
    assert_eq!(one("Port|gte", vec![s("1024")]), "Port>=1024");
    assert_eq!(one("Port|lt", vec![Value::Float(1.5)]), "Port<1.5");
    assert_eq!(one("Port|lte", vec![s(" -2.5 ")]), "Port<=-2.5");
    assert_eq!(
        one("Port|gt|all", vec![int(1), int(2)]),
        "(Port>1 & Port>2)"
    );
}

#[test]
fn neq_negates_the_whole_matcher() {
    assert_eq!(one("A|neq", vec![s("x"), s("y")]), r#"!(A:"x" | A:"y")"#);
    assert_eq!(
        one("A|contains|all|neq", vec![s("x"), s("y")]),
        r#"!(A:"*x*" & A:"*y*")"#
    );
    assert_eq!(one("A|neq|fieldref", vec![s("B")]), "!A equals ref(B)");
}

#[test]
fn keywords_use_contains_semantics() {
    let det = detection(
        vec![(
            "keywords",
            keywords("", vec![s("evil"), s("a*b"), int(4624)]),
        )],
        &["keywords"],
    );
    let e = lower_with(&det, &Placeholders::new()).unwrap();
    assert_eq!(render(&e), r#"(*:"*evil*" | *:"*a*b*" | *:"*4624*")"#);
    let det = detection(
        vec![("keywords", keywords("|all", vec![s("x"), s("y")]))],
        &["keywords"],
    );
    assert_eq!(
        render(&lower_with(&det, &Placeholders::new()).unwrap()),
        r#"(*:"*x*" & *:"*y*")"#
    );
    let det = detection(
        vec![("keywords", keywords("|startswith|cased", vec![s("X")]))],
        &["keywords"],
    );
    assert_eq!(
        render(&lower_with(&det, &Placeholders::new()).unwrap()),
        r#"*:c"X*""#
    );
    let det = detection(
        vec![("keywords", keywords("", vec![Value::Null]))],
        &["keywords"],
    );
    let d = lower_with(&det, &Placeholders::new()).unwrap_err();
    assert_eq!(codes(&d), vec![Code::WrongType]);
    let det = detection(
        vec![("keywords", keywords("|exists", vec![Value::Bool(true)]))],
        &["keywords"],
    );
    let d = lower_with(&det, &Placeholders::new()).unwrap_err();
    assert_eq!(codes(&d), vec![Code::InvalidModifierChain]);
}

#[test]
fn windash_with_contains_all() {
    let e = one("CommandLine|contains|all|windash", vec![s(" -L "), s("-N")]);
    let dashes = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"];
    let first: Vec<String> = dashes
        .iter()
        .map(|d| format!(r#"CommandLine:"* {d}L *""#))
        .collect();
    let second: Vec<String> = dashes
        .iter()
        .map(|d| format!(r#"CommandLine:"*{d}N*""#))
        .collect();
    assert_eq!(
        e,
        format!("(({}) & ({}))", first.join(" | "), second.join(" | "))
    );
    // The hyphen inside a word is not a flag.
    assert_eq!(
        one("CommandLine|windash|contains", vec![s("Invoke-Expression")]),
        r#"CommandLine:"*Invoke-Expression*""#
    );
    // Two flags: every combination.
    let e = one("CommandLine|windash", vec![s("-a -b")]);
    assert_eq!(e.matches("CommandLine:").count(), 25);
}

#[test]
fn windash_expansion_is_bounded() {
    let many = " -a".repeat(8);
    let d = errors("CommandLine|windash", vec![s(&many)]);
    assert_eq!(codes(&d), vec![Code::InvalidValue]);
}

#[test]
fn re_and_flags() {
    // Perl classes are ASCII, as in the engines Sigma targets.
    assert_eq!(one("A|re", vec![s(r"^\d+$")]), r"A~/^[[:digit:]]+$/");
    assert_eq!(one("A|re|i|m|s", vec![s("a.b")]), "A~/a.b/ims");
    // Regexes are not globs: `*` and `\` are passed through untouched.
    assert_eq!(one("A|re", vec![s(r"a*\\b")]), r"A~/a*\\b/");
    let d = errors("A|re", vec![s(r"cmd(?=\.exe)")]);
    assert_eq!(codes(&d), vec![Code::UnsupportedRegex]);
    assert!(d[0].message.contains("look-around"), "{}", d[0].message);
    assert!(d[0].message.contains("rule") || d[0].message.contains("detection"));
    assert!(d[0].message.contains("cmd(?=\\.exe)"), "{}", d[0].message);
    assert_eq!(d[0].span, value_span(0));
    let d = errors("A|re", vec![s(r"(a)\1")]);
    assert_eq!(codes(&d), vec![Code::UnsupportedRegex]);
    let d = errors("A|re", vec![s("a(b")]);
    assert_eq!(codes(&d), vec![Code::InvalidRegex]);
    let d = errors("A|re", vec![int(5)]);
    assert_eq!(codes(&d), vec![Code::InvalidModifierChain]);
}

#[test]
fn cidr_v4_and_v6() {
    assert_eq!(one("Ip|cidr", vec![s("10.1.2.3/8")]), "Ip in 10.0.0.0/8");
    assert_eq!(
        one("Ip|cidr", vec![s("fe80::/10"), s("2001:db8::/32")]),
        "(Ip in fe80::/10 | Ip in 2001:db8::/32)"
    );
    assert_eq!(one("Ip|cidr|neq", vec![s("::1/128")]), "!Ip in ::1/128");
    let d = errors(
        "Ip|cidr",
        vec![s("10.0.0.0/33"), s("fe80::/129"), s("nonsense")],
    );
    assert_eq!(codes(&d), vec![Code::InvalidCidr; 3]);
    assert_eq!(d[2].span, value_span(2));
}

#[test]
fn base64offset_contains_matches_pysigma() {
    assert_eq!(
        one("CommandLine|base64offset|contains", vec![s("/bin/bash")]),
        r#"(CommandLine:"*L2Jpbi9iYXNo*" | CommandLine:"*9iaW4vYmFza*" | CommandLine:"*vYmluL2Jhc2*")"#
    );
    assert_eq!(
        one(
            "CommandLine|base64offset|contains|all",
            vec![s("foo"), s("bar")]
        )
        .matches('|')
        .count(),
        4
    );
    assert_eq!(
        one("CommandLine|base64|contains", vec![s("foobar")]),
        r#"CommandLine:"*Zm9vYmFy*""#
    );
    assert_eq!(
        one("CommandLine|base64", vec![s("cmd")]),
        r#"CommandLine:"Y21k""#
    );
}

#[test]
fn utf16_then_base64() {
    assert_eq!(one("A|utf16le|base64", vec![s("cmd")]), r#"A:"YwBtAGQA""#);
    assert_eq!(one("A|wide|base64", vec![s("cmd")]), r#"A:"YwBtAGQA""#);
    assert_eq!(one("A|utf16be|base64", vec![s("cmd")]), r#"A:"AGMAbQBk""#);
    assert_eq!(one("A|utf16|base64", vec![s("cmd")]), r#"A:"//5jAG0AZAA=""#);
    assert_eq!(
        one(
            "CommandLine|wide|base64offset|contains",
            vec![s("spinstall0.aspx")]
        ),
        concat!(
            r#"(CommandLine:"*cwBwAGkAbgBzAHQAYQBsAGwAMAAuAGEAcwBwAHgA*" | "#,
            r#"CommandLine:"*MAcABpAG4AcwB0AGEAbABsADAALgBhAHMAcAB4A*" | "#,
            r#"CommandLine:"*zAHAAaQBuAHMAdABhAGwAbAAwAC4AYQBzAHAAeA*")"#
        )
    );
}

#[test]
fn windash_before_base64() {
    let e = one("A|windash|base64offset|contains", vec![s("-e")]);
    // five plaintexts, up to three fragments each, duplicates removed
    assert!(e.matches("A:").count() >= 5, "{e}");
}

#[test]
fn fieldref_shapes() {
    assert_eq!(one("A|fieldref", vec![s("B")]), "A equals ref(B)");
    assert_eq!(
        one("A|fieldref|contains", vec![s("B")]),
        "A contains ref(B)"
    );
    assert_eq!(
        one("A|fieldref|startswith|cased", vec![s("B")]),
        "A startswith cased ref(B)"
    );
    assert_eq!(
        one("A|fieldref|endswith", vec![s("B"), s("C")]),
        "(A endswith ref(B) | A endswith ref(C))"
    );
    let d = errors("A|fieldref", vec![s("B*")]);
    assert_eq!(codes(&d), vec![Code::InvalidModifierChain]);
}

#[test]
fn exists() {
    assert_eq!(one("A|exists", vec![Value::Bool(true)]), "exists(A)==true");
    assert_eq!(
        one("A|exists", vec![Value::Bool(false)]),
        "exists(A)==false"
    );
    assert_eq!(
        codes(&errors("A|exists", vec![s("yes")])),
        vec![Code::InvalidModifierChain]
    );
    assert_eq!(
        codes(&errors(
            "A|exists",
            vec![Value::Bool(true), Value::Bool(false)]
        )),
        vec![Code::InvalidModifierChain]
    );
    assert_eq!(
        codes(&errors("A|exists|neq", vec![Value::Bool(true)])),
        vec![Code::InvalidModifierChain]
    );
}

#[test]
fn expand_placeholders() {
    let mut table = Placeholders::new();
    table.insert("%Servers%", vec!["srv*".into(), "dc01".into()]);
    table.insert("Domains", vec!["corp".into(), "lab".into()]);
    let det = detection(
        vec![(
            "selection",
            map(vec![matcher("Host|expand", vec![s("%Servers%.%Domains%")])]),
        )],
        &["selection"],
    );
    assert_eq!(
        render(&lower_with(&det, &table).unwrap()),
        r#"(Host:"srv*.corp" | Host:"srv*.lab" | Host:"dc01.corp" | Host:"dc01.lab")"#
    );
    let det = detection(
        vec![(
            "selection",
            map(vec![matcher(
                "Host|contains|expand",
                vec![s(r"\%Servers% %Servers%")],
            )]),
        )],
        &["selection"],
    );
    assert_eq!(
        render(&lower_with(&det, &table).unwrap()),
        r#"(Host:"*%Servers% srv*" | Host:"*%Servers% dc01*")"#
    );
    // Without expand, placeholders are literal text.
    assert_eq!(one("Host", vec![s("%Servers%")]), r#"Host:"%Servers%""#);
    // A placeholder with no value makes its value match nothing (the
    // warning that names it is checked in lower_conditions).
    assert_eq!(one("Host|expand", vec![s("%known_cdcs%")]), "false");
    assert_eq!(
        one("Host|contains|expand", vec![s("%known_cdcs%"), s("dc01")]),
        r#"Host:"*dc01*""#
    );
}

#[test]
fn invalid_chains_each_have_a_code() {
    use Code::*;
    let cases: &[(&str, Value, Code)] = &[
        ("A|re|contains", s("x"), InvalidModifierChain),
        ("A|contains|re", s("x"), InvalidModifierChain),
        ("A|re|cased", s("x"), InvalidModifierChain),
        ("A|cidr|contains", s("10.0.0.0/8"), InvalidModifierChain),
        ("A|cidr|cased", s("10.0.0.0/8"), InvalidModifierChain),
        ("A|exists|contains", Value::Bool(true), InvalidModifierChain),
        ("A|contains|startswith", s("x"), InvalidModifierChain),
        ("A|contains|contains", s("x"), InvalidModifierChain),
        ("A|i", s("x"), InvalidModifierChain),
        ("A|contains|m", s("x"), InvalidModifierChain),
        ("A|i|re", s("x"), InvalidModifierChain),
        ("A|utf16le|contains", s("x"), InvalidModifierChain),
        ("A|wide", s("x"), InvalidModifierChain),
        ("A|base64|utf16", s("x"), InvalidModifierChain),
        ("A|utf16le|utf16be|base64", s("x"), InvalidModifierChain),
        (
            "A|base64|base64offset|contains",
            s("x"),
            InvalidModifierChain,
        ),
        ("A|contains|base64", s("x"), InvalidModifierChain),
        ("A|base64offset", s("xyz"), InvalidModifierChain),
        ("A|base64offset|startswith", s("xyz"), InvalidModifierChain),
        ("A|base64|windash", s("-x"), InvalidModifierChain),
        ("A|base64", s("a*b"), InvalidModifierChain),
        ("A|cased", int(5), InvalidModifierChain),
        ("A|cased", Value::Bool(true), InvalidModifierChain),
        ("A|contains", Value::Bool(true), InvalidModifierChain),
        ("A|contains", Value::Null, InvalidModifierChain),
        ("A|gt", s("ten"), InvalidModifierChain),
        ("A|gt|contains", int(1), InvalidModifierChain),
        ("A|gt|lt", int(1), InvalidModifierChain),
        ("A|gt|neq", int(1), InvalidModifierChain),
        ("A|gte|cased", int(1), InvalidModifierChain),
        ("A|cidr", int(10), InvalidModifierChain),
        ("A|fieldref|re", s("B"), InvalidModifierChain),
        ("A|fieldref|windash", s("B"), InvalidModifierChain),
        ("A|re|expand", s("x"), InvalidModifierChain),
        ("A|cidr", s("10.0.0.0/8/8"), InvalidCidr),
        ("A|re", s("[z-a]"), InvalidRegex),
        ("A|re", s(r"(?<=a)b"), UnsupportedRegex),
        ("A|base64offset|contains", s(""), InvalidValue),
    ];
    for (key, value, code) in cases {
        let d = errors(key, vec![value.clone()]);
        assert!(
            d.iter().all(|x| x.code == *code),
            "{key}: expected {code}, got {:#?}",
            d
        );
        assert!(!d.is_empty());
    }
}

#[test]
fn chain_errors_point_at_the_modifier_and_name_the_field() {
    let d = errors("CommandLine|contains|re", vec![s("x")]);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].span, modifier_span(0));
    assert!(
        d[0].message.contains("field 'CommandLine|contains|re'"),
        "{}",
        d[0].message
    );
    assert!(
        d[0].message.contains("search 'selection'"),
        "{}",
        d[0].message
    );
    assert_eq!(d[0].file.to_str(), Some("test.yml"));
    let d = errors("A|contains|startswith", vec![s("x")]);
    assert_eq!(d[0].span, modifier_span(1));
    assert_eq!(d[0].span, Span::new(10, 11));
}

#[test]
fn all_diagnostics_are_collected() {
    let det = detection(
        vec![
            (
                "sel1",
                map(vec![
                    matcher("A|re", vec![s("(")]),
                    matcher("B|cidr", vec![s("x"), s("y")]),
                ]),
            ),
            ("sel2", map(vec![matcher("C|i", vec![s("x")])])),
        ],
        &["sel1 and sel2 and missing"],
    );
    let d = lower_with(&det, &Placeholders::new()).unwrap_err();
    assert_eq!(
        codes(&d),
        vec![
            Code::InvalidRegex,
            Code::InvalidCidr,
            Code::InvalidCidr,
            Code::InvalidModifierChain,
            Code::UndefinedIdentifier
        ]
    );
}
