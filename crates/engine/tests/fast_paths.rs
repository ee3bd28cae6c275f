//! The matcher's shortcuts checked against the reference evaluator, on rule
//! sets built to exercise them: thousands of long literals on one field
//! (found through hashed anchors, not an automaton), a route that uses a
//! few of a field's many literals (restricted scan), keyword values
//! streamed without being loaded, and many regexes of one field asked for
//! in one event (single patterns, then the whole set). A wrong skip shows
//! up as a rule the oracle matches and the matcher does not.

use crate::common;

use common::*;
use tunnelhunt_engine::{MatcherBuilder, RuleId, eval_expr};
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, RegexMatch, Test};

fn ls(product: &str, service: &str) -> LogSource {
    LogSource {
        product: Some(product.into()),
        service: Some(service.into()),
        ..LogSource::default()
    }
}

fn kw(pattern: &str) -> Expr {
    pred(None, Test::Str(glob(pattern, false)))
}

fn re(field: &str, p: &str) -> Expr {
    f(
        field,
        Test::Regex(RegexMatch {
            pattern: p.into(),
            case_insensitive: false,
            multi_line: false,
            dot_matches_new_line: false,
        }),
    )
}

/// Assert that the matcher returns exactly the rules `eval_expr` matches
/// among those routed to the event (`routed(rule index)`).
fn agree(rules: &[(LogSource, Expr)], events: &[MapEvent], routed: impl Fn(usize) -> bool) {
    let mut b = MatcherBuilder::new();
    for (l, e) in rules {
        b.add_rule(l, e).expect("compiles");
    }
    let m = b.build().expect("builds");
    let mut scratch = m.scratch();
    for e in events {
        let mut out: Vec<RuleId> = Vec::new();
        m.matches(e, &mut scratch, &mut out);
        let want: Vec<RuleId> = (0..rules.len())
            .filter(|&i| routed(i) && eval_expr(&rules[i].1, e))
            .collect();
        assert_eq!(out, want, "for {e:?}");
    }
}

fn sysmon(fields: &[(&str, &str)]) -> MapEvent {
    let mut e = MapEvent::new();
    for (k, v) in fields {
        e = e.s(k, v);
    }
    e.kind.product = Some("windows".into());
    e.kind.service = Some("sysmon".into());
    e
}

#[test]
fn thousands_of_long_literals_on_one_field() {
    let hashes: Vec<String> = (0..3000u64)
        .map(|i| format!("MD5={:032X}", u128::from(i) * 0x9E37_79B9_7F4A_7C15))
        .collect();
    let mut rules: Vec<(LogSource, Expr)> = hashes
        .iter()
        .map(|h| (LogSource::default(), g("Hashes", &format!("*{h}*"))))
        .collect();
    // Short literals on the same field still go through an automaton.
    rules.push((LogSource::default(), g("Hashes", "*sha1=*")));
    rules.push((LogSource::default(), g("Hashes", "md5=0*")));
    let events = [
        sysmon(&[("Hashes", &format!("SHA1=AB,{},IMPHASH=00", hashes[17]))]),
        sysmon(&[("Hashes", &format!("{}{}", hashes[2999], &hashes[5][..20]))]),
        sysmon(&[("Hashes", "MD5=0000")]),
        sysmon(&[("Hashes", "short")]),
    ];
    agree(&rules, &events, |_| true);
}

#[test]
fn a_route_scanning_few_of_many_keyword_literals() {
    // 300 keyword rules for another service, two for Sysmon: the Sysmon
    // route scans for its rules' literals only, over streamed values.
    let mut rules: Vec<(LogSource, Expr)> = (0..300)
        .map(|i| (ls("windows", "security"), kw(&format!("*needle{i:03}*"))))
        .collect();
    rules.push((ls("windows", "sysmon"), kw("*mimikatz*")));
    rules.push((
        ls("windows", "sysmon"),
        Expr::And(vec![kw("*sekurlsa*"), g("Image", "*\\cmd.exe")]),
    ));
    rules.push((ls("windows", "sysmon"), g("Image", "*\\needle001*")));
    let events = [
        sysmon(&[("CommandLine", "x NEEDLE001 MIMIKATZ"), ("Image", "a")]),
        sysmon(&[("CommandLine", "sekurlsa::x"), ("Image", "C:\\CMD.EXE")]),
        sysmon(&[("Image", "C:\\needle001\\x"), ("User", "ÄÖ mimikatz")]),
        sysmon(&[("CommandLine", "nothing here")]),
    ];
    agree(&rules, &events, |i| i >= 300);
}

#[test]
fn many_regexes_of_one_field_in_one_event() {
    let mut rules: Vec<(LogSource, Expr)> = (0..10)
        .map(|i| {
            (
                LogSource::default(),
                re("CommandLine", &format!("ab{i}[0-9]+")),
            )
        })
        .collect();
    rules.push((LogSource::default(), re("CommandLine", "^x")));
    rules.push((LogSource::default(), not(re("CommandLine", "zz+"))));
    let events = [
        sysmon(&[(
            "CommandLine",
            "ab01 ab12 ab23 ab34 ab45 ab56 ab67 ab7 ab8x ab99",
        )]),
        sysmon(&[("CommandLine", "xab11 zzz")]),
        sysmon(&[("Image", "no command line")]),
    ];
    agree(&rules, &events, |_| true);
}
