//! The built-in pack loaded, lowered and rendered, as every object test
//! needs it, and the validator venv the vendor checks run in.

use std::path::{Path, PathBuf};

use tunnelhunt_backends::{Backend, CorrelationInput, Flavor, RuleInput};
use tunnelhunt_deploy::{Entry, Kind, Platform, RuleMeta, Schedules};
use tunnelhunt_sigma::ast::{Correlation, Filter, LogSource, Rule, Status};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

pub struct Pack {
    pub rules: Vec<(Rule, Expr)>,
    pub correlations: Vec<Correlation>,
}

/// `t1572/x.yml` of a pack document's origin.
fn pack_path(file: &Path) -> String {
    file.to_string_lossy().replace('\\', "/")
}

pub fn pack() -> Pack {
    pack_with(&[])
}

/// The pack plus `extra` documents, each `(path, text)`.
pub fn pack_with(extra: &[(&str, &str)]) -> Pack {
    let mut collection = RuleCollection::new();
    for file in tunnelhunt_pack::builtin_rules() {
        collection.add_file(Path::new(file.path), file.text);
    }
    for (path, text) in extra {
        collection.add_file(Path::new(path), text);
    }
    collection.finish();
    assert!(!collection.has_errors(), "{:?}", collection.diagnostics());
    let rules = collection
        .rules()
        .map(|rule| {
            let filters: Vec<&Filter> = collection.filters_for(rule);
            let expr = lower_rule(rule, &filters, &Placeholders::new()).expect("pack rule lowers");
            (rule.clone(), expr)
        })
        .collect();
    let correlations = collection.correlations().cloned().collect();
    Pack {
        rules,
        correlations,
    }
}

/// A rendered pack document and what its object is built from.
pub struct Rendered {
    pub stem: String,
    pub meta: RuleMeta,
    pub stable: bool,
    pub query: String,
    /// The rule's logsource; empty for a correlation.
    pub logsource: LogSource,
}

impl Rendered {
    /// The entry the CLI gives a vendor's collector for this rendering.
    pub fn entry(&self) -> Entry<'_> {
        Entry {
            meta: &self.meta,
            query: &self.query,
            stem: &self.stem,
            platform: self.platform(),
            logsource: &self.logsource,
            stable: self.stable,
        }
    }

    pub fn platform(&self) -> Platform {
        Platform::from_product(self.logsource.product.as_deref())
    }
}

fn guide(file: &Path) -> Option<&'static str> {
    tunnelhunt_pack::guide_for(&pack_path(file)).map(|g| g.text)
}

fn stem(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .expect("pack files have names")
}

/// Every pack rule and correlation `backend` renders (refusals skipped;
/// the count of renderings is returned beside them).
pub fn rendered(pack: &Pack, backend: &dyn Backend) -> (Vec<Rendered>, usize) {
    rendered_in(pack, backend, Flavor::DEFAULT)
}

/// [`rendered`] in one of the backend's flavors.
pub fn rendered_in(pack: &Pack, backend: &dyn Backend, flavor: Flavor) -> (Vec<Rendered>, usize) {
    rendered_with_options(pack, backend, flavor, false)
}

/// [`rendered`], with the correlations' fixed-bucket approximation
/// accepted when `approximate` (as `export --approximate`).
pub fn rendered_with(
    pack: &Pack,
    backend: &dyn Backend,
    approximate: bool,
) -> (Vec<Rendered>, usize) {
    rendered_with_options(pack, backend, Flavor::DEFAULT, approximate)
}

fn rendered_with_options(
    pack: &Pack,
    backend: &dyn Backend,
    flavor: Flavor,
    approximate: bool,
) -> (Vec<Rendered>, usize) {
    let schedules = Schedules::default();
    let inputs: Vec<RuleInput> = pack
        .rules
        .iter()
        .map(|(rule, expr)| RuleInput {
            rule,
            filters: &[],
            expr,
        })
        .collect();
    let mut out = Vec::new();
    let mut refused = 0;
    for input in &inputs {
        match backend.render(input, flavor) {
            Ok(query) => out.push(Rendered {
                stem: stem(Path::new(&input.rule.origin.file)),
                meta: RuleMeta::new(
                    &input.rule.meta,
                    guide(Path::new(&input.rule.origin.file)),
                    Kind::Rule,
                    &schedules,
                ),
                stable: input.rule.meta.status == Some(Status::Stable),
                query,
                logsource: input.rule.logsource.clone(),
            }),
            Err(_) => refused += 1,
        }
    }
    let all: Vec<&Correlation> = pack.correlations.iter().collect();
    for correlation in &pack.correlations {
        let rendering = CorrelationInput::resolve(correlation, &inputs, &all, approximate)
            .ok()
            .and_then(|input| backend.render_correlation(&input, flavor).ok());
        match rendering {
            Some(query) => out.push(Rendered {
                stem: stem(Path::new(&correlation.origin.file)),
                meta: RuleMeta::new(
                    &correlation.meta,
                    guide(Path::new(&correlation.origin.file)),
                    Kind::Correlation {
                        timespan_secs: correlation.timespan_secs,
                    },
                    &schedules,
                ),
                stable: correlation.meta.status == Some(Status::Stable),
                query,
                logsource: LogSource::default(),
            }),
            None => refused += 1,
        }
    }
    (out, refused)
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The validators venv's python when `TUNNELHUNT_VALIDATORS` is set (it
/// must then exist), else `None` after saying the test was skipped.
pub fn validator_python(setup: &str) -> Option<PathBuf> {
    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
        return None;
    }
    let venv = std::env::var_os("TUNNELHUNT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/validators-venv"));
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "TUNNELHUNT_VALIDATORS is set but {} is missing: run {setup}",
        python.display()
    );
    Some(python)
}

/// Text made of `pieces` (a format's metacharacters, what its readers
/// would take for another type, control characters) and plain words, for
/// the injection property tests: every vendor's value must come back from
/// its format's own parser exactly.
pub fn hostile_text(
    pieces: &'static [&'static str],
    parts: std::ops::Range<usize>,
) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(pieces).prop_map(str::to_owned),
            "[a-z ]{0,6}",
        ],
        parts,
    )
    .prop_map(|parts| parts.concat())
}
