//! `tunnelhunt rules list`: what a rule set contains, as a table for people
//! or JSON for programs. Invalid documents are not listed; a note on stderr
//! says how many problems `rules check` would report. The table's cells
//! are escaped for the terminal ([`crate::output::terminal`]): a rule may
//! come from anyone.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use tunnelhunt_sigma::ast::{Document, Metadata};

use crate::cli::{ListArgs, ListFormat};
use crate::commands::{Outcome, require_existing};
use crate::output::terminal::escape;
use crate::output::{LogSourceJson, plural};
use crate::ruleset;

/// One listed document.
#[derive(Debug, Serialize)]
struct Entry<'a> {
    kind: &'static str,
    id: Option<&'a str>,
    title: &'a str,
    level: Option<&'static str>,
    status: Option<&'static str>,
    /// Detection rules and filters; absent for correlations.
    #[serde(skip_serializing_if = "Option::is_none")]
    logsource: Option<LogSourceJson<'a>>,
    /// For filters and correlations: the rules they refer to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rules: Vec<&'a str>,
    tags: &'a [String],
    attack: Vec<String>,
    file: String,
}

impl<'a> Entry<'a> {
    fn new(document: &'a Document) -> Entry<'a> {
        let meta: &Metadata = document.meta();
        let (kind, logsource, rules) = match document {
            Document::Rule(r) => ("rule", Some((&r.logsource).into()), Vec::new()),
            Document::Filter(f) => (
                "filter",
                Some((&f.logsource).into()),
                f.rules.iter().map(|r| r.value.as_str()).collect(),
            ),
            Document::Correlation(c) => (
                "correlation",
                None,
                c.rules.iter().map(|r| r.value.as_str()).collect(),
            ),
        };
        Entry {
            kind,
            id: meta.id.as_ref().map(|id| id.value.as_str()),
            title: &meta.title.value,
            level: meta.level.map(|l| l.as_str()),
            status: meta.status.map(|s| s.as_str()),
            logsource,
            rules,
            tags: &meta.tags,
            attack: meta.attack_techniques(),
            file: document.origin().file.display().to_string(),
        }
    }
}

pub fn run(args: &ListArgs) -> anyhow::Result<Outcome> {
    require_existing("rule path", &args.paths)?;
    let loaded = ruleset::load_or_builtin(&args.paths, &[]);
    let documents = loaded.collection.documents();
    let entries: Vec<Entry<'_>> = documents.iter().map(Entry::new).collect();
    let mut out = io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &entries)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            writeln!(out, "{}", table(documents))?;
            writeln!(out, "{}", plural(entries.len(), "document"))?;
        }
    }
    out.flush()?;
    let errors = loaded
        .collection
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .count()
        + loaded.unreadable.len();
    if errors > 0 {
        eprintln!(
            "note: {} in the rule files (invalid documents are not listed); \
             run `tunnelhunt rules check` for details",
            plural(errors, "error")
        );
    }
    Ok(Outcome::Success)
}

fn table(documents: &[Document]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["id", "title", "level", "logsource", "ATT&CK"]);
    for document in documents {
        let meta = document.meta();
        let logsource = match document {
            Document::Rule(r) => ruleset::logsource_label(&r.logsource),
            Document::Filter(f) => format!(
                "filter on {} for {}",
                ruleset::logsource_label(&f.logsource),
                plural(f.rules.len(), "rule")
            ),
            Document::Correlation(c) => format!(
                "correlation {} over {}",
                c.kind.as_str(),
                plural(c.rules.len(), "rule")
            ),
        };
        let cells = [
            meta.id
                .as_ref()
                .map_or("-", |id| id.value.as_str())
                .to_owned(),
            meta.title.value.clone(),
            meta.level.map_or("-", |l| l.as_str()).to_owned(),
            logsource,
            meta.attack_techniques().join(" "),
        ];
        table.add_row(cells.map(|cell| escape(&cell).into_owned()));
    }
    table
}
