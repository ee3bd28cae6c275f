//! Conformance against SigmaHQ: the rule repository and its regression data.
//!
//! The corpus is not part of the repository; set `TUNNELHUNT_CORPUS` to the
//! folder that holds `sigmahq/` (in a checkout: `../shared/corpus`). Unset,
//! these tests print "skipped" and pass; set to a folder without the corpus,
//! they fail, so CI cannot silently test nothing.
//!
//! (a) Every rule under `rules/`, `rules-emerging-threats/` and
//! `rules-threat-hunting/` must parse, lower and compile, except the files
//! in [`UNSUPPORTED`], each with the README-listed feature it needs.
//!
//! (b) Every `regression_data/` folder with an `info.yml` and a `.json`
//! twin: the folder's rule matches as many of the folder's events as
//! `match_count` says (at least one when it says nothing), and matches no
//! event of ten other folders drawn with a fixed seed, except the pairs in
//! [`LEGITIMATE_CROSS_MATCHES`]. The matcher used is the one built from the
//! whole rule set, so batching across 3,000 rules is what is tested. On the
//! same events, the matcher must agree with the reference evaluator
//! (`eval_expr` behind the engine's own routing decision) for every rule.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use tunnelhunt_engine::routing::{self, Decision};
use tunnelhunt_engine::{Event, Matcher, MatcherBuilder, RuleId, eval_expr};
use tunnelhunt_sigma::ast::Rule;
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};
use tunnelhunt_sources::{Record, inputs};

const RULE_DIRS: [&str; 3] = ["rules", "rules-emerging-threats", "rules-threat-hunting"];

/// Rule files that may fail, with the unsupported feature (as listed in the
/// README's "Sigma support") that each needs. Paths are relative to
/// `sigmahq/`. The test fails if a listed file stops failing, so the list
/// cannot go stale.
const UNSUPPORTED: &[(&str, &str)] = &[];

/// (folder whose rule fires, folder whose events it fires on, why that is
/// right). Folder names are the regression folders' last path component.
const LEGITIMATE_CROSS_MATCHES: &[(&str, &str, &str)] = &[
    (
        "proc_creation_win_curl_susp_download",
        "proc_creation_win_curl_download_direct_ip_exec",
        "`curl --output hello.txt https://12.34.56.78/hack/evil.txt` is curl.exe with a \
         command line ending in `.txt`, one of the rule's suspicious extensions",
    ),
    (
        "proc_creation_win_curl_susp_download",
        "proc_creation_win_curl_local_file_read",
        "`curl file:///C:\\Users\\…\\AppData\\Local\\Temp\\calc.dll` is curl.exe with \
         `\\AppData\\` in the command line and a `.dll` ending",
    ),
];

/// Folders whose `match_count` disagrees with their own `.json` events:
/// (folder, the count that is right, why). Each was checked by hand: every
/// event in the file satisfies the rule, so upstream's count is stale.
const MATCH_COUNT_CORRECTIONS: &[(&str, usize, &str)] = &[
    (
        "registry_set_change_security_zones",
        3,
        "match_count says 1, but the .json (and its .evtx twin) holds three \
         SetValue events under ...\\ZoneMap\\Domains\\bad-domain.com\\... with \
         Details DWORD (0x00000002), none of them in the rule's filter",
    ),
    (
        "registry_set_disable_administrative_share",
        2,
        "match_count says 1, but the .json holds two SetValue events, \
         ...\\AutoShareServer and ...\\AutoShareWks, both DWORD (0x00000000): \
         both are exactly what the rule's selection describes",
    ),
];

/// Values for the `|expand` placeholders SigmaHQ rules use. They stand for
/// an organisation's own inventory; any plausible values do.
fn placeholders() -> Placeholders {
    let mut p = Placeholders::new();
    p.insert(
        "known_cdcs",
        vec!["dc01.corp.example".into(), "10.0.0.10".into()],
    );
    p
}

/// At most this many SigmaHQ rules may have a logsource no routing table
/// knows (measured: 419 of 3,754 — cloud and SaaS audit logs, appliances,
/// application logs, some Zeek logs, macOS file events,
/// Windows `file_access`/`file_rename`; the README lists them). Readers
/// that produce more logsources only lower it; a change that raises it
/// (a routing entry lost) fails here.
const MAX_UNROUTABLE: usize = 419;

/// How many other folders each regression rule is tested against.
const NEGATIVE_SAMPLES: usize = 10;
/// Seed of the draw of those folders.
const SEED: u64 = 0x7475_6e6e_656c_6875; // "tunnelhu"

fn corpus() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return None;
    };
    let root = PathBuf::from(root);
    let sigmahq = root.join("sigmahq");
    assert!(
        sigmahq.join("rules").is_dir() && sigmahq.join("regression_data").is_dir(),
        "TUNNELHUNT_CORPUS={} has no sigmahq/rules and sigmahq/regression_data",
        root.display()
    );
    Some(sigmahq)
}

/// A rule that made it through lowering and compilation.
struct Compiled {
    rule: Rule,
    expr: Expr,
}

/// The whole SigmaHQ rule set, loaded once for all tests.
struct RuleSet {
    files: usize,
    rules: usize,
    filters: usize,
    correlations: usize,
    /// Rule file (relative to `sigmahq/`) → what went wrong.
    failures: BTreeMap<String, Vec<String>>,
    compiled: Vec<Compiled>,
    matcher: Matcher,
    unroutable: usize,
}

fn rule_set(sigmahq: &Path) -> &'static RuleSet {
    static SET: OnceLock<RuleSet> = OnceLock::new();
    SET.get_or_init(|| load_rule_set(sigmahq))
}

fn relative(sigmahq: &Path, file: &Path) -> String {
    file.strip_prefix(sigmahq)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

fn load_rule_set(sigmahq: &Path) -> RuleSet {
    let started = Instant::now();
    let dirs: Vec<PathBuf> = RULE_DIRS.iter().map(|d| sigmahq.join(d)).collect();
    let found = inputs::discover(&dirs, |p| inputs::has_extension(p, &["yml", "yaml"]));
    assert!(found.errors.is_empty(), "unreadable: {:?}", found.errors);
    let mut collection = RuleCollection::new();
    for file in &found.files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        collection.add_file(file, &text);
    }
    collection.finish();

    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in collection.diagnostics().iter().filter(|d| d.is_error()) {
        failures
            .entry(relative(sigmahq, &d.file))
            .or_default()
            .push(d.to_string());
    }
    let placeholders = placeholders();
    let mut builder = MatcherBuilder::new();
    let mut compiled = Vec::new();
    for rule in collection.rules() {
        let file = relative(sigmahq, &rule.origin.file);
        let expr = match lower_rule(rule, &collection.filters_for(rule), &placeholders) {
            Ok(expr) => expr,
            Err(diagnostics) => {
                let messages = diagnostics.iter().map(ToString::to_string);
                failures.entry(file).or_default().extend(messages);
                continue;
            }
        };
        match builder.add_rule(&rule.logsource, &expr) {
            Ok(id) => {
                assert_eq!(id, compiled.len());
                compiled.push(Compiled {
                    rule: rule.clone(),
                    expr,
                });
            }
            Err(e) => failures.entry(file).or_default().push(e.to_string()),
        }
    }
    let matcher = builder
        .build()
        .unwrap_or_else(|e| panic!("the SigmaHQ rule set does not build: {e}"));
    let unroutable = matcher.unroutable_rules().count();
    println!(
        "sigmahq rules loaded and compiled in {:.1?}",
        started.elapsed()
    );
    RuleSet {
        files: found.files.len(),
        rules: collection.rules().count(),
        filters: collection.filters().count(),
        correlations: collection.correlations().count(),
        failures,
        compiled,
        matcher,
        unroutable,
    }
}

#[test]
fn sigmahq_rules_parse_lower_and_compile() {
    let Some(sigmahq) = corpus() else { return };
    let set = rule_set(&sigmahq);
    println!(
        "sigmahq rules: {} files, {} rules, {} filters, {} correlations; {} compiled, \
         {} failing files, {} rules with a logsource no table routes",
        set.files,
        set.rules,
        set.filters,
        set.correlations,
        set.compiled.len(),
        set.failures.len(),
        set.unroutable,
    );
    let allowed: HashMap<&str, &str> = UNSUPPORTED.iter().copied().collect();
    let mut unexpected = Vec::new();
    for (file, messages) in &set.failures {
        let tag = match allowed.get(file.as_str()) {
            Some(reason) => format!("allowed ({reason})"),
            None => {
                unexpected.push(file.clone());
                "UNEXPECTED".to_owned()
            }
        };
        println!("{tag}: {file}");
        for m in messages {
            println!("    {m}");
        }
    }
    let stale: Vec<&str> = UNSUPPORTED
        .iter()
        .map(|(file, _)| *file)
        .filter(|file| !set.failures.contains_key(*file))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} rule files fail without being listed as unsupported: {unexpected:#?}",
        unexpected.len()
    );
    assert!(
        stale.is_empty(),
        "listed as unsupported but passing (remove them from UNSUPPORTED): {stale:#?}"
    );
    assert!(
        set.unroutable <= MAX_UNROUTABLE,
        "{} SigmaHQ rules have a logsource no table routes, more than the {MAX_UNROUTABLE} \
         measured",
        set.unroutable
    );
}

/// One regression folder: its rule and its events.
struct Folder {
    name: String,
    rel: String,
    rule_id: String,
    match_count: Option<usize>,
    events: Vec<Record>,
}

fn regression_folders(sigmahq: &Path) -> (Vec<Folder>, Vec<String>) {
    let root = sigmahq.join("regression_data");
    let found = inputs::discover(std::slice::from_ref(&root), |p| {
        p.file_name().is_some_and(|n| n == "info.yml")
    });
    assert!(found.errors.is_empty(), "unreadable: {:?}", found.errors);
    let mut folders = Vec::new();
    let mut without_json = Vec::new();
    for info in &found.files {
        let dir = info.parent().expect("info.yml has a folder");
        let rel = relative(&root, dir);
        let jsons: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| inputs::has_extension(p, &["json"]))
            .collect();
        if jsons.is_empty() {
            without_json.push(rel);
            continue;
        }
        let (rule_id, match_count) = read_info(info);
        let mut events = Vec::new();
        for json in &jsons {
            let reader = tunnelhunt_sources::open(json)
                .unwrap_or_else(|e| panic!("{}: {e}", json.display()));
            for record in reader {
                events.push(record.unwrap_or_else(|e| panic!("unparseable record: {e}")));
            }
        }
        folders.push(Folder {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            rel,
            rule_id,
            match_count,
            events,
        });
    }
    folders.sort_by(|a, b| a.rel.cmp(&b.rel));
    (folders, without_json)
}

/// `rule_metadata[0].id` and the first `match_count` of `regression_tests_info`.
fn read_info(info: &Path) -> (String, Option<usize>) {
    let text = std::fs::read_to_string(info).unwrap();
    let docs = Yaml::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", info.display()));
    let doc = &docs[0];
    let id = doc
        .as_mapping_get("rule_metadata")
        .and_then(|m| m.as_sequence_get(0))
        .and_then(|m| m.as_mapping_get("id"))
        .and_then(|id| match id {
            Yaml::Value(Scalar::String(s)) => Some(s.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{}: no rule_metadata[0].id", info.display()));
    let count = doc
        .as_mapping_get("regression_tests_info")
        .and_then(|t| t.as_sequence_get(0))
        .and_then(|t| t.as_mapping_get("match_count"))
        .and_then(|c| match c {
            Yaml::Value(Scalar::Integer(n)) => usize::try_from(*n).ok(),
            _ => None,
        });
    (id, count)
}

/// SplitMix64: a tiny, fixed, dependency-free generator, so the draw of
/// negative folders is the same on every machine and every run.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `k` distinct indexes below `n`, none equal to `except`.
    fn sample(&mut self, n: usize, k: usize, except: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(k);
        while out.len() < k.min(n.saturating_sub(1)) {
            let i = (self.next() % n as u64) as usize;
            if i != except && !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }
}

/// The reference answer: the engine's routing decision, then `eval_expr`.
fn reference_matches(c: &Compiled, event: &dyn Event) -> bool {
    let routed = match routing::decide(&c.rule.logsource, &event.kind()) {
        Decision::Never => false,
        Decision::Always => true,
        Decision::When(conditions) => conditions.iter().any(|cond| {
            event.field(cond.field).values().iter().any(|v| {
                v.as_text()
                    .is_some_and(|t| cond.values.iter().any(|x| x.eq_ignore_ascii_case(&t)))
            })
        }),
    };
    routed && eval_expr(&c.expr, event)
}

/// For each event: (the matcher's rule ids, the reference's rule ids).
fn check_events(set: &RuleSet, events: &[&Record]) -> Vec<(Vec<RuleId>, Vec<RuleId>)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = events.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = events
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut scratch = set.matcher.scratch();
                    part.iter()
                        .map(|record| {
                            let mut got = Vec::new();
                            set.matcher.matches(&record.event, &mut scratch, &mut got);
                            got.sort_unstable();
                            let want: Vec<RuleId> = (0..set.compiled.len())
                                .filter(|&id| reference_matches(&set.compiled[id], &record.event))
                                .collect();
                            (got, want)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked"))
            .collect()
    })
}

#[test]
fn sigmahq_regression_data() {
    let Some(sigmahq) = corpus() else { return };
    let set = rule_set(&sigmahq);
    let (folders, without_json) = regression_folders(&sigmahq);
    let by_id: HashMap<&str, RuleId> = set
        .compiled
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c.rule.meta.id.as_ref()?.value.as_str(), i)))
        .collect();

    for (name, _, _) in MATCH_COUNT_CORRECTIONS {
        assert!(
            folders.iter().any(|f| f.name == *name),
            "MATCH_COUNT_CORRECTIONS names {name}, which is not a regression folder"
        );
    }
    for (a, b, _) in LEGITIMATE_CROSS_MATCHES {
        for name in [a, b] {
            assert!(
                folders.iter().any(|f| f.name == *name),
                "LEGITIMATE_CROSS_MATCHES names {name}, which is not a regression folder"
            );
        }
    }

    // Every event once through the matcher, and through the reference
    // (spread over the cores: the reference is deliberately slow).
    let started = Instant::now();
    let all: Vec<&Record> = folders.iter().flat_map(|f| &f.events).collect();
    let events = all.len();
    let checked = check_events(set, &all);
    let mut disagreements = Vec::new();
    let mut flat_hits = Vec::with_capacity(events);
    for (record, (got, want)) in all.iter().zip(checked) {
        if got != want {
            let title = |id: &RuleId| set.compiled[*id].rule.meta.title.value.clone();
            disagreements.push(format!(
                "{}: matcher only: {:?}; reference only: {:?}",
                record.origin,
                got.iter()
                    .filter(|x| !want.contains(x))
                    .map(title)
                    .collect::<Vec<_>>(),
                want.iter()
                    .filter(|x| !got.contains(x))
                    .map(title)
                    .collect::<Vec<_>>(),
            ));
        }
        flat_hits.push(got);
    }
    let mut flat_hits = flat_hits.into_iter();
    let hits: Vec<Vec<Vec<RuleId>>> = folders
        .iter()
        .map(|f| flat_hits.by_ref().take(f.events.len()).collect())
        .collect();
    println!(
        "{events} events through the matcher and the reference in {:.1?}",
        started.elapsed()
    );
    let exceptions: Vec<(&str, &str)> = LEGITIMATE_CROSS_MATCHES
        .iter()
        .map(|(a, b, _)| (*a, *b))
        .collect();
    let mut rng = SplitMix64(SEED);
    let (mut pos_pass, mut neg_pass, mut neg_total) = (0, 0, 0);
    let mut failures = Vec::new();
    for (i, folder) in folders.iter().enumerate() {
        // Drawn for every folder, so one folder's failure does not shift
        // the draw of the others.
        let others = rng.sample(folders.len(), NEGATIVE_SAMPLES, i);
        let Some(&rule) = by_id.get(folder.rule_id.as_str()) else {
            failures.push(format!(
                "{}: rule {} is not among the compiled rules",
                folder.rel, folder.rule_id
            ));
            neg_total += others.len();
            continue;
        };
        let file = &set.compiled[rule].rule.origin.file;
        if file
            .file_stem()
            .is_some_and(|s| s.to_string_lossy() != folder.name)
        {
            // The rule is found by the id in info.yml; upstream renamed
            // the file without renaming the folder.
            println!(
                "note: {}: rule {} lives in {}",
                folder.rel,
                folder.rule_id,
                relative(&sigmahq, file)
            );
        }
        let matched = hits[i].iter().filter(|h| h.contains(&rule)).count();
        let corrected = MATCH_COUNT_CORRECTIONS
            .iter()
            .find(|(name, _, _)| *name == folder.name)
            .map(|(_, n, _)| *n);
        let positive_ok = match corrected.or(folder.match_count) {
            Some(n) => matched == n,
            None => matched >= 1,
        };
        if positive_ok {
            pos_pass += 1;
        } else {
            failures.push(format!(
                "{}: rule matched {matched} of {} events, expected {}",
                folder.rel,
                folder.events.len(),
                corrected
                    .or(folder.match_count)
                    .map_or("at least 1".to_owned(), |n| n.to_string())
            ));
        }
        for &j in &others {
            neg_total += 1;
            let fired: Vec<String> = hits[j]
                .iter()
                .zip(&folders[j].events)
                .filter(|(h, _)| h.contains(&rule))
                .map(|(_, r)| r.origin.to_string())
                .collect();
            if fired.is_empty() || exceptions.contains(&(&folder.name, &folders[j].name)) {
                neg_pass += 1;
            } else {
                failures.push(format!(
                    "{}: rule also matches the events of {}: {}",
                    folder.rel,
                    folders[j].rel,
                    fired.join(", ")
                ));
            }
        }
    }
    println!(
        "regression: {pos_pass}/{} positive, {neg_pass}/{neg_total} negative; \
         matcher = reference on {} of {events} events x {} rules; \
         {} folders without a .json twin: {:?}",
        folders.len(),
        events - disagreements.len(),
        set.compiled.len(),
        without_json.len(),
        without_json,
    );
    for f in &failures {
        println!("FAIL {f}");
    }
    for d in &disagreements {
        println!("DISAGREE {d}");
    }
    assert!(
        failures.is_empty() && disagreements.is_empty(),
        "{} regression failures, {} matcher/reference disagreements (see output)",
        failures.len(),
        disagreements.len()
    );
}

#[test]
fn prng_is_fixed() {
    let mut a = SplitMix64(SEED);
    let mut b = SplitMix64(SEED);
    assert_eq!(a.sample(152, 10, 3), b.sample(152, 10, 3));
    let s = SplitMix64(1).sample(5, 10, 0);
    assert_eq!(s.len(), 4, "at most n-1 distinct others");
    assert!(!s.contains(&0));
}
