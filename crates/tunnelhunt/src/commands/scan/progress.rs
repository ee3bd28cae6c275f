//! The progress bar on stderr: bytes read of the total, files, alerts so
//! far, rate.
//!
//! Shown only when stderr is a terminal and `--quiet` is not given; it
//! draws on stderr only, so it never changes what is printed on stdout or
//! in `--output`. It advances as units of work are emitted (in input
//! order), from the counts the scan keeps anyway.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::summary::Tally;

/// How often the bar redraws while a long unit holds it still.
const TICK: Duration = Duration::from_millis(250);

pub struct Progress {
    bar: Option<ProgressBar>,
    files_found: usize,
}

impl Progress {
    /// A bar over `files`, or nothing when `wanted` is false or stderr is
    /// not a terminal (then no file is looked at).
    pub fn new(wanted: bool, files: &[PathBuf]) -> Progress {
        let files_found = files.len();
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress {
                bar: None,
                files_found,
            };
        }
        let total: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} \
             ({bytes_per_sec}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(TICK);
        Progress {
            bar: Some(bar),
            files_found,
        }
    }

    /// Show what `tally` (everything emitted so far) has counted.
    pub fn update(&self, tally: &Tally) {
        let Some(bar) = &self.bar else {
            return;
        };
        let (mut bytes, mut files, mut alerts) = (0, 0, 0);
        for stats in tally.formats.values() {
            bytes += stats.bytes;
            files += stats.files;
            alerts += stats.alerts;
        }
        let other_files = (tally.skipped.len() + tally.unreadable.len()) as u64;
        bar.set_position(bytes);
        bar.set_message(format!(
            "{}/{} files, {alerts} alerts",
            files + other_files,
            self.files_found
        ));
    }

    /// Run `write` with the bar taken off the screen, so that alerts
    /// printed to the same terminal do not tear through it.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Remove the bar, before the summary is printed under it.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
