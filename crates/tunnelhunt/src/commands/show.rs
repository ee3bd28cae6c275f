//! `tunnelhunt rules show ID`: one rule (or correlation rule) for an
//! analyst triaging its alert —
//! what it detects (metadata, description, false positives, references)
//! followed by its investigation guide, the Markdown file beside the rule.
//!
//! Rules come from the built-in pack unless `--rules` names files or
//! directories; a rule from disk has its guide in `<rule-stem>.md` next to
//! it, a built-in rule in the pack.
//!
//! A rule and its guide may come from anyone, so every value printed is
//! escaped for the terminal ([`crate::output::terminal`]).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use tunnelhunt_sigma::ast::{AttrValue, Correlation, Document};

use crate::cli::ShowArgs;
use crate::commands::{Outcome, require_existing};
use crate::output::terminal::{escape, escape_lines};
use crate::ruleset;

pub fn run(args: &ShowArgs) -> anyhow::Result<Outcome> {
    require_existing("rule path", &args.rules)?;
    let loaded = ruleset::load_or_builtin(&args.rules, &[]);
    let rules: Vec<&Document> = (loaded.collection.documents().iter())
        .filter(|d| !matches!(d, Document::Filter(_)))
        .collect();
    let rule = find(&rules, &args.id)?;
    let guide = guide(&rule.origin().file, args.rules.is_empty())?;

    let mut out = io::stdout().lock();
    write_rule(&mut out, rule)?;
    match guide {
        Some(text) => {
            writeln!(out)?;
            write!(out, "{}", escape_lines(&text))?;
            if !text.ends_with('\n') {
                writeln!(out)?;
            }
        }
        None => writeln!(
            out,
            "\n(no investigation guide: expected {})",
            guide_path(&rule.origin().file).display()
        )?,
    }
    out.flush()?;
    Ok(Outcome::Success)
}

/// The rule whose id is `wanted`, else the one whose id starts with it,
/// else the one whose file stem is `wanted`. Ambiguity is an error that
/// lists the candidates.
fn find<'a>(rules: &[&'a Document], wanted: &str) -> anyhow::Result<&'a Document> {
    let wanted = wanted.trim();
    if wanted.is_empty() {
        bail!("no rule id given");
    }
    let id = |r: &Document| r.meta().id.as_ref().map(|id| id.value.to_ascii_lowercase());
    let lower = wanted.to_ascii_lowercase();
    if let Some(rule) = rules.iter().find(|r| id(r).as_deref() == Some(&lower)) {
        return Ok(rule);
    }
    let by_prefix: Vec<&Document> = rules
        .iter()
        .copied()
        .filter(|r| id(r).is_some_and(|id| id.starts_with(&lower)))
        .collect();
    let candidates = if by_prefix.is_empty() {
        rules
            .iter()
            .copied()
            .filter(|r| r.origin().file.file_stem().and_then(|s| s.to_str()) == Some(wanted))
            .collect()
    } else {
        by_prefix
    };
    match candidates.as_slice() {
        [rule] => Ok(rule),
        [] => bail!("no rule with id {wanted:?} (run `tunnelhunt rules list` to see the ids)"),
        several => bail!(
            "{wanted:?} matches {} rules: {}",
            several.len(),
            several
                .iter()
                .map(|r| ruleset::document_label(r.meta()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The rule's guide text, if it has one.
pub(crate) fn guide(rule_file: &Path, builtin: bool) -> anyhow::Result<Option<String>> {
    if builtin {
        let relative = rule_file
            .strip_prefix(ruleset::BUILTIN_PREFIX)
            .ok()
            .and_then(|p| p.to_str())
            .map(|p| p.replace('\\', "/"));
        return Ok(relative
            .and_then(|p| tunnelhunt_pack::guide_for(&p))
            .map(|g| g.text.to_owned()));
    }
    let path = guide_path(rule_file);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn guide_path(rule_file: &Path) -> PathBuf {
    rule_file.with_extension("md")
}

fn write_rule(out: &mut impl Write, rule: &Document) -> io::Result<()> {
    let meta = rule.meta();
    let custom = |key: &str| meta.custom(key).map(attr_text);
    let title = escape(&meta.title.value);
    writeln!(out, "{title}")?;
    writeln!(out, "{}", "=".repeat(title.chars().count()))?;
    let mut fields: Vec<(&str, String)> = vec![
        (
            "id",
            meta.id
                .as_ref()
                .map_or("-", |id| id.value.as_str())
                .to_owned(),
        ),
        ("branch", custom("branch").unwrap_or_else(|| "-".to_owned())),
        ("level", meta.level.map_or("-", |l| l.as_str()).to_owned()),
        (
            "confidence",
            custom("confidence").unwrap_or_else(|| "-".to_owned()),
        ),
        ("status", meta.status.map_or("-", |s| s.as_str()).to_owned()),
        match rule {
            Document::Correlation(correlation) => ("correlation", correlation_text(correlation)),
            Document::Rule(rule) => ("logsource", ruleset::logsource_label(&rule.logsource)),
            Document::Filter(filter) => ("logsource", ruleset::logsource_label(&filter.logsource)),
        },
        ("ATT&CK", meta.attack_techniques().join(" ")),
        ("tags", meta.tags.join(" ")),
    ];
    if let Some(author) = &meta.author {
        fields.push(("author", author.clone()));
    }
    if let Some(date) = &meta.date {
        let date = match &meta.modified {
            Some(modified) => format!("{date} (modified {modified})"),
            None => date.clone(),
        };
        fields.push(("date", date));
    }
    fields.push(("file", rule.origin().file.display().to_string()));
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in &fields {
        writeln!(out, "{key:<width$}  {}", escape(value))?;
    }
    if let Some(description) = &meta.description {
        writeln!(out, "\nWhat it detects")?;
        for line in description.trim_end().lines() {
            writeln!(out, "  {}", escape(line))?;
        }
    }
    for (heading, items) in [
        ("False positives", &meta.falsepositives),
        ("References", &meta.references),
    ] {
        if !items.is_empty() {
            writeln!(out, "\n{heading}")?;
            for item in items {
                writeln!(out, "  - {}", escape(item))?;
            }
        }
    }
    Ok(())
}

/// What a correlation computes, on one line: `temporal_ordered of A, B by
/// Computer within 10m (all rules)`.
fn correlation_text(correlation: &Correlation) -> String {
    let rules: Vec<&str> = correlation.rules.iter().map(|r| r.value.as_str()).collect();
    let mut text = format!("{} of {}", correlation.kind.as_str(), rules.join(", "));
    if !correlation.group_by.is_empty() {
        text.push_str(&format!(" by {}", correlation.group_by.join(", ")));
    }
    text.push_str(&format!(" within {}", correlation.timespan_text.value));
    match &correlation.condition {
        Some(condition) => {
            let field = condition
                .field
                .as_deref()
                .map_or_else(String::new, |f| format!(" of {f}"));
            text.push_str(&format!(" ({condition}{field})"));
        }
        None => text.push_str(" (all rules)"),
    }
    if correlation.generate {
        text.push_str(", generate");
    }
    text
}

/// A custom attribute as text (`branch: SshPortForwarding` → the string).
fn attr_text(value: &AttrValue) -> String {
    match value {
        AttrValue::Null => "null".to_owned(),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Float(f) => f.to_string(),
        AttrValue::String(s) => s.clone(),
        AttrValue::List(items) => items.iter().map(attr_text).collect::<Vec<_>>().join(", "),
        AttrValue::Map(entries) => entries
            .iter()
            .map(|(k, v)| format!("{k}: {}", attr_text(v)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}
