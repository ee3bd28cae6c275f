//! UTF-16 inputs, as Windows PowerShell 5 writes them (`ConvertTo-Json >`,
//! `Export-Csv`, `Out-File`: little-endian with a byte-order mark): JSON,
//! CSV and XML in UTF-16 LE or BE read as the same events, on the same
//! lines, as their UTF-8 twins.

use crate::common;

use common::{fixture, write};
use tunnelhunt_sources::{AnyEvent, Format, open};

/// `text` in UTF-16 with its byte-order mark.
fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        if little_endian {
            bytes.extend_from_slice(&unit.to_le_bytes());
        } else {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
    }
    bytes
}

/// The format, and (line, event) or the error text of each record.
type Read = (Format, Vec<Result<(Option<u64>, AnyEvent), String>>);

fn read(name: &str, content: &[u8]) -> Read {
    let dir = tempfile::tempdir().unwrap();
    let reader = open(&write(dir.path(), name, content)).unwrap();
    let format = reader.format();
    let items = reader
        .map(|item| match item {
            Ok(r) => Ok((r.origin.line(), r.event)),
            Err(e) => Err(e.kind.to_string()),
        })
        .collect();
    (format, items)
}

#[test]
fn utf16_json_csv_and_xml_read_as_their_utf8_twins() {
    let cases = [
        ("ecs/winlogbeat.jsonl", Format::Ecs),
        ("mde/DeviceProcessEvents.csv", Format::MdeCsv),
        ("xml/wevtutil-security.xml", Format::XmlEvents),
        ("xml/sysmon-linux-syslog.log", Format::XmlEvents),
    ];
    for (name, format) in cases {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        // PowerShell writes CRLF line ends.
        let text = text.replace("\r\n", "\n").replace('\n', "\r\n");
        let twin = read("utf8", text.as_bytes());
        assert_eq!(twin.0, format, "{name}");
        assert!(twin.1.iter().any(Result::is_ok), "{name}: {:?}", twin.1);
        for little_endian in [true, false] {
            let got = read("utf16", &utf16(&text, little_endian));
            assert_eq!(got, twin, "{name}, little-endian: {little_endian}");
        }
    }
}

#[test]
fn evtx_json_from_convertto_json_in_utf16_is_read() {
    // `Get-WinEvent … | ConvertTo-Json` shapes differ; the evtx JSON shape
    // as a pretty-printed array is what a converted export looks like.
    let text = "[\r\n    {\r\n        \"Event\": {\r\n            \"System\": {\"EventID\": 1, \"Computer\": \"WKS1\"},\r\n            \"EventData\": {\"Image\": \"C:\\\\x\\\\plink.exe\", \"CommandLine\": \"plink -R 3389:127.0.0.1:3389 \u{e9}\"}\r\n        }\r\n    }\r\n]\r\n";
    let (format, items) = read("events.json", &utf16(text, true));
    assert_eq!(format, Format::EvtxJson);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items, read("twin.json", text.as_bytes()).1);
}

#[test]
fn a_lone_surrogate_costs_no_record() {
    let line = r#"{"Event":{"System":{"EventID":1},"EventData":{"Image":"C:\\x\\ssh.exe"}}}"#;
    let mut bytes = utf16(&format!("{line}\r\n"), true);
    // An unpaired high surrogate inside the second record's string.
    let second = utf16(&format!("{line}\r\n"), true)[2..].to_vec();
    let at = second.len() - 20;
    bytes.extend_from_slice(&second[..at]);
    bytes.extend_from_slice(&0xD800u16.to_le_bytes());
    bytes.extend_from_slice(&second[at..]);
    let (format, items) = read("events.json", &bytes);
    assert_eq!(format, Format::EvtxJson);
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(Result::is_ok), "{items:?}");
}
