//! Every kind of test, checked with both the reference evaluator and the
//! compiled matcher (see `common::check`, which asserts they agree).

use crate::common;

use common::*;
use tunnelhunt_engine::FieldValue;
use tunnelhunt_sigma::ir::{
    Expr, FieldRef, FieldRefShape, IpNetwork, NumOp, Number, Piece, RegexMatch, StrMatch, Test,
};

fn ev(field: &str, value: &str) -> MapEvent {
    MapEvent::new().s(field, value)
}

#[test]
fn strings_are_case_insensitive_by_default() {
    let e = ev("Image", r"C:\Windows\System32\CMD.EXE");
    assert!(check(&g("Image", r"*\cmd.exe"), &e));
    assert!(check(&g("Image", r"c:\windows\*"), &e));
    assert!(check(&g("Image", r"*system32*"), &e));
    assert!(check(&g("Image", r"c:\windows\system32\cmd.exe"), &e));
    assert!(!check(&g("Image", r"*\powershell.exe"), &e));
}

#[test]
fn case_folding_beyond_ascii() {
    let e = ev("User", "ÄDMIN Straße ΣΟΦΙΑ");
    assert!(check(&g("User", "*ädmin*"), &e));
    assert!(!check(&g("User", "*strasse*"), &e), "ß is not folded to ss");
    assert!(check(&g("User", "*σοφια"), &e));
    assert!(check(&g("User", "*ΣΟΦΙΑ"), &ev("User", "σοφια")));
}

#[test]
fn cased_globs() {
    let e = ev("CommandLine", "ssh -L 8080:localhost:80 host");
    let cased = |p: &str| f("CommandLine", Test::Str(glob(p, true)));
    assert!(check(&cased("* -L *"), &e));
    assert!(!check(&cased("* -l *"), &e));
    assert!(check(&cased("ssh -? *"), &e));
    assert!(!check(&cased("SSH*"), &e));
}

#[test]
fn question_mark_and_star() {
    let e = ev("F", "abc");
    assert!(check(&g("F", "a?c"), &e));
    assert!(!check(&g("F", "a??c"), &e));
    assert!(check(&g("F", "???"), &e));
    assert!(check(&g("F", "?é?"), &ev("F", "xÉy")));
    // `*` alone: any value, including the empty string and numbers …
    assert!(check(&g("F", "*"), &e));
    assert!(check(&g("F", "*"), &ev("F", "")));
    assert!(check(
        &g("F", "*"),
        &MapEvent::new().with("F", FieldValue::Int(3))
    ));
    // … but not null or an absent field.
    assert!(!check(
        &g("F", "*"),
        &MapEvent::new().with("F", FieldValue::Null)
    ));
    assert!(!check(&g("F", "*"), &MapEvent::new()));
}

#[test]
fn escaped_wildcards_are_literals() {
    let m = StrMatch::new(
        [
            Piece::AnyString,
            Piece::Lit("a*b?".into()),
            Piece::AnyString,
        ],
        false,
    );
    let rule = f("F", Test::Str(m));
    assert!(check(&rule, &ev("F", "xa*b?y")));
    assert!(!check(&rule, &ev("F", "xaZbQy")));
}

#[test]
fn empty_string_is_not_null() {
    let empty = f("F", Test::Str(StrMatch::literal("", false)));
    assert!(check(&empty, &ev("F", "")));
    assert!(!check(&empty, &ev("F", "x")));
    assert!(!check(&empty, &MapEvent::new()));
    assert!(!check(&empty, &MapEvent::new().with("F", FieldValue::Null)));
    let null = f("F", Test::Null);
    assert!(!check(&null, &ev("F", "")));
    assert!(check(&null, &MapEvent::new()));
    assert!(check(&null, &MapEvent::new().with("F", FieldValue::Null)));
    assert!(check(&null, &MapEvent::new().many("F", vec![])));
    assert!(check(&not(null.clone()), &ev("F", "")));
}

#[test]
fn absent_fields_and_not() {
    let rule = g("F", "*x*");
    assert!(!check(&rule, &MapEvent::new()));
    assert!(check(&not(rule.clone()), &MapEvent::new()));
    assert!(check(
        &not(rule),
        &MapEvent::new().with("F", FieldValue::Null)
    ));
}

#[test]
fn exists_counts_null_as_present() {
    let yes = f("F", Test::Exists(true));
    let no = f("F", Test::Exists(false));
    assert!(check(&yes, &ev("F", "")));
    assert!(check(&yes, &MapEvent::new().with("F", FieldValue::Null)));
    assert!(!check(&yes, &MapEvent::new()));
    assert!(check(&no, &MapEvent::new()));
    assert!(!check(&no, &ev("F", "v")));
}

#[test]
fn list_fields_match_on_any_element() {
    let e = MapEvent::new().many(
        "Answers",
        vec![s("1.2.3.4"), FieldValue::Null, s("evil.example")],
    );
    assert!(check(&g("Answers", "*.example"), &e));
    assert!(check(&f("Answers", Test::Null), &e));
    assert!(!check(&g("Answers", "good*"), &e));
    let net = IpNetwork::parse("1.2.0.0/16").unwrap();
    assert!(check(&f("Answers", Test::Cidr(net)), &e));
}

#[test]
fn numbers() {
    let gt = |n| f("DestinationPort", Test::Num(NumOp::Gt, Number::Int(n)));
    let int = MapEvent::new().with("DestinationPort", FieldValue::Int(443));
    let text = ev("DestinationPort", "443");
    let float = MapEvent::new().with("DestinationPort", FieldValue::Float(443.5));
    for e in [&int, &text, &float] {
        assert!(check(&gt(442), e));
        assert!(!check(&gt(444), e));
    }
    let eq = f("DestinationPort", Test::Num(NumOp::Eq, Number::Int(443)));
    assert!(check(&eq, &int));
    assert!(check(&eq, &text));
    assert!(!check(&eq, &float));
    assert!(!check(&eq, &ev("DestinationPort", "https")));
    assert!(!check(&eq, &ev("DestinationPort", " 443")));
    let lte = f("X", Test::Num(NumOp::Lte, Number::Float(1.5)));
    assert!(check(&lte, &ev("X", "1.5")));
    assert!(check(&lte, &ev("X", "-7")));
    assert!(!check(&lte, &ev("X", "2")));
    let gte = f("X", Test::Num(NumOp::Gte, Number::Int(2)));
    assert!(check(&gte, &ev("X", "2")));
    let lt = f("X", Test::Num(NumOp::Lt, Number::Int(2)));
    assert!(!check(&lt, &ev("X", "2")));
    // A number value compared as a string uses its text form.
    assert!(check(
        &g("EventID", "46??"),
        &MapEvent::new().with("EventID", FieldValue::Int(4688))
    ));
}

#[test]
fn booleans() {
    let t = f("Signed", Test::Bool(true));
    assert!(check(
        &t,
        &MapEvent::new().with("Signed", FieldValue::Bool(true))
    ));
    assert!(check(&t, &ev("Signed", "TRUE")));
    assert!(!check(&t, &ev("Signed", "false")));
    assert!(!check(&t, &ev("Signed", "1")));
    assert!(!check(
        &t,
        &MapEvent::new().with("Signed", FieldValue::Int(1))
    ));
    assert!(check(
        &f("Signed", Test::Bool(false)),
        &ev("Signed", "False")
    ));
    // Booleans as strings through a glob.
    assert!(check(
        &g("Signed", "true"),
        &MapEvent::new().with("Signed", FieldValue::Bool(true))
    ));
}

#[test]
fn cidr_v4_v6_and_mapped() {
    let v4 = f(
        "DestinationIp",
        Test::Cidr(IpNetwork::parse("10.0.0.0/8").unwrap()),
    );
    assert!(check(&v4, &ev("DestinationIp", "10.1.2.3")));
    assert!(check(&v4, &ev("DestinationIp", "::ffff:10.1.2.3")));
    assert!(!check(&v4, &ev("DestinationIp", "11.1.2.3")));
    assert!(!check(&v4, &ev("DestinationIp", "not an ip")));
    let v6 = f(
        "DestinationIp",
        Test::Cidr(IpNetwork::parse("fe80::/10").unwrap()),
    );
    assert!(check(&v6, &ev("DestinationIp", "fe80::1")));
    assert!(check(&v6, &ev("DestinationIp", "FE80:0:0:0:1:2:3:4")));
    assert!(!check(&v6, &ev("DestinationIp", "2001:db8::1")));
    assert!(!check(&v6, &ev("DestinationIp", "10.1.2.3")));
}

#[test]
fn lists_of_networks_are_one_test_per_field() {
    // The matcher merges the CIDR tests of a field in one disjunction into
    // one predicate; another field's, and other tests, stay apart.
    let cidr = |field, net| f(field, Test::Cidr(IpNetwork::parse(net).unwrap()));
    let any = Expr::Or(vec![
        cidr("DestinationIp", "10.0.0.0/8"),
        g("DestinationHostname", "*.example"),
        cidr("SourceIp", "192.168.0.0/16"),
        cidr("DestinationIp", "::1/128"),
        cidr("DestinationIp", "10.0.0.0/8"),
    ]);
    for (ip, source, host, want) in [
        ("10.1.2.3", "1.1.1.1", "a.b", true),
        ("::1", "1.1.1.1", "a.b", true),
        ("8.8.8.8", "1.1.1.1", "a.b", false),
        ("8.8.8.8", "192.168.1.1", "a.b", true),
        ("8.8.8.8", "1.1.1.1", "x.example", true),
        ("192.168.1.1", "10.1.2.3", "a.b", false),
    ] {
        let e = MapEvent::new()
            .s("DestinationIp", ip)
            .s("SourceIp", source)
            .s("DestinationHostname", host);
        assert_eq!(check(&any, &e), want, "{ip} {source} {host}");
        assert_eq!(check(&not(any.clone()), &e), !want, "{ip} {source} {host}");
    }
    // In a conjunction each test stays its own.
    let both = Expr::And(vec![
        cidr("DestinationIp", "10.0.0.0/8"),
        cidr("DestinationIp", "10.1.0.0/16"),
    ]);
    assert!(check(&both, &ev("DestinationIp", "10.1.2.3")));
    assert!(!check(&both, &ev("DestinationIp", "10.2.2.3")));
}

fn re(pattern: &str, i: bool, m: bool, s: bool) -> Test {
    Test::Regex(RegexMatch {
        pattern: pattern.into(),
        case_insensitive: i,
        multi_line: m,
        dot_matches_new_line: s,
    })
}

#[test]
fn regexes_search_and_honour_flags() {
    let e = ev("CommandLine", "powershell -enc SQBFAFgA\nnext line");
    assert!(check(
        &f(
            "CommandLine",
            re("-enc [A-Za-z0-9+/=]+", false, false, false)
        ),
        &e
    ));
    assert!(!check(
        &f("CommandLine", re("-ENC", false, false, false)),
        &e
    ));
    assert!(check(&f("CommandLine", re("-ENC", true, false, false)), &e));
    assert!(!check(
        &f("CommandLine", re("^next", false, false, false)),
        &e
    ));
    assert!(check(
        &f("CommandLine", re("^next", false, true, false)),
        &e
    ));
    assert!(!check(
        &f("CommandLine", re("SQB.*line", false, false, false)),
        &e
    ));
    assert!(check(
        &f("CommandLine", re("SQB.*line", false, false, true)),
        &e
    ));
    // Several regexes of one field in one rule share a bank.
    let both = Expr::And(vec![
        f("CommandLine", re("power", false, false, false)),
        not(f("CommandLine", re("cmd", false, false, false))),
    ]);
    assert!(check(&both, &e));
    // A number value is searched in its text form.
    let n = MapEvent::new().with("Port", FieldValue::Int(4444));
    assert!(check(&f("Port", re("^44+$", false, false, false)), &n));
}

#[test]
fn look_around_is_an_error_naming_the_pattern() {
    let mut b = tunnelhunt_engine::MatcherBuilder::new();
    let rule = f("CommandLine", re("a(?=b)", false, false, false));
    let err = b.add_rule(&Default::default(), &rule).unwrap_err();
    assert!(err.to_string().contains("a(?=b)"), "{err}");
    // The failed rule takes no id.
    let id = b.add_rule(&Default::default(), &g("F", "x")).unwrap();
    assert_eq!(id, 0);
}

#[test]
fn fieldref() {
    let r = |shape, cased| {
        f(
            "ParentImage",
            Test::FieldRef(FieldRef {
                other_field: "Image".into(),
                shape,
                cased,
            }),
        )
    };
    let e = MapEvent::new()
        .s("Image", r"C:\x\A.exe")
        .s("ParentImage", r"c:\x\a.exe");
    assert!(check(&r(FieldRefShape::Equals, false), &e));
    assert!(!check(&r(FieldRefShape::Equals, true), &e));
    let e2 = MapEvent::new()
        .s("Image", "a.exe")
        .s("ParentImage", r"c:\x\A.EXE");
    assert!(check(&r(FieldRefShape::EndsWith, false), &e2));
    assert!(check(&r(FieldRefShape::Contains, false), &e2));
    assert!(!check(&r(FieldRefShape::StartsWith, false), &e2));
    assert!(!check(
        &r(FieldRefShape::Equals, false),
        &MapEvent::new().s("ParentImage", "x")
    ));
}

#[test]
fn keywords_search_every_value() {
    let e = MapEvent::new()
        .s("CommandLine", "ngrok tcp 22")
        .with("Port", FieldValue::Int(22))
        .with("Nothing", FieldValue::Null);
    assert!(check(&pred(None, Test::Str(glob("*NGROK*", false))), &e));
    assert!(check(&pred(None, Test::Str(glob("22", false))), &e));
    assert!(!check(&pred(None, Test::Str(glob("chisel", false))), &e));
    assert!(check(&pred(None, re("tcp \\d+", false, false, false)), &e));
    assert!(check(
        &pred(None, Test::Num(NumOp::Eq, Number::Int(22))),
        &e
    ));
    assert!(!check(&pred(None, Test::Null), &e));
    assert!(check(&pred(None, Test::Exists(true)), &e));
    assert!(!check(&pred(None, Test::Exists(true)), &MapEvent::new()));
}

#[test]
fn constants_and_nesting() {
    let e = ev("F", "abc");
    assert!(check(&Expr::Const(true), &e));
    assert!(!check(&Expr::Const(false), &e));
    assert!(!check(&Expr::Or(vec![]), &e));
    assert!(check(&Expr::And(vec![]), &e));
    let x = Expr::Or(vec![
        Expr::And(vec![g("F", "a*"), not(g("F", "*z"))]),
        Expr::Const(false),
    ]);
    assert!(check(&x, &e));
    assert!(check(&not(not(g("F", "*b*"))), &e));
}
