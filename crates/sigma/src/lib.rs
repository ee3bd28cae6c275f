/*!
The Sigma rule language, from text to meaning.

This crate owns everything that is *Sigma*: reading rule files (YAML with a
source position on every node), the typed [`ast`] of rules, filters and
correlation rules, [`diag`]nostics that name file, line and column, the
[`condition`] grammar, and [`lower`]ing a rule (plus the filters that apply
to it) into the target-neutral predicate [`ir`].

It must not know about events, log formats, matching strategies or query
languages: the engine (`tunnelhunt-engine`) and the backends consume the IR,
and nothing here depends on them. It does no I/O either: callers hand in the
text and the file name to report.

The YAML front end sits behind the default `parse` feature so that crates
which only consume the AST and IR (the engine) do not link a YAML parser.
*/

pub mod ast;
pub mod condition;
pub mod diag;
pub mod ir;
pub mod lower;
pub mod span;

#[cfg(feature = "parse")]
pub mod collection;
#[cfg(feature = "parse")]
pub mod load;
#[cfg(feature = "parse")]
mod yaml;

pub use diag::{Code, Diagnostic, Severity};
pub use span::Span;
