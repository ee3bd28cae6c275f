//! The execution cross-check: the pack's EQL, run by Elastic's reference
//! engine (PyPI `eql`, patched to Elasticsearch's semantics — see
//! `validators/eql/tunnelhunt_eql.py`) over the ECS version of the
//! scenario corpus, flags exactly the (rule, record) pairs tunnelhunt's
//! engine flags.
//!
//! The ECS version of a record is built from the record as the engine
//! sees it: its Sigma category (the engine's own logsource routing)
//! decides `event.category`/`event.type` as `eql::model` reads them, its
//! product becomes `host.os.type`, and every Sigma field of the category's
//! mapping table is written at its ECS path — the reverse of
//! `eql::model`. So the check is about the queries (operators, case,
//! wildcards, escaping, regex dialect, boolean structure, scope filters),
//! not about how a real shipper fills ECS.
//!
//! Rules whose EQL rendering is refused are reported and left out; every
//! other pack rule is compared, and so is every pack query against the
//! union of its rules. Needs `TUNNELHUNT_VALIDATORS`.

use crate::common;
use crate::eql_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use tunnelhunt_backends::Backend;
use tunnelhunt_backends::Flavor;
use tunnelhunt_backends::eql::model::{DIRECTIONS, EcsScope, HASHES, PRODUCTS, SCOPES};
use tunnelhunt_backends::eql::{Eql, pack};
use tunnelhunt_backends::model::FieldKind;
use tunnelhunt_engine::routing::{self, Decision};
use tunnelhunt_engine::{Event, FieldValue, Lookup, MatcherBuilder};
use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sources::AnyEvent;

use common::{LoadedRule, pack_rules, probe_rules, with_inputs};
use eql_support::validator;

/// Every record of every file of every scenario folder, keyed
/// `scenario/file:position`.
fn scenario_records() -> (Vec<(String, AnyEvent)>, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/scenarios");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus/scenarios exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut records = Vec::new();
    let mut unreadable = 0;
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("scenario readable")
            .map(|e| e.expect("entry").path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                p.is_file()
                    && name != "expect.yml"
                    && !name.ends_with(".md")
                    && !name.starts_with('.')
            })
            .collect();
        files.sort();
        files.extend(corpus_files(&dir));
        for file in files {
            let prefix = format!(
                "{}/{}",
                dir.file_name().unwrap().to_string_lossy(),
                file.file_name().unwrap().to_string_lossy()
            );
            let Ok(reader) = tunnelhunt_sources::open(&file) else {
                continue;
            };
            for item in reader {
                match item {
                    Ok(record) => {
                        let position = record
                            .origin
                            .line()
                            .or(record.origin.record_id())
                            .unwrap_or_default();
                        records.push((format!("{prefix}:{position}"), record.event));
                    }
                    Err(_) => unreadable += 1,
                }
            }
        }
    }
    (records, unreadable)
}

/// The files of the shared corpus a scenario's `expect.yml` names
/// (`corpus: real/…`), when `TUNNELHUNT_CORPUS` is set; without it they
/// are left out and the test says so.
fn corpus_files(scenario: &Path) -> Vec<PathBuf> {
    let expect = std::fs::read_to_string(scenario.join("expect.yml")).unwrap_or_default();
    let mut named: Vec<&str> = expect
        .lines()
        .filter_map(|line| {
            let line = line.trim_start().trim_start_matches("- ").trim_start();
            line.strip_prefix("corpus:").map(str::trim)
        })
        .filter(|path| !path.is_empty())
        .collect();
    named.sort();
    named.dedup();
    if named.is_empty() {
        return Vec::new();
    }
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!(
            "{}: {} corpus file(s) skipped: TUNNELHUNT_CORPUS not set",
            scenario.display(),
            named.len()
        );
        return Vec::new();
    };
    named
        .into_iter()
        .map(|relative| {
            let path = Path::new(&root).join(relative);
            assert!(
                path.is_file(),
                "{} names {relative}, which is missing",
                scenario.display()
            );
            path
        })
        .collect()
}

/// The scope of [`SCOPES`] the engine's routing puts `event` in: the first
/// whose Sigma category the event belongs to, the specific registry
/// categories before `registry_event`.
fn scope_of(event: &AnyEvent) -> Option<&'static EcsScope> {
    let kind = event.kind();
    let mut order: Vec<&EcsScope> = SCOPES.iter().collect();
    order.sort_by_key(|s| s.scope.key.category == Some("registry_event"));
    order.into_iter().find(|s| {
        let ls = LogSource {
            category: s.scope.key.category.map(str::to_owned),
            product: s.scope.key.product.map(str::to_owned),
            service: s.scope.key.service.map(str::to_owned),
            definition: None,
        };
        match routing::decide(&ls, &kind) {
            Decision::Never => false,
            Decision::Always => true,
            Decision::When(conditions) => conditions.iter().any(|c| {
                event.field(c.field).values().iter().any(|v| {
                    v.as_text()
                        .is_some_and(|t| c.values.iter().any(|want| want.eq_ignore_ascii_case(&t)))
                })
            }),
        }
    })
}

/// `event.type` for the scope: the value its selector tests.
fn event_type(scope: &EcsScope) -> Option<&'static str> {
    match scope.scope.key.category? {
        "process_creation" => Some("start"),
        "registry_set" => Some("change"),
        "registry_add" => Some("creation"),
        "registry_delete" => Some("deletion"),
        // Sysmon 14 (rename) is neither: an ECS type the selectors never test.
        "registry_event" => Some("info"),
        "file_event" => Some("creation"),
        "file_delete" => Some("deletion"),
        _ => None,
    }
}

fn ecs_value(kind: FieldKind, value: &FieldValue<'_>) -> Option<Value> {
    if matches!(value, FieldValue::Null) {
        return Some(Value::Null);
    }
    let text = value.as_text()?.into_owned();
    match kind {
        FieldKind::Text | FieldKind::Ip => Some(Value::String(text)),
        FieldKind::Int => Some(match value {
            FieldValue::Int(i) => json!(i),
            FieldValue::Float(f) => json!(f),
            _ => match text.parse::<i64>() {
                Ok(n) if n.to_string() == text => json!(n),
                _ => Value::String(text),
            },
        }),
        FieldKind::Bool => DIRECTIONS
            .iter()
            .find(|(sysmon, _)| sysmon.eq_ignore_ascii_case(&text))
            .map(|(_, ecs)| Value::String(ecs[0].to_owned())),
    }
}

fn set_path(doc: &mut Map<String, Value>, path: &str, value: Value) {
    let mut node = doc;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            node.insert(part.to_owned(), value);
            return;
        }
        node = node
            .entry(part)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("ECS paths nest objects");
    }
}

/// The ECS document of a record, and how many list-valued fields were cut
/// to their first value (the reference engine compares scalars only).
/// `event_data_fields`: the Sigma fields the rules name, written under a
/// scope's `event_data` object when the mapping table does not have them.
fn ecs_document(
    id: &str,
    event: &AnyEvent,
    scope: &EcsScope,
    event_data_fields: &BTreeSet<String>,
) -> (Value, usize) {
    let mut doc = Map::new();
    set_path(&mut doc, "event.id", json!(id));
    // `any` scopes (script blocks) are filed under `process`, as the
    // Windows integration does.
    let category = match scope.event_category {
        "any" => "process",
        category => category,
    };
    set_path(&mut doc, "event.category", json!(category));
    let kind = event.kind();
    if let Some(id) = kind.event_id {
        set_path(&mut doc, "event.code", json!(id.to_string()));
    }
    if let Some(channel) = kind.channel {
        set_path(&mut doc, "winlog.channel", json!(channel));
    }
    if let Some(t) = event_type(scope) {
        set_path(&mut doc, "event.type", json!(t));
    }
    if let Some(product) = kind.product
        && let Some((_, os)) = PRODUCTS
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(product))
    {
        set_path(&mut doc, "host.os.type", json!(os));
    }
    let mut truncated = 0;
    for field in scope.scope.fields {
        let lookup = event.field(field.sigma);
        if field.sigma == "User" {
            // `DOMAIN\name` → `<target>.domain`, `<target>.name`.
            if let Some(text) = lookup
                .values()
                .first()
                .and_then(|v| v.as_text().map(|t| t.into_owned()))
            {
                match text.split_once('\\') {
                    Some((domain, name)) => {
                        set_path(&mut doc, &format!("{}.domain", field.target), json!(domain));
                        set_path(&mut doc, &format!("{}.name", field.target), json!(name));
                    }
                    None => set_path(&mut doc, &format!("{}.name", field.target), json!(text)),
                }
            }
            continue;
        }
        if field.sigma == "Hashes" {
            // `SHA1=…,MD5=…` → `<target>.hash.sha1`, `<target>.hash.md5`, …
            let text = lookup
                .values()
                .first()
                .and_then(|v| v.as_text().map(|t| t.into_owned()));
            for (algorithm, hash) in text
                .iter()
                .flat_map(|t| t.split(','))
                .filter_map(|p| p.split_once('='))
            {
                if let Some((_, path)) = HASHES
                    .iter()
                    .find(|(a, _)| a.eq_ignore_ascii_case(algorithm.trim()))
                {
                    set_path(
                        &mut doc,
                        &format!("{}.{path}", field.target),
                        json!(hash.trim()),
                    );
                }
            }
            continue;
        }
        let values = lookup.values();
        if matches!(lookup, Lookup::Many(_)) && values.len() > 1 {
            truncated += 1;
        }
        if let Some(value) = values.first().and_then(|v| ecs_value(field.kind, v)) {
            set_path(&mut doc, field.target, value);
        }
    }
    if let Some(prefix) = scope.event_data {
        for name in event_data_fields {
            if scope.scope.fields.iter().any(|f| f.sigma == name) {
                continue;
            }
            if let Some(value) = event
                .field(name)
                .values()
                .first()
                .and_then(|v| ecs_value(FieldKind::Text, v))
            {
                set_path(&mut doc, &format!("{prefix}.{name}"), value);
            }
        }
    }
    (Value::Object(doc), truncated)
}

fn engine_matches(rules: &[LoadedRule], records: &[(String, AnyEvent)]) -> Vec<BTreeSet<String>> {
    let mut builder = MatcherBuilder::new();
    let ids: Vec<_> = rules
        .iter()
        .map(|r| {
            builder
                .add_rule(&r.rule.logsource, &r.expr)
                .expect("pack rule compiles")
        })
        .collect();
    let matcher = builder.build().expect("matcher builds");
    let mut scratch = matcher.scratch();
    let mut flagged = vec![BTreeSet::new(); rules.len()];
    let mut hits = Vec::new();
    for (key, event) in records {
        hits.clear();
        matcher.matches(event, &mut scratch, &mut hits);
        for hit in &hits {
            let index = ids.iter().position(|id| id == hit).expect("known rule");
            flagged[index].insert(key.clone());
        }
    }
    flagged
}

/// The ECS documents of the records the scopes know, for `rules`.
fn documents_for(rules: &[LoadedRule], records: &[(String, AnyEvent)]) -> (Vec<Value>, usize) {
    let mut referenced = BTreeSet::new();
    for rule in rules {
        rule.expr.for_each_predicate(&mut |p| {
            referenced.extend(p.field.clone());
        });
    }
    let mut documents = Vec::new();
    let mut truncated = 0;
    for (key, event) in records {
        if let Some(scope) = scope_of(event) {
            let (doc, cut) = ecs_document(key, event, scope, &referenced);
            truncated += cut;
            documents.push(doc);
        }
    }
    (documents, truncated)
}

/// Rules compared one by one: which were rendered, and the queries.
struct Rendered {
    compared: Vec<usize>,
    refused: Vec<String>,
    queries: Vec<String>,
}

fn render_each(rules: &[LoadedRule]) -> Rendered {
    let mut rendered = Rendered {
        compared: Vec::new(),
        refused: Vec::new(),
        queries: Vec::new(),
    };
    for (index, rule) in rules.iter().enumerate() {
        match rule.with_input(|input| Eql.render(input, Flavor::DEFAULT)) {
            Ok(text) => {
                rendered.queries.push(text);
                rendered.compared.push(index);
            }
            Err(refusal) => rendered.refused.push(format!("{}: {refusal}", rule.name)),
        }
    }
    rendered
}

/// Compare one EQL result set with the engine's; describe a difference.
fn difference(name: &str, eql: &[String], engine: &BTreeSet<String>) -> Option<String> {
    let eql: BTreeSet<String> = eql.iter().cloned().collect();
    (&eql != engine).then(|| {
        format!(
            "{name}: EQL only {:?}, engine only {:?}",
            eql.difference(engine).collect::<Vec<_>>(),
            engine.difference(&eql).collect::<Vec<_>>()
        )
    })
}

#[test]
fn probe_eql_flags_exactly_what_the_engine_flags_on_the_scenario_corpus() {
    let Some(validator) = validator() else { return };
    let rules = probe_rules();
    let (records, _) = scenario_records();
    let flagged = engine_matches(&rules, &records);
    let (documents, _) = documents_for(&rules, &records);
    let rendered = render_each(&rules);
    let verdicts = validator.run(&rendered.queries, Some(&documents));
    let mut mismatches = Vec::new();
    let mut pairs = 0;
    for (verdict, &index) in verdicts.iter().zip(&rendered.compared) {
        assert_eq!(verdict.error, None, "{} does not parse", rules[index].name);
        pairs += flagged[index].len();
        mismatches.extend(difference(
            &rules[index].name,
            &verdict.matches,
            &flagged[index],
        ));
    }
    println!(
        "eql probe cross-check: {} of {} probe rules compared over {} ECS events, {pairs} pairs flagged by both",
        rendered.compared.len(),
        rules.len(),
        documents.len()
    );
    assert!(
        mismatches.is_empty(),
        "EQL and the engine disagree:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn pack_eql_flags_exactly_what_the_engine_flags_on_the_scenario_corpus() {
    let Some(validator) = validator() else { return };
    let rules = pack_rules();
    let (records, unreadable) = scenario_records();
    assert!(records.len() > 50, "corpus has {} records", records.len());
    let flagged = engine_matches(&rules, &records);

    let (documents, truncated) = documents_for(&rules, &records);
    let Rendered {
        compared,
        refused,
        mut queries,
    } = render_each(&rules);
    let (parts, _) = with_inputs(&rules, pack::parts);
    let part_rules: Vec<Vec<usize>> = parts
        .iter()
        .map(|part| {
            compared
                .iter()
                .copied()
                .filter(|&i| {
                    rules[i].with_input(|input| {
                        input.branch().unwrap_or_else(|| input.label()) == part.branch
                            && tunnelhunt_backends::eql::RuleQuery::new(input)
                                .is_ok_and(|q| q.event_category == part.event_category)
                    })
                })
                .collect()
        })
        .collect();
    queries.extend(parts.iter().map(|p| p.text.clone()));

    let verdicts = validator.run(&queries, Some(&documents));
    let mut mismatches = Vec::new();
    let mut pairs = 0;
    let mut engine_pairs_refused = 0;
    for (index, set) in flagged.iter().enumerate() {
        if !compared.contains(&index) {
            engine_pairs_refused += set.len();
        }
    }
    for (verdict, &index) in verdicts.iter().zip(&compared) {
        assert_eq!(verdict.error, None, "{} does not parse", rules[index].name);
        pairs += flagged[index].len();
        mismatches.extend(difference(
            &rules[index].name,
            &verdict.matches,
            &flagged[index],
        ));
    }
    for ((verdict, part), members) in verdicts[compared.len()..]
        .iter()
        .zip(&parts)
        .zip(&part_rules)
    {
        assert_eq!(
            verdict.error, None,
            "pack query {}/{} does not parse",
            part.event_category, part.branch
        );
        let engine: BTreeSet<String> = members
            .iter()
            .flat_map(|&i| flagged[i].iter().cloned())
            .collect();
        let name = format!("pack query {}/{}", part.event_category, part.branch);
        mismatches.extend(difference(&name, &verdict.matches, &engine));
    }

    let by_rule: BTreeMap<&str, usize> = compared
        .iter()
        .map(|&i| (rules[i].name.as_str(), flagged[i].len()))
        .collect();
    println!(
        "eql execution cross-check: {} records read ({unreadable} unreadable), {} ECS events, \
         {} of {} pack rules compared, {} pack queries, {pairs} (rule, record) pairs flagged by both, \
         {truncated} list values cut to their first element",
        records.len(),
        documents.len(),
        compared.len(),
        rules.len(),
        parts.len()
    );
    println!("per rule: {by_rule:?}");
    println!(
        "not compared (refused in EQL; {engine_pairs_refused} engine pairs on them): {refused:#?}"
    );
    assert!(
        mismatches.is_empty(),
        "EQL and the engine disagree:\n{}",
        mismatches.join("\n")
    );
    assert!(pairs > 0, "the cross-check compared no detection at all");
}

/// One Sysmon `User` value, as the engine sees it.
struct UserEvent(&'static str);

impl Event for UserEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        match name {
            "User" => Lookup::One(FieldValue::Str(self.0.into())),
            _ => Lookup::Absent,
        }
    }
    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        visit(&FieldValue::Str(self.0.into()));
    }
    fn kind(&self) -> tunnelhunt_engine::EventKind<'_> {
        tunnelhunt_engine::EventKind::default()
    }
}

/// The `User` translation (one Sigma string over ECS `user.domain` and
/// `user.name`) against the engine's evaluator, glob by glob and value by
/// value.
#[test]
fn user_translation_agrees_with_the_engine() {
    use tunnelhunt_sigma::Span;
    use tunnelhunt_sigma::ir::{Expr, Piece, Predicate, StrMatch, Test};

    let Some(validator) = validator() else { return };
    let values = [
        "NT AUTHORITY\\SYSTEM",
        "CORP\\adm-bob",
        "corp\\Adm-Bob",
        "bob",
        "WORKGROUP\\Admin",
        "AUTHORITY",
    ];
    let lit = |s: &str| Piece::Lit(s.to_owned());
    let any = || Piece::AnyString;
    let globs: Vec<(Vec<Piece>, bool)> = vec![
        (vec![lit("NT AUTHORITY\\SYSTEM")], false),
        (vec![any(), lit("\\SYSTEM")], false),
        (vec![lit("CORP\\"), any()], false),
        (vec![any(), lit("AUTHORI"), any()], false),
        (vec![any(), lit("Y\\S"), any()], false),
        (vec![lit("CORP"), any()], false),
        (vec![lit("bo"), any()], false),
        (vec![any(), lit("bob")], false),
        (vec![lit("bob")], false),
        (vec![lit("CORP\\adm-bob")], true),
        (vec![lit("CORP\\"), any(), lit("-bob")], true),
        (vec![any()], false),
    ];
    let scope = &SCOPES[0];
    let documents: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut doc =
                json!({"event": {"id": i.to_string(), "category": "process", "type": "start"}});
            match v.split_once('\\') {
                Some((d, n)) => doc["user"] = json!({"domain": d, "name": n}),
                None => doc["user"] = json!({"name": v}),
            }
            doc
        })
        .collect();
    let mut queries = Vec::new();
    let mut expected = Vec::new();
    for (pieces, cased) in &globs {
        let predicate = Predicate {
            field: Some("User".to_owned()),
            test: Test::Str(StrMatch::new(pieces.clone(), *cased)),
            span: Span::UNKNOWN,
        };
        let condition = tunnelhunt_backends::eql::render::predicate(&predicate, scope)
            .unwrap_or_else(|r| panic!("{pieces:?} refused: {r}"));
        let expr = Expr::Pred(predicate);
        let engine: BTreeSet<String> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| tunnelhunt_engine::eval_expr(&expr, &UserEvent(v)))
            .map(|(i, _)| i.to_string())
            .collect();
        queries.push(format!("process where {condition}"));
        expected.push(engine);
    }
    let verdicts = validator.run(&queries, Some(&documents));
    let mismatches: Vec<String> = queries
        .iter()
        .zip(&verdicts)
        .zip(&expected)
        .filter_map(|((query, verdict), engine)| {
            assert_eq!(verdict.error, None, "{query}");
            difference(query, &verdict.matches, engine)
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
