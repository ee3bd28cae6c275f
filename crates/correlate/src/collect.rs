//! Buffering observations until the end of a run, compactly.
//!
//! Correlation results must not depend on the order events are read in,
//! so nothing can be evaluated before every match is known: the collector
//! keeps each observation as a fixed-size record (time, input, position)
//! plus one interned value number per field the plan asks for, and each
//! distinct field value once. That is 32 + 4·(number of fields) bytes per
//! observation, plus about 60 bytes and the text per distinct value
//! (`docs/correlations.md`, "Bounds"). Past
//! [`crate::Limits::max_collected`] observations they go to temporary
//! files ([`crate::spill`]). One collector per worker thread;
//! [`Collector::absorb`] merges them.

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::io;

use crate::plan::{Plan, RuleKey};
use crate::spill::{self, Run, RunWriter};
use crate::{Nanos, Observation, SourceRef};

/// The value number of an absent field.
pub(crate) const ABSENT: u32 = u32::MAX;

/// Bytes of a value kept inside the interner's table itself, so that
/// finding a short value (a host, a user, a domain) touches one cache
/// line; a longer value keeps its first bytes there and is confirmed
/// against its full text.
const INLINE: usize = 26;

/// One table entry: the value's number and its first bytes.
#[derive(Debug, Clone, Copy)]
struct Slot {
    id: u32,
    len: u32,
    head: [u8; INLINE],
}

/// Each distinct string once, numbered in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    table: hashbrown::HashTable<Slot>,
    texts: Vec<Box<str>>,
    hasher: foldhash::fast::FixedState,
}

impl Interner {
    fn intern(&mut self, text: &str) -> u32 {
        let hash = self.hasher.hash_one(text);
        let bytes = text.as_bytes();
        let texts = &self.texts;
        let found = self.table.find(hash, |slot| {
            slot.len as usize == bytes.len()
                && slot.head[..bytes.len().min(INLINE)] == bytes[..bytes.len().min(INLINE)]
                && (bytes.len() <= INLINE || *texts[slot.id as usize] == *text)
        });
        if let Some(slot) = found {
            return slot.id;
        }
        // Ids stop short of ABSENT; past four billion distinct values the
        // last id is shared, which only merges those values' counts.
        let id = u32::try_from(self.texts.len()).map_or(ABSENT - 1, |id| id.min(ABSENT - 1));
        let mut head = [0; INLINE];
        let kept = bytes.len().min(INLINE);
        head[..kept].copy_from_slice(&bytes[..kept]);
        let slot = Slot {
            id,
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            head,
        };
        self.texts.push(text.into());
        let (texts, hasher) = (&self.texts, &self.hasher);
        self.table.insert_unique(hash, slot, |slot| {
            hasher.hash_one(&*texts[slot.id as usize])
        });
        id
    }

    pub(crate) fn text(&self, id: u32) -> Option<&str> {
        self.texts.get(id as usize).map(|text| &**text)
    }

    pub(crate) fn len(&self) -> usize {
        self.texts.len()
    }
}

/// One buffered observation; its values are at `ordinal · width` in the
/// rule's value list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Record {
    pub(crate) time: Nanos,
    pub(crate) source: SourceRef,
    pub(crate) ordinal: u64,
}

/// The observations of one base rule.
#[derive(Debug, Default)]
pub(crate) struct RuleBuffer {
    pub(crate) width: usize,
    pub(crate) records: Vec<Record>,
    pub(crate) values: Vec<u32>,
    pub(crate) missing_time: u64,
    /// Sorted runs written to temporary files (`spill`); after
    /// [`Collector::settle`], at most one, holding every observation.
    pub(crate) runs: Vec<Run>,
}

impl RuleBuffer {
    pub(crate) fn values_of(&self, record: &Record) -> &[u32] {
        let start = record.ordinal as usize * self.width;
        &self.values[start..start + self.width]
    }

    /// Write the observations held in memory, sorted, as a new run.
    fn spill(&mut self) -> io::Result<()> {
        if self.records.is_empty() {
            return Ok(());
        }
        self.records.sort();
        let mut writer = RunWriter::new()?;
        for record in &self.records {
            writer.write(record.time, record.source, self.values_of(record))?;
        }
        self.runs.push(writer.finish()?);
        self.records = Vec::new();
        self.values = Vec::new();
        Ok(())
    }
}

/// Observations gathered by one worker.
#[derive(Debug, Default)]
pub struct Collector {
    pub(crate) interner: Interner,
    pub(crate) rules: BTreeMap<RuleKey, RuleBuffer>,
    /// Observations held in memory, and how many may be before they are
    /// written to temporary files.
    held: usize,
    max_held: usize,
    /// The first failure to write or read a temporary file.
    pub(crate) spill_failure: Option<String>,
}

impl Collector {
    /// A collector for the base rules `plan` uses.
    pub fn new(plan: &Plan) -> Collector {
        let rules = (0..plan.len())
            .flat_map(|index| plan.references(index))
            .filter_map(|reference| match reference {
                crate::Reference::Rule(rule) => Some(*rule),
                crate::Reference::Correlation(_) => None,
            })
            .map(|rule| {
                let width = plan.fields_of(rule).map_or(0, <[String]>::len);
                (
                    rule,
                    RuleBuffer {
                        width,
                        ..RuleBuffer::default()
                    },
                )
            })
            .collect();
        Collector {
            interner: Interner::default(),
            rules,
            held: 0,
            max_held: plan.limits().max_collected,
            spill_failure: None,
        }
    }

    /// Keep one match. A match of a rule no correlation uses is ignored;
    /// values beyond [`Plan::fields_of`] are ignored and missing ones are
    /// absent.
    pub fn push(&mut self, observation: Observation) {
        let Some(buffer) = self.rules.get_mut(&observation.rule) else {
            return;
        };
        let Some(time) = observation.time else {
            buffer.missing_time += 1;
            return;
        };
        let ordinal = buffer.records.len() as u64;
        buffer.records.push(Record {
            time,
            source: observation.source,
            ordinal,
        });
        let mut values = observation.values.iter();
        for _ in 0..buffer.width {
            let id = match values.next() {
                Some(Some(text)) => self.interner.intern(text),
                _ => ABSENT,
            };
            buffer.values.push(id);
        }
        self.held += 1;
        if self.held >= self.max_held {
            self.spill();
        }
    }

    /// Write every rule's observations to temporary files. A failure is
    /// kept for the report and ends spilling: the observations stay in
    /// memory, so nothing is lost.
    fn spill(&mut self) {
        for buffer in self.rules.values_mut() {
            if let Err(error) = buffer.spill() {
                self.spill_failure
                    .get_or_insert_with(|| format!("writing a temporary file: {error}"));
                self.max_held = usize::MAX;
                return;
            }
        }
        self.held = 0;
    }

    /// Before evaluating: a rule with runs gets its remaining
    /// observations written too and every run merged into one; a rule
    /// without runs is sorted in memory.
    pub(crate) fn settle(&mut self) {
        for buffer in self.rules.values_mut() {
            if buffer.runs.is_empty() {
                // The stable sort finds the runs already in order (each
                // input file is mostly in time order) and merges them:
                // near O(n) for what a scan produces. Keys are unique, so
                // it is exact.
                buffer.records.sort();
                continue;
            }
            let merged = buffer
                .spill()
                .and_then(|()| spill::merge(&buffer.runs, buffer.width));
            match merged {
                Ok(run) => buffer.runs = vec![run],
                Err(error) => {
                    // The runs cannot be read back: their matches are
                    // lost, which the report says.
                    self.spill_failure
                        .get_or_insert_with(|| format!("merging temporary files: {error}"));
                    buffer.runs.clear();
                }
            }
        }
    }

    /// Take over everything `other` gathered (another worker's share).
    pub fn absorb(&mut self, other: Collector) {
        let renumber: Vec<u32> = other
            .interner
            .texts
            .iter()
            .map(|text| self.interner.intern(text))
            .collect();
        for (rule, theirs) in other.rules {
            let ours = self.rules.entry(rule).or_insert_with(|| RuleBuffer {
                width: theirs.width,
                ..RuleBuffer::default()
            });
            ours.missing_time += theirs.missing_time;
            ours.runs
                .extend(theirs.runs.into_iter().map(|run| run.renumbered(&renumber)));
            let offset = ours.records.len() as u64;
            ours.records
                .extend(theirs.records.iter().map(|record| Record {
                    ordinal: record.ordinal + offset,
                    ..*record
                }));
            ours.values.extend(theirs.values.iter().map(|&id| {
                if id == ABSENT {
                    ABSENT
                } else {
                    renumber[id as usize]
                }
            }));
        }
        if self.spill_failure.is_none() {
            self.spill_failure = other.spill_failure;
        }
        self.held += other.held;
        if self.held >= self.max_held {
            self.spill();
        }
    }

    /// How many observations with a time are held.
    pub fn len(&self) -> usize {
        self.rules
            .values()
            .map(|buffer| {
                buffer.records.len()
                    + buffer
                        .runs
                        .iter()
                        .map(|run| run.len as usize)
                        .sum::<usize>()
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{INLINE, Interner};

    #[test]
    fn long_values_sharing_their_first_bytes_stay_distinct() {
        let mut interner = Interner::default();
        let prefix = "x".repeat(INLINE);
        let long_a = format!("{prefix}a");
        let long_b = format!("{prefix}b");
        let values = [prefix.as_str(), &long_a, &long_b, "", "short"];
        let ids: Vec<u32> = values.iter().map(|v| interner.intern(v)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        // A second time, each value finds its own number, also after the
        // table has grown.
        for filler in 0..1_000 {
            interner.intern(&format!("{prefix}{filler}"));
        }
        let again: Vec<u32> = values.iter().map(|v| interner.intern(v)).collect();
        assert_eq!(again, ids);
        assert_eq!(interner.text(2), Some(long_b.as_str()));
        assert_eq!(interner.len(), 1_005);
    }
}
