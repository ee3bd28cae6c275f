//! Fields tunnelhunt derives from a DNS query name, as the backends see
//! them: where a target computes one natively, and the refusal where it
//! does not.
//!
//! The readers (`tunnelhunt-sources`, `dns_name`) answer six fields on
//! every DNS event that are not in any log: the registered domain by the
//! public suffix list, the subdomain left of it, the subdomain's length,
//! the longest label's length, the label count and the subdomain's
//! character entropy. A rule that reads them is exact in `scan`; exported,
//! it is exact only where the target has the same value:
//!
//! | field | where a target has it |
//! |---|---|
//! | `QueryRegisteredDomain` | Elastic: `dns.question.registered_domain` (ECS; filled by Packetbeat, Elastic Agent and the `registered_domain` ingest processor, from the public suffix list) |
//! | `QuerySubdomain` | Elastic: `dns.question.subdomain` (ECS, same source) |
//! | `QuerySubdomainLength`, `QueryLongestLabelLength`, `QueryLabelCount`, `QuerySubdomainEntropy` | no target: none of the query languages can compute them from the name within a rule's filter with the same normalisation, and none has a public suffix list or a Shannon-entropy function built in |
//!
//! The Elastic mappings are rows of the EQL model's table like any other
//! field. Every other target refuses such a rule with [`refusal`], which
//! names the field and what it is, rather than the generic "no mapping":
//! the rule author learns that the field is tunnelhunt's, not a gap in a
//! table. [`is_derived`] also keeps a target's fallback for unknown fields
//! (EQL's `winlog.event_data.<name>`) from inventing a field no event has.
//!
//! The names are repeated here rather than imported: this crate must not
//! depend on the readers. A test in the binary's crate, which links both,
//! checks that the two lists are the same.

use crate::refusal::{Construct, Refusal};

/// A derived field's name and what it holds, for refusals and docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DerivedField {
    pub name: &'static str,
    pub what: &'static str,
}

/// Every field the readers derive from a DNS query name.
pub const DERIVED_DNS_FIELDS: [DerivedField; 6] = [
    DerivedField {
        name: "QueryRegisteredDomain",
        what: "the query name's registered domain by the public suffix list",
    },
    DerivedField {
        name: "QuerySubdomain",
        what: "the query name left of its registered domain",
    },
    DerivedField {
        name: "QuerySubdomainLength",
        what: "the length of the query name's subdomain",
    },
    DerivedField {
        name: "QueryLongestLabelLength",
        what: "the length of the query name's longest label",
    },
    DerivedField {
        name: "QueryLabelCount",
        what: "the number of labels of the query name",
    },
    DerivedField {
        name: "QuerySubdomainEntropy",
        what: "the Shannon entropy of the query name's subdomain",
    },
];

/// The derived field called `name` (exact, as the readers answer it).
pub fn derived(name: &str) -> Option<&'static DerivedField> {
    DERIVED_DNS_FIELDS.iter().find(|f| f.name == name)
}

/// Whether `name` is a field tunnelhunt derives from the query name.
pub fn is_derived(name: &str) -> bool {
    derived(name).is_some()
}

/// The refusal of a derived field that `scope` (a target's event set)
/// cannot compute.
pub(crate) fn refusal(field: &DerivedField, scope: &str) -> Refusal {
    Refusal::new(
        Construct::Field,
        format!(
            "field '{}' is computed by tunnelhunt ({}); '{scope}' has no native equivalent",
            field.name, field.what
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_field_and_what_it_is() {
        let field = derived("QuerySubdomainEntropy").unwrap();
        let refused = refusal(field, "DeviceEvents (DnsQueryResponse)");
        assert_eq!(refused.construct, Construct::Field);
        assert_eq!(
            refused.to_string(),
            "field: field 'QuerySubdomainEntropy' is computed by tunnelhunt (the Shannon \
             entropy of the query name's subdomain); 'DeviceEvents (DnsQueryResponse)' has no \
             native equivalent"
        );
        assert!(is_derived("QueryRegisteredDomain"));
        assert!(!is_derived("QueryName"));
        assert!(!is_derived("querysubdomain"));
    }
}
