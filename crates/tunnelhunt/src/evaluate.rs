//! Evaluate one log file with a compiled rule set: which rules fire on
//! which record.
//!
//! `scan` streams alerts and never keeps a file's results; `test` needs
//! the opposite — every record of a (small) scenario file with the rules
//! that fired on it, so expectations can be checked record by record, and
//! records that raised nothing are visible too. This is the one place that
//! does "file → records → matcher" without printing; it reuses the
//! readers' format detection (`tunnelhunt_sources::open`) and the engine's
//! matcher exactly as `scan` does, so a scenario passes under `test` if and
//! only if `scan` raises the same alerts on that file.

use std::path::Path;

use tunnelhunt_engine::{Event, Matcher, RuleId, Scratch};
use tunnelhunt_sources::{Format, OpenError, Position, Record};

/// The rules that fired on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHits {
    /// 1-based line (text formats) or `EventRecordID` (EVTX): how
    /// expectations and alerts address a record.
    pub record: u64,
    /// Sysmon / Security EventID (or none), to describe the record.
    pub event_id: Option<u32>,
    /// A short description for people: the command line, image, query
    /// or destination of the event, whichever it has first.
    pub summary: String,
    /// Ascending, without duplicates.
    pub rules: Vec<RuleId>,
}

/// Every record of one file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHits {
    pub format: Format,
    pub records: Vec<RecordHits>,
    /// Records or parts of the file that could not be read, as the
    /// readers describe them (with file and line or record number).
    pub errors: Vec<String>,
}

impl FileHits {
    /// The record at `record` (line or EventRecordID), if the file has it.
    pub fn record(&self, record: u64) -> Option<&RecordHits> {
        self.records.iter().find(|r| r.record == record)
    }
}

/// The number by which expectations name a record.
pub fn record_number(position: Position) -> u64 {
    match position {
        Position::Line(line) => line,
        Position::Evtx { record_id, .. } => record_id,
        Position::Packet { number, .. } => number,
    }
}

/// Read `path` (format detected from content, gzip too) and run every
/// record through `matcher`. A file in no supported format, or one that
/// cannot be opened, is an error; unreadable records are kept in
/// [`FileHits::errors`] and reading goes on.
pub fn evaluate_file(
    path: &Path,
    matcher: &Matcher,
    scratch: &mut Scratch,
) -> Result<FileHits, OpenError> {
    evaluate_file_with(path, matcher, scratch, |_, _| {})
}

/// [`evaluate_file`], showing `on_match` every record some rule matched
/// (with the rules, ascending): what the correlations read.
pub fn evaluate_file_with(
    path: &Path,
    matcher: &Matcher,
    scratch: &mut Scratch,
    mut on_match: impl FnMut(&Record, &[RuleId]),
) -> Result<FileHits, OpenError> {
    let reader = tunnelhunt_sources::open(path)?;
    let format = reader.format();
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut hits: Vec<RuleId> = Vec::new();
    for item in reader {
        match item {
            Ok(record) => {
                hits.clear();
                matcher.matches(&record.event, scratch, &mut hits);
                if !hits.is_empty() {
                    on_match(&record, &hits);
                }
                records.push(RecordHits {
                    record: record_number(record.origin.position),
                    event_id: record.event.kind().event_id,
                    summary: summarize(&record.event),
                    rules: hits.clone(),
                });
            }
            Err(error) => {
                let fatal = error.is_fatal();
                errors.push(error.to_string());
                if fatal {
                    break;
                }
            }
        }
    }
    Ok(FileHits {
        format,
        records,
        errors,
    })
}

/// Fields that say what an event is about, in the order tried.
const SUMMARY_FIELDS: [&str; 7] = [
    "CommandLine",
    "TargetObject",
    "QueryName",
    "DestinationHostname",
    "DestinationIp",
    "Image",
    // A web request: its target as logged (`/conn.aspx?proxy&port=3389…`).
    "cs-uri",
];

/// The longest summary kept, in characters.
const SUMMARY_MAX: usize = 120;

fn summarize(event: &dyn Event) -> String {
    for name in SUMMARY_FIELDS {
        let lookup = event.field(name);
        let Some(text) = lookup.values().iter().find_map(|v| v.as_text()) else {
            continue;
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() || text == "-" {
            continue;
        }
        let mut out: String = text.chars().take(SUMMARY_MAX).collect();
        if text.chars().count() > SUMMARY_MAX {
            out.push('…');
        }
        if name == "DestinationIp" || name == "DestinationHostname" {
            let first = |field: &str| {
                event
                    .field(field)
                    .values()
                    .iter()
                    .find_map(|v| v.as_text().map(|t| t.into_owned()))
            };
            if let Some(port) = first("DestinationPort") {
                out = format!("{out}:{port}");
            }
            if let Some(image) = first("Image") {
                let file = image.rsplit(['\\', '/']).next().unwrap_or(&image);
                out = format!("{file} → {out}");
            }
        }
        return out;
    }
    String::new()
}
