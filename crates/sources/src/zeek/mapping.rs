//! Sigma names for Zeek fields: the Zeek mapping table.
//!
//! SigmaHQ's own Zeek rules (`logsource: product: zeek, service: dns`) use
//! Zeek's native names (`query`, `qtype_name`, `answers`, `id.orig_h`),
//! which need no table: the event answers to them directly. The aliases
//! below let rules written against the Sigma taxonomy see Zeek entries too:
//! Sysmon-style names for `dns_query` (`QueryName`) and
//! `network_connection` (`SourceIp`, `DestinationPort`…), and the
//! lower-case names of Sigma's network categories (`category: dns` uses
//! `query`, `record_type`, `answer`; `category: firewall` uses `src_ip`,
//! `dst_port`…).
//!
//! The table is kept beside the Zeek reader rather than in
//! [`crate::mapping`] so that it reads as one piece with the field names
//! it refers to; it uses the same [`Alias`] type.

use crate::mapping::Alias;

use super::event::Log;

const fn alias(sigma: &'static str, native: &'static str) -> Alias {
    Alias { sigma, native }
}

/// Connection endpoints: every Zeek log keyed by a connection carries the
/// `id` record (`conn`, `dns`, `http`, `ssl`…).
pub const ENDPOINTS: &[Alias] = &[
    alias("SourceIp", "id.orig_h"),
    alias("SourcePort", "id.orig_p"),
    alias("DestinationIp", "id.resp_h"),
    alias("DestinationPort", "id.resp_p"),
    alias("src_ip", "id.orig_h"),
    alias("src_port", "id.orig_p"),
    alias("dst_ip", "id.resp_h"),
    alias("dst_port", "id.resp_p"),
];

/// `dns.log` → `dns_query` (Sysmon EID 22 names) and `dns` names.
pub const DNS: &[Alias] = &[
    alias("QueryName", "query"),
    alias("QueryResults", "answers"),
    alias("record_type", "qtype_name"),
    alias("answer", "answers"),
];

/// `conn.log` → `network_connection` (Sysmon EID 3 names).
pub const CONN: &[Alias] = &[alias("Protocol", "proto")];

/// The aliases that apply to entries of `log`, most specific first.
pub fn aliases(log: &Log) -> impl Iterator<Item = &'static Alias> {
    let specific: &[Alias] = match log {
        Log::Dns => DNS,
        Log::Conn => CONN,
        Log::Other(_) | Log::Unknown => &[],
    };
    specific.iter().chain(ENDPOINTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sigma_name_is_mapped_twice_for_a_log() {
        for log in [Log::Dns, Log::Conn, Log::Unknown] {
            let all: Vec<_> = aliases(&log).collect();
            for (i, a) in all.iter().enumerate() {
                assert!(
                    all[i + 1..].iter().all(|b| b.sigma != a.sigma),
                    "{} mapped twice for {log:?}",
                    a.sigma
                );
            }
        }
    }
}
