//! Long-lived connections to rare external destinations on the ports a
//! tunnel hides in.
//!
//! An SSH forward or a reverse tunnel is one connection that stays up for
//! hours; most long connections are to services many hosts use (push
//! notifications, chat, VPN concentrators), so rarity — how many hosts
//! of the data reached the destination at all — separates the two.

/// A connection lasting at least this long (seconds) is long-lived.
pub const MIN_DURATION_SECONDS: f64 = 3600.0;
/// Ports a tunnel blends into: SSH, HTTPS, DNS, HTTP.
pub const PORTS: [u16; 4] = [22, 443, 53, 80];
/// A destination reached by at most this many distinct hosts is rare.
pub const RARE_MAX_HOSTS: usize = 2;

/// Whether a connection qualifies, before rarity is known.
pub fn qualifies(duration: Option<f64>, port: Option<u16>) -> bool {
    duration.is_some_and(|d| d >= MIN_DURATION_SECONDS) && port.is_some_and(|p| PORTS.contains(&p))
}

/// The score of a long connection: `d / (d + 1 h)`, 0.5 at one hour,
/// 0.9 at nine — longer is more telling, never certain.
pub fn score(duration_seconds: f64) -> f64 {
    duration_seconds / (duration_seconds + MIN_DURATION_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_connections_on_tunnel_ports_qualify() {
        assert!(qualifies(Some(7200.0), Some(443)));
        assert!(!qualifies(Some(7200.0), Some(8443)));
        assert!(!qualifies(Some(3599.0), Some(22)));
        assert!(!qualifies(None, Some(22)));
        assert_eq!(score(3600.0), 0.5);
    }
}
