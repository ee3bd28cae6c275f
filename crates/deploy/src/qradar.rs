//! QRadar AQL saved searches: the object QRadar users keep for a
//! detection they run and review by hand or by script.
//!
//! Each rule becomes an Ariel saved search in the representation of
//! QRadar's REST API (`/api/ariel/saved_searches`, API 26.0: `name`,
//! `description`, `aql`, `database`, `is_shared`, `is_aggregate`,
//! `is_quick_search`, `is_dashboard`, `is_default`; the server assigns
//! `id`, `uid`, `owner` and the dates, so they are left out). The AQL is
//! the backend's, with the look-back as its time clause (`LAST n
//! MINUTES`), so the saved search reads exactly one scheduled run's
//! window. A correlation's AQL already ends with the time clause of its
//! fixed interval and is kept as rendered; it is an aggregate search.
//!
//! The REST API lists, updates and deletes saved searches but has no call
//! that creates one; `ariel/searches?query_expression=` runs the AQL. So
//! the objects are deployed by saving the AQL as a search in Log Activity
//! (Advanced Search → Save Criteria, with the object's name and
//! description) or by running it through the API on the schedule the
//! object states — see `docs/deploy.md`.
//!
//! A rule file of an extension export (the content-management XML) is not
//! written: its rule bodies use QRadar's internal test identifiers, which
//! IBM publishes no schema for, so well-formed XML could still fail to
//! import and nothing offline can tell.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::DeployError;
use crate::meta::{Kind, RuleMeta};
use crate::objects::{Entry, File, Form, Objects, Platform, unique_name};
use crate::schedule::format_duration;

/// An Ariel saved search, with the API's field names.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SavedSearch {
    pub name: String,
    pub description: String,
    pub aql: String,
    /// `EVENTS`: every query the backend renders reads the events database.
    pub database: &'static str,
    /// Shared, so the SOC sees the search its detection engineers deploy.
    pub is_shared: bool,
    pub is_aggregate: bool,
    pub is_quick_search: bool,
    pub is_dashboard: bool,
    pub is_default: bool,
}

/// The file `--as rule|repo` writes per rule: the saved search and what it
/// cannot carry itself — how often to run it and the rule it comes from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SavedSearchFile {
    pub saved_search: SavedSearch,
    /// How often to run it (`15m`); its AQL reads `lookback`.
    pub run_every: String,
    pub lookback: String,
    pub sigma_id: Option<String>,
    pub severity: &'static str,
    pub attack_techniques: Vec<String>,
}

/// The AQL time clause covering `secs` (whole minutes, rounded up: AQL's
/// `LAST` counts minutes, hours or days).
pub fn time_clause(secs: u64) -> String {
    format!("LAST {} MINUTES", secs.div_ceil(60).max(1))
}

/// The saved search of one rule (or correlation) whose AQL is `query`.
pub fn saved_search(meta: &RuleMeta, query: &str) -> SavedSearch {
    let query = query.trim_end();
    let (aql, is_aggregate) = match meta.kind {
        Kind::Rule => (
            format!("{query}\n{}", time_clause(meta.schedule.lookback_secs)),
            false,
        ),
        Kind::Correlation { .. } => (query.to_owned(), true),
    };
    SavedSearch {
        name: meta.title.clone(),
        description: description(meta),
        aql,
        database: "EVENTS",
        is_shared: true,
        is_aggregate,
        is_quick_search: false,
        is_dashboard: false,
        is_default: false,
    }
}

/// The rule's description, its facts and the guide, as one text.
fn description(meta: &RuleMeta) -> String {
    let mut text = meta.description.clone();
    let facts: Vec<String> = [
        ("Sigma rule", &meta.id),
        ("Branch", &meta.branch),
        ("Confidence", &meta.confidence),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: {v}")))
    .chain(std::iter::once(format!(
        "Severity: {}",
        meta.severity.as_str()
    )))
    .collect();
    text.push_str("\n\n");
    text.push_str(&facts.join(" · "));
    if !meta.guide.is_empty() {
        text.push_str("\n\n");
        text.push_str(meta.guide.markdown(2).trim_end());
    }
    text
}

/// The saved-search file of one rule.
pub fn file(meta: &RuleMeta, query: &str) -> SavedSearchFile {
    SavedSearchFile {
        saved_search: saved_search(meta, query),
        run_every: format_duration(meta.schedule.interval_secs),
        // A correlation's AQL reads its own fixed interval, its timespan.
        lookback: format_duration(match meta.kind {
            Kind::Rule => meta.schedule.lookback_secs.div_ceil(60).max(1) * 60,
            Kind::Correlation { timespan_secs } => timespan_secs,
        }),
        sigma_id: meta.id.clone(),
        severity: meta.severity.as_str(),
        attack_techniques: meta
            .attack
            .techniques
            .iter()
            .map(|t| t.id.clone())
            .collect(),
    }
}

/// The pretty JSON of a saved-search file.
pub fn to_json(file: &SavedSearchFile) -> Result<String, DeployError> {
    serde_json::to_string_pretty(file)
        .map(|text| text + "\n")
        .map_err(|e| DeployError::Serialize {
            what: "a QRadar saved search as JSON",
            reason: e.to_string(),
        })
}

/// QRadar's objects: a saved-search JSON file per rule.
#[derive(Debug, Default)]
pub struct QradarObjects {
    built: Vec<Built>,
    stems: BTreeSet<String>,
}

#[derive(Debug)]
struct Built {
    stem: String,
    platform: Platform,
    file: SavedSearchFile,
    json: String,
}

impl Objects for QradarObjects {
    fn vendor(&self) -> &'static str {
        "IBM QRadar"
    }

    fn folder(&self) -> &'static str {
        "qradar"
    }

    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError> {
        let file = file(entry.meta, entry.query);
        self.built.push(Built {
            stem: unique_name(&mut self.stems, entry.stem),
            platform: entry.platform,
            json: to_json(&file)?,
            file,
        });
        Ok(())
    }

    fn len(&self) -> usize {
        self.built.len()
    }

    /// `--as rule`: `<rule>.json`; `--as repo`:
    /// `saved_searches/<platform>/<rule>.json`, the AQL beside each as
    /// `<rule>.aql` (what Log Activity's Advanced Search takes), and
    /// `saved_searches.json`, every saved search in one array.
    fn files(&self, form: Form) -> Result<Vec<File>, DeployError> {
        let mut files = Vec::new();
        for built in &self.built {
            match form {
                Form::Rule => files.push(File::new(format!("{}.json", built.stem), &built.json)),
                Form::Repo => {
                    let base = format!("saved_searches/{}/{}", built.platform.as_str(), built.stem);
                    files.push(File::new(format!("{base}.json"), &built.json));
                    files.push(File::new(
                        format!("{base}.aql"),
                        format!("{}\n", built.file.saved_search.aql),
                    ));
                }
            }
        }
        if form == Form::Repo {
            files.push(File::new("saved_searches.json", self.all()?));
        }
        Ok(files)
    }

    /// Every saved search, one JSON object per line.
    fn stdout(&self) -> Result<String, DeployError> {
        self.built
            .iter()
            .map(|b| {
                serde_json::to_string(&b.file)
                    .map(|line| line + "\n")
                    .map_err(|e| DeployError::Serialize {
                        what: "a QRadar saved search as JSON",
                        reason: e.to_string(),
                    })
            })
            .collect()
    }

    fn how_to_deploy(&self, _form: Form) -> String {
        "Each `.json` is an Ariel saved search (QRadar REST API field names) with its run \
         interval and look-back. QRadar's API has no call that creates a saved search: paste \
         the `aql` (or the `.aql` file) into Log Activity → Search → Advanced Search, run it, \
         then Save Criteria with the object's name and description; or run it on the stated \
         interval with `POST /api/ariel/searches?query_expression=…`. See docs/deploy.md."
            .to_owned()
    }
}

impl QradarObjects {
    fn all(&self) -> Result<String, DeployError> {
        let all: Vec<&SavedSearchFile> = self.built.iter().map(|b| &b.file).collect();
        serde_json::to_string_pretty(&all)
            .map(|text| text + "\n")
            .map_err(|e| DeployError::Serialize {
                what: "QRadar saved searches as JSON",
                reason: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_clause_rounds_up_to_whole_minutes() {
        assert_eq!(time_clause(600), "LAST 10 MINUTES");
        assert_eq!(time_clause(90), "LAST 2 MINUTES");
        assert_eq!(time_clause(1), "LAST 1 MINUTES");
    }
}
