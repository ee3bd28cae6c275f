//! One `<Event>` element → the evtx JSON shape.
//!
//! The element is rendered the way `evtx_dump` renders an event record as
//! JSON: child elements become keys (a repeated name becomes a list),
//! attributes go under `#attributes`, and the text of an element that also
//! has attributes under `#text`. [`EvtxJsonEvent::from_value`] then builds
//! the event exactly as for JSON input, so the System fields, the
//! `EventData`/`UserData` layout, the Windows field mappings (4688 →
//! `Image`…) and the logsource of an XML event are the JSON reader's, not
//! a second implementation of them.
//!
//! Entities are decoded: the five predefined ones (`&amp;`, `&quot;`…) and
//! character references (`&#x41;`). Namespace declarations are dropped, and
//! element names are taken without their prefix.
//!
//! Elements may nest at most [`MAX_DEPTH`] deep, the limit serde_json puts
//! on JSON input, so that an XML event and its JSON rendering are bounded
//! alike. Parsing keeps open elements on a heap stack, but what is built
//! from them is not flat: a `serde_json::Value` is dropped, compared and
//! walked (field lookups, `to_string`) by recursion, so a hostile event
//! nested a few thousand deep would overflow the thread's stack there and
//! abort the whole scan. Past the bound the element is reported as one bad
//! record, and no deeper value is ever built, so none is ever dropped.
//!
//! [`EvtxJsonEvent::from_value`]: crate::json::EvtxJsonEvent::from_value

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::reader::Reader;
use serde_json::{Map, Value};

use crate::json::values::insert_repeated;

/// Why an element could not be converted; `offset` is the byte offset in
/// the element where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConvertError {
    Syntax {
        offset: usize,
        reason: String,
    },
    InvalidUtf8 {
        offset: usize,
    },
    /// The start tag at `offset` opens element number `MAX_DEPTH + 1`.
    TooDeep {
        offset: usize,
    },
}

/// How deep elements may nest, the event's own element included: the
/// recursion limit of serde_json.
pub(crate) const MAX_DEPTH: usize = 128;

struct Node {
    name: String,
    attributes: Map<String, Value>,
    children: Map<String, Value>,
    text: String,
}

/// Convert one element (a frame from [`super::frame`]) to
/// `{"Event": {…}}`.
pub(crate) fn element_to_value(bytes: &[u8]) -> Result<Value, ConvertError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ConvertError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    let mut reader = Reader::from_str(text);
    let syntax = |reader: &Reader<&[u8]>, reason: String| ConvertError::Syntax {
        offset: reader.error_position() as usize,
        reason,
    };
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<(String, Value)> = None;
    loop {
        // Where the next event (a start tag: its `<`) begins.
        let event_offset = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| syntax(&reader, e.to_string()))?;
        match event {
            XmlEvent::Start(start) => {
                if stack.len() == MAX_DEPTH {
                    return Err(ConvertError::TooDeep {
                        offset: event_offset,
                    });
                }
                let node = node(&start).map_err(|reason| syntax(&reader, reason))?;
                stack.push(node);
            }
            XmlEvent::Empty(start) => {
                let node = node(&start).map_err(|reason| syntax(&reader, reason))?;
                attach(&mut stack, &mut root, node);
            }
            XmlEvent::End(_) => {
                let node = stack.pop().expect("the reader checks end tags");
                attach(&mut stack, &mut root, node);
            }
            XmlEvent::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            XmlEvent::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.into_inner());
                }
            }
            XmlEvent::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match resolve_predefined_entity(&r) {
                        Some(s) => s.to_owned(),
                        None => return Err(syntax(&reader, format!("unknown entity `&{};`", &*r))),
                    },
                    Err(e) => return Err(syntax(&reader, e.to_string())),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            XmlEvent::Eof => break,
            XmlEvent::Comment(_) | XmlEvent::Decl(_) | XmlEvent::PI(_) | XmlEvent::DocType(_) => {}
        }
        if root.is_some() {
            break;
        }
    }
    if let Some(open) = stack.last() {
        return Err(ConvertError::Syntax {
            offset: bytes.len(),
            reason: format!("`<{}>` is not closed", open.name),
        });
    }
    let Some((name, value)) = root else {
        return Err(ConvertError::Syntax {
            offset: 0,
            reason: "no element".to_owned(),
        });
    };
    let mut out = Map::new();
    out.insert(name, value);
    Ok(Value::Object(out))
}

fn node(start: &BytesStart<'_>) -> Result<Node, String> {
    let name = start.local_name().as_ref().to_owned();
    let mut attributes = Map::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        let key = attr.key.local_name().as_ref().to_owned();
        attributes.insert(key, Value::String(value.into_owned()));
    }
    Ok(Node {
        name,
        attributes,
        children: Map::new(),
        text: String::new(),
    })
}

/// Add a finished element to its parent, or make it the root.
fn attach(stack: &mut [Node], root: &mut Option<(String, Value)>, node: Node) {
    let name = node.name.clone();
    let value = into_value(node);
    match stack.last_mut() {
        Some(parent) => insert_repeated(&mut parent.children, name, value),
        None => *root = Some((name, value)),
    }
}

/// An element as `evtx_dump` renders it.
fn into_value(node: Node) -> Value {
    let Node {
        attributes,
        mut children,
        text,
        ..
    } = node;
    if !children.is_empty() {
        if !attributes.is_empty() {
            children.insert("#attributes".to_owned(), Value::Object(attributes));
        }
        // Indentation between child elements is not content.
        if !text.trim().is_empty() {
            children.insert("#text".to_owned(), Value::String(text));
        }
        return Value::Object(children);
    }
    if !attributes.is_empty() {
        let mut m = Map::new();
        m.insert("#attributes".to_owned(), Value::Object(attributes));
        if !text.is_empty() {
            m.insert("#text".to_owned(), Value::String(text));
        }
        return Value::Object(m);
    }
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn renders_like_evtx_dump() {
        let xml = br#"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>4688</EventID><TimeCreated SystemTime='2024-01-02T03:04:05.1234567Z'/></System><EventData><Data Name='CommandLine'>cmd /c "a &amp; b" &#x3E; &lt;x&gt;</Data><Data Name='Empty'/><Data>unnamed</Data></EventData></Event>"#;
        let value = element_to_value(xml).unwrap();
        assert_eq!(
            value,
            json!({"Event": {
                "System": {
                    "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing", "Guid": "{54849625-5478-4994-a5ba-3e3b0328c30d}"}},
                    "EventID": "4688",
                    "TimeCreated": {"#attributes": {"SystemTime": "2024-01-02T03:04:05.1234567Z"}}
                },
                "EventData": {"Data": [
                    {"#attributes": {"Name": "CommandLine"}, "#text": "cmd /c \"a & b\" > <x>"},
                    {"#attributes": {"Name": "Empty"}},
                    "unnamed"
                ]}
            }})
        );
    }

    #[test]
    fn errors_carry_an_offset() {
        for (xml, want) in [
            (&b"<Event><System></Sys></Event>"[..], "Sys"),
            (b"<Event><A>&bogus;</A></Event>", "unknown entity `&bogus;`"),
            (b"<Event><A x=1/></Event>", ""),
        ] {
            let Err(ConvertError::Syntax { reason, .. }) = element_to_value(xml) else {
                panic!("{xml:?} converted");
            };
            assert!(reason.contains(want), "{reason}");
        }
        assert_eq!(
            element_to_value(b"<Event><A>caf\xE9</A></Event>"),
            Err(ConvertError::InvalidUtf8 { offset: 13 })
        );
    }

    /// `depth` nested elements, the outermost being the event.
    fn nested(depth: usize) -> Vec<u8> {
        let inner = depth - 1;
        format!(
            "<Event>{}x{}</Event>",
            "<a b='1'>".repeat(inner),
            "</a>".repeat(inner)
        )
        .into_bytes()
    }

    #[test]
    fn nesting_is_bounded_like_serde_json() {
        let Value::Object(mut event) = element_to_value(&nested(MAX_DEPTH)).unwrap() else {
            panic!("not an object");
        };
        let mut depth = 1;
        let mut value = event.remove("Event").unwrap();
        while let Some(inner) = value.get_mut("a") {
            value = inner.take();
            depth += 1;
        }
        assert_eq!(
            (depth, value),
            (MAX_DEPTH, json!({"#attributes": {"b": "1"}, "#text": "x"}))
        );
        // The first start tag past the bound is where the error is.
        let deep = nested(MAX_DEPTH + 1);
        let offset = "<Event>".len() + (MAX_DEPTH - 1) * "<a b='1'>".len();
        assert_eq!(
            element_to_value(&deep),
            Err(ConvertError::TooDeep { offset })
        );
        assert!(deep[offset..].starts_with(b"<a b='1'>x</a>"));
        // Far past it, the same error and no stack overflow.
        assert!(matches!(
            element_to_value(&nested(100_000)),
            Err(ConvertError::TooDeep { offset: o }) if o == offset
        ));
    }
}
