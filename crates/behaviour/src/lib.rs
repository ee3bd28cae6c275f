/*!
Native behaviour analytics: what a tunnel looks like over time, where no
single event gives it away and Sigma cannot state it.

Three analytics, each defined with its formula in `docs/behaviour.md`:

- **Beacons** ([`Analytic::Beacon`]): per (host, process, destination,
  port), connections at regular intervals and of regular sizes — a
  renamed agent checking in to a VPS on 443. A score in the spirit of
  RITA's and Elastic's beacon analytics (Bowley skew and MAD of the
  inter-arrival times, size regularity, hour coverage, count).
- **Long-lived connections** ([`Analytic::LongConnection`]): one
  connection lasting an hour or more to an external destination that few
  hosts talk to — an SSH forward still carrying RDP.
- **DNS information volume** ([`Analytic::DnsVolume`]): per (client,
  registered domain), the bits of distinct subdomain text sent in any
  hour — the channel of iodine, dnscat2 and friends. Sigma has no way to
  say "bits of subdomain per domain per window".

Which events feed an analytic is decided by the caller (the pack states
it as a Sigma rule, so filters and allowlists work as for any rule); this
crate sees typed observations ([`Connection`], [`DnsQuery`]) with times in
nanoseconds and opaque [`SourceRef`]s, and must not know about log
formats, rule matching or output.

Data flow: one [`Collector`] per worker; [`Collector::absorb`] merges them;
[`Collector::finish`] sorts every key's observations by (time, source) and
scores them, so the alerts are the same for any input order — Zeek writes
rows in flow-completion order, up to an hour late — and any number of
workers. State is bounded ([`Limits`]): per analytic at most
`max_keys` keys, per key at most `max_per_key` observations; past a cap
the *smallest* keys and the *earliest* observations are kept (see
[`bounded`]), so even a capped result does not depend on input order, and
what was dropped is counted in the [`Report`].
*/

mod beacon;
pub mod bounded;
mod collect;
pub mod dns;
mod longconn;
pub mod stats;

use std::fmt;
use std::str::FromStr;

pub use collect::Collector;
pub use tunnelhunt_correlate::{Nanos, SourceRef};

/// The analytics, a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Analytic {
    Beacon,
    LongConnection,
    DnsVolume,
}

impl Analytic {
    pub const ALL: [Analytic; 3] = [
        Analytic::Beacon,
        Analytic::LongConnection,
        Analytic::DnsVolume,
    ];

    /// The name a rule uses to feed the analytic (`behaviour: beacon`).
    pub fn as_str(self) -> &'static str {
        match self {
            Analytic::Beacon => "beacon",
            Analytic::LongConnection => "long_connection",
            Analytic::DnsVolume => "dns_volume",
        }
    }

    /// Whether the analytic reads connections (else DNS queries).
    pub fn reads_connections(self) -> bool {
        matches!(self, Analytic::Beacon | Analytic::LongConnection)
    }
}

impl fmt::Display for Analytic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no analytic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown behaviour analytic '{0}' (known: beacon, long_connection, dns_volume)")]
pub struct UnknownAnalytic(pub String);

impl FromStr for Analytic {
    type Err = UnknownAnalytic;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Analytic::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
            .ok_or_else(|| UnknownAnalytic(name.to_owned()))
    }
}

/// One network connection, as the analytics need it. Borrowed from the
/// caller's event: the collector copies only what it keeps (a new key, a
/// new host), so observing an event allocates nothing in the common case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Connection<'a> {
    /// The connecting host: its name where the log has one, else its
    /// address (Zeek's `id.orig_h`).
    pub host: &'a str,
    /// The connecting program, where the log knows it (Sysmon, MDE,
    /// auditd; not Zeek).
    pub process: Option<&'a str>,
    /// The destination address, or its name when no address is logged.
    pub destination: &'a str,
    pub port: Option<u16>,
    pub time: Option<Nanos>,
    /// Bytes in both directions, where logged (Zeek `orig_bytes` +
    /// `resp_bytes`).
    pub bytes: Option<u64>,
    /// Seconds, where logged (Zeek `duration`).
    pub duration: Option<f64>,
    pub source: SourceRef,
}

/// One DNS query, as the DNS analytic needs it (borrowed, like
/// [`Connection`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DnsQuery<'a> {
    /// The querying host: Zeek's `id.orig_h`, or the host name of an
    /// endpoint log.
    pub client: &'a str,
    /// The name asked for, as logged.
    pub name: &'a str,
    pub time: Option<Nanos>,
    pub source: SourceRef,
}

/// State bounds per analytic (see the crate docs for what is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Keys (beacon pairs, destinations, client–domain pairs).
    pub max_keys: usize,
    /// Observations kept per key (connections, distinct subdomains).
    pub max_per_key: usize,
    /// Evidence places an alert carries (the earliest ones).
    pub evidence_cap: usize,
}

impl Default for Limits {
    /// 1,000,000 keys × 4,096 observations: far above what a beacon or a
    /// DNS tunnel needs to be seen (a few hundred), and bounded. Most keys
    /// of a real network hold a handful of observations (a host reached a
    /// site once), about 100 bytes each, so a day of a few thousand hosts
    /// stays in a few hundred MB (`bench/behaviour.sh` measures it).
    fn default() -> Self {
        Limits {
            max_keys: 1_000_000,
            max_per_key: 4_096,
            evidence_cap: 20,
        }
    }
}

/// A named figure of an alert's evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub name: &'static str,
    pub value: f64,
}

/// One behaviour alert.
#[derive(Debug, Clone, PartialEq)]
pub struct BehaviourAlert {
    pub analytic: Analytic,
    /// In [0, 1]; the alert threshold per analytic is in `docs/behaviour.md`.
    pub score: f64,
    /// What the analytic groups by, as `(name, value)`: `host`, `process`,
    /// `destination`, `port`; or `client`, `domain`.
    pub key: Vec<(&'static str, String)>,
    pub first: Nanos,
    pub last: Nanos,
    /// Observations behind the score.
    pub count: u64,
    /// The measured figures (intervals, bytes, bits, hours…), in a fixed
    /// order per analytic.
    pub figures: Vec<Figure>,
    /// Sample values (the earliest distinct query names).
    pub samples: Vec<String>,
    /// The earliest contributing records, up to [`Limits::evidence_cap`].
    pub evidence: Vec<SourceRef>,
    pub evidence_total: u64,
}

impl BehaviourAlert {
    /// The value of key part `name`.
    pub fn key_value(&self, name: &str) -> Option<&str> {
        self.key
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the analytics could not use, per analytic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Observations without a usable timestamp.
    pub missing_time: Vec<(Analytic, u64)>,
    /// Keys and observations dropped at a [`Limits`] cap.
    pub dropped: Vec<(Analytic, u64)>,
}

/// Whether an address (or a name) is outside the organisation: not
/// private, loopback, link-local, shared (CGNAT), multicast, broadcast or
/// unspecified. A name (no address) counts as external: logs give names
/// for destinations they resolved, and internal names are the
/// allowlist's business.
pub fn is_external(destination: &str) -> bool {
    use std::net::IpAddr;
    match destination.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            let [a, b, ..] = ip.octets();
            !(ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_multicast()
                || ip.is_broadcast()
                || ip.is_unspecified()
                || (a == 100 && (64..128).contains(&b)))
        }
        Ok(IpAddr::V6(ip)) => {
            let first = ip.segments()[0];
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
        Err(_) => !destination.trim().is_empty(),
    }
}
