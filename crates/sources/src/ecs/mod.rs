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
//! Documents pulled back out of Elasticsearch come wrapped: an
//! `elasticdump` or `_search` hit is `{"_index":…,"_id":…,"_source":{…}}`.
//! Such a hit is read as its `_source` (the document as it was indexed),
//! detected as ECS when that is; the wrapper's own keys are not fields.
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
    if let Some(source) = hit_source(object) {
        return is_ecs_json(source);
    }
    object.contains_key("winlog")
        || object.keys().any(|k| k.starts_with("winlog."))
        || has_ecs_markers(object)
}

/// The keys an Elasticsearch hit has beside `_source`, one of which must
/// be there for an object to be taken for a hit.
const HIT_KEYS: [&str; 3] = ["_index", "_id", "_type"];

/// The document of an Elasticsearch hit (`_source`), if `object` is one.
fn hit_source(object: &Map<String, Value>) -> Option<&Map<String, Value>> {
    let source = object.get("_source")?.as_object()?;
    HIT_KEYS
        .iter()
        .any(|k| object.contains_key(*k))
        .then_some(source)
}

/// A hit's `_source`, or the value itself when it is not a hit.
fn unwrap_hit(value: Value) -> Value {
    match value {
        Value::Object(mut object) if hit_source(&object).is_some() => {
            object.remove("_source").unwrap_or(Value::Object(object))
        }
        other => other,
    }
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
        let kind = match value
            .map(|(value, repeated)| (EcsEvent::from_value(unwrap_hit(value)), repeated))
        {
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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use serde_json::json;
    use tunnelhunt_engine::Event;

    use super::*;

    #[test]
    fn elasticsearch_hits_are_read_as_their_source() {
        let source = json!({
            "@timestamp": "2024-05-02T09:14:03.512Z",
            "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": "1",
                       "provider_name": "Microsoft-Windows-Sysmon",
                       "event_data": {"CommandLine": "plink.exe -R 8080:127.0.0.1:3389"}}
        });
        let hit = json!({"_index": "winlogbeat-8.13.2", "_id": "x1", "_score": 1.0,
                         "_source": source});
        assert!(is_ecs_json(hit.as_object().unwrap()));
        let not_a_hit = json!({"_source": source});
        assert!(!is_ecs_json(not_a_hit.as_object().unwrap()));
        let text = format!("{hit}\n{source}\n");
        let events: Vec<_> = EcsReader::new(Cursor::new(text.into_bytes()), Path::new("h.json"))
            .map(|r| r.unwrap().1)
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0], events[1], "a hit is its document");
        assert!(events[0].field("_index").is_absent());
        assert!(!events[0].field("CommandLine").is_absent());
    }
}
