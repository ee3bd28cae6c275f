//! Shared helpers for the loader tests.

use tunnelhunt_sigma::load::ParsedFile;
use tunnelhunt_sigma::{Code, Severity};

/// `(code, severity, line, col)` of every diagnostic, in the loader's order.
pub fn codes(parsed: &ParsedFile) -> Vec<(Code, Severity, u32, u32)> {
    parsed
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity, d.span.line, d.span.col))
        .collect()
}
