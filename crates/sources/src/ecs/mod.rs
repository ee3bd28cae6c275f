//! Winlogbeat and Elastic Agent documents in the Elastic Common Schema.
//!
//! Two kinds of document share this shape, and both are read into
//! [`EcsEvent`]:
//!
//! * **Windows events shipped by Winlogbeat** (or Elastic Agent's Windows
//!   integration): `winlog.channel`, `winlog.provider_name`,
//!   `winlog.event_id`, `winlog.computer_name` and the event's own fields
//!   under `winlog.event_data`. These behave like the evtx JSON shape: the
//!   event's field names are Sigma's already (for Sysmon), the logsource
//!   comes from channel and EventID through the engine's routing table,
//!   and the Windows alias table ([`crate::mapping`]) applies.
//! * **ECS-native events** (Elastic Defend, Auditbeat, Packetbeat…):
//!   `event.category`/`event.type` say what the event is, and `process.*`,
//!   `destination.*`, `dns.*`, `registry.*`, `user.*`, `host.*` hold it.
//!   The Sigma names come from a data table ([`mapping`]); the logsource
//!   is declared from the ECS categorisation.
//!
//! The documents come as JSON lines, arrays or pretty-printed documents, so
//! the reader reuses the JSON framing of [`crate::json`]. The original
//! field names stay reachable: a rule may say `process.executable` (nested
//! or flattened in the document) as well as `Image`.

mod event;
pub mod mapping;

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

pub use event::{EcsEvent, SHAPE, get_path, has_ecs_markers};

use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::json::values::ValueReader;
use crate::origin::Origin;

/// Whether a JSON object is an ECS document: Winlogbeat's `winlog`, or the
/// ECS fields every ECS-native event has.
pub fn is_ecs_json(object: &Map<String, Value>) -> bool {
    object.contains_key("winlog")
        || object.keys().any(|k| k.starts_with("winlog."))
        || has_ecs_markers(object)
}

/// Streams the events of an input of ECS documents.
///
/// One item per document: the event with its [`Origin`], or a
/// [`ReadError`] naming the line where the bad record starts; reading goes
/// on after a bad record, except after an I/O error.
pub struct EcsReader<R> {
    values: ValueReader<R>,
    path: Arc<Path>,
}

impl<R: BufRead> EcsReader<R> {
    /// Read from `input`, reporting positions against `path`.
    pub fn new(input: R, path: impl Into<Arc<Path>>) -> Self {
        EcsReader {
            values: ValueReader::new(input),
            path: path.into(),
        }
    }
}

impl<R: BufRead> Iterator for EcsReader<R> {
    type Item = Result<(Origin, EcsEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (line, value) = self.values.next()?;
        let kind = match value.map(|(value, repeated)| (EcsEvent::from_value(value), repeated)) {
            Ok((Ok(event), repeated)) => {
                return Some(Ok((
                    Origin::at_line(Arc::clone(&self.path), line, Format::Ecs),
                    event.with_duplicates(repeated),
                )));
            }
            Ok((Err(reason), _)) => ReadErrorKind::WrongShape {
                shape: SHAPE,
                reason,
            },
            Err(kind) => kind,
        };
        Some(Err(ReadError::new(&self.path, line, kind)))
    }
}
