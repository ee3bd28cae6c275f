//! The AQL lexer the AQL goldens and the QRadar rule objects (the deploy
//! crate includes this file) check every query with. No AQL parser is
//! available offline; this one knows the AQL tunnelhunt emits: `'…'`
//! strings with `''`, `"…"` property names, `/* … */` comments (which IBM
//! allows only inside the query body), parentheses.

/// The lexer's view of an AQL query: its string literals, in order.
pub fn lex(text: &str) -> Result<Vec<String>, String> {
    if !text.starts_with("SELECT ") {
        return Err("does not start with SELECT".into());
    }
    let mut strings = Vec::new();
    let mut depth: i64 = 0;
    let mut rest = text;
    let mut last_was_comment = false;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("/*") {
            let end = after.find("*/").ok_or("unclosed comment")?;
            if after[..end].contains("/*") {
                return Err("nested comment".into());
            }
            if after[..end].chars().any(char::is_control) {
                return Err("control character in a comment".into());
            }
            rest = &after[end + 2..];
            last_was_comment = true;
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if !c.is_whitespace() {
            last_was_comment = false;
        }
        match c {
            '\'' => {
                let mut value = String::new();
                let mut closed = false;
                let mut chars = rest.char_indices().peekable();
                while let Some((i, c)) = chars.next() {
                    if c == '\'' {
                        if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                            chars.next();
                            value.push('\'');
                        } else {
                            rest = &rest[i + 1..];
                            closed = true;
                            break;
                        }
                    } else if c.is_control() {
                        return Err("raw control character in a string".into());
                    } else {
                        value.push(c);
                    }
                }
                if !closed {
                    return Err("unclosed string".into());
                }
                strings.push(value);
            }
            '"' => {
                let end = rest.find('"').ok_or("unclosed property name")?;
                if end == 0 {
                    return Err("empty property name".into());
                }
                rest = &rest[end + 1..];
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("')' without '('".into());
                }
            }
            '\n' => {}
            c if c.is_control() => return Err("raw control character".into()),
            _ => {}
        }
    }
    if last_was_comment {
        return Err("comment at the end of the query".into());
    }
    if depth != 0 {
        return Err("unbalanced parentheses".into());
    }
    Ok(strings)
}
