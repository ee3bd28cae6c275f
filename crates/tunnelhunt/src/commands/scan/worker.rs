//! Scanning one unit of work: records in, alerts and counts out.
//!
//! Runs on a pool thread. Alerts are serialized here, in parallel, into the
//! unit's [`Spool`]; counts go into the unit's [`Tally`]. Neither touches
//! shared state except the matcher (immutable), this thread's `Scratch`,
//! the cancellation mark and the unit's own [`Handover`], so units never
//! wait for each other. What the unit finds is handed over as it reads
//! (see `handover.rs`), so a unit given up after `--file-timeout` keeps
//! the alerts of the records it had read.

use std::io;
use std::mem;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tunnelhunt_engine::{Matcher, Prefilter, RuleId, Scratch};
use tunnelhunt_sigma::ast::Rule;
use tunnelhunt_sources::json::EvtxProjection;
use tunnelhunt_sources::{
    Format, OpenError, ReadError, ReadErrorKind, Record, RecordReader, prefilter,
};

use super::alerts::AlertOutput;
use super::handover::{Batch, HAND_OVER_EVERY, Handover};
use super::pipeline::Overdue;
use super::select::Placement;
use super::spool::Spool;
use super::summary::Tally;
use super::units::{EvtxPart, Part, Work};
use crate::behaviour::{self, Behaviours};
use crate::correlations::{Correlations, Gathered, InputNumbers};
use crate::output::ALERT_FIELDS;

/// How many records a unit reads between looks at the cancellation mark.
const CANCEL_CHECK_EVERY: u64 = 4096;

/// What every worker shares.
pub struct Context<'a> {
    pub matcher: &'a Matcher,
    /// Indexed by [`RuleId`].
    pub rules: &'a [&'a Rule],
    /// The alert format and the `--from`/`--to` range.
    pub output: &'a AlertOutput,
    /// One per pool thread, indexed by `rayon::current_thread_index`.
    pub scratches: Vec<Mutex<Scratch>>,
    /// `--strict`: the first input error ends the unit and the scan.
    pub strict: bool,
    /// Units numbered above this are not needed any more: an earlier unit
    /// stopped the scan (`--strict`), or the output was closed.
    pub cancel_after: AtomicUsize,
    /// The literal prefilter for the readers that take one; `None` when
    /// it is turned off (`--no-prefilter`) or could skip nothing.
    pub prefilter: Option<Arc<Prefilter>>,
    /// The fields the readers that take a projection keep; `None`: all.
    pub projection: Option<Arc<EvtxProjection>>,
    /// The correlations some matches feed, if any are evaluated.
    pub correlations: Option<&'a Correlations<'a>>,
    /// The input files, numbered for the correlations and the behaviour
    /// analytics.
    pub inputs: InputNumbers,
    /// The behaviour analytics some matches feed, if any rule feeds one.
    pub behaviours: Option<&'a Behaviours<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(
        matcher: &'a Matcher,
        rules: &'a [&'a Rule],
        output: &'a AlertOutput,
        threads: usize,
        strict: bool,
    ) -> Self {
        Context {
            matcher,
            rules,
            output,
            scratches: (0..threads.max(1))
                .map(|_| Mutex::new(matcher.scratch()))
                .collect(),
            strict,
            cancel_after: AtomicUsize::new(usize::MAX),
            prefilter: None,
            projection: None,
            correlations: None,
            inputs: InputNumbers::default(),
            behaviours: None,
        }
    }

    /// Feed the matches of the rules that state an analytic's input to
    /// it, and silence their own alerts (see `crate::behaviour`). Call
    /// after [`Self::correlating`], which numbers the inputs.
    pub fn behaving(mut self, behaviours: Option<&'a Behaviours<'a>>) -> Self {
        self.behaviours = behaviours;
        self
    }

    /// Feed the matches of the rules `correlations` read to it, and
    /// silence the alerts of the rules it says raise none of their own.
    pub fn correlating(
        mut self,
        correlations: Option<&'a Correlations<'a>>,
        inputs: InputNumbers,
    ) -> Self {
        self.correlations = correlations;
        self.inputs = inputs;
        self
    }

    /// Skip records no rule can match before parsing them, where the
    /// readers allow it ([`tunnelhunt_sources::prefilter`]). The alerts
    /// are the same either way; the summary counts the skipped records.
    /// Nothing changes when some rule must see every record, or when the
    /// prefilter cannot be built.
    pub fn prefiltering(mut self, on: bool) -> Self {
        self.prefilter = on
            .then(|| prefilter::evtx_shape_prefilter(self.matcher).ok())
            .flatten()
            .filter(|p| !p.passes_everything())
            .map(Arc::new);
        self
    }

    /// Have the evtx-shape readers keep only the fields the rules, the
    /// correlations (call [`Self::correlating`] first) and the alerts read ([`tunnelhunt_sources::json::projection`]); the alerts
    /// are the same either way. Nothing changes when some rule searches
    /// keywords (they read every value), or when `on` is false: an alert
    /// that prints the whole record (`--with-event`) needs all of it.
    pub fn projecting(mut self, on: bool) -> Self {
        self.projection = (on && !self.matcher.uses_keywords()).then(|| {
            // The correlations read their group-by and value fields from
            // the events their rules match: keep those too.
            let correlated: Vec<&str> = self
                .correlations
                .map(|c| c.fields().collect())
                .unwrap_or_default();
            // The analytics read their observations from the events their
            // rules match.
            let observed: &[&str] = match self.behaviours {
                Some(_) => &behaviour::FIELDS,
                None => &[],
            };
            let fields = self
                .matcher
                .referenced_fields()
                .chain(ALERT_FIELDS)
                .chain(correlated)
                .chain(observed.iter().copied());
            Arc::new(EvtxProjection::new(fields))
        });
        self
    }

    /// Mark every unit after `seq` as not needed.
    pub fn cancel_after(&self, seq: usize) {
        self.cancel_after.fetch_min(seq, Ordering::Relaxed);
    }

    fn cancelled(&self, seq: usize) -> bool {
        seq > self.cancel_after.load(Ordering::Relaxed)
    }
}

/// The outcome of one unit.
pub struct UnitResult {
    pub alerts: io::Result<Spool>,
    pub tally: Tally,
    /// `--strict`: the input error that stopped the scan in this unit.
    pub stop: Option<String>,
    /// The matches this unit found for the correlations.
    pub gathered: Gathered,
}

/// The result of a unit given up after `late.after` (see
/// `pipeline::Pipeline::run`): what its worker had handed over — alerts,
/// counts, correlation observations — and the give-up, reported as damage
/// to a file read in part, or as an unreadable file when no record had
/// been reached. `None` when the worker finished meanwhile: its own result
/// stands.
pub fn overdue(strict: bool, late: Overdue<Handover>) -> Option<UnitResult> {
    let mut found = late.so_far.take()?;
    let after = late.after.as_secs();
    let message = match found.reading {
        Some(_) => format!(
            "{}: not read after {after} s (a parser stuck on a damaged or crafted file?); \
             the alerts of its first {} records are kept, the rest of it was not scanned",
            late.label,
            found.records()
        ),
        None => format!(
            "{}: not read after {after} s (a parser stuck on a damaged or crafted file?); \
             the rest of it was not scanned",
            late.label
        ),
    };
    match found.reading {
        Some(format) => found.tally.damaged(format, message.clone()),
        None => found.tally.unreadable.push(message.clone()),
    }
    if strict {
        found.stop.get_or_insert(message);
    }
    Some(found.into_result())
}

/// Scan one unit, handing what it finds over to `handover` as it goes.
/// `seq` is its place in input order.
pub fn scan(ctx: &Context<'_>, seq: usize, work: Work, handover: &Handover) -> UnitResult {
    #[cfg(feature = "test-hooks")]
    let stall = stall_hook::Stall::armed_for(&work);
    let mut unit = Unit {
        ctx,
        seq,
        tally: Tally::new(ctx.rules.len()),
        alerts: Spool::new(),
        write_error: None,
        stop: None,
        gathered: Gathered::default(),
        handover,
        prefiltered_counted: 0,
        #[cfg(feature = "test-hooks")]
        stall,
    };
    if !ctx.cancelled(seq) {
        match work {
            Work::File(path) => unit.file(&path),
            Work::Part(part) => unit.part(part),
            Work::EvtxChunks(part) => unit.evtx_chunks(part),
            Work::Failed { path, line, error } => {
                let error = ReadError {
                    path,
                    line,
                    kind: ReadErrorKind::Io(error),
                };
                unit.error(error, None);
            }
        }
    }
    unit.hand_over();
    // Taken already: the unit was given up, and this result is dropped.
    handover
        .take()
        .map_or_else(UnitResult::given_up, |found| found.into_result())
}

impl UnitResult {
    /// What a worker returns for a unit given up before it finished.
    fn given_up() -> UnitResult {
        UnitResult {
            alerts: Ok(Spool::new()),
            tally: Tally::default(),
            stop: None,
            gathered: Gathered::default(),
        }
    }
}

/// A unit being scanned: what it found since it last handed over.
struct Unit<'c, 'a> {
    ctx: &'c Context<'a>,
    seq: usize,
    tally: Tally,
    alerts: Spool,
    write_error: Option<io::Error>,
    stop: Option<String>,
    gathered: Gathered,
    handover: &'c Handover,
    /// The records the reader's prefilter skipped that are counted in a
    /// tally already.
    prefiltered_counted: u64,
    #[cfg(feature = "test-hooks")]
    stall: Option<stall_hook::Stall>,
}

impl Unit<'_, '_> {
    fn file(&mut self, path: &Path) {
        match tunnelhunt_sources::open(path) {
            Ok(reader) => {
                let size = std::fs::metadata(path).map_or(0, |m| m.len());
                self.tally.file_read(reader.format(), size);
                let format = reader.format();
                self.records(reader, format, 0);
            }
            Err(OpenError::Skipped { path, reason }) => {
                self.tally.skipped.push((path.to_path_buf(), reason));
            }
            Err(e) => {
                self.tally.unreadable.push(e.to_string());
                self.strict_stop(e.to_string());
            }
        }
    }

    fn part(&mut self, part: Part) {
        if let Some(size) = part.opens_file {
            self.tally.file_read(part.format, size);
        }
        let reader = RecordReader::new(part.format, part.input, part.path);
        self.records(reader, part.format, part.first_line - 1);
    }

    fn evtx_chunks(&mut self, part: EvtxPart) {
        if let Some(size) = part.opens_file {
            self.tally.file_read(Format::Evtx, size);
        }
        match part.plan.open(part.range) {
            Ok(reader) => self.records(RecordReader::from(reader), Format::Evtx, 0),
            Err(e) => {
                self.tally.unreadable.push(e.to_string());
                self.strict_stop(e.to_string());
            }
        }
    }

    /// Read every record of `reader`; `line_offset` is added to the line
    /// numbers it reports (a block starting further down its file).
    fn records(&mut self, mut reader: RecordReader, format: Format, line_offset: u64) {
        if let Some(p) = &self.ctx.prefilter
            && prefilter::supports(format)
        {
            reader.set_prefilter(Arc::clone(p));
        }
        if let Some(p) = &self.ctx.projection {
            reader.set_projection(Arc::clone(p));
        }
        // From here on, a give-up finds the file read in part.
        self.handover.reading(format);
        if !self.hand_over() {
            return;
        }
        self.read_all(&mut reader, format, line_offset);
        self.count_prefiltered(&reader, format);
    }

    /// Count the records the reader's prefilter skipped since the last
    /// count, so that read = evaluated + skipped + unparseable holds at
    /// every hand-over.
    fn count_prefiltered(&mut self, reader: &RecordReader, format: Format) {
        let skipped = reader
            .prefiltered()
            .saturating_sub(self.prefiltered_counted);
        if skipped > 0 {
            self.prefiltered_counted += skipped;
            let stats = self.tally.format(format);
            stats.records += skipped;
            stats.prefiltered += skipped;
        }
    }

    /// Hand what was found since the last hand-over to the unit's
    /// [`Handover`]. Returns whether the unit is still wanted: once it
    /// has been given up, reading on is of no use to anyone.
    fn hand_over(&mut self) -> bool {
        let batch = Batch {
            alerts: mem::take(&mut self.alerts),
            write_error: self.write_error.take(),
            tally: mem::replace(&mut self.tally, Tally::new(self.ctx.rules.len())),
            gathered: mem::take(&mut self.gathered),
            stop: self.stop.clone(),
        };
        self.handover.add(batch)
    }

    /// Whether the last records found something not handed over yet.
    fn found_something(&self) -> bool {
        !self.alerts.is_empty() || self.gathered.collector.is_some()
    }

    fn read_all(&mut self, reader: &mut RecordReader, format: Format, line_offset: u64) {
        let mut hits: Vec<RuleId> = Vec::new();
        let thread = rayon::current_thread_index().unwrap_or(0) % self.ctx.scratches.len();
        // Only this thread uses its scratch; the lock is never contended.
        let mut scratch = self.ctx.scratches[thread]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut n: u64 = 0;
        while let Some(item) = reader.next() {
            #[cfg(feature = "test-hooks")]
            stall_hook::Stall::at(self.stall.as_ref(), n);
            if n.is_multiple_of(CANCEL_CHECK_EVERY) && self.ctx.cancelled(self.seq) {
                return;
            }
            n += 1;
            match item {
                Ok(mut record) => {
                    record.origin.shift_lines(line_offset);
                    self.record(&record, &mut scratch, &mut hits);
                }
                Err(mut error) => {
                    error.shift_lines(line_offset);
                    if self.error(error, Some(format)) {
                        return;
                    }
                }
            }
            if n.is_multiple_of(HAND_OVER_EVERY) || self.found_something() {
                self.count_prefiltered(reader, format);
                if !self.hand_over() {
                    return;
                }
            }
        }
    }

    fn record(&mut self, record: &Record, scratch: &mut Scratch, hits: &mut Vec<RuleId>) {
        let stats = self.tally.format(record.origin.format);
        stats.records += 1;
        stats.events += 1;
        // Every value of a repeated key was kept; the summary says where.
        let repeated = record.duplicate_keys();
        if !repeated.is_empty() {
            let place = format!("{}: {repeated}", record.origin);
            self.tally.duplicate_keys(record.origin.format, place);
        }
        hits.clear();
        self.ctx.matcher.matches(&record.event, scratch, hits);
        if let Some(correlations) = self.ctx.correlations {
            if hits.iter().any(|&id| correlations.feeds[id]) {
                self.correlate(correlations, record, hits);
            }
            hits.retain(|&id| !correlations.silent[id]);
        }
        if let Some(behaviours) = self.ctx.behaviours
            && hits.iter().any(|&id| behaviours.feeds(id))
        {
            self.behave(behaviours, record, hits);
            hits.retain(|&id| !behaviours.feeds(id));
        }
        if !self.ctx.output.admits(record, hits.len(), &mut self.tally) {
            return;
        }
        for &id in hits.iter() {
            self.tally.count_alert(record, id);
            if self.write_error.is_some() {
                continue;
            }
            let rule = &self.ctx.rules[id].meta;
            if let Err(e) = self.ctx.output.write(&mut self.alerts, rule, record) {
                self.write_error = Some(e);
            }
        }
    }

    /// Keep the matches on `record` that correlations read, when the
    /// record is inside `--from`/`--to` (or cannot be placed: the
    /// correlation then counts it as an event without a time).
    fn correlate(&mut self, correlations: &Correlations<'_>, record: &Record, hits: &[RuleId]) {
        if self.ctx.output.time_range.place(record) == Placement::Outside {
            return;
        }
        let input = self.ctx.inputs.number(&record.origin.path);
        self.gathered.observe(correlations, record, hits, input);
    }

    /// Keep `record` for the analytics its matches feed, when it is
    /// inside `--from`/`--to` (or cannot be placed: the analytic then
    /// counts it as an event without a time). Not a reason to hand over
    /// at once (unlike a correlation match): an analytic's input is most
    /// connections or queries, and the hand-overs every
    /// [`HAND_OVER_EVERY`] records bound what a unit given up loses.
    fn behave(&mut self, behaviours: &Behaviours<'_>, record: &Record, hits: &[RuleId]) {
        if self.ctx.output.time_range.place(record) == Placement::Outside {
            return;
        }
        let input = self.ctx.inputs.number(&record.origin.path);
        self.gathered
            .observe_behaviour(behaviours, record, hits, input);
    }

    /// Count and keep one read error. Returns whether the unit stops here
    /// (an I/O error ends the file; `--strict` ends the scan).
    ///
    /// A file is either read or unreadable, never both: an error that ends a
    /// file already being read (`format` is known: it was opened and counted
    /// read) is damage to that file; only a file that could not be opened
    /// at all is unreadable.
    fn error(&mut self, error: ReadError, format: Option<Format>) -> bool {
        let message = error.to_string();
        let fatal = error.is_fatal();
        match format {
            None => self.tally.unreadable.push(message.clone()),
            // Reading stops here: the readers say so in the message where
            // they know it (a corrupt gzip member), and the summary's damage
            // line is where a person looks for lost parts of a file.
            Some(format) if fatal => self.tally.damaged(format, message.clone()),
            Some(format) if error.is_record() => self.tally.unparseable(format, message.clone()),
            Some(format) => self.tally.damaged(format, message.clone()),
        }
        self.strict_stop(message);
        fatal || self.stop.is_some()
    }

    fn strict_stop(&mut self, message: String) {
        if self.ctx.strict && self.stop.is_none() {
            self.stop = Some(message);
            self.ctx.cancel_after(self.seq);
        }
    }
}

/// A parser that never returns, on demand, for the tests that show a
/// stuck parser cannot hang the scan and costs only the rest of its file
/// (`tests/cli_scan_stall.rs`): no real parser can be made to hang at
/// will. Only a build with the `test-hooks` feature has it, so the shipped
/// binary never reads the variables.
#[cfg(feature = "test-hooks")]
mod stall_hook {
    use super::Work;
    use crate::commands::scan::pipeline::Unit as _;

    /// Names the file whose unit hangs.
    const STALL_ON: &str = "TUNNELHUNT_TEST_STALL_ON";
    /// How many of its records are read first; unset: it hangs before it
    /// is opened.
    const STALL_AFTER: &str = "TUNNELHUNT_TEST_STALL_AFTER";

    /// A unit that hangs once it has read `after` records.
    pub(super) struct Stall {
        after: u64,
    }

    impl Stall {
        /// Hang now if `work` is the unit named, and no record is to be
        /// read first; otherwise say when it hangs, if it does.
        pub(super) fn armed_for(work: &Work) -> Option<Stall> {
            let name = std::env::var_os(STALL_ON)?;
            if !work
                .describe()
                .label
                .contains(name.to_string_lossy().as_ref())
            {
                return None;
            }
            let after = std::env::var(STALL_AFTER).ok().and_then(|n| n.parse().ok());
            match after {
                Some(after) => Some(Stall { after }),
                None => hang(),
            }
        }

        /// Hang if `read` records have been read.
        pub(super) fn at(stall: Option<&Stall>, read: u64) {
            if stall.is_some_and(|stall| stall.after == read) {
                hang();
            }
        }
    }

    fn hang() -> ! {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}
