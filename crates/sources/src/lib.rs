/*!
Log readers: from bytes on disk to normalized [`Event`]s with provenance.

This crate owns everything about *input*: finding the files to read
([`inputs`]), recognising a file's format from its content ([`detect`]),
streaming its records one at a time ([`open`] / [`RecordReader`]), turning
each record into a borrowed, normalized view that implements the engine's
[`Event`] trait, the per-source field-mapping tables, and the provenance
of every record ([`Origin`]: file, line or EVTX record, format) so that an
alert can point back at it.

It must not know about Sigma syntax, rule files, matching strategies or
output formats: it depends on `tunnelhunt-engine` only for the `Event`
trait, and the CLI decides what to do with the records and the errors.

Every record is accounted for. A record that cannot be read becomes a typed
[`ReadError`] carrying file and line (or EVTX chunk and record), the reader
moves on to the next record, and the caller counts it; one bad line never
ends a scan.

# Readers

| input | module | event type |
|---|---|---|
| JSON in the evtx JSON shape (`{"Event":{"System":…}}`) | [`json`] | [`json::EvtxJsonEvent`] |
| Windows EVTX files | [`evtx`] | [`json::EvtxJsonEvent`] (records render to the evtx JSON shape) |
| XML `<Event>` elements (Sysmon for Linux in syslog, `wevtutil` exports) | [`xml`] | [`json::EvtxJsonEvent`] (elements convert to the evtx JSON shape) |
| Winlogbeat / Elastic Agent ECS documents | [`ecs`] | [`ecs::EcsEvent`] |
| Defender for Endpoint Advanced Hunting rows (JSON, CSV, Streaming API) | [`mde`] | [`mde::MdeEvent`] |
| Linux auditd raw logs | [`auditd`] | [`auditd::AuditdEvent`] |
| Zeek logs, TSV and JSON | [`zeek`] | [`zeek::ZeekEvent`] |
| Packet captures, pcap and pcapng | [`pcap`] | [`zeek::ZeekEvent`] (the `conn`, `dns`, `ssl`, `http` and `ssh` entries Zeek would write) |
| Windows events exported from Splunk (`_raw`) and Sentinel (`SecurityEvent`, `Event`), JSON and CSV | [`siem_export`] | [`json::EvtxJsonEvent`] |
| Web-server access logs: IIS W3C, Apache/nginx common and combined, JSON (nginx, Caddy) | [`web`] | [`web::WebEvent`] |
| syslog (RFC 3164, RFC 5424: `auth.log`, `secure`, `syslog`) | [`syslog`] | [`syslog::LinuxLogEvent`] (Sysmon for Linux messages: [`json::EvtxJsonEvent`]) |
| `journalctl -o json` and `-o export` dumps | [`journal`] | [`syslog::LinuxLogEvent`] (Sysmon for Linux messages: [`json::EvtxJsonEvent`]) |

Any of them may be gzip-compressed ([`decompress`]). EVTX, evtx-JSON,
XML and the SIEM exports share one event type on purpose: one set of
Windows field mappings (spaced EventData names included, see `mapping`),
lookups and logsource rules for all of them, not a copy each.

# Module map

- `record`: [`open`] (sniff, pick the reader), [`RecordReader`], and the
  [`Record`]/[`AnyEvent`] pair every reader produces.
- `format`: the vocabulary, [`Format`] and [`SkipReason`] (a leaf
  module).
- [`detect`]: content sniffing.
- [`decompress`]: gzip, detected by magic bytes, read as a stream.
- [`inputs`]: walking the paths a user names.
- [`prefilter`]: the engine's literal prefilter as the evtx-shape readers
  apply it to raw bytes: what they do to values, the search of their raw
  forms (JSON text, EVTX chunks), and the skipping.
- [`json::projection`]: the fields the evtx-shape readers keep when told
  which ones the caller reads ([`RecordReader::set_projection`]); the
  others are skipped while parsing.
- [`dns_name`]: the fields derived from a DNS query name (registered
  domain, subdomain, their lengths, label count, entropy), answered by
  every event that has a `QueryName`.
- `error`, `origin`: per-file and per-record errors; where a record is.
- `mapping`: the Windows field-mapping table (aliases and derived fields
  such as Security 4688 `User`) shared by EVTX, evtx-JSON, XML and
  Winlogbeat events; each other source keeps its table in its own module
  (`ecs::mapping`, `mde::mapping`, `zeek::mapping`).
- One module per source family, listed above, holding what is known of
  that family's input: sniffing hints, framing (and where a big file may
  be cut: [`json::plan`], [`evtx::plan`]), mapping. A new reader follows
  the same shape. Shared machinery, written
  once: JSON framing, error placement and value conversion
  (`json::values`, also used by ECS and Defender), every value of a
  key repeated in a JSON object kept and noted ([`json::duplicates`], for
  every JSON reader), byte lines with a size limit and chunked
  reading (`stream`, for Zeek, auditd and the JSON and XML framers), CSV
  rows under a header (`csv_rows`, for Defender and the SIEM exports), and
  timestamp normalization to RFC 3339 UTC (`time`).

[`Event`]: tunnelhunt_engine::Event
*/

pub mod auditd;
mod csv_rows;
pub mod decompress;
pub mod detect;
pub mod dns_name;
pub mod ecs;
mod encoding;
mod error;
pub mod evtx;
mod format;
pub mod inputs;
pub mod journal;
pub mod json;
mod mapping;
pub mod mde;
mod origin;
pub mod pcap;
pub mod preamble;
pub mod prefilter;
mod record;
pub mod siem_export;
mod stream;
pub mod syslog;
mod time;
pub mod web;
pub mod xml;
pub mod zeek;

pub use error::{OpenError, ReadError, ReadErrorKind};
pub use format::{Format, SkipReason};
pub use json::{DuplicateKey, DuplicateKeys};
pub use origin::{Origin, Position};
pub use record::{AnyEvent, Record, RecordReader, open};
