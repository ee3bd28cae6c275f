//! Sigma correlations in a run: which rules they need, which base alerts
//! they silence, and how a match becomes an observation.
//!
//! The correlation engine (`tunnelhunt-correlate`) sees rule numbers, field
//! values as text, times as nanoseconds and opaque source positions. This
//! module is the glue to everything it must not know: the rule collection
//! (references by id or name, `--rule`/`--min-level` selection, `generate`),
//! the compiled rule numbers, the events (field lookup, timestamps) and the
//! input files (a stable number per file, from the sorted paths, so the
//! order inputs are given in cannot change which of two simultaneous
//! events comes first).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use tunnelhunt_correlate::{
    Collector, CorrelationAlert, Limits, Observation, Plan, Reference, RuleKey, SourceRef,
};
use tunnelhunt_engine::{Event, RuleId};
use tunnelhunt_sigma::ast::{Correlation, Document, Metadata, Rule};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sources::{Format, Record};

use crate::evaluate::record_number;

/// The documents a run needs, before compiling: the correlations to
/// evaluate and the detection rules they read.
pub struct Needed<'a> {
    /// Selected correlations and the correlations they chain on, in
    /// collection order.
    pub correlations: Vec<&'a Correlation>,
    /// Of those, the ones the selection did not pick: evaluated only to
    /// feed another correlation, never printed.
    pub unselected: HashSet<*const Correlation>,
    /// Detection rules some needed correlation reads.
    pub rules: HashSet<*const Rule>,
}

impl<'a> Needed<'a> {
    /// The correlations `selects` picks, everything they reference
    /// (through chains), and the detection rules at the bottom.
    pub fn find(
        collection: &'a RuleCollection,
        selects: impl Fn(&Metadata, &Path) -> bool,
    ) -> Needed<'a> {
        let mut wanted: Vec<&Correlation> = collection
            .correlations()
            .filter(|c| selects(&c.meta, &c.origin.file))
            .collect();
        let selected: HashSet<*const Correlation> =
            wanted.iter().map(|c| *c as *const Correlation).collect();
        let mut seen: HashSet<*const Correlation> = HashSet::new();
        let mut rules = HashSet::new();
        while let Some(correlation) = wanted.pop() {
            if !seen.insert(correlation) {
                continue;
            }
            for reference in &correlation.rules {
                match collection.resolve(&reference.value) {
                    Some(Document::Rule(rule)) => {
                        rules.insert(rule as *const Rule);
                    }
                    Some(Document::Correlation(inner)) => wanted.push(inner),
                    _ => {}
                }
            }
        }
        let correlations: Vec<&Correlation> = collection
            .correlations()
            .filter(|c| seen.contains(&(*c as *const Correlation)))
            .collect();
        let unselected = seen.difference(&selected).copied().collect();
        Needed {
            correlations,
            unselected,
            rules,
        }
    }

    /// Whether a correlation reads `rule`.
    pub fn reads(&self, rule: &Rule) -> bool {
        self.rules.contains(&(rule as *const Rule))
    }
}

/// A correlation that cannot be evaluated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub file: PathBuf,
    pub line: u32,
    pub label: String,
    pub reason: String,
}

/// The correlations of a run, compiled.
pub struct Correlations<'a> {
    pub plan: Plan,
    /// Indexed like the plan.
    pub rules: Vec<&'a Correlation>,
    /// Indexed like the plan: printed (selected) or only feeding another.
    pub printed: Vec<bool>,
    /// By [`RuleId`]: base-rule matches that raise no alert of their own
    /// (`generate: false`, Sigma's default, or a rule compiled only
    /// because a correlation reads it).
    pub silent: Vec<bool>,
    /// By [`RuleId`]: whether some correlation reads the rule's matches.
    pub feeds: Vec<bool>,
}

/// The input files of a run, numbered in sorted path order: the number an
/// observation's [`SourceRef`] carries, so that which of two simultaneous
/// events counts first never depends on the order the files were given or
/// read in.
#[derive(Debug, Clone, Default)]
pub struct InputNumbers {
    by_path: HashMap<PathBuf, u32>,
    sorted: Vec<PathBuf>,
}

impl InputNumbers {
    pub fn new(inputs: &[PathBuf]) -> InputNumbers {
        let mut sorted = inputs.to_vec();
        sorted.sort();
        sorted.dedup();
        let by_path = sorted
            .iter()
            .enumerate()
            .map(|(i, path)| (path.clone(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        InputNumbers { by_path, sorted }
    }

    /// The number of `path` (`u32::MAX` for a file not given: it sorts
    /// last).
    pub fn number(&self, path: &Path) -> u32 {
        self.by_path.get(path).copied().unwrap_or(u32::MAX)
    }

    /// The file a [`SourceRef`] points into.
    pub fn path(&self, source: SourceRef) -> Option<&Path> {
        self.sorted
            .get(usize::try_from(source.input).ok()?)
            .map(PathBuf::as_path)
    }
}

impl<'a> Correlations<'a> {
    /// Compile `needed` against the compiled base rules (`rules`, indexed
    /// by [`RuleId`]). `selected` says which base rules the user picked;
    /// Correlations whose rules did not compile are left out, with the
    /// reason.
    pub fn compile(
        collection: &'a RuleCollection,
        needed: &Needed<'a>,
        rules: &[&'a Rule],
        selected: impl Fn(&Rule) -> bool,
    ) -> (Option<Correlations<'a>>, Vec<LeftOut>) {
        let rule_ids: HashMap<*const Rule, RuleId> = rules
            .iter()
            .enumerate()
            .map(|(id, rule)| (*rule as *const Rule, id))
            .collect();
        let mut usable: Vec<&Correlation> = needed.correlations.clone();
        let mut left_out = Vec::new();
        // Drop correlations with an unusable reference until none is left:
        // a chain falls with its lowest link.
        loop {
            let index: HashSet<*const Correlation> =
                usable.iter().map(|c| *c as *const Correlation).collect();
            let before = usable.len();
            usable.retain(|correlation| {
                let broken = correlation.rules.iter().find(|reference| {
                    match collection.resolve(&reference.value) {
                        Some(Document::Rule(rule)) => {
                            !rule_ids.contains_key(&(rule as *const Rule))
                        }
                        Some(Document::Correlation(inner)) => {
                            !index.contains(&(inner as *const Correlation))
                        }
                        _ => true,
                    }
                });
                if let Some(reference) = broken {
                    left_out.push(LeftOut {
                        file: correlation.origin.file.clone(),
                        line: correlation.origin.span.line,
                        label: crate::ruleset::document_label(&correlation.meta),
                        reason: format!(
                            "rule '{}' it correlates is not usable (left out above)",
                            reference.value
                        ),
                    });
                }
                broken.is_none()
            });
            if usable.len() == before {
                break;
            }
        }
        if usable.is_empty() {
            return (None, left_out);
        }
        let position: HashMap<*const Correlation, usize> = usable
            .iter()
            .enumerate()
            .map(|(i, c)| (*c as *const Correlation, i))
            .collect();
        let entries: Vec<(Correlation, Vec<Reference>)> = usable
            .iter()
            .map(|correlation| {
                let references = correlation
                    .rules
                    .iter()
                    .filter_map(|reference| match collection.resolve(&reference.value) {
                        Some(Document::Rule(rule)) => rule_ids
                            .get(&(rule as *const Rule))
                            .map(|&id| Reference::Rule(rule_key(id))),
                        Some(Document::Correlation(inner)) => position
                            .get(&(inner as *const Correlation))
                            .map(|&i| Reference::Correlation(i)),
                        _ => None,
                    })
                    .collect();
                ((*correlation).clone(), references)
            })
            .collect();
        let plan = match Plan::new(entries, Limits::default()) {
            Ok(plan) => plan,
            Err(error) => {
                left_out.extend(usable.iter().map(|correlation| LeftOut {
                    file: correlation.origin.file.clone(),
                    line: correlation.origin.span.line,
                    label: crate::ruleset::document_label(&correlation.meta),
                    reason: error.to_string(),
                }));
                return (None, left_out);
            }
        };
        // The plan knows which rules feed a correlation and which of them
        // `generate: false` hides; a rule compiled only for a correlation
        // (not selected) is silent too. Kept per RuleId for the record loop.
        let feeds: Vec<bool> = (0..rules.len())
            .map(|id| plan.fields_of(rule_key(id)).is_some())
            .collect();
        let silent = rules
            .iter()
            .enumerate()
            .map(|(id, rule)| {
                feeds[id] && (plan.hides_base_alerts(rule_key(id)) || !selected(rule))
            })
            .collect();
        let printed = usable
            .iter()
            .map(|c| !needed.unselected.contains(&(*c as *const Correlation)))
            .collect();
        let compiled = Correlations {
            plan,
            rules: usable,
            printed,
            silent,
            feeds,
        };
        (Some(compiled), left_out)
    }

    /// The observation of one match of base rule `id` on `record`, read
    /// from input number `input`.
    pub fn observe(&self, id: RuleId, record: &Record, input: u32) -> Option<Observation> {
        let key = rule_key(id);
        let fields = self.plan.fields_of(key)?;
        let event = &record.event;
        let values = fields
            .iter()
            .map(|field| {
                let lookup = event.field(field);
                let texts: Vec<String> = lookup
                    .values()
                    .iter()
                    .filter_map(|v| v.as_text().map(|t| t.into_owned()))
                    .collect();
                (!texts.is_empty()).then(|| texts.join(", ").into_boxed_str())
            })
            .collect();
        let time = event
            .timestamp()
            .and_then(|t| t.trim().parse::<Timestamp>().ok())
            .and_then(|t| i64::try_from(t.as_nanosecond()).ok());
        Some(Observation {
            rule: key,
            time,
            values,
            source: SourceRef {
                input,
                position: record_number(record.origin.position),
            },
        })
    }

    /// Every field some correlation reads from base-rule matches.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.feeds
            .iter()
            .enumerate()
            .filter(|&(_, feeds)| *feeds)
            .filter_map(|(id, _)| self.plan.fields_of(rule_key(id)))
            .flatten()
            .map(String::as_str)
    }
}

fn rule_key(id: RuleId) -> RuleKey {
    RuleKey(u32::try_from(id).unwrap_or(u32::MAX))
}

/// How the positions of one input read: its format, and whether a
/// position is an EVTX `EventRecordID` (else a 1-based line), as the
/// record's own `Origin` said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputFacts {
    pub format: Format,
    pub by_record: bool,
}

/// What the workers of a run gathered for the correlations: the
/// observations, and how each input they came from places its records.
#[derive(Default)]
pub struct Gathered {
    pub collector: Option<Collector>,
    pub inputs: BTreeMap<u32, InputFacts>,
    /// Observations for the behaviour analytics (`crate::behaviour`).
    pub behaviour: Option<tunnelhunt_behaviour::Collector>,
}

impl Gathered {
    /// Keep every match in `hits` on `record` (read from input number
    /// `input`) that a correlation reads.
    pub fn observe(
        &mut self,
        correlations: &Correlations<'_>,
        record: &Record,
        hits: &[RuleId],
        input: u32,
    ) {
        for &id in hits {
            let Some(observation) = correlations.observe(id, record, input) else {
                continue;
            };
            self.inputs.insert(
                input,
                InputFacts {
                    format: record.origin.format,
                    by_record: record.origin.record_id().is_some(),
                },
            );
            self.collector
                .get_or_insert_with(|| Collector::new(&correlations.plan))
                .push(observation);
        }
    }

    pub fn absorb(&mut self, other: Gathered) {
        self.inputs.extend(other.inputs);
        match (&mut self.behaviour, other.behaviour) {
            (Some(mine), Some(theirs)) => mine.absorb(theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
        match (&mut self.collector, other.collector) {
            (Some(mine), Some(theirs)) => mine.absorb(theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
    }

    /// Evaluate everything gathered.
    pub fn finish(
        self,
        correlations: &Correlations<'_>,
    ) -> (
        Vec<CorrelationAlert>,
        tunnelhunt_correlate::Report,
        BTreeMap<u32, InputFacts>,
    ) {
        let collector = self
            .collector
            .unwrap_or_else(|| Collector::new(&correlations.plan));
        let (alerts, report) = collector.finish(&correlations.plan);
        (alerts, report, self.inputs)
    }
}
