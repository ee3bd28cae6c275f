//! Detection sections: search identifier shapes, values, modifiers,
//! conditions, and the diagnostics with their exact positions.

use crate::load_support;

use load_support::codes;

use std::path::Path;

use tunnelhunt_sigma::ast::{
    ConditionExpr, Detection, Document, FieldMatcher, Modifier, SearchBody, Spanned, Value,
};
use tunnelhunt_sigma::load::{ParsedFile, parse_rule_file};
use tunnelhunt_sigma::{Code, Severity, Span};

fn parse(text: &str) -> ParsedFile {
    parse_rule_file(Path::new("rule.yml"), text)
}

/// A rule with the given lines under `detection:` (indented by the caller).
fn rule_with_detection(detection: &str) -> String {
    format!("title: t\nlogsource:\n    product: windows\ndetection:\n{detection}")
}

/// Line of the first detection line in [`rule_with_detection`].
const FIRST: u32 = 5;

fn detection(parsed: &ParsedFile) -> &Detection {
    assert!(
        !parsed.has_errors(),
        "unexpected errors: {:#?}",
        parsed.diagnostics
    );
    match &parsed.documents[..] {
        [Document::Rule(rule)] => &rule.detection,
        other => panic!("expected one rule, got {other:?}"),
    }
}

fn values(matcher: &FieldMatcher) -> Vec<Value> {
    matcher.values.iter().map(|v| v.value.clone()).collect()
}

fn str_value(text: &str) -> Value {
    Value::Str(text.into())
}

#[test]
fn a_mapping_is_all_of_its_field_matchers() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        Image|endswith: '\\plink.exe'\n        CommandLine|contains:\n            - ' -R '\n            - ' -L '\n    condition: selection\n",
    ));
    let detection = detection(&parsed);
    let search = detection.search("selection").unwrap();
    assert_eq!(search.span, Span::new(FIRST, 5));
    let SearchBody::AllOf(matchers) = &search.body else {
        panic!("{:?}", search.body)
    };
    assert_eq!(matchers.len(), 2);
    assert_eq!(matchers[0].field.as_deref(), Some("Image"));
    assert_eq!(matchers[0].span, Span::new(FIRST + 1, 9));
    assert_eq!(
        matchers[0].modifiers,
        [Spanned::new(Modifier::EndsWith, Span::new(FIRST + 1, 15))]
    );
    assert_eq!(values(&matchers[0]), [str_value("\\plink.exe")]);
    assert_eq!(matchers[0].values[0].span, Span::new(FIRST + 1, 25));
    assert_eq!(values(&matchers[1]), [str_value(" -R "), str_value(" -L ")]);
    assert!(matchers[1].has(Modifier::Contains));
    assert_eq!(detection.conditions.len(), 1);
    assert_eq!(detection.conditions[0].source, "selection");
    assert_eq!(detection.conditions[0].span, Span::new(FIRST + 5, 16));
}

#[test]
fn a_keyword_list_is_one_keywords_matcher() {
    let parsed = parse(&rule_with_detection(
        "    keywords:\n        - 'dnscat2'\n        - iodine\n        - 53\n    condition: keywords\n",
    ));
    let search = detection(&parsed).search("keywords").unwrap();
    let SearchBody::Keywords(matcher) = &search.body else {
        panic!("{:?}", search.body)
    };
    assert_eq!(matcher.field, None);
    assert!(matcher.modifiers.is_empty());
    assert_eq!(
        values(matcher),
        [str_value("dnscat2"), str_value("iodine"), Value::Int(53)]
    );
    assert_eq!(matcher.span, Span::new(FIRST + 1, 11));
}

#[test]
fn a_single_scalar_is_a_keyword() {
    let parsed = parse(&rule_with_detection(
        "    keyword: 'ngrok'\n    condition: keyword\n",
    ));
    let search = detection(&parsed).search("keyword").unwrap();
    let SearchBody::Keywords(matcher) = &search.body else {
        panic!("{:?}", search.body)
    };
    assert_eq!(values(matcher), [str_value("ngrok")]);
}

#[test]
fn a_list_of_mappings_is_any_of_all_of() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        - Image|endswith: '\\chisel.exe'\n        - OriginalFileName: 'chisel'\n          Product: 'chisel'\n    condition: selection\n",
    ));
    let search = detection(&parsed).search("selection").unwrap();
    let SearchBody::AnyOf(alternatives) = &search.body else {
        panic!("{:?}", search.body)
    };
    assert_eq!(alternatives.len(), 2);
    let [SearchBody::AllOf(first), SearchBody::AllOf(second)] = &alternatives[..] else {
        panic!("{alternatives:?}")
    };
    assert_eq!(first.len(), 1);
    assert_eq!(second.len(), 2);
    assert_eq!(second[1].field.as_deref(), Some("Product"));
}

#[test]
fn consecutive_keywords_in_a_mixed_list_are_grouped() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        - 'a'\n        - 'b'\n        - Image: x\n        - 'c'\n    condition: selection\n",
    ));
    let search = detection(&parsed).search("selection").unwrap();
    let SearchBody::AnyOf(alternatives) = &search.body else {
        panic!("{:?}", search.body)
    };
    let [
        SearchBody::Keywords(ab),
        SearchBody::AllOf(image),
        SearchBody::Keywords(c),
    ] = &alternatives[..]
    else {
        panic!("{alternatives:?}")
    };
    assert_eq!(values(ab), [str_value("a"), str_value("b")]);
    assert_eq!(ab.span, Span::new(FIRST + 1, 11));
    assert_eq!(image[0].field.as_deref(), Some("Image"));
    assert_eq!(values(c), [str_value("c")]);
}

#[test]
fn value_types_follow_yaml() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        a: null\n        b: ''\n        c: 4688\n        d: '4688'\n        e: true\n        f: 1.5\n        g: []\n        h: ~\n        i:\n        j: -12\n        k: 'null'\n    condition: selection\n",
    ));
    let search = detection(&parsed).search("selection").unwrap();
    let SearchBody::AllOf(matchers) = &search.body else {
        panic!()
    };
    let got: Vec<(String, Vec<Value>)> = matchers
        .iter()
        .map(|m| (m.field.clone().unwrap(), values(m)))
        .collect();
    let expected: Vec<(String, Vec<Value>)> = vec![
        ("a".into(), vec![Value::Null]),
        ("b".into(), vec![str_value("")]),
        ("c".into(), vec![Value::Int(4688)]),
        ("d".into(), vec![str_value("4688")]),
        ("e".into(), vec![Value::Bool(true)]),
        ("f".into(), vec![Value::Float(1.5)]),
        ("g".into(), vec![]),
        ("h".into(), vec![Value::Null]),
        ("i".into(), vec![Value::Null]),
        ("j".into(), vec![Value::Int(-12)]),
        ("k".into(), vec![str_value("null")]),
    ];
    assert_eq!(got, expected);
}

#[test]
fn wildcards_and_escapes_are_kept_raw() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        CommandLine: '*\\*literal\\?*'\n        Path: C:\\Windows\\*\n    condition: selection\n",
    ));
    let search = detection(&parsed).search("selection").unwrap();
    let SearchBody::AllOf(matchers) = &search.body else {
        panic!()
    };
    assert_eq!(values(&matchers[0]), [str_value("*\\*literal\\?*")]);
    assert_eq!(values(&matchers[1]), [str_value("C:\\Windows\\*")]);
}

#[test]
fn modifier_chains_are_parsed_in_order() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        CommandLine|windash|contains|all: ['-R', '-N']\n        Payload|base64offset|contains: 'chisel'\n        Query|re|i|m|s: '^[a-z0-9]{40}\\.'\n        DestinationIp|cidr: '2001:db8::/32'\n        Port|gte: 1024\n        User|fieldref: TargetUser\n        Tunnel|exists: true\n        Name|cased: 'Plink'\n        Data|utf16le|base64: 'x'\n        Data2|wide|base64: 'x'\n        Data3|utf16be|base64: 'x'\n        Data4|utf16|base64: 'x'\n        Pid|gt: 1\n        Pid2|lt: 1\n        Pid3|lte: 1\n        Pid4|neq: 1\n        Path|expand: '%programfiles%\\x'\n        Image|startswith|endswith: 'a'\n    condition: selection\n",
    ));
    let search = detection(&parsed).search("selection").unwrap();
    let SearchBody::AllOf(matchers) = &search.body else {
        panic!()
    };
    let chains: Vec<Vec<&str>> = matchers
        .iter()
        .map(|m| m.modifiers.iter().map(|s| s.value.as_str()).collect())
        .collect();
    assert_eq!(
        chains,
        vec![
            vec!["windash", "contains", "all"],
            vec!["base64offset", "contains"],
            vec!["re", "i", "m", "s"],
            vec!["cidr"],
            vec!["gte"],
            vec!["fieldref"],
            vec!["exists"],
            vec!["cased"],
            vec!["utf16le", "base64"],
            vec!["wide", "base64"],
            vec!["utf16be", "base64"],
            vec!["utf16", "base64"],
            vec!["gt"],
            vec!["lt"],
            vec!["lte"],
            vec!["neq"],
            vec!["expand"],
            vec!["startswith", "endswith"],
        ]
    );
    // Each modifier knows where it was written.
    let spans: Vec<Span> = matchers[0].modifiers.iter().map(|m| m.span).collect();
    assert_eq!(
        spans,
        [
            Span::new(FIRST + 1, 21),
            Span::new(FIRST + 1, 29),
            Span::new(FIRST + 1, 38)
        ]
    );
}

#[test]
fn keyword_with_modifiers_has_no_field() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        '|re': 'ssh .* -R'\n    condition: selection\n",
    ));
    let search = detection(&parsed).search("selection").unwrap();
    let SearchBody::AllOf(matchers) = &search.body else {
        panic!()
    };
    assert_eq!(matchers[0].field, None);
    assert!(matchers[0].has(Modifier::Re));
}

#[test]
fn unknown_modifier_is_reported_at_the_key() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        Image|endswith: '\\ssh.exe'\n        CommandLine|contians: ' -R '\n    condition: selection\n",
    ));
    assert_eq!(
        codes(&parsed),
        [(Code::UnknownModifier, Severity::Error, FIRST + 2, 9)]
    );
    assert_eq!(
        parsed.diagnostics[0].message,
        "unknown modifier 'contians' in 'CommandLine|contians'"
    );
    assert_eq!(
        parsed.diagnostics[0].to_string(),
        "rule.yml:7:9: error[unknown-modifier]: unknown modifier 'contians' in 'CommandLine|contians'"
    );
    assert!(parsed.documents.is_empty());
}

#[test]
fn every_bad_modifier_is_reported() {
    let parsed = parse(&rule_with_detection(
        "    a:\n        X|Contains: 1\n        Y||all: 2\n    b:\n        Z|endwith: 3\n    condition: a or b\n",
    ));
    assert_eq!(
        codes(&parsed),
        [
            (Code::UnknownModifier, Severity::Error, FIRST + 1, 9),
            (Code::UnknownModifier, Severity::Error, FIRST + 2, 9),
            (Code::UnknownModifier, Severity::Error, FIRST + 4, 9),
        ]
    );
    assert!(parsed.diagnostics[1].message.contains("empty modifier"));
}

#[test]
fn nested_mappings_as_values_are_wrong_types() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        Image:\n            nested: map\n        CommandLine:\n            - ok\n            - [not, ok]\n    condition: selection\n",
    ));
    assert_eq!(
        codes(&parsed),
        [
            (Code::WrongType, Severity::Error, FIRST + 2, 13),
            (Code::WrongType, Severity::Error, FIRST + 5, 15),
        ]
    );
}

#[test]
fn an_empty_search_identifier_is_an_error() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n    other: x\n    condition: selection or other\n",
    ));
    assert_eq!(
        codes(&parsed),
        [(Code::WrongType, Severity::Error, FIRST, 5)]
    );
}

#[test]
fn duplicate_keys_are_reported_at_the_second() {
    let parsed = parse(&rule_with_detection(
        "    selection:\n        Image: a\n        Image: b\n    selection:\n        Image: c\n    condition: selection\n",
    ));
    assert_eq!(
        codes(&parsed),
        [
            (Code::DuplicateKey, Severity::Error, FIRST + 2, 9),
            (Code::DuplicateKey, Severity::Error, FIRST + 3, 5),
        ]
    );
    assert!(
        parsed.diagnostics[0]
            .message
            .contains("first defined at line 6")
    );
}

#[test]
fn condition_is_required() {
    let parsed = parse(&rule_with_detection("    selection: x\n"));
    assert_eq!(
        codes(&parsed),
        [(Code::MissingAttribute, Severity::Error, FIRST, 5)]
    );
    let parsed = parse("title: t\nlogsource:\n    product: windows\n");
    assert_eq!(
        codes(&parsed),
        [(Code::MissingAttribute, Severity::Error, 1, 1)]
    );
}

#[test]
fn condition_syntax_errors_point_into_the_condition() {
    let parsed = parse(&rule_with_detection(
        "    selection: x\n    condition: selection and and selection\n",
    ));
    assert_eq!(codes(&parsed).len(), 1);
    let diagnostic = &parsed.diagnostics[0];
    assert_eq!(diagnostic.code, Code::ConditionSyntax);
    // `condition: ` starts at column 5; the value at 16; the second `and`
    // at byte 14 of the value.
    assert_eq!(diagnostic.span, Span::new(FIRST + 1, 30));

    let quoted = parse(&rule_with_detection(
        "    selection: x\n    condition: 'selection and and selection'\n",
    ));
    assert_eq!(quoted.diagnostics[0].span, Span::new(FIRST + 1, 31));

    let folded = parse(&rule_with_detection(
        "    selection: x\n    condition: >\n        selection and and selection\n",
    ));
    assert_eq!(folded.diagnostics[0].code, Code::ConditionSyntax);
    assert_eq!(folded.diagnostics[0].span, Span::new(FIRST + 2, 9));
}

#[test]
fn a_condition_list_is_kept_and_flagged_as_deprecated() {
    let parsed = parse(&rule_with_detection(
        "    a: x\n    b: y\n    condition:\n        - a\n        - b and not a\n",
    ));
    assert_eq!(
        codes(&parsed),
        [(Code::Suspicious, Severity::Warning, FIRST + 3, 9)]
    );
    let detection = detection(&parsed);
    assert_eq!(detection.conditions.len(), 2);
    assert_eq!(detection.conditions[1].source, "b and not a");
    assert_eq!(detection.conditions[1].span, Span::new(FIRST + 4, 11));
    assert!(matches!(
        &detection.conditions[0].expr,
        ConditionExpr::Identifier(name) if name.value == "a"
    ));
}

#[test]
fn timeframe_is_kept() {
    let parsed = parse(&rule_with_detection(
        "    selection: x\n    timeframe: 30s\n    condition: selection\n",
    ));
    let timeframe = detection(&parsed).timeframe.clone().unwrap();
    assert_eq!(timeframe.value, "30s");
    assert_eq!(timeframe.span, Span::new(FIRST + 1, 16));
}

#[test]
fn searches_keep_file_order() {
    let parsed = parse(&rule_with_detection(
        "    zeta: x\n    alpha: y\n    condition: zeta or alpha\n    mid: z\n",
    ));
    let names: Vec<&str> = detection(&parsed)
        .searches
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["zeta", "alpha", "mid"]);
}

#[test]
fn detection_must_be_a_mapping() {
    let parsed = parse("title: t\nlogsource:\n    product: windows\ndetection: selection\n");
    assert_eq!(codes(&parsed), [(Code::WrongType, Severity::Error, 4, 12)]);
}
