//! A small YAML emitter for the subset Sigma rules use: block mappings and
//! sequences of scalars, with scalars quoted so that *every* YAML reader
//! reads back exactly the string (or number, or boolean) we meant.
//!
//! Two readers matter and they disagree: our loader resolves scalars with
//! the YAML 1.2 core schema, while sigma-cli (PyYAML) uses YAML 1.1, where
//! `yes`, `on`, `y`, `2026-11-28`, `1_000` or `=` are not strings. So a
//! string is written plain only when it is unambiguous under both: it starts
//! with a letter (or `_`, `/`, `\`, `(`), contains only printable ASCII
//! without comment, flow or quote characters, has no `: `, does not end in
//! `:` or a space, and is not one of the 1.1 boolean/null words. Other
//! strings are single-quoted (`''` for a quote); strings with characters a
//! single-quoted scalar cannot hold on one line (line breaks, tabs, control
//! characters, BOM, Unicode line separators) are double-quoted with escapes.
//! Multi-line prose (descriptions) may use a literal block (`|`, `|-`, `|+`)
//! when every line is safe in one.

use std::fmt::Write as _;

/// How much a scalar may be left unquoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain when unambiguous (metadata, keys, identifiers).
    PlainIfSafe,
    /// Always quoted (detection values: SigmaHQ style, and easier to read
    /// next to escapes and wildcards).
    Quoted,
}

/// A string scalar.
pub fn string(text: &str, style: Style) -> String {
    if needs_double_quotes(text) {
        double_quoted(text)
    } else if style == Style::PlainIfSafe && plain_is_safe(text) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// A float that both YAML 1.1 and 1.2 read as this very float: a dot in
/// the mantissa and a signed exponent.
pub(crate) fn float(x: f64) -> String {
    if x.is_nan() {
        return ".nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    let text = format!("{x:?}");
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m.to_owned(), Some(e.to_owned())),
        None => (text, None),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa
    } else {
        format!("{mantissa}.0")
    };
    match exponent {
        Some(e) if e.starts_with('-') => format!("{mantissa}e{e}"),
        Some(e) => format!("{mantissa}e+{e}"),
        None => mantissa,
    }
}

/// Multi-line text as a literal block (the caller writes it after `key:`),
/// or `None` when a block could not hold it exactly.
pub(crate) fn literal_block(text: &str, indent: usize) -> Option<String> {
    if !text.contains('\n') || needs_double_quotes(&text.replace('\n', "")) {
        return None;
    }
    let body = text.trim_end_matches('\n');
    let trailing = text.len() - body.len();
    let lines: Vec<&str> = body.split('\n').collect();
    let first_ok = lines.first().is_some_and(|l| !l.is_empty());
    let lines_ok = lines
        .iter()
        .all(|line| !line.starts_with(' ') && !line.ends_with(' ') && !line.contains('\t'));
    if !first_ok || !lines_ok {
        return None;
    }
    let chomp = match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    };
    let pad = " ".repeat(indent);
    let mut out = chomp.to_owned();
    for line in &lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    Some(out)
}

fn needs_double_quotes(text: &str) -> bool {
    text.chars().any(|c| {
        c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
            )
    })
}

/// Words YAML 1.1 or 1.2 read as booleans or null.
const SPECIAL_WORDS: [&str; 10] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

fn plain_is_safe(text: &str) -> bool {
    if is_uuid(text) {
        // Rule ids: hex groups joined by dashes are no number, date or
        // sexagesimal in either YAML version.
        return true;
    }
    let Some(first) = text.chars().next() else {
        return false;
    };
    let first_ok = first.is_ascii_alphabetic() || matches!(first, '_' | '/' | '\\' | '(');
    let chars_ok = text.chars().all(|c| {
        c == ' '
            || (c.is_ascii_graphic()
                && !matches!(c, '#' | ',' | '[' | ']' | '{' | '}' | '\'' | '"' | '`'))
    });
    first_ok
        && chars_ok
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !SPECIAL_WORDS.contains(&text.to_ascii_lowercase().as_str())
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if u32::from(c) <= 0xFF && c.is_control() => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
                ) =>
            {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_plain_scalars_are_quoted() {
        for text in [
            "yes",
            "No",
            "ON",
            "y",
            "null",
            "~",
            "",
            "2026-11-28",
            "1e3",
            "0x10",
            ".inf",
            "*x",
            "&a",
            "!tag",
            "%x",
            "@x",
            "`x`",
            "a: b",
            "a #b",
            "trailing:",
            " lead",
            "trail ",
            "-x",
            "?x",
            "=",
            "<<",
            "'q'",
            "1 of sel*",
            "a,b",
            "ünï",
        ] {
            assert_ne!(
                string(text, Style::PlainIfSafe),
                text,
                "{text:?} must not be plain"
            );
        }
        for text in [
            "selection and not filter",
            "attack.t1572",
            "CommandLine|contains|all",
            "https://x.org/a?b=c",
            "\\ssh.exe",
        ] {
            assert_eq!(string(text, Style::PlainIfSafe), text);
        }
    }

    #[test]
    fn quoting_styles_escape_exactly() {
        assert_eq!(string("it's", Style::Quoted), "'it''s'");
        assert_eq!(
            string("a\nb\t\"c\\\u{1}\u{85}\u{2028}", Style::Quoted),
            r#""a\nb\t\"c\\\x01\x85\u2028""#
        );
        assert_eq!(string("–x ü", Style::Quoted), "'–x ü'");
    }

    #[test]
    fn floats_have_a_dot_and_a_signed_exponent() {
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(0.5), "0.5");
        assert_eq!(float(1e300), "1.0e+300");
        assert_eq!(float(-2.5e-7), "-2.5e-7");
        assert_eq!(float(f64::NEG_INFINITY), "-.inf");
    }

    #[test]
    fn literal_blocks_keep_trailing_newlines_exactly() {
        assert_eq!(literal_block("a\nb\n", 4).unwrap(), "|\n    a\n    b");
        assert_eq!(literal_block("a\n\nb", 4).unwrap(), "|-\n    a\n\n    b");
        assert_eq!(literal_block("a\nb\n\n", 4).unwrap(), "|+\n    a\n    b\n");
        assert!(literal_block(" indented\nx", 4).is_none());
        assert!(literal_block("one line", 4).is_none());
        assert!(literal_block("\nx", 4).is_none());
    }
}
