//! Fields sshd states in its messages.
//!
//! SigmaHQ's `linux` rules search sshd's words, but an alert and a filter
//! want the user and the peer, and the pack's forwarding rules want the
//! target of a forward. OpenSSH's messages are fixed `printf` formats, so
//! each is read by its own words (the formats are quoted below; the
//! `debug1:` ones need `LogLevel DEBUG` or higher). A message none of them
//! fits keeps no parsed field; it is still matched by its text.
//!
//! | message (OpenSSH format) | fields |
//! |---|---|
//! | `Accepted|Failed %s for [invalid user ]%s from %s port %d …` (auth.c) | `AuthMethod`, `User`, `SourceIp`, `SourcePort` |
//! | `Invalid user %s from %s port %d` | `User`, `SourceIp`, `SourcePort` |
//! | `Connection closed by|Disconnected from [authenticating |invalid ]user %s %s port %d` | `User`, `SourceIp`, `SourcePort` |
//! | `Connection from %s port %d on %s port %d`, `Connection closed by %s port %d`, `Received disconnect from %s port %d:…` | `SourceIp`, `SourcePort` |
//! | `pam_unix(sshd:session): session opened|closed for user %s…` | `User` |
//! | `server_input_global_request: tcpip-forward listen %s port %d` (serverloop.c) | `ListenAddress`, `ListenPort` |
//! | `server_input_global_request: rtype %s want_reply %d` | `RequestType` |
//! | `server_input_channel_open: ctype %s rchan …` | `ChannelType` |
//! | `server_request_direct_tcpip: originator %s port %d, target %s port %d`, `refused local port forward: originator … target …` | `OriginatorAddress`, `OriginatorPort`, `DestinationHostname`, `DestinationPort` |
//! | `Received request to connect to host %s port %d, but the request was denied.`, `connect_to %s port %d: failed.` (channels.c) | `DestinationHostname`, `DestinationPort` |
//!
//! `DestinationIp` is set beside `DestinationHostname` when the target is
//! an address.

use std::net::IpAddr;

/// The Sigma names this module sets, for the README and the tests.
pub const SSHD_FIELDS: &[&str] = &[
    "AuthMethod",
    "User",
    "SourceIp",
    "SourcePort",
    "ListenAddress",
    "ListenPort",
    "RequestType",
    "ChannelType",
    "OriginatorAddress",
    "OriginatorPort",
    "DestinationHostname",
    "DestinationIp",
    "DestinationPort",
];

/// The fields `message` states, in [`SSHD_FIELDS`] names.
pub(crate) fn fields(message: &str) -> Vec<(&'static str, String)> {
    let mut out = Fields(Vec::new());
    let body = strip_level(message);
    let words: Vec<&str> = body.split(' ').filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        ["Accepted" | "Failed", method, "for", rest @ ..] => {
            out.set("AuthMethod", method);
            let rest = match rest {
                ["invalid", "user", rest @ ..] => rest,
                rest => rest,
            };
            if let [user, "from", ip, "port", port, ..] = rest {
                out.set("User", user);
                out.peer(ip, port);
            }
        }
        ["Invalid", "user", user, "from", ip, "port", port, ..] => {
            out.set("User", user);
            out.peer(ip, port);
        }
        ["Connection", "closed", "by", rest @ ..] | ["Disconnected", "from", rest @ ..] => {
            let rest = match rest {
                ["authenticating" | "invalid", "user", rest @ ..] | ["user", rest @ ..] => {
                    if let [user, rest @ ..] = rest {
                        out.set("User", user);
                        rest
                    } else {
                        rest
                    }
                }
                rest => rest,
            };
            if let [ip, "port", port, ..] = rest {
                out.peer(ip, port);
            }
        }
        ["Connection", "from", ip, "port", port, ..]
        | ["Received", "disconnect", "from", ip, "port", port, ..] => out.peer(ip, port),
        [pam, "session", "opened" | "closed", "for", "user", user, ..]
            if pam.starts_with("pam_unix(sshd:") =>
        {
            let user = user.split('(').next().unwrap_or(user);
            out.set("User", user);
        }
        [
            "server_input_global_request:",
            "tcpip-forward",
            "listen",
            address,
            "port",
            port,
            ..,
        ] => {
            out.set("ListenAddress", address);
            out.set("ListenPort", port);
        }
        ["server_input_global_request:", "rtype", rtype, ..] => out.set("RequestType", rtype),
        ["server_input_channel_open:", "ctype", ctype, ..] => out.set("ChannelType", ctype),
        ["server_request_direct_tcpip:", "originator", rest @ ..]
        | [
            "refused",
            "local",
            "port",
            "forward:",
            "originator",
            rest @ ..,
        ] => {
            if let [
                origin,
                "port",
                origin_port,
                "target",
                target,
                "port",
                port,
                ..,
            ] = rest
            {
                out.set("OriginatorAddress", origin);
                out.set("OriginatorPort", origin_port.trim_end_matches(','));
                out.target(target, port);
            }
        }
        [
            "Received",
            "request",
            "to",
            "connect",
            "to",
            "host",
            host,
            "port",
            port,
            ..,
        ] => {
            out.target(host, port);
        }
        ["connect_to", host, "port", port, ..] => out.target(host, port),
        _ => {}
    }
    out.0
}

/// sshd's `debug1: `, `error: `… level prefix.
fn strip_level(message: &str) -> &str {
    for level in [
        "debug1: ",
        "debug2: ",
        "debug3: ",
        "error: ",
        "fatal: ",
        "verbose: ",
    ] {
        if let Some(rest) = message.strip_prefix(level) {
            return rest;
        }
    }
    message
}

struct Fields(Vec<(&'static str, String)>);

impl Fields {
    fn set(&mut self, name: &'static str, value: &str) {
        debug_assert!(SSHD_FIELDS.contains(&name), "{name} is not in SSHD_FIELDS");
        let value = value.trim_end_matches([',', ':', '.']);
        if !value.is_empty() {
            self.0.push((name, value.to_owned()));
        }
    }

    fn peer(&mut self, ip: &str, port: &str) {
        if ip.parse::<IpAddr>().is_ok() {
            self.set("SourceIp", ip);
        }
        let port = port.split(':').next().unwrap_or(port);
        if port.parse::<u16>().is_ok() {
            self.set("SourcePort", port);
        }
    }

    fn target(&mut self, host: &str, port: &str) {
        let host = host.trim_end_matches(',');
        self.set("DestinationHostname", host);
        if host.parse::<IpAddr>().is_ok() {
            self.set("DestinationIp", host);
        }
        // The number, without the punctuation or control characters after it.
        let port = port.trim_end_matches(|c: char| !c.is_ascii_digit());
        if port.parse::<u16>().is_ok() {
            self.set("DestinationPort", port);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(message: &str) -> Vec<(&'static str, String)> {
        fields(message)
    }

    fn pairs(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn logins_and_disconnects() {
        assert_eq!(
            get("Accepted publickey for ops from 203.0.113.9 port 50122 ssh2: ED25519 SHA256:x"),
            pairs(&[
                ("AuthMethod", "publickey"),
                ("User", "ops"),
                ("SourceIp", "203.0.113.9"),
                ("SourcePort", "50122")
            ])
        );
        assert_eq!(
            get("Failed password for invalid user admin from 2001:db8::7 port 4022 ssh2"),
            pairs(&[
                ("AuthMethod", "password"),
                ("User", "admin"),
                ("SourceIp", "2001:db8::7"),
                ("SourcePort", "4022")
            ])
        );
        assert_eq!(
            get("Connection closed by authenticating user root 198.51.100.4 port 33 [preauth]"),
            pairs(&[
                ("User", "root"),
                ("SourceIp", "198.51.100.4"),
                ("SourcePort", "33")
            ])
        );
        assert_eq!(
            get("Received disconnect from 198.51.100.4 port 33:11: disconnected by user"),
            pairs(&[("SourceIp", "198.51.100.4"), ("SourcePort", "33")])
        );
        assert_eq!(
            get("pam_unix(sshd:session): session opened for user ops(uid=1000) by (uid=0)"),
            pairs(&[("User", "ops")])
        );
    }

    #[test]
    fn forwarding_messages() {
        assert_eq!(
            get("debug1: server_input_global_request: tcpip-forward listen 0.0.0.0 port 8080"),
            pairs(&[("ListenAddress", "0.0.0.0"), ("ListenPort", "8080")])
        );
        assert_eq!(
            get(
                "debug1: server_request_direct_tcpip: originator 127.0.0.1 port 50000, target 10.0.0.5 port 3389"
            ),
            pairs(&[
                ("OriginatorAddress", "127.0.0.1"),
                ("OriginatorPort", "50000"),
                ("DestinationHostname", "10.0.0.5"),
                ("DestinationIp", "10.0.0.5"),
                ("DestinationPort", "3389")
            ])
        );
        assert_eq!(
            get(
                "Received request to connect to host db.internal port 5432, but the request was denied."
            ),
            pairs(&[
                ("DestinationHostname", "db.internal"),
                ("DestinationPort", "5432")
            ])
        );
        assert_eq!(
            get("error: connect_to 10.9.9.9 port 22: failed."),
            pairs(&[
                ("DestinationHostname", "10.9.9.9"),
                ("DestinationIp", "10.9.9.9"),
                ("DestinationPort", "22")
            ])
        );
        assert!(get("Server listening on 0.0.0.0 port 22.").is_empty());
    }
}
