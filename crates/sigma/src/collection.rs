//! Rule collections: many files loaded together.
//!
//! Some checks cannot be made one file at a time: two files may give their
//! rules the same id, and a filter or a correlation names rules that live in
//! other files. [`RuleCollection`] gathers the documents and diagnostics of
//! every file ([`RuleCollection::add_file`]) and then runs those checks once
//! ([`RuleCollection::finish`]):
//!
//! * a rule id (or `name`) used twice is an error at the second use, naming
//!   the file and line of the first;
//! * a filter that names a rule that is not loaded gets a warning (filters
//!   are often shared across rule sets, and a filter for an absent rule is
//!   harmless);
//! * a correlation that names a rule that is not loaded is an error (it
//!   could never fire).
//!
//! [`RuleCollection::filters_for`] answers the question lowering asks:
//! which filters tune this rule.

use std::collections::HashMap;
use std::path::Path;

use crate::ast::{Correlation, Document, Filter, LogSource, Metadata, Rule, Spanned};
use crate::diag::{Code, Diagnostic};
use crate::load::parse_rule_file;
use crate::span::Span;

/// Documents and diagnostics of many rule files.
#[derive(Debug, Clone, Default)]
pub struct RuleCollection {
    documents: Vec<Document>,
    diagnostics: Vec<Diagnostic>,
    /// How many of `diagnostics` came from the files themselves; the rest
    /// were added by the last [`RuleCollection::finish`] and are recomputed
    /// by the next one.
    file_diagnostics: usize,
}

impl RuleCollection {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse one file and keep its valid documents and all its diagnostics.
    pub fn add_file(&mut self, file: &Path, text: &str) {
        self.diagnostics.truncate(self.file_diagnostics);
        let parsed = parse_rule_file(file, text);
        self.documents.extend(parsed.documents);
        self.diagnostics.extend(parsed.diagnostics);
        self.file_diagnostics = self.diagnostics.len();
    }

    /// Run the cross-file checks. Call after the last [`Self::add_file`];
    /// calling it again (after adding more files) replaces the previous
    /// results. Documents that fail these checks stay in the collection:
    /// [`Self::has_errors`] tells the caller not to trust it.
    pub fn finish(&mut self) {
        self.diagnostics.truncate(self.file_diagnostics);
        let mut found = Vec::new();
        self.check_unique_identities(&mut found);
        self.check_references(&mut found);
        self.diagnostics.extend(found);
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.documents.iter().filter_map(|d| match d {
            Document::Rule(rule) => Some(rule),
            _ => None,
        })
    }

    pub fn filters(&self) -> impl Iterator<Item = &Filter> {
        self.documents.iter().filter_map(|d| match d {
            Document::Filter(filter) => Some(filter),
            _ => None,
        })
    }

    pub fn correlations(&self) -> impl Iterator<Item = &Correlation> {
        self.documents.iter().filter_map(|d| match d {
            Document::Correlation(correlation) => Some(correlation),
            _ => None,
        })
    }

    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Filters that name this rule (by id or name) and whose logsource is
    /// compatible with the rule's.
    pub fn filters_for(&self, rule: &Rule) -> Vec<&Filter> {
        self.filters()
            .filter(|filter| {
                filter.applies_to_all || filter.rules.iter().any(|r| names_rule(rule, &r.value))
            })
            .filter(|filter| logsource_compatible(&filter.logsource, &rule.logsource))
            .collect()
    }

    /// The rule or correlation a correlation's `rules` entry names (by id
    /// or by name). Filters are never referenced this way.
    pub fn resolve(&self, reference: &str) -> Option<&Document> {
        self.documents.iter().find(|document| {
            !matches!(document, Document::Filter(_))
                && identities(document.meta()).any(|identity| identity == reference)
        })
    }

    /// Ids, and names, must each be unique across the collection.
    fn check_unique_identities(&self, found: &mut Vec<Diagnostic>) {
        let mut first_id: HashMap<&str, (&Path, Span)> = HashMap::new();
        let mut first_name: HashMap<&str, (&Path, Span)> = HashMap::new();
        for document in &self.documents {
            let meta = document.meta();
            let file = document.origin().file.as_path();
            for (attribute, value, firsts) in [
                ("id", &meta.id, &mut first_id),
                ("name", &meta.name, &mut first_name),
            ] {
                let Some(Spanned { value, span }) = value else {
                    continue;
                };
                match firsts.get(value.as_str()) {
                    Some((first_file, first_span)) => found.push(Diagnostic::error(
                        Code::DuplicateId,
                        file,
                        *span,
                        format!(
                            "duplicate rule {attribute} '{value}': already used at {}:{}",
                            first_file.display(),
                            first_span.line
                        ),
                    )),
                    None => {
                        firsts.insert(value, (file, *span));
                    }
                }
            }
        }
    }

    /// Filters and correlations must name loaded rules.
    fn check_references(&self, found: &mut Vec<Diagnostic>) {
        let rule_keys: Vec<&str> = self
            .rules()
            .flat_map(|rule| identities(&rule.meta))
            .collect();
        let correlation_keys: Vec<&str> = self
            .correlations()
            .flat_map(|correlation| identities(&correlation.meta))
            .collect();
        for filter in self.filters() {
            for reference in &filter.rules {
                if !rule_keys.contains(&reference.value.as_str()) {
                    found.push(Diagnostic::warning(
                        Code::UnknownRuleReference,
                        filter.origin.file.clone(),
                        reference.span,
                        format!(
                            "filter applies to rule '{}', which is not loaded",
                            reference.value
                        ),
                    ));
                }
            }
        }
        for correlation in self.correlations() {
            for reference in &correlation.rules {
                let name = reference.value.as_str();
                if !rule_keys.contains(&name) && !correlation_keys.contains(&name) {
                    found.push(Diagnostic::error(
                        Code::UnknownRuleReference,
                        correlation.origin.file.clone(),
                        reference.span,
                        format!(
                            "correlation refers to rule '{name}', which is not loaded \
                             (no rule or correlation has this id or name)"
                        ),
                    ));
                }
            }
        }
    }
}

/// The id and the name of a document, whichever it has.
fn identities(meta: &Metadata) -> impl Iterator<Item = &str> {
    meta.id
        .iter()
        .chain(meta.name.iter())
        .map(|spanned| spanned.value.as_str())
}

fn names_rule(rule: &Rule, reference: &str) -> bool {
    identities(&rule.meta).any(|identity| identity == reference)
}

/// A filter fits a rule when every logsource attribute the filter sets is
/// also set, to the same value, on the rule (`definition` is prose and is
/// not compared). A filter for `product: windows` therefore tunes every
/// Windows rule, and one for `category: process_creation, product:
/// windows` only those rules.
fn logsource_compatible(filter: &LogSource, rule: &LogSource) -> bool {
    [
        (&filter.category, &rule.category),
        (&filter.product, &rule.product),
        (&filter.service, &rule.service),
    ]
    .into_iter()
    .all(|(wanted, actual)| match (wanted, actual) {
        (None, _) => true,
        (Some(wanted), Some(actual)) => wanted.eq_ignore_ascii_case(actual),
        (Some(_), None) => false,
    })
}
