//! Guides and `docs/coverage.md` are Markdown written by whoever wrote
//! the rule pack, which may not be us: raw HTML in them is shown as
//! text, and a link is kept only when it goes to `http(s)`, `mailto` or
//! an anchor, so a guide cannot bring a script or a `javascript:` URL
//! into a page.

use maud::{Markup, PreEscaped};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// `text` as HTML with raw HTML escaped and unsafe links made text.
pub fn to_html(text: &str) -> Markup {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut unsafe_link_depth = 0usize;
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { dest_url, .. }) if !is_safe_url(&dest_url) => {
            unsafe_link_depth += 1;
            None
        }
        Event::End(pulldown_cmark::TagEnd::Link) if unsafe_link_depth > 0 => {
            unsafe_link_depth -= 1;
            None
        }
        Event::Start(Tag::Image { dest_url, .. }) => {
            // No image may be fetched: its address is shown instead.
            Some(Event::Text(CowStr::from(format!("[image: {dest_url}]"))))
        }
        Event::End(pulldown_cmark::TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    PreEscaped(out)
}

fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text_and_script_links_are_dropped() {
        let html = to_html(
            "# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](https://a.example/) ![i](https://b.example/i.png)",
        )
        .into_string();
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://a.example/\""), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }
}
