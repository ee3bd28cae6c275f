//! `scan --format html`: the hunt report, one self-contained HTML file.
//!
//! A report needs the whole scan (the summary, the host verdicts, the
//! top alerts), so it cannot stream like the other formats. The workers
//! write each alert as a JSON line in the documented schema, with its
//! normalized event ([`super::printer::Printer::Html`]), into an
//! anonymous temporary file; once the scan and its summary are done,
//! [`HtmlTarget::finish`] reads the lines back into the report crate's
//! typed model (keeping the top [`MAX_ALERTS`] in bounded memory), adds
//! the detection page of every rule that fired (made by the caller), renders and writes the
//! file. The report crate sees only the JSON schemas and typed pages, so
//! it knows nothing about log formats.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};

use anyhow::Context as _;
use tunnelhunt_report::limits::{MAX_ALERTS, TopAlerts};
use tunnelhunt_report::model::{Alert, HuntReport, RunCard, Summary};
use tunnelhunt_report::page::RulePage;
use tunnelhunt_sigma::lower::Placeholders;

/// Where the report goes and where its alerts wait meanwhile.
pub struct HtmlTarget {
    pub destination: Box<dyn Write + Send>,
    /// A second handle on the spool the alert sink writes to.
    pub spool: File,
    pub placeholders: Placeholders,
    /// The rules came from the built-in pack (their guides are in it).
    pub builtin: bool,
}

/// What was written, for the line on stderr.
pub struct Written {
    pub bytes: usize,
    pub alerts_kept: usize,
    pub alerts_total: u64,
}

impl HtmlTarget {
    /// An anonymous temporary file for the alerts, and a handle to read
    /// it back.
    pub fn spool() -> io::Result<(File, File)> {
        let file = tempfile::tempfile()?;
        let reader = file.try_clone()?;
        Ok((file, reader))
    }

    /// Render and write the report. `summary_json` is the summary as
    /// `--summary json` prints it.
    pub fn finish(
        mut self,
        summary_json: &[u8],
        run: RunCard,
        pages_of_fired_rules: impl FnOnce(&[Alert]) -> Vec<RulePage>,
    ) -> anyhow::Result<Written> {
        let summary: Summary =
            serde_json::from_slice(summary_json).context("cannot read the scan summary back")?;
        self.spool.seek(SeekFrom::Start(0))?;
        let mut top = TopAlerts::new(MAX_ALERTS);
        for line in BufReader::new(&self.spool).lines() {
            let line = line.context("cannot read the spooled alerts")?;
            top.push_line(line)
                .context("cannot read a spooled alert back")?;
        }
        let (alerts, alerts_total) = top.finish().context("cannot read a spooled alert back")?;
        let rules = pages_of_fired_rules(&alerts);
        let report = HuntReport {
            run,
            summary,
            alerts,
            alerts_total,
            rules,
        };
        let html = tunnelhunt_report::render_hunt_report(&report)
            .context("cannot render the HTML report")?;
        self.destination
            .write_all(html.as_bytes())
            .and_then(|()| self.destination.flush())
            .context("cannot write the HTML report")?;
        Ok(Written {
            bytes: html.len(),
            alerts_kept: report.alerts.len(),
            alerts_total,
        })
    }
}
