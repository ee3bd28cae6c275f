//! Zeek's JSON log format: one object per line, as written with
//! `LogAscii::use_json=T` (or by Corelight sensors and most shippers).
//!
//! Records are already flattened into dotted keys (`"id.orig_h"`); a nested
//! object from another tool is flattened the same way. Sets and vectors are
//! arrays. `null` is an unset field. The log is named by `_path` when the
//! writer adds it, otherwise inferred from the keys.

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::event::{Log, Value, ZeekEvent};
use crate::error::ReadErrorKind;
use crate::json::duplicates::parse_merged;

/// Parse one JSON line that starts at `line`. A key given twice keeps
/// all its values, a list (see [`crate::json::duplicates`]).
pub(crate) fn parse(bytes: &[u8], line: u64) -> Result<ZeekEvent, ReadErrorKind> {
    let text = std::str::from_utf8(bytes).map_err(|e| ReadErrorKind::InvalidUtf8 {
        line,
        column: e.valid_up_to() as u64 + 1,
    })?;
    let parsed = parse_merged(serde_json::Deserializer::from_str(text)).map_err(|e| {
        let message = e.to_string();
        let reason = match message.rfind(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        };
        ReadErrorKind::Json {
            line,
            column: e.column() as u64,
            reason,
        }
    })?;
    let (value, repeated) = parsed;
    let Json::Object(object) = value else {
        return Err(ReadErrorKind::NotJson {
            snippet: text.chars().take(57).collect(),
        });
    };
    let mut fields = Vec::with_capacity(object.len());
    flatten("", object, &mut fields);
    let log = match fields.iter().find(|(name, _)| name.as_ref() == "_path") {
        Some((_, Value::Str(path))) => Log::from_path(path),
        _ => Log::from_fields(fields.iter().map(|(name, _)| name.as_ref())),
    };
    Ok(ZeekEvent::new(log, fields).with_duplicates(repeated))
}

fn flatten(prefix: &str, object: Map<String, Json>, out: &mut Vec<(Arc<str>, Value)>) {
    for (key, value) in object {
        let name = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Json::Null => {}
            Json::Object(inner) => flatten(&name, inner, out),
            Json::Array(items) => {
                let items = items.into_iter().filter_map(scalar).collect();
                out.push((Arc::from(name), Value::List(items)));
            }
            other => {
                if let Some(v) = scalar(other) {
                    out.push((Arc::from(name), v));
                }
            }
        }
    }
}

/// A JSON value as a scalar Zeek value; nested containers (not written by
/// Zeek) are kept as their JSON text.
fn scalar(value: Json) -> Option<Value> {
    Some(match value {
        Json::Null => return None,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None if n.is_u64() => Value::Str(n.to_string()),
            None => Value::Float(n.as_f64()?),
        },
        Json::String(s) => Value::Str(s),
        other => Value::Str(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use tunnelhunt_engine::{Event, FieldValue, Lookup};

    use super::*;

    #[test]
    fn flattens_and_infers_the_log() {
        let event = parse(
            br#"{"ts":1.5,"uid":"C1","id":{"orig_h":"10.0.0.1"},"query":"a.b","answers":["1.2.3.4","x"],"rejected":false,"qclass":null}"#,
            1,
        )
        .unwrap();
        assert_eq!(event.log(), &Log::Dns);
        assert_eq!(
            event.field("SourceIp"),
            Lookup::One(FieldValue::Str("10.0.0.1".into()))
        );
        assert!(matches!(event.field("answers"), Lookup::Many(v) if v.len() == 2));
        assert_eq!(
            event.field("rejected"),
            Lookup::One(FieldValue::Bool(false))
        );
        assert!(event.field("qclass").is_absent());
    }

    #[test]
    fn reports_bad_lines() {
        assert!(matches!(
            parse(br#"{"ts":1,"#, 7),
            Err(ReadErrorKind::Json { line: 7, .. })
        ));
        assert!(matches!(
            parse(b"{\"query\":\"caf\xe9\"}", 3),
            Err(ReadErrorKind::InvalidUtf8 {
                line: 3,
                column: 14
            })
        ));
    }
}
