//! The diagnostics sink every part of the loader writes into, plus the
//! typed accessors ("this attribute must be a string / a list of strings")
//! that report a [`Code::WrongType`] instead of failing.
//!
//! Keeping the type checks in one place keeps the messages uniform:
//! "'references' must be a list of strings, found a string".

use std::path::Path;

use crate::ast::{AttrValue, Spanned};
use crate::diag::{Code, Diagnostic};
use crate::span::Span;
use crate::yaml::{Node, NodeKind, ScalarValue};

/// Collects the diagnostics of one file.
pub(super) struct Reporter<'a> {
    pub file: &'a Path,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    pub fn new(file: &'a Path) -> Self {
        Reporter {
            file,
            diagnostics: Vec::new(),
        }
    }

    pub fn error(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(code, self.file, span, message));
    }

    pub fn warning(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(code, self.file, span, message));
    }

    /// How many errors have been reported so far; compare before and after
    /// loading a document to know whether it is usable.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    fn wrong_type(&mut self, node: &Node, attribute: &str, expected: &str) {
        self.error(
            Code::WrongType,
            node.span,
            format!(
                "'{attribute}' must be {expected}, found {}",
                node.type_name()
            ),
        );
    }

    /// A string attribute. Anything else is a [`Code::WrongType`] error.
    pub fn string(&mut self, node: &Node, attribute: &str) -> Option<String> {
        match node.as_str() {
            Some(text) => Some(text.to_owned()),
            None => {
                self.wrong_type(node, attribute, "a string");
                None
            }
        }
    }

    /// A list of strings. Wrong items are reported one by one and skipped.
    pub fn string_list(&mut self, node: &Node, attribute: &str) -> Vec<String> {
        match &node.kind {
            NodeKind::Sequence(items) => items
                .iter()
                .filter_map(|item| self.string(item, attribute))
                .collect(),
            _ => {
                self.wrong_type(node, attribute, "a list of strings");
                Vec::new()
            }
        }
    }

    /// A string or a list of strings, e.g. `falsepositives` or filter `rules`.
    pub fn string_or_list(&mut self, node: &Node, attribute: &str) -> Vec<String> {
        if let Some(text) = node.as_str() {
            return vec![text.to_owned()];
        }
        match &node.kind {
            NodeKind::Sequence(_) => self.string_list(node, attribute),
            _ => {
                self.wrong_type(node, attribute, "a string or a list of strings");
                Vec::new()
            }
        }
    }

    /// Like [`Self::string_or_list`], keeping each item's position.
    pub fn spanned_string_or_list(&mut self, node: &Node, attribute: &str) -> Vec<Spanned<String>> {
        let items: Vec<&Node> = match &node.kind {
            NodeKind::Sequence(items) => items.iter().collect(),
            _ => vec![node],
        };
        items
            .into_iter()
            .filter_map(|item| match item.as_str() {
                Some(text) => Some(Spanned::new(text.to_owned(), item.span)),
                None => {
                    self.wrong_type(item, attribute, "a string or a list of strings");
                    None
                }
            })
            .collect()
    }

    pub fn boolean(&mut self, node: &Node, attribute: &str) -> Option<bool> {
        match node.as_scalar().map(|s| &s.value) {
            Some(ScalarValue::Bool(b)) => Some(*b),
            _ => {
                self.wrong_type(node, attribute, "true or false");
                None
            }
        }
    }

    /// The text of a mapping key; keys that are lists or mappings are
    /// reported and skipped.
    pub fn key<'n>(&mut self, key: &'n Node) -> Option<&'n str> {
        match key.key_text() {
            Some(text) => Some(text),
            None => {
                self.error(
                    Code::WrongType,
                    key.span,
                    format!("a key must be a plain name, found {}", key.type_name()),
                );
                None
            }
        }
    }

    /// Any YAML value as an [`AttrValue`], for custom attributes.
    pub fn attr_value(&mut self, node: &Node) -> AttrValue {
        match &node.kind {
            NodeKind::Scalar(scalar) => match scalar.value {
                ScalarValue::Null => AttrValue::Null,
                ScalarValue::Bool(b) => AttrValue::Bool(b),
                ScalarValue::Int(i) => AttrValue::Int(i),
                ScalarValue::Float(f) => AttrValue::Float(f),
                ScalarValue::Str => AttrValue::String(scalar.text.clone()),
            },
            NodeKind::Sequence(items) => {
                AttrValue::List(items.iter().map(|item| self.attr_value(item)).collect())
            }
            NodeKind::Mapping(entries) => AttrValue::Map(
                entries
                    .iter()
                    .filter_map(|entry| {
                        let key = self.key(&entry.key)?.to_owned();
                        Some((key, self.attr_value(&entry.value)))
                    })
                    .collect(),
            ),
        }
    }
}
