//! What a worker does with the rules that fired on a record: keep the
//! alerts inside `--from`/`--to`, count the rest, and write the kept ones
//! in the scan's format.

use std::io::{self, Write};

use tunnelhunt_sigma::ast::Metadata;
use tunnelhunt_sources::Record;

use super::select::{Placement, TimeRange};
use super::summary::Tally;
use crate::output::printer::Printer;

/// Shared by every worker; immutable during the scan.
#[derive(Debug)]
pub struct AlertOutput {
    pub printer: Printer,
    pub time_range: TimeRange,
}

impl AlertOutput {
    /// Whether the `alerts` alerts raised on `record` are printed. Alerts
    /// left out by the time range, and alerts kept because their event
    /// cannot be placed in time, are counted in `tally`.
    pub fn admits(&self, record: &Record, alerts: usize, tally: &mut Tally) -> bool {
        if alerts == 0 {
            return true;
        }
        match self.time_range.place(record) {
            Placement::Inside => true,
            Placement::Outside => {
                tally.alerts_outside_time_range += alerts as u64;
                false
            }
            Placement::Unplaced => {
                tally.alerts_without_timestamp += alerts as u64;
                true
            }
        }
    }

    /// Write the alert `rule` raised on `record`.
    pub fn write(&self, out: &mut impl Write, rule: &Metadata, record: &Record) -> io::Result<()> {
        self.printer.alert(out, rule, record)
    }
}
