/*!
Deployable rule objects around rendered queries.

`tunnelhunt-backends` writes the query; a detection engineer deploys an
object around it — an Elastic detection rule, a Sentinel analytics rule, a
Splunk correlation search — with its schedule and look-back, severity and
risk, ATT&CK mapping and the investigation guide in the field the vendor
shows analysts. This crate builds those objects from a query text and the
rule's facts ([`RuleMeta`]): the Sigma metadata, the guide's sections
([`guide`]), the ATT&CK table kept as data ([`attack`]) and the schedule
defaults per level ([`schedule`]).

Every object is written through its format's own serializer (`toml`,
`serde_json`), never by pasting strings, so a title or guide holding
quotes, newlines or the format's metacharacters comes back exactly from
that format's parser (the injection property tests check it).

This crate knows nothing about log formats, scanning or how a query is
rendered: it takes the query text as the backend produced it.
*/

pub mod attack;
pub mod defender;
pub mod elastic;
pub mod guide;
pub mod logscale;
pub mod meta;
pub mod navigator;
pub mod objects;
pub mod qradar;
pub mod schedule;
pub mod secops;
pub mod sentinel;
pub mod splunk;
pub mod sumo;

pub use meta::{Kind, RuleMeta, Severity};
pub use objects::{Entry, File, Form, Objects, Platform};
pub use schedule::{Schedule, Schedules};

/// Why an object could not be built or a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("schedule configuration: {0}")]
    Config(String),
    #[error("{rule} has no id, and {target} needs one")]
    NoId { rule: String, target: &'static str },
    #[error("cannot serialize {what}: {reason}")]
    Serialize { what: &'static str, reason: String },
    #[error("{target}: {reason}")]
    Unsupported {
        target: &'static str,
        reason: String,
    },
    #[error("{rule}: Defender cannot run its query as a custom detection: {reason}")]
    DefenderQuery {
        rule: String,
        reason: defender::query::QueryProblem,
    },
    #[error("{target} cannot hold it: {reason}")]
    Refused {
        target: &'static str,
        reason: String,
    },
}
