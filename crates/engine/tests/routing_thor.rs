//! The routing table reproduces SigmaHQ's `tests/thor.yml` exactly.
//!
//! thor.yml is read with a small line-based reader (the engine links no
//! YAML parser, and this file's shape is regular). Set `TUNNELHUNT_CORPUS`
//! to the corpus directory; by default `../shared/corpus` beside the
//! repository is used, and the test is skipped with a message when absent.

use std::collections::BTreeSet;
use std::path::PathBuf;

use tunnelhunt_engine::EventKind;
use tunnelhunt_engine::routing::{
    CATEGORIES, DECLARED, Decision, SERVICES, decide, service_channels,
};
use tunnelhunt_sigma::ast::LogSource;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("TUNNELHUNT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    dir.join("sigmahq/tests/thor.yml").exists().then_some(dir)
}

#[derive(Debug, Default)]
struct ThorEntry {
    name: String,
    category: Option<String>,
    product: Option<String>,
    service: Option<String>,
    event_ids: Vec<u32>,
    event_type: Option<String>,
    rewrite_product: Option<String>,
    rewrite_service: Option<String>,
    sources: Vec<String>,
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let s = match s.find(" #") {
        Some(i) => s[..i].trim(),
        None if s.starts_with('#') => "",
        None => s,
    };
    s.trim_matches(|c| c == '"' || c == '\'').to_owned()
}

/// Read the `logsources:` section.
fn parse_thor(text: &str) -> Vec<ThorEntry> {
    let mut entries: Vec<ThorEntry> = Vec::new();
    let mut in_logsources = false;
    let mut section = "";
    let mut list_key = "";
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            in_logsources = trimmed.starts_with("logsources:");
            continue;
        }
        if !in_logsources {
            continue;
        }
        let (key, value) = match trimmed.split_once(':') {
            Some((k, v)) if !trimmed.starts_with('-') => (k.trim(), unquote(v)),
            _ => ("", String::new()),
        };
        let e = match (indent, entries.last_mut()) {
            (4, _) => {
                entries.push(ThorEntry {
                    name: key.to_owned(),
                    ..ThorEntry::default()
                });
                continue;
            }
            (_, Some(e)) => e,
            (_, None) => panic!("thor.yml: line outside an entry: {line}"),
        };
        match indent {
            8 => {
                section = match key {
                    "category" => {
                        e.category = Some(value);
                        ""
                    }
                    "product" => {
                        e.product = Some(value);
                        ""
                    }
                    "service" => {
                        e.service = Some(value);
                        ""
                    }
                    "conditions" => "conditions",
                    "rewrite" => "rewrite",
                    "sources" => "sources",
                    "fieldmappings" => "fieldmappings",
                    other => panic!("thor.yml: unexpected key {other}"),
                };
            }
            12 if section == "sources" => e.sources.push(unquote(trimmed.trim_start_matches('-'))),
            12 if section == "conditions" => {
                list_key = "";
                match key {
                    "EventID" if value.is_empty() => list_key = "EventID",
                    "EventID" => e.event_ids.push(value.parse().unwrap()),
                    "EventType" => e.event_type = Some(value),
                    other => panic!("thor.yml: unexpected condition {other}"),
                }
            }
            12 if section == "rewrite" => match key {
                "product" => e.rewrite_product = Some(value),
                "service" => e.rewrite_service = Some(value),
                other => panic!("thor.yml: unexpected rewrite {other}"),
            },
            12 if section == "fieldmappings" => {}
            16 if list_key == "EventID" => e
                .event_ids
                .push(unquote(trimmed.trim_start_matches('-')).parse().unwrap()),
            _ => panic!("thor.yml: unexpected line {line:?}"),
        }
    }
    entries
}

type CatRow = (String, Option<String>, Option<String>, u32, Option<String>);

#[test]
fn table_covers_thor_identically() {
    let Some(dir) = corpus() else {
        eprintln!("SKIPPED: thor.yml not found; set TUNNELHUNT_CORPUS to the corpus directory");
        return;
    };
    let text = std::fs::read_to_string(dir.join("sigmahq/tests/thor.yml")).unwrap();
    let thor = parse_thor(&text);
    assert!(thor.len() > 80, "parsed only {} entries", thor.len());

    // Categories: (category, product, service, EventID, EventType).
    let mut thor_cats: BTreeSet<CatRow> = BTreeSet::new();
    // Services: (product, service, channel); file sources.
    let mut thor_services = BTreeSet::new();
    let mut thor_files = BTreeSet::new();
    for e in &thor {
        if !e.event_ids.is_empty() {
            let category = e.category.clone().expect("conditions belong to a category");
            assert!(e.service.is_none(), "{}", e.name);
            if let (Some(p), Some(rp)) = (&e.product, &e.rewrite_product) {
                assert_eq!(p, rp, "{}", e.name);
            }
            for id in &e.event_ids {
                thor_cats.insert((
                    category.clone(),
                    e.product.clone(),
                    e.rewrite_service.clone(),
                    *id,
                    e.event_type.clone(),
                ));
            }
        }
        for src in &e.sources {
            if let Some(channel) = src.strip_prefix("WinEventLog:") {
                thor_services.insert((
                    e.product.clone(),
                    e.service.clone().expect("a channel belongs to a service"),
                    channel.to_owned(),
                ));
            } else if let Some(file) = src.strip_prefix("File:") {
                thor_files.insert((
                    e.product.clone(),
                    e.category.clone(),
                    e.service.clone(),
                    file.to_owned(),
                ));
            } else {
                panic!("unexpected source {src}");
            }
        }
    }

    let own = |s: Option<&str>| s.map(str::to_owned);
    let mut our_cats: BTreeSet<CatRow> = BTreeSet::new();
    for c in CATEGORIES {
        for id in c.event_ids {
            let types: Vec<Option<String>> = match c.field {
                None => vec![None],
                Some(f) => {
                    assert_eq!(f.field, "EventType");
                    f.values.iter().map(|v| Some((*v).to_owned())).collect()
                }
            };
            for t in types {
                our_cats.insert((
                    c.category.to_owned(),
                    own(c.product),
                    own(c.service),
                    *id,
                    t,
                ));
            }
        }
    }
    assert_eq!(our_cats, thor_cats);

    let our_services: BTreeSet<_> = SERVICES
        .iter()
        .flat_map(|s| {
            s.channels
                .iter()
                .map(move |ch| (own(s.product), s.service.to_owned(), (*ch).to_owned()))
        })
        .collect();
    assert_eq!(our_services, thor_services);

    let our_files: BTreeSet<_> = DECLARED
        .iter()
        .flat_map(|d| {
            d.files.iter().map(move |f| {
                (
                    own(d.product),
                    own(d.category),
                    own(d.service),
                    (*f).to_owned(),
                )
            })
        })
        .collect();
    assert_eq!(our_files, thor_files);

    // And the router honours each row: an event from the rewrite service's
    // first channel with that EventID reaches the category.
    for (category, product, service, id, event_type) in &thor_cats {
        let channel = service_channels(service.as_deref().unwrap(), Some("windows"))
            .next()
            .expect("rewrite service has a channel");
        let kind = EventKind {
            product: Some("windows"),
            channel: Some(channel),
            event_id: Some(*id),
            ..EventKind::default()
        };
        let ls = LogSource {
            category: Some(category.clone()),
            product: product.clone(),
            ..LogSource::default()
        };
        match (decide(&ls, &kind), event_type) {
            (Decision::Always, None) => {}
            (Decision::When(conds), Some(t)) => {
                assert!(conds.iter().any(|c| c.values.contains(&t.as_str())))
            }
            (d, t) => panic!("{category} {id} {t:?}: {d:?}"),
        }
    }
}
