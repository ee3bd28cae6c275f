//! Hostile input (issue 15): records nested 100,000 deep in every reader
//! that builds trees, one-line JSON arrays with non-object elements, and
//! gzip files with trailing padding or a corrupt member. None of them may
//! crash the scan or lose records in silence.

use crate::common;

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use common::{gzip, split, summary, write};
use tunnelhunt_sources::{Format, ReadErrorKind, RecordReader, open};

/// serde_json's recursion limit is 128; everything past that is hostile.
const DEEP: usize = 100_000;

fn reader(format: Format, input: String) -> RecordReader {
    let path: Arc<Path> = Arc::from(Path::new("deep.input"));
    RecordReader::new(format, Box::new(Cursor::new(input.into_bytes())), path)
}

/// `[[[…]]]` and `{"a":{"a":…}}`, `DEEP` levels each.
fn deep_json_values() -> [String; 2] {
    [
        format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP)),
        format!("{}1{}", "{\"a\":".repeat(DEEP), "}".repeat(DEEP)),
    ]
}

/// A good record, then `deep` as the value of every key `place` is
/// rendered with (on its own line), then a good record again: the deep
/// one is reported as unparseable at line 2, the others are read.
fn assert_deep_json_is_one_bad_record(format: Format, good: &str, places: &[&str]) {
    for deep in deep_json_values() {
        for place in places {
            let record = place.replace("DEEP", &deep);
            let got = summary(reader(format, format!("{good}\n{record}\n{good}\n")));
            assert_eq!(got.len(), 3, "{format:?} {place}: {got:?}");
            assert!(matches!(got[0], Ok(1)), "{format:?} {place}: {:?}", got[0]);
            assert!(
                matches!(got[1], Err((2, ReadErrorKind::Json { .. }))),
                "{format:?} {place}: {:?}",
                got[1]
            );
            assert!(matches!(got[2], Ok(3)), "{format:?} {place}: {:?}", got[2]);
        }
    }
}

#[test]
fn evtx_json_nested_100k_deep_is_one_bad_record() {
    assert_deep_json_is_one_bad_record(
        Format::EvtxJson,
        r#"{"Event":{"System":{"EventID":1},"EventData":{"Image":"C:\\plink.exe"}}}"#,
        &[
            r#"{"Event":{"System":{"EventID":1},"EventData":{"Image":DEEP}}}"#,
            r#"{"Event":{"System":{"EventID":1},"EventData":{"Data":DEEP}}}"#,
            r#"{"Event":{"System":DEEP}}"#,
            r#"{"Other":DEEP,"Event":{"System":{"EventID":1}}}"#,
        ],
    );
}

#[test]
fn ecs_nested_100k_deep_is_one_bad_record() {
    assert_deep_json_is_one_bad_record(
        Format::Ecs,
        r#"{"@timestamp":"2024-05-02T09:14:05Z","winlog":{"channel":"Security"},"process":{"executable":"C:\\plink.exe"}}"#,
        &[
            r#"{"@timestamp":"2024-05-02T09:14:05Z","winlog":{"channel":"Security"},"process":DEEP}"#,
            r#"{"@timestamp":"2024-05-02T09:14:05Z","winlog":{"event_data":DEEP}}"#,
            r#"{"x":DEEP,"winlog":{"channel":"Security"}}"#,
        ],
    );
}

#[test]
fn defender_json_nested_100k_deep_is_one_bad_record() {
    assert_deep_json_is_one_bad_record(
        Format::MdeJson,
        r#"{"Timestamp":"2024-05-02T09:14:05Z","DeviceName":"w","ActionType":"ProcessCreated"}"#,
        &[
            r#"{"Timestamp":"2024-05-02T09:14:05Z","DeviceName":"w","AdditionalFields":DEEP}"#,
            r#"{"time":"2024-05-02T09:14:05Z","category":"AdvancedHunting-DeviceEvents","properties":DEEP}"#,
            r#"{"time":"2024-05-02T09:14:05Z","category":"AdvancedHunting-DeviceEvents","properties":{"AdditionalFields":DEEP}}"#,
        ],
    );
}

#[test]
fn zeek_json_nested_100k_deep_is_one_bad_record() {
    assert_deep_json_is_one_bad_record(
        Format::ZeekJson,
        r#"{"ts":1.0,"uid":"C","query":"a"}"#,
        &[
            r#"{"ts":2.0,"uid":"C","query":DEEP}"#,
            r#"{"ts":DEEP,"uid":"C"}"#,
        ],
    );
}

const EVENT_NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// An event whose `EventData` holds `depth` nested `<a>` elements.
fn nested_xml_event(depth: usize) -> String {
    format!(
        "<Event xmlns='{EVENT_NS}'><System><EventID>1</EventID></System><EventData>{}{}</EventData></Event>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    )
}

#[test]
fn xml_nested_100k_deep_is_one_bad_record() {
    let good = "<Event><System><EventID>1</EventID></System></Event>";
    // The issue's reproducer (3,000 levels), and 100,000.
    for depth in [3_000, DEEP] {
        let input = format!("{good}\n{}\n{good}\n", nested_xml_event(depth));
        let got = summary(reader(Format::XmlEvents, input));
        assert_eq!(got.len(), 3, "{depth}: {got:?}");
        assert!(
            matches!((&got[0], &got[2]), (Ok(1), Ok(3))),
            "{depth}: {got:?}"
        );
        let Err((2, ReadErrorKind::Xml(e))) = &got[1] else {
            panic!("{depth}: {:?}", got[1]);
        };
        assert!(e.to_string().contains("nested deeper than"), "{e}");
    }
}

#[test]
fn xml_nesting_within_the_bound_is_read() {
    // `Event` and `EventData` are two of the levels.
    let input = nested_xml_event(120);
    let got = summary(reader(Format::XmlEvents, input));
    assert!(matches!(got[..], [Ok(1)]), "{got:?}");
}

const ARRAY_EVENT: &str =
    r#"{"Event":{"System":{"EventID":1},"EventData":{"Image":"C:\\plink.exe"}}}"#;

/// The lines of the records and of the errors of `input` read as evtx JSON.
fn array_items(input: String) -> (Vec<u64>, Vec<(u64, ReadErrorKind)>) {
    split(summary(reader(Format::EvtxJson, input)))
}

#[test]
fn one_line_array_reads_past_a_non_object_element() {
    // `ConvertTo-Json -Compress` and API exports write one-line arrays.
    let e = ARRAY_EVENT;
    let (ok, bad) = array_items(format!("[{e},null,{e},{e}]"));
    assert_eq!(ok, vec![1, 1, 1]);
    assert!(
        matches!(&bad[..], [(1, ReadErrorKind::NotJson { snippet })] if snippet == "null"),
        "{bad:?}"
    );

    let mut input = format!("[{e},null");
    for _ in 0..1000 {
        input.push(',');
        input.push_str(e);
    }
    input.push(']');
    let (ok, bad) = array_items(input);
    assert_eq!((ok.len(), bad.len()), (1001, 1));

    // Every kind of non-object element, strings with the array's own
    // punctuation in them included, is one bad record.
    let (ok, bad) = array_items(format!(
        "[{e},1,\"a,]\\\"]\",true,-2.5e3,[],{e}, false ,{e}]\n{e}\n"
    ));
    assert_eq!(ok, vec![1, 1, 1, 2]);
    let snippets: Vec<_> = bad
        .iter()
        .map(|(line, kind)| match kind {
            ReadErrorKind::NotJson { snippet } => (*line, snippet.as_str()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        snippets,
        vec![
            (1, "1"),
            (1, "\"a,]\\\"]\""),
            (1, "true"),
            (1, "-2.5e3"),
            (1, "false")
        ]
    );
}

/// `lines` Zeek JSON lines, numbered from `first`.
fn zeek_lines(first: usize, lines: usize) -> String {
    (first..first + lines)
        .map(|i| format!("{{\"ts\":{i}.5,\"uid\":\"C{i}\",\"query\":\"q{i}.example\"}}\n"))
        .collect()
}

/// The records and the errors of the gzip file `data`.
fn read_gzip(name: &str, data: &[u8]) -> (Vec<u64>, Vec<tunnelhunt_sources::ReadError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, data);
    let reader = open(&path).unwrap_or_else(|e| panic!("{name} not opened: {e}"));
    let (ok, bad) = split(reader);
    (ok.iter().map(|r| r.origin.line().unwrap()).collect(), bad)
}

#[test]
fn gzip_with_trailing_zero_padding_is_read_whole() {
    // `gzip -t` and `zcat` accept zeros after the last member (tape and
    // block-device padding): a small file, whose content fits in the
    // sniffed head, and a big one, whose padding the reader meets.
    for lines in [3, 20_000] {
        for padding in [1, 512, 100_000] {
            let mut data = gzip(zeek_lines(0, lines).as_bytes());
            data.extend(std::iter::repeat_n(0u8, padding));
            let (ok, bad) = read_gzip("padded.json.gz", &data);
            assert!(bad.is_empty(), "{lines} lines, {padding} zeros: {bad:?}");
            assert_eq!(ok.len(), lines, "{lines} lines, {padding} zeros");
        }
    }
}

#[test]
fn gzip_damage_after_the_first_member_names_the_offset_and_the_loss() {
    let first = gzip(zeek_lines(0, 3).as_bytes());
    let second = gzip(zeek_lines(3, 3).as_bytes());
    let offset = first.len();
    // A second member with a damaged header; data after zero padding that
    // is not gzip; a second member cut short.
    let mut bad_header = first.clone();
    bad_header.extend([0x1f, 0x8b, 0xff, 0xff, 0, 0, 0, 0, 0, 0]);
    bad_header.extend(&second);
    let mut after_padding = first.clone();
    after_padding.extend([0u8; 7]);
    after_padding.extend(b"junk");
    let mut cut = first.clone();
    cut.extend(&second[..second.len() - 5]);
    for (what, data, at, lines_read) in [
        ("damaged header", bad_header, offset, 3),
        ("data after the padding", after_padding, offset + 7, 3),
        ("truncated member", cut, offset, 6),
    ] {
        let (ok, bad) = read_gzip("damaged.json.gz", &data);
        assert_eq!(ok.len(), lines_read, "{what}");
        let [error] = &bad[..] else {
            panic!("{what}: {bad:?}");
        };
        assert!(error.is_fatal(), "{what}: {error}");
        let message = error.to_string();
        assert!(message.contains("damaged.json.gz"), "{what}: {message}");
        assert!(message.contains(&format!("byte {at}")), "{what}: {message}");
        assert!(
            message.contains("rest of the file was not read"),
            "{what}: {message}"
        );
    }
}
