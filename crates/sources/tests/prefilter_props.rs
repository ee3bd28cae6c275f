//! Property test of the literal prefilter's soundness: for random rules
//! and random evtx-shape records, spelled with random (valid) JSON escapes
//! and blanks, every record a rule matches is let through — as its JSON
//! text, and as the UTF-16 of an EVTX chunk holding its strings. Records
//! repeat names (in `EventData`, and `EventID` and `Channel` in `System`),
//! whose values the reader all keeps (issue 15): a rule may match any of
//! them, and the prefilter must let it through whichever it is.

use std::sync::Arc;

use proptest::prelude::*;
use tunnelhunt_engine::{MatcherBuilder, RouteKeys, RuleId};
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, NumOp, Number, Piece, Predicate, RegexMatch, StrMatch, Test};
use tunnelhunt_sources::json::EvtxJsonReader;
use tunnelhunt_sources::prefilter::{evtx_shape_prefilter, may_match_json, may_match_utf16};

/// Characters that stress the raw-form reasoning: JSON structure and
/// escapes, case folding to ASCII (`İ`, Kelvin `K`, long `ſ`), typed-looking
/// text.
const ALPHABET: &[&str] = &[
    "a", "B", "k", "K", "\u{212A}", "\u{130}", "i", "\u{17F}", "s", "\\", "/", "\"", ":", ",", "{",
    "}", "1", "0", ".", "-", " ", "é", "\n", "\t", "x", "S", "ssh", "Plink", "e",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..6).prop_map(|v| v.concat())
}

const FIELDS: &[&str] = &["Image", "CommandLine", "User", "SubjectUserName", "Other"];

fn pred() -> impl Strategy<Value = Expr> {
    let field = prop::option::weighted(0.85, prop::sample::select(FIELDS).prop_map(str::to_owned));
    let glob = (text(), any::<bool>(), any::<bool>(), any::<bool>(), text()).prop_map(
        |(lit, star_before, star_after, cased, more)| {
            let mut pieces = Vec::new();
            if star_before {
                pieces.push(Piece::AnyString);
            }
            pieces.push(Piece::Lit(lit));
            if !more.is_empty() {
                pieces.push(Piece::AnyChar);
                pieces.push(Piece::Lit(more));
            }
            if star_after {
                pieces.push(Piece::AnyString);
            }
            Test::Str(StrMatch::new(pieces, cased))
        },
    );
    let regex = (
        prop::sample::select(&["ssh", "(?i)plink", "k.y", "a|b", "\\\\", "^x", "(?i)ks"][..]),
        any::<bool>(),
    )
        .prop_map(|(p, i)| {
            Test::Regex(RegexMatch {
                pattern: p.to_owned(),
                case_insensitive: i,
                multi_line: false,
                dot_matches_new_line: false,
            })
        });
    let test = prop_oneof![
        4 => glob,
        1 => regex,
        1 => (0i64..5).prop_map(|n| Test::Num(NumOp::Eq, Number::Int(n))),
    ];
    (field, test).prop_map(|(field, test)| {
        Expr::Pred(Predicate {
            field,
            test,
            span: Span::UNKNOWN,
        })
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    pred().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 1..3).prop_map(Expr::Or),
            inner.prop_map(|x| Expr::Not(Box::new(x))),
        ]
    })
}

fn logsource() -> impl Strategy<Value = LogSource> {
    let pick = |c: Option<&str>, p: Option<&str>, s: Option<&str>| LogSource {
        category: c.map(str::to_owned),
        product: p.map(str::to_owned),
        service: s.map(str::to_owned),
        definition: None,
    };
    prop::sample::select(vec![
        pick(Some("process_creation"), Some("windows"), None),
        pick(Some("process_creation"), None, None),
        pick(Some("network_connection"), Some("linux"), None),
        pick(None, Some("windows"), Some("security")),
        pick(None, Some("linux"), None),
        pick(None, Some("aws"), None),
    ])
}

/// A JSON string with, per character, a random valid spelling.
fn json_string(s: &str, style: &[u8], out: &mut String) {
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        let pick = style.get(i % style.len().max(1)).copied().unwrap_or(0);
        let mut units = [0u16; 2];
        match (c, pick % 4) {
            ('/', 1) => out.push_str("\\/"),
            (_, 2) => {
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&if pick & 4 == 0 {
                        format!("\\u{u:04x}")
                    } else {
                        format!("\\u{u:04X}")
                    });
                }
            }
            ('"', _) => out.push_str("\\\""),
            ('\\', _) => out.push_str("\\\\"),
            ('\n', _) => out.push_str("\\n"),
            ('\t', _) => out.push_str("\\t"),
            (c, _) => out.push(c),
        }
    }
    out.push('"');
}

#[derive(Debug, Clone)]
struct Record {
    event_id: u32,
    id_as_text: bool,
    channel: &'static str,
    security: bool,
    data: Vec<(&'static str, String)>,
    style: Vec<u8>,
    blank: bool,
    /// `EventID` and `Channel` given a second time, after the first.
    repeated_system: Option<(u32, &'static str)>,
}

fn record() -> impl Strategy<Value = Record> {
    (
        prop::sample::select(&[1u32, 3, 4688, 22][..]),
        any::<bool>(),
        prop::sample::select(
            &[
                "Security",
                "Microsoft-Windows-Sysmon/Operational",
                "Linux-Sysmon/Operational",
                "System",
            ][..],
        ),
        any::<bool>(),
        prop::collection::vec(
            (
                prop::sample::select(
                    &[
                        "Image",
                        "CommandLine",
                        "SubjectUserName",
                        "SubjectDomainName",
                        "Other",
                    ][..],
                ),
                text(),
            ),
            0..5,
        ),
        prop::collection::vec(any::<u8>(), 1..8),
        any::<bool>(),
        prop::option::weighted(
            0.2,
            (
                prop::sample::select(&[1u32, 3, 4688, 22][..]),
                prop::sample::select(
                    &[
                        "Security",
                        "Microsoft-Windows-Sysmon/Operational",
                        "Linux-Sysmon/Operational",
                    ][..],
                ),
            ),
        ),
    )
        .prop_map(
            |(event_id, id_as_text, channel, security, data, style, blank, repeated_system)| {
                Record {
                    event_id,
                    id_as_text,
                    channel,
                    security,
                    data,
                    style,
                    blank,
                    repeated_system,
                }
            },
        )
}

impl Record {
    fn json(&self) -> String {
        let colon = if self.blank { ": " } else { ":" };
        let mut out = String::from("{\"Event\":{\"System\":{");
        out.push_str(&format!("\"EventID\"{colon}"));
        if self.id_as_text {
            out.push_str(&format!("{{\"#text\"{colon}\"{}\"}}", self.event_id));
        } else {
            out.push_str(&self.event_id.to_string());
        }
        out.push_str(&format!(",\"Channel\"{colon}"));
        json_string(self.channel, &self.style, &mut out);
        if let Some((event_id, channel)) = self.repeated_system {
            out.push_str(&format!(",\"EventID\"{colon}{event_id},\"Channel\"{colon}"));
            json_string(channel, &self.style, &mut out);
        }
        if self.security {
            out.push_str(",\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Security-Auditing\"}}");
        }
        out.push_str("},\"EventData\":{");
        for (i, (k, v)) in self.data.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_string(k, &[0], &mut out);
            out.push_str(colon);
            json_string(v, &self.style, &mut out);
        }
        out.push_str("}}}");
        out
    }

    /// What an EVTX chunk holds of it: its strings as UTF-16LE, numbers in
    /// binary, between bytes of noise.
    fn utf16(&self) -> Vec<u8> {
        let mut out = vec![0x0f, 0x01, 0x01, 0x00];
        let mut put = |s: &str| {
            out.extend([0x01, s.len() as u8, 0]);
            out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        };
        put("EventID");
        put("Channel");
        put(self.channel);
        if let Some((_, channel)) = self.repeated_system {
            put(channel);
        }
        put("Microsoft-Windows-Security-Auditing");
        for (k, v) in &self.data {
            put(k);
            put(v);
        }
        out.extend((self.event_id as u16).to_le_bytes());
        out
    }
}

/// A record's `EventID` and `Channel` as the EVTX reader reads them from
/// binary XML (`None`: unsure): a number and a string when `System` holds
/// them once, unsure otherwise.
struct BinaryKeys {
    event_id: Option<u32>,
    channel: Option<&'static str>,
}

impl RouteKeys for BinaryKeys {
    fn any_event_id(&mut self, wanted: impl Fn(u32) -> bool) -> bool {
        self.event_id.is_none_or(wanted)
    }

    fn any_channel(&mut self, wanted: impl Fn(&str) -> bool) -> bool {
        self.channel.is_none_or(wanted)
    }
}

impl Record {
    fn binary_keys(&self) -> BinaryKeys {
        let once = self.repeated_system.is_none();
        BinaryKeys {
            event_id: (once && !self.id_as_text).then_some(self.event_id),
            channel: once.then_some(self.channel),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn matched_records_pass_the_prefilter(
        rules in prop::collection::vec((logsource(), expr()), 1..4),
        records in prop::collection::vec(record(), 1..6),
    ) {
        let mut b = MatcherBuilder::new();
        for (ls, e) in &rules {
            b.add_rule(ls, e).unwrap();
        }
        let matcher = b.build().unwrap();
        let prefilter = Arc::new(evtx_shape_prefilter(&matcher).unwrap());
        let mut scratch = matcher.scratch();
        let mut buf = Vec::new();
        let text: String = records.iter().map(|r| r.json() + "\n").collect();
        let read = |filtered: bool| {
            let mut reader = EvtxJsonReader::new(std::io::Cursor::new(text.clone()), std::path::Path::new("p.json"));
            if filtered {
                reader.set_prefilter(Arc::clone(&prefilter));
            }
            let mut scratch = matcher.scratch();
            let mut out: Vec<(u64, Vec<RuleId>)> = Vec::new();
            let mut n = 0u64;
            for item in &mut reader {
                n += 1;
                let (origin, event) = item.expect("valid record");
                let mut hits = Vec::new();
                matcher.matches(&event, &mut scratch, &mut hits);
                if !hits.is_empty() {
                    out.push((origin.line().unwrap(), hits));
                }
            }
            (out, n + reader.prefiltered())
        };
        let (all, n_all) = read(false);
        let (kept, n_kept) = read(true);
        prop_assert_eq!(&all, &kept);
        prop_assert_eq!(n_all, records.len() as u64);
        prop_assert_eq!(n_kept, records.len() as u64);
        for r in &records {
            let json = r.json();
            let event = EvtxJsonReader::new(std::io::Cursor::new(json.clone()), std::path::Path::new("p"))
                .next().unwrap().unwrap().1;
            let mut hits = Vec::new();
            matcher.matches(&event, &mut scratch, &mut hits);
            if !hits.is_empty() {
                prop_assert!(may_match_json(&prefilter, json.as_bytes(), &mut buf), "{}", json);
                // In a chunk, a rule without needles there sees the
                // records its route admits by their keys.
                let gated = prefilter
                    .chunk_gate()
                    .is_some_and(|gate| gate.admits(&mut r.binary_keys()));
                prop_assert!(gated || may_match_utf16(&prefilter, &r.utf16(), &mut buf), "{}", json);
            }
        }
    }
}
