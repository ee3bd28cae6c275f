//! Tests of cutting files into blocks: blocks read exactly like the whole
//! file, and the line classifier agrees with the framer's stepping.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::record::{Record, RecordReader};
use crate::{ReadError, detect};

/// Every record and error of `content`, as text, read by one reader over
/// `content` at `first_line` of its file.
fn read_from(content: &[u8], first_line: u64) -> Vec<String> {
    let format = detect::detect(content).unwrap();
    let path: Arc<Path> = Arc::from(Path::new("cut.jsonl"));
    let reader = RecordReader::new(format, Box::new(Cursor::new(content.to_vec())), path);
    let offset = first_line - 1;
    reader
        .map(|item| {
            show(match item {
                Ok(mut record) => {
                    record.origin.shift_lines(offset);
                    Ok(record)
                }
                Err(mut error) => {
                    error.shift_lines(offset);
                    Err(error)
                }
            })
        })
        .collect()
}

/// Every record and error of `content` read in the blocks `plan` cuts it
/// into, and how many blocks. The plan is fed the way a caller reading
/// the file is: `piece` bytes more each time it asks for more.
fn read_in_blocks(content: &[u8], block: usize, piece: usize) -> (Vec<String>, usize) {
    let format = detect::detect(content).unwrap();
    let mut plan = plan(format, block).expect("a format the JSON framer reads");
    let mut items = Vec::new();
    let mut blocks = 0;
    let mut rest = content;
    let mut first_line = 1;
    while !rest.is_empty() {
        blocks += 1;
        plan.start_block();
        let (mut done, mut line) = (0, first_line);
        let mut held = piece.min(rest.len());
        let cut = loop {
            match plan.next_cut(&rest[..held], &mut done, &mut line) {
                Cut::NeedMore if held < rest.len() => held = (held + piece).min(rest.len()),
                Cut::NeedMore | Cut::Stop => break None,
                Cut::At { at, line } => break Some((at, line)),
            }
        };
        let Some((at, at_line)) = cut else {
            items.extend(read_from(rest, first_line));
            break;
        };
        items.extend(read_from(&rest[..at], first_line));
        rest = &rest[at..];
        first_line = at_line;
    }
    (items, blocks)
}

fn show(item: Result<Record, ReadError>) -> String {
    match item {
        Ok(record) => format!("{record:?}"),
        Err(error) => format!("error: {error}"),
    }
}

fn event(n: usize) -> String {
    format!(
        "{{\"Event\":{{\"System\":{{\"EventID\":1,\"EventRecordID\":{n}}},\
         \"EventData\":{{\"CommandLine\":\"ssh -N -L {n}:h:22 \\\"q{{[\\\" x\"}}}}}}"
    )
}

/// Cut files must give exactly what one reader over the file gives:
/// same records, same errors, same line numbers.
#[test]
fn parts_read_exactly_like_the_whole_file() {
    let mut lines: Vec<String> = (0..60).map(event).collect();
    lines[3] = "{\"Event\": {\"System\": oops}}".to_owned();
    lines[9] = "not json at all".to_owned();
    lines[14] = String::new();
    lines[20] = "{\"Event\":{\"System\":{".to_owned();
    lines[26] = "{\"Event\":\"unterminated".to_owned();
    lines[31] = format!("  {}", event(31));
    lines[33] = format!("{}\r", event(33));
    lines[37] = format!("{} {}", event(37), event(1037));
    let clean = lines.join("\n");
    let mut with_utf8 = clean.clone().into_bytes();
    with_utf8.extend_from_slice(b"\n{\"Event\":{\"System\":{\"EventID\":\"\xff\"}}}\n");
    with_utf8.extend_from_slice(format!("{}\n", event(99)).as_bytes());
    // In an array a record open at its line end goes on to the next
    // line instead of being cut short there: a block reader that missed
    // the `[` would frame line 52 differently.
    let mut array = lines.clone();
    array[52] = "{\"Event\":{\"System\":{".to_owned();
    let mut array_after_record = array.clone();
    array.insert(45, "[".to_owned());
    // A `[` after a record on its line opens an array too.
    array_after_record[47] = format!("{} [", event(47));
    let mut long = lines.clone();
    long[40] = format!("{{\"Event\":{{\"x\":\"{}\"}}}}", "a".repeat(3000));
    let pretty_doc = |l: &String| l.replace(",", ",\n  ").replace("{\"", "{\n  \"");
    let pretty = lines[..40]
        .iter()
        .map(pretty_doc)
        .collect::<Vec<_>>()
        .join("\n");
    // evtx_dump's `Record N` lines, a document cut short (closed by the
    // next), a string holding braces, garbage and a stray `}`.
    let mut pretty_damaged: Vec<String> = Vec::new();
    for (i, l) in lines[..50].iter().enumerate() {
        pretty_damaged.push(format!("Record {i}"));
        pretty_damaged.push(match i {
            7 => "{\n  \"Event\": {\n    \"System\": {".to_owned(),
            12 => "{\n  \"x\": \"}{[\",\n  \"y\": 1\n}".to_owned(),
            30 => "{\n  \"Event\": \"unterminated\n}".to_owned(),
            // A one-line document, then one cut short: a block may not
            // start at the first (its reader would take the file for
            // one record per line and cut the second short at its
            // first line end).
            20 => event(20),
            // A document cut short right before a one-line one: no
            // block may start at the first.
            26 => "{\n  \"Event\": {\n    \"System\": {".to_owned(),
            27 => event(27),
            21 => "{\n  \"Event\": {\n    \"System\": {\n  \"x\": 1".to_owned(),
            _ => pretty_doc(l),
        });
    }
    let pretty_damaged = pretty_damaged.join("\n");
    let mut pretty_then_array = lines[..30].iter().map(pretty_doc).collect::<Vec<_>>();
    pretty_then_array.insert(25, "[".to_owned());
    let pretty_then_array = pretty_then_array.join("\n");
    // The first document cut short, then one-line records: one record
    // per line after all.
    let truncated_first = format!("{{\n  \"a\": {{\n{clean}");
    // No place to cut for many blocks: read on as one unit, not held.
    let mut garbage_flood = lines.clone();
    for l in &mut garbage_flood[5..55] {
        *l = "garbage".repeat(20);
    }
    let garbage_first = format!("header line\n{{\"Event\":{{\n{clean}");
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("clean", clean.clone().into_bytes(), true),
        ("utf8", with_utf8, true),
        (
            "bom",
            [b"\xEF\xBB\xBF".to_vec(), clean.clone().into_bytes()].concat(),
            true,
        ),
        ("array", array.join("\n").into_bytes(), true),
        (
            "array_after_record",
            array_after_record.join("\n").into_bytes(),
            true,
        ),
        ("long", long.join("\n").into_bytes(), true),
        ("pretty", pretty.into_bytes(), true),
        ("pretty_damaged", pretty_damaged.into_bytes(), true),
        ("pretty_then_array", pretty_then_array.into_bytes(), true),
        ("truncated_first", truncated_first.into_bytes(), false),
        (
            "garbage_flood",
            garbage_flood.join("\n").into_bytes(),
            false,
        ),
        ("garbage_first", garbage_first.into_bytes(), false),
    ];
    // Several block sizes, so that cuts fall before many different lines,
    // and several read sizes, so that whole lines run out anywhere.
    for ((name, content, cut), block, piece) in cases.iter().flat_map(|case| {
        [170, 300, 520]
            .into_iter()
            .flat_map(move |block| [64, 1 << 20].map(|piece| (case, block, piece)))
    }) {
        let whole = read_from(content, 1);
        let (parts, blocks) = read_in_blocks(content, block, piece);
        let first_difference = parts.iter().zip(&whole).position(|(a, b)| a != b);
        assert_eq!(
            (parts.len(), first_difference),
            (whole.len(), None),
            "{name}: {:?}",
            first_difference.map(|i| (&parts[i], &whole[i]))
        );
        assert!(whole.len() >= 10, "{name}: {whole:#?}");
        assert_eq!(blocks > 2, *cut, "{name}: {blocks} blocks");
    }
}

/// Formats the JSON framer does not read are not cut by this plan.
#[test]
fn only_framed_json_formats_are_planned() {
    for format in [Format::EvtxJson, Format::Ecs, Format::MdeJson] {
        assert!(plan(format, 100).is_some(), "{format:?}");
    }
    for format in [
        Format::Evtx,
        Format::ZeekJson,
        Format::ZeekTsv,
        Format::Auditd,
    ] {
        assert!(plan(format, 100).is_none(), "{format:?}");
    }
}

/// The byte-at-a-time classifier `line_shape` replaced, kept as its
/// oracle.
fn stepped_line_shape(line: &[u8], first_line_of_file: bool) -> Shape {
    let mut line = line.strip_suffix(b"\n").unwrap_or(line);
    if first_line_of_file {
        line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    }
    let mut depth = 0u32;
    let mut in_string = false;
    let mut escaped = false;
    let mut records = 0;
    let mut first_at_start = false;
    for (i, &b) in line.iter().enumerate() {
        if depth == 0 {
            match b {
                b'{' => {
                    depth = 1;
                    if records == 0 && i == 0 {
                        first_at_start = true;
                    }
                }
                b'[' => return Shape::Unsafe,
                _ if b.is_ascii_whitespace() => {}
                // Not JSON: the framer skips to the line end.
                _ => break,
            }
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    records += 1;
                }
            }
            _ => {}
        }
    }
    if depth > 0 {
        Shape::OpenAtEnd
    } else if records == 0 {
        Shape::NoRecord
    } else if first_at_start {
        Shape::OneLineRecord
    } else {
        Shape::Records
    }
}

/// Every line of up to six bytes over the structural alphabet, then
/// longer lines of random tokens: the skimming classifier must agree
/// with the stepping one on all of them.
#[test]
fn line_shape_agrees_with_stepping() {
    let check = |line: &[u8]| {
        for first in [false, true] {
            assert_eq!(
                line_shape(line, first),
                stepped_line_shape(line, first),
                "{} (first line: {first})",
                line.escape_ascii()
            );
        }
    };
    const ALPHABET: &[u8] = b"{}[]\"\\ a";
    let mut line = Vec::new();
    for len in 0..=6u32 {
        for mut n in 0..ALPHABET.len().pow(len) {
            line.clear();
            for _ in 0..len {
                line.push(ALPHABET[n % ALPHABET.len()]);
                n /= ALPHABET.len();
            }
            check(&line);
            line.push(b'\n');
            check(&line);
        }
    }
    const TOKENS: &[&[u8]] = &[
        b"{\"a\":",
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b"\"x\"",
        b"\\",
        b"\\\"",
        b"\\\\",
        b",",
        b" ",
        b"\r",
        b"\n",
        b"1",
        b"x",
        b"\xEF\xBB\xBF",
    ];
    // xorshift64: reproducible without a dependency.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..200_000 {
        line.clear();
        if next() % 2 == 0 {
            line.push(b'{');
        }
        let tokens = next() % 24;
        for _ in 0..tokens {
            line.extend_from_slice(TOKENS[(next() % TOKENS.len() as u64) as usize]);
        }
        check(&line);
    }
}

#[test]
fn line_shapes() {
    assert_eq!(
        line_shape(b"{\"a\":{\"b\":[1]}}\n", false),
        Shape::OneLineRecord
    );
    assert_eq!(line_shape(b"{\"a\":\"}{[\"}", false), Shape::OneLineRecord);
    assert_eq!(line_shape(b"  {\"a\":1}\n", false), Shape::Records);
    assert_eq!(
        line_shape(b"\xEF\xBB\xBF{\"a\":1}\n", true),
        Shape::OneLineRecord
    );
    assert_eq!(line_shape(b"\n", false), Shape::NoRecord);
    assert_eq!(line_shape(b"not json [\n", false), Shape::NoRecord);
    assert_eq!(line_shape(b"{\"a\":\n", false), Shape::OpenAtEnd);
    assert_eq!(line_shape(b"{\"a\":\"x\\\"}\n", false), Shape::OpenAtEnd);
    assert_eq!(line_shape(b"[{\"a\":1}]\n", false), Shape::Unsafe);
    assert_eq!(line_shape(b"{\"a\":1} [\n", false), Shape::Unsafe);
}
