//! A rule's investigation guide (`rules/t1572/<rule>.md`) split into the
//! sections the rule objects carry.
//!
//! The guide is Markdown written for `rules show`: a `# Title`, a line of
//! facts, then `## Section` blocks. Each vendor shows analysts one text
//! field (Elastic's `note`, Sentinel's description, Splunk's `how_to_implement`
//! …), so the objects rebuild that field from the sections that help at
//! alert time, in a fixed order, and leave out what is for rule authors
//! (evasion notes, what the rule cannot see).

/// The sections an alert's reader needs, in the order objects show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    WhatFired,
    Investigation,
    Response,
    Tuning,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::WhatFired,
        Section::Investigation,
        Section::Response,
        Section::Tuning,
    ];

    /// The heading as the guides write it.
    pub fn heading(self) -> &'static str {
        match self {
            Section::WhatFired => "What fired",
            Section::Investigation => "Investigation",
            Section::Response => "Response",
            Section::Tuning => "Tuning",
        }
    }
}

/// A parsed guide: the sections found, each with its body (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Guide {
    sections: Vec<(Section, String)>,
}

impl Guide {
    /// Split `text` at its `## ` headings; sections other than
    /// [`Section::ALL`] are dropped. Headings inside fenced code blocks are
    /// code, not headings.
    pub fn parse(text: &str) -> Guide {
        let mut sections = Vec::new();
        let mut current: Option<(Section, String)> = None;
        let mut fenced = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            }
            let heading = (!fenced)
                .then(|| line.strip_prefix("## "))
                .flatten()
                .or_else(|| (!fenced && line.starts_with("# ")).then_some(""));
            match heading {
                Some(name) => {
                    sections.extend(current.take());
                    current = Section::ALL
                        .into_iter()
                        .find(|s| s.heading().eq_ignore_ascii_case(name.trim()))
                        .map(|s| (s, String::new()));
                }
                None => {
                    if let Some((_, body)) = current.as_mut() {
                        body.push_str(line);
                        body.push('\n');
                    }
                }
            }
        }
        sections.extend(current);
        let sections = sections
            .into_iter()
            .map(|(s, body)| (s, body.trim().to_owned()))
            .filter(|(_, body)| !body.is_empty())
            .collect();
        Guide { sections }
    }

    pub fn section(&self, wanted: Section) -> Option<&str> {
        self.sections
            .iter()
            .find(|(s, _)| *s == wanted)
            .map(|(_, body)| body.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// The sections as Markdown under headings of `level` (`###` for 3),
    /// in [`Section::ALL`] order. Headings inside a section's body move
    /// down with it so the outline stays nested.
    pub fn markdown(&self, level: usize) -> String {
        let marks = "#".repeat(level);
        let mut out = String::new();
        for section in Section::ALL {
            if let Some(body) = self.section(section) {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!(
                    "{marks} {}\n\n{}\n",
                    section.heading(),
                    demote(body, level - 1)
                ));
            }
        }
        out
    }
}

/// Push every Markdown heading of `body` (outside code fences) `by` levels down.
fn demote(body: &str, by: usize) -> String {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line.starts_with('#') {
            out.push(format!("{}{line}", "#".repeat(by)));
        } else {
            out.push(line.to_owned());
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_kept_in_order_and_code_is_not_a_heading() {
        let text = "# Title\n\nfacts\n\n## Evasions it catches\n\nx\n\n## Tuning\n\nallow\n\n```yaml\n## not a heading\n```\n\n## What fired\n\nnetsh\n";
        let guide = Guide::parse(text);
        assert_eq!(guide.section(Section::WhatFired), Some("netsh"));
        assert_eq!(
            guide.section(Section::Tuning),
            Some("allow\n\n```yaml\n## not a heading\n```")
        );
        assert_eq!(guide.section(Section::Investigation), None);
        assert_eq!(
            guide.markdown(3),
            "### What fired\n\nnetsh\n\n### Tuning\n\nallow\n\n```yaml\n## not a heading\n```\n"
        );
    }
}
