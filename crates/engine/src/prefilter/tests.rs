use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, NumOp, Number, Piece, Predicate, RegexMatch, StrMatch, Test};

use super::*;

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

fn as_read(value: &str) -> String {
    value.to_owned()
}

const PROFILE: RawProfile<'static> = RawProfile {
    joined: &[("User", "\\")],
    route: &unknown,
    event_ids: &any_id,
    spelled: &as_read,
};

fn needs(e: &Expr) -> Option<Vec<String>> {
    rule_need(e, &PROFILE)
}

fn v(xs: &[&str]) -> Option<Vec<String>> {
    Some(xs.iter().map(|s| s.to_string()).collect())
}

#[test]
fn and_takes_the_best_child_or_takes_all() {
    let and = Expr::And(vec![
        num("EventID", 1),
        contains("Image", "ssh"),
        contains("CommandLine", " -R 8080"),
    ]);
    assert_eq!(needs(&and), v(&[" -r 8080"]));
    let or = Expr::Or(vec![
        contains("Image", "plink"),
        contains("Image", "\\ssh.exe"),
    ]);
    assert_eq!(needs(&or), v(&["\\ssh.exe", "plink"]));
    let or = Expr::Or(vec![contains("Image", "plink"), num("EventID", 1)]);
    assert_eq!(needs(&or), None);
}

#[test]
fn negations_and_constants() {
    let not = Expr::Not(Box::new(contains("Image", "plink")));
    assert_eq!(needs(&not), None);
    // not (not a or not b) = a and b
    let nn = Expr::Not(Box::new(Expr::Or(vec![
        Expr::Not(Box::new(contains("Image", "plink.exe"))),
        Expr::Not(Box::new(contains("Image", "ab"))),
    ])));
    assert_eq!(needs(&nn), v(&["plink.exe"]));
    assert_eq!(needs(&Expr::Const(false)), v(&[]));
    assert_eq!(needs(&Expr::Const(true)), None);
    let filtered = Expr::And(vec![
        contains("Image", "ngrok"),
        Expr::Not(Box::new(contains("User", "svc"))),
    ]);
    assert_eq!(needs(&filtered), v(&["ngrok"]));
}

#[test]
fn joined_fields_split_at_their_separator() {
    assert_eq!(needs(&contains("User", "CORP\\al")), v(&["corp"]));
    assert_eq!(needs(&contains("Image", "CORP\\al")), v(&["corp\\al"]));
    // Keyword predicates read only the record's own values.
    let kw = pred(
        None,
        Test::Str(StrMatch::new(
            [
                Piece::AnyString,
                Piece::Lit("x\\yz".into()),
                Piece::AnyString,
            ],
            false,
        )),
    );
    assert_eq!(needs(&kw), v(&["x\\yz"]));
}

#[test]
fn regexes_need_one_of_their_literals() {
    let re = |p: &str, i: bool| {
        pred(
            Some("CommandLine"),
            Test::Regex(RegexMatch {
                pattern: p.into(),
                case_insensitive: i,
                multi_line: false,
                dot_matches_new_line: false,
            }),
        )
    };
    assert_eq!(
        needs(&re("(plink|putty)\\.exe", false)),
        v(&["plink.exe", "putty.exe"])
    );
    // Factors anywhere in a match, not only its prefixes.
    assert_eq!(needs(&re(".*x", false)), v(&["x"]));
    assert_eq!(
        needs(&re("(?:^|\\s)client\\s+R:socks", false)),
        v(&["client"])
    );
    assert_eq!(needs(&re(".*\\d", false)), None);
    assert_eq!(needs(&re("^\\d+$", false)), None);
}

#[test]
fn channels_contain_gate_names_ascii_case_insensitively() {
    assert!(contains_ci(
        "Microsoft-Windows-Sysmon/Operational",
        "sysmon"
    ));
    assert!(contains_ci("SECURITY", "security"));
    assert!(contains_ci("xSecurity", "security"));
    assert!(contains_ci("Security", "y"));
    assert!(!contains_ci("Securit", "security"));
    assert!(!contains_ci("Linux-Sysmo", "sysmon"));
    assert!(!contains_ci("", "a"));
    // As the windowed comparison had it: an empty name matches nothing.
    assert!(!contains_ci("abc", ""));
}

proptest::proptest! {
    #[test]
    fn contains_ci_as_a_plain_search(haystack in "[a-cA-C-]{0,12}", needle in "[a-c-]{0,4}") {
        let expected = !needle.is_empty()
            && haystack.to_ascii_lowercase().contains(needle.as_str());
        proptest::prop_assert_eq!(contains_ci(&haystack, &needle), expected);
    }
}
