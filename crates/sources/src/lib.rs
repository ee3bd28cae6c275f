/*!
Log readers: from bytes on disk to normalized [`Event`]s with provenance.

This crate owns everything about *input*: finding the files to read
([`inputs`]), recognising a file's format from its content ([`detect`]),
streaming its records one at a time ([`open`] / [`RecordReader`]), turning
each record into a borrowed, normalized view that implements the engine's
[`Event`] trait, the per-source field-mapping tables ([`mapping`]), and the
provenance of every record ([`Origin`]: file, line, format) so that an alert
can point back at it.

It must not know about Sigma syntax, rule files, matching strategies or
output formats: it depends on `tunnelhunt-engine` only for the `Event`
trait, and the CLI decides what to do with the records and the errors.

Every record is accounted for. A record that cannot be read becomes a typed
[`ReadError`] carrying file and line, the reader moves on to the next
record, and the caller counts it; one bad line never ends a scan.

Readers so far: JSON in the evtx JSON shape ([`json`]) and Zeek logs
([`zeek`]), any of them gzip-compressed ([`decompress`]). The layout (a
format enum, content sniffing, one module per source family, a
[`Record`]/[`AnyEvent`] pair that every reader produces) is there so that
EVTX, ECS, Defender for Endpoint, auditd, XML and Zeek readers slot in
beside it.

[`Event`]: tunnelhunt_engine::Event
*/

pub mod auditd;
pub mod decompress;
pub mod detect;
pub mod ecs;
pub mod error;
pub mod evtx;
pub mod inputs;
pub mod json;
pub mod mapping;
pub mod mde;
pub mod origin;
pub mod record;
pub mod xml;
pub mod zeek;

pub use detect::{Format, SkipReason};
pub use error::{OpenError, ReadError, ReadErrorKind};
pub use origin::{Origin, Position};
pub use record::{AnyEvent, Record, RecordReader, open};
