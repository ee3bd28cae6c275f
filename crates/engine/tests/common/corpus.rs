//! SigmaHQ corpus helpers shared by the integration test and the bench:
//! loading and compiling every rule, and a map-backed event over the evtx
//! JSON shape (`{"Event":{"System":{…},"EventData":{…}}}`).
//!
//! The real readers live in `tunnelhunt-sources`; this is the minimum a
//! test needs: `EventData` fields by name, the `System` facts for routing.
use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tunnelhunt_engine::{CompileError, Event, EventKind, FieldValue, Lookup, MatcherBuilder};
use tunnelhunt_sigma::ast::{Document, Rule};
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::load::parse_rule_file;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

/// The corpus directory: `$TUNNELHUNT_CORPUS`, else `shared/corpus` beside
/// the repository; `None` if it has no SigmaHQ checkout.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TUNNELHUNT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    dir.join("sigmahq/rules").is_dir().then_some(dir)
}

pub fn files_with_ext(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_with_ext(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// One SigmaHQ rule, lowered.
pub struct LoadedRule {
    pub path: PathBuf,
    pub rule: Rule,
    pub expr: Expr,
}

/// What loading the rule directories produced.
#[derive(Default)]
pub struct RuleSet {
    pub rules: Vec<LoadedRule>,
    /// (file, reason) for files that did not parse or lower.
    pub failures: Vec<(PathBuf, String)>,
}

/// Parse and lower every rule under `sigmahq/rules*`.
pub fn load_sigmahq(corpus: &Path) -> RuleSet {
    let mut files = Vec::new();
    for sub in ["rules", "rules-emerging-threats", "rules-threat-hunting"] {
        files_with_ext(&corpus.join("sigmahq").join(sub), "yml", &mut files);
    }
    let mut set = RuleSet::default();
    let placeholders = Placeholders::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse_rule_file(&path, &text);
        if parsed.has_errors() {
            let first = parsed.diagnostics.iter().find(|d| d.is_error()).unwrap();
            set.failures.push((path, format!("parse: {first:?}")));
            continue;
        }
        for doc in parsed.documents {
            if let Document::Rule(rule) = doc {
                match lower_rule(&rule, &[], &placeholders) {
                    Ok(expr) => set.rules.push(LoadedRule {
                        path: path.clone(),
                        rule,
                        expr,
                    }),
                    Err(d) => set
                        .failures
                        .push((path.clone(), format!("lower: {:?}", d[0]))),
                }
            }
        }
    }
    set
}

/// Add rules to a builder; returns the index (into `rules`) of each rule
/// id, and the compile errors.
pub fn compile<'a>(
    builder: &mut MatcherBuilder,
    rules: impl IntoIterator<Item = &'a LoadedRule>,
) -> (Vec<&'a LoadedRule>, Vec<(PathBuf, CompileError)>) {
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for r in rules {
        match builder.add_rule(&r.rule.logsource, &r.expr) {
            Ok(id) => {
                assert_eq!(id, ids.len());
                ids.push(r);
            }
            Err(e) => errors.push((r.path.clone(), e)),
        }
    }
    (ids, errors)
}

/// An event in the evtx JSON shape, flattened into (name, value) pairs.
#[derive(Debug, Clone)]
pub struct EvtxEvent {
    fields: Vec<(String, Lookup<'static>)>,
    channel: Option<String>,
    provider: Option<String>,
    event_id: Option<u32>,
}

fn scalar(v: &Value) -> FieldValue<'static> {
    match v {
        Value::Null => FieldValue::Null,
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => FieldValue::Int(i),
            None => FieldValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => FieldValue::Str(s.clone().into()),
        other => FieldValue::Str(other.to_string().into()),
    }
}

fn lookup(v: &Value) -> Lookup<'static> {
    match v {
        Value::Array(xs) => Lookup::Many(xs.iter().map(scalar).collect()),
        Value::Object(o) if o.contains_key("#text") => lookup(&o["#text"]),
        other => Lookup::One(scalar(other)),
    }
}

impl EvtxEvent {
    pub fn from_json(doc: &Value) -> Option<EvtxEvent> {
        let event = doc.get("Event")?;
        let system = event.get("System")?;
        let mut fields = Vec::new();
        for section in ["EventData", "UserData"] {
            if let Some(Value::Object(data)) = event.get(section) {
                for (k, v) in data {
                    if k != "#attributes" {
                        fields.push((k.clone(), lookup(v)));
                    }
                }
            }
        }
        let event_id = match system.get("EventID")? {
            Value::Object(o) => o.get("#text").and_then(Value::as_u64),
            v => v.as_u64(),
        }
        .map(|n| n as u32);
        let channel = system
            .get("Channel")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let provider = system
            .pointer("/Provider/#attributes/Name")
            .and_then(Value::as_str)
            .map(str::to_owned);
        for key in ["Computer", "Channel"] {
            if let Some(v) = system.get(key) {
                fields.push((key.to_owned(), lookup(v)));
            }
        }
        if let Some(id) = event_id {
            fields.push((
                "EventID".to_owned(),
                Lookup::One(FieldValue::Int(id.into())),
            ));
        }
        if let Some(p) = &provider {
            fields.push((
                "Provider_Name".to_owned(),
                Lookup::One(FieldValue::Str(p.clone().into())),
            ));
        }
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        fields.dedup_by(|a, b| a.0 == b.0);
        Some(EvtxEvent {
            fields,
            channel,
            provider,
            event_id,
        })
    }

    /// Every event in a file of (possibly several, pretty-printed,
    /// concatenated) JSON documents.
    pub fn read_file(path: &Path) -> Vec<EvtxEvent> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .map_while(Result::ok)
            .filter_map(|doc| EvtxEvent::from_json(&doc))
            .collect()
    }

    // The bench (`benches/matching.rs`, which includes this file) picks
    // Sysmon process events with these two; the tests route through
    // `Event::kind` instead.
    #[allow(dead_code)]
    pub fn event_id(&self) -> Option<u32> {
        self.event_id
    }

    #[allow(dead_code)]
    pub fn channel(&self) -> Option<&str> {
        self.channel.as_deref()
    }
}

fn borrowed<'a>(v: &'a FieldValue<'static>) -> FieldValue<'a> {
    match v {
        FieldValue::Str(s) => FieldValue::Str(Cow::Borrowed(s.as_ref())),
        other => other.clone(),
    }
}

impl Event for EvtxEvent {
    /// Borrows string values (no allocation except for list fields).
    fn field(&self, name: &str) -> Lookup<'_> {
        match self.fields.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Err(_) => Lookup::Absent,
            Ok(i) => match &self.fields[i].1 {
                Lookup::Absent => Lookup::Absent,
                Lookup::One(v) => Lookup::One(borrowed(v)),
                Lookup::Many(vs) => Lookup::Many(vs.iter().map(borrowed).collect()),
            },
        }
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        for (_, l) in &self.fields {
            l.values().iter().for_each(&mut *visit);
        }
    }

    fn kind(&self) -> EventKind<'_> {
        EventKind {
            product: Some("windows"),
            channel: self.channel.as_deref(),
            provider: self.provider.as_deref(),
            event_id: self.event_id,
            ..EventKind::default()
        }
    }
}
