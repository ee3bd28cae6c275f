//! Tests of the JSON framer, and of its fast path against plain stepping.

use super::*;

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
/// with or without the fast path.
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

/// What the fast path makes of `rest` in a fresh scanner: the bytes it
/// took and the record.
fn fast(rest: &[u8], limit: usize) -> Option<(usize, Vec<u8>)> {
    fast_in(&mut Scanner::new(limit), rest)
}

fn fast_in(scan: &mut Scanner, rest: &[u8]) -> Option<(usize, Vec<u8>)> {
    let (used, frame) = scan.whole_line_record(rest)?;
    let Frame::Value { .. } = frame else {
        panic!("the fast path framed {frame:?}");
    };
    Some((used, scan.buf.clone()))
}

#[test]
fn fast_path_takes_plain_record_lines() {
    let max = DEFAULT_MAX_RECORD_BYTES;
    assert_eq!(fast(b"{\"a\":1}\n{", max), Some((8, b"{\"a\":1}".to_vec())));
    assert_eq!(
        fast(b"{\"a\":\"}\\\"{\"} \t\r\n", max),
        Some((16, b"{\"a\":\"}\\\"{\"}".to_vec()))
    );
    // Depth counts brackets and braces alike, as stepping does.
    assert_eq!(fast(b"{]\n", max), Some((3, b"{]".to_vec())));
    // Stepping lets a record of one byte over the limit through.
    assert!(fast(b"{\"a\":1}\n", 6).is_some());
    assert!(fast(b"{\"a\":1}\n", 5).is_none());
}

#[test]
fn fast_path_steps_aside_for_anything_else() {
    let max = DEFAULT_MAX_RECORD_BYTES;
    let lines: [&[u8]; 13] = [
        b"{\"a\":1}",
        b"{}{}\n",
        b"{} {}\n",
        b"{} x\n",
        b"{}}\n",
        b"{\"a\":{}\n",
        b"{\"a}\n",
        b"{\"\\\"}\n",
        b"{\"a\\\n",
        b" {}\n",
        b"\xEF\xBB\xBF{}\n",
        b"{}\xEF\n",
        b"[{}]\n",
    ];
    for line in lines {
        assert_eq!(fast(line, max), None, "{}", line.escape_ascii());
    }
    type Tweak = fn(&mut Scanner);
    let tweaks: [Tweak; 4] = [
        |s| s.column = 2,
        |s| s.array_depth = 1,
        |s| s.layout = Layout::Pretty,
        |s| s.state = State::Skip { to_line_end: false },
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

        #[test]
        fn fast_path_frames_like_stepping(
            input in input(),
            limit in prop_oneof![3 => 1..48usize, 1 => Just(DEFAULT_MAX_RECORD_BYTES)],
        ) {
            for capacity in [7, 64, 4096] {
                prop_assert_eq!(
                    seen(&input, capacity, limit, true),
                    seen(&input, capacity, limit, false),
                    "buffer of {} bytes", capacity
                );
            }
        }
    }
}
