//! Logsource routing: which rules an event may reach.
//!
//! A Sigma rule names the events it applies to by `logsource`
//! (category, product, service); an event says what it is through
//! [`EventKind`]. The correspondence is data — the tables in [`table`] — and
//! this module only interprets it:
//!
//! * `product`: must be equal when both the rule and the event name one
//!   (an event that names no product is compatible with every product);
//! * `service`: the event's declared `service` if it has one, else its
//!   `channel` must be one of the service's channels ([`SERVICES`], and
//!   for the `linux` services of syslog and journal messages
//!   [`LINUX_SERVICES`]);
//! * `category`: the event's declared `category` if it has one, else a
//!   [`CATEGORIES`] entry for that category must hold: EventID in the
//!   entry's list, the event from the entry's service (when the event says
//!   nothing about its channel or service this part is not checked), and
//!   the entry's field condition (`EventType` for registry categories),
//!   which is the one part decided per event rather than per kind;
//! * a rule with neither category nor service sees every event of its
//!   product (or every event, with no product).
//!
//! Comparisons are ASCII case-insensitive. A rule whose category or service
//! no table knows still matches events that declare it; [`is_known`] lets
//! the CLI warn about the others.

pub mod table;

pub use table::{
    CATEGORIES, CategoryEntry, DECLARED, DeclaredEntry, EQUIVALENT_CATEGORIES, FieldCondition,
    LINUX_SERVICES, SERVICES, SERVICES_BEYOND_THOR, ServiceEntry,
};
use tunnelhunt_sigma::ast::LogSource;

use crate::event::EventKind;

/// How one rule logsource relates to one kind of event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Never,
    Always,
    /// Only when one of these conditions holds for the event's fields.
    When(Vec<FieldCondition>),
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn compatible(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => eq(a, b),
        _ => true,
    }
}

/// The channels of a service, for a product (or any product).
pub fn service_channels<'a>(
    service: &'a str,
    product: Option<&'a str>,
) -> impl Iterator<Item = &'static str> + 'a {
    SERVICES
        .iter()
        .chain(SERVICES_BEYOND_THOR)
        .chain(LINUX_SERVICES)
        .filter(move |e| eq(e.service, service) && compatible(e.product, product))
        .flat_map(|e| e.channels.iter().copied())
}

/// Whether an event comes from `service`, judged by what it declares.
/// `lenient`: an event that names neither service nor channel passes.
fn from_service(service: &str, product: Option<&str>, kind: &EventKind<'_>, lenient: bool) -> bool {
    if let Some(s) = kind.service {
        return eq(s, service);
    }
    match kind.channel {
        Some(ch) => service_channels(service, product).any(|c| eq(c, ch)),
        None => lenient,
    }
}

/// Whether the tables know the rule's logsource (its category and service,
/// where set). Rules with an unknown logsource still match events that
/// declare it.
pub fn is_known(ls: &LogSource) -> bool {
    let product = ls.product.as_deref();
    let category_known = ls.category.as_deref().is_none_or(|c| {
        CATEGORIES
            .iter()
            .any(|e| eq(e.category, c) && compatible(e.product, product))
            || DECLARED
                .iter()
                .any(|e| e.category.is_some_and(|ec| eq(ec, c)) && compatible(e.product, product))
    });
    let service_known = ls.service.as_deref().is_none_or(|s| {
        SERVICES
            .iter()
            .chain(SERVICES_BEYOND_THOR)
            .chain(LINUX_SERVICES)
            .any(|e| eq(e.service, s) && compatible(e.product, product))
            || DECLARED
                .iter()
                .any(|e| e.service.is_some_and(|es| eq(es, s)) && compatible(e.product, product))
    });
    category_known && service_known
}

/// Decide whether events of `kind` reach rules with logsource `ls`.
pub fn decide(ls: &LogSource, kind: &EventKind<'_>) -> Decision {
    let product = ls.product.as_deref();
    if !compatible(product, kind.product) {
        return Decision::Never;
    }
    let mut decision = Decision::Always;
    if let Some(category) = ls.category.as_deref() {
        match kind.category {
            Some(declared) if !same_category(declared, category) => return Decision::Never,
            Some(_) => {}
            None => {
                decision = decide_category(category, product, kind);
                if decision == Decision::Never {
                    return decision;
                }
            }
        }
    }
    if let Some(service) = ls.service.as_deref()
        && !from_service(service, product, kind, false)
    {
        return Decision::Never;
    }
    decision
}

/// Equal, or listed together in [`EQUIVALENT_CATEGORIES`].
fn same_category(declared: &str, rule: &str) -> bool {
    eq(declared, rule)
        || EQUIVALENT_CATEGORIES
            .iter()
            .any(|group| group.iter().any(|c| eq(c, declared)) && group.iter().any(|c| eq(c, rule)))
}

fn decide_category(category: &str, product: Option<&str>, kind: &EventKind<'_>) -> Decision {
    let Some(id) = kind.event_id else {
        return Decision::Never;
    };
    let mut conditions = Vec::new();
    for entry in CATEGORIES {
        let applies = eq(entry.category, category)
            && compatible(entry.product, product)
            && compatible(entry.product, kind.product)
            && entry.event_ids.contains(&id)
            && entry
                .service
                .is_none_or(|s| from_service(s, entry.product.or(product), kind, true));
        if applies {
            match entry.field {
                None => return Decision::Always,
                Some(cond) => conditions.push(cond),
            }
        }
    }
    if conditions.is_empty() {
        Decision::Never
    } else {
        Decision::When(conditions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(category: Option<&str>, product: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            category: category.map(str::to_owned),
            product: product.map(str::to_owned),
            service: service.map(str::to_owned),
            definition: None,
        }
    }

    const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

    fn win(channel: &str, id: u32) -> EventKind<'_> {
        EventKind {
            product: Some("windows"),
            channel: Some(channel),
            event_id: Some(id),
            ..EventKind::default()
        }
    }

    #[test]
    fn process_creation_from_sysmon_and_security() {
        let pc = ls(Some("process_creation"), Some("windows"), None);
        assert_eq!(decide(&pc, &win(SYSMON, 1)), Decision::Always);
        assert_eq!(decide(&pc, &win("Security", 4688)), Decision::Always);
        assert_eq!(decide(&pc, &win("Security", 1)), Decision::Never);
        assert_eq!(decide(&pc, &win(SYSMON, 3)), Decision::Never);
        // An event that names no channel is judged by its EventID alone.
        let bare = EventKind {
            event_id: Some(1),
            ..EventKind::default()
        };
        assert_eq!(decide(&pc, &bare), Decision::Always);
        // A linux event never reaches a windows rule.
        let linux = EventKind {
            product: Some("linux"),
            event_id: Some(1),
            ..EventKind::default()
        };
        assert_eq!(decide(&pc, &linux), Decision::Never);
    }

    #[test]
    fn declared_category_wins() {
        let pc = ls(Some("process_creation"), Some("windows"), None);
        let mde = EventKind {
            product: Some("windows"),
            category: Some("process_creation"),
            ..EventKind::default()
        };
        assert_eq!(decide(&pc, &mde), Decision::Always);
        let other = EventKind {
            category: Some("network_connection"),
            event_id: Some(1),
            channel: Some(SYSMON),
            ..EventKind::default()
        };
        assert_eq!(decide(&pc, &other), Decision::Never);
    }

    #[test]
    fn declared_dns_reaches_dns_query_rules_and_back() {
        let zeek = EventKind {
            product: Some("zeek"),
            service: Some("dns"),
            category: Some("dns_query"),
            ..EventKind::default()
        };
        assert_eq!(
            decide(&ls(Some("dns"), None, None), &zeek),
            Decision::Always
        );
        assert_eq!(
            decide(&ls(Some("dns_query"), None, None), &zeek),
            Decision::Always
        );
        assert_eq!(
            decide(&ls(Some("dns_query"), Some("windows"), None), &zeek),
            Decision::Never
        );
        assert_eq!(
            decide(&ls(Some("network_connection"), None, None), &zeek),
            Decision::Never
        );
    }

    #[test]
    fn registry_categories_need_event_type() {
        let add = ls(Some("registry_add"), Some("windows"), None);
        match decide(&add, &win(SYSMON, 12)) {
            Decision::When(c) => assert_eq!(c[0].values, &["CreateKey"]),
            d => panic!("{d:?}"),
        }
        let event = ls(Some("registry_event"), Some("windows"), None);
        assert_eq!(decide(&event, &win(SYSMON, 12)), Decision::Always);
        assert_eq!(decide(&event, &win(SYSMON, 13)), Decision::Always);
    }

    #[test]
    fn services_by_channel_or_declaration() {
        let sec = ls(None, Some("windows"), Some("security"));
        assert_eq!(decide(&sec, &win("Security", 4624)), Decision::Always);
        assert_eq!(decide(&sec, &win("System", 7045)), Decision::Never);
        let ps = ls(None, Some("windows"), Some("powershell"));
        assert_eq!(
            decide(&ps, &win("PowerShellCore/Operational", 4104)),
            Decision::Always
        );
        let zeek = ls(None, Some("zeek"), Some("dns"));
        let declared = EventKind {
            product: Some("zeek"),
            service: Some("dns"),
            ..EventKind::default()
        };
        assert_eq!(decide(&zeek, &declared), Decision::Always);
        assert_eq!(decide(&zeek, &EventKind::default()), Decision::Never);
    }

    #[test]
    fn services_beyond_thor_route_by_their_channels() {
        for (service, channel) in [
            ("dns-server", "DNS Server"),
            (
                "dns-server-analytic",
                "Microsoft-Windows-DNS-Server/Analytical",
            ),
            (
                "driver-framework",
                "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
            ),
            (
                "microsoft-servicebus-client",
                "Microsoft-ServiceBus-Client/Operational",
            ),
        ] {
            let rule = ls(None, Some("windows"), Some(service));
            assert!(is_known(&rule), "{service}");
            assert_eq!(
                decide(&rule, &win(channel, 1)),
                Decision::Always,
                "{service}"
            );
            assert_eq!(
                decide(&rule, &win("System", 1)),
                Decision::Never,
                "{service}"
            );
        }
    }

    #[test]
    fn product_only_rules_see_the_whole_product() {
        let w = ls(None, Some("windows"), None);
        assert_eq!(decide(&w, &win("Whatever", 1)), Decision::Always);
        let any = ls(None, None, None);
        assert_eq!(decide(&any, &EventKind::default()), Decision::Always);
    }

    #[test]
    fn known_logsources() {
        assert!(is_known(&ls(
            Some("process_creation"),
            Some("windows"),
            None
        )));
        assert!(is_known(&ls(None, Some("windows"), Some("sysmon"))));
        assert!(is_known(&ls(Some("process_creation"), Some("linux"), None)));
        assert!(is_known(&ls(None, Some("windows"), None)));
        assert!(!is_known(&ls(Some("no_such_thing"), Some("windows"), None)));
        assert!(!is_known(&ls(None, Some("windows"), Some("nope"))));
    }
}
