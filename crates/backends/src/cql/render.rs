//! One predicate as a LogScale filter.
//!
//! The operator choice follows the documented semantics of LogScale field
//! filters:
//!
//! * `f="v"` is a case-sensitive match of the *whole* value where `*` is a
//!   wildcard that cannot be escaped, and there is no one-character
//!   wildcard. So it is used only for case-sensitive globs (`|cased`) and
//!   for globs whose literal text has no letters (ports, addresses, where
//!   case cannot matter) without a literal `*`, `?` wildcard or control
//!   character. Everything else is a regex.
//! * `f=/re/i` is an unanchored JitRex regex; Sigma globs become regexes
//!   through [`crate::regex::glob_to_regex`] (a leading or trailing `*` is
//!   left out together with its anchor: `contains` is `/x/i`), `|re` values
//!   through [`crate::regex::translate`]. Flags stay outside (`/…/i`).
//! * A comparison on a missing field fails, except `!=`: `f!=*` is "no
//!   field f" (Sigma `null`, `|exists: false`), `f=*` is "has field f".
//!   `not (…)` of a failing comparison holds, as Sigma's `not` does.
//! * Numbers compare as numbers with `f>n` (documented filter syntax),
//!   negative operands through `test()`.
//! * `cidr(f, subnet=[…])` tests IPv4 and IPv6 networks.
//!
//! One Sigma field that maps to two Falcon fields (`DestinationIp` →
//! `RemoteAddressIP4`/`RemoteAddressIP6`: an event has one of them) is the
//! `or` of the tests on each, parenthesized; a test for *absence* needs
//! both to be absent and is their `and`. Connection ends also depend on the
//! direction ([`super::model::DIRECTIONAL`]):
//! `((ConnectionDirection=0 and <test on Remote…>) or (ConnectionDirection=1
//! and <test on Local…>))` for `Destination*`, the other way round for
//! `Source*`.

use tunnelhunt_sigma::ir::{
    FieldRefShape, IpNetwork, NumOp, Number, Piece, Predicate, StrMatch, StrShape, Test,
};

use super::basename::file_name_regex;
use super::literal::{QuotedString, regex_literal};
use super::model::{DIRECTION_FIELD, FieldSemantics, directional, semantics_of};
use crate::model::{FieldKind, FieldMap, Scope};
use crate::refusal::{Construct, Refusal};
use crate::regex::{Dialect, FlagPlacement, glob_to_regex, translate};

/// Render one predicate against the fields of `scope`.
pub fn predicate(pred: &Predicate, scope: &Scope) -> Result<String, Refusal> {
    let Some(field) = pred.field.as_deref() else {
        return Err(Refusal::new(
            Construct::Keyword,
            "LogScale's free-text search also matches field names and the raw event text, \
             so keywords would match more than their values",
        ));
    };
    let maps = scope.fields_named(field);
    if maps.is_empty() {
        return Err(scope.field(field).expect_err("no mapping"));
    }
    if let Test::FieldRef(reference) = &pred.test {
        if directional(scope, field).is_some()
            || directional(scope, &reference.other_field).is_some()
        {
            return Err(Refusal::new(
                Construct::FieldRef,
                format!("'{field}' names a connection end, which Falcon records by direction"),
            ));
        }
        return field_ref(field, &maps, reference, scope);
    }
    let rendered = match directional(scope, field) {
        None => alternatives(&maps, scope, &pred.test, field)?,
        Some(ends) => {
            // Sysmon's Source is the initiator; Falcon's Local is this host.
            let side = |targets: &[&str], direction: &str| -> Result<Option<String>, Refusal> {
                let side_maps: Vec<&FieldMap> = maps
                    .iter()
                    .copied()
                    .filter(|m| targets.contains(&m.target))
                    .collect();
                Ok(alternatives(&side_maps, scope, &pred.test, field)?
                    .map(|test| format!("({DIRECTION_FIELD}={direction} and {test})")))
            };
            let sides: Vec<String> = [side(ends.outbound, "0")?, side(ends.inbound, "1")?]
                .into_iter()
                .flatten()
                .collect();
            match sides.len() {
                0 => None,
                1 => sides.into_iter().next(),
                _ => Some(format!("({})", sides.join(" or "))),
            }
        }
    };
    rendered.ok_or_else(|| {
        Refusal::new(
            Construct::Cidr,
            format!(
                "no field of '{}' holds addresses of this family for '{field}'",
                scope.name
            ),
        )
    })
}

/// The test on whichever of `maps` the event has: their `or`, or for a
/// test of absence their `and`. `None` when no field can hold the value.
fn alternatives(
    maps: &[&FieldMap],
    scope: &Scope,
    test: &Test,
    field: &str,
) -> Result<Option<String>, Refusal> {
    let mut parts = Vec::with_capacity(maps.len());
    for map in maps {
        if let Some(text) = one_field(map, semantics_of(scope, map.target), test, field)? {
            parts.push(text);
        }
    }
    let absence = matches!(test, Test::Null | Test::Exists(false));
    Ok(match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(format!(
            "({})",
            parts.join(if absence { " and " } else { " or " })
        )),
    })
}

/// The test on one Falcon field; `None` when the test cannot concern this
/// field (a CIDR of the other address family).
fn one_field(
    map: &FieldMap,
    semantics: FieldSemantics,
    test: &Test,
    sigma_field: &str,
) -> Result<Option<String>, Refusal> {
    let target = map.target;
    if semantics == FieldSemantics::ConnectionDirection {
        return connection_direction(target, test, sigma_field).map(Some);
    }
    if semantics == FieldSemantics::IntegrityLevel {
        return integrity_level(target, test, sigma_field).map(Some);
    }
    Ok(Some(match test {
        Test::Str(glob) => {
            let glob = adapt_glob(glob, semantics, sigma_field, target)?;
            string_match(target, &glob)?
        }
        Test::Regex(regex) => {
            let regex = match semantics {
                FieldSemantics::BaseName { separators } => file_name_regex(regex, separators)
                    .ok_or_else(|| {
                        Refusal::new(
                            Construct::Regex,
                            format!(
                                "'{target}' holds only the file name, so the regex '{}' on \
                                 '{sigma_field}' is expressible only as a separator, a file-name \
                                 pattern and the end",
                                regex.pattern
                            ),
                        )
                    })?,
                _ => {
                    check_regex_applies(semantics, sigma_field, target, &regex.pattern)?;
                    regex.clone()
                }
            };
            let translated = translate(&regex, Dialect::JitRex, FlagPlacement::Outside)?;
            let flags = if translated.case_insensitive { "i" } else { "" };
            format!("{target}={}", regex_literal(&translated.pattern, flags))
        }
        Test::Cidr(network) => match cidr(target, semantics, network, sigma_field)? {
            Some(text) => text,
            None => return Ok(None),
        },
        Test::Num(op, number) => number_match(target, map.kind, *op, *number, sigma_field)?,
        Test::Bool(value) => {
            let glob = StrMatch::literal(if *value { "true" } else { "false" }, false);
            string_match(target, &glob)?
        }
        Test::Null | Test::Exists(false) => format!("{target}!=*"),
        Test::Exists(true) => format!("{target}=*"),
        Test::FieldRef(_) => unreachable!("field references are rendered by field_ref"),
    }))
}

/// A glob as `f="…"` where that is exact, else as a regex.
pub(crate) fn string_match(target: &str, glob: &StrMatch) -> Result<String, Refusal> {
    if let Some(quoted) = as_logscale_glob(glob) {
        return Ok(format!("{target}={}", quoted.as_str()));
    }
    let inner = without_outer_stars(glob);
    let translated = glob_to_regex(&inner, Dialect::JitRex, FlagPlacement::Outside)?;
    let pattern = unanchor(&translated.pattern, glob, &inner)?;
    let flags = if translated.case_insensitive { "i" } else { "" };
    Ok(format!("{target}={}", regex_literal(pattern, flags)))
}

/// The glob without a leading and a trailing `*`: LogScale regexes match
/// anywhere, so those stars are the same as leaving out the anchors
/// ([`unanchor`]).
fn without_outer_stars(glob: &StrMatch) -> StrMatch {
    let mut pieces = glob.pieces.as_slice();
    if let [Piece::AnyString, rest @ ..] = pieces {
        pieces = rest;
    }
    if let [rest @ .., Piece::AnyString] = pieces {
        pieces = rest;
    }
    StrMatch::new(pieces.iter().cloned(), glob.cased)
}

/// `glob_to_regex` writes `^…$` around the pattern of `inner`; drop the
/// anchor on each side where `glob` had a `*` that `inner` lost. When the
/// pattern does not have that shape, keep it whole: anchored on both sides
/// it matches what `inner` matches, which is narrower — so that case is a
/// refusal, never a guess.
fn unanchor<'p>(pattern: &'p str, glob: &StrMatch, inner: &StrMatch) -> Result<&'p str, Refusal> {
    let lost_leading = matches!(glob.pieces.first(), Some(Piece::AnyString));
    let lost_trailing = glob.pieces.len() - usize::from(lost_leading) > inner.pieces.len();
    if !lost_leading && !lost_trailing {
        return Ok(pattern);
    }
    let body = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .ok_or_else(|| {
            Refusal::new(
                Construct::Wildcard,
                format!("the LogScale regex of '{glob}' is not anchored as expected: '{pattern}'"),
            )
        })?;
    Ok(match (lost_leading, lost_trailing) {
        (true, true) => body,
        (true, false) => &pattern[1..],
        _ => &pattern[..pattern.len() - 1],
    })
}

/// The quoted LogScale glob that matches exactly what `glob` matches, if
/// there is one.
fn as_logscale_glob(glob: &StrMatch) -> Option<QuotedString> {
    let mut text = String::new();
    for piece in &glob.pieces {
        match piece {
            Piece::AnyString => text.push('*'),
            Piece::AnyChar => return None,
            Piece::Lit(lit) => {
                let caseless = |c: char| c.is_ascii() && !c.is_ascii_alphabetic();
                if lit.contains('*') || !(glob.cased || lit.chars().all(caseless)) {
                    return None;
                }
                text.push_str(lit);
            }
        }
    }
    QuotedString::new(&text)
}

/// Rewrite a Sigma glob for a Falcon field whose values differ from the
/// Sigma field's, or refuse when no rewrite means the same.
fn adapt_glob(
    glob: &StrMatch,
    semantics: FieldSemantics,
    sigma_field: &str,
    target: &str,
) -> Result<StrMatch, Refusal> {
    match semantics {
        FieldSemantics::Plain | FieldSemantics::Ipv4 | FieldSemantics::Ipv6 => Ok(glob.clone()),
        FieldSemantics::ConnectionDirection => unreachable!("handled by connection_direction"),
        FieldSemantics::IntegrityLevel => unreachable!("handled by integrity_level"),
        FieldSemantics::NtDevicePath => {
            let unanchored =
                matches!(glob.pieces.first(), Some(Piece::AnyString)) || glob.pieces.is_empty();
            if !unanchored || glob.literals().any(|lit| lit.contains(':')) || glob.pieces.is_empty()
            {
                return Err(Refusal::new(
                    Construct::Wildcard,
                    format!(
                        "'{target}' holds the NT device path (\\Device\\HarddiskVolumeN\\…), so \
                         '{sigma_field}' value '{glob}' anchored at the start or naming a drive \
                         cannot match it; use endswith or contains"
                    ),
                ));
            }
            Ok(glob.clone())
        }
        FieldSemantics::RegistryPath => {
            let unanchored = matches!(glob.pieces.first(), Some(Piece::AnyString));
            let hive_spelling = glob.literals().any(sysmon_hive_spelling);
            if !unanchored || hive_spelling {
                return Err(Refusal::new(
                    Construct::Wildcard,
                    format!(
                        "Falcon spells registry keys \\REGISTRY\\MACHINE\\…\\ControlSet001, so \
                         '{sigma_field}' value '{glob}' in Sysmon's spelling cannot match; \
                         use contains or endswith below the hive and control set"
                    ),
                ));
            }
            Ok(glob.clone())
        }
        FieldSemantics::BaseName { separators } => {
            base_name_glob(glob, separators).ok_or_else(|| {
                Refusal::new(
                    Construct::Wildcard,
                    format!(
                        "'{target}' holds only the file name, so '{sigma_field}' value '{glob}' is \
                     expressible only as endswith a file name (optionally after a separator)"
                    ),
                )
            })
        }
    }
}

/// The glob on the file name that matches exactly the paths `glob`
/// matches: `endswith '\name'` is `name`, `endswith 'ame'` (no separator)
/// is `endswith 'ame'`, `*` is `*`.
fn base_name_glob(glob: &StrMatch, separators: &[char]) -> Option<StrMatch> {
    match glob.shape() {
        StrShape::Any => Some(glob.clone()),
        StrShape::EndsWith(lit) => match lit.rfind(separators) {
            None => Some(glob.clone()),
            Some(0) => {
                let name = &lit[lit.chars().next().map_or(0, char::len_utf8)..];
                (!name.is_empty()).then(|| StrMatch::literal(name, glob.cased))
            }
            Some(_) => None,
        },
        _ => None,
    }
}

/// Whether text names a registry location the way Sysmon does and Falcon
/// does not (hive abbreviations, `CurrentControlSet`).
fn sysmon_hive_spelling(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "currentcontrolset",
        "hklm",
        "hkcu",
        "hkcr",
        "hkcc",
        "hku\\",
        "hkey_",
    ]
    .iter()
    .any(|spelling| lower.contains(spelling))
}

/// The pattern with the group openings that contain a `:` (`(?:`, `(?i:`)
/// removed.
fn without_group_syntax(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(at) = rest.find("(?") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let flags = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-')
                .len();
        if after[flags..].starts_with(':') {
            rest = &after[flags + 1..];
        } else {
            out.push_str("(?");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn check_regex_applies(
    semantics: FieldSemantics,
    sigma_field: &str,
    target: &str,
    pattern: &str,
) -> Result<(), Refusal> {
    let refuse = |why: &str| {
        Err(Refusal::new(
            Construct::Regex,
            format!(
                "'{target}' {why}, so the regex '{pattern}' on '{sigma_field}' would not mean the same"
            ),
        ))
    };
    match semantics {
        FieldSemantics::Plain | FieldSemantics::Ipv4 | FieldSemantics::Ipv6 => Ok(()),
        FieldSemantics::BaseName { .. } => {
            unreachable!("file-name regexes are rewritten by basename")
        }
        FieldSemantics::ConnectionDirection => refuse("is a direction code"),
        FieldSemantics::IntegrityLevel => refuse("is a mandatory-label RID"),
        FieldSemantics::RegistryPath | FieldSemantics::NtDevicePath => {
            // Conservative: any `^` that is not a class negation may anchor
            // at the start; a `:` outside group syntax (`(?:`, `(?i:`) may
            // spell a drive or `HKLM:`.
            let anchors = pattern
                .char_indices()
                .any(|(i, c)| c == '^' && !pattern[..i].ends_with('['));
            if anchors
                || without_group_syntax(pattern).contains(':')
                || sysmon_hive_spelling(pattern)
            {
                refuse("is spelled differently at its start (device path or kernel hive name)")
            } else {
                Ok(())
            }
        }
    }
}

/// `cidr()` for networks of this field's family; `None` for the other
/// family.
fn cidr(
    target: &str,
    semantics: FieldSemantics,
    network: &IpNetwork,
    sigma_field: &str,
) -> Result<Option<String>, Refusal> {
    let applies = match semantics {
        FieldSemantics::Ipv4 => network.addr.is_ipv4(),
        FieldSemantics::Ipv6 => network.addr.is_ipv6(),
        FieldSemantics::Plain => true,
        _ => {
            return Err(Refusal::new(
                Construct::Cidr,
                format!("'{sigma_field}' maps to '{target}', which holds no addresses"),
            ));
        }
    };
    Ok(applies.then(|| format!("cidr({target}, subnet=[\"{network}\"])")))
}

fn number_match(
    target: &str,
    kind: FieldKind,
    op: NumOp,
    number: Number,
    sigma_field: &str,
) -> Result<String, Refusal> {
    if kind != FieldKind::Int {
        return Err(Refusal::new(
            Construct::Number,
            format!("'{sigma_field}' maps to '{target}', which is not a number field"),
        ));
    }
    if let Number::Float(x) = number
        && !x.is_finite()
    {
        return Err(Refusal::new(
            Construct::Number,
            format!("'{x}' is not a finite number"),
        ));
    }
    let operator = match op {
        NumOp::Eq => "=",
        NumOp::Gt => ">",
        NumOp::Gte => ">=",
        NumOp::Lt => "<",
        NumOp::Lte => "<=",
    };
    if number.as_f64() < 0.0 {
        let operator = if op == NumOp::Eq { "==" } else { operator };
        Ok(format!("test({target} {operator} {number})"))
    } else {
        Ok(format!("{target}{operator}{number}"))
    }
}

/// `Initiated: 'true'` (or `true`) is an outbound connection.
fn connection_direction(target: &str, test: &Test, sigma_field: &str) -> Result<String, Refusal> {
    let initiated = match test {
        Test::Bool(b) => Some(*b),
        Test::Str(glob) if !glob.cased => match glob.shape() {
            StrShape::Equals(v) if v.eq_ignore_ascii_case("true") => Some(true),
            StrShape::Equals(v) if v.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        },
        Test::Null | Test::Exists(false) => return Ok(format!("{target}!=*")),
        Test::Exists(true) => return Ok(format!("{target}=*")),
        _ => None,
    };
    match initiated {
        Some(true) => Ok(format!("{target}=0")),
        Some(false) => Ok(format!("{target}=1")),
        None => Err(Refusal::new(
            Construct::Value,
            format!(
                "'{sigma_field}' maps to the direction code '{target}'; only 'true' and 'false' translate"
            ),
        )),
    }
}

/// Sigma's `IntegrityLevel` (Sysmon's name, or the label SID
/// `S-1-16-<RID>` as Windows event 4688 writes it) as Falcon's decimal RID.
/// Only whole-value equality with a known name or a label SID translates;
/// a wildcard, regex or other name would compare against a different
/// spelling, so it is refused.
fn integrity_level(target: &str, test: &Test, sigma_field: &str) -> Result<String, Refusal> {
    let rid = match test {
        Test::Null | Test::Exists(false) => return Ok(format!("{target}!=*")),
        Test::Exists(true) => return Ok(format!("{target}=*")),
        Test::Str(glob) => match glob.shape() {
            StrShape::Equals(v) => integrity_rid(v, glob.cased),
            _ => None,
        },
        _ => None,
    };
    rid.map(|rid| format!("{target}={rid}")).ok_or_else(|| {
        Refusal::new(
            Construct::Value,
            format!(
                "'{sigma_field}' maps to the mandatory-label RID '{target}'; only the names \
                 Low, Medium, High, System and label SIDs S-1-16-<n> translate, by whole value"
            ),
        )
    })
}

/// The RID of an integrity-level name or label SID; a `|cased` name must
/// be spelled as Sysmon spells it.
fn integrity_rid(value: &str, cased: bool) -> Option<u32> {
    if let Some(rid) = value
        .strip_prefix("S-1-16-")
        .or_else(|| value.strip_prefix("s-1-16-").filter(|_| !cased))
    {
        let canonical = rid.parse::<u32>().ok()?;
        // Only the canonical decimal spelling: "012288" is another SID text.
        return (canonical.to_string() == rid).then_some(canonical);
    }
    super::model::INTEGRITY_LEVELS
        .iter()
        .find(|(name, _)| {
            if cased {
                *name == value
            } else {
                name.eq_ignore_ascii_case(value)
            }
        })
        .map(|(_, rid)| *rid)
}

/// `test(a == b)`: exact, case-sensitive equality of two plain fields.
fn field_ref(
    field: &str,
    maps: &[&FieldMap],
    reference: &tunnelhunt_sigma::ir::FieldRef,
    scope: &Scope,
) -> Result<String, Refusal> {
    let other = scope.field(&reference.other_field)?;
    let plain = |m: &FieldMap| semantics_of(scope, m.target) == FieldSemantics::Plain;
    if maps.len() != 1
        || !plain(maps[0])
        || !plain(other)
        || scope.fields_named(&reference.other_field).len() != 1
    {
        return Err(Refusal::new(
            Construct::FieldRef,
            format!(
                "'{field}' and '{}' do not both map to one Falcon field with the same values",
                reference.other_field
            ),
        ));
    }
    if reference.shape != FieldRefShape::Equals || !reference.cased {
        return Err(Refusal::new(
            Construct::FieldRef,
            format!(
                "LogScale compares two fields only for exact, case-sensitive equality ('{field}' \
                 with '{}' asks for more)",
                reference.other_field
            ),
        ));
    }
    Ok(format!("test({} == {})", maps[0].target, other.target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pieces: Vec<Piece>, cased: bool) -> StrMatch {
        StrMatch::new(pieces, cased)
    }

    #[test]
    fn cased_globs_without_literal_stars_use_the_logscale_glob() {
        let g = glob(
            vec![
                Piece::AnyString,
                Piece::Lit(" -R ".into()),
                Piece::AnyString,
            ],
            true,
        );
        assert_eq!(
            string_match("CommandLine", &g).unwrap(),
            r#"CommandLine="* -R *""#
        );
        let digits = StrMatch::literal("3389", false);
        assert_eq!(
            string_match("RemotePort", &digits).unwrap(),
            r#"RemotePort="3389""#
        );
        assert!(as_logscale_glob(&StrMatch::literal("a*b", true)).is_none());
        assert!(
            as_logscale_glob(&glob(vec![Piece::Lit("a".into()), Piece::AnyChar], true)).is_none()
        );
        assert!(as_logscale_glob(&StrMatch::literal("ssh", false)).is_none());
        assert!(as_logscale_glob(&StrMatch::literal("a\nb", true)).is_none());
    }

    #[test]
    fn base_names_keep_only_exactly_expressible_shapes() {
        let ends = |s: &str| glob(vec![Piece::AnyString, Piece::Lit(s.into())], false);
        assert_eq!(
            base_name_glob(&ends("\\ssh.exe"), &['\\']),
            Some(StrMatch::literal("ssh.exe", false))
        );
        assert_eq!(
            base_name_glob(&ends("sh.exe"), &['\\']),
            Some(ends("sh.exe"))
        );
        assert_eq!(base_name_glob(&ends("\\bin\\ssh.exe"), &['\\']), None);
        assert_eq!(base_name_glob(&ends("\\"), &['\\']), None);
        assert_eq!(
            base_name_glob(&StrMatch::literal("C:\\x\\ssh.exe", false), &['\\']),
            None
        );
        let contains = glob(
            vec![Piece::AnyString, Piece::Lit("ssh".into()), Piece::AnyString],
            false,
        );
        assert_eq!(base_name_glob(&contains, &['\\']), None);
        assert_eq!(
            base_name_glob(&ends("/sshd"), &['/']),
            Some(StrMatch::literal("sshd", false))
        );
    }

    #[test]
    fn numbers_compare_numerically_and_only_on_number_fields() {
        assert_eq!(
            number_match(
                "RemotePort",
                FieldKind::Int,
                NumOp::Gt,
                Number::Int(1000),
                "x"
            )
            .unwrap(),
            "RemotePort>1000"
        );
        assert_eq!(
            number_match(
                "RemotePort",
                FieldKind::Int,
                NumOp::Eq,
                Number::Int(-1),
                "x"
            )
            .unwrap(),
            "test(RemotePort == -1)"
        );
        assert_eq!(
            number_match(
                "CommandLine",
                FieldKind::Text,
                NumOp::Eq,
                Number::Int(1),
                "x"
            )
            .unwrap_err()
            .construct,
            Construct::Number
        );
    }

    #[test]
    fn device_paths_refuse_anchored_and_drive_letter_values() {
        let refused = adapt_glob(
            &StrMatch::literal("C:\\Windows\\ssh.exe", false),
            FieldSemantics::NtDevicePath,
            "Image",
            "ImageFileName",
        );
        assert_eq!(refused.unwrap_err().construct, Construct::Wildcard);
        let ends = glob(
            vec![Piece::AnyString, Piece::Lit("\\ssh.exe".into())],
            false,
        );
        assert!(
            adapt_glob(
                &ends,
                FieldSemantics::NtDevicePath,
                "Image",
                "ImageFileName"
            )
            .is_ok()
        );
        assert!(
            check_regex_applies(
                FieldSemantics::NtDevicePath,
                "Image",
                "ImageFileName",
                r"\\ssh\.exe$"
            )
            .is_ok()
        );
        assert!(
            check_regex_applies(
                FieldSemantics::NtDevicePath,
                "Image",
                "ImageFileName",
                r"[^\\]+\.exe$"
            )
            .is_ok()
        );
        assert!(
            check_regex_applies(
                FieldSemantics::NtDevicePath,
                "Image",
                "ImageFileName",
                r"^C:\\"
            )
            .is_err()
        );
    }

    #[test]
    fn integrity_levels_translate_value_by_value() {
        let eq = |v: &str, cased: bool| Test::Str(StrMatch::literal(v, cased));
        let render = |t: &Test| integrity_level("IntegrityLevel", t, "IntegrityLevel");
        assert_eq!(render(&eq("High", false)).unwrap(), "IntegrityLevel=12288");
        assert_eq!(
            render(&eq("system", false)).unwrap(),
            "IntegrityLevel=16384"
        );
        assert_eq!(render(&eq("Medium", true)).unwrap(), "IntegrityLevel=8192");
        assert_eq!(
            render(&eq("S-1-16-16384", false)).unwrap(),
            "IntegrityLevel=16384"
        );
        assert_eq!(
            render(&eq("s-1-16-4096", false)).unwrap(),
            "IntegrityLevel=4096"
        );
        assert_eq!(render(&Test::Null).unwrap(), "IntegrityLevel!=*");
        // A cased value spelled differently from Sysmon, an unknown name, a
        // non-canonical SID and any wildcard are refused.
        for test in [
            eq("high", true),
            eq("s-1-16-4096", true),
            eq("AppContainer", false),
            eq("S-1-16-012288", false),
            Test::Str(glob(vec![Piece::Lit("Hi".into()), Piece::AnyString], false)),
        ] {
            assert_eq!(render(&test).unwrap_err().construct, Construct::Value);
        }
    }
}
