//! Why a rule cannot be rendered for a target.
//!
//! A refusal is the honest alternative to a query that looks right and
//! means something else. It names the construct (so reports can group the
//! refusals of thousands of rules into a handful of reasons) and the
//! specifics (the field, the pattern, the logsource) so the rule author
//! knows what to change.

use std::fmt;

/// What kind of construct a target could not express. The grouping key of
/// conversion reports: keep the set small and the names stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Construct {
    /// The rule's logsource has no table / event type in the target's data
    /// model.
    Logsource,
    /// A field the rule uses has no mapping for this logsource.
    Field,
    /// Keywords (values not bound to a field).
    Keyword,
    /// Case-sensitive string matching (`|cased`).
    Cased,
    /// A wildcard or literal the target's string operators cannot express.
    Wildcard,
    /// A regex feature the target's dialect lacks.
    Regex,
    /// `|cidr`.
    Cidr,
    /// A numeric comparison.
    Number,
    /// A boolean value.
    Bool,
    /// `null` / `|exists`.
    Null,
    /// `|fieldref`.
    FieldRef,
    /// A condition that is always true or always false after simplification.
    Constant,
    /// Correlation rules.
    Correlation,
    /// A value the target cannot carry (e.g. a control character inside a
    /// regex literal of a language without escapes for it).
    Value,
}

impl Construct {
    pub fn as_str(self) -> &'static str {
        match self {
            Construct::Logsource => "logsource",
            Construct::Field => "field",
            Construct::Keyword => "keyword",
            Construct::Cased => "cased",
            Construct::Wildcard => "wildcard",
            Construct::Regex => "regex",
            Construct::Cidr => "cidr",
            Construct::Number => "number",
            Construct::Bool => "bool",
            Construct::Null => "null",
            Construct::FieldRef => "fieldref",
            Construct::Constant => "constant",
            Construct::Correlation => "correlation",
            Construct::Value => "value",
        }
    }
}

impl fmt::Display for Construct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A construct the target cannot express, and the specifics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{construct}: {detail}")]
pub struct Refusal {
    pub construct: Construct,
    /// A sentence for the rule author, e.g. "field 'Description' has no
    /// mapping in DeviceProcessEvents". Put the variable parts (field
    /// names, patterns) in quotes so reports can strip them when grouping.
    pub detail: String,
}

impl Refusal {
    pub fn new(construct: Construct, detail: impl Into<String>) -> Refusal {
        Refusal {
            construct,
            detail: detail.into(),
        }
    }

    /// The detail with every single-quoted part replaced by `'…'`: the key
    /// under which reports group refusals of many rules ("field '…' has no
    /// mapping in DeviceProcessEvents").
    pub fn grouping_key(&self) -> String {
        let mut out = String::with_capacity(self.detail.len());
        let mut quoted = false;
        for c in self.detail.chars() {
            if c == '\'' {
                if !quoted {
                    out.push_str("'…'");
                }
                quoted = !quoted;
            } else if !quoted {
                out.push(c);
            }
        }
        format!("{}: {}", self.construct, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_key_hides_quoted_specifics() {
        let r = Refusal::new(
            Construct::Field,
            "field 'Description' has no mapping in 'DeviceProcessEvents'",
        );
        assert_eq!(r.grouping_key(), "field: field '…' has no mapping in '…'");
        assert_eq!(
            r.to_string(),
            "field: field 'Description' has no mapping in 'DeviceProcessEvents'"
        );
    }
}
