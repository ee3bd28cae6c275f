//! The search of the raw forms over prefilters built from hand-made rules:
//! route gates read from JSON keys, needles in JSON text and in UTF-16
//! chunks, and the records whose spelling makes them pass.

use tunnelhunt_engine::{MatcherBuilder, Prefilter, RawProfile, RouteNeed};
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, NumOp, Number, Piece, Predicate, StrMatch, Test};

use super::{json_spelling, may_match_json, may_match_utf16};

fn pred(field: Option<&str>, test: Test) -> Expr {
    Expr::Pred(Predicate {
        field: field.map(str::to_owned),
        test,
        span: Span::UNKNOWN,
    })
}

fn contains(field: &str, s: &str) -> Expr {
    pred(
        Some(field),
        Test::Str(StrMatch::new(
            [Piece::AnyString, Piece::Lit(s.into()), Piece::AnyString],
            false,
        )),
    )
}

fn num(field: &str, n: i64) -> Expr {
    pred(Some(field), Test::Num(NumOp::Eq, Number::Int(n)))
}

fn unknown(_: &LogSource) -> RouteNeed {
    RouteNeed::Unknown
}

fn any_id(_: &LogSource) -> Option<Vec<u32>> {
    None
}

const PROFILE: RawProfile<'static> = RawProfile {
    joined: &[("User", "\\")],
    route: &unknown,
    event_ids: &any_id,
    spelled: &json_spelling,
};

#[test]
fn routes_gate_the_rules_without_needles() {
    let route = |ls: &LogSource| match ls.service.as_deref() {
        Some("security") => RouteNeed::AnyOf(vec!["Security".into()]),
        Some(_) => RouteNeed::Never,
        None => RouteNeed::Unknown,
    };
    let profile = RawProfile {
        joined: &[],
        route: &route,
        event_ids: &any_id,
        spelled: &json_spelling,
    };
    let service = |s: &str| LogSource {
        service: Some(s.into()),
        ..LogSource::default()
    };
    let mut b = MatcherBuilder::new();
    b.add_rule(&service("security"), &num("EventID", 4624))
        .unwrap();
    b.add_rule(&service("zeek"), &num("EventID", 1)).unwrap();
    b.add_rule(&service("security"), &contains("CommandLine", "portproxy"))
        .unwrap();
    let p = Prefilter::new(&b.build().unwrap(), &profile).unwrap();
    assert_eq!(p.always_rules(), &[0]);
    assert_eq!(p.needles(), &["portproxy".to_owned()]);
    let mut buf = Vec::new();
    let mut may = |raw: &str| may_match_json(&p, raw.as_bytes(), &mut buf);
    assert!(may(r#"{"System":{"Channel":"SECURITY"}}"#));
    assert!(!may(r#"{"System":{"Channel":"System","Security":{}}}"#));
    assert!(may(r#"{"System":{"Channel":["x"]}}"#));
    // A needle lets a record through only on a route its rule has.
    assert!(!may(r#"{"System":{"Channel":"System"},"x":"PortProxy"}"#));
    let mut b = MatcherBuilder::new();
    b.add_rule(&service("security"), &num("EventID", 4624))
        .unwrap();
    b.add_rule(&service("security"), &contains("CommandLine", "portproxy"))
        .unwrap();
    b.add_rule(&LogSource::default(), &contains("CommandLine", "netsh"))
        .unwrap();
    let p2 = Prefilter::new(&b.build().unwrap(), &profile).unwrap();
    let mut may2 = |raw: &str| may_match_json(&p2, raw.as_bytes(), &mut buf);
    assert!(!may2(r#"{"System":{"Channel":"System"},"x":"PortProxy"}"#));
    assert!(may2(
        r#"{"System":{"Channel":"System"},"x":"netsh PortProxy"}"#
    ));
    assert!(may2(
        r#"{"System":{"Channel":"x"},"Channel":"Security","y":"portproxy"}"#
    ));
    // Keys it cannot read for sure let it through.
    assert!(may2(
        r#"{"System":{"Channel":"Syst\u0065m"},"x":"PortProxy"}"#
    ));
}

fn prefilter(rules: &[Expr]) -> Prefilter {
    let mut b = MatcherBuilder::new();
    for r in rules {
        b.add_rule(&LogSource::default(), r).unwrap();
    }
    Prefilter::new(&b.build().unwrap(), &PROFILE).unwrap()
}

#[test]
fn json_records() {
    let p = prefilter(&[
        contains("Image", "\\OpenSSH\\ssh.exe"),
        contains("CommandLine", "PLINK"),
    ]);
    assert!(!p.passes_everything());
    let mut buf = Vec::new();
    let mut may = |raw: &str| may_match_json(&p, raw.as_bytes(), &mut buf);
    assert!(may(
        r#"{"Image":"C:\\Windows\\System32\\OpenSSH\\SSH.EXE"}"#
    ));
    assert!(may(r#"{"CommandLine":"plink.exe -R"}"#));
    assert!(!may(r#"{"Image":"C:\\Windows\\notepad.exe"}"#));
    // Spelled with escapes that do not carry the needle: let through.
    assert!(may(r#"{"CommandLine":"p\u006cink"}"#));
    assert!(may(r#"{"CommandLine":"\/x"}"#));
    assert!(!may(r#"{"CommandLine":"C:\\users\\x"}"#));
    let one_always = prefilter(&[contains("Image", "plink"), num("EventID", 1)]);
    assert!(one_always.passes_everything());
    assert_eq!(one_always.always_rules(), &[1]);
    assert!(may_match_json(&one_always, b"{}", &mut buf));
    let never = prefilter(&[Expr::Const(false)]);
    assert!(!may_match_json(&never, br#"{"a":"\u0041"}"#, &mut buf));
}

#[test]
fn rules_without_needles_by_event_id() {
    let ids = |ls: &LogSource| match ls.category.as_deref() {
        Some("dns") => Some(vec![22]),
        _ => None,
    };
    let profile = RawProfile {
        joined: &[],
        route: &unknown,
        event_ids: &ids,
        spelled: &json_spelling,
    };
    let dns = LogSource {
        category: Some("dns".into()),
        ..LogSource::default()
    };
    let mut b = MatcherBuilder::new();
    b.add_rule(&LogSource::default(), &contains("Image", "plink"))
        .unwrap();
    b.add_rule(&dns, &num("QueryLength", 300)).unwrap();
    let p = Prefilter::new(&b.build().unwrap(), &profile).unwrap();
    assert!(!p.passes_everything());
    // In a chunk, the rule without needles is held to its route, record
    // by record.
    assert!(p.skips_chunks());
    let gate = p.chunk_gate().unwrap();
    let keys = |id: Option<u32>| crate::evtx::keys::RecordKeys {
        event_id: id,
        channel: Some("Microsoft-Windows-Sysmon/Operational".into()),
    };
    // The rule with needles has no route: every chunk is searched.
    assert!(p.chunk_needle_gate().unwrap().admits_any());
    assert!(gate.admits(&mut keys(Some(22))));
    assert!(!gate.admits(&mut keys(Some(1))));
    assert!(
        gate.admits(&mut keys(None)),
        "an unsure EventID is admitted"
    );
    let mut buf = Vec::new();
    let mut may = |raw: &str| may_match_json(&p, raw.as_bytes(), &mut buf);
    assert!(may(r#"{"System":{"EventID":22}}"#));
    assert!(may(r##"{"System":{"EventID":{"#text":"22"}}}"##));
    assert!(may(r#"{"System":{"EventID":1},"Image":"PLINK.exe"}"#));
    assert!(!may(r#"{"System":{"EventID":1},"Image":"cmd.exe"}"#));
    assert!(!may(r#"{"Image":"cmd.exe"}"#));
    assert!(may(r#"{"System":{"EventID":2.2e1}}"#));
    assert!(!may_match_utf16(&p, b"anything", &mut buf));
    let utf16: Vec<u8> = "PLINK".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(may_match_utf16(&p, &utf16, &mut buf));
}

#[test]
fn utf16_chunks() {
    let p = prefilter(&[contains("Image", "\\ssh.exe")]);
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let mut buf = Vec::new();
    let mut chunk = vec![0x2a, 0x2a, 0, 0, 9];
    chunk.extend(utf16("C:\\Windows\\System32\\OpenSSH\\SSH.exe"));
    assert!(may_match_utf16(&p, &chunk, &mut buf));
    let other = utf16("C:\\Windows\\notepad.exe");
    assert!(!may_match_utf16(&p, &other, &mut buf));
    assert!(may_match_utf16(&p, &utf16("\\s\u{212A}.exe"), &mut buf));
}

#[test]
fn unsure_records_pass_for_rules_without_needles_too() {
    let ids = |_: &LogSource| Some(vec![22]);
    let profile = RawProfile {
        joined: &[],
        route: &unknown,
        event_ids: &ids,
        spelled: &json_spelling,
    };
    let mut b = MatcherBuilder::new();
    b.add_rule(&LogSource::default(), &num("QueryLength", 300))
        .unwrap();
    let p = Prefilter::new(&b.build().unwrap(), &profile).unwrap();
    assert!(p.needles().is_empty());
    let mut buf = Vec::new();
    let mut may = |raw: &str| may_match_json(&p, raw.as_bytes(), &mut buf);
    assert!(!may(r#"{"System":{"EventID":1},"x":"a"}"#));
    assert!(may(r#"{"System":{"EventID":1},"x":"\u0061"}"#));
    assert!(may("{\"System\":{\"EventID\":1},\"x\":\"\u{17F}\"}"));
    assert!(may(r#"{"System":{"EventID":22}}"#));
}
