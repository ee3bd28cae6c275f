//! A tokenizer for the LogScale syntax our queries use, standing in for a
//! parser (none is available offline): it fails on an unterminated string
//! or regex literal, an escape LogScale does not define in strings, a raw
//! control character inside a literal, a comment that does not start its
//! line, a character outside the query syntax, and unbalanced `()`, `[]`,
//! `{}`. It returns the literals with their *values*, so tests can check
//! that a rendered value reads back exactly.

/// A literal as LogScale reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A quoted string, escapes resolved.
    Str(String),
    /// A regex literal: the pattern between the slashes (as written,
    /// escapes kept) and the flags.
    Regex { pattern: String, flags: String },
}

/// Tokenize a query; `Err` says what is wrong and where.
pub fn literals(query: &str) -> Result<Vec<Literal>, String> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut open: Vec<char> = Vec::new();
    let mut previous = ' '; // last significant character outside literals
    let mut line_has_code = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line_has_code = false;
                i += 1;
                continue;
            }
            ' ' => {
                i += 1;
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'/') && !matches!(previous, '=') => {
                if line_has_code {
                    return Err(format!("comment after code at char {i}"));
                }
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if matches!(previous, '=') => {
                let (pattern, end) = regex_body(&chars, i + 1)?;
                let mut flags = String::new();
                i = end;
                while i < chars.len() && chars[i].is_ascii_alphabetic() {
                    flags.push(chars[i]);
                    i += 1;
                }
                out.push(Literal::Regex { pattern, flags });
                previous = 'r';
            }
            '"' => {
                let (value, end) = string_body(&chars, i + 1)?;
                out.push(Literal::Str(value));
                i = end;
                previous = 's';
            }
            '(' | '[' | '{' => {
                open.push(c);
                previous = c;
                i += 1;
            }
            ')' | ']' | '}' => {
                let expected = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(expected) {
                    return Err(format!("unbalanced '{c}' at char {i}"));
                }
                previous = c;
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || "#@_.=!<>:|;,*-%\\".contains(c) => {
                previous = c;
                i += 1;
            }
            other => return Err(format!("unexpected {other:?} at char {i}")),
        }
        line_has_code = true;
    }
    if let Some(unclosed) = open.pop() {
        return Err(format!("unclosed '{unclosed}'"));
    }
    Ok(out)
}

/// The value of a string literal starting after its `"`, and the index
/// after the closing `"`.
fn string_body(chars: &[char], mut i: usize) -> Result<(String, usize), String> {
    let mut value = String::new();
    loop {
        match chars.get(i) {
            None => return Err("unterminated string".into()),
            Some('"') => return Ok((value, i + 1)),
            Some('\\') => match chars.get(i + 1) {
                Some(&e @ ('\\' | '"')) => {
                    value.push(e);
                    i += 2;
                }
                other => return Err(format!("undefined string escape \\{other:?}")),
            },
            Some(&c) if c.is_control() => {
                return Err(format!("raw control character {c:?} in a string"));
            }
            Some(&c) => {
                value.push(c);
                i += 1;
            }
        }
    }
}

/// The pattern of a regex literal starting after its `/`, and the index
/// after the closing `/`.
fn regex_body(chars: &[char], mut i: usize) -> Result<(String, usize), String> {
    let mut pattern = String::new();
    loop {
        match chars.get(i) {
            None => return Err("unterminated regex".into()),
            Some('/') => return Ok((pattern, i + 1)),
            Some('\\') => {
                let Some(&next) = chars.get(i + 1) else {
                    return Err("regex ends in a backslash".into());
                };
                if next.is_control() {
                    return Err("escaped raw control character in a regex".into());
                }
                pattern.push('\\');
                pattern.push(next);
                i += 2;
            }
            Some(&c) if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                return Err(format!("raw line-breaking character {c:?} in a regex"));
            }
            Some(&c) => {
                pattern.push(c);
                i += 1;
            }
        }
    }
}

#[test]
fn the_tokenizer_rejects_what_logscale_would() {
    assert_eq!(
        literals("// c\nA=\"x\\\"y\" B=/a\\/b/i | C := \"z\"").unwrap(),
        vec![
            Literal::Str("x\"y".into()),
            Literal::Regex {
                pattern: "a\\/b".into(),
                flags: "i".into()
            },
            Literal::Str("z".into())
        ]
    );
    for bad in [
        "A=\"x",
        "A=/x",
        "A=\"\\n\"",
        "(A=1",
        "A=1)",
        "A=1 // late",
        "A=\"a\nb\"",
        "A=/a\nb/",
        "A=`x`",
    ] {
        assert!(literals(bad).is_err(), "{bad:?} should not tokenize");
    }
}
