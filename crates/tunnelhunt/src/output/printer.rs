//! One alert format, chosen once per scan: what goes before the first
//! alert, how each alert is written, and what closes the output.
//!
//! Workers call [`Printer::alert`] in parallel, each into its own buffer
//! (see `commands/scan/spool.rs`); the scan prints the buffers in input
//! order between [`Printer::begin`] and [`Printer::end`]. Nothing here
//! depends on more than one alert, which is what lets alerts stream.

use std::io::{self, Write};

use tunnelhunt_sigma::ast::Metadata;
use tunnelhunt_sources::Record;

use super::table::{Layout, NO_ALERTS};
use super::{Alert, csv, write_json_line};

/// How alerts are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printer {
    /// One JSON object per line; `with_event` adds `event` and `original`.
    Jsonl { with_event: bool },
    /// CSV under a fixed header.
    Csv,
    /// An aligned table with fixed column widths.
    Table(Layout),
    /// JSON lines with the normalized event (not the original record),
    /// spooled for the HTML report, which is rendered once the scan ends
    /// (see [`super::html`]).
    Html,
}

impl Printer {
    /// What comes before the first alert: the CSV header, the table's
    /// column titles.
    pub fn begin(&self, out: &mut impl Write) -> io::Result<()> {
        match self {
            Printer::Jsonl { .. } | Printer::Html => Ok(()),
            Printer::Csv => csv::write_header(out),
            Printer::Table(layout) => out.write_all(layout.header().as_bytes()),
        }
    }

    /// Write the alert `rule` raised on `record`.
    pub fn alert(&self, out: &mut impl Write, rule: &Metadata, record: &Record) -> io::Result<()> {
        let alert = Alert::new(rule, record);
        match self {
            Printer::Jsonl { with_event: true } => self.write(out, &alert.with_event(record)),
            Printer::Html => self.write(out, &alert.with_normalized_event(record)),
            _ => self.write(out, &alert),
        }
    }

    /// Write an alert already built (a correlation alert, which has no
    /// one record).
    pub fn write(&self, out: &mut impl Write, alert: &Alert<'_>) -> io::Result<()> {
        match self {
            Printer::Jsonl { .. } | Printer::Html => write_json_line(out, alert),
            Printer::Csv => csv::write_alert(out, alert),
            Printer::Table(layout) => out.write_all(layout.row(alert).as_bytes()),
        }
    }

    /// What closes the output, once `alerts` alerts were written.
    pub fn end(&self, out: &mut impl Write, alerts: u64) -> io::Result<()> {
        match self {
            Printer::Table(_) if alerts == 0 => out.write_all(NO_ALERTS.as_bytes()),
            _ => Ok(()),
        }
    }
}
