//! Tests of the JSON framer, and of its fast path against plain stepping.

use serde_json::Value;

use super::*;
use crate::error::ReadErrorKind;
use crate::json::values::JsonRecords;

/// Frame `input` into (line, text-or-problem) pairs.
fn frames(input: &str) -> Vec<(u64, Result<String, Problem>)> {
    frames_limited(input, DEFAULT_MAX_RECORD_BYTES)
}

fn frames_limited(input: &str, limit: usize) -> Vec<(u64, Result<String, Problem>)> {
    // A tiny buffer exercises records that straddle chunks.
    let got = seen(input.as_bytes(), 7, limit, true);
    for capacity in [7, 4096] {
        assert_eq!(got, seen(input.as_bytes(), capacity, limit, false));
    }
    got.into_iter()
        .map(|frame| match frame {
            Seen::Value(line, _, bytes) => (line, Ok(String::from_utf8(bytes).unwrap())),
            Seen::Bad(line, problem) => (line, Err(problem)),
        })
        .collect()
}

/// A frame, comparable.
#[derive(Debug, PartialEq)]
enum Seen {
    Value(u64, u64, Vec<u8>),
    Bad(u64, Problem),
}

/// Every frame of `input` read through a buffer of `capacity` bytes,
/// with or without the fast path. A line framed on trust is kept if it is
/// valid JSON, else framed again, as `JsonRecords` does.
fn seen(input: &[u8], capacity: usize, limit: usize, fast: bool) -> Vec<Seen> {
    let reader = io::BufReader::with_capacity(capacity, input);
    let mut framer = if fast {
        Framer::new(reader, limit)
    } else {
        Framer::without_fast_path(reader, limit)
    };
    let mut out = Vec::new();
    while let Some(frame) = framer.next_frame() {
        out.push(match frame {
            Frame::Value { line, column } => Seen::Value(line, column, framer.record().to_vec()),
            Frame::Line { line } => {
                if serde_json::from_slice::<Value>(framer.record()).is_err() {
                    framer.reframe();
                    continue;
                }
                Seen::Value(line, 1, framer.record().to_vec())
            }
            Frame::Bad { line, problem } => Seen::Bad(line, problem),
            Frame::Io { error, .. } => panic!("{error}"),
        });
    }
    out
}

#[test]
fn json_lines() {
    let got = frames("{\"a\":1}\n{\"b\":\"}{\"}\r\n\n{\"c\":[{}]}");
    assert_eq!(
        got,
        vec![
            (1, Ok("{\"a\":1}".into())),
            (2, Ok("{\"b\":\"}{\"}".into())),
            (4, Ok("{\"c\":[{}]}".into())),
        ]
    );
}

#[test]
fn concatenated_pretty_documents() {
    let input = "{\n  \"a\": {\n    \"x\": \"\\\"{\"\n  }\n}\n{\n  \"b\": 2\n}\n";
    let got = frames(input);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, 1);
    assert_eq!(got[1], (6, Ok("{\n  \"b\": 2\n}".into())));
}

#[test]
fn arrays_on_one_line_and_pretty() {
    let got = frames("[{\"a\":1},{\"b\":2}]");
    assert_eq!(
        got,
        vec![(1, Ok("{\"a\":1}".into())), (1, Ok("{\"b\":2}".into()))]
    );
    let got = frames("[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": 2\n  }\n]\n");
    assert_eq!(got.iter().map(|f| f.0).collect::<Vec<_>>(), vec![2, 5]);
}

#[test]
fn non_object_array_elements_are_each_one_bad_record() {
    let not_json = |line, snippet: &str| {
        (
            line,
            Err(Problem::NotJson {
                snippet: snippet.into(),
            }),
        )
    };
    let got = frames("[{\"a\":1},null,{\"b\":2}, \"x,]\\\"\" ,{\"c\":3},[7],{\"d\":4}]\n{\"e\":5}");
    assert_eq!(
        got,
        vec![
            (1, Ok("{\"a\":1}".into())),
            not_json(1, "null"),
            (1, Ok("{\"b\":2}".into())),
            not_json(1, "\"x,]\\\"\""),
            (1, Ok("{\"c\":3}".into())),
            not_json(1, "7"),
            (1, Ok("{\"d\":4}".into())),
            (2, Ok("{\"e\":5}".into())),
        ]
    );
    // At the end of a line or of the input, the element ends too.
    let got = frames("[\n  1\n  ,{\"a\":1},tru");
    assert_eq!(
        got,
        vec![
            not_json(2, "1"),
            (3, Ok("{\"a\":1}".into())),
            not_json(3, "tru")
        ]
    );
}

#[test]
fn truncated_json_line_does_not_swallow_the_next() {
    let got = frames("{\"a\":1}\n{\"a\":{\"b\":2}\n{\"c\":3}\nnot json at all\n{\"d\":4}\n");
    assert_eq!(
        got,
        vec![
            (1, Ok("{\"a\":1}".into())),
            (2, Err(Problem::Truncated)),
            (3, Ok("{\"c\":3}".into())),
            (
                4,
                Err(Problem::NotJson {
                    snippet: "not json at all".into()
                })
            ),
            (5, Ok("{\"d\":4}".into())),
        ]
    );
}

#[test]
fn truncated_pretty_document_is_closed_by_the_next() {
    let got = frames("{\n  \"a\": {\n    \"b\": 1\n{\n  \"c\": 2\n}\n");
    assert_eq!(
        got,
        vec![
            (1, Err(Problem::Truncated)),
            (4, Ok("{\n  \"c\": 2\n}".into()))
        ]
    );
}

#[test]
fn unterminated_string_resynchronises() {
    let got = frames("{\"a\":1}\n{\"a\":\"oops\n{\"b\":2}\n");
    assert_eq!(
        got,
        vec![
            (1, Ok("{\"a\":1}".into())),
            (2, Err(Problem::UnterminatedString)),
            (3, Ok("{\"b\":2}".into())),
        ]
    );
    let got = frames("{\n  \"a\": \"oops\n  \"x\": 1\n}\n{\n  \"b\": 2\n}");
    assert_eq!(got[0], (1, Err(Problem::UnterminatedString)));
    assert_eq!(got[1], (5, Ok("{\n  \"b\": 2\n}".into())));
    assert_eq!(got.len(), 2);
}

#[test]
fn end_of_input_inside_a_record() {
    assert_eq!(
        frames("{\"a\":1}\n{\"a\":"),
        vec![(1, Ok("{\"a\":1}".into())), (2, Err(Problem::Truncated))]
    );
    assert_eq!(frames(""), vec![]);
    assert_eq!(frames("\u{feff}{}"), vec![(1, Ok("{}".into()))]);
}

#[test]
fn oversized_record_is_skipped() {
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(100));
    let input = format!("{{\"ok\":1}}\n{big}\n{{\"ok\":2}}\n");
    let got = frames_limited(&input, 50);
    assert_eq!(
        got,
        vec![
            (1, Ok("{\"ok\":1}".into())),
            (2, Err(Problem::TooLarge { limit: 50 })),
            (3, Ok("{\"ok\":2}".into())),
        ]
    );
}

/// What the fast path makes of `rest` in a fresh scanner: the length of
/// the line it framed on trust, and the record's text.
fn fast(rest: &[u8], limit: usize) -> Option<(usize, Vec<u8>)> {
    fast_in(&mut Scanner::new(limit), rest)
}

fn fast_in(scan: &mut Scanner, rest: &[u8]) -> Option<(usize, Vec<u8>)> {
    let line = scan.line;
    let (len, frame) = scan.line_on_trust(rest)?;
    let Frame::Line { line: framed } = frame else {
        panic!("the fast path framed {frame:?}");
    };
    assert_eq!(framed, line);
    Some((len, scan.buf.clone()))
}

#[test]
fn fast_path_takes_lines_that_may_be_one_record() {
    let max = DEFAULT_MAX_RECORD_BYTES;
    assert_eq!(fast(b"{\"a\":1}\n{", max), Some((8, b"{\"a\":1}".to_vec())));
    // Trailing whitespace, form feed included, is not the record's.
    assert_eq!(
        fast(b"{\"a\":\"}\\\"{\"} \t\x0C\r\n", max),
        Some((17, b"{\"a\":\"}\\\"{\"}".to_vec()))
    );
    // Whether the text is one record is the parser's to say.
    for line in [
        &b"{}{}\n"[..],
        b"{]}\n",
        b"{} {}\n",
        b"{}}\n",
        b"{\"a\":{}\n",
        b"{\"a}\n",
        b"{\"a\":}\n",
        b"{x}\n",
    ] {
        let text = line.trim_ascii_end().to_vec();
        assert_eq!(fast(line, max), Some((line.len(), text)));
    }
    // Stepping lets a record of one byte over the limit through.
    assert!(fast(b"{\"a\":1}\n", 6).is_some());
    assert!(fast(b"{\"a\":1}\n", 5).is_none());
}

#[test]
fn fast_path_steps_aside_for_anything_else() {
    let max = DEFAULT_MAX_RECORD_BYTES;
    let lines: [&[u8]; 10] = [
        b"{\"a\":1}",
        b"{} x\n",
        b"{\"a\":\"}\"\n",
        b"{\"a\\\n",
        b"{\n",
        b" {}\n",
        b"\xEF\xBB\xBF{}\n",
        b"{}\xEF\n",
        b"[{}]\n",
        b"\n",
    ];
    for line in lines {
        assert_eq!(fast(line, max), None, "{}", line.escape_ascii());
    }
    type Tweak = fn(&mut Scanner);
    let tweaks: [Tweak; 5] = [
        |s| s.column = 2,
        |s| s.array_depth = 1,
        |s| s.layout = Layout::Pretty,
        |s| s.state = State::Skip { to_line_end: false },
        |s| s.step_line = true,
    ];
    for tweak in tweaks {
        let mut scan = Scanner::new(max);
        tweak(&mut scan);
        assert_eq!(fast_in(&mut scan, b"{}\n"), None);
    }
    let mut scan = Scanner::new(max);
    scan.layout = Layout::Lines;
    assert!(fast_in(&mut scan, b"{}\n").is_some());
    assert_eq!((scan.line, scan.column, scan.layout), (2, 1, Layout::Lines));
    // A line reframed is stepped once; the next is fast again.
    scan.step_line = true;
    assert_eq!(fast_in(&mut scan, b"{}\n"), None);
    assert!(fast_in(&mut scan, b"{}\n").is_some());
}

#[test]
fn reframing_reads_the_line_again() {
    let input = b"{\"a\":1}{}\n{}\n";
    let mut framer = Framer::new(io::BufReader::with_capacity(64, &input[..]), 64);
    let Some(Frame::Line { line: 1 }) = framer.next_frame() else {
        panic!("not framed on trust");
    };
    assert_eq!(framer.record(), b"{\"a\":1}{}");
    assert_eq!(framer.scan.layout, Layout::Lines);
    framer.reframe();
    assert_eq!((framer.scan.line, framer.scan.layout), (1, Layout::Unknown));
    // Taking back twice, or after another frame, does nothing.
    framer.reframe();
    let mut got = Vec::new();
    while let Some(frame) = framer.next_frame() {
        if let Frame::Value { .. } = frame {
            framer.reframe();
        }
        got.push(format!("{frame:?} {}", framer.record().escape_ascii()));
    }
    assert_eq!(
        got,
        [
            "Value { line: 1, column: 1 } {\\\"a\\\":1}",
            "Value { line: 1, column: 8 } {}",
            "Line { line: 2 } {}",
        ]
    );
}

#[test]
fn fast_path_boundaries_frame_like_stepping() {
    // Each input goes through `frames`, which also checks it against
    // plain stepping with two buffer sizes.
    assert_eq!(
        frames("\u{feff}{\"a\":1}\r\n{\"b\":2}\n{\"c\":3}"),
        vec![
            (1, Ok("{\"a\":1}".into())),
            (2, Ok("{\"b\":2}".into())),
            (3, Ok("{\"c\":3}".into())),
        ]
    );
    // The first record settles the layout: the next line's open record
    // is truncated at its line end, not continued.
    assert_eq!(
        frames("{\"a\":1}\n{\"a\":\n  1}\n"),
        vec![
            (1, Ok("{\"a\":1}".into())),
            (2, Err(Problem::Truncated)),
            (
                3,
                Err(Problem::NotJson {
                    snippet: "1}".into()
                })
            ),
        ]
    );
    assert_eq!(
        frames("{}{\"a\":1}\n{} x\n{}}\n"),
        vec![
            (1, Ok("{}".into())),
            (1, Ok("{\"a\":1}".into())),
            (2, Ok("{}".into())),
            (
                2,
                Err(Problem::NotJson {
                    snippet: "x".into()
                })
            ),
            (3, Ok("{}".into())),
            (
                3,
                Err(Problem::NotJson {
                    snippet: "}".into()
                })
            ),
        ]
    );
    assert_eq!(
        frames_limited("{\"a\":1}\n{\"ab\":1}\n{}\n", 6),
        vec![
            (1, Ok("{\"a\":1}".into())),
            (2, Err(Problem::TooLarge { limit: 6 })),
            (3, Ok("{}".into())),
        ]
    );
    // A line that straddles the buffer's end is stepped; the next one
    // is fast again.
    let input = b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
    for capacity in 1..input.len() + 2 {
        assert_eq!(
            seen(input, capacity, 64, true),
            seen(input, capacity, 64, false)
        );
    }
}

/// One item of `JsonRecords::next_with`, comparable: the line, and the
/// column and text of a record or the error.
type Record = (u64, Result<(u64, String), String>);

/// The records of `input` as a reader gets them, each parsed by
/// serde_json, through a buffer of `capacity` bytes, with or without the
/// fast path. A syntax error names the record's start and text.
fn read(input: &[u8], capacity: usize, limit: usize, fast: bool) -> Vec<Record> {
    let reader = io::BufReader::with_capacity(capacity, input);
    let mut records = if fast {
        JsonRecords::with_max_record_bytes(reader, limit)
    } else {
        JsonRecords::stepping(reader, limit)
    };
    let parse = |bytes: &[u8], line: u64, column: u64| match serde_json::from_slice::<Value>(bytes)
    {
        Ok(_) => Ok((column, String::from_utf8(bytes.to_vec()).unwrap())),
        Err(e) => Err(ReadErrorKind::Json {
            line,
            column,
            reason: format!("{e} in `{}`", bytes.escape_ascii()),
        }),
    };
    std::iter::from_fn(|| records.next_with(parse))
        .map(|(line, parsed)| (line, parsed.map_err(|e| e.to_string())))
        .collect()
}

fn records(input: &str) -> Vec<Record> {
    records_limited(input, DEFAULT_MAX_RECORD_BYTES)
}

/// [`read`] with the fast path, checked against plain stepping, with
/// buffers that cut every line and that hold them all.
fn records_limited(input: &str, limit: usize) -> Vec<Record> {
    let got = read(input.as_bytes(), 4096, limit, true);
    for capacity in [1, 7, 4096] {
        for fast in [true, false] {
            let again = read(input.as_bytes(), capacity, limit, fast);
            assert_eq!(again, got, "buffer of {capacity} bytes, fast: {fast}");
        }
    }
    got
}

fn ok(line: u64, column: u64, text: &str) -> Record {
    (line, Ok((column, text.into())))
}

fn error(line: u64, e: ReadErrorKind) -> Record {
    (line, Err(e.to_string()))
}

fn invalid(line: u64, column: u64, reason: &str) -> Record {
    let reason = reason.into();
    error(
        line,
        ReadErrorKind::Json {
            line,
            column,
            reason,
        },
    )
}

#[test]
fn lines_framed_on_trust_that_are_records() {
    assert_eq!(records("{\"a\":1}\n"), [ok(1, 1, "{\"a\":1}")]);
    assert_eq!(
        records("{\"a\":1}\r\n{\"b\":[{}]} \t\r\n"),
        [ok(1, 1, "{\"a\":1}"), ok(2, 1, "{\"b\":[{}]}")]
    );
    // serde_json would reject a form feed after the record, but it is
    // trimmed off, as stepping skips it.
    assert_eq!(
        records("{\"a\":1}\x0C\n{\"b\":2}\x0C \x0C\r\n"),
        [ok(1, 1, "{\"a\":1}"), ok(2, 1, "{\"b\":2}")]
    );
}

#[test]
fn lines_framed_on_trust_that_are_not_one_record() {
    assert_eq!(
        records("{\"a\":1}{\"b\":2}\n{} {}\n{}\n"),
        [
            ok(1, 1, "{\"a\":1}"),
            ok(1, 8, "{\"b\":2}"),
            ok(2, 1, "{}"),
            ok(2, 4, "{}"),
            ok(3, 1, "{}"),
        ]
    );
    assert_eq!(
        records("{\"a\":\"}\"}{\"b\":1}\n"),
        [ok(1, 1, "{\"a\":\"}\"}"), ok(1, 10, "{\"b\":1}")]
    );
    // Balanced, so stepping frames the same text, and the error is the
    // parser's.
    assert_eq!(
        records("{\"a\":}\n{\"b\":1}\n"),
        [
            invalid(1, 1, "expected value at line 1 column 6 in `{\\\"a\\\":}`"),
            ok(2, 1, "{\"b\":1}"),
        ]
    );
    assert_eq!(
        records("{\"a\":1}\n{\"a\":{}\n{\"a\":\"x}\n{}}\n"),
        [
            ok(1, 1, "{\"a\":1}"),
            error(2, ReadErrorKind::Truncated),
            error(3, ReadErrorKind::UnterminatedString),
            ok(4, 1, "{}"),
            error(
                4,
                ReadErrorKind::NotJson {
                    snippet: "}".into()
                }
            ),
        ]
    );
}

#[test]
fn a_line_framed_again_leaves_the_layout_unsettled() {
    // The first line is not one record; stepping through it again must
    // start with the layout unknown, so that the document goes on to the
    // next line instead of being cut as a truncated JSON line.
    assert_eq!(
        records("{\"a\":{}\n}\n{\"b\":1}\n"),
        [ok(1, 1, "{\"a\":{}\n}"), ok(3, 1, "{\"b\":1}")]
    );
    assert_eq!(
        records("{\"a\":[}\n]}\n"),
        [
            invalid(
                1,
                1,
                "expected value at line 1 column 7 in `{\\\"a\\\":[}\\n]`"
            ),
            error(
                2,
                ReadErrorKind::NotJson {
                    snippet: "}".into()
                }
            ),
        ]
    );
    // A first line that is balanced settles it as stepping does.
    assert_eq!(
        records("{\"a\" 1}\n{\"b\":\n1}\n"),
        [
            invalid(1, 1, "expected `:` at line 1 column 6 in `{\\\"a\\\" 1}`"),
            error(2, ReadErrorKind::Truncated),
            error(
                3,
                ReadErrorKind::NotJson {
                    snippet: "1}".into()
                }
            ),
        ]
    );
}

#[test]
fn lines_framed_on_trust_and_the_size_limit() {
    assert_eq!(
        records_limited("{\"a\":1}\n{\"ab\":1}\n{\"a\":2} \n", 6),
        [
            ok(1, 1, "{\"a\":1}"),
            error(2, ReadErrorKind::TooLarge { limit: 6 }),
            ok(3, 1, "{\"a\":2}"),
        ]
    );
}

#[test]
fn a_line_framed_on_trust_then_a_pretty_document() {
    // The JSON-lines layout, settled by the first line, cuts the document.
    assert_eq!(
        records("{\"a\":1}\n{\n  \"b\": 2\n}\n"),
        [
            ok(1, 1, "{\"a\":1}"),
            error(2, ReadErrorKind::Truncated),
            error(
                3,
                ReadErrorKind::NotJson {
                    snippet: "\"b\": 2".into()
                }
            ),
            error(
                4,
                ReadErrorKind::NotJson {
                    snippet: "}".into()
                }
            ),
        ]
    );
    // A pretty document first, then no line is framed on trust.
    let got = records("{\n  \"b\": 2\n}\n{\"a\":1}{}\n");
    assert_eq!(
        got,
        [
            ok(1, 1, "{\n  \"b\": 2\n}"),
            ok(4, 1, "{\"a\":1}"),
            ok(4, 8, "{}")
        ]
    );
}

mod generated {
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::{Index, select};

    use super::*;

    fn scalar() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            Just("a"),
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just(" "),
            Just("\\"),
            Just("\\\""),
            Just("\\\\"),
            Just("\\u0041"),
        ];
        prop_oneof![
            Just("1".to_owned()),
            Just("null".to_owned()),
            vec(part, 0..5).prop_map(|parts| format!("\"{}\"", parts.concat())),
        ]
    }

    fn members(value: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
        vec(("[a-c]{1,2}", value), 0..4).prop_map(|members| {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("\"{k}\":{v}"))
                .collect();
            format!("{{{}}}", members.join(","))
        })
    }

    fn object() -> impl Strategy<Value = String> {
        members(scalar().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(","))),
                members(inner),
            ]
        }))
    }

    /// The text of one line (or, pretty-printed, several).
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        let text = prop_oneof![
            4 => object(),
            1 => (object(), "[ \t\r]{1,3}").prop_map(|(o, blank)| o + &blank),
            // Two records, or a record and more text, on one line.
            1 => (object(), r"[ x,\[{]{0,2}", object()).prop_map(|(a, mid, b)| a + &mid + &b),
            1 => object().prop_map(|o| o.replace(',', ",\n  ").replace('{', "{\n ")),
            1 => vec(object(), 0..3).prop_map(|items| format!("[{}]", items.join(","))),
            // Arrays whose elements are not all objects.
            1 => vec(prop_oneof![object(), scalar()], 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            1 => vec(object(), 0..3).prop_map(|items| format!("[\n{}\n]", items.join(",\n"))),
            1 => (object(), any::<Index>()).prop_map(|(o, at)| o[..at.index(o.len())].to_owned()),
            // Unbalanced text, open strings, stray escapes.
            1 => r#"[a-z {}\[\]"\\,:]{0,12}"#,
            1 => Just(String::new()),
        ]
        .prop_map(String::into_bytes);
        // Near misses: a record with one byte taken out or put in.
        let edited = (
            object(),
            any::<Index>(),
            select(&b"{}[]\"\\ x"[..]),
            any::<bool>(),
        )
            .prop_map(|(record, at, byte, insert)| {
                let mut record = record.into_bytes();
                if insert {
                    record.insert(at.index(record.len() + 1), byte);
                } else {
                    record.remove(at.index(record.len()));
                }
                record
            });
        let odd = vec(select(&b"{} \xEF\xBB\xBF\r"[..]), 0..4);
        prop_oneof![8 => text, 2 => edited, 1 => odd]
    }

    fn input() -> impl Strategy<Value = Vec<u8>> {
        let end = prop_oneof![4 => Just(&b"\n"[..]), 1 => Just(&b"\r\n"[..]), 1 => Just(&b""[..])];
        (any::<bool>(), vec((piece(), end), 0..10)).prop_map(|(bom, lines)| {
            let mut input = if bom {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            for (line, end) in lines {
                input.extend_from_slice(&line);
                input.extend_from_slice(end);
            }
            input
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Through `next_with` (lines framed on trust, parsed, re-framed
        /// when rejected) and at the framer alone, the fast path gives
        /// what stepping gives.
        #[test]
        fn fast_path_reads_and_frames_like_stepping(
            input in input(),
            limit in prop_oneof![3 => 1..48usize, 1 => Just(DEFAULT_MAX_RECORD_BYTES)],
        ) {
            for capacity in [7, 64, 4096] {
                prop_assert_eq!(
                    read(&input, capacity, limit, true),
                    read(&input, capacity, limit, false),
                    "read through a buffer of {} bytes", capacity
                );
                prop_assert_eq!(
                    seen(&input, capacity, limit, true),
                    seen(&input, capacity, limit, false),
                    "framed through a buffer of {} bytes", capacity
                );
            }
        }
    }
}
