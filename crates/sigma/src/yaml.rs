//! YAML front end: rule-file text → a small tree of spanned nodes.
//!
//! Why our own tree instead of saphyr's `MarkedYaml`: saphyr's loader stops
//! the whole stream at the first duplicate key and drops every document when
//! one of them has a syntax error, while `rules check` must report every
//! problem it can find. Its tree is also walked recursively (hashing keys,
//! dropping, measuring aliases), so an absurdly nested document could
//! overflow the stack. Here we drive saphyr's event parser ourselves:
//!
//! * a duplicate key is reported at the second occurrence and loading goes on
//!   (the first value is kept);
//! * a syntax error ends the stream, but the documents completed before it
//!   are kept;
//! * nesting deeper than [`MAX_DEPTH`] and alias expansion beyond
//!   [`ALIAS_NODE_BUDGET`] nodes stop loading at once with a "too complex"
//!   problem, so billion-laughs and `[[[[…` inputs are refused in time linear
//!   in the bytes read so far, and every later walk of the tree is bounded.
//!
//! Scalars are resolved with the YAML 1.2 core schema (saphyr's resolver), so
//! `4688` is an integer and `'4688'` stays a string. The types here are
//! crate-private: the AST never exposes the YAML crate.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use saphyr::Scalar;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Tag};

use crate::diag::Code;
use crate::span::Span;

/// Deepest nesting of sequences and mappings we accept. Sigma rules need
/// about six levels; custom attributes rarely more than a few.
pub(crate) const MAX_DEPTH: usize = 64;

/// How many nodes alias (`*name`) expansion may produce in one file.
pub(crate) const ALIAS_NODE_BUDGET: usize = 10_000;

/// One node of a YAML document, with the position it was written at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Scalar(ScalarNode),
    Sequence(Vec<Node>),
    /// Entries in file order; keys are unique (duplicates are reported and
    /// dropped while loading).
    Mapping(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A scalar: its text as written (after YAML unescaping) and its value
/// under the core schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScalarNode {
    pub text: String,
    pub value: ScalarValue,
    /// Whether the text appears character for character on one source line
    /// (a plain or quoted scalar without escapes or line folding). Only then
    /// can a position inside the text be turned into a column.
    pub verbatim: bool,
    /// Columns between the node's start and its first content character
    /// (1 for a quoted scalar, 0 for a plain one).
    pub content_offset: u32,
}

/// The resolved value of a scalar.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScalarValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

impl Node {
    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&ScalarNode> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar that resolved to a string, e.g. a title.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) if s.value == ScalarValue::Str => Some(&s.text),
            _ => None,
        }
    }

    /// The value of `key` if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?
            .iter()
            .find(|e| e.key.key_text() == Some(key))
            .map(|e| &e.value)
    }

    /// The text of a scalar used as a mapping key. Keys are names, so
    /// `1:` is the key "1", not the number one.
    pub fn key_text(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.text.as_str())
    }

    /// A short description of the node's type, for "expected X, found Y".
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(s) => match s.value {
                ScalarValue::Null => "null",
                ScalarValue::Bool(_) => "a boolean",
                ScalarValue::Int(_) => "an integer",
                ScalarValue::Float(_) => "a number",
                ScalarValue::Str => "a string",
            },
            NodeKind::Sequence(_) => "a list",
            NodeKind::Mapping(_) => "a mapping",
        }
    }

    /// The position of the character at `byte_offset` in this scalar's text,
    /// when it can be known; otherwise the start of the node.
    pub fn position_of(&self, byte_offset: usize) -> Span {
        let Some(scalar) = self.as_scalar() else {
            return self.span;
        };
        if !scalar.verbatim || !self.span.is_known() {
            return self.span;
        }
        let prefix = scalar.text.get(..byte_offset.min(scalar.text.len()));
        let Some(prefix) = prefix else {
            return self.span;
        };
        let chars = u32::try_from(prefix.chars().count()).unwrap_or(u32::MAX);
        Span::new(
            self.span.line,
            self.span
                .col
                .saturating_add(scalar.content_offset)
                .saturating_add(chars),
        )
    }
}

/// One YAML document of a file.
#[derive(Debug)]
pub(crate) struct YamlDocument {
    /// `None` for an empty document (e.g. after a trailing `---`).
    pub root: Option<Node>,
    /// Whether a problem (duplicate key, bad tagged value) was found in it.
    pub has_problems: bool,
}

/// Something wrong at the YAML level.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YamlProblem {
    pub code: Code,
    pub span: Span,
    pub message: String,
}

/// Every document that could be read, and what went wrong.
#[derive(Debug, Default)]
pub(crate) struct YamlFile {
    pub documents: Vec<YamlDocument>,
    pub problems: Vec<YamlProblem>,
}

/// Read all documents of `text`. Never panics; stops at the first syntax
/// error or complexity violation, keeping the documents completed before.
pub(crate) fn parse_yaml(text: &str) -> YamlFile {
    let mut builder = TreeBuilder::default();
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => {
                if builder.on_event(event, span.start, span.end).is_break() {
                    break;
                }
            }
            Some(Err(error)) => {
                builder.problems.push(scan_problem(&error));
                break;
            }
        }
    }
    YamlFile {
        documents: builder.documents,
        problems: builder.problems,
    }
}

/// Saphyr's markers have a 1-based line and a 0-based column; ours are both
/// 1-based.
fn span_of(marker: Marker) -> Span {
    let line = u32::try_from(marker.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(marker.col()).unwrap_or(u32::MAX - 1);
    Span::new(line, col.saturating_add(1))
}

fn scan_problem(error: &ScanError) -> YamlProblem {
    let info = error.info();
    // Saphyr's own nesting guard (flow collections deeper than 255) says
    // "recursion limit exceeded"; that is complexity, not a typo.
    let code = if info.contains("recursion limit") {
        Code::YamlTooComplex
    } else {
        Code::YamlSyntax
    };
    YamlProblem {
        code,
        span: span_of(*error.marker()),
        message: format!("YAML: {info}"),
    }
}

/// A collection that is still being read.
#[derive(Debug)]
enum OpenNode {
    Sequence {
        span: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        span: Span,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<Node>,
        /// Key texts seen so far, so duplicates are found in O(1).
        seen_keys: HashSet<String>,
        /// Set after a duplicate key: its value is read and dropped.
        skip_value: bool,
    },
}

/// An anchored node kept for alias resolution, with its measurements so an
/// alias can be checked against the budgets without walking it again.
#[derive(Debug)]
struct Anchored {
    node: Node,
    node_count: usize,
    height: usize,
}

#[derive(Debug, Default)]
struct TreeBuilder {
    open: Vec<OpenNode>,
    anchors: HashMap<usize, Anchored>,
    alias_nodes_used: usize,
    documents: Vec<YamlDocument>,
    current_root: Option<Node>,
    /// `problems.len()` when the current document started.
    problems_before_document: usize,
    problems: Vec<YamlProblem>,
}

type Flow = ControlFlow<()>;

impl TreeBuilder {
    fn on_event(&mut self, event: Event<'_>, start: Marker, end: Marker) -> Flow {
        let span = span_of(start);
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => Flow::Continue(()),
            Event::DocumentStart(_) => {
                self.current_root = None;
                self.problems_before_document = self.problems.len();
                Flow::Continue(())
            }
            Event::DocumentEnd => {
                // `---` with nothing after it reads as a null scalar.
                let root = self.current_root.take().filter(|root| {
                    !matches!(&root.kind, NodeKind::Scalar(s) if s.value == ScalarValue::Null)
                });
                self.documents.push(YamlDocument {
                    root,
                    has_problems: self.problems.len() > self.problems_before_document,
                });
                self.anchors.clear();
                Flow::Continue(())
            }
            Event::SequenceStart(anchor, _tag) => {
                self.check_depth(span)?;
                self.open.push(OpenNode::Sequence {
                    span,
                    anchor,
                    items: Vec::new(),
                });
                Flow::Continue(())
            }
            Event::MappingStart(anchor, _tag) => {
                self.check_depth(span)?;
                self.open.push(OpenNode::Mapping {
                    span,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                    seen_keys: HashSet::new(),
                    skip_value: false,
                });
                Flow::Continue(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = self.open.pop() else {
                    return Flow::Continue(());
                };
                let (node, anchor) = match open {
                    OpenNode::Sequence {
                        span,
                        anchor,
                        items,
                    } => (
                        Node {
                            span,
                            kind: NodeKind::Sequence(items),
                        },
                        anchor,
                    ),
                    OpenNode::Mapping {
                        span,
                        anchor,
                        entries,
                        ..
                    } => (
                        Node {
                            span,
                            kind: NodeKind::Mapping(entries),
                        },
                        anchor,
                    ),
                };
                self.remember_anchor(anchor, &node);
                self.attach(node);
                Flow::Continue(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = self.scalar_node(text, style, tag, span, start, end);
                self.remember_anchor(anchor, &node);
                self.attach(node);
                Flow::Continue(())
            }
            Event::Alias(anchor) => {
                let node = self.expand_alias(anchor, span)?;
                self.attach(node);
                Flow::Continue(())
            }
        }
    }

    fn check_depth(&mut self, span: Span) -> Flow {
        if self.open.len() >= MAX_DEPTH {
            self.too_complex(
                span,
                format!("nesting deeper than {MAX_DEPTH} levels; refusing to read further"),
            );
            return Flow::Break(());
        }
        Flow::Continue(())
    }

    fn too_complex(&mut self, span: Span, message: String) {
        self.problems.push(YamlProblem {
            code: Code::YamlTooComplex,
            span,
            message,
        });
    }

    fn scalar_node(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<Cow<'_, Tag>>,
        span: Span,
        start: Marker,
        end: Marker,
    ) -> Node {
        let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
        let content_offset = u32::from(quoted);
        let written_chars = end.index().saturating_sub(start.index());
        let text_chars = text.chars().count();
        let verbatim = matches!(
            style,
            ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
        ) && start.line() == end.line()
            && written_chars == text_chars + 2 * content_offset as usize;
        let value = match Scalar::parse_from_cow_and_metadata(text.clone(), style, tag.as_ref()) {
            Some(scalar) => resolve(scalar, style, &text),
            None => {
                // Saphyr refuses a core tag it cannot honour: a mismatch
                // such as `!!int abc` is an error; a tag it does not resolve
                // (`!!timestamp`, `!!binary`) leaves the text as a string.
                let suffix = tag.as_deref().map_or("", |tag| tag.suffix.as_str());
                if matches!(suffix, "bool" | "int" | "float" | "null") {
                    self.problems.push(YamlProblem {
                        code: Code::InvalidValue,
                        span,
                        message: format!("'{text}' is not a valid !!{suffix} value"),
                    });
                }
                ScalarValue::Str
            }
        };
        Node {
            span,
            kind: NodeKind::Scalar(ScalarNode {
                text: text.into_owned(),
                value,
                verbatim,
                content_offset,
            }),
        }
    }

    fn remember_anchor(&mut self, anchor: usize, node: &Node) {
        if anchor == 0 {
            return;
        }
        let (node_count, height) = size_of(node);
        self.anchors.insert(
            anchor,
            Anchored {
                node: node.clone(),
                node_count,
                height,
            },
        );
    }

    fn expand_alias(&mut self, anchor: usize, span: Span) -> ControlFlow<(), Node> {
        let Some(anchored) = self.anchors.get(&anchor) else {
            // The parser rejects unknown anchors itself; stay safe anyway.
            return ControlFlow::Continue(Node {
                span,
                kind: NodeKind::Scalar(ScalarNode {
                    text: String::new(),
                    value: ScalarValue::Null,
                    verbatim: false,
                    content_offset: 0,
                }),
            });
        };
        let (count, height) = (anchored.node_count, anchored.height);
        if self.open.len() + height > MAX_DEPTH {
            self.too_complex(
                span,
                format!(
                    "alias makes nesting deeper than {MAX_DEPTH} levels; refusing to expand it"
                ),
            );
            return ControlFlow::Break(());
        }
        self.alias_nodes_used = self.alias_nodes_used.saturating_add(count);
        if self.alias_nodes_used > ALIAS_NODE_BUDGET {
            self.too_complex(
                span,
                format!(
                    "aliases expand to more than {ALIAS_NODE_BUDGET} nodes \
                     (a \"billion laughs\" document?); refusing to expand them"
                ),
            );
            return ControlFlow::Break(());
        }
        let mut node = anchored.node.clone();
        node.span = span;
        ControlFlow::Continue(node)
    }

    /// Put a finished node into its parent (or make it the document root).
    fn attach(&mut self, node: Node) {
        match self.open.last_mut() {
            None => self.current_root = Some(node),
            Some(OpenNode::Sequence { items, .. }) => items.push(node),
            Some(OpenNode::Mapping {
                entries,
                pending_key,
                seen_keys,
                skip_value,
                ..
            }) => match pending_key.take() {
                None => {
                    if let Some(text) = node.key_text()
                        && !seen_keys.insert(text.to_owned())
                    {
                        let first = entries
                            .iter()
                            .find(|e| e.key.key_text() == Some(text))
                            .map_or(Span::UNKNOWN, |e| e.key.span);
                        self.problems.push(YamlProblem {
                            code: Code::DuplicateKey,
                            span: node.span,
                            message: format!(
                                "duplicate key '{text}' (first defined at line {}); \
                                 this one is ignored",
                                first.line
                            ),
                        });
                        *skip_value = true;
                    }
                    *pending_key = Some(node);
                }
                Some(key) => {
                    if std::mem::take(skip_value) {
                        return;
                    }
                    entries.push(Entry { key, value: node });
                }
            },
        }
    }
}

/// Node count and height of a tree. Recursion is bounded by [`MAX_DEPTH`].
pub(crate) fn size_of(node: &Node) -> (usize, usize) {
    match &node.kind {
        NodeKind::Scalar(_) => (1, 0),
        NodeKind::Sequence(items) => items.iter().fold((1, 1), |(count, height), item| {
            let (c, h) = size_of(item);
            (count.saturating_add(c), height.max(h + 1))
        }),
        NodeKind::Mapping(entries) => entries.iter().fold((1, 1), |(count, height), entry| {
            let (kc, kh) = size_of(&entry.key);
            let (vc, vh) = size_of(&entry.value);
            (
                count.saturating_add(kc).saturating_add(vc),
                height.max(kh.max(vh) + 1),
            )
        }),
    }
}

/// Map saphyr's core-schema scalar onto ours. A plain decimal integer too
/// large for `i64` stays a string rather than silently becoming an
/// imprecise float (it is most likely an identifier, not a quantity).
fn resolve(scalar: Scalar<'_>, style: ScalarStyle, text: &str) -> ScalarValue {
    match scalar {
        Scalar::Null => ScalarValue::Null,
        Scalar::Boolean(b) => ScalarValue::Bool(b),
        Scalar::Integer(i) => ScalarValue::Int(i),
        Scalar::FloatingPoint(f) => {
            let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
            let is_integer_text = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
            if style == ScalarStyle::Plain && is_integer_text {
                ScalarValue::Str
            } else {
                ScalarValue::Float(f.into_inner())
            }
        }
        Scalar::String(_) => ScalarValue::Str,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let file = parse_yaml(text);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        file.documents
            .into_iter()
            .next()
            .and_then(|d| d.root)
            .unwrap()
    }

    #[test]
    fn spans_are_one_based() {
        let node = root("a: 1\nbb:\n  - 'x'\n");
        let entries = node.as_mapping().unwrap();
        assert_eq!(entries[0].key.span, Span::new(1, 1));
        assert_eq!(entries[0].value.span, Span::new(1, 4));
        assert_eq!(entries[1].key.span, Span::new(2, 1));
        let NodeKind::Sequence(items) = &entries[1].value.kind else {
            panic!()
        };
        assert_eq!(items[0].span, Span::new(3, 5));
    }

    #[test]
    fn scalars_resolve_by_core_schema() {
        let node = root(
            "a: 4688\nb: '4688'\nc: ~\nd: true\ne: 1.5\nf: \"\"\ng: 123456789012345678901234\n\
             h: !!str 12\ni: !!timestamp 2024-01-01\nj: !!int '12'\n",
        );
        let value = |k: &str| node.get(k).unwrap().as_scalar().unwrap().value.clone();
        assert_eq!(value("a"), ScalarValue::Int(4688));
        assert_eq!(value("b"), ScalarValue::Str);
        assert_eq!(value("c"), ScalarValue::Null);
        assert_eq!(value("d"), ScalarValue::Bool(true));
        assert_eq!(value("e"), ScalarValue::Float(1.5));
        assert_eq!(value("f"), ScalarValue::Str);
        assert_eq!(value("g"), ScalarValue::Str);
        assert_eq!(value("h"), ScalarValue::Str);
        assert_eq!(value("i"), ScalarValue::Str);
        assert_eq!(
            value("j"),
            ScalarValue::Str,
            "quoted: a string whatever the tag"
        );
    }

    #[test]
    fn mismatched_core_tags_are_reported() {
        let file = parse_yaml("a: !!int abc\nb: !!bool yes\n");
        let codes: Vec<(Code, Span)> = file.problems.iter().map(|p| (p.code, p.span)).collect();
        assert_eq!(
            codes,
            [
                (Code::InvalidValue, Span::new(1, 4)),
                (Code::InvalidValue, Span::new(2, 4))
            ]
        );
        assert_eq!(file.problems[0].message, "'abc' is not a valid !!int value");
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let node = root("\u{feff}title: x\n");
        assert_eq!(node.get("title").and_then(Node::as_str), Some("x"));
    }

    #[test]
    fn position_inside_scalars() {
        let node = root("c: sel and x\nq: 'sel and x'\nd: \"a\\tb x\"\nl: |\n  sel x\n");
        assert_eq!(node.get("c").unwrap().position_of(8), Span::new(1, 12));
        assert_eq!(node.get("q").unwrap().position_of(8), Span::new(2, 13));
        // Escapes make the mapping unknowable: fall back to the start.
        assert_eq!(node.get("d").unwrap().position_of(4), Span::new(3, 4));
        // Block scalars start at their content, on the line after `|`.
        assert_eq!(node.get("l").unwrap().position_of(4), Span::new(5, 3));
    }

    #[test]
    fn duplicate_key_reported_and_loading_continues() {
        let file = parse_yaml("a: 1\nb: 2\na: 3\nc: 4\n");
        assert_eq!(file.problems.len(), 1);
        assert_eq!(file.problems[0].code, Code::DuplicateKey);
        assert_eq!(file.problems[0].span, Span::new(3, 1));
        let node = file.documents[0].root.as_ref().unwrap();
        assert_eq!(node.as_mapping().unwrap().len(), 3);
        assert_eq!(
            node.get("a").unwrap().as_scalar().unwrap().value,
            ScalarValue::Int(1)
        );
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let file = parse_yaml("a: 1\n---\nb: [1, 2\n");
        assert_eq!(file.documents.len(), 1);
        assert_eq!(file.problems.len(), 1);
        assert_eq!(file.problems[0].code, Code::YamlSyntax);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let file = parse_yaml(&"[".repeat(100_000));
        assert_eq!(file.problems[0].code, Code::YamlTooComplex);
        let file = parse_yaml(&"- ".repeat(100_000));
        assert_eq!(file.problems[0].code, Code::YamlTooComplex);
    }

    #[test]
    fn aliases_within_budget_expand() {
        let node = root("a: &x [1, 2]\nb: *x\n");
        assert_eq!(node.get("a").unwrap().kind, node.get("b").unwrap().kind);
        assert_eq!(node.get("b").unwrap().span, Span::new(2, 4));
    }

    #[test]
    fn empty_documents_are_kept_as_empty() {
        let file = parse_yaml("a: 1\n---\n");
        assert_eq!(file.documents.len(), 2);
        assert!(file.documents[1].root.is_none());
    }
}
