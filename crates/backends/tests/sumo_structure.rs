//! Structure of every Sumo Logic query the backend writes for the pack and
//! the probes, checked with a tokenizer and grammar for the subset of the
//! Sumo expression language we emit (no Sumo parser is available offline):
//!
//! * parentheses balance, and no group mixes `and` and `or` — every nested
//!   group is parenthesized, whatever Sumo's precedence;
//! * `matches` is always followed by a `/…/` regex that compiles as RE2
//!   syntax (checked with the `regex` crate, whose syntax is RE2's);
//! * functions are the documented ones, with the right arity;
//! * the Cloud SIEM rule is JSON with the match-rule fields; the log
//!   search is comments, the source, `json … nodrop` lines and one
//!   `where`; the pack labels with `if(…) as DetectionBranch`.

use crate::common;

use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::sumo::{SEARCH_FLAVOR, Sumo};

use common::{pack_rules, probe_rules, read_slashes, slash_literal_body, with_inputs};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Number(String),
    Str(String),
    Regex(String),
    Op(&'static str),
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == ' ' {
            rest = &rest[1..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            tokens.push(Token::Ident(rest[..end].to_owned()));
            rest = &rest[end..];
        } else if c.is_ascii_digit() || c == '-' {
            let end = rest[1..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map_or(rest.len(), |e| e + 1);
            tokens.push(Token::Number(rest[..end].to_owned()));
            rest = &rest[end..];
        } else if c == '"' {
            let end = rest[1..].find('"').expect("terminated string") + 1;
            let value = &rest[1..end];
            assert!(
                !value.contains('\\'),
                "backslash in a string literal: {text}"
            );
            tokens.push(Token::Str(value.to_owned()));
            rest = &rest[end + 1..];
        } else if c == '/' {
            assert_eq!(
                tokens.last(),
                Some(&Token::Ident("matches".into())),
                "regex not after matches: {text}"
            );
            let (literal, tail) = read_slashes(rest);
            tokens.push(Token::Regex(slash_literal_body(literal)));
            rest = tail;
        } else {
            let op = ["!=", "<=", ">=", "=", "<", ">", "(", ")", ",", "!"]
                .into_iter()
                .find(|op| rest.starts_with(op))
                .unwrap_or_else(|| panic!("unexpected {c:?} in {text}"));
            tokens.push(Token::Op(op));
            rest = &rest[op.len()..];
        }
    }
    tokens
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    and: &'static str,
    or: &'static str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Token {
        let token = self.tokens.get(self.at).cloned().expect("more tokens");
        self.at += 1;
        token
    }

    fn expect(&mut self, op: &'static str) {
        assert_eq!(self.next(), Token::Op(op), "at token {}", self.at);
    }

    fn boolean_op(&self) -> Option<String> {
        match self.peek() {
            Some(Token::Ident(word)) if word == self.and || word == self.or => Some(word.clone()),
            _ => None,
        }
    }

    /// term (OP term)* with one operator throughout.
    fn expr(&mut self) {
        self.term();
        let mut seen: Option<String> = None;
        while let Some(op) = self.boolean_op() {
            self.at += 1;
            if let Some(previous) = &seen {
                assert_eq!(previous, &op, "and/or mixed without parentheses");
            }
            seen = Some(op);
            self.term();
        }
    }

    fn term(&mut self) {
        match self.next() {
            Token::Op("!") => match self.next() {
                Token::Op("(") => {
                    self.expr();
                    self.expect(")");
                }
                Token::Ident(function) if function == "isNull" || function == "isEmpty" => {
                    self.call_args(1)
                }
                other => panic!("! before {other:?}"),
            },
            Token::Op("(") => {
                self.expr();
                self.expect(")");
            }
            Token::Ident(name) => self.after_ident(&name),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn call_args(&mut self, arity: usize) {
        self.expect("(");
        for i in 0..arity {
            if i > 0 {
                self.expect(",");
            }
            match self.next() {
                Token::Ident(_) | Token::Str(_) | Token::Number(_) => {}
                other => panic!("bad argument {other:?}"),
            }
        }
        self.expect(")");
    }

    fn after_ident(&mut self, name: &str) {
        match name {
            "isNull" | "isEmpty" => self.call_args(1),
            "compareCIDRPrefix" => self.call_args(3),
            "num" | "toLowerCase" => {
                self.call_args(1);
                self.comparison();
            }
            _ => self.comparison(),
        }
    }

    fn comparison(&mut self) {
        match self.next() {
            Token::Ident(word) if word == "matches" => match self.next() {
                Token::Regex(pattern) => {
                    regex::Regex::new(&pattern)
                        .unwrap_or_else(|e| panic!("{pattern} does not compile: {e}"));
                }
                other => panic!("matches without a regex: {other:?}"),
            },
            Token::Op("=" | "!=" | "<" | "<=" | ">" | ">=") => match self.next() {
                Token::Number(_) | Token::Str(_) => {}
                Token::Ident(function) if function == "toLowerCase" => self.call_args(1),
                Token::Ident(_) => {}
                other => panic!("bad comparison value {other:?}"),
            },
            other => panic!("expected a comparison, found {other:?}"),
        }
    }
}

fn check_condition(text: &str, and: &'static str, or: &'static str) {
    let tokens = tokenize(text);
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        and,
        or,
    };
    parser.expr();
    assert_eq!(parser.at, tokens.len(), "trailing tokens in {text}");
}

/// The keyword scope: one `_sourceCategory=…` of the model, or several
/// in one parenthesized OR (the pack).
fn check_source(line: &str) {
    let known = |source: &str| {
        source == tunnelhunt_backends::sumo::model::SEARCH_SOURCE
            || tunnelhunt_backends::sumo::model::SEARCH_SOURCES
                .iter()
                .any(|(_, s)| *s == source)
    };
    match line.strip_prefix('(').and_then(|l| l.strip_suffix(')')) {
        Some(inner) => {
            let parts: Vec<&str> = inner.split(" OR ").collect();
            assert!(parts.len() > 1, "{line}");
            assert!(parts.iter().all(|p| known(p)), "{line}");
        }
        None => assert!(known(line), "{line}"),
    }
}

fn check_search(text: &str) {
    let mut lines = text.lines().skip_while(|l| l.starts_with("// "));
    check_source(lines.next().expect("a source line"));
    let mut wheres = 0;
    for line in lines {
        if let Some(json) = line.strip_prefix("| json field=_raw \"") {
            let (path, alias) = json.split_once("\" as ").expect("json … as");
            assert!(
                path.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'),
                "{line}"
            );
            let alias = alias.strip_suffix(" nodrop").expect("nodrop");
            assert!(alias.chars().all(|c| c.is_ascii_alphanumeric()), "{line}");
        } else if let Some(condition) = line.strip_prefix("| where ") {
            wheres += 1;
            check_condition(condition, "and", "or");
        } else {
            panic!("unexpected line {line:?} in\n{text}");
        }
    }
    assert_eq!(wheres, 1, "{text}");
}

fn check_cse(text: &str) {
    let json: serde_json::Value = serde_json::from_str(text).expect("a JSON match rule");
    for key in [
        "name",
        "enabled",
        "isPrototype",
        "expression",
        "nameExpression",
        "descriptionExpression",
        "summaryExpression",
        "entitySelectors",
        "severityMapping",
        "tags",
    ] {
        assert!(json.get(key).is_some(), "{key} missing in {text}");
    }
    check_condition(
        json["expression"].as_str().expect("expression"),
        "AND",
        "OR",
    );
}

#[test]
fn every_query_has_the_grammar_we_intend() {
    let mut rules = pack_rules();
    rules.extend(probe_rules());
    let mut checked = 0;
    for rule in &rules {
        rule.with_input(|input| {
            if let Ok(text) = Sumo.render(input, Flavor::DEFAULT) {
                check_cse(&text);
                checked += 1;
            }
            if let Ok(text) = Sumo.render(input, SEARCH_FLAVOR) {
                check_search(&text);
                checked += 1;
            }
        });
    }
    assert!(checked >= 90, "only {checked} queries rendered");
}

#[test]
fn the_pack_labels_each_message_with_its_branch() {
    let rules = pack_rules();
    let pack = with_inputs(&rules, |inputs| Sumo.render_pack(inputs, SEARCH_FLAVOR));
    let label = pack
        .text
        .lines()
        .find_map(|l| {
            l.strip_prefix("| ")
                .and_then(|l| l.strip_suffix(" as DetectionBranch"))
        })
        .expect("the DetectionBranch line");
    // if(cond, "Branch", if(…, "")) — check each condition and the nesting.
    let tokens = tokenize(label);
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        and: "and",
        or: "or",
    };
    let mut branches = Vec::new();
    loop {
        match parser.next() {
            Token::Ident(word) if word == "if" => {
                parser.expect("(");
                parser.expr();
                parser.expect(",");
                match parser.next() {
                    Token::Str(branch) => branches.push(branch),
                    other => panic!("branch name expected, found {other:?}"),
                }
                parser.expect(",");
            }
            Token::Str(empty) if empty.is_empty() => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    while parser.at < tokens.len() {
        parser.expect(")");
    }
    assert!(branches.len() >= 5, "{branches:?}");
    for branch in &branches {
        assert!(
            tunnelhunt_pack::BRANCHES.contains(&branch.as_str()),
            "{branch}"
        );
    }
    let rest: Vec<&str> = pack
        .text
        .lines()
        .filter(|l| !l.contains(" as DetectionBranch"))
        .collect();
    check_search(&rest.join("\n").replace(
        "| where !isEmpty(DetectionBranch)",
        "| where isEmpty(DetectionBranch)",
    ));
}

#[test]
#[should_panic(expected = "and/or mixed without parentheses")]
fn the_grammar_rejects_mixed_operators() {
    check_condition("a matches /x/ and b = 1 or c = 2", "and", "or");
}

#[test]
#[should_panic(expected = "does not compile")]
fn the_grammar_rejects_invalid_regexes() {
    check_condition("a matches /(x/", "and", "or");
}
