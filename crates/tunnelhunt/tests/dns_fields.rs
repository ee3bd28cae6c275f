//! The DNS query-name fields are defined twice on purpose — by the
//! readers, which compute them, and by the backends, which map or refuse
//! them — because neither crate may depend on the other. This crate links
//! both: the two lists must name the same fields.

use tunnelhunt_backends::derived::DERIVED_DNS_FIELDS;
use tunnelhunt_sources::dns_name::DerivedField;

#[test]
fn readers_and_backends_know_the_same_derived_fields() {
    let readers: Vec<&str> = DerivedField::ALL.iter().map(|f| f.name()).collect();
    let backends: Vec<&str> = DERIVED_DNS_FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(readers, backends);
}
