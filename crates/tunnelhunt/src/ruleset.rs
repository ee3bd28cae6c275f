//! From rule paths to a compiled matcher, collecting every problem.
//!
//! Shared by `rules check` (which reports the problems), `scan` (which
//! reports them and goes on with the rules that compiled) and `export`
//! (which stops after lowering). The pipeline is
//! the one every consumer of rules follows: read files → `RuleCollection`
//! (parse + cross-file checks) → `lower_rule_with_warnings` with the rule's filters →
//! `MatcherBuilder::add_rule` → `build`. A rule that fails at any step is
//! left out and its problems are kept, so one bad rule never hides the
//! rest.

use std::fmt;
use std::path::{Path, PathBuf};

use tunnelhunt_engine::{CompileError, Matcher, MatcherBuilder, RuleId};
use tunnelhunt_sigma::ast::{Filter, Rule};
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::ir::Expr;
use tunnelhunt_sigma::lower::{Lowered, Placeholders, lower_rule_with_warnings};
use tunnelhunt_sigma::{Diagnostic, Severity};
use tunnelhunt_sources::inputs;

/// Rule files read into a collection.
pub struct LoadedRules {
    pub collection: RuleCollection,
    /// How many files were read (or tried).
    pub files: usize,
    /// Files that could not be read at all, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Read every rule file under `paths` (files with any name; `.yml` and
/// `.yaml` files inside directories) and run the cross-file checks.
pub fn load(paths: &[PathBuf]) -> LoadedRules {
    assemble(false, paths)
}

/// Build a collection from the built-in pack (when `builtin`) and the rule
/// files under `paths`, then run the cross-file checks once over all of it,
/// so a filter file on disk can tune a built-in rule.
fn assemble(builtin: bool, paths: &[PathBuf]) -> LoadedRules {
    let mut collection = RuleCollection::new();
    let mut files = 0;
    if builtin {
        for file in tunnelhunt_pack::builtin_rules() {
            collection.add_file(&builtin_path(file.path), file.text);
            files += 1;
        }
    }
    let found = inputs::discover(paths, |p| inputs::has_extension(p, &["yml", "yaml"]));
    let mut unreadable: Vec<(PathBuf, String)> = found
        .errors
        .iter()
        .map(|e| (e.path().to_path_buf(), e.to_string()))
        .collect();
    for file in &found.files {
        match std::fs::read(file).map(String::from_utf8) {
            Ok(Ok(text)) => collection.add_file(file, &text),
            Ok(Err(e)) => unreadable.push((
                file.clone(),
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )),
            Err(e) => unreadable.push((file.clone(), e.to_string())),
        }
    }
    collection.finish();
    LoadedRules {
        collection,
        files: files + found.files.len() + found.errors.len(),
        unreadable,
    }
}

/// Where built-in rule files appear to be, in diagnostics and alerts:
/// `<builtin>/t1572/….yml`.
pub const BUILTIN_PREFIX: &str = "<builtin>";

/// The rules under `paths`, or the built-in T1572 pack (embedded in the
/// binary by `tunnelhunt-pack`, without its example tuning filters) when no
/// path is given; `extra` files (filters) are added either way.
pub fn load_or_builtin(paths: &[PathBuf], extra: &[PathBuf]) -> LoadedRules {
    let all: Vec<PathBuf> = paths.iter().chain(extra).cloned().collect();
    assemble(paths.is_empty(), &all)
}

/// The path a built-in file is shown under.
pub fn builtin_path(relative: &str) -> PathBuf {
    Path::new(BUILTIN_PREFIX).join(relative)
}

/// Something wrong with the rule set, in the form `rules check` prints.
#[derive(Debug)]
pub enum Problem {
    /// From parsing, cross-file checks or lowering.
    Diagnostic(Diagnostic),
    /// A rule the engine could not compile.
    Compile {
        file: PathBuf,
        rule: String,
        line: u32,
        col: u32,
        error: CompileError,
    },
    /// The compiled rule set could not be assembled.
    Build(CompileError),
    /// A rule whose logsource no routing table knows: it loads, but only
    /// events whose reader declares that logsource reach it.
    Unroutable {
        file: PathBuf,
        rule: String,
        logsource: String,
    },
    /// A rule file that could not be read.
    Unreadable { file: PathBuf, message: String },
}

impl Problem {
    pub fn is_error(&self) -> bool {
        match self {
            Problem::Diagnostic(d) => d.severity == Severity::Error,
            Problem::Unroutable { .. } => false,
            Problem::Compile { .. } | Problem::Build(_) | Problem::Unreadable { .. } => true,
        }
    }

    /// File, line and column, so problems print in reading order.
    fn sort_key(&self) -> (Option<&Path>, u32, u32) {
        match self {
            Problem::Diagnostic(d) => (Some(&d.file), d.span.line, d.span.col),
            Problem::Compile {
                file, line, col, ..
            } => (Some(file), *line, *col),
            Problem::Unroutable { file, .. } | Problem::Unreadable { file, .. } => {
                (Some(file), 0, 0)
            }
            Problem::Build(_) => (None, 0, 0),
        }
    }
}

/// The same `file:line:col: severity[code]: message` shape as
/// [`Diagnostic`]'s, so editors and CI annotators read all of them.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Diagnostic(d) => write!(f, "{d}"),
            Problem::Compile {
                file,
                rule,
                line,
                col,
                error,
            } => write!(
                f,
                "{}:{line}:{col}: error[compile]: rule {rule}: {error}",
                file.display()
            ),
            Problem::Build(error) => write!(f, "error[compile]: the rule set: {error}"),
            Problem::Unroutable {
                file,
                rule,
                logsource,
            } => write!(
                f,
                "{}: warning[unroutable-logsource]: rule {rule}: no routing table knows \
                 logsource {logsource}; the rule matches only events whose reader declares \
                 it, and no reader does yet",
                file.display()
            ),
            Problem::Unreadable { file, message } => {
                write!(f, "{}: error[unreadable]: {message}", file.display())
            }
        }
    }
}

/// The rules that compiled, with the matcher over them.
pub struct CompiledRules<'a> {
    /// `None` only when assembling the matcher failed (see `problems`).
    pub matcher: Option<Matcher>,
    /// Indexed by [`RuleId`].
    pub rules: Vec<&'a Rule>,
    pub problems: Vec<Problem>,
}

impl CompiledRules<'_> {
    pub fn rule(&self, id: RuleId) -> &Rule {
        self.rules[id]
    }
}

/// Lower every rule of `loaded` with its filters and compile it.
pub fn compile<'a>(loaded: &'a LoadedRules, placeholders: &Placeholders) -> CompiledRules<'a> {
    compile_selected(loaded, placeholders, |_| true)
}

/// [`compile`], for the rules `selected` accepts only (`scan --rule`,
/// `--min-level`); the others are neither lowered nor compiled.
pub fn compile_selected<'a>(
    loaded: &'a LoadedRules,
    placeholders: &Placeholders,
    selected: impl Fn(&Rule) -> bool,
) -> CompiledRules<'a> {
    let (lowered, mut problems) = lower_selected(loaded, placeholders, selected);
    let mut builder = MatcherBuilder::new();
    let mut rules = Vec::new();
    for LoweredRule { rule, expr, .. } in lowered {
        match builder.add_rule(&rule.logsource, &expr) {
            Ok(id) => {
                debug_assert_eq!(id, rules.len());
                rules.push(rule);
            }
            Err(error) => problems.push(Problem::Compile {
                file: rule.origin.file.clone(),
                rule: rule_label(rule),
                line: rule.origin.span.line,
                col: rule.origin.span.col,
                error,
            }),
        }
    }
    let matcher = match builder.build() {
        Ok(matcher) => Some(matcher),
        Err(error) => {
            problems.push(Problem::Build(error));
            None
        }
    };
    if let Some(matcher) = &matcher {
        for id in matcher.unroutable_rules() {
            let rule: &Rule = rules[id];
            problems.push(Problem::Unroutable {
                file: rule.origin.file.clone(),
                rule: rule_label(rule),
                logsource: logsource_label(&rule.logsource),
            });
        }
    }
    sort_problems(&mut problems);
    CompiledRules {
        matcher,
        rules,
        problems,
    }
}

/// A rule lowered together with the filters that apply to it.
pub struct LoweredRule<'a> {
    pub rule: &'a Rule,
    pub filters: Vec<&'a Filter>,
    pub expr: Expr,
}

/// Lower every selected rule of `loaded` with its filters — the step every
/// consumer of rules shares (the matcher, the query backends). A rule that
/// does not lower is left out. The problems are the load diagnostics, the
/// lowering diagnostics and the unreadable files, unsorted: callers add
/// their own and then [`sort_problems`].
pub fn lower_selected<'a>(
    loaded: &'a LoadedRules,
    placeholders: &Placeholders,
    selected: impl Fn(&Rule) -> bool,
) -> (Vec<LoweredRule<'a>>, Vec<Problem>) {
    let collection = &loaded.collection;
    let mut problems: Vec<Problem> = collection
        .diagnostics()
        .iter()
        .cloned()
        .map(Problem::Diagnostic)
        .collect();
    let mut lowered = Vec::new();
    for rule in collection.rules().filter(|rule| selected(rule)) {
        let filters = collection.filters_for(rule);
        match lower_rule_with_warnings(rule, &filters, placeholders) {
            Ok(Lowered { expr, warnings }) => {
                problems.extend(warnings.into_iter().map(Problem::Diagnostic));
                lowered.push(LoweredRule {
                    rule,
                    filters,
                    expr,
                });
            }
            Err(diagnostics) => problems.extend(diagnostics.into_iter().map(Problem::Diagnostic)),
        }
    }
    problems.extend(
        loaded
            .unreadable
            .iter()
            .map(|(file, message)| Problem::Unreadable {
                file: file.clone(),
                message: message.clone(),
            }),
    );
    (lowered, problems)
}

/// In reading order: file, line, column.
pub fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// `"Title" (id)`, or the title alone for a rule without an id.
pub fn rule_label(rule: &Rule) -> String {
    document_label(&rule.meta)
}

/// [`rule_label`] for any document (a rule, filter or correlation).
pub fn document_label(meta: &tunnelhunt_sigma::ast::Metadata) -> String {
    match &meta.id {
        Some(id) => format!("\"{}\" ({})", meta.title.value, id.value),
        None => format!("\"{}\"", meta.title.value),
    }
}

/// `product/category/service` with absent parts left out.
pub fn logsource_label(ls: &tunnelhunt_sigma::ast::LogSource) -> String {
    let parts: Vec<&str> = [&ls.product, &ls.category, &ls.service]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    if parts.is_empty() {
        "(any)".to_owned()
    } else {
        parts.join("/")
    }
}
