//! The document around every page: a strict Content-Security-Policy,
//! the inline style and script named by their SHA-256, and the data
//! embedded as JSON that cannot leave its `<script>` block.
//!
//! Why hashes and not `unsafe-inline`: the page shows text an attacker
//! chose (command lines, host names, file names). Auto-escaping keeps it
//! text; the CSP is the second wall, so that even markup that slipped
//! through could not run a script, load anything, or send anything
//! anywhere: `default-src 'none'` forbids every fetch, and only the one
//! script and the one style this crate wrote may run.

use base64::Engine as _;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The one stylesheet every page uses.
pub const STYLE: &str = include_str!("../assets/report.css");

/// A page ready to be written.
pub struct Shell<'a> {
    pub title: &'a str,
    pub body: Markup,
    /// JSON for the script, in `<script type="application/json" id="data">`.
    pub data: Option<String>,
    pub script: &'a str,
}

impl Shell<'_> {
    pub fn render(self) -> String {
        let csp = content_security_policy(self.script, STYLE);
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta http-equiv="Content-Security-Policy" content=(csp);
                    meta name="referrer" content="no-referrer";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) }
                    style { (PreEscaped(STYLE)) }
                }
                body {
                    (self.body)
                    @if let Some(data) = &self.data {
                        // Escaped by `embed_json`: no `<` can end the block.
                        script type="application/json" id="data" { (PreEscaped(data)) }
                    }
                    script { (PreEscaped(self.script)) }
                }
            }
        }
        .into_string()
    }
}

/// The policy: nothing may be fetched, submitted or based elsewhere
/// (`frame-ancestors` is ignored in a `<meta>` policy, so it is not set); only this script and this style run. `img-src data:` lets
/// a browser draw nothing but inline images (the page has none today).
pub fn content_security_policy(script: &str, style: &str) -> String {
    format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src data:; \
         base-uri 'none'; form-action 'none'",
        sha256_source(script),
        sha256_source(style)
    )
}

fn sha256_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// `value` as JSON safe inside a `<script>` block: `<`, `>` and `&` are
/// written as `\u003c` … so neither `</script>` nor `<!--` can appear,
/// and U+2028/U+2029 (line terminators to older JavaScript parsers), bidi
/// and zero-width characters as escapes too. The JSON means the same; only its spelling changes.
pub fn embed_json(value: &impl Serialize) -> serde_json::Result<String> {
    let json = serde_json::to_string(value)?;
    let mut safe = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => safe.push_str("\\u003c"),
            '>' => safe.push_str("\\u003e"),
            '&' => safe.push_str("\\u0026"),
            // Line terminators to older JavaScript, and bidi and
            // zero-width characters, so a view of the source shows them.
            c if crate::text::is_hidden(c) => safe.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => safe.push(c),
        }
    }
    Ok(safe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_its_script_block() {
        let hostile = "</script><script>alert(1)</script><!-- \u{2028}&amp;";
        let safe = embed_json(&hostile).expect("a string serializes");
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert!(!safe.contains('\u{2028}'));
        let back: String = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, hostile);
    }

    #[test]
    fn policy_names_the_script_by_hash_and_allows_no_inline_code() {
        let csp = content_security_policy("alert(1)", "p{}");
        assert!(csp.starts_with("default-src 'none'"));
        assert!(csp.contains("script-src 'sha256-"));
        assert!(!csp.contains("unsafe-inline"));
        assert_ne!(
            content_security_policy("a()", "p{}"),
            content_security_policy("b()", "p{}")
        );
    }
}
