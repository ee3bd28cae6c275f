//! A rule file from arbitrary UTF-8: load it, then lower every rule with
//! every filter of the same file applied, and every filter on its own.
//! Nothing may panic, overflow the stack, hang or explode in memory.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_sigma::ast::Document;
use tunnelhunt_sigma::load::parse_rule_file;
use tunnelhunt_sigma::lower::{Placeholders, lower_detection, lower_rule};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz.yml");
    let parsed = parse_rule_file(file, text);
    let mut placeholders = Placeholders::new();
    placeholders.insert("Servers", vec!["srv*".into(), "dc?".into()]);
    placeholders.insert("Workstations", vec!["ws-*".into()]);
    let filters: Vec<_> = parsed
        .documents
        .iter()
        .filter_map(|d| match d {
            Document::Filter(f) => Some(f),
            _ => None,
        })
        .collect();
    for doc in &parsed.documents {
        match doc {
            Document::Rule(rule) => {
                let _ = lower_rule(rule, &filters, &placeholders);
            }
            Document::Filter(filter) => {
                let _ = lower_detection(&filter.detection, file, &placeholders);
            }
            Document::Correlation(_) => {}
        }
    }
});
