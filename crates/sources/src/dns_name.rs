//! Fields derived from a DNS query name, for rules that judge a name by its
//! shape rather than by a list of names.
//!
//! A DNS tunnel hides data in the labels left of a domain its operator
//! owns: many distinct, long, high-entropy subdomains under one registered
//! domain. A Sigma rule can only say that if the event carries the parts
//! and figures of the name as fields, so every DNS event whose query name
//! is known (Zeek dns.log, Sysmon EventID 22 from EVTX, evtx-JSON or XML,
//! Defender DNS events, ECS `dns.question.name`) answers these names too
//! ([`DerivedField`]). They are computed when a rule or an output asks for
//! one, from the event's `QueryName`, never while a record is read: a scan
//! whose rules do not name them pays nothing, and non-DNS records have no
//! `QueryName` to derive from.
//!
//! **Normalisation.** One trailing dot is removed (Zeek and the
//! `dns-names` corpus write absolute names, Sysmon does not) and ASCII
//! letters are lower-cased (DNS compares names ASCII-case-insensitively,
//! RFC 4343; tunnels such as iodine mix case on the wire). Other characters
//! are kept as they are. A name that is empty after this has no derived
//! fields (they look up as absent).
//!
//! **Registered domain.** The public suffix list as compiled into the
//! `psl` crate (ICANN and private sections; the list's version is the
//! crate's, pinned in the workspace `Cargo.toml`): the public suffix plus
//! one label. `a.b.example.co.uk` → `example.co.uk`, `x.shop.com.br` →
//! `shop.com.br`. Two edge cases, decided so that every name has one:
//! - a name that is itself a public suffix (`co.uk`, `com`, or a private
//!   one such as `blogspot.com`) is its own registered domain, with an
//!   empty subdomain;
//! - a name under no listed suffix (`host.corp.local`, `wpad`) follows the
//!   list's default rule `*`: its last label is the suffix, so
//!   `host.corp.local` → `corp.local`, and a single label is its own
//!   registered domain.
//!
//! **Figures** (characters are Unicode scalar values; for the ASCII names
//! DNS carries, bytes):
//! - `QuerySubdomain`: the name left of the registered domain, without the
//!   dot between them; `""` when there is none.
//! - `QuerySubdomainLength`: its length in characters, dots included.
//! - `QueryLongestLabelLength`: the longest label of the whole name.
//! - `QueryLabelCount`: the labels of the whole name; an empty label
//!   between two dots (`a..b.org`, which some captures hold) counts.
//! - `QuerySubdomainEntropy`: the Shannon entropy of the subdomain's
//!   characters with its dots left out, `H = −Σ p(c) · log2 p(c)` over the
//!   distinct characters `c`, `p(c)` = occurrences / length, in bits per
//!   character, rounded to two decimals; 0 for an empty subdomain.
//!
//! Lengths and counts are integers and the entropy a float, so Sigma's
//! numeric modifiers (`|gt`, `|gte`, …) compare them as numbers.

use std::borrow::Cow;

use tunnelhunt_engine::{FieldValue, Lookup};

/// The Sigma field a derived figure or part is looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DerivedField {
    RegisteredDomain,
    Subdomain,
    SubdomainLength,
    LongestLabelLength,
    LabelCount,
    SubdomainEntropy,
}

impl DerivedField {
    /// Every derived field, in the order the README documents them.
    pub const ALL: [DerivedField; 6] = [
        DerivedField::RegisteredDomain,
        DerivedField::Subdomain,
        DerivedField::SubdomainLength,
        DerivedField::LongestLabelLength,
        DerivedField::LabelCount,
        DerivedField::SubdomainEntropy,
    ];

    /// The name rules use.
    pub const fn name(self) -> &'static str {
        match self {
            DerivedField::RegisteredDomain => "QueryRegisteredDomain",
            DerivedField::Subdomain => "QuerySubdomain",
            DerivedField::SubdomainLength => "QuerySubdomainLength",
            DerivedField::LongestLabelLength => "QueryLongestLabelLength",
            DerivedField::LabelCount => "QueryLabelCount",
            DerivedField::SubdomainEntropy => "QuerySubdomainEntropy",
        }
    }

    /// The derived field called `name`, if it is one. Called for every
    /// lookup a record cannot answer itself, so it rejects other names
    /// on their first bytes.
    pub fn from_name(name: &str) -> Option<DerivedField> {
        if !name.starts_with("QueryL") && !name.starts_with("QueryS") && !name.starts_with("QueryR")
        {
            return None;
        }
        DerivedField::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The field every derived field is computed from.
pub const QUERY_NAME: &str = "QueryName";

/// A query name, normalised, with the place where its registered domain
/// starts. It borrows the name when normalising changes nothing (Zeek
/// writes names lower-case, without the trailing dot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryNameParts<'a> {
    normalized: Cow<'a, str>,
    /// Byte offset of the registered domain in `normalized`.
    registered_start: usize,
}

/// `name` without one trailing dot; `None` when nothing is left.
fn trimmed(name: &str) -> Option<&str> {
    Some(name.strip_suffix('.').unwrap_or(name)).filter(|n| !n.is_empty())
}

impl<'a> QueryNameParts<'a> {
    /// The parts of `name`; `None` when nothing is left after removing a
    /// trailing dot.
    pub fn of(name: &'a str) -> Option<QueryNameParts<'a>> {
        let trimmed = trimmed(name)?;
        let normalized = if trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(trimmed.to_ascii_lowercase())
        } else {
            Cow::Borrowed(trimmed)
        };
        let registered_len = registered_domain_len(&normalized);
        Some(QueryNameParts {
            registered_start: normalized.len() - registered_len,
            normalized,
        })
    }

    /// The whole name, normalised.
    pub fn name(&self) -> &str {
        &self.normalized
    }

    pub fn registered_domain(&self) -> &str {
        &self.normalized[self.registered_start..]
    }

    pub fn subdomain(&self) -> &str {
        match self.registered_start {
            0 => "",
            // The dot between the subdomain and the registered domain.
            start => &self.normalized[..start - 1],
        }
    }

    pub fn subdomain_length(&self) -> usize {
        self.subdomain().chars().count()
    }

    pub fn longest_label_length(&self) -> usize {
        longest_label_length(&self.normalized)
    }

    pub fn label_count(&self) -> usize {
        label_count(&self.normalized)
    }

    /// Bits per character of the subdomain's characters, dots left out,
    /// rounded to two decimals (see the module docs).
    pub fn subdomain_entropy(&self) -> f64 {
        let mut counts: Vec<(char, u32)> = Vec::new();
        let mut total = 0u32;
        for c in self.subdomain().chars().filter(|&c| c != '.') {
            total += 1;
            match counts.iter_mut().find(|(seen, _)| *seen == c) {
                Some((_, n)) => *n += 1,
                None => counts.push((c, 1)),
            }
        }
        if total == 0 {
            return 0.0;
        }
        let total = f64::from(total);
        let bits: f64 = counts
            .iter()
            .map(|&(_, n)| {
                let p = f64::from(n) / total;
                -p * p.log2()
            })
            .sum();
        // `+ 0.0` turns the −0.0 of a one-character alphabet into 0.
        (bits * 100.0).round() / 100.0 + 0.0
    }

    /// The value of `field` for this name.
    pub fn value(&self, field: DerivedField) -> FieldValue<'static> {
        let count = |n: usize| FieldValue::Int(i64::try_from(n).unwrap_or(i64::MAX));
        match field {
            DerivedField::RegisteredDomain => {
                FieldValue::Str(Cow::Owned(self.registered_domain().to_owned()))
            }
            DerivedField::Subdomain => FieldValue::Str(Cow::Owned(self.subdomain().to_owned())),
            DerivedField::SubdomainLength => count(self.subdomain_length()),
            DerivedField::LongestLabelLength => count(self.longest_label_length()),
            DerivedField::LabelCount => count(self.label_count()),
            DerivedField::SubdomainEntropy => FieldValue::Float(self.subdomain_entropy()),
        }
    }
}

/// Case does not change lengths and counts: they are read from the name as
/// it is, without normalising it or finding its registered domain.
fn longest_label_length(name: &str) -> usize {
    name.split('.')
        .map(|label| label.chars().count())
        .max()
        .unwrap_or(0)
}

fn label_count(name: &str) -> usize {
    name.split('.').count()
}

/// The length in bytes of the registered domain at the end of `name`
/// (normalised): the public suffix and one more label, the whole name when
/// it is a suffix itself, the last two labels (the default rule `*`) when
/// no listed suffix applies.
fn registered_domain_len(name: &str) -> usize {
    if let Some(domain) = psl::domain(name.as_bytes()) {
        return domain.as_bytes().len();
    }
    // No label left of the suffix: the name is a suffix, its own domain.
    name.len()
}

/// `field` derived from a record's `QueryName` lookup: one value per
/// query name (a list stays a list), absent without a usable name.
pub fn derive(field: DerivedField, query_name: &Lookup<'_>) -> Lookup<'static> {
    let count = |n: usize| FieldValue::Int(i64::try_from(n).unwrap_or(i64::MAX));
    let value = |v: &FieldValue<'_>| {
        let text = v.as_text()?;
        match field {
            DerivedField::LabelCount => trimmed(&text).map(|name| count(label_count(name))),
            DerivedField::LongestLabelLength => {
                trimmed(&text).map(|name| count(longest_label_length(name)))
            }
            _ => QueryNameParts::of(&text).map(|parts| parts.value(field)),
        }
    };
    match query_name {
        Lookup::Absent => Lookup::Absent,
        Lookup::One(v) => value(v).map_or(Lookup::Absent, Lookup::One),
        Lookup::Many(vs) => {
            let values: Vec<_> = vs.iter().filter_map(value).collect();
            if values.is_empty() {
                Lookup::Absent
            } else {
                Lookup::Many(values)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str) -> QueryNameParts<'_> {
        QueryNameParts::of(name).unwrap()
    }

    #[test]
    fn registered_domains_follow_the_public_suffix_list() {
        for (name, domain, sub) in [
            ("www.example.com", "example.com", "www"),
            ("a.b.example.co.uk.", "example.co.uk", "a.b"),
            ("x.shop.com.br", "shop.com.br", "x"),
            ("example.com", "example.com", ""),
            // A name that is itself a suffix is its own domain.
            ("co.uk", "co.uk", ""),
            ("com.", "com", ""),
            ("blogspot.com", "blogspot.com", ""),
            // Private-section suffixes: each customer's name is a domain.
            ("me.blogspot.com", "me.blogspot.com", ""),
            ("a.me.blogspot.com", "me.blogspot.com", "a"),
            // No listed suffix: the default rule `*`.
            ("host.corp.local", "corp.local", "host"),
            ("wpad", "wpad", ""),
            ("1.0.168.192.in-addr.arpa", "192.in-addr.arpa", "1.0.168"),
        ] {
            let p = parts(name);
            assert_eq!(
                (p.registered_domain(), p.subdomain()),
                (domain, sub),
                "{name}"
            );
        }
    }

    #[test]
    fn case_and_trailing_dot_are_normalised() {
        let p = parts("MZXW6YTBOI.HideMySelf.ORG.");
        assert_eq!(p.name(), "mzxw6ytboi.hidemyself.org");
        assert_eq!(p.registered_domain(), "hidemyself.org");
        assert_eq!(p.subdomain(), "mzxw6ytboi");
        assert!(matches!(
            QueryNameParts::of("a.example.org").unwrap().normalized,
            Cow::Borrowed(_)
        ));
        assert_eq!(QueryNameParts::of("."), None);
        assert_eq!(QueryNameParts::of(""), None);
    }

    #[test]
    fn figures() {
        let p = parts("ab.cdef.example.com.");
        assert_eq!(p.subdomain_length(), 7);
        assert_eq!(p.longest_label_length(), 7);
        assert_eq!(p.label_count(), 4);
        // a b c d e f once each: log2 6 = 2.584…
        assert_eq!(p.subdomain_entropy(), 2.58);
        assert_eq!(parts("aaaa.example.com").subdomain_entropy(), 0.0);
        assert_eq!(parts("example.com").subdomain_entropy(), 0.0);
        assert_eq!(parts("abab.example.com").subdomain_entropy(), 1.0);
        // An empty label counts as a label.
        assert_eq!(parts("a..hidemyself.org.").label_count(), 4);
    }

    #[test]
    fn values_are_numbers_where_they_are_figures() {
        let p = parts("abc.example.com");
        assert_eq!(p.value(DerivedField::SubdomainLength), FieldValue::Int(3));
        assert_eq!(p.value(DerivedField::LabelCount), FieldValue::Int(3));
        assert_eq!(
            p.value(DerivedField::SubdomainEntropy),
            FieldValue::Float(1.58)
        );
        assert_eq!(
            p.value(DerivedField::RegisteredDomain),
            FieldValue::Str(Cow::Borrowed("example.com"))
        );
    }

    #[test]
    fn names_round_trip_and_others_are_not_derived() {
        for field in DerivedField::ALL {
            assert_eq!(DerivedField::from_name(field.name()), Some(field));
        }
        for other in ["QueryName", "QueryResults", "Query", "querysubdomain", ""] {
            assert_eq!(DerivedField::from_name(other), None, "{other}");
        }
    }

    #[test]
    fn derive_keeps_lists_and_absence() {
        let one = Lookup::One(FieldValue::Str(Cow::Borrowed("a.example.org")));
        assert_eq!(
            derive(DerivedField::Subdomain, &one),
            Lookup::One(FieldValue::Str(Cow::Borrowed("a")))
        );
        assert_eq!(
            derive(DerivedField::Subdomain, &Lookup::Absent),
            Lookup::Absent
        );
        let many = Lookup::Many(vec![
            FieldValue::Str(Cow::Borrowed("x.a.org")),
            FieldValue::Null,
        ]);
        assert_eq!(
            derive(DerivedField::LabelCount, &many),
            Lookup::Many(vec![FieldValue::Int(3)])
        );
        // The direct paths agree with the parts.
        for name in ["A.b.Example.CO.uk.", "x", "a..b.org", "."] {
            let one = Lookup::One(FieldValue::Str(Cow::Borrowed(name)));
            let by_parts =
                |f| QueryNameParts::of(name).map_or(Lookup::Absent, |p| Lookup::One(p.value(f)));
            for f in [DerivedField::LabelCount, DerivedField::LongestLabelLength] {
                assert_eq!(derive(f, &one), by_parts(f), "{name}");
            }
        }
    }
}
