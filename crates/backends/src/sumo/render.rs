//! One predicate as a Sumo Logic boolean expression, for either flavor.
//!
//! Both Cloud SIEM rule expressions and log-search `where` clauses have
//! `matches /regex/` with RE2 regexes (Cloud SIEM rules syntax: "match a
//! string to a wildcard pattern or an RE2 compliant regex"), and the
//! string operators around it are case-sensitive. So every string test is
//! ONE regex, written to be exact whether `matches` compares the whole
//! value or searches in it (Sumo's documentation pads its own examples
//! with `.*`, the reference converter does too, and neither says which):
//!
//! | Sigma | pattern inside `/…/` |
//! |---|---|
//! | `f: v` | `(?i)\Av\z` |
//! | `f|contains: v` | `(?is)\A.*v.*\z` |
//! | `f|startswith` / `f|endswith` | `(?is)\Av.*\z`, `(?is)\A.*v\z` |
//! | `f: '*'` (any value) | `(?s)\A.*\z` |
//! | other globs | `regex::glob_to_regex` (anchored), flags inline |
//! | `f|re: P` | `\A(?s:.*)(?:P)(?s:.*)\z`, P from `regex::translate` with inline flags |
//!
//! `(?i)` is dropped for `|cased` (and for `|re` without `|i`); `(?s)`
//! lets the padding cross line breaks without changing what `.` means
//! inside a rule's own regex. `\A`/`\z` rather than `^`/`$`: they anchor at
//! the ends of the value in RE2 and in Java alike, whatever the flags.
//! Values are escaped for RE2 and for the `/…/` literal by the same
//! helpers the YARA-L backend uses ([`crate::common::re2`]): operators
//! get a backslash, `/` becomes `\/`, control characters `\x{…}`. No value
//! ever appears in a quoted string, so the (undocumented) backslash rules
//! of Sumo's string literals never matter.
//!
//! Other tests: numbers compare as numbers (`dstPort > 1024`; in log
//! search the extracted text goes through `num()`), `|cidr` is
//! `compareCIDRPrefix("net", f, "len")` (IPv4 only — Sumo has no IPv6
//! prefix function, so IPv6 networks are refused), `null` is `isNull(f)`,
//! `|exists` `!isNull(f)` / `isNull(f)`, `|fieldref` equality is `f = g`
//! (`toLowerCase` on both sides unless cased). Keywords are refused: Sumo's
//! keyword search matches terms, not substrings, and Cloud SIEM has none.

use tunnelhunt_sigma::ir::{
    FieldRef, FieldRefShape, IpNetwork, NumOp, Predicate, StrMatch, StrShape, Test,
};

use crate::RuleInput;
use crate::boolean::{self, BoolSyntax};
use crate::common::re2::{re2_escape, slash_literal};
use crate::model::{DataModel, FieldKind, FieldMap, Scope};
use crate::refusal::{Construct, Refusal};
use crate::regex::{Dialect, FlagPlacement, glob_to_regex, translate};

use super::model::{CSE, SYSMON_JSON, search_alias};

/// The two query forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A Cloud SIEM match-rule expression over normalized records.
    Cse,
    /// A log search over Sysmon JSON.
    Search,
}

impl Form {
    pub(crate) fn model(self) -> &'static DataModel {
        match self {
            Form::Cse => &CSE,
            Form::Search => &SYSMON_JSON,
        }
    }

    /// How a mapped field is referred to in an expression.
    pub(crate) fn field_name(self, field: &FieldMap) -> &'static str {
        match self {
            Form::Cse => field.target,
            Form::Search => search_alias(field.target),
        }
    }

    /// A numeric field as a number: Cloud SIEM attributes are typed; log
    /// search fields extracted from JSON are text.
    fn numeric(self, name: &str) -> String {
        match self {
            Form::Cse => name.to_owned(),
            Form::Search => format!("num({name})"),
        }
    }
}

/// Render one predicate of a rule whose records live in `scope`.
pub(crate) fn predicate(
    flavor: Form,
    scope: &Scope,
    predicate: &Predicate,
) -> Result<String, Refusal> {
    let Some(sigma_name) = predicate.field.as_deref() else {
        return Err(Refusal::new(
            Construct::Keyword,
            "keywords (values without a field) have no substring full-text search in Sumo Logic",
        ));
    };
    let field = scope.field(sigma_name)?;
    let name = flavor.field_name(field);
    match &predicate.test {
        Test::Str(glob) => string_test(flavor, field, name, glob),
        Test::Regex(regex) => {
            require_text(field, sigma_name, "a regular expression")?;
            let translated = translate(regex, Dialect::Re2, FlagPlacement::Inline)?;
            let inner = inline_flags(translated.case_insensitive, false, &translated.pattern);
            Ok(matches(name, &format!(r"\A(?s:.*)(?:{inner})(?s:.*)\z")))
        }
        Test::Cidr(network) => cidr_test(field, sigma_name, name, network),
        Test::Num(op, number) => {
            if field.kind != FieldKind::Int {
                return Err(Refusal::new(
                    Construct::Number,
                    format!(
                        "numeric comparison on text field '{sigma_name}' ('{}')",
                        field.target
                    ),
                ));
            }
            Ok(format!(
                "{} {} {number}",
                flavor.numeric(name),
                operator(*op)
            ))
        }
        Test::Bool(value) => match (flavor, field.kind) {
            (Form::Search, FieldKind::Text) => Ok(matches(name, &format!(r"(?i)\A{value}\z"))),
            _ => Err(Refusal::new(
                Construct::Bool,
                format!(
                    "boolean value '{value}' for field '{sigma_name}' ('{}')",
                    field.target
                ),
            )),
        },
        Test::Null | Test::Exists(false) => Ok(format!("isNull({name})")),
        Test::Exists(true) => Ok(format!("!isNull({name})")),
        Test::FieldRef(reference) => field_ref(flavor, scope, sigma_name, name, reference),
    }
}

/// The boolean syntax of each flavor. Neither documents boolean
/// constants, so a rule that simplified to one is refused.
fn bool_syntax(flavor: Form) -> BoolSyntax {
    match flavor {
        Form::Cse => BoolSyntax {
            and: " AND ",
            or: " OR ",
            not: "!",
            true_literal: None,
            false_literal: None,
        },
        Form::Search => BoolSyntax {
            and: " and ",
            or: " or ",
            not: "!",
            true_literal: None,
            false_literal: None,
        },
    }
}

/// The rule's scope and its condition (without outer parentheses).
pub(crate) fn condition(
    flavor: Form,
    rule: &RuleInput<'_>,
) -> Result<(&'static Scope, String), Refusal> {
    let scope = flavor.model().scope_for(&rule.rule.logsource)?;
    let text = boolean::render(rule.expr, &bool_syntax(flavor), &mut |p| {
        predicate(flavor, scope, p)
    })?;
    Ok((scope, text))
}

fn require_text(field: &FieldMap, sigma_name: &str, what: &str) -> Result<(), Refusal> {
    if field.kind == FieldKind::Int {
        return Err(Refusal::new(
            Construct::Number,
            format!(
                "{what} on numeric field '{sigma_name}' ('{}')",
                field.target
            ),
        ));
    }
    Ok(())
}

fn operator(op: NumOp) -> &'static str {
    match op {
        NumOp::Eq => "=",
        NumOp::Gt => ">",
        NumOp::Gte => ">=",
        NumOp::Lt => "<",
        NumOp::Lte => "<=",
    }
}

/// `(?i)`, `(?s)`, `(?is)` or nothing, before `pattern`.
fn inline_flags(case_insensitive: bool, dot_all: bool, pattern: &str) -> String {
    let flags = match (case_insensitive, dot_all) {
        (true, true) => "(?is)",
        (true, false) => "(?i)",
        (false, true) => "(?s)",
        (false, false) => "",
    };
    format!("{flags}{pattern}")
}

fn matches(name: &str, pattern: &str) -> String {
    format!("{name} matches {}", slash_literal(pattern))
}

fn string_test(
    flavor: Form,
    field: &FieldMap,
    name: &str,
    glob: &StrMatch,
) -> Result<String, Refusal> {
    if field.kind == FieldKind::Int {
        return match glob.shape() {
            StrShape::Equals(text) => match text.parse::<i64>() {
                Ok(number) => Ok(format!("{} = {number}", flavor.numeric(name))),
                Err(_) => Err(Refusal::new(
                    Construct::Number,
                    format!("string value '{glob}' on numeric field '{}'", field.target),
                )),
            },
            _ => Err(Refusal::new(
                Construct::Number,
                format!(
                    "string pattern '{glob}' on numeric field '{}'",
                    field.target
                ),
            )),
        };
    }
    let insensitive = !glob.cased;
    let pattern = match glob.shape() {
        StrShape::Equals(text) => {
            inline_flags(insensitive, false, &format!(r"\A{}\z", re2_escape(text)))
        }
        StrShape::Contains(text) => {
            inline_flags(insensitive, true, &format!(r"\A.*{}.*\z", re2_escape(text)))
        }
        StrShape::StartsWith(text) => {
            inline_flags(insensitive, true, &format!(r"\A{}.*\z", re2_escape(text)))
        }
        StrShape::EndsWith(text) => {
            inline_flags(insensitive, true, &format!(r"\A.*{}\z", re2_escape(text)))
        }
        StrShape::Any => inline_flags(false, true, r"\A.*\z"),
        StrShape::Glob => glob_to_regex(glob, Dialect::Re2, FlagPlacement::Inline)?.pattern,
    };
    Ok(matches(name, &pattern))
}

fn cidr_test(
    field: &FieldMap,
    sigma_name: &str,
    name: &str,
    network: &IpNetwork,
) -> Result<String, Refusal> {
    if field.kind != FieldKind::Ip {
        return Err(Refusal::new(
            Construct::Cidr,
            format!(
                "field '{sigma_name}' ('{}') is not an IP field",
                field.target
            ),
        ));
    }
    if network.addr.is_ipv6() {
        return Err(Refusal::new(
            Construct::Cidr,
            format!("IPv6 network '{network}': the Sumo Logic CIDR functions are IPv4 only"),
        ));
    }
    Ok(format!(
        "compareCIDRPrefix(\"{}\", {name}, \"{}\")",
        network.addr, network.prefix
    ))
}

fn field_ref(
    flavor: Form,
    scope: &Scope,
    sigma_name: &str,
    name: &str,
    reference: &FieldRef,
) -> Result<String, Refusal> {
    if reference.shape != FieldRefShape::Equals {
        return Err(Refusal::new(
            Construct::FieldRef,
            format!(
                "field reference '{sigma_name}' to '{}' compares by {:?}; only equality is rendered",
                reference.other_field, reference.shape
            ),
        ));
    }
    let other = flavor.field_name(scope.field(&reference.other_field)?);
    Ok(if reference.cased {
        format!("{name} = {other}")
    } else {
        format!("toLowerCase({name}) = toLowerCase({other})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_flags_combine() {
        assert_eq!(inline_flags(true, true, "x"), "(?is)x");
        assert_eq!(inline_flags(false, true, "x"), "(?s)x");
        assert_eq!(inline_flags(true, false, "x"), "(?i)x");
        assert_eq!(inline_flags(false, false, "x"), "x");
    }

    #[test]
    fn ipv4_networks_use_compare_cidr_prefix_and_ipv6_is_refused() {
        let field = FieldMap::ip("DestinationIp", "dstDevice_ip");
        let v4 = IpNetwork::parse("10.1.0.0/16").unwrap();
        assert_eq!(
            cidr_test(&field, "DestinationIp", "dstDevice_ip", &v4).unwrap(),
            "compareCIDRPrefix(\"10.1.0.0\", dstDevice_ip, \"16\")"
        );
        let v6 = IpNetwork::parse("::1/128").unwrap();
        let refusal = cidr_test(&field, "DestinationIp", "dstDevice_ip", &v6).unwrap_err();
        assert_eq!(refusal.construct, Construct::Cidr);
    }
}
