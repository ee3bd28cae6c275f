//! The collector: observations in, in any order, from any number of
//! workers; scored alerts out, in one order.

use crate::bounded::{BoundedMap, Earliest, SmallestDistinct};
use crate::dns::{self, Distinct};
use crate::{
    Analytic, BehaviourAlert, Connection, DnsQuery, Figure, Limits, Nanos, Report, SourceRef,
    beacon, is_external, longconn,
};

/// (host, process, destination, port): what a connection series is of.
type ConnKey = (Box<str>, Option<Box<str>>, Box<str>, Option<u16>);

/// The distinct subdomains one client asked of one registered domain. The
/// DNS map is keyed by one string encoding both, so a key already held is
/// found from the borrowed query without allocating; the two parts are
/// kept here, made once per key.
#[derive(Debug, Clone)]
struct DnsPair {
    client: Box<str>,
    domain: Box<str>,
    distinct: Distinct,
}

/// One connection kept for the beacon score: time, source, bytes.
type Beat = (Nanos, SourceRef, Option<u64>);
/// One long connection: time, source, duration in milliseconds.
type Long = (Nanos, SourceRef, u64);

/// Observations of one worker, or of several merged.
#[derive(Debug, Clone)]
pub struct Collector {
    limits: Limits,
    /// Keyed by [`encode_connection`]: one allocation per new key.
    beacons: BoundedMap<Box<str>, Earliest<Beat>>,
    long: BoundedMap<Box<str>, Earliest<Long>>,
    /// Per destination, the distinct hosts that reached it (the smallest
    /// `RARE_MAX_HOSTS + 1` names: enough to tell rare from not).
    reached_by: BoundedMap<Box<str>, SmallestDistinct<Box<str>>>,
    /// Keyed by client and registered domain.
    dns: BoundedMap<Box<str>, DnsPair>,
    missing_time: [u64; 3],
    /// The encoded key of the observation being kept (reused).
    scratch: String,
}

impl Default for Collector {
    fn default() -> Self {
        Collector::new(Limits::default())
    }
}

fn slot(analytic: Analytic) -> usize {
    match analytic {
        Analytic::Beacon => 0,
        Analytic::LongConnection => 1,
        Analytic::DnsVolume => 2,
    }
}

impl Collector {
    pub fn new(limits: Limits) -> Self {
        Collector {
            limits,
            beacons: BoundedMap::new(limits.max_keys),
            long: BoundedMap::new(limits.max_keys),
            reached_by: BoundedMap::new(limits.max_keys),
            dns: BoundedMap::new(limits.max_keys),
            missing_time: [0; 3],
            scratch: String::new(),
        }
    }

    /// Keep a connection for `analytic` (one of the connection analytics).
    /// Connections to internal destinations are not kept: a beacon or a
    /// long session to a domain controller is how Windows works.
    pub fn push_connection(&mut self, analytic: Analytic, connection: Connection<'_>) {
        let Some(time) = connection.time else {
            self.missing_time[slot(analytic)] += 1;
            return;
        };
        if !is_external(connection.destination) {
            return;
        }
        let per_key = self.limits.max_per_key;
        if let Some(hosts) = self.reached_by.entry_by(connection.destination, || {
            (
                connection.destination.into(),
                SmallestDistinct::new(longconn::RARE_MAX_HOSTS + 1),
            )
        }) {
            hosts.insert_by(connection.host, || connection.host.into());
        }
        encode_connection(&mut self.scratch, &connection);
        match analytic {
            Analytic::Beacon => {
                if let Some(beats) = self.beacons.entry_by(self.scratch.as_str(), || {
                    (self.scratch.as_str().into(), Earliest::new(per_key))
                }) {
                    beats.push((time, connection.source, connection.bytes));
                }
            }
            Analytic::LongConnection => {
                if !longconn::qualifies(connection.duration, connection.port) {
                    return;
                }
                let millis = connection.duration.map_or(0, |d| (d * 1000.0) as u64);
                if let Some(long) = self.long.entry_by(self.scratch.as_str(), || {
                    (self.scratch.as_str().into(), Earliest::new(per_key))
                }) {
                    long.push((time, connection.source, millis));
                }
            }
            Analytic::DnsVolume => {}
        }
    }

    /// Keep a DNS query for the information-volume score. A name with no
    /// subdomain below its registered domain, or one shorter than
    /// [`dns::MIN_SUBDOMAIN_LEN`], is not kept.
    pub fn push_query(&mut self, query: DnsQuery<'_>) {
        let Some(time) = query.time else {
            self.missing_time[slot(Analytic::DnsVolume)] += 1;
            return;
        };
        let name = dns::normalise(query.name);
        let Some(domain) = dns::registered_domain(&name) else {
            return;
        };
        let Some(subdomain) = name
            .strip_suffix(domain)
            .and_then(|rest| rest.strip_suffix('.'))
            .filter(|s| s.len() - s.matches('.').count() >= dns::MIN_SUBDOMAIN_LEN)
        else {
            return;
        };
        let cap = self.limits.max_per_key;
        self.scratch.clear();
        self.scratch.push_str(query.client);
        self.scratch.push('\0');
        self.scratch.push_str(domain);
        if let Some(pair) = self.dns.entry_by(self.scratch.as_str(), || {
            let pair = DnsPair {
                client: query.client.into(),
                domain: domain.into(),
                distinct: Distinct::new(cap),
            };
            (self.scratch.as_str().into(), pair)
        }) {
            pair.distinct.push(subdomain, (time, query.source));
        }
    }

    /// Merge another worker's observations.
    pub fn absorb(&mut self, other: Collector) {
        self.beacons.absorb(other.beacons, Earliest::absorb);
        self.long.absorb(other.long, Earliest::absorb);
        self.reached_by
            .absorb(other.reached_by, SmallestDistinct::absorb);
        self.dns.absorb(other.dns, |mine, theirs| {
            mine.distinct.absorb(theirs.distinct)
        });
        for (mine, theirs) in self.missing_time.iter_mut().zip(other.missing_time) {
            *mine += theirs;
        }
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.beacons.is_empty()
            && self.long.is_empty()
            && self.dns.is_empty()
            && self.missing_time.iter().all(|n| *n == 0)
    }

    /// Score everything: alerts ordered by (analytic, first time, key).
    pub fn finish(self) -> (Vec<BehaviourAlert>, Report) {
        let limits = self.limits;
        let mut alerts = Vec::new();
        let mut dropped = [0u64; 3];

        let (series, keys_dropped) = self.beacons.into_sorted();
        dropped[0] += keys_dropped;
        for (encoded, beats) in series {
            let key = decode_connection(&encoded);
            let (beats, cut) = beats.into_sorted();
            dropped[0] += cut;
            let shaped: Vec<beacon::Beat> = beats
                .iter()
                .map(|&(time, _, bytes)| beacon::Beat { time, bytes })
                .collect();
            let Some((score, figures)) = beacon::score(&shaped) else {
                continue;
            };
            if score < beacon::THRESHOLD {
                continue;
            }
            let sources: Vec<SourceRef> = beats.iter().map(|b| b.1).collect();
            alerts.push(alert(
                Analytic::Beacon,
                score,
                connection_key(&key),
                (beats[0].0, beats[beats.len() - 1].0),
                figures,
                Vec::new(),
                &sources,
                limits,
            ));
        }

        let (reached, _) = self.reached_by.into_sorted();
        let reached: std::collections::HashMap<Box<str>, usize> = reached
            .into_iter()
            .map(|(dest, hosts)| (dest, hosts.len()))
            .collect();
        let (series, keys_dropped) = self.long.into_sorted();
        dropped[1] += keys_dropped;
        for (encoded, long) in series {
            let key = decode_connection(&encoded);
            let (long, cut) = long.into_sorted();
            dropped[1] += cut;
            let hosts = reached.get(&key.2).copied().unwrap_or(1);
            if hosts > longconn::RARE_MAX_HOSTS {
                continue;
            }
            let Some(longest) = long.iter().map(|l| l.2).max() else {
                continue;
            };
            let longest_s = longest as f64 / 1000.0;
            let end = long
                .iter()
                .map(|&(t, _, ms)| {
                    t.saturating_add(
                        i64::try_from(ms)
                            .unwrap_or(i64::MAX)
                            .saturating_mul(1_000_000),
                    )
                })
                .max()
                .unwrap_or(long[0].0);
            let figures = vec![
                Figure {
                    name: "connections",
                    value: long.len() as f64,
                },
                Figure {
                    name: "longest_s",
                    value: longest_s,
                },
                Figure {
                    name: "hosts_reaching_destination",
                    value: hosts as f64,
                },
            ];
            let sources: Vec<SourceRef> = long.iter().map(|l| l.1).collect();
            alerts.push(alert(
                Analytic::LongConnection,
                longconn::score(longest_s),
                connection_key(&key),
                (long[0].0, end),
                figures,
                Vec::new(),
                &sources,
                limits,
            ));
        }

        let (pairs, keys_dropped) = self.dns.into_sorted();
        dropped[2] += keys_dropped;
        for (
            _,
            DnsPair {
                client,
                domain,
                distinct,
            },
        ) in pairs
        {
            let queries = distinct.queries;
            dropped[2] += distinct.dropped;
            let seen = distinct.into_sorted();
            let Some((score, mut figures, window)) = dns::score(&seen) else {
                continue;
            };
            if score < dns::THRESHOLD || window.len() < dns::MIN_DISTINCT {
                continue;
            }
            figures.push(Figure {
                name: "queries",
                value: queries as f64,
            });
            let in_window = &seen[window];
            let samples = in_window
                .iter()
                .take(5)
                .map(|s| format!("{}.{domain}", s.subdomain))
                .collect();
            let sources: Vec<SourceRef> = in_window.iter().map(|s| s.source).collect();
            alerts.push(alert(
                Analytic::DnsVolume,
                score,
                vec![("client", client.into()), ("domain", domain.into())],
                (in_window[0].time, in_window[in_window.len() - 1].time),
                figures,
                samples,
                &sources,
                limits,
            ));
        }

        alerts.sort_by(|a, b| (a.analytic, a.first, &a.key).cmp(&(b.analytic, b.first, &b.key)));
        let report = Report {
            missing_time: Analytic::ALL
                .into_iter()
                .map(|a| (a, self.missing_time[slot(a)]))
                .filter(|(_, n)| *n > 0)
                .collect(),
            dropped: Analytic::ALL
                .into_iter()
                .map(|a| (a, dropped[slot(a)]))
                .filter(|(_, n)| *n > 0)
                .collect(),
        };
        (alerts, report)
    }
}

/// The map key of a connection: its parts separated by NUL, the process
/// marked present (`+`) or absent (`-`), a NUL inside a part (hostile
/// logs) replaced by U+FFFD so that the parts split back apart.
fn encode_connection(out: &mut String, connection: &Connection<'_>) {
    use std::fmt::Write as _;
    let part = |out: &mut String, text: &str| {
        if text.contains('\0') {
            out.push_str(&text.replace('\0', "\u{fffd}"));
        } else {
            out.push_str(text);
        }
    };
    out.clear();
    part(out, connection.host);
    out.push('\0');
    match connection.process {
        Some(process) => {
            out.push('+');
            part(out, process);
        }
        None => out.push('-'),
    }
    out.push('\0');
    part(out, connection.destination);
    out.push('\0');
    if let Some(port) = connection.port {
        let _ = write!(out, "{port}");
    }
}

/// The parts of a key [`encode_connection`] made.
fn decode_connection(encoded: &str) -> ConnKey {
    let mut parts = encoded.splitn(4, '\0');
    let host = parts.next().unwrap_or_default();
    let process = parts
        .next()
        .and_then(|p| p.strip_prefix('+'))
        .map(Into::into);
    let destination = parts.next().unwrap_or_default();
    let port = parts.next().and_then(|p| p.parse().ok());
    (host.into(), process, destination.into(), port)
}

fn connection_key(key: &ConnKey) -> Vec<(&'static str, String)> {
    let mut parts = vec![("host", key.0.to_string())];
    if let Some(process) = &key.1 {
        parts.push(("process", process.to_string()));
    }
    parts.push(("destination", key.2.to_string()));
    if let Some(port) = key.3 {
        parts.push(("port", port.to_string()));
    }
    parts
}

#[allow(clippy::too_many_arguments)]
fn alert(
    analytic: Analytic,
    score: f64,
    key: Vec<(&'static str, String)>,
    (first, last): (Nanos, Nanos),
    figures: Vec<Figure>,
    samples: Vec<String>,
    sources: &[SourceRef],
    limits: Limits,
) -> BehaviourAlert {
    BehaviourAlert {
        analytic,
        score: (score * 1000.0).round() / 1000.0,
        key,
        first,
        last,
        count: sources.len() as u64,
        figures,
        samples,
        evidence: sources.iter().take(limits.evidence_cap).copied().collect(),
        evidence_total: sources.len() as u64,
    }
}
