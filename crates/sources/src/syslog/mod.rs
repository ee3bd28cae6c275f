//! Syslog files: `/var/log/auth.log`, `/var/log/secure`, `/var/log/syslog`,
//! `/var/log/messages`, and what a collector writes in RFC 5424.
//!
//! A responder gets these more often than any other Linux evidence, and
//! sshd, sudo and cron write their story there. Each line is one message
//! (rsyslog and journald escape line breaks inside a message), cut into
//! its parts by `header` (RFC 3164 with or without a year, with an RFC
//! 3339 time, or RFC 5424 with structured data, a BOM and NILVALUEs), its
//! time placed in a year by `clock` when the line has none, classified
//! into the Sigma `linux` service its program belongs to and, for sshd,
//! given the fields its message states ([`sshd`]); the result is a
//! [`LinuxLogEvent`] (the journal reader, [`crate::journal`], produces
//! the same).
//!
//! Sysmon for Linux logs through syslog as `sysmon: <Event>…</Event>`. A
//! file that starts with such lines is read by the XML reader
//! ([`crate::xml`]), as before this reader existed; in a file detected as
//! syslog, a message that is an `<Event>` element is converted by the same
//! code into the same evtx-shaped event, so it routes to
//! `process_creation`, `network_connection`… exactly as there.
//!
//! Detection claims a file only when no other reader claims any of the
//! first lines (see [`crate::detect`]): a syslog line's message can be
//! anything, including another format's record.
//!
//! Every line is accounted for: a line that is not syslog is a
//! [`ReadError`] with its line number, counted by the caller, and reading
//! goes on; blank lines and the notes `journalctl` writes between messages
//! (`-- Boot … --`) are not records. Lines are read with the size
//! limit every line-oriented reader shares (`stream::Lines`).

mod clock;
pub mod event;
mod header;
pub mod sshd;

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use thiserror::Error;

pub use event::{LINUX_LOG_FIELDS, LinuxLogEvent, LinuxService};
pub use sshd::SSHD_FIELDS;

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::json::EvtxJsonEvent;
use crate::origin::Origin;
use crate::stream::{Bom, Lines, placed};
use header::Header;

/// The longest line read. A syslog message is at most a few KiB (rsyslog's
/// default `maxMessageSize` is 8 KiB); a Sysmon event a few more.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// What is wrong with one syslog line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyslogError {
    #[error("not a syslog line ({reason}): `{snippet}`")]
    NotSyslog {
        reason: &'static str,
        snippet: String,
    },
}

/// What a Linux log message turns into: a message, or a Sysmon for Linux
/// event it carries.
#[derive(Debug, Clone, PartialEq)]
pub enum LinuxRecord {
    Log(LinuxLogEvent),
    Sysmon(EvtxJsonEvent),
}

/// Whether `line` is a syslog line with a program tag (for format
/// detection, stricter than the reader, which also takes lines without a
/// tag).
pub fn sniff_line(line: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    header::parse(text).is_ok_and(|h| h.program.is_some() && h.host.is_some())
}

/// Streams the messages of one syslog file.
pub struct SyslogReader<R> {
    lines: Lines<R>,
    path: Arc<Path>,
    reference: i64,
}

impl<R: BufRead> SyslogReader<R> {
    /// Read from `input`, reporting positions against `path`; times
    /// without a year are placed by the time of reading until
    /// [`SyslogReader::set_reference`] says otherwise.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        SyslogReader {
            lines: Lines::new(input, MAX_LINE_BYTES),
            path: path.into(),
            reference: clock::now(),
        }
    }

    /// Place times without a year by `epoch_secs`, the moment the file
    /// was last written (see `clock`).
    pub fn set_reference(&mut self, epoch_secs: i64) {
        self.reference = epoch_secs;
    }
}

impl<R: BufRead> Iterator for SyslogReader<R> {
    type Item = Result<(Origin, LinuxRecord), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line, bytes) = match self.lines.next_content(&self.path, Bom::Keep)? {
                Ok(content) => content,
                Err(error) => return Some(Err(error)),
            };
            if is_journalctl_marker(bytes) {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            let read = match header::parse(&text) {
                Ok(header) => {
                    let column = message_column(&text, header.message);
                    read_message(header, self.reference, line, column)
                        .map(|record| (record, Format::Syslog))
                }
                Err(problem) => Err(SyslogError::NotSyslog {
                    reason: problem.describe(),
                    snippet: snippet(&text),
                }
                .into()),
            };
            return Some(placed(&self.path, line, read));
        }
    }
}

/// The 1-based column where `message`, a slice of `line`, starts.
fn message_column(line: &str, message: &str) -> u64 {
    let offset = (message.as_ptr() as usize).saturating_sub(line.as_ptr() as usize);
    offset.min(line.len()) as u64 + 1
}

/// The event of one parsed line.
fn read_message(
    header: Header<'_>,
    reference: i64,
    line: u64,
    column: u64,
) -> Result<LinuxRecord, ReadErrorKind> {
    if is_xml_event(header.message) {
        return crate::xml::parse_element(header.message.as_bytes(), line, column)
            .map(LinuxRecord::Sysmon);
    }
    let mut native = Vec::new();
    if let Some(msgid) = header.msgid {
        native.push(("MSGID".to_owned(), msgid.to_owned()));
    }
    native.extend(header.structured);
    let event = LinuxLogEvent {
        timestamp: header.stamp.rfc3339(Some(reference)),
        host: header.host.map(str::to_owned),
        program: header.program.map(str::to_owned),
        pid: header.pid.map(str::to_owned),
        message: header.message.to_owned(),
        facility: header.pri.map(|p| p / 8),
        severity: header.pri.map(|p| p % 8),
        service: LinuxService::Syslog,
        parsed: Vec::new(),
        native,
    };
    Ok(LinuxRecord::Log(event.classified()))
}

/// Whether a line is one of the notes `journalctl`'s text output puts
/// between messages (`-- Boot 3f…e1 --`, `-- Logs begin at … --`, `-- No
/// entries --`): not a message, so not a record.
fn is_journalctl_marker(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    line.len() >= 6 && line.starts_with(b"-- ") && line.ends_with(b" --")
}

/// Whether a message is an XML `<Event>` element (Sysmon for Linux).
pub(crate) fn is_xml_event(message: &str) -> bool {
    let m = message.trim_start();
    m.strip_prefix("<Event")
        .is_some_and(|rest| rest.starts_with([' ', '>', '\t']))
}

/// The start of a line, for an error message.
pub(crate) fn snippet(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_tagged_lines_only() {
        for line in [
            &b"Nov  7 09:05:01 bastion sshd[811]: Accepted publickey"[..],
            b"2026-01-02T03:04:05.123456+00:00 web01 sudo: ops : TTY=pts/0",
            b"<86>1 2026-01-02T03:04:05Z web01 sshd 811 - - Accepted",
        ] {
            assert!(sniff_line(line), "{line:?}");
        }
        for line in [
            &b"type=SYSCALL msg=audit(1.2:3): x"[..],
            b"Nov  7 09:05:01 bastion -- MARK --",
            b"{\"MESSAGE\":\"x\"}",
            b"\xffNov  7 09:05:01 h p: m",
        ] {
            assert!(!sniff_line(line), "{line:?}");
        }
    }

    #[test]
    fn journalctl_text_markers_are_not_records() {
        let input = "-- Logs begin at Mon 2026-11-02 10:00:00 UTC. --\n\
                     Nov 07 09:05:01 h sshd[1]: x\n\
                     -- Boot 3f2b7c0e9a4d4b0c8f1e2d3c4b5a6978 --\n\
                     Nov 07 09:06:01 h sshd[2]: y\n";
        let lines: Vec<u64> = SyslogReader::new(std::io::Cursor::new(input), Path::new("x"))
            .map(|r| r.map(|(origin, _)| origin.line().unwrap_or(0)).unwrap_or(0))
            .collect();
        assert_eq!(lines, [2, 4]);
        assert!(!is_journalctl_marker(b"-- MARK"));
    }

    #[test]
    fn xml_events_are_recognised() {
        assert!(is_xml_event("<Event><System>"));
        assert!(is_xml_event(" <Event xmlns='x'>"));
        assert!(!is_xml_event("<Eventually>"));
    }
}
