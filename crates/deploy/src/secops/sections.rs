//! The YARA-L backend's rule text read back into its sections.
//!
//! Why read the text rather than take a structured value from the backend:
//! this crate takes the query as the backend rendered it (it must not know
//! how queries are rendered, and `tunnelhunt-deploy` does not depend on the
//! backends), and the backend's layout is strict and line-based by
//! construction — `rule <name> {`, section headers as `  <section>:`, one
//! statement per four-space-indented line, meta values on one line (the
//! backend collapses control characters), `}` alone last. [`split`]
//! accepts exactly that layout and refuses anything else by name, so a
//! change of the backend's layout fails loudly (every pack and SigmaHQ
//! rendering goes through it in the tests) instead of yielding a wrong
//! rule; [`Sections::render`] gives the text back byte for byte.

use crate::DeployError;

/// The sections of a YARA-L 2.0 rule, in the order the language requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Meta,
    Events,
    Match,
    Outcome,
    Condition,
    Options,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Meta,
        Section::Events,
        Section::Match,
        Section::Outcome,
        Section::Condition,
        Section::Options,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            Section::Meta => "meta",
            Section::Events => "events",
            Section::Match => "match",
            Section::Outcome => "outcome",
            Section::Condition => "condition",
            Section::Options => "options",
        }
    }
}

/// One rendered rule: its name and each section's statements (without
/// their indentation), sections in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections<'q> {
    pub name: &'q str,
    pub sections: Vec<(Section, Vec<&'q str>)>,
}

impl<'q> Sections<'q> {
    /// The statements of `section` (empty when the rule has none).
    pub fn lines(&self, section: Section) -> &[&'q str] {
        self.sections
            .iter()
            .find(|(s, _)| *s == section)
            .map(|(_, lines)| lines.as_slice())
            .unwrap_or(&[])
    }

    /// The meta entries as (key, literal as written).
    pub fn meta(&self) -> Vec<(&'q str, &'q str)> {
        self.lines(Section::Meta)
            .iter()
            .filter_map(|line| line.split_once(" = "))
            .collect()
    }

    /// The variable a multi-event rule's sliding window is anchored on
    /// (`before $p`), if it has a match section.
    pub fn pivot(&self) -> Option<&'q str> {
        self.lines(Section::Match)
            .iter()
            .find_map(|line| line.rsplit_once(" before ").map(|(_, pivot)| pivot.trim()))
    }

    /// The text in the backend's layout.
    pub fn render(&self) -> String {
        let mut out = format!("rule {} {{\n", self.name);
        for (section, lines) in &self.sections {
            out.push_str(&format!("  {}:\n", section.keyword()));
            for line in lines {
                out.push_str(&format!("    {line}\n"));
            }
        }
        out.push_str("}\n");
        out
    }
}

/// Split the backend's text; anything outside its layout is refused.
pub fn split(query: &str) -> Result<Sections<'_>, DeployError> {
    let refuse = |why: String| DeployError::Unsupported {
        target: "Google SecOps",
        reason: format!("the YARA-L text is not in the backend's layout: {why}"),
    };
    let mut lines = query.lines();
    let name = lines
        .next()
        .and_then(|first| first.strip_prefix("rule "))
        .and_then(|rest| rest.strip_suffix(" {"))
        .filter(|name| is_identifier(name))
        .ok_or_else(|| refuse("it does not open with `rule <name> {`".to_owned()))?;
    let mut sections: Vec<(Section, Vec<&str>)> = Vec::new();
    let mut closed = false;
    for line in lines {
        if closed {
            return Err(refuse(format!("text after the closing brace: {line:?}")));
        }
        if line == "}" {
            closed = true;
        } else if let Some(body) = line.strip_prefix("    ") {
            let Some((_, current)) = sections.last_mut() else {
                return Err(refuse(format!("a statement before any section: {line:?}")));
            };
            current.push(body);
        } else {
            let section = line
                .strip_prefix("  ")
                .and_then(|l| l.strip_suffix(':'))
                .and_then(|word| Section::ALL.into_iter().find(|s| s.keyword() == word))
                .ok_or_else(|| refuse(format!("unexpected line {line:?}")))?;
            if sections.last().is_some_and(|(last, _)| *last >= section) {
                return Err(refuse(format!(
                    "section {} out of order",
                    section.keyword()
                )));
            }
            sections.push((section, Vec::new()));
        }
    }
    if !closed {
        return Err(refuse("no closing brace".to_owned()));
    }
    for required in [Section::Meta, Section::Events, Section::Condition] {
        if !sections.iter().any(|(s, _)| *s == required) {
            return Err(refuse(format!("no {} section", required.keyword())));
        }
    }
    Ok(Sections { name, sections })
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "rule a_1 {\n  meta:\n    title = \"x = y\"\n  events:\n    $p.metadata.event_type = \"PROCESS_LAUNCH\"\n  match:\n    $group1 over 10m before $p\n  condition:\n    $p and #e >= 2\n}\n";

    #[test]
    fn the_backend_layout_splits_and_renders_back_byte_for_byte() {
        let sections = split(RULE).unwrap();
        assert_eq!(sections.name, "a_1");
        assert_eq!(sections.meta(), [("title", "\"x = y\"")]);
        assert_eq!(sections.pivot(), Some("$p"));
        assert_eq!(sections.lines(Section::Condition), ["$p and #e >= 2"]);
        assert_eq!(sections.render(), RULE);
    }

    #[test]
    fn anything_else_is_refused() {
        for broken in [
            RULE.replace("rule a_1 {", "rule a-1 {"),
            RULE.replace("  match:", "  matches:"),
            RULE.replace("    $group1", "   $group1"),
            RULE.replace("  match:\n    $group1 over 10m before $p\n", "")
                .replace("  events:", "  condition:\n    $e\n  events:"),
            RULE.trim_end_matches("}\n").to_owned(),
            format!("{RULE}rule b {{\n"),
            RULE.replace("  condition:\n    $p and #e >= 2\n", ""),
        ] {
            assert!(split(&broken).is_err(), "{broken}");
        }
    }
}
