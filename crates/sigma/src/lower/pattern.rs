//! `|re` values: validated here so that the engine never meets a regex it
//! cannot compile.
//!
//! The engine uses the `regex` crate, which guarantees linear-time matching
//! and therefore has no look-around and no back-references. Sigma's regex
//! flavour is PCRE-like, and some rules use those features. Such a rule is
//! reported as *unsupported* (`Code::UnsupportedRegex`, naming the pattern
//! and the missing feature) rather than as broken, so that users can tell
//! "the rule is wrong" from "this tool cannot run it". The distinction
//! comes from `regex-syntax` itself, which parses these constructs far
//! enough to say what they are. Every other problem is `InvalidRegex` with
//! the parser's message.

use regex_syntax::ast::{self, Ast, ClassPerlKind, ClassSetItem};

use crate::diag::Code;
use crate::ir::RegexMatch;

/// Make the Perl classes of a (valid) pattern ASCII: `\d` → `[[:digit:]]`,
/// `\w` → `[[:word:]]`, `\s` → `[[:space:]]` (negations too, inside
/// brackets as well) and `\b` → `(?-u:\b)`.
///
/// Why: the `regex` crate makes these classes Unicode-aware, while PCRE,
/// RE2, Java, Lucene and LogScale — every engine Sigma rules are written
/// for and converted to — read them as ASCII. A rule author writing `\d+`
/// means ASCII digits; giving the IR that meaning keeps the local matcher
/// and all seven query languages on one semantics (a Unicode `\d` cannot
/// even be written in several of them). Everything else in the pattern is
/// kept byte for byte.
pub(crate) fn ascii_perl_classes(pattern: &str) -> String {
    let Ok(parsed) = ast::parse::Parser::new().parse(pattern) else {
        return pattern.to_owned();
    };
    let mut edits: Vec<(usize, usize, &'static str)> = Vec::new();
    collect_edits(&parsed, &mut edits);
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(pattern.len() + 16 * edits.len());
    let mut at = 0;
    for (start, end, replacement) in edits {
        out.push_str(&pattern[at..start]);
        out.push_str(replacement);
        at = end;
    }
    out.push_str(&pattern[at..]);
    out
}

fn perl_replacement(class: &ast::ClassPerl, in_bracket: bool) -> &'static str {
    match (class.kind.clone(), class.negated, in_bracket) {
        (ClassPerlKind::Digit, false, false) => "[[:digit:]]",
        (ClassPerlKind::Digit, true, false) => "[[:^digit:]]",
        (ClassPerlKind::Word, false, false) => "[[:word:]]",
        (ClassPerlKind::Word, true, false) => "[[:^word:]]",
        (ClassPerlKind::Space, false, false) => "[[:space:]]",
        (ClassPerlKind::Space, true, false) => "[[:^space:]]",
        (ClassPerlKind::Digit, false, true) => "[:digit:]",
        (ClassPerlKind::Digit, true, true) => "[:^digit:]",
        (ClassPerlKind::Word, false, true) => "[:word:]",
        (ClassPerlKind::Word, true, true) => "[:^word:]",
        (ClassPerlKind::Space, false, true) => "[:space:]",
        (ClassPerlKind::Space, true, true) => "[:^space:]",
    }
}

fn collect_edits(node: &Ast, edits: &mut Vec<(usize, usize, &'static str)>) {
    match node {
        Ast::ClassPerl(class) => edits.push((
            class.span.start.offset,
            class.span.end.offset,
            perl_replacement(class, false),
        )),
        Ast::Assertion(assertion) if assertion.kind == ast::AssertionKind::WordBoundary => edits
            .push((
                assertion.span.start.offset,
                assertion.span.end.offset,
                "(?-u:\\b)",
            )),
        Ast::ClassBracketed(class) => collect_set_edits(&class.kind, edits),
        Ast::Repetition(rep) => collect_edits(&rep.ast, edits),
        Ast::Group(group) => collect_edits(&group.ast, edits),
        Ast::Alternation(alt) => alt.asts.iter().for_each(|a| collect_edits(a, edits)),
        Ast::Concat(concat) => concat.asts.iter().for_each(|a| collect_edits(a, edits)),
        _ => {}
    }
}

fn collect_set_edits(set: &ast::ClassSet, edits: &mut Vec<(usize, usize, &'static str)>) {
    match set {
        ast::ClassSet::Item(item) => collect_item_edits(item, edits),
        ast::ClassSet::BinaryOp(op) => {
            collect_set_edits(&op.lhs, edits);
            collect_set_edits(&op.rhs, edits);
        }
    }
}

fn collect_item_edits(item: &ClassSetItem, edits: &mut Vec<(usize, usize, &'static str)>) {
    match item {
        ClassSetItem::Perl(class) => edits.push((
            class.span.start.offset,
            class.span.end.offset,
            perl_replacement(class, true),
        )),
        ClassSetItem::Bracketed(inner) => collect_set_edits(&inner.kind, edits),
        ClassSetItem::Union(union) => union
            .items
            .iter()
            .for_each(|i| collect_item_edits(i, edits)),
        _ => {}
    }
}

/// Check that `re` compiles with the `regex` crate under its flags.
/// On failure: the code and a message (without location context).
pub(crate) fn validate(re: &RegexMatch) -> Result<(), (Code, String)> {
    use regex_syntax::ast::ErrorKind;

    let parsed = regex_syntax::ParserBuilder::new()
        .case_insensitive(re.case_insensitive)
        .multi_line(re.multi_line)
        .dot_matches_new_line(re.dot_matches_new_line)
        .build()
        .parse(&re.pattern);
    if let Err(err) = parsed {
        if let regex_syntax::Error::Parse(ast_err) = &err {
            let feature = match ast_err.kind() {
                ErrorKind::UnsupportedLookAround => Some("look-around"),
                ErrorKind::UnsupportedBackreference => Some("a back-reference"),
                _ => None,
            };
            if let Some(feature) = feature {
                return Err((
                    Code::UnsupportedRegex,
                    format!(
                        "regex '{}' needs {feature}, which the linear-time regex engine does \
                         not support",
                        re.pattern
                    ),
                ));
            }
        }
        return Err((
            Code::InvalidRegex,
            format!(
                "invalid regex '{}': {}",
                re.pattern,
                one_line(&err.to_string())
            ),
        ));
    }
    // Parsing succeeded; building also enforces the compiled-size limit
    // the engine will run into (e.g. huge counted repetitions).
    regex::RegexBuilder::new(&re.pattern)
        .case_insensitive(re.case_insensitive)
        .multi_line(re.multi_line)
        .dot_matches_new_line(re.dot_matches_new_line)
        .build()
        .map(drop)
        .map_err(|err| {
            (
                Code::InvalidRegex,
                format!(
                    "invalid regex '{}': {}",
                    re.pattern,
                    one_line(&err.to_string())
                ),
            )
        })
}

/// regex-syntax renders errors over several lines with a caret diagram;
/// diagnostics are one line, so keep the last line (the actual message).
fn one_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("error:")
                .trim()
                .to_owned()
        })
        .unwrap_or_else(|| message.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> RegexMatch {
        RegexMatch {
            pattern: p.to_owned(),
            case_insensitive: false,
            multi_line: false,
            dot_matches_new_line: false,
        }
    }

    #[test]
    fn perl_classes_become_ascii_and_the_rest_is_kept() {
        assert_eq!(
            ascii_perl_classes(r"^\d+\.\w\s\D\W\S$"),
            r"^[[:digit:]]+\.[[:word:]][[:space:]][[:^digit:]][[:^word:]][[:^space:]]$"
        );
        assert_eq!(
            ascii_perl_classes(r"[\d.a-f]+\bx"),
            r"[[:digit:].a-f]+(?-u:\b)x"
        );
        assert_eq!(ascii_perl_classes(r"[^\W_]"), r"[^[:^word:]_]");
        assert_eq!(
            ascii_perl_classes(r"(?i)ab(c|\d{2,})"),
            r"(?i)ab(c|[[:digit:]]{2,})"
        );
        assert_eq!(ascii_perl_classes(r"\pL\\d"), r"\pL\\d");
        for p in [r"\d+", r"[\w-]+\b", r"\s*\S"] {
            let ascii = ascii_perl_classes(p);
            assert!(validate(&re(&ascii)).is_ok(), "{ascii}");
            let r = regex::Regex::new(&ascii).unwrap();
            assert!(
                !r.is_match("\u{0663}\u{00e9}\u{2003}") || p.contains("\\S"),
                "{p} → {ascii}"
            );
        }
        assert!(
            !regex::Regex::new(&ascii_perl_classes(r"^\d$"))
                .unwrap()
                .is_match("\u{0663}")
        );
        assert!(
            regex::Regex::new(&ascii_perl_classes(r"^\d$"))
                .unwrap()
                .is_match("7")
        );
    }

    #[test]
    fn classifies_errors() {
        assert!(validate(&re(r"^\d+\.exe$")).is_ok());
        assert!(validate(&re(r"(?i)cmd")).is_ok());
        let (code, msg) = validate(&re(r"foo(?=bar)")).unwrap_err();
        assert_eq!(code, Code::UnsupportedRegex);
        assert!(msg.contains("look-around"), "{msg}");
        let (code, _) = validate(&re(r"(?<!x)y")).unwrap_err();
        assert_eq!(code, Code::UnsupportedRegex);
        let (code, msg) = validate(&re(r"(a)\1")).unwrap_err();
        assert_eq!(code, Code::UnsupportedRegex);
        assert!(msg.contains("back-reference"), "{msg}");
        let (code, msg) = validate(&re(r"a(b")).unwrap_err();
        assert_eq!(code, Code::InvalidRegex);
        assert!(!msg.contains('\n'), "{msg}");
        let (code, _) = validate(&re(r"\w{1000}{1000}")).unwrap_err();
        assert_eq!(code, Code::InvalidRegex);
    }
}
