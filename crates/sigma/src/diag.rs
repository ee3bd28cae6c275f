//! Diagnostics: what is wrong with a rule file, and where.
//!
//! The parser never stops at the first problem: it collects every
//! [`Diagnostic`] it can find in a file so that `tunnelhunt rules check`
//! reports them all in one run. Rendering (colours, snippets) belongs to the
//! CLI; this module only carries the facts.

use std::fmt;
use std::path::PathBuf;

use crate::span::Span;

/// How bad a diagnostic is. Errors make a rule unusable; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// A stable, machine-readable classification of a diagnostic.
///
/// The codes are part of our interface (users grep for them, tests assert
/// them), so variants are only ever added, never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// The YAML itself does not parse.
    YamlSyntax,
    /// An alias expands to too many nodes, or nesting is absurdly deep.
    YamlTooComplex,
    /// A required attribute (title, logsource, detection, condition…) is missing.
    MissingAttribute,
    /// An attribute has the wrong YAML type (e.g. `title: [1, 2]`).
    WrongType,
    /// A value is not acceptable for its attribute (bad UUID, unknown level…).
    InvalidValue,
    /// A field modifier that Sigma does not define.
    UnknownModifier,
    /// Modifiers that cannot be combined, or a value they cannot apply to.
    InvalidModifierChain,
    /// A regular expression that does not compile.
    InvalidRegex,
    /// A regular expression that needs features our linear-time engine lacks
    /// (look-around, back-references).
    UnsupportedRegex,
    /// An address or network that is not valid CIDR.
    InvalidCidr,
    /// The condition does not parse.
    ConditionSyntax,
    /// The condition names a search identifier that is not defined, or a
    /// pattern that matches none.
    UndefinedIdentifier,
    /// A `%placeholder%` used with `|expand` has no value in the placeholder table.
    UnresolvedPlaceholder,
    /// Two rules share an id.
    DuplicateId,
    /// The same key appears twice in one mapping.
    DuplicateKey,
    /// A filter or correlation refers to a rule that is not loaded.
    UnknownRuleReference,
    /// Something valid but suspicious (e.g. a deprecated form).
    Suspicious,
}

impl Code {
    /// The kebab-case name shown to users, e.g. `unknown-modifier`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::YamlSyntax => "yaml-syntax",
            Code::YamlTooComplex => "yaml-too-complex",
            Code::MissingAttribute => "missing-attribute",
            Code::WrongType => "wrong-type",
            Code::InvalidValue => "invalid-value",
            Code::UnknownModifier => "unknown-modifier",
            Code::InvalidModifierChain => "invalid-modifier-chain",
            Code::InvalidRegex => "invalid-regex",
            Code::UnsupportedRegex => "unsupported-regex",
            Code::InvalidCidr => "invalid-cidr",
            Code::ConditionSyntax => "condition-syntax",
            Code::UndefinedIdentifier => "undefined-identifier",
            Code::UnresolvedPlaceholder => "unresolved-placeholder",
            Code::DuplicateId => "duplicate-id",
            Code::DuplicateKey => "duplicate-key",
            Code::UnknownRuleReference => "unknown-rule-reference",
            Code::Suspicious => "suspicious",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// The file the problem is in (as given by the caller; may be a
    /// pseudo-path such as `<builtin>/t1572/plink.yml`).
    pub file: PathBuf,
    pub span: Span,
    pub message: String,
}

impl Diagnostic {
    pub fn error(
        code: Code,
        file: impl Into<PathBuf>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.into(),
            span,
            message: message.into(),
        }
    }

    pub fn warning(
        code: Code,
        file: impl Into<PathBuf>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            file: file.into(),
            span,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line:col: error[code]: message` — the format compilers use, so that
/// editors and CI annotators can jump to the spot.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}", self.file.display())?;
        if self.span.is_known() {
            write!(f, ":{}", self.span)?;
        }
        write!(f, ": {level}[{}]: {}", self.code, self.message)
    }
}
