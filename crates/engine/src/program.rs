//! The compiled program's vocabulary: rule, field, predicate and literal
//! ids, rule trees over interned predicates, and the predicates.
//!
//! A leaf module: the compiler (`compile`) writes these types, the matcher,
//! the gates, the literal index and the regex banks read them. Kept apart
//! from the compiler, they do not make every reader depend on it, nor the
//! compiler on its readers through them.

use tunnelhunt_sigma::ir::{FieldRefShape, IpNetwork, NumOp, Number};

use crate::glob::Glob;

/// Index of a rule, in the order of [`crate::MatcherBuilder::add_rule`].
pub type RuleId = usize;
pub(crate) type FieldId = u32;
pub(crate) type PredId = u32;

/// The pseudo-field of keyword predicates (every value of the event).
pub(crate) const KEYWORDS: FieldId = 0;

/// A rule's condition over interned predicates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Pred(PredId),
    Const(bool),
}

pub(crate) struct Pred {
    pub(crate) field: FieldId,
    pub(crate) kind: PredKind,
    /// For gate predicates and regexes: literals of the field one of which
    /// a match needs. Empty for the others.
    pub(crate) lits: Vec<LitId>,
}

pub(crate) enum PredKind {
    Str(Glob),
    /// Answered by the field's regex bank; the pattern's index in it.
    Regex(u32),
    /// The value is an address in one of these networks: a rule's list of
    /// networks on one field is one predicate (see `MatcherBuilder::node`).
    Cidr(Vec<IpNetwork>),
    Num(NumOp, Number),
    Bool(bool),
    Null,
    Exists(bool),
    FieldRef {
        other: FieldId,
        shape: FieldRefShape,
        cased: bool,
    },
}

pub(crate) struct CompiledRule {
    pub(crate) node: Node,
    /// Whether some literal must be present for the rule to match.
    pub(crate) gated: bool,
}

/// Global literal number: `base of its field + index in that field`.
pub(crate) type LitId = u32;
