//! A small writer for Splunk `.conf` files (`savedsearches.conf`,
//! `macros.conf`, `app.conf`).
//!
//! No crate writes them, and the format has no escapes: a stanza is
//! `[name]`, a setting `key = value`, a value continues on the next line
//! when its line ends with a backslash, and a line starting with `#` is a
//! comment. So a value cannot hold everything: a line that ends with a
//! backslash would swallow the next one, a continued line starting with `#`
//! or `;` would be read as a comment, an empty or space-padded line is
//! trimmed away. Rather than write something Splunk reads differently,
//! [`render`] refuses such a value ([`ConfError`]); the objects fold free
//! text to one line and escape `;` inside JSON before they get here, so in
//! practice only a search whose own text breaks these rules is refused.
//!
//! The rules are those of Splunk's own parser as published on PyPI
//! (`addonfactory-splunk-conf-parser-lib`, `TABConfigParser`): besides the
//! above, it drops continuation lines starting with `*` or the word `rem`,
//! cuts the first line at a `;` that follows a space (Python's inline
//! comment), and reads `""` as empty. The injection tests parse our output
//! back with that parser (`validators/splunk/`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Why a stanza or setting cannot be written so that it reads back as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfError {
    #[error("stanza name {name:?}: {why}")]
    Stanza { name: String, why: &'static str },
    #[error("setting name {key:?} is not a conf key ([A-Za-z0-9_.-], starting with a letter)")]
    Key { key: String },
    #[error("{key}: {why}")]
    Value { key: String, why: &'static str },
    #[error("[{stanza}] sets {key} twice")]
    Duplicate { stanza: String, key: String },
}

/// One `[stanza]` and its settings, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    pub name: String,
    pub settings: Vec<(String, String)>,
}

impl Stanza {
    pub fn new(name: impl Into<String>) -> Stanza {
        Stanza {
            name: name.into(),
            settings: Vec::new(),
        }
    }

    /// Append `key = value`.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Stanza {
        self.settings.push((key.to_owned(), value.into()));
        self
    }
}

/// Whitespace as Python's `str.isspace` and `str.strip` see it (the
/// parser trims with them): Unicode white space plus the separators
/// U+001C–U+001F.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Characters Python's universal-newline reading splits lines at.
fn is_line_break(c: char) -> bool {
    c == '\n' || c == '\r'
}

fn check_stanza_name(name: &str) -> Result<(), ConfError> {
    let bad = |why| {
        Err(ConfError::Stanza {
            name: name.to_owned(),
            why,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.chars().any(is_line_break) {
        return bad("holds a line break");
    }
    if name.starts_with(is_py_space) || name.ends_with(is_py_space) {
        return bad("starts or ends with white space");
    }
    if name.ends_with('\\') {
        return bad("ends with a backslash, which continues the line");
    }
    if name.eq_ignore_ascii_case("default") {
        return bad("[default] is Splunk's stanza of defaults");
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), ConfError> {
    let mut chars = key.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let rem = key.eq_ignore_ascii_case("rem");
    if first_ok && rest_ok && !rem {
        Ok(())
    } else {
        Err(ConfError::Key {
            key: key.to_owned(),
        })
    }
}

/// Whether a continued line would be read as a comment or dropped.
fn swallowed_as_comment(line: &str) -> bool {
    let first_word = line.split(is_py_space).next().unwrap_or("");
    line.starts_with(['#', ';', '*'])
        || (line.starts_with(['r', 'R']) && first_word.eq_ignore_ascii_case("rem"))
}

/// Why `value` would not read back as itself, if it would not.
pub fn unrepresentable(value: &str) -> Option<&'static str> {
    if value == "\"\"" {
        return Some("the value \"\" reads back as empty");
    }
    if value.contains('\r') {
        return Some("holds a carriage return, which ends a line");
    }
    let lines: Vec<&str> = value.split('\n').collect();
    for (index, line) in lines.iter().enumerate() {
        if line.is_empty() {
            if lines.len() > 1 {
                return Some("holds an empty line, which a continued value cannot");
            }
            continue;
        }
        if line.starts_with(is_py_space) || line.ends_with(is_py_space) {
            return Some("a line starts or ends with white space, which is trimmed");
        }
        if line.ends_with('\\') {
            return Some("a line ends with a backslash, which continues the line");
        }
        if index > 0 && swallowed_as_comment(line) {
            return Some("a continued line starts with #, ;, * or rem, and would be a comment");
        }
    }
    // Python's inline comment: the first `;` of the first line, when a
    // space precedes it.
    let first = lines[0];
    if let Some(at) = first.find(';')
        && first[..at].ends_with(is_py_space)
    {
        return Some("the first line has a ';' after a space, which starts a comment");
    }
    None
}

/// The text of a `.conf` file holding `stanzas`, or why it cannot be
/// written faithfully. Stanza names must be unique, as must keys within a
/// stanza (Splunk would merge them).
pub fn render(header: &str, stanzas: &[Stanza]) -> Result<String, ConfError> {
    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "# {line}");
    }
    let mut names = BTreeSet::new();
    for stanza in stanzas {
        check_stanza_name(&stanza.name)?;
        if !names.insert(stanza.name.as_str()) {
            return Err(ConfError::Stanza {
                name: stanza.name.clone(),
                why: "appears twice",
            });
        }
        let _ = writeln!(out, "\n[{}]", stanza.name);
        let mut keys = BTreeSet::new();
        for (key, value) in &stanza.settings {
            check_key(key)?;
            if !keys.insert(key.as_str()) {
                return Err(ConfError::Duplicate {
                    stanza: stanza.name.clone(),
                    key: key.clone(),
                });
            }
            if let Some(why) = unrepresentable(value) {
                return Err(ConfError::Value {
                    key: key.clone(),
                    why,
                });
            }
            // A space before the backslash, as Splunk's own files write
            // continued values; the parser trims it.
            let _ = writeln!(out, "{key} = {}", value.replace('\n', " \\\n"));
        }
    }
    Ok(out)
}

/// Free text as one conf line: white space runs become one space and a
/// space before `;` is dropped (see the module docs).
pub fn fold(text: &str) -> String {
    text.split(is_py_space)
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ;", ";")
}

/// JSON for a conf value: one line, keys sorted, and `;` written as
/// `\u003b` so no parser takes it for a comment (the JSON value is
/// unchanged). Keys are sorted here because serde_json keeps insertion
/// order when another crate of the build turns on `preserve_order` (evtx
/// does): the file must not depend on which crates are built with it.
pub fn json_value(value: &serde_json::Value) -> String {
    sorted(value).to_string().replace(';', "\\u003b")
}

fn sorted(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            serde_json::Value::Object(
                keys.into_iter()
                    .map(|key| (key.clone(), sorted(&map[key])))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(sorted).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continued_values_and_refusals() {
        let mut stanza = Stanza::new("TunnelHunt - X - Rule");
        stanza.set("search", "a=1\n| where b");
        let text = render("generated", &[stanza]).unwrap();
        assert_eq!(
            text,
            "# generated\n\n[TunnelHunt - X - Rule]\nsearch = a=1 \\\n| where b\n"
        );
        for bad in [
            "a\\\nb", "a\n#b", "a\n\nb", " a", "a \n b", "x ;y", "\"\"", "a\rb", "a\nrem b",
        ] {
            assert!(unrepresentable(bad).is_some(), "{bad:?}");
        }
        for good in ["", "x;y", "x; y ;z", "a\n|b", "a\nremove", "{\"a\": \"b\"}"] {
            assert_eq!(unrepresentable(good), None, "{good:?}");
        }
        let mut twice = Stanza::new("s");
        twice.set("k", "1").set("k", "2");
        assert!(render("", &[twice]).is_err());
        assert!(render("", &[Stanza::new("default")]).is_err());
        let mut key = Stanza::new("s");
        key.set("k = v\n[x]", "1");
        assert!(render("", &[key]).is_err());
    }

    #[test]
    fn folding_and_json_keep_values_on_one_safe_line() {
        assert_eq!(fold("  a\n b ;\tc  "), "a b; c");
        let json = serde_json::json!({"data": "x ; y\n#z"});
        let line = json_value(&json);
        assert_eq!(unrepresentable(&line), None);
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, json);
    }
}
