//! The literal prefilter against the full path: rules made of literals
//! from the input's first line, records from the rest (read as JSON lines
//! or any layout the evtx-JSON reader takes). Reading with the prefilter
//! must yield exactly the matching records reading without it yields, and
//! account for every record; the EVTX chunk check must let through any
//! input the JSON check lets through… when a rule matched. Nothing may
//! panic.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_engine::{Matcher, MatcherBuilder, Prefilter, RuleId};
use tunnelhunt_sigma::Span;
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, NumOp, Number, Piece, Predicate, StrMatch, Test};
use tunnelhunt_sources::json::EvtxJsonReader;
use tunnelhunt_sources::prefilter::{evtx_shape_prefilter, may_match_utf16};

const FIELDS: [Option<&str>; 4] = [Some("Image"), Some("CommandLine"), Some("User"), None];

/// One rule per `|`-separated piece of `spec`; the first byte of a piece
/// picks field, case, shape and logsource.
fn rules(spec: &str) -> Vec<(LogSource, Expr)> {
    spec.split('|')
        .filter_map(|piece| {
            let mut chars = piece.chars();
            let ctl = chars.next()? as u32;
            let lit: String = chars.collect();
            let pieces = match ctl % 4 {
                0 => vec![Piece::AnyString, Piece::Lit(lit), Piece::AnyString],
                1 => vec![Piece::Lit(lit), Piece::AnyString],
                2 => vec![Piece::AnyString, Piece::Lit(lit)],
                _ => vec![Piece::Lit(lit)],
            };
            let pred = |test| {
                Expr::Pred(Predicate {
                    field: FIELDS[(ctl / 4 % 4) as usize].map(str::to_owned),
                    test,
                    span: Span::UNKNOWN,
                })
            };
            let mut expr = pred(Test::Str(StrMatch::new(pieces, ctl & 16 != 0)));
            if ctl & 32 != 0 {
                expr = Expr::Or(vec![expr, pred(Test::Num(NumOp::Eq, Number::Int(1)))]);
            }
            if ctl & 64 != 0 {
                expr = Expr::Not(Box::new(expr));
            }
            let ls = LogSource {
                category: (ctl & 128 != 0).then(|| "process_creation".to_owned()),
                product: (ctl & 256 != 0).then(|| "windows".to_owned()),
                service: (ctl & 512 != 0).then(|| "security".to_owned()),
                definition: None,
            };
            Some((ls, expr))
        })
        .collect()
}

fn read(
    matcher: &Matcher,
    data: &[u8],
    prefilter: Option<&Arc<Prefilter>>,
) -> (Vec<(u64, Vec<RuleId>)>, u64) {
    let mut reader = EvtxJsonReader::new(Cursor::new(data.to_vec()), Path::new("fuzz.json"));
    if let Some(p) = prefilter {
        reader.set_prefilter(Arc::clone(p));
    }
    let mut scratch = matcher.scratch();
    let (mut hits, mut n) = (Vec::new(), 0);
    for item in &mut reader {
        n += 1;
        if let Ok((origin, event)) = item {
            let mut h = Vec::new();
            matcher.matches(&event, &mut scratch, &mut h);
            if !h.is_empty() {
                hits.push((origin.line().unwrap_or(0), h));
            }
        }
    }
    (hits, n + reader.prefiltered())
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let Ok(spec) = std::str::from_utf8(&data[..split]) else {
        return;
    };
    let records = data.get(split + 1..).unwrap_or(&[]);
    let mut b = MatcherBuilder::new();
    for (ls, e) in rules(spec) {
        let _ = b.add_rule(&ls, &e);
    }
    let Ok(matcher) = b.build() else { return };
    let Ok(prefilter) = evtx_shape_prefilter(&matcher) else {
        return;
    };
    let prefilter = Arc::new(prefilter);
    let (all, n_all) = read(&matcher, records, None);
    let (kept, n_kept) = read(&matcher, records, Some(&prefilter));
    assert_eq!(all, kept, "the prefilter dropped a matching record");
    assert_eq!(n_all, n_kept, "records not accounted for");
    let mut buf = Vec::new();
    let _ = may_match_utf16(&prefilter, records, &mut buf);
});
