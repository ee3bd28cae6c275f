//! Multi-document files: `action: global`, `reset` and `repeat`.
//!
//! Sigma's rule collections let one file hold several documents separated
//! by `---` and share parts between them:
//!
//! * `action: global` — the document is not a rule; it is merged into every
//!   following document (a deep merge of mappings: a rule's own
//!   `detection:` adds search identifiers to the global ones, and its own
//!   values win on conflicts);
//! * `action: reset` — forget the global document;
//! * `action: repeat` — the previous rule again, with this document's
//!   attributes merged over it (the classic "same detection for Sysmon and
//!   for Security 4688" pattern).
//!
//! This runs on the YAML tree, before any Sigma meaning is read, so every
//! merged node keeps the position it was written at. Merging copies nodes,
//! so a file with a large global part and many tiny documents could grow
//! quadratically; [`MERGE_NODE_BUDGET`] bounds that.

use std::collections::HashMap;

use crate::diag::Code;
use crate::span::Span;
use crate::yaml::{Entry, Node, NodeKind, YamlDocument, size_of};

use super::report::Reporter;

/// How many nodes `global`/`repeat` merging may copy in one file.
const MERGE_NODE_BUDGET: usize = 2_000_000;

/// A document ready to be read as a rule, filter or correlation.
pub(super) struct EffectiveDocument {
    /// The document after merging (always a mapping).
    pub root: Node,
    /// Index of the YAML document in the file, counting every document.
    pub index: usize,
    /// Position of the document's own first key.
    pub span: Span,
    /// Whether the YAML it was built from (its own, the global part, or the
    /// repeated document) had problems: then it must not be used.
    pub tainted: bool,
}

/// The global part and the previous rule, as they evolve through the file.
#[derive(Default)]
struct State {
    global: Option<(Node, bool)>,
    previous: Option<(Node, bool)>,
    nodes_copied: usize,
}

pub(super) fn resolve_actions(
    report: &mut Reporter<'_>,
    documents: Vec<YamlDocument>,
) -> Vec<EffectiveDocument> {
    let mut state = State::default();
    let mut out = Vec::new();
    for (index, document) in documents.into_iter().enumerate() {
        let Some(root) = document.root else {
            continue;
        };
        let Some(entries) = root.as_mapping() else {
            report.error(
                Code::WrongType,
                root.span,
                format!(
                    "a Sigma document must be a mapping of attributes, found {}",
                    root.type_name()
                ),
            );
            continue;
        };
        let span = entries.first().map_or(root.span, |entry| entry.key.span);
        let tainted = document.has_problems;
        let action = match root.get("action") {
            None => None,
            Some(node) => match node.as_str() {
                Some(text) => Some((text.to_owned(), node.span)),
                None => {
                    report.error(
                        Code::WrongType,
                        node.span,
                        format!("'action' must be a string, found {}", node.type_name()),
                    );
                    continue;
                }
            },
        };
        let merged = match action.as_ref().map(|(text, span)| (text.as_str(), *span)) {
            None => match &state.global {
                Some((global, global_tainted)) => {
                    let global_tainted = *global_tainted;
                    let Some(merged) =
                        merge_within_budget(report, &mut state.nodes_copied, global, &root, span)
                    else {
                        break;
                    };
                    (merged, tainted || global_tainted)
                }
                None => (root, tainted),
            },
            Some(("global", _)) => {
                state.global = Some((without_action(root), tainted));
                continue;
            }
            Some(("reset", _)) => {
                state.global = None;
                continue;
            }
            Some(("repeat", action_span)) => match &state.previous {
                Some((previous, previous_tainted)) => {
                    let previous_tainted = *previous_tainted;
                    let overlay = without_action(root);
                    let Some(merged) = merge_within_budget(
                        report,
                        &mut state.nodes_copied,
                        previous,
                        &overlay,
                        span,
                    ) else {
                        break;
                    };
                    (merged, tainted || previous_tainted)
                }
                None => {
                    report.error(
                        Code::InvalidValue,
                        action_span,
                        "'action: repeat' needs a rule before it to repeat",
                    );
                    continue;
                }
            },
            Some((other, action_span)) => {
                report.error(
                    Code::InvalidValue,
                    action_span,
                    format!("unknown action '{other}' (expected global, reset or repeat)"),
                );
                continue;
            }
        };
        let (root, tainted) = merged;
        state.previous = Some((root.clone(), tainted));
        out.push(EffectiveDocument {
            root,
            index,
            span,
            tainted,
        });
    }
    out
}

/// `overlay` deep-merged over `base`, or `None` (reported) when the file
/// has copied too many nodes already.
fn merge_within_budget(
    report: &mut Reporter<'_>,
    nodes_copied: &mut usize,
    base: &Node,
    overlay: &Node,
    span: Span,
) -> Option<Node> {
    let (count, _) = size_of(base);
    *nodes_copied = nodes_copied.saturating_add(count);
    if *nodes_copied > MERGE_NODE_BUDGET {
        report.error(
            Code::YamlTooComplex,
            span,
            format!(
                "'action: global'/'repeat' merging copies more than {MERGE_NODE_BUDGET} \
                     nodes; refusing to read further documents"
            ),
        );
        return None;
    }
    Some(deep_merge(base, overlay))
}

fn without_action(mut node: Node) -> Node {
    if let NodeKind::Mapping(entries) = &mut node.kind {
        entries.retain(|entry| entry.key.key_text() != Some("action"));
    }
    node
}

/// Mappings merge key by key (recursively); anything else in `overlay`
/// replaces what `base` had. Recursion is bounded by the YAML depth limit.
fn deep_merge(base: &Node, overlay: &Node) -> Node {
    let (NodeKind::Mapping(base_entries), NodeKind::Mapping(overlay_entries)) =
        (&base.kind, &overlay.kind)
    else {
        return overlay.clone();
    };
    let mut entries: Vec<Entry> = base_entries.clone();
    let mut position: HashMap<&str, usize> = base_entries
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| Some((entry.key.key_text()?, i)))
        .collect();
    for entry in overlay_entries {
        match entry.key.key_text().and_then(|key| position.get(key)) {
            Some(&i) => entries[i].value = deep_merge(&entries[i].value, &entry.value),
            None => {
                if let Some(key) = entry.key.key_text() {
                    position.insert(key, entries.len());
                }
                entries.push(entry.clone());
            }
        }
    }
    Node {
        span: overlay.span,
        kind: NodeKind::Mapping(entries),
    }
}
