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

use crate::diag::Code;
use crate::ir::RegexMatch;

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
