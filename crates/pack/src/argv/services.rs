//! The TCP service names a port may be spelled as.
//!
//! OpenSSH resolves a forward's port that is not a number with
//! `getservbyname(name, "tcp")` (`misc.c`, `a2port`), so `-L
//! https:10.0.0.5:ms-wbt-server` forwards 443 to 3389 and `-D socks` opens
//! a SOCKS proxy on 1080. What a name resolves to depends on the host's
//! services file; this table holds the common entries of Debian's
//! `netbase` `/etc/services` (names and aliases, TCP only) for the ports a
//! tunnel is usually about — remote shells and desktops, SMB, web, SOCKS,
//! databases — kept short because every name becomes part of the
//! patterns of three rules per platform.
//! A name missing here is a name the pack's patterns do not know; a name
//! here that a Windows services file lacks is one ssh refuses there, and
//! the patterns fire on a command that fails (the safe side).

/// `(name, port)`: every name and alias with its TCP port, in port order.
pub const SERVICES: &[(&str, u16)] = &[
    ("ssh", 22),
    ("telnet", 23),
    ("http", 80),
    ("www", 80),
    ("https", 443),
    ("microsoft-ds", 445),
    ("socks", 1080),
    ("mysql", 3306),
    ("ms-wbt-server", 3389),
    ("postgresql", 5432),
    ("postgres", 5432),
    ("http-alt", 8080),
    ("webcache", 8080),
];

/// The port a service name stands for, as `getservbyname` with the table
/// above answers (names compare exactly, as glibc's do).
pub fn port_of(name: &str) -> Option<u16> {
    SERVICES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|&(_, port)| port)
}

/// Every name the table has for `port`.
pub fn names_of(port: u16) -> impl Iterator<Item = &'static str> {
    SERVICES
        .iter()
        .filter(move |&&(_, known)| known == port)
        .map(|&(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_their_ports_and_back() {
        assert_eq!(port_of("ms-wbt-server"), Some(3389));
        assert_eq!(port_of("microsoft-ds"), Some(445));
        assert_eq!(port_of("socks"), Some(1080));
        assert_eq!(port_of("HTTPS"), None);
        assert_eq!(names_of(80).collect::<Vec<_>>(), ["http", "www"]);
        for pair in SERVICES.windows(2) {
            assert!(pair[0].1 <= pair[1].1, "{pair:?}");
        }
    }
}
