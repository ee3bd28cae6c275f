//! The behaviour analytics in a run: which rules feed them, and how a
//! matching record becomes an observation.
//!
//! An analytic's input is stated as a Sigma rule carrying
//! `behaviour: <analytic>` (`rules/t1572/*_behaviour_*.yml`): its
//! detection says which events the analytic reads — outbound connections,
//! DNS queries — and its `filter_*` selections are the allowlist of known
//! false positives (NTP, update and telemetry services, failed TCP
//! attempts). So routing, the prefilter, `--rule` selection and Sigma
//! filters (`--filters`, the way to extend the allowlist) work for an
//! analytic as for any rule. Such a rule's own matches raise no alert: the
//! analytic's verdict does, with the rule's title, id, level and branch.
//! When several rules feed one analytic, their matches are pooled and the
//! first rule (load order) names the alerts.
//!
//! `tunnelhunt-behaviour` sees typed observations; this module reads them
//! from the events by Sigma taxonomy name, with the Zeek names where
//! Sigma has none (`duration`, `orig_bytes`, `resp_bytes`).

use jiff::Timestamp;
use tunnelhunt_behaviour::{Analytic, Collector, Connection, DnsQuery, SourceRef};
use tunnelhunt_engine::{Event, RuleId};
use tunnelhunt_sigma::ast::Rule;
use tunnelhunt_sources::{AnyEvent, Record};

use crate::correlations::{Gathered, InputFacts};
use crate::evaluate::record_number;

/// The rule attribute that makes a rule an analytic's input.
pub const ATTRIBUTE: &str = "behaviour";

/// The fields observations are read from: a reader that keeps only some
/// fields (`scan`'s projection) must keep these for the feeding rules.
pub const FIELDS: [&str; 12] = [
    "SourceIp",
    "DestinationIp",
    "DestinationHostname",
    "DestinationPort",
    "Image",
    "QueryName",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "Computer",
    "DeviceName",
    "hostname",
];

/// The analytics of a run and the rules feeding them.
#[derive(Debug)]
pub struct Behaviours<'a> {
    /// By [`RuleId`]: the analytic the rule feeds.
    pub feeds: Vec<Option<Analytic>>,
    /// Per analytic fed, the rule whose facts its alerts carry.
    pub named_by: Vec<(Analytic, &'a Rule)>,
}

/// A rule's `behaviour:` value that names no analytic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBehaviour {
    pub rule: String,
    pub reason: String,
}

impl<'a> Behaviours<'a> {
    /// The analytics `rules` (indexed by [`RuleId`]) feed; `None` when no
    /// rule feeds one. A rule naming an unknown analytic is reported and
    /// stays an ordinary rule.
    pub fn find(rules: &[&'a Rule]) -> (Option<Behaviours<'a>>, Vec<UnknownBehaviour>) {
        let mut problems = Vec::new();
        let feeds: Vec<Option<Analytic>> = rules
            .iter()
            .map(|rule| {
                let name = rule.meta.custom(ATTRIBUTE)?.as_str()?;
                match name.parse::<Analytic>() {
                    Ok(analytic) => Some(analytic),
                    Err(error) => {
                        problems.push(UnknownBehaviour {
                            rule: crate::ruleset::document_label(&rule.meta),
                            reason: error.to_string(),
                        });
                        None
                    }
                }
            })
            .collect();
        let named_by: Vec<(Analytic, &Rule)> = Analytic::ALL
            .into_iter()
            .filter_map(|analytic| {
                let id = feeds.iter().position(|f| *f == Some(analytic))?;
                Some((analytic, rules[id]))
            })
            .collect();
        let found = (!named_by.is_empty()).then_some(Behaviours { feeds, named_by });
        (found, problems)
    }

    /// The rule naming `analytic`'s alerts.
    pub fn rule_of(&self, analytic: Analytic) -> Option<&'a Rule> {
        self.named_by
            .iter()
            .find(|(a, _)| *a == analytic)
            .map(|(_, rule)| *rule)
    }

    /// Whether rule `id` feeds an analytic (and so raises no alert of its
    /// own).
    pub fn feeds(&self, id: RuleId) -> bool {
        self.feeds.get(id).is_some_and(Option::is_some)
    }
}

impl Gathered {
    /// Keep `record` (read from input number `input`) for every analytic
    /// a rule in `hits` feeds.
    pub fn observe_behaviour(
        &mut self,
        behaviours: &Behaviours<'_>,
        record: &Record,
        hits: &[RuleId],
        input: u32,
    ) {
        let mut fed: Vec<Analytic> = hits
            .iter()
            .filter_map(|&id| behaviours.feeds.get(id).copied().flatten())
            .collect();
        if fed.is_empty() {
            return;
        }
        fed.sort();
        fed.dedup();
        self.inputs.insert(
            input,
            InputFacts {
                format: record.origin.format,
                by_record: record.origin.record_id().is_some(),
            },
        );
        let source = SourceRef {
            input,
            position: record_number(record.origin.position),
        };
        let collector = self.behaviour.get_or_insert_with(Collector::default);
        let event = &record.event;
        for analytic in fed {
            if analytic.reads_connections() {
                let read = ConnectionFields::read(event);
                if let Some(connection) = read.connection(event, source) {
                    collector.push_connection(analytic, connection);
                }
            } else {
                // The querying address where the log has one (Zeek's
                // id.orig_h), else the host that logged it (Sysmon 22).
                let client = text(event, "SourceIp").or_else(|| event.host().map(str::to_owned));
                let name = text(event, "QueryName");
                if let (Some(client), Some(name)) = (client, name) {
                    collector.push_query(DnsQuery {
                        client: &client,
                        name: &name,
                        time: time(event),
                        source,
                    });
                }
            }
        }
    }
}

fn text(event: &dyn Event, field: &str) -> Option<String> {
    crate::output::first_text(event, field)
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty() && t != "-")
}

fn number(event: &dyn Event, field: &str) -> Option<f64> {
    text(event, field)?
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

fn time(event: &AnyEvent) -> Option<i64> {
    event
        .timestamp()
        .and_then(|t| t.trim().parse::<Timestamp>().ok())
        .and_then(|t| i64::try_from(t.as_nanosecond()).ok())
}

/// The connecting host: the name the log gives the machine, else the
/// connection's source address (Zeek).
fn host(event: &AnyEvent) -> Option<String> {
    event
        .host()
        .map(str::to_owned)
        .filter(|h| !h.trim().is_empty())
        .or_else(|| text(event, "SourceIp"))
}

/// The text fields of a connection, read from the event once.
struct ConnectionFields {
    host: Option<String>,
    process: Option<String>,
    destination: Option<String>,
}

impl ConnectionFields {
    fn read(event: &AnyEvent) -> ConnectionFields {
        ConnectionFields {
            host: host(event),
            process: text(event, "Image"),
            destination: text(event, "DestinationIp")
                .or_else(|| text(event, "DestinationHostname")),
        }
    }

    fn connection(&self, event: &AnyEvent, source: SourceRef) -> Option<Connection<'_>> {
        let bytes = match (number(event, "orig_bytes"), number(event, "resp_bytes")) {
            (None, None) => None,
            (a, b) => Some((a.unwrap_or(0.0) + b.unwrap_or(0.0)).max(0.0) as u64),
        };
        Some(Connection {
            host: self.host.as_deref()?,
            process: self.process.as_deref(),
            destination: self.destination.as_deref()?,
            port: text(event, "DestinationPort").and_then(|p| p.parse().ok()),
            time: time(event),
            bytes,
            duration: number(event, "duration"),
            source,
        })
    }
}
