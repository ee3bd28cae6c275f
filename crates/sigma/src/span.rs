//! Source positions.
//!
//! Every AST node that came from a rule file carries a [`Span`], so that any
//! diagnostic produced long after parsing (while lowering, compiling a regex,
//! or rendering for a backend) can still say `rule.yml:12:9`.

use std::fmt;

/// A position in a rule file: 1-based line and 1-based column.
///
/// A `Span` of `0:0` means "no position known" (for example a node that was
/// synthesised by `action: global` merging or built by hand in a test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub line: u32,
    pub col: u32,
}

impl Span {
    pub const UNKNOWN: Span = Span { line: 0, col: 0 };

    pub fn new(line: u32, col: u32) -> Span {
        Span { line, col }
    }

    pub fn is_known(self) -> bool {
        self.line != 0
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}
