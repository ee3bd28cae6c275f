//! Compile errors.

use thiserror::Error;

/// Why a rule (or the rule set) could not be compiled.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CompileError {
    /// A `|re` pattern the `regex` crate rejects — typically look-around or
    /// a back-reference, which a linear-time engine cannot provide.
    #[error("regex {pattern:?} on field {field} is not supported: {message}")]
    UnsupportedRegex {
        field: String,
        pattern: String,
        message: String,
    },
    /// The regexes of one field together exceed the regex size limit.
    #[error("the {count} regexes on field {field} could not be compiled together: {message}")]
    RegexSet {
        field: String,
        count: usize,
        message: String,
    },
    /// Building a field's Aho-Corasick automaton failed (pattern set too
    /// large for the state identifiers).
    #[error("the literal index of field {field} could not be built: {message}")]
    LiteralIndex { field: String, message: String },
}
