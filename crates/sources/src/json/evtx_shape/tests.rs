//! Tests of the evtx JSON shape on real-shaped events.

use serde_json::json;

use super::*;

fn event(value: Value) -> EvtxJsonEvent {
    EvtxJsonEvent::from_value(value).expect("valid evtx JSON shape")
}

fn one(e: &EvtxJsonEvent, name: &str) -> FieldValue<'static> {
    match e.field(name) {
        Lookup::One(v) => v.into_owned(),
        other => panic!("{name}: expected one value, got {other:?}"),
    }
}

fn s(text: &str) -> FieldValue<'static> {
    FieldValue::Str(Cow::Owned(text.to_owned()))
}

/// A Sysmon process creation as `evtx_dump -o jsonl` writes it.
fn sysmon_1() -> Value {
    json!({"Event": {
        "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
        "System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon",
                                         "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9"}},
            "EventID": 1, "Version": 5, "Level": 4, "Task": 1, "Opcode": 0,
            "Keywords": "0x8000000000000000",
            "TimeCreated": {"#attributes": {"SystemTime": "2024-05-02T09:14:03.512811Z"}},
            "EventRecordID": 88213, "Correlation": null,
            "Execution": {"#attributes": {"ProcessID": 3120, "ThreadID": 4088}},
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Computer": "WKS-0042.corp.example",
            "Security": {"#attributes": {"UserID": "S-1-5-18"}}
        },
        "EventData": {
            "RuleName": "-", "ProcessId": 7312,
            "Image": "C:\\Users\\j.doe\\Downloads\\plink.exe",
            "CommandLine": "plink.exe -ssh -N -L 13389:127.0.0.1:3389 ops@198.51.100.7",
            "ParentImage": "C:\\Windows\\System32\\cmd.exe",
            "Hashes": null
        }
    }})
}

#[test]
fn sysmon_fields_system_fields_and_kind() {
    let e = event(sysmon_1());
    assert_eq!(
        one(&e, "Image"),
        s("C:\\Users\\j.doe\\Downloads\\plink.exe")
    );
    assert_eq!(one(&e, "ProcessId"), FieldValue::Int(7312));
    assert_eq!(one(&e, "Hashes"), FieldValue::Null);
    assert_eq!(e.field("OriginalFileName"), Lookup::Absent);
    assert_eq!(one(&e, "EventID"), FieldValue::Int(1));
    assert_eq!(
        one(&e, "Channel"),
        s("Microsoft-Windows-Sysmon/Operational")
    );
    assert_eq!(one(&e, "Computer"), s("WKS-0042.corp.example"));
    assert_eq!(one(&e, "Provider_Name"), s("Microsoft-Windows-Sysmon"));
    assert_eq!(one(&e, "EventRecordID"), FieldValue::Int(88213));
    assert_eq!(one(&e, "Execution_ProcessID"), FieldValue::Int(3120));
    assert_eq!(e.record_id(), Some(88213));
    assert_eq!(
        e.timestamp().as_deref(),
        Some("2024-05-02T09:14:03.512811Z")
    );
    assert_eq!(
        e.kind(),
        EventKind {
            product: Some("windows"),
            category: None,
            service: None,
            channel: Some("Microsoft-Windows-Sysmon/Operational"),
            provider: Some("Microsoft-Windows-Sysmon"),
            event_id: Some(1),
        }
    );
    // Lookups borrow from the event.
    assert!(matches!(
        e.field("CommandLine"),
        Lookup::One(FieldValue::Str(Cow::Borrowed(_)))
    ));
}

#[test]
fn security_4688_with_qualified_event_id_and_data_array() {
    let e = event(json!({"Event": {
        "System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "EventID": {"#attributes": {"Qualifiers": 0}, "#text": 4688},
            "Channel": "Security", "Computer": "SRV-DC01"
        },
        "EventData": {"Data": [
            {"#attributes": {"Name": "SubjectUserName"}, "#text": "j.doe"},
            {"#attributes": {"Name": "NewProcessName"}, "#text": "C:\\Tools\\plink.exe"},
            {"#attributes": {"Name": "ParentProcessName"}, "#text": "C:\\Windows\\explorer.exe"},
            {"#attributes": {"Name": "CommandLine"}, "#text": "plink -R 8080:localhost:80 host"},
            {"#attributes": {"Name": "TokenElevationType"}}
        ]}
    }}));
    assert_eq!(e.event_id(), Some(4688));
    assert_eq!(e.kind().event_id, Some(4688));
    assert_eq!(one(&e, "EventID"), FieldValue::Int(4688));
    // The Sigma names and the native names reach the same values.
    assert_eq!(one(&e, "Image"), s("C:\\Tools\\plink.exe"));
    assert_eq!(one(&e, "NewProcessName"), s("C:\\Tools\\plink.exe"));
    assert_eq!(one(&e, "ParentImage"), s("C:\\Windows\\explorer.exe"));
    assert_eq!(one(&e, "ParentProcessName"), s("C:\\Windows\\explorer.exe"));
    assert_eq!(one(&e, "SubjectUserName"), s("j.doe"));
    // `User` joins SubjectDomainName\SubjectUserName; here there is no domain.
    assert_eq!(one(&e, "User"), s("j.doe"));
    assert_eq!(one(&e, "TokenElevationType"), FieldValue::Null);
}

#[test]
fn unnamed_data_string_and_list() {
    let e = event(json!({"Event": {"System": {"EventID": "7045"},
        "EventData": {"Data": "only value"}}}));
    assert_eq!(one(&e, "Data"), s("only value"));
    assert_eq!(e.event_id(), Some(7045));
    let e = event(json!({"Event": {"System": {},
        "EventData": {"Data": {"#text": ["first", "second"]}}}}));
    assert_eq!(e.field("Data"), Lookup::Many(vec![s("first"), s("second")]));
    let e = event(json!({"Event": {"System": {}, "EventData": {"Data": ["a", 2, null]}}}));
    assert_eq!(
        e.field("Data"),
        Lookup::Many(vec![s("a"), FieldValue::Int(2), FieldValue::Null])
    );
}

#[test]
fn user_data_is_searched_below_its_element() {
    let e = event(json!({"Event": {
        "System": {"EventID": 1102, "Channel": "Security"},
        "UserData": {"LogFileCleared": {
            "#attributes": {"xmlns": "http://manifests.microsoft.com/win/2004/08/windows/eventlog"},
            "SubjectUserName": "admin", "SubjectDomainName": "CORP"
        }}
    }}));
    assert_eq!(one(&e, "SubjectUserName"), s("admin"));
    let mut seen = Vec::new();
    e.for_each_value(&mut |v| seen.push(v.clone().into_owned()));
    assert_eq!(seen.len(), 2, "attributes are not values: {seen:?}");
    assert!(seen.contains(&s("CORP")));
}

#[test]
fn for_each_value_visits_event_fields_not_system() {
    let e = event(sysmon_1());
    let mut seen = Vec::new();
    e.for_each_value(&mut |v| seen.push(v.clone().into_owned()));
    assert!(seen.contains(&s(
        "plink.exe -ssh -N -L 13389:127.0.0.1:3389 ops@198.51.100.7"
    )));
    assert!(seen.contains(&FieldValue::Int(7312)));
    assert!(!seen.contains(&s("WKS-0042.corp.example")));
}

#[test]
fn big_numbers_keep_their_digits() {
    let e = event(json!({"Event": {"EventData": {"Big": 18446744073709551615u64, "F": 1.5}}}));
    assert_eq!(one(&e, "Big"), s("18446744073709551615"));
    assert_eq!(one(&e, "F"), FieldValue::Float(1.5));
    assert_eq!(e.event_id(), None);
    assert_eq!(e.kind().event_id, None);
}

#[test]
fn linux_sysmon_is_product_linux() {
    let e =
        event(json!({"Event": {"System": {"EventID": 1, "Channel": "Linux-Sysmon/Operational"}}}));
    assert_eq!(e.kind().product, Some("linux"));
}

#[test]
fn wrong_shapes_are_refused_with_a_reason() {
    assert!(EvtxJsonEvent::from_value(json!([1])).is_err());
    assert!(EvtxJsonEvent::from_value(json!({"winlog": {}})).is_err());
    assert!(EvtxJsonEvent::from_value(json!({"Event": "x"})).is_err());
    assert!(EvtxJsonEvent::from_value(json!({"Event": {"System": 3}})).is_err());
}

#[test]
fn timestamps_become_rfc3339_utc() {
    for (input, want) in [
        ("2024-05-02T09:14:03.512811Z", "2024-05-02T09:14:03.512811Z"),
        (
            "2024-05-02 09:14:03.512811 UTC",
            "2024-05-02T09:14:03.512811Z",
        ),
        ("2024-05-02 09:14:03", "2024-05-02T09:14:03Z"),
        ("2024-05-02T09:14:03+00:00", "2024-05-02T09:14:03+00:00"),
        ("yesterday", "yesterday"),
        ("２０２４-05-02T09:14:03Z", "２０２４-05-02T09:14:03Z"),
    ] {
        assert_eq!(normalize_timestamp(input), want, "{input}");
    }
}
