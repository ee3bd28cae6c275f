//! The direct parse against the path it replaced: `serde_json::from_str`
//! into a `Value`, then the tree walk `from_value` used to do (kept below
//! as `reference`). Same events, in the same order, and the same errors,
//! with and without a projection; the projected event answers every name
//! asked for as the full one does.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tunnelhunt_engine::{Event, FieldValue, Lookup};

use crate::json::duplicates::{DuplicateKeys, parse_merged};
use crate::json::evtx_shape::{EvtxJsonEvent, EvtxParseError};
use crate::json::projection::EvtxProjection;

/// `from_value` as it was, on a parsed document: the three levels.
mod reference {
    use serde_json::{Map, Value};

    use crate::json::values::insert_repeated;

    pub(super) type Levels = (Map<String, Value>, Map<String, Value>, Map<String, Value>);

    pub(super) fn levels(value: Value) -> Result<Levels, &'static str> {
        let Value::Object(mut root) = value else {
            return Err("the record is not a JSON object");
        };
        let Some(event) = root.remove("Event") else {
            return Err("no top-level `Event` key");
        };
        let Value::Object(mut event) = event else {
            return Err("`Event` is not an object");
        };
        let system = match event.remove("System") {
            Some(Value::Object(system)) => system,
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err("`Event.System` is not an object"),
        };
        let event_data = normalize_event_data(event.remove("EventData"));
        let user_data = match event.remove("UserData") {
            Some(Value::Object(children)) => children,
            _ => Map::new(),
        };
        Ok((system, event_data, user_data))
    }

    fn normalize_event_data(event_data: Option<Value>) -> Map<String, Value> {
        let mut out = Map::new();
        match event_data {
            None | Some(Value::Null) => {}
            Some(Value::Object(fields)) => {
                for (name, value) in fields {
                    match name.as_str() {
                        "#attributes" => {}
                        "Data" => add_data(&mut out, value),
                        _ => insert_repeated(&mut out, name, value),
                    }
                }
            }
            Some(other) => insert_repeated(&mut out, "Data".to_owned(), other),
        }
        out
    }

    fn add_data(out: &mut Map<String, Value>, data: Value) {
        let items = match data {
            Value::Array(items) => items,
            one => vec![one],
        };
        let mut unnamed = Vec::new();
        for item in items {
            match named(item) {
                Ok((name, value)) => insert_repeated(out, name, value),
                Err(item) => unnamed.push(text_of(&item).clone()),
            }
        }
        match unnamed.len() {
            0 => {}
            1 => insert_repeated(out, "Data".to_owned(), unnamed.remove(0)),
            _ => insert_repeated(out, "Data".to_owned(), Value::Array(unnamed)),
        }
    }

    fn named(item: Value) -> Result<(String, Value), Value> {
        let name = item
            .get("#attributes")
            .and_then(|a| a.get("Name"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        match (name, item) {
            (Some(name), Value::Object(mut m)) => {
                let value = m.remove("#text").unwrap_or(Value::Null);
                Ok((name, value))
            }
            (_, item) => Err(item),
        }
    }

    fn text_of(v: &Value) -> &Value {
        match v {
            Value::Object(m) => m.get("#text").unwrap_or(v),
            _ => v,
        }
    }
}

/// The old reader's outcome for `text`, as `to_json` would print it, or
/// its error message; parsed with repeated names merged, which is what
/// the direct parse must amount to (see `crate::json::duplicates`).
fn old(text: &str) -> Result<String, String> {
    let (value, _) = merged(text).map_err(|e| e.to_string())?;
    let (system, event_data, user_data) = reference::levels(value).map_err(str::to_owned)?;
    let mut event = Map::new();
    event.insert("System".into(), Value::Object(system));
    event.insert("EventData".into(), Value::Object(event_data));
    if !user_data.is_empty() {
        event.insert("UserData".into(), Value::Object(user_data));
    }
    Ok(json!({ "Event": event }).to_string())
}

fn s(text: &str) -> FieldValue<'_> {
    FieldValue::Str(text.into())
}

fn message(e: EvtxParseError) -> String {
    match e {
        EvtxParseError::Json(e) => e.to_string(),
        EvtxParseError::Shape(reason) => reason.to_owned(),
    }
}

fn merged(text: &str) -> Result<(Value, DuplicateKeys), serde_json::Error> {
    parse_merged(serde_json::Deserializer::from_str(text))
}

/// The event without the keys it noted: reading a document tree notes
/// repeated names in parts the direct parse skips unread.
fn unnoted(mut event: EvtxJsonEvent) -> EvtxJsonEvent {
    event.duplicates = DuplicateKeys::default();
    event
}

fn new(text: &str, projection: Option<&EvtxProjection>) -> Result<EvtxJsonEvent, String> {
    EvtxJsonEvent::from_json(text, projection).map_err(message)
}

/// Check `text` every way: text and bytes, with and without `wanted` as
/// a projection, and (when it is JSON) through `from_value`.
fn check(text: &str, wanted: &[&str]) {
    let full = new(text, None);
    let got = full.as_ref().map(|e| e.to_json().to_string());
    assert_eq!(got.map_err(Clone::clone), old(text), "{text}");
    let slice = EvtxJsonEvent::from_json_slice(text.as_bytes(), None).map_err(message);
    assert_eq!(slice, full, "bytes: {text}");
    if let Ok((value, noted)) = merged(text) {
        let from_value = EvtxJsonEvent::from_merged(value, noted, None).map_err(str::to_owned);
        assert_eq!(
            from_value.map(unnoted),
            full.clone().map(unnoted),
            "from_value: {text}"
        );
    }
    let projection = EvtxProjection::new(wanted.iter().copied());
    let projected = new(text, Some(&projection));
    match (&full, &projected) {
        (Err(a), Err(b)) => assert_eq!(a, b, "projected error: {text}"),
        (Ok(full), Ok(projected)) => {
            for name in wanted {
                assert_eq!(full.field(name), projected.field(name), "{name} in {text}");
            }
            assert_eq!(full.kind(), projected.kind(), "{text}");
            assert_eq!(full.timestamp(), projected.timestamp(), "{text}");
            assert_eq!(full.record_id(), projected.record_id(), "{text}");
            assert_eq!(full.computer(), projected.computer(), "{text}");
        }
        _ => panic!("projection changed the outcome of {text}: {full:?} vs {projected:?}"),
    }
}

const WANTED: &[&str] = &[
    "Image",
    "User",
    "CommandLine",
    "Data",
    "Execution_ProcessID",
    "EventID",
    "Hashes",
    "SubjectUserName",
    "#text",
];

#[test]
fn sysmon_and_security_records_match_the_old_path() {
    let sysmon = r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"5770385F"}},"EventID":1,"TimeCreated":{"#attributes":{"SystemTime":"2024-05-02T09:14:03.512811Z"}},"EventRecordID":88213,"Correlation":null,"Execution":{"#attributes":{"ProcessID":3120,"ThreadID":4088}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WKS-0042"},"EventData":{"RuleName":"-","Image":"C:\\Users\\j.doe\\plink.exe","CommandLine":"plink.exe -N -L 13389:127.0.0.1:3389","Hashes":null,"ProcessId":7312}}}"##;
    check(sysmon, WANTED);
    let security = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":{"#attributes":{"Qualifiers":0},"#text":4688},"Channel":"Security"},"EventData":{"Data":[{"#attributes":{"Name":"SubjectUserName"},"#text":"j.doe"},{"#attributes":{"Name":"SubjectDomainName"},"#text":"CORP"},{"#attributes":{"Name":"NewProcessName"},"#text":"C:\\Tools\\plink.exe"},{"#attributes":{"Name":"Other"},"#text":"x"},{"#attributes":{"Name":"TokenElevationType"}}]}}}"##;
    check(security, WANTED);
    let projection = EvtxProjection::new(["Image", "User"]);
    let e = EvtxJsonEvent::from_json(security, Some(&projection)).unwrap();
    assert_eq!(e.field("User"), Lookup::One(s("CORP\\j.doe")));
    assert_eq!(e.field("Image"), Lookup::One(s("C:\\Tools\\plink.exe")));
    // Kept: what the event itself and the mapping read. Dropped: the rest.
    assert_eq!(e.event_id(), Some(4688));
    assert_eq!(e.field("Other"), Lookup::Absent);
    assert_eq!(e.field("TokenElevationType"), Lookup::Absent);
}

#[test]
fn projection_skips_unwanted_values_and_keeps_system_elements() {
    let text = r##"{"Event":{"System":{"EventID":1,"Channel":"C","Keywords":"0x80","Execution":{"#attributes":{"ProcessID":4}},"Security":{"#attributes":{"UserID":"S-1-5-18"}}},"EventData":{"Image":"a.exe","Hashes":"MD5=1","ParentImage":"b.exe"},"UserData":{"Log":{"#attributes":{"xmlns":"x"},"SubjectUserName":"admin","Other":"o"},"Bare":"text"}}}"##;
    let projection = EvtxProjection::new(["Image", "Execution_ProcessID", "SubjectUserName"]);
    let e = EvtxJsonEvent::from_json(text, Some(&projection)).unwrap();
    assert_eq!(
        e.to_json(),
        json!({"Event": {
            "System": {"EventID": 1, "Channel": "C", "Execution": {"#attributes": {"ProcessID": 4}}},
            "EventData": {"Image": "a.exe"},
            "UserData": {"Log": {"SubjectUserName": "admin"}, "Bare": "text"}
        }})
    );
    assert_eq!(
        e.field("Execution_ProcessID"),
        Lookup::One(FieldValue::Int(4))
    );
    assert_eq!(e.field("SubjectUserName"), Lookup::One(s("admin")));
    check(text, &["Image", "Execution_ProcessID", "SubjectUserName"]);
}

#[test]
fn repeated_names_keep_every_value() {
    for text in [
        // `Event`, `System`, `EventData` given twice: merged, as the
        // whole document read merged (a non-object among them is a list).
        r##"{"Event":{"System":{"EventID":1}},"Event":{"System":{"EventID":2}}}"##,
        r##"{"Event":"x","Event":{"System":{"EventID":2}}}"##,
        r##"{"Event":{"System":{"EventID":2}},"Event":"x"}"##,
        r##"{"Event":{"System":3,"System":{"EventID":2}}}"##,
        r##"{"Event":{"System":{"EventID":2},"System":3}}"##,
        r##"{"Event":{"System":{"EventID":1,"Channel":"a","EventID":2}}}"##,
        r##"{"Event":{"EventData":{"A":1},"EventData":{"B":2}}}"##,
        r##"{"Event":{"EventData":{"A":1},"EventData":null}}"##,
        r##"{"Event":{"UserData":{"X":{"A":1}},"UserData":{"Y":{"B":2},"Y":{"C":3}}}}"##,
        // Inside `EventData`: a plain name repeated, every value in its
        // first place; then `Data` items spread, a repeated name a list.
        r##"{"Event":{"EventData":{"A":1,"B":2,"A":3}}}"##,
        r##"{"Event":{"EventData":{"X":1,"Data":[{"#attributes":{"Name":"X"},"#text":2}],"X":3}}}"##,
        r##"{"Event":{"EventData":{"Data":[{"#attributes":{"Name":"X"},"#text":1},{"#attributes":{"Name":"X"},"#text":2},"u1","u2"],"Data":{"#attributes":{"Name":"Y"},"#text":5}}}}"##,
        r##"{"Event":{"EventData":{"Data":[{"#attributes":{"Name":"X"},"#text":1},"u1",{"#text":"u2"}],"X":[0],"Data":"bare"}}}"##,
    ] {
        check(
            text,
            &["A", "B", "C", "X", "Y", "Data", "EventID", "Channel"],
        );
    }
}

#[test]
fn repeated_names_are_noted_with_their_paths() {
    let projection = EvtxProjection::new(["CommandLine", "Image"]);
    for (text, want) in [
        (
            r##"{"Event":{"System":{"EventID":1,"EventID":1},"EventData":{"CommandLine":"a","CommandLine":"b","CommandLine":"c"}}}"##,
            "key 'Event.System.EventID' appears 2 times (and 1 other repeated key)",
        ),
        (
            r##"{"Event":{"EventData":{"Data":[{"#attributes":{"Name":"Image"},"#text":"a"},{"#attributes":{"Name":"Image"},"#text":"b"}]}}}"##,
            "key 'Event.EventData.Image' appears 2 times",
        ),
        (
            r##"{"Event":{"EventData":{"Image":"a"},"EventData":{"Image":"b"}}}"##,
            "key 'Event.EventData' appears 2 times",
        ),
        (
            r##"{"Event":{"UserData":{"Log":{"Image":{"x":1,"x":2}}}}}"##,
            "key 'Event.UserData.Log.Image.x' appears 2 times",
        ),
    ] {
        for p in [None, Some(&projection)] {
            let event = EvtxJsonEvent::from_json(text, p).unwrap();
            assert_eq!(event.duplicate_keys().to_string(), want, "{text}");
        }
    }
    let plain = r##"{"Event":{"System":{"EventID":1},"EventData":{"Image":"a"}}}"##;
    assert!(new(plain, None).unwrap().duplicate_keys().is_empty());
}

#[test]
fn data_layouts_text_values_and_numbers() {
    for text in [
        r##"{"Event":{"System":{"EventID":"7045"},"EventData":{"Data":"only value"}}}"##,
        r##"{"Event":{"System":{},"EventData":{"Data":{"#text":["first","second"]}}}}"##,
        r##"{"Event":{"System":null,"EventData":{"Data":["a",2,null]}}}"##,
        r##"{"Event":{"EventData":"bare text"}}"##,
        r##"{"Event":{"EventData":["a",{"b":1}]}}"##,
        r##"{"Event":{"EventData":7}}"##,
        r##"{"Event":{"EventData":{"#attributes":{"Name":"x"},"Image":{"#text":"a.exe","#attributes":{"k":1}}}}}"##,
        r##"{"Event":{"EventData":{"Data":{"#attributes":{"Name":7},"#text":"not named"}}}}"##,
        r##"{"Event":{"EventData":{"Big":18446744073709551615,"Neg":-9223372036854775808,"F":1.5,"E":1e300,"Huge":123456789012345678901234567890}}}"##,
        r##"{"Event":{"System":{"EventID":{"#text":" 4688 "},"EventRecordID":"12"},"EventData":{}}}"##,
        r##"{"Event":{"System":{"EventID":4294967296}}}"##,
        r##"{"Event":{"UserData":"text"}}"##,
        r##"{"Event":{"UserData":{"X":[1,{"A":2}],"Y":null,"Z":{"A":[3]}}}}"##,
        "{\"\\u0045vent\":{\"Syst\\u0065m\":{\"EventID\":1},\"EventData\":{\"Im\\u0061ge\":\"\\u00e9\\\\x\"}}}",
    ] {
        check(
            text,
            &[
                "Data", "Image", "Big", "Neg", "F", "E", "Huge", "A", "EventID",
            ],
        );
    }
}

#[test]
fn shape_errors_keep_their_reasons() {
    for (text, reason) in [
        ("[1]", "the record is not a JSON object"),
        ("\"x\"", "the record is not a JSON object"),
        ("null", "the record is not a JSON object"),
        (r##"{"winlog":{}}"##, "no top-level `Event` key"),
        (r##"{"Event":"x"}"##, "`Event` is not an object"),
        (r##"{"Event":null}"##, "`Event` is not an object"),
        (r##"{"Event":[{}]}"##, "`Event` is not an object"),
        (
            r##"{"Event":{"System":3}}"##,
            "`Event.System` is not an object",
        ),
        (
            r##"{"Event":{"System":[]}}"##,
            "`Event.System` is not an object",
        ),
    ] {
        assert_eq!(new(text, None).unwrap_err(), reason, "{text}");
        let value = serde_json::from_str(text).unwrap();
        assert_eq!(EvtxJsonEvent::from_value(value).unwrap_err(), reason);
        check(text, WANTED);
    }
}

#[test]
fn syntax_errors_come_first_with_serde_json_positions() {
    for text in [
        // After a shape problem: still the syntax error.
        r##"{"winlog":{}} x"##,
        r##"{"Event":"x","a":tru}"##,
        "{\"Event\":{\"System\":3},\n \"x\": }",
        // In values a projection skips: checked as when they are built.
        r##"{"Event":{"EventData":{"Skipped":"\uD800"}}}"##,
        r##"{"Event":{"EventData":{"Skipped":1e400}}}"##,
        r##"{"Event":{"EventData":{"Skipped":"\x"}}}"##,
        r##"{"Event":{"EventData":{"Skipped":[1,]}}}"##,
        r##"{"Event":{"EventData":{"Skipped":{"a":1,}}}}"##,
        r##"{"Event":{"EventData":{"Skipped":01}}}"##,
        r##"{"Event":{"#attributes":{"\uDC00":1}}}"##,
        r##"{"Event":{"System":{"Skipped":"a	tab"}}}"##,
        r##"{"Event":{},}"##,
        r##"{"Event":{}"##,
        r##"{"Event":{}}}"##,
        "",
    ] {
        let err = new(text, None).unwrap_err();
        assert!(err.contains(" at line "), "{text}: {err}");
        check(text, &["Image"]);
    }
    let deep = format!(
        r##"{{"Event":{{"EventData":{{"Skipped":{}1{}}}}}}}"##,
        "[".repeat(200),
        "]".repeat(200)
    );
    assert!(new(&deep, None).unwrap_err().contains("recursion limit"));
    check(&deep, &["Image"]);
}

#[test]
fn invalid_utf8_in_bytes_is_a_json_error() {
    let bytes = b"{\"Event\":{\"EventData\":{\"Skipped\":\"caf\xE9\"}}}";
    let projection = EvtxProjection::new(["Image"]);
    for p in [None, Some(&projection)] {
        let err = EvtxJsonEvent::from_json_slice(bytes, p).unwrap_err();
        let want = serde_json::from_slice::<Value>(bytes).unwrap_err();
        assert_eq!(message(err), want.to_string());
    }
}

/// JSON text of evtx-ish documents, with repeated names, both `Data`
/// layouts, escapes and out-of-shape values.
fn document() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("7".to_owned()),
        Just("-3".to_owned()),
        Just("4688".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("2.5".to_owned()),
        Just(r##""a.exe""##.to_owned()),
        Just(r##""C:\\x\\y""##.to_owned()),
        Just(r##""\u00e9""##.to_owned()),
        Just(r##"" 12 ""##.to_owned()),
    ];
    let name = prop_oneof![
        Just("Image"),
        Just("User"),
        Just("SubjectUserName"),
        Just("SubjectDomainName"),
        Just("NewProcessName"),
        Just("Data"),
        Just("#text"),
        Just("#attributes"),
        Just("Name"),
        Just("EventID"),
        Just("Provider"),
        Just("Execution"),
        Just("Im\\u0061ge"),
    ];
    let value = leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((name.clone(), inner), 0..4).prop_map(|kv| {
                let kv: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", kv.join(","))
            }),
        ]
    });
    let data_item = (value.clone(), prop::option::of(name_strategy())).prop_map(|(v, n)| match n {
        Some(n) => format!(r##"{{"#attributes":{{"Name":"{n}"}},"#text":{v}}}"##),
        None => v,
    });
    let event_data = prop_oneof![
        prop::collection::vec(data_item, 0..5)
            .prop_map(|items| format!(r##"{{"Data":[{}]}}"##, items.join(","))),
        value.clone(),
    ];
    let part = prop_oneof![
        value.clone().prop_map(|v| format!(r##""System":{v}"##)),
        value.clone().prop_map(|v| format!(r##""UserData":{v}"##)),
        event_data.prop_map(|v| format!(r##""EventData":{v}"##)),
        value.clone().prop_map(|v| format!(r##""Other":{v}"##)),
    ];
    let event = prop::collection::vec(part, 0..5).prop_map(|p| format!("{{{}}}", p.join(",")));
    (event, prop::collection::vec(value, 0..2)).prop_map(|(event, extra)| {
        let extra: String = extra.iter().map(|v| format!(r##","x":{v}"##)).collect();
        format!(r##"{{"Event":{event}{extra}}}"##)
    })
}

fn name_strategy() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("Image"),
        Just("User"),
        Just("SubjectUserName"),
        Just("NewProcessName"),
        Just("Data"),
        Just("Other"),
    ]
}

/// A document with one byte dropped or one plausible one inserted, or cut.
fn damaged() -> impl Strategy<Value = String> {
    (
        document(),
        any::<prop::sample::Index>(),
        0..3u8,
        prop::sample::select(vec!['{', '}', '[', ']', ',', ':', '"', '\\', 'x', '0', ' ']),
    )
        .prop_map(|(text, at, how, c)| {
            let mut text = text.into_bytes();
            let i = at.index(text.len() + 1);
            match how {
                0 if i < text.len() => {
                    text.remove(i);
                }
                1 => text.insert(i, c as u8),
                _ => text.truncate(i),
            }
            String::from_utf8(text).unwrap_or_default()
        })
}

const PROPERTY_WANTED: &[&str] = &["Image", "User", "Data", "EventID", "Name", "Execution_x"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn documents_read_as_before(text in document()) {
        check(&text, PROPERTY_WANTED);
    }

    #[test]
    fn damaged_documents_fail_as_before(text in damaged()) {
        check(&text, PROPERTY_WANTED);
    }
}
