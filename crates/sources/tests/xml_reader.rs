//! The XML event reader on real-shaped inputs (fixtures/xml/): Sysmon for
//! Linux events in syslog (an `ssh -N -R` reverse forward and its network
//! connection, a line truncated by the syslog daemon, other programs'
//! lines), and a `wevtutil qe /f:xml` export (no line breaks, an
//! `<Events>` root, entities, a malformed element between valid ones).

use crate::common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::{compile_bodies, split, text};
use tunnelhunt_engine::Event;
use tunnelhunt_sources::json::EvtxJsonEvent;
use tunnelhunt_sources::xml::{XmlError, XmlReader};
use tunnelhunt_sources::{Format, ReadError, ReadErrorKind, Record, open};

fn fixture(name: &str) -> PathBuf {
    common::fixture(&format!("xml/{name}"))
}

fn read(bytes: &[u8]) -> Vec<Result<(u64, EvtxJsonEvent), ReadError>> {
    XmlReader::new(Cursor::new(bytes.to_vec()), Path::new("events.xml"))
        .map(|r| r.map(|(origin, e)| (origin.line().unwrap(), e)))
        .collect()
}

fn records(name: &str) -> (Vec<Record>, Vec<ReadError>) {
    let reader = open(&fixture(name)).unwrap();
    assert_eq!(reader.format(), Format::XmlEvents);
    split(reader)
}

#[test]
fn sysmon_for_linux_in_syslog() {
    let (events, errors) = records("sysmon-linux-syslog.log");
    assert_eq!(events.len(), 2);
    let create = &events[0];
    assert_eq!(create.origin.line(), Some(2));
    assert_eq!(create.origin.format.as_str(), "xml-events");
    let e = &create.event;
    assert_eq!(
        text(e, "CommandLine").as_deref(),
        Some("ssh -N -R 9000:localhost:22 -o ServerAliveInterval=30 tunnel@198.51.100.20")
    );
    assert_eq!(text(e, "Image").as_deref(), Some("/usr/bin/ssh"));
    assert_eq!(text(e, "ParentImage").as_deref(), Some("/usr/bin/dash"));
    // Entities decoded.
    assert!(
        text(e, "ParentCommandLine")
            .unwrap()
            .ends_with(">/dev/null 2>&1")
    );
    assert_eq!(text(e, "User").as_deref(), Some("www-data"));
    assert_eq!(text(e, "Computer").as_deref(), Some("web01"));
    assert_eq!(text(e, "Provider_Name").as_deref(), Some("Linux-Sysmon"));
    assert_eq!(e.host(), Some("web01"));
    assert_eq!(
        e.timestamp().as_deref(),
        Some("2024-11-27T10:00:00.123456000Z")
    );
    let kind = e.kind();
    assert_eq!(
        (kind.product, kind.category, kind.event_id),
        (Some("linux"), Some("process_creation"), Some(1))
    );
    let net = &events[1].event;
    assert_eq!(events[1].origin.line(), Some(4));
    assert_eq!(net.kind().category, Some("network_connection"));
    assert_eq!(text(net, "DestinationPort").as_deref(), Some("22"));
    // The line the syslog daemon cut short: reported, not fatal.
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3);
    assert!(matches!(
        errors[0].kind,
        ReadErrorKind::Xml(XmlError::Unclosed { at_end: false })
    ));
}

#[test]
fn wevtutil_stream_with_entities_and_a_malformed_element() {
    let (events, errors) = records("wevtutil-security.xml");
    assert_eq!(events.len(), 2);
    let plink = &events[0].event;
    assert_eq!(events[0].origin.line(), Some(2));
    assert_eq!(
        text(plink, "CommandLine").as_deref(),
        Some(r#"plink.exe -ssh -N -L 13389:127.0.0.1:3389 -pw "p&ss<1>" ops@203.0.113.20"#)
    );
    // Security 4688 mapped as for JSON and EVTX input.
    assert_eq!(
        text(plink, "Image").as_deref(),
        Some(r"C:\Users\alice\Downloads\plink.exe")
    );
    assert_eq!(
        text(plink, "ParentImage").as_deref(),
        Some(r"C:\Windows\System32\cmd.exe")
    );
    assert_eq!(text(plink, "User").as_deref(), Some(r"CORP\alice"));
    assert_eq!(text(plink, "EventRecordID").as_deref(), Some("91001"));
    assert_eq!(plink.kind().product, Some("windows"));
    assert_eq!(plink.kind().event_id, Some(4688));
    assert_eq!(plink.kind().channel, Some("Security"));
    assert_eq!(
        text(&events[1].event, "NewProcessName").as_deref(),
        Some(r"C:\Windows\System32\netsh.exe")
    );
    assert_eq!(errors.len(), 1);
    let message = errors[0].to_string();
    assert!(
        message.contains("malformed XML at line 2, column"),
        "{message}"
    );
    assert!(message.contains("Sytem"), "{message}");
}

#[test]
fn same_event_as_json_and_as_xml() {
    let xml = br#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon"/><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WKS1</Computer><TimeCreated SystemTime="2024-01-02T03:04:05.000Z"/></System><EventData><Data Name="Image">C:\x\ssh.exe</Data><Data Name="CommandLine">ssh -D 1080 a@b</Data></EventData></Event>"#;
    let json = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":"1","Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WKS1","TimeCreated":{"#attributes":{"SystemTime":"2024-01-02T03:04:05.000Z"}}},"EventData":{"Image":"C:\\x\\ssh.exe","CommandLine":"ssh -D 1080 a@b"}}}"##;
    let from_xml = read(xml).pop().unwrap().unwrap().1;
    let from_json = EvtxJsonEvent::from_value(serde_json::from_str(json).unwrap()).unwrap();
    for field in [
        "Image",
        "CommandLine",
        "Computer",
        "EventID",
        "Provider_Name",
    ] {
        assert_eq!(from_xml.field(field), from_json.field(field), "{field}");
    }
    assert_eq!(from_xml.kind(), from_json.kind());
    assert_eq!(from_xml.timestamp(), from_json.timestamp());
}

#[test]
fn malformed_inputs_are_counted_and_reading_goes_on() {
    let good = "<Event><System><EventID>1</EventID></System></Event>";
    let input = format!(
        "{good}\n<Event><System><EventID>1</EventID></System><EventData><Data Name='a'>&nbsp;</Data></EventData></Event>\n{good}<Event><A>caf\u{e9}</A>\n"
    );
    let mut bytes = input.into_bytes();
    // Latin-1 é instead of UTF-8 in the last element, never closed.
    let at = bytes
        .windows(2)
        .position(|w| w == "\u{e9}".as_bytes())
        .unwrap();
    bytes.splice(at..at + 2, [0xE9]);
    bytes.extend_from_slice(b"<Event><A>caf\xE9</A></Event>\n");
    let items = read(&bytes);
    let summary: Vec<Result<u64, (u64, String)>> = items
        .iter()
        .map(|r| match r {
            Ok((line, _)) => Ok(*line),
            Err(e) => Err((e.line, e.kind.to_string())),
        })
        .collect();
    assert_eq!(summary.len(), 5, "{summary:?}");
    assert_eq!(summary[0], Ok(1));
    assert!(
        matches!(&summary[1], Err((2, m)) if m.contains("unknown entity `&nbsp;`")),
        "{summary:?}"
    );
    assert_eq!(summary[2], Ok(3));
    assert!(
        matches!(&summary[3], Err((3, m)) if m.contains("not closed before the next")),
        "{summary:?}"
    );
    assert!(
        matches!(
            items[4].as_ref().unwrap_err().kind,
            ReadErrorKind::InvalidUtf8 {
                line: 4,
                column: 14
            }
        ),
        "{summary:?}"
    );
}

#[test]
fn sysmon_for_linux_events_reach_linux_rules_only() {
    let rules = [
        (
            "linux_ssh_reverse",
            "logsource: {category: process_creation, product: linux}\n\
             detection:\n  sel:\n    Image|endswith: /ssh\n    CommandLine|contains|cased: ' -R '\n  condition: sel",
        ),
        (
            "linux_ssh_out",
            "logsource: {category: network_connection, product: linux}\n\
             detection:\n  sel:\n    DestinationPort: 22\n    Initiated: 'true'\n  condition: sel",
        ),
        (
            "windows_ssh",
            "logsource: {category: process_creation, product: windows}\n\
             detection:\n  sel:\n    CommandLine|contains: ssh\n  condition: sel",
        ),
    ];
    let matcher = compile_bodies(&rules);
    let mut scratch = matcher.scratch();
    let (events, _) = records("sysmon-linux-syslog.log");
    let hits: Vec<Vec<&str>> = events
        .iter()
        .map(|r| {
            let mut ids = Vec::new();
            matcher.matches(&r.event, &mut scratch, &mut ids);
            ids.into_iter().map(|i| rules[i].0).collect()
        })
        .collect();
    assert_eq!(hits, vec![vec!["linux_ssh_reverse"], vec!["linux_ssh_out"]]);
}

#[test]
fn detection_from_content() {
    use tunnelhunt_sources::detect::detect;
    for head in [
        &b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events><Event xmlns='x'>"[..],
        b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>",
        b"Nov 27 09:59:58 web01 CRON[1]: (root) CMD (true)\nNov 27 10:00:00 web01 sysmon: <Event><System>",
    ] {
        assert_eq!(detect(head), Ok(Format::XmlEvents), "{head:?}");
    }
    assert_ne!(
        detect(b"{\"event\":{\"original\":\"<Event xmlns='x'>\"}}\n"),
        Ok(Format::XmlEvents)
    );
}
