use memchr::memmem;
use proptest::prelude::*;

use super::*;

#[test]
fn squeezing_joins_utf16_ascii() {
    let utf16: Vec<u8> = "Ab\\C".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut raw = vec![1, 0, 0];
    raw.extend(&utf16);
    let mut buf = Vec::new();
    squeeze_lowercase_into(&raw, &mut buf);
    assert_eq!(buf, b"\x01ab\\c");
    lowercase_into(b"AbC", &mut buf);
    assert_eq!(buf, b"abc");
}

proptest! {
    #[test]
    fn squeezing_drops_the_zeroes_and_lowercases(raw in proptest::collection::vec(
        prop_oneof![Just(0u8), any::<u8>()], 0..300)
    ) {
        let mut buf = vec![7; 5];
        squeeze_lowercase_into(&raw, &mut buf);
        let want: Vec<u8> = raw.iter().filter(|&&b| b != 0).map(u8::to_ascii_lowercase).collect();
        prop_assert_eq!(buf, want);
    }
}

#[test]
fn unsure_json() {
    assert!(!json_unsure(br#"{"a":"C:\\Users\\x","b":"\\\\u"}"#));
    assert!(json_unsure(br#"{"a":"\u0041"}"#));
    assert!(json_unsure(br#"{"a":"\\\u0041"}"#));
    assert!(json_unsure(br#"{"a":"http:\/\/x"}"#));
    assert!(!json_unsure(br#"{"a":"C:\\/x"}"#));
    assert!(json_unsure("{\"a\":\"\u{212A}\"}".as_bytes()));
    assert!(json_unsure("{\"a\":\"\u{130}\"}".as_bytes()));
    assert!(!json_unsure("{\"a\":\"é\"}".as_bytes()));
}

#[test]
fn event_ids_and_channels_as_the_evtx_shape_reads_them() {
    let ids = |s: &str| event_ids(s.as_bytes()).all();
    assert_eq!(ids(r#"{"System":{"EventID":1}}"#), Some(vec![1]));
    assert_eq!(
        ids(r#"{"EventID" : " 22 ","x":{"EventID":3}}"#),
        Some(vec![22, 3])
    );
    assert_eq!(
        ids(r##"{"EventID":{"#attributes":{"#text":7,"Qualifiers":0},"#text":4688}}"##),
        Some(vec![4688])
    );
    assert_eq!(ids(r#"{"Name":"EventID","b":2}"#), Some(vec![]));
    assert_eq!(ids(r#"{"EventID":"x"}"#), Some(vec![]));
    assert_eq!(ids(r#"{"EventID":1.0}"#), None);
    assert_eq!(ids(r#"{"EventID":1e1}"#), None);
    assert_eq!(ids(r#"{"EventID":-1}"#), None);
    assert_eq!(ids(r#"{"EventID":{"a":1}}"#), None);
    assert_eq!(ids(r##"{"EventID":{"#text":1,"#text":2}}"##), None);
    assert_eq!(ids(r#"{"EventID":"\u0031"}"#), None);
    assert_eq!(ids(r#"{"EventID":"#), None);
    assert_eq!(ids("{}"), Some(vec![]));
    let ch = |s: &'static str| channels(s.as_bytes()).all();
    assert_eq!(
        ch(r#"{"Channel":"Security","Security":{"Channel":4}}"#),
        Some(vec!["Security"])
    );
    assert_eq!(
        ch(r##"{"Channel":{"#text":"System"}}"##),
        Some(vec!["System"])
    );
    assert_eq!(ch(r#"{"Channel":"A\/B"}"#), None);
}

#[test]
fn unsure_utf16() {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    assert!(!utf16_unsure(&utf16("plain KEY")));
    assert!(utf16_unsure(&utf16("\u{212A}EY")));
    let mut odd = vec![7];
    odd.extend(utf16("x\u{130}"));
    assert!(utf16_unsure(&odd));
}

/// The JSON check as it was: one pass per sequence, each escape's
/// backslashes counted backwards.
fn reference_json_unsure(raw: &[u8]) -> bool {
    let escape = |e: &[u8]| memmem::find_iter(raw, e).any(|i| escapes(raw, i));
    escape(b"\\u")
        || escape(b"\\/")
        || reference_folding()
            .any(|c| memmem::find(raw, c.encode_utf8(&mut [0; 4]).as_bytes()).is_some())
}

fn reference_utf16_unsure(raw: &[u8]) -> bool {
    reference_folding().any(|c| {
        let mut units = [0; 2];
        c.encode_utf16(&mut units);
        memmem::find(raw, &units[0].to_le_bytes()).is_some()
            || memmem::find(raw, c.encode_utf8(&mut [0; 4]).as_bytes()).is_some()
    })
}

fn reference_folding() -> impl Iterator<Item = char> {
    ASCII_FOLDING
        .into_iter()
        .chain(REGEX_FOLDING.into_iter().map(|(c, _)| c))
}

#[test]
fn escape_runs() {
    let cases: [(&[u8], bool); 12] = [
        (br"\u", true),
        (br"\\u", false),
        (br"\\\u", true),
        (br"\\\\u", false),
        (br"\/", true),
        (br"\\/", false),
        (br"\\\/", true),
        (br"\\\\/", false),
        (br"\\\\\/", true),
        (br#""a\\\\","u""#, false),
        (br"x\\u\\/\\\\", false),
        (br"x\\u\\/\\\\\u", true),
    ];
    for (raw, unsure) in cases {
        let text = String::from_utf8_lossy(raw);
        assert_eq!(json_unsure(raw), unsure, "{text}");
        assert_eq!(reference_json_unsure(raw), unsure, "{text}");
    }
    // Teddy's long-haystack path, the escape far from the start.
    let mut long = b"\\\\".repeat(100);
    long.extend(b"u");
    assert!(!json_unsure(&long));
    long.insert(0, b'\\');
    assert!(json_unsure(&long));
}

#[test]
fn every_folding_character_is_looked_for_once() {
    let json = json_unsure_literals();
    let utf16 = utf16_unsure_literals();
    for c in reference_folding() {
        let utf8 = c.encode_utf8(&mut [0; 4]).as_bytes().to_vec();
        assert_eq!(json.iter().filter(|l| **l == utf8).count(), 1, "{c}");
        assert_eq!(utf16.iter().filter(|l| **l == utf8).count(), 1, "{c}");
        let unit = (c as u16).to_le_bytes().to_vec();
        assert_eq!(utf16.iter().filter(|l| **l == unit).count(), 1, "{c}");
    }
    assert_eq!(json.len(), JSON_ESCAPES.len() + utf16.len() / 2);
    // What `Literals` needs for each occurrence to be reported.
    for (i, a) in json.iter().enumerate() {
        for b in &json[i + 1..] {
            assert!(!a.starts_with(b) && !b.starts_with(a), "{a:?} {b:?}");
        }
    }
}

/// Bytes rich in what the checks look for: backslashes, `u`, `/`, the
/// folding characters whole, cut short or as lone bytes, their UTF-16LE
/// units, and filler.
fn unsure_bytes() -> impl Strategy<Value = Vec<u8>> {
    let mut pieces: Vec<Vec<u8>> = [
        &b"\\"[..],
        b"\\\\",
        b"u",
        b"/",
        b"a",
        b"\"",
        b"\0",
        b"\xC4",
        b"\xC5",
        b"\xE2",
        b"\xE2\x84",
        b"\x84\xAA",
        b"\xB0",
        b"\xBF",
        b"\x01",
        b"\x21",
        b"*",
    ]
    .iter()
    .map(|p| p.to_vec())
    .collect();
    pieces.extend(utf16_unsure_literals());
    let piece = prop::sample::select(pieces);
    let run = prop::collection::vec(piece, 0..8).prop_map(|ps| ps.concat());
    let filler = prop::collection::vec(b'a'..=b'z', 0..40);
    prop::collection::vec((filler, run), 0..12).prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(filler, run)| filler.into_iter().chain(run))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn json_unsure_as_before(raw in unsure_bytes()) {
        let expected = reference_json_unsure(&raw);
        prop_assert_eq!(json_unsure(&raw), expected);
        let automaton = Literals::automaton(&json_unsure_literals());
        prop_assert_eq!(json_unsure_by(&automaton, &raw), expected);
    }

    #[test]
    fn utf16_unsure_as_before(raw in unsure_bytes()) {
        let expected = reference_utf16_unsure(&raw);
        prop_assert_eq!(utf16_unsure(&raw), expected);
        let automaton = Literals::automaton(&utf16_unsure_literals());
        prop_assert_eq!(utf16_unsure_by(&automaton, &raw), expected);
    }
}

/// The values of every `key` as they were read: all at once.
fn reference_key_values<'a>(raw: &'a [u8], key: &[u8]) -> Option<Vec<Scalar<'a>>> {
    let mut out = Vec::new();
    for at in memmem::find_iter(raw, key) {
        let at = skip_blanks(raw, at + key.len());
        if raw.get(at) != Some(&b':') {
            continue;
        }
        let at = skip_blanks(raw, at + 1);
        out.push(match raw.get(at)? {
            b'{' => text_member(raw, at + 1)?,
            _ => scalar(raw, at)?,
        });
    }
    Some(out)
}

/// A record made of `EventID` and `Channel` keys with values read and not
/// read, keys standing for values, overlapping keys, and filler.
fn keyed_record() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        r#""EventID":1,"#,
        r#""EventID" : 22,"#,
        r#""EventID":"3","#,
        r##""EventID":{"#text":4688},"##,
        r##""EventID":{"a":{"#text":9},"#text":13},"##,
        r#""EventID":1.5,"#,
        r#""EventID":{"a":1},"#,
        r#""EventID":"\u0031","#,
        r#""EventID":99999999999,"#,
        r#""EventID""EventID":7,"#,
        r#""EventID"EventID":8,"#,
        r#""x":"EventID","#,
        r#""Channel":"Security","#,
        r#""Channel":"Microsoft-Windows-Sysmon/Operational","#,
        r##""Channel":{"#text":"System"},"##,
        r#""Channel":4,"#,
        r#""Channel":"A\/B","#,
        r#""Channel"Channel":"Linux-Sysmon","#,
        r#""y":{"z":[1,2]},"#,
        r#""EventID":"#,
    ]);
    prop::collection::vec(piece, 0..8).prop_map(|ps| format!("{{{}}}", ps.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Questions asked in any order, answered from a partly read record,
    /// get the answers reading every value first gave.
    #[test]
    fn key_values_answer_as_if_all_were_read(
        record in keyed_record(),
        questions in prop::collection::vec((any::<bool>(), 0usize..4), 1..6),
    ) {
        let raw = record.as_bytes();
        let ids = reference_key_values(raw, b"\"EventID\"").map(|vs| {
            vs.into_iter().filter_map(event_id).collect::<Vec<_>>()
        });
        let chans = reference_key_values(raw, b"\"Channel\"").map(|vs| {
            vs.into_iter().filter_map(channel).collect::<Vec<_>>()
        });
        const IDS: [u32; 4] = [1, 7, 13, 4688];
        const CHANNELS: [&str; 4] = ["Security", "Sysmon", "System", "B"];
        let mut lazy_ids = event_ids(raw);
        let mut lazy_chans = channels(raw);
        for (is_id, which) in questions {
            if is_id {
                let want = |id: u32| id == IDS[which] || id % 2 == (which as u32) % 2;
                let expected = ids.as_ref().is_none_or(|v| v.iter().any(|&id| want(id)));
                prop_assert_eq!(lazy_ids.any(want), expected, "{} ids {:?}", record, ids);
            } else {
                let want = |c: &str| c.contains(CHANNELS[which]);
                let expected = chans.as_ref().is_none_or(|v| v.iter().any(|c| want(c)));
                prop_assert_eq!(lazy_chans.any(want), expected, "{} channels {:?}", record, chans);
            }
        }
        prop_assert_eq!(event_ids(raw).all(), ids);
        prop_assert_eq!(channels(raw).all(), chans);
    }
}
