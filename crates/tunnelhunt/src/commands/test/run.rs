//! Running scenarios: find them, read their files through the readers,
//! match with one rule set, and compare what fired with what was promised.
//!
//! The comparison is per record and per branch. A rule's branch is its
//! `branch` attribute; a rule without one (a user's own rule) counts as
//! the branch named by its id, or its title, so `tunnelhunt test` works as
//! detection-as-code CI for any Sigma rules, not only ours.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tunnelhunt_engine::{Matcher, RuleId};
use tunnelhunt_sigma::ast::Rule;

use super::correlated::{self, CorrelationCase, SeenAlert};
use super::expect::{self, EXPECT_FILE, Expectation, FileRef, Spec, SpecError, Unlisted};
use crate::behaviour::Behaviours;
use crate::correlations::{Correlations, Gathered, InputNumbers};
use crate::evaluate::{self, FileHits};

/// A scenario folder and its parsed `expect.yml`.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The folder's path relative to the corpus root it was found under.
    pub name: String,
    pub dir: PathBuf,
    pub spec: Spec,
}

/// Find every folder under `roots` that holds an `expect.yml` (a root
/// may itself be one) and parse them. Problems in any file are returned
/// together.
pub fn discover(roots: &[PathBuf]) -> Result<Vec<Scenario>, Vec<SpecError>> {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        let mut dirs = Vec::new();
        collect_dirs(root, &mut dirs, &mut errors);
        dirs.sort();
        for dir in dirs {
            let name = match dir.strip_prefix(root) {
                Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
                _ => dir.file_name().map_or_else(
                    || dir.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
            };
            match expect::load(&dir.join(EXPECT_FILE)) {
                Ok(spec) => scenarios.push(Scenario { name, dir, spec }),
                Err(e) => errors.extend(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors)
    }
}

fn collect_dirs(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<SpecError>) {
    if dir.join(EXPECT_FILE).is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(SpecError {
                file: dir.to_path_buf(),
                line: 0,
                message: format!("cannot read the scenario folder: {e}"),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && !is_hidden(&path) {
            collect_dirs(&path, out, errors);
        }
    }
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// The event files of a scenario folder: every regular file except
/// `expect.yml`, Markdown notes and hidden files, sorted by name.
pub fn local_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_file()
            || name == EXPECT_FILE
            || name.ends_with(".md")
            || name.starts_with('.')
        {
            continue;
        }
        names.push(name);
    }
    names.sort();
    Ok(names)
}

/// One rule set, ready to run: the matcher and, per [`RuleId`], the
/// branch and id the comparison uses.
pub struct RuleSet<'a> {
    pub matcher: &'a Matcher,
    pub labels: Vec<RuleLabel>,
    /// The correlations over these rules, if any.
    pub correlations: Option<&'a Correlations<'a>>,
    /// The behaviour analytics these rules feed, if any.
    pub behaviours: Option<&'a Behaviours<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLabel {
    pub branch: String,
    pub id: Option<String>,
}

impl RuleLabel {
    pub fn of(rule: &Rule) -> RuleLabel {
        let id = rule.meta.id.as_ref().map(|id| id.value.clone());
        let branch = rule
            .meta
            .custom("branch")
            .and_then(|b| b.as_str())
            .map(str::to_owned)
            .or_else(|| id.clone())
            .unwrap_or_else(|| rule.meta.title.value.clone());
        RuleLabel { branch, id }
    }
}

impl<'a> RuleSet<'a> {
    pub fn new(matcher: &'a Matcher, rules: &[&Rule]) -> Self {
        RuleSet {
            matcher,
            labels: rules.iter().map(|r| RuleLabel::of(r)).collect(),
            correlations: None,
            behaviours: None,
        }
    }

    /// Whether rule `id` raises alerts of its own (see
    /// [`Correlations::silent`]).
    fn alerts_on_its_own(&self, id: RuleId) -> bool {
        self.correlations.is_none_or(|c| !c.silent[id])
            && self.behaviours.is_none_or(|b| !b.feeds(id))
    }

    /// Every branch some rule of the set belongs to.
    pub fn branches(&self) -> BTreeSet<&str> {
        self.labels.iter().map(|l| l.branch.as_str()).collect()
    }
}

/// The verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The file as the expectation names it.
    pub file: FileRef,
    pub record: u64,
    /// The expectation's line in `expect.yml`; `None` for a record no
    /// expectation lists (checked by `default: none`).
    pub spec_line: Option<usize>,
    pub event_id: Option<u32>,
    pub summary: String,
    /// Required branches (empty: a negative).
    pub expected: BTreeSet<String>,
    /// Required rule ids.
    pub expected_rules: BTreeSet<String>,
    /// Branches allowed to fire without being required (`may`).
    pub allowed: BTreeSet<String>,
    /// Branches that fired.
    pub fired: BTreeSet<String>,
    /// Ids (or branch names, for rules without an id) of rules that fired.
    pub fired_rules: BTreeSet<String>,
    /// Required branches and rule ids that did not fire.
    pub missed: BTreeSet<String>,
    /// Branches that fired without being expected or allowed.
    pub unexpected: BTreeSet<String>,
    /// The record is not in the file at all.
    pub absent: bool,
}

impl CaseResult {
    /// Work out `missed` (required branches and rule ids that did not fire)
    /// and `unexpected` (branches that fired without being required or
    /// allowed) from the rest of the case.
    fn judged(mut self) -> CaseResult {
        self.missed = (self.expected.difference(&self.fired))
            .chain(self.expected_rules.difference(&self.fired_rules))
            .cloned()
            .collect();
        self.unexpected = (self.fired.iter())
            .filter(|b| !self.expected.contains(*b) && !self.allowed.contains(*b))
            .cloned()
            .collect();
        self
    }

    /// A judged case for unit tests: `expected` branches required, `fired`
    /// branches raised, nothing allowed, no rule ids.
    #[cfg(test)]
    pub fn sample(
        file: &str,
        record: u64,
        spec_line: Option<usize>,
        summary: &str,
        expected: &[&str],
        fired: &[&str],
    ) -> CaseResult {
        let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
        CaseResult {
            file: FileRef::Local(file.into()),
            record,
            spec_line,
            event_id: Some(1),
            summary: summary.into(),
            expected: set(expected),
            expected_rules: BTreeSet::new(),
            allowed: BTreeSet::new(),
            fired: set(fired),
            fired_rules: BTreeSet::new(),
            missed: BTreeSet::new(),
            unexpected: BTreeSet::new(),
            absent: false,
        }
        .judged()
    }

    pub fn passed(&self) -> bool {
        !self.absent && self.missed.is_empty() && self.unexpected.is_empty()
    }

    pub fn is_positive(&self) -> bool {
        !self.expected.is_empty() || !self.expected_rules.is_empty()
    }

    /// Nothing is required but some branches may fire (`branches: []`
    /// with `may`): neither a true positive nor a negative, so recall and
    /// false-positive figures leave it out.
    pub fn is_optional(&self) -> bool {
        !self.is_positive() && !self.allowed.is_empty()
    }

    /// A record that must raise nothing at all.
    pub fn is_negative(&self) -> bool {
        !self.is_positive() && self.allowed.is_empty()
    }

    /// `sysmon.jsonl:3` / `corpus:real/x.evtx#5`.
    pub fn location(&self) -> String {
        match &self.file {
            FileRef::Local(name) if name.ends_with(".evtx") => format!("{name}#{}", self.record),
            FileRef::Corpus(path) if path.ends_with(".evtx") => {
                format!("corpus:{path}#{}", self.record)
            }
            file => format!("{file}:{}", self.record),
        }
    }
}

/// How one scenario went with one rule set.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    pub source: String,
    /// Why the scenario was not run (its external corpus is not available).
    pub skipped: Option<String>,
    /// Files that could not be read, unreadable records.
    pub errors: Vec<String>,
    /// Listed records first (in `expect.yml` order), then unlisted records
    /// that raised something under `default: none`.
    pub cases: Vec<CaseResult>,
    /// Records read, over all files.
    pub records: usize,
    /// Records no expectation lists that were checked (`default: none`).
    pub unlisted_checked: usize,
    /// The `correlations:` promises, then alerts no promise accounts for.
    pub correlation_cases: Vec<CorrelationCase>,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.skipped.is_none()
            && self.errors.is_empty()
            && self.cases.iter().all(CaseResult::passed)
            && self.correlation_cases.iter().all(|c| c.passed)
    }

    pub fn listed(&self) -> impl Iterator<Item = &CaseResult> {
        self.cases.iter().filter(|c| c.spec_line.is_some())
    }
}

/// Run `scenario` with `rules`. `external` is the root of the external
/// corpus, if there is one.
pub fn run_scenario(
    scenario: &Scenario,
    rules: &RuleSet<'_>,
    external: Option<&Path>,
) -> ScenarioResult {
    let spec = &scenario.spec;
    let mut result = ScenarioResult {
        name: scenario.name.clone(),
        description: spec.description.clone(),
        source: spec.source.clone(),
        skipped: None,
        errors: Vec::new(),
        cases: Vec::new(),
        records: 0,
        unlisted_checked: 0,
        correlation_cases: Vec::new(),
    };
    let needs_external = spec.files().iter().any(|f| matches!(f, FileRef::Corpus(_)));
    if needs_external && external.is_none() {
        result.skipped = Some(
            "needs the external corpus: set TUNNELHUNT_CORPUS or pass --external-corpus".to_owned(),
        );
        return result;
    }
    let mut files: Vec<FileRef> = match local_files(&scenario.dir) {
        Ok(names) => names.into_iter().map(FileRef::Local).collect(),
        Err(e) => {
            result.errors.push(format!(
                "{}: cannot list files: {e}",
                scenario.dir.display()
            ));
            return result;
        }
    };
    for file in spec.files() {
        if !files.contains(file) {
            files.push(file.clone());
        }
    }
    let mut scratch = rules.matcher.scratch();
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|file| match file {
            FileRef::Local(name) => scenario.dir.join(name),
            FileRef::Corpus(rel) => external.map_or_else(PathBuf::new, |root| root.join(rel)),
        })
        .collect();
    let numbers = InputNumbers::new(&paths);
    let mut by_number = files.clone();
    for (file, path) in files.iter().zip(&paths) {
        if let Some(slot) = usize::try_from(numbers.number(path))
            .ok()
            .and_then(|n| by_number.get_mut(n))
        {
            *slot = file.clone();
        }
    }
    let mut gathered = Gathered::default();
    for (file, path) in files.iter().zip(&paths) {
        let input = numbers.number(path);
        let observe = |record: &tunnelhunt_sources::Record, hits: &[RuleId]| {
            if let Some(correlations) = rules.correlations {
                gathered.observe(correlations, record, hits, input);
            }
            if let Some(behaviours) = rules.behaviours {
                gathered.observe_behaviour(behaviours, record, hits, input);
            }
        };
        let hits = match evaluate::evaluate_file_with(path, rules.matcher, &mut scratch, observe) {
            Ok(hits) => hits,
            Err(e) => {
                result.errors.push(e.to_string());
                continue;
            }
        };
        result.errors.extend(hits.errors.iter().cloned());
        result.records += hits.records.len();
        compare_file(spec, file, &hits, rules, &mut result);
    }
    let observed = gathered.behaviour.take();
    let mut seen: Vec<SeenAlert> = Vec::new();
    if let Some(correlations) = rules.correlations {
        let (alerts, _, _) = gathered.finish(correlations);
        seen.extend(
            alerts
                .iter()
                .filter(|alert| correlations.printed[alert.correlation])
                .map(|alert| {
                    SeenAlert::of(alert, correlations.rules[alert.correlation], &by_number)
                }),
        );
    }
    if let Some(behaviours) = rules.behaviours {
        let (alerts, _) = observed.unwrap_or_default().finish();
        seen.extend(alerts.iter().filter_map(|alert| {
            let rule = behaviours.rule_of(alert.analytic)?;
            Some(SeenAlert::of_behaviour(alert, rule, &by_number))
        }));
    }
    if rules.correlations.is_some() || rules.behaviours.is_some() {
        result.correlation_cases = correlated::judge(spec, &seen);
    } else if !spec.correlations.is_empty() {
        result.errors.push(
            "`correlations:` promised, but the rule set has no correlation rules and feeds no \
             behaviour analytic"
                .to_owned(),
        );
    }
    // Listed records in `expect.yml` order, then the unlisted ones.
    result
        .cases
        .sort_by_key(|c| (c.spec_line.is_none(), c.spec_line, c.record));
    result
}

fn compare_file(
    spec: &Spec,
    file: &FileRef,
    hits: &FileHits,
    rules: &RuleSet<'_>,
    result: &mut ScenarioResult,
) {
    let listed: Vec<&Expectation> = spec
        .expectations
        .iter()
        .filter(|e| &e.file == file)
        .collect();
    for e in &listed {
        let case = match hits.record(e.record) {
            Some(record) => judge(Some(e), file, record, rules),
            None => CaseResult {
                file: file.clone(),
                record: e.record,
                spec_line: Some(e.line),
                event_id: None,
                summary: format!("no record {} in this file", e.record),
                expected: e.branches.clone(),
                expected_rules: e.rules.clone(),
                allowed: e.may.clone(),
                fired: BTreeSet::new(),
                fired_rules: BTreeSet::new(),
                missed: BTreeSet::new(),
                unexpected: BTreeSet::new(),
                absent: true,
            },
        };
        result.cases.push(case);
    }
    if spec.unlisted == Unlisted::Any {
        return;
    }
    for record in &hits.records {
        if listed.iter().any(|e| e.record == record.record) {
            continue;
        }
        result.unlisted_checked += 1;
        if record.rules.iter().any(|&id| rules.alerts_on_its_own(id)) {
            result.cases.push(judge(None, file, record, rules));
        }
    }
}

/// Compare what fired on `record` with expectation `e` (`None`: the record
/// must raise nothing).
fn judge(
    e: Option<&Expectation>,
    file: &FileRef,
    record: &evaluate::RecordHits,
    rules: &RuleSet<'_>,
) -> CaseResult {
    let own: Vec<RuleId> = (record.rules.iter().copied())
        .filter(|&id| rules.alerts_on_its_own(id))
        .collect();
    let fired: BTreeSet<String> = own
        .iter()
        .map(|&id: &RuleId| rules.labels[id].branch.clone())
        .collect();
    let fired_rules: BTreeSet<String> = own
        .iter()
        .map(|&id| {
            let label = &rules.labels[id];
            label.id.clone().unwrap_or_else(|| label.branch.clone())
        })
        .collect();
    let empty = BTreeSet::new();
    let (expected, may, expected_rules) = match e {
        Some(e) => (&e.branches, &e.may, &e.rules),
        None => (&empty, &empty, &empty),
    };
    CaseResult {
        file: file.clone(),
        record: record.record,
        spec_line: e.map(|e| e.line),
        event_id: record.event_id,
        summary: record.summary.clone(),
        expected: expected.clone(),
        expected_rules: expected_rules.clone(),
        allowed: may.clone(),
        fired,
        fired_rules,
        missed: BTreeSet::new(),
        unexpected: BTreeSet::new(),
        absent: false,
    }
    .judged()
}
