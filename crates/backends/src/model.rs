//! Field-mapping tables: which events of the target a Sigma logsource
//! selects, and what a Sigma field is called there.
//!
//! Every backend keeps its data model as `const` tables of these types, so
//! a reviewer can read "Sigma `Image` in `process_creation` is
//! `FolderPath` in `DeviceProcessEvents`" without reading rendering code,
//! and a test can list every mapping. A field with no mapping is a
//! [`Refusal`], never dropped: dropping a predicate silently widens the
//! query.

use tunnelhunt_sigma::ast::LogSource;

use crate::refusal::{Construct, Refusal};

/// The logsource a scope serves. `None` parts are explained on
/// [`Scope::serves`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogsourceKey {
    pub product: Option<&'static str>,
    pub category: Option<&'static str>,
    pub service: Option<&'static str>,
}

impl LogsourceKey {
    pub const fn category(product: &'static str, category: &'static str) -> LogsourceKey {
        LogsourceKey {
            product: Some(product),
            category: Some(category),
            service: None,
        }
    }

    /// A category on any product (UDM, CSE and JSON shapes that are the
    /// same whatever the operating system).
    pub const fn any_product(category: &'static str) -> LogsourceKey {
        LogsourceKey {
            product: None,
            category: Some(category),
            service: None,
        }
    }

    pub const fn service(product: &'static str, service: &'static str) -> LogsourceKey {
        LogsourceKey {
            product: Some(product),
            category: None,
            service: Some(service),
        }
    }
}

/// What kind of value a target field holds; decides operators (a number
/// column takes `in (4, 8)`, not `in~ ("4", "8")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Int,
    Ip,
    Bool,
}

/// One Sigma field and its name in the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMap {
    pub sigma: &'static str,
    pub target: &'static str,
    pub kind: FieldKind,
}

impl FieldMap {
    pub const fn text(sigma: &'static str, target: &'static str) -> FieldMap {
        FieldMap {
            sigma,
            target,
            kind: FieldKind::Text,
        }
    }

    pub const fn int(sigma: &'static str, target: &'static str) -> FieldMap {
        FieldMap {
            sigma,
            target,
            kind: FieldKind::Int,
        }
    }

    pub const fn ip(sigma: &'static str, target: &'static str) -> FieldMap {
        FieldMap {
            sigma,
            target,
            kind: FieldKind::Ip,
        }
    }

    pub const fn bool(sigma: &'static str, target: &'static str) -> FieldMap {
        FieldMap {
            sigma,
            target,
            kind: FieldKind::Bool,
        }
    }
}

/// A set of target events (a table, a sourcetype + EventCode, an event
/// category, a UDM event type, a Falcon event name) and its fields.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub key: LogsourceKey,
    /// Human name for messages and comments (`DeviceProcessEvents`).
    pub name: &'static str,
    /// The target-language text that selects these events, as the backend
    /// needs it (table name, search prefix, event filter). Backends decide
    /// how to use it; it is data so that it is reviewed with the fields.
    pub selector: &'static str,
    pub fields: &'static [FieldMap],
}

impl Scope {
    /// Whether this scope holds the events of a rule's logsource.
    ///
    /// * category must be equal (both absent counts as equal): it is what
    ///   picks the table;
    /// * product: equal when both are given; a rule without a product
    ///   applies to every product, so it fits, and a scope without one
    ///   holds every product;
    /// * service: equal when both are given; a scope that needs a service
    ///   does not fit a rule that names none.
    pub(crate) fn serves(&self, logsource: &LogSource) -> bool {
        let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let category_fits = match (self.key.category, logsource.category.as_deref()) {
            (Some(a), Some(b)) => eq(a, b),
            (None, None) => true,
            _ => false,
        };
        let product_fits = match (self.key.product, logsource.product.as_deref()) {
            (Some(a), Some(b)) => eq(a, b),
            _ => true,
        };
        let service_fits = match (self.key.service, logsource.service.as_deref()) {
            (Some(a), Some(b)) => eq(a, b),
            (Some(_), None) => false,
            (None, _) => true,
        };
        category_fits && product_fits && service_fits
    }

    /// Every mapping of a Sigma field (usually one; some targets fan one
    /// Sigma field out to several properties). Exact name first; Sigma
    /// field names are matched ASCII-case-insensitively as a fallback
    /// because rule authors write `commandline` as often as `CommandLine`.
    pub(crate) fn fields_named(&self, sigma_field: &str) -> Vec<&'static FieldMap> {
        let exact: Vec<_> = self
            .fields
            .iter()
            .filter(|f| f.sigma == sigma_field)
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        self.fields
            .iter()
            .filter(|f| f.sigma.eq_ignore_ascii_case(sigma_field))
            .collect()
    }

    /// The one mapping of a Sigma field, or a refusal naming it (saying
    /// so when it is a field tunnelhunt derives, see [`crate::derived`]).
    pub fn field(&self, sigma_field: &str) -> Result<&'static FieldMap, Refusal> {
        self.fields_named(sigma_field)
            .into_iter()
            .next()
            .ok_or_else(|| match crate::derived::derived(sigma_field) {
                Some(derived) => crate::derived::refusal(derived, self.name),
                None => Refusal::new(
                    Construct::Field,
                    format!("field '{sigma_field}' has no mapping in '{}'", self.name),
                ),
            })
    }
}

/// A target's data model: its scopes, in priority order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataModel {
    /// `Defender XDR Advanced Hunting`, `Splunk Sysmon add-on`, …
    pub name: &'static str,
    pub scopes: &'static [Scope],
}

impl DataModel {
    /// The first scope that serves the rule's logsource.
    pub(crate) fn scope_for(&self, logsource: &LogSource) -> Result<&'static Scope, Refusal> {
        self.scopes
            .iter()
            .find(|s| s.serves(logsource))
            .ok_or_else(|| {
                Refusal::new(
                    Construct::Logsource,
                    format!(
                        "logsource '{}' has no table in the '{}' data model",
                        logsource_label(logsource),
                        self.name
                    ),
                )
            })
    }
}

/// `product/category/service`, with `-` for parts not given.
pub fn logsource_label(logsource: &LogSource) -> String {
    let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "-".to_owned());
    format!(
        "{}/{}/{}",
        part(&logsource.product),
        part(&logsource.category),
        part(&logsource.service)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[FieldMap] = &[
        FieldMap::text("Image", "FolderPath"),
        FieldMap::int("ProcessId", "ProcessId"),
    ];
    const MODEL: DataModel = DataModel {
        name: "test",
        scopes: &[
            Scope {
                key: LogsourceKey::category("windows", "process_creation"),
                name: "Procs",
                selector: "Procs",
                fields: FIELDS,
            },
            Scope {
                key: LogsourceKey::service("windows", "security"),
                name: "Security",
                selector: "Security",
                fields: &[],
            },
        ],
    };

    fn ls(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            product: product.map(str::to_owned),
            category: category.map(str::to_owned),
            service: service.map(str::to_owned),
            definition: None,
        }
    }

    #[test]
    fn scopes_follow_sigma_logsource_semantics() {
        let procs = |l| MODEL.scope_for(&l).map(|s| s.name);
        assert_eq!(
            procs(ls(Some("windows"), Some("process_creation"), None)),
            Ok("Procs")
        );
        assert_eq!(procs(ls(None, Some("process_creation"), None)), Ok("Procs"));
        assert_eq!(
            procs(ls(Some("windows"), None, Some("security"))),
            Ok("Security")
        );
        let refused = MODEL
            .scope_for(&ls(Some("linux"), Some("process_creation"), None))
            .unwrap_err();
        assert_eq!(refused.construct, Construct::Logsource);
        assert!(
            refused.detail.contains("linux/process_creation/-"),
            "{refused}"
        );
        assert!(MODEL.scope_for(&ls(Some("windows"), None, None)).is_err());
    }

    #[test]
    fn field_lookup_is_exact_then_case_insensitive_and_refuses_unknown() {
        let scope = &MODEL.scopes[0];
        assert_eq!(scope.field("Image").unwrap().target, "FolderPath");
        assert_eq!(scope.field("image").unwrap().target, "FolderPath");
        let refused = scope.field("Description").unwrap_err();
        assert_eq!(refused.construct, Construct::Field);
        assert_eq!(
            refused.to_string(),
            "field: field 'Description' has no mapping in 'Procs'"
        );
    }
}
