//! The DNS information-volume score: bits of distinct subdomain text per
//! (client, registered domain) in any hour.
//!
//! A DNS tunnel must move its data in the names it asks for, below a
//! domain it controls; a resolver-side view sees that as many distinct,
//! long, high-entropy subdomains of one registered domain from one client.
//! The score counts each distinct subdomain once (retries and caching
//! artefacts carry no new data), weighs it by its length times its
//! character entropy (an estimate of the bits it can carry), and takes the
//! busiest hour. `docs/behaviour.md` gives the thresholds and why.

use crate::stats::entropy_bits_per_byte;
use crate::{Figure, Nanos, SourceRef};

/// The sliding window.
pub const WINDOW_NANOS: Nanos = 3600 * 1_000_000_000;
/// Bits in the busiest window at which the score reaches 1.
pub const FULL_BITS: f64 = 40_000.0;
/// A score at or above this (20,000 bits in an hour) raises an alert…
pub const THRESHOLD: f64 = 0.5;
/// …when the window also holds this many distinct subdomains: a handful
/// of long names (a DKIM key lookup) is not a channel.
pub const MIN_DISTINCT: usize = 40;

/// Subdomains shorter than this (dots excluded) are not kept: at most 4
/// bits a character, they carry a few dozen bits each, so a channel made
/// of them would need thousands of distinct names an hour — while `www`,
/// `api`, `mail` and their like are most of every resolver's traffic.
/// Skipping them keeps the state to the names that can matter.
pub const MIN_SUBDOMAIN_LEN: usize = 8;

/// The registered domain of a query name (public-suffix list, ICANN and
/// private sections): `a.b.example.co.uk` → `example.co.uk`. `None` for a
/// name that is a public suffix itself, has no known suffix, or is a
/// reverse lookup (`*.arpa`: its labels are an address, not data). The
/// name is expected lower-case without a trailing dot ([`normalise`]).
pub fn registered_domain(name: &str) -> Option<&str> {
    if name.ends_with(".arpa") || name == "arpa" {
        return None;
    }
    psl::domain_str(name)
}

/// A query name as the score compares it: ASCII lower case, without the
/// root's trailing dot (borrowed when it already is: Zeek writes names
/// lower-cased).
pub fn normalise(name: &str) -> std::borrow::Cow<'_, str> {
    let name = name.trim().trim_end_matches('.');
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(name.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// The bits a subdomain can carry: its length times the entropy of its
/// characters, labels' dots excluded.
pub fn subdomain_bits(subdomain: &str) -> f64 {
    let letters: String = subdomain.chars().filter(|c| *c != '.').collect();
    letters.len() as f64 * entropy_bits_per_byte(&letters)
}

/// One distinct subdomain, when it was first asked for and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FirstSeen {
    pub time: Nanos,
    pub source: SourceRef,
    pub subdomain: Box<str>,
}

/// The busiest window of `seen` (sorted by time): its score and figures,
/// and the index range of its subdomains.
pub fn score(seen: &[FirstSeen]) -> Option<(f64, Vec<Figure>, std::ops::Range<usize>)> {
    let bits: Vec<f64> = seen.iter().map(|s| subdomain_bits(&s.subdomain)).collect();
    let mut best: Option<(f64, std::ops::Range<usize>)> = None;
    let mut start = 0;
    let mut sum = 0.0;
    for end in 0..seen.len() {
        sum += bits[end];
        while seen[end].time - seen[start].time > WINDOW_NANOS {
            sum -= bits[start];
            start += 1;
        }
        if best.as_ref().is_none_or(|(b, _)| sum > *b) {
            best = Some((sum, start..end + 1));
        }
    }
    let (window_bits, range) = best?;
    let distinct = range.len();
    let lengths: f64 = seen[range.clone()]
        .iter()
        .map(|s| s.subdomain.len() as f64)
        .sum();
    let score = (window_bits / FULL_BITS).min(1.0);
    let figures = vec![
        Figure {
            name: "window_bits",
            value: window_bits.round(),
        },
        Figure {
            name: "window_distinct_subdomains",
            value: distinct as f64,
        },
        Figure {
            name: "window_mean_subdomain_length",
            value: (lengths / distinct.max(1) as f64 * 10.0).round() / 10.0,
        },
        Figure {
            name: "distinct_subdomains",
            value: seen.len() as f64,
        },
    ];
    Some((score, figures, range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_domains_respect_public_suffixes() {
        assert_eq!(
            registered_domain("a.b.example.co.uk"),
            Some("example.co.uk")
        );
        assert_eq!(registered_domain("x.loja.com.br"), Some("loja.com.br"));
        assert_eq!(registered_domain("co.uk"), None);
        assert_eq!(registered_domain("4.3.2.1.in-addr.arpa"), None);
        assert_eq!(normalise("WWW.Example.COM."), "www.example.com");
    }

    #[test]
    fn random_text_carries_more_bits_than_repetition() {
        assert!(subdomain_bits("a8f3k2q9z7x1") > subdomain_bits("aaaaaaaaaaaa"));
        assert_eq!(subdomain_bits(""), 0.0);
    }
}

/// The distinct subdomains of one (client, domain), each at its earliest
/// sighting, bounded like [`crate::bounded`]'s containers: past `cap` the
/// earliest-seen are kept, which depends on the data only.
#[derive(Debug, Clone)]
pub struct Distinct {
    first: std::collections::HashMap<Box<str>, (Nanos, SourceRef), foldhash::fast::FixedState>,
    cap: usize,
    ceiling: Option<(Nanos, SourceRef)>,
    /// Queries to the domain, repeats included.
    pub queries: u64,
    pub dropped: u64,
}

impl Distinct {
    pub fn new(cap: usize) -> Self {
        Distinct {
            first: std::collections::HashMap::with_hasher(foldhash::fast::FixedState::default()),
            cap: cap.max(1),
            ceiling: None,
            queries: 0,
            dropped: 0,
        }
    }

    pub fn push(&mut self, subdomain: &str, at: (Nanos, SourceRef)) {
        self.queries += 1;
        if let Some(seen) = self.first.get_mut(subdomain) {
            *seen = (*seen).min(at);
            return;
        }
        if self.ceiling.is_some_and(|c| at > c) {
            self.dropped += 1;
            return;
        }
        self.first.insert(subdomain.into(), at);
        if self.first.len() >= crate::bounded::slack(self.cap) {
            self.cut();
        }
    }

    fn cut(&mut self) {
        if self.first.len() <= self.cap {
            return;
        }
        let mut times: Vec<(Nanos, SourceRef)> = self.first.values().copied().collect();
        times.sort_unstable();
        let ceiling = times[self.cap - 1];
        let before = self.first.len();
        self.first.retain(|_, at| *at <= ceiling);
        self.dropped += (before - self.first.len()) as u64;
        self.ceiling = Some(ceiling);
    }

    pub fn absorb(&mut self, other: Distinct) {
        self.queries += other.queries;
        self.dropped += other.dropped;
        self.ceiling = match (self.ceiling, other.ceiling) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (name, at) in other.first {
            self.first
                .entry(name)
                .and_modify(|seen| *seen = (*seen).min(at))
                .or_insert(at);
        }
        if let Some(c) = self.ceiling {
            let before = self.first.len();
            self.first.retain(|_, at| *at <= c);
            self.dropped += (before - self.first.len()) as u64;
        }
        if self.first.len() >= crate::bounded::slack(self.cap) {
            self.cut();
        }
    }

    /// The kept subdomains, sorted by first sighting.
    pub fn into_sorted(mut self) -> Vec<FirstSeen> {
        self.cut();
        let mut seen: Vec<FirstSeen> = self
            .first
            .into_iter()
            .map(|(subdomain, (time, source))| FirstSeen {
                time,
                source,
                subdomain,
            })
            .collect();
        seen.sort_unstable();
        seen
    }
}
