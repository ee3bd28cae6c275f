//! The vocabulary of inputs: which formats are read ([`Format`]) and why
//! a file is not ([`SkipReason`]).
//!
//! A leaf module: detection, the readers, provenance and errors all name
//! these types, and keeping them apart from detection (which needs the
//! readers' sniffers) keeps those modules from depending on each other
//! through it.

use std::fmt;

/// An input format a reader exists for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON documents in the evtx JSON shape (`{"Event":{"System":…}}`):
    /// JSON lines, a single document, an array, or concatenated
    /// pretty-printed documents.
    EvtxJson,
    /// Windows event log files (`ElfFile\0`).
    Evtx,
    /// Zeek logs in TSV, with `#separator`/`#fields`/`#types` headers.
    ZeekTsv,
    /// Zeek logs as JSON lines (`{"ts":…,"uid":…}`).
    ZeekJson,
    /// Winlogbeat / Elastic Agent documents in the Elastic Common Schema.
    Ecs,
    /// Defender for Endpoint Advanced Hunting rows as JSON, or Streaming
    /// API records.
    MdeJson,
    /// Defender for Endpoint Advanced Hunting rows as CSV with a header.
    MdeCsv,
    /// Linux audit logs (`type=… msg=audit(…): …`).
    Auditd,
    /// XML `<Event>` elements: Sysmon for Linux in syslog, `wevtutil`
    /// exports.
    XmlEvents,
    /// Packet captures in the pcap format (`tcpdump -w`), read into
    /// Zeek-shaped events.
    Pcap,
    /// Packet captures in the pcapng format (Wireshark, `dumpcap`).
    Pcapng,
    /// Splunk search results as JSON, the Windows event in `_raw`.
    SplunkJson,
    /// Splunk search results as CSV, the Windows event in `_raw`.
    SplunkCsv,
    /// Log Analytics (Sentinel) `SecurityEvent` / `Event` rows as JSON.
    SentinelJson,
    /// Log Analytics (Sentinel) `SecurityEvent` / `Event` rows as CSV.
    SentinelCsv,
    /// Web-server access logs in the W3C extended format IIS writes
    /// (`#Fields:` headers).
    IisW3c,
    /// Apache/nginx access logs in the common or combined format.
    AccessLog,
    /// JSON access logs: nginx `escape=json`, Caddy.
    AccessJson,
    /// Syslog lines: RFC 3164 (`auth.log`, `secure`, `syslog`, with or
    /// without a year, or with an RFC 3339 time) and RFC 5424.
    Syslog,
    /// `journalctl -o json`: one journal entry per line.
    JournalJson,
    /// `journalctl -o export`: the journal's binary-safe field stream.
    JournalExport,
}

impl Format {
    /// Stable name, used in alerts (`source.format`) and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::EvtxJson => "evtx-json",
            Format::Evtx => "evtx",
            Format::ZeekTsv => "zeek-tsv",
            Format::ZeekJson => "zeek-json",
            Format::Ecs => "ecs-json",
            Format::MdeJson => "mde-json",
            Format::MdeCsv => "mde-csv",
            Format::Auditd => "auditd",
            Format::XmlEvents => "xml-events",
            Format::Pcap => "pcap",
            Format::Pcapng => "pcapng",
            Format::SplunkJson => "splunk-json",
            Format::SplunkCsv => "splunk-csv",
            Format::SentinelJson => "sentinel-json",
            Format::SentinelCsv => "sentinel-csv",
            Format::IisW3c => "iis-w3c",
            Format::AccessLog => "access-log",
            Format::AccessJson => "access-json",
            Format::Syslog => "syslog",
            Format::JournalJson => "journal-json",
            Format::JournalExport => "journal-export",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a file is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The file has no content.
    Empty,
    /// Not a format we know; `hint` says what it looks like.
    Unrecognised { hint: String },
    /// Compressed content that is not unpacked: gzip inside gzip, or gzip
    /// bytes given to [`crate::detect::detect`], which sees decompressed content only.
    CompressedUnsupported {
        content: &'static str,
        why: &'static str,
    },
    /// Met while walking a directory and not a regular file (a named pipe
    /// would block the scan, a device would never end).
    NotARegularFile { kind: &'static str },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Empty => f.write_str("empty file"),
            SkipReason::Unrecognised { hint } => write!(f, "unrecognised format ({hint})"),
            SkipReason::CompressedUnsupported { content, why } => {
                write!(f, "gzip-compressed {content}: {why}")
            }
            SkipReason::NotARegularFile { kind } => write!(f, "not a regular file ({kind})"),
        }
    }
}
