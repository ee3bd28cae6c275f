//! Loading one rule file: Sigma YAML text → [`ast::Document`]s plus every
//! [`Diagnostic`] found on the way.
//!
//! The pipeline is
//!
//! 1. [`crate::yaml`]: text → spanned YAML trees, one per `---` document
//!    (syntax errors, duplicate keys, alias bombs, absurd nesting);
//! 2. [`multidoc`]: `action: global` / `reset` / `repeat` resolved into the
//!    documents a reader of the file means;
//! 3. [`document`]: each of those read as a rule, a filter or a correlation
//!    ([`metadata`], [`detection`], [`correlation`] do the sections).
//!
//! Nothing stops at the first problem: `tunnelhunt rules check` shows them
//! all. A document is returned only when loading it raised no error, so
//! whoever compiles or exports [`ParsedFile::documents`] never sees a
//! half-read rule; the errors say what was left out and where. Cross-file
//! checks (duplicate ids, references to rules that are not loaded) need the
//! whole set and live in [`crate::collection`].
//!
//! The input is `&str`: decoding bytes (and rejecting invalid UTF-8) is the
//! caller's job. Loading never panics, whatever the text (it is fuzzed).

mod correlation;
mod detection;
mod document;
mod metadata;
mod multidoc;
mod report;

use std::collections::HashSet;
use std::path::Path;

use crate::ast::{self, Origin};
use crate::diag::{Code, Diagnostic};
use crate::span::Span;
use crate::yaml;

use report::Reporter;

/// What one rule file yields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedFile {
    /// The documents that loaded without error, in file order. `action:
    /// global`/`reset` documents are not in it; they shape the others.
    pub documents: Vec<ast::Document>,
    /// Every problem found, errors and warnings, ordered by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedFile {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse one rule file's text. `file` is only used in diagnostics and
/// [`Origin`]. Never panics.
pub fn parse_rule_file(file: &Path, text: &str) -> ParsedFile {
    let mut report = Reporter::new(file);
    let yaml_file = yaml::parse_yaml(text);
    for problem in &yaml_file.problems {
        report.error(problem.code, problem.span, problem.message.clone());
    }
    let yaml_failed = !yaml_file.problems.is_empty();
    let document_count = yaml_file.documents.len();
    let effective = multidoc::resolve_actions(&mut report, yaml_file.documents);
    let mut documents = Vec::new();
    for document in &effective {
        let errors_before = report.error_count();
        let origin = Origin {
            file: file.to_path_buf(),
            document: document.index,
            span: document.span,
        };
        let loaded = document::load_document(&mut report, &document.root, origin);
        if report.error_count() == errors_before && !document.tainted {
            documents.extend(loaded);
        }
    }
    if effective.is_empty() && !yaml_failed && report.error_count() == 0 {
        let message = if document_count == 0 {
            "the file contains no YAML document"
        } else {
            "the file contains no rule, filter or correlation"
        };
        report.warning(Code::MissingAttribute, Span::new(1, 1), message);
    }
    ParsedFile {
        documents,
        diagnostics: tidy(report.diagnostics),
    }
}

/// Drop repeats (an error in an `action: global` part is found again in
/// every document it is merged into) and order by position.
fn tidy(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut unique: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| seen.insert((d.span, d.code, d.severity, d.message.clone())))
        .collect();
    unique.sort_by_key(|d| d.span);
    unique
}
