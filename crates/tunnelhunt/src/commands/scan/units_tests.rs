//! Tests of the cutter's reading: the blocks it hands out, read one after
//! the other, give exactly what one reader over the whole file gives.
//! Where a cut may go is `tunnelhunt_sources::json::plan`'s, tested there
//! over every layout the framer reads; here the bytes around the cuts
//! (read in pieces, carried over, a line too long to hold) are.

use tunnelhunt_sources::RecordReader;

use super::*;

/// Every record and error of `path`, as text, read whole or in parts.
fn read(path: &Path, limits: Option<Limits>) -> (Vec<String>, usize) {
    let Some(limits) = limits else {
        let items = tunnelhunt_sources::open(path).unwrap().map(show).collect();
        return (items, 1);
    };
    let mut items = Vec::new();
    let mut units = 0;
    for work in plan(vec![path.to_path_buf()], limits) {
        units += 1;
        let Work::Part(part) = work else {
            panic!("a big JSON file is read in parts");
        };
        let offset = part.first_line - 1;
        let reader = RecordReader::new(part.format, part.input, part.path);
        items.extend(reader.map(|item| {
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
        }));
    }
    (items, units)
}

fn show(item: Result<tunnelhunt_sources::Record, tunnelhunt_sources::ReadError>) -> String {
    match item {
        Ok(record) => format!("{record:?}"),
        Err(error) => format!("error: {error}"),
    }
}

fn event(n: usize) -> String {
    format!(
        "{{\"Event\":{{\"System\":{{\"EventID\":1,\"EventRecordID\":{n}}},\
         \"EventData\":{{\"CommandLine\":\"ssh -N -L {n}:h:22\"}}}}}}"
    )
}

#[test]
fn parts_read_exactly_like_the_whole_file() {
    let tmp = tempfile::tempdir().unwrap();
    let limits = Limits {
        block: 300,
        min_file: 0,
        max_line: 2000,
        evtx_chunks: 4,
    };
    let mut lines: Vec<String> = (0..400).map(event).collect();
    lines[7] = "{\"Event\": {\"System\": oops}}".to_owned();
    lines[9] = "not json at all".to_owned();
    let clean = lines.join("\n");
    // About three lines a block; a line longer than `max_line` ends
    // cutting, and the rest is one unit.
    let mut long = lines.clone();
    long[200] = format!("{{\"Event\":{{\"x\":\"{}\"}}}}", "a".repeat(3000));
    let cases = [
        ("clean", clean, 120..=140),
        ("long", long.join("\n"), 60..=75),
    ];
    // Blocks of a few lines, and blocks bigger than a read piece.
    for ((name, content, units_expected), block) in cases
        .iter()
        .flat_map(|case| [300, 2 * READ_AHEAD].map(|block| (case, block)))
    {
        let limits = Limits { block, ..limits };
        let path = tmp.path().join(format!("{name}.jsonl"));
        std::fs::write(&path, content).unwrap();
        let (whole, _) = read(&path, None);
        let (parts, units) = read(&path, Some(limits));
        let first_difference = parts.iter().zip(&whole).position(|(a, b)| a != b);
        assert_eq!(
            (parts.len(), first_difference),
            (whole.len(), None),
            "{name}: {:?}",
            first_difference.map(|i| (&parts[i], &whole[i]))
        );
        assert_eq!(whole.len(), 400, "{name}");
        if block == 300 {
            assert!(units_expected.contains(&units), "{name}: {units} units");
        } else {
            assert_eq!(units, 1, "{name}: {units} units");
        }
    }
}
