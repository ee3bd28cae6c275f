//! Which rules a scan runs and which alerts it prints: `--min-level`,
//! `--rule` and `--from`/`--to`.
//!
//! Rule selection happens before compiling, so rules that are not wanted
//! cost nothing during the scan (and are not counted as compiled). The
//! time range is applied to alerts, by the timestamp of the event that
//! raised them: events are still read and evaluated (every record stays
//! accounted for), and only alerts outside the range are left out.
//!
//! An alert whose event has no timestamp (or one that cannot be read as a
//! time) cannot be placed inside or outside the range. A hunt must not
//! hide evidence it cannot place, so such alerts are kept, and the
//! summary counts them.

use std::path::Path;

use jiff::Timestamp;
use tunnelhunt_sigma::ast::{Document, Level, Metadata, Rule};
use tunnelhunt_sources::Record;

/// `--min-level` and `--rule`.
#[derive(Debug, Default)]
pub struct RuleSelection {
    pub min_level: Option<Level>,
    /// Lower-cased selectors; empty selects every rule.
    pub selectors: Vec<String>,
}

impl RuleSelection {
    pub fn new(min_level: Option<Level>, selectors: &[String]) -> RuleSelection {
        RuleSelection {
            min_level,
            selectors: selectors.iter().map(|s| s.trim().to_lowercase()).collect(),
        }
    }

    /// Whether the options select anything less than every rule.
    pub fn is_active(&self) -> bool {
        self.min_level.is_some() || !self.selectors.is_empty()
    }

    /// Whether `rule` is run. A rule without a level counts as
    /// informational, the lowest.
    pub fn selects(&self, rule: &Rule) -> bool {
        self.selects_document(&rule.meta, &rule.origin.file)
    }

    /// [`Self::selects`] for any rule document — a detection rule or a
    /// correlation — by its metadata and the file it was read from.
    pub fn selects_document(&self, meta: &Metadata, file: &Path) -> bool {
        let level = meta.level.unwrap_or(Level::Informational);
        if self.min_level.is_some_and(|min| level < min) {
            return false;
        }
        self.selectors.is_empty()
            || self
                .selectors
                .iter()
                .any(|s| selector_matches(s, meta, file))
    }

    /// The `--rule` selectors (as given, lower-cased) that match none of
    /// `rules`: almost certainly typos, refused rather than scanned with.
    pub fn unmatched(&self, documents: &[&Document]) -> Vec<String> {
        self.selectors
            .iter()
            .filter(|s| {
                !documents
                    .iter()
                    .any(|d| selector_matches(s, d.meta(), &d.origin().file))
            })
            .cloned()
            .collect()
    }
}

/// Does the lower-cased `selector` name `rule`: its id or an id prefix,
/// its file name without extension, one of its tags (with or without the
/// `attack.` namespace), or its branch.
fn selector_matches(selector: &str, meta: &Metadata, file: &Path) -> bool {
    if selector.is_empty() {
        return false;
    }
    let id = meta.id.as_ref().map(|id| id.value.to_lowercase());
    if id.is_some_and(|id| id.starts_with(selector)) {
        return true;
    }
    let stem = file.file_stem().and_then(|s| s.to_str());
    if stem.is_some_and(|stem| stem.eq_ignore_ascii_case(selector)) {
        return true;
    }
    let tag_matches = |tag: &String| {
        let tag = tag.to_lowercase();
        tag == selector
            || tag
                .split_once('.')
                .is_some_and(|(_, bare)| bare == selector)
    };
    if meta.tags.iter().any(tag_matches) {
        return true;
    }
    meta.custom("branch")
        .and_then(|b| b.as_str())
        .is_some_and(|branch| branch.eq_ignore_ascii_case(selector))
}

/// `--from` / `--to`, both inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// Where an event falls relative to the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Inside,
    Outside,
    /// No timestamp, or one that is not a time: kept, and counted.
    Unplaced,
}

impl TimeRange {
    pub fn is_bounded(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    pub fn place(&self, record: &Record) -> Placement {
        if !self.is_bounded() {
            return Placement::Inside;
        }
        let Some(time) = record
            .event
            .timestamp()
            .and_then(|t| t.trim().parse::<Timestamp>().ok())
        else {
            return Placement::Unplaced;
        };
        let after_from = self.from.is_none_or(|from| time >= from);
        let before_to = self.to.is_none_or(|to| time <= to);
        if after_from && before_to {
            Placement::Inside
        } else {
            Placement::Outside
        }
    }
}

#[cfg(test)]
mod tests {
    use tunnelhunt_sigma::collection::RuleCollection;

    use super::*;

    const RULE: &str = "title: Plink Forward
id: 0123abcd-0000-4000-8000-000000000001
level: medium
branch: SshPortForwarding
tags: [attack.command-and-control, attack.t1572]
logsource: {category: process_creation, product: windows}
detection:
  sel: {Image|endswith: plink.exe}
  condition: sel
";

    fn collection() -> RuleCollection {
        let mut collection = RuleCollection::new();
        collection.add_file(Path::new("rules/proc_plink.yml"), RULE);
        collection.finish();
        collection
    }

    #[test]
    fn selectors_name_ids_prefixes_stems_tags_and_branches() {
        let collection = collection();
        let rule = collection.rules().next().unwrap();
        for selector in [
            "0123abcd-0000-4000-8000-000000000001",
            "0123ABCD",
            "proc_plink",
            "attack.t1572",
            "T1572",
            "sshportforwarding",
        ] {
            let selection = RuleSelection::new(None, &[selector.to_owned()]);
            assert!(selection.selects(rule), "{selector}");
        }
        let other = RuleSelection::new(None, &["NetshPortProxy".to_owned(), "4567".to_owned()]);
        assert!(!other.selects(rule));
        assert_eq!(
            other.unmatched(&collection.documents().iter().collect::<Vec<_>>()),
            ["netshportproxy", "4567"]
        );
    }

    #[test]
    fn min_level_keeps_the_level_and_above() {
        let collection = collection();
        let rule = collection.rules().next().unwrap();
        assert!(RuleSelection::new(Some(Level::Medium), &[]).selects(rule));
        assert!(RuleSelection::new(Some(Level::Low), &[]).selects(rule));
        assert!(!RuleSelection::new(Some(Level::High), &[]).selects(rule));
    }
}
