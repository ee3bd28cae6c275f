//! How OpenSSH's `ssh` reads its arguments: which forwards a given `argv`
//! asks for, or why ssh would refuse it.
//!
//! Read from openssh-portable (`ssh.c`, `readconf.c`, `misc.c`; checked at
//! commit 0ef0f5a, August 2026) and restated here, not copied:
//!
//! - **Options** go through `getopt` with the option string
//!   `1246ACGKMNTVXYZafgknqstvxy` (no argument) and
//!   `B:D:E:F:I:J:L:O:P:Q:R:S:W:b:c:e:i:l:m:o:p:w:` (one argument, attached
//!   or in the next element — whatever that element looks like). Flags
//!   cluster (`-NfL8080:…`). After the destination ssh restarts `getopt`
//!   (`goto again`), so options may follow it; the first non-option after
//!   the destination starts the remote command, and `--` ends the options.
//!   An unknown flag, a missing argument or a bad forward ends ssh with an
//!   error before anything is forwarded.
//! - **Forward specs** (`parse_forward`, `parse_fwd_field`): `-L` and `-R`
//!   take `[bind:]port:host:hostport` (or Unix-socket paths), `-D` and the
//!   reverse-SOCKS `-R` take `[bind:]port`. Leading blanks are skipped.
//!   Fields split at `:`; a field that starts with `[` runs to the `]`
//!   (IPv6) and is taken literally; elsewhere a backslash escapes the next
//!   character and is dropped (`80\80` is `8080`, `\:` is a colon inside
//!   the field); a `/` makes the field a path. A trailing `:` ends the
//!   last field.
//! - **Ports** (`a2port`): `strtonum(s, 0, 65535)` — `strtoll` in base 10,
//!   so leading blanks, a `+` or `-` sign and leading zeros are accepted
//!   (`+8080`, `000008080`, `-0`), the whole field must be used — and
//!   otherwise `getservbyname(s, "tcp")`, so `https`, `socks` or
//!   `ms-wbt-server` are ports ([`super::services`]). A listen port of 0 is
//!   refused except for `-R` (the server picks one); a target port must be
//!   above 0.
//!
//! Not modelled: `${VAR}` expansion in a spec (`dollar_expand`), the `-o
//! LocalForward=…` family (parsed by `readconf.c`'s own word splitter) and
//! the length limits on host names and socket paths.

use super::services;

/// Which option asked for the forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `-L`: a port on this host leads to `host:hostport`.
    Local,
    /// `-R` with a target: a port on the server leads to `host:hostport`.
    Remote,
    /// `-R [bind:]port`: a SOCKS proxy on the server into this side.
    RemoteDynamic,
    /// `-D`: a SOCKS proxy on this host.
    Dynamic,
}

/// One forward ssh would set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub direction: Direction,
    /// The target's TCP port; `None` for SOCKS and Unix-socket targets.
    pub target_port: Option<u16>,
}

/// Why ssh would stop before forwarding anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshRefusal {
    #[error("unknown option -{0}")]
    UnknownOption(char),
    #[error("option -{0} needs an argument")]
    MissingArgument(char),
    #[error("bad forwarding specification {0:?}")]
    BadForward(String),
    #[error("no destination")]
    NoDestination,
}

/// Flags that take no argument.
pub const FLAGS_WITHOUT_ARGUMENT: &str = "1246ACGKMNTVXYZafgknqstvxy";
/// Flags that take one argument.
pub const FLAGS_WITH_ARGUMENT: &str = "BDEFIJLOPQRSWbceilmopw";

/// The forwards `argv` (program name first) asks ssh for.
pub fn forwards(argv: &[String]) -> Result<Vec<Forward>, SshRefusal> {
    let mut found = Vec::new();
    let mut destination = false;
    let mut options_ended = false;
    let mut args = argv.iter().skip(1);
    while let Some(arg) = args.next() {
        let is_option = !options_ended && arg.len() > 1 && arg.starts_with('-');
        if arg == "--" && !options_ended {
            options_ended = true;
            continue;
        }
        if !is_option {
            if destination {
                // The remote command: ssh reads no more options.
                break;
            }
            destination = true;
            continue;
        }
        for (at, flag) in arg[1..].char_indices() {
            if FLAGS_WITHOUT_ARGUMENT.contains(flag) {
                continue;
            }
            if !FLAGS_WITH_ARGUMENT.contains(flag) {
                return Err(SshRefusal::UnknownOption(flag));
            }
            let attached = &arg[1 + at + flag.len_utf8()..];
            let value = if attached.is_empty() {
                args.next()
                    .map(String::as_str)
                    .ok_or(SshRefusal::MissingArgument(flag))?
            } else {
                attached
            };
            if let Some(forward) = option_forward(flag, value)? {
                found.push(forward);
            }
            break;
        }
    }
    if destination {
        Ok(found)
    } else {
        Err(SshRefusal::NoDestination)
    }
}

/// The forward an option with its argument asks for, if it is one.
fn option_forward(flag: char, value: &str) -> Result<Option<Forward>, SshRefusal> {
    let bad = || SshRefusal::BadForward(value.to_owned());
    let parsed = match flag {
        'L' => parse_forward(value, Kind::Fixed, Side::Local).map(|p| (Direction::Local, p)),
        'D' => parse_forward(value, Kind::Socks, Side::Local).map(|p| (Direction::Dynamic, p)),
        'R' => parse_forward(value, Kind::Fixed, Side::Remote)
            .map(|p| (Direction::Remote, p))
            .or_else(|| {
                parse_forward(value, Kind::Socks, Side::Remote)
                    .map(|p| (Direction::RemoteDynamic, p))
            }),
        _ => return Ok(None),
    };
    let (direction, target_port) = parsed.ok_or_else(bad)?;
    Ok(Some(Forward {
        direction,
        target_port,
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `[bind:]port:host:hostport` or the socket forms.
    Fixed,
    /// `[bind:]port`.
    Socks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Local,
    Remote,
}

/// One field of a spec: its text and whether it is a socket path.
struct Field {
    text: String,
    path: bool,
}

/// `Some(target port)` when ssh accepts `spec`, `None` when it refuses it.
fn parse_forward(spec: &str, kind: Kind, side: Side) -> Option<Option<u16>> {
    let fields = split_fields(spec.trim_start_matches(is_c_space))?;
    // (listen is a path, listen port, target is a path, target port)
    let (listen_path, listen_port, target_path, target_port) = match fields.as_slice() {
        [only] if only.path => (true, None, false, None),
        [only] => (false, a2port(&only.text), false, None),
        [a, b] if a.path && b.path => (true, None, true, None),
        [a, b] if b.path => (false, a2port(&a.text), true, None),
        [_, b] => (false, a2port(&b.text), false, None),
        [a, _, c] if a.path => (true, None, false, a2port(&c.text)),
        [_, b, c] if c.path => (false, a2port(&b.text), true, None),
        [a, _, c] => (false, a2port(&a.text), false, a2port(&c.text)),
        [_, b, _, d] => (false, a2port(&b.text), false, a2port(&d.text)),
        _ => return None,
    };
    match kind {
        Kind::Socks if !(1..=2).contains(&fields.len()) => return None,
        Kind::Socks => {}
        Kind::Fixed => {
            if !(3..=4).contains(&fields.len()) && !listen_path && !target_path {
                return None;
            }
            if !target_path && !matches!(target_port, Some(p) if p > 0) {
                return None;
            }
        }
    }
    if !listen_path && (listen_port.is_none() || (side == Side::Local && listen_port == Some(0))) {
        return None;
    }
    Some(match kind {
        Kind::Fixed if !target_path => target_port,
        _ => None,
    })
}

/// Up to four fields, as `parse_fwd_field` cuts them; `None` for a spec
/// ssh refuses (unclosed bracket, trailing backslash, a fifth field).
fn split_fields(spec: &str) -> Option<Vec<Field>> {
    let mut fields = Vec::new();
    let mut rest: Option<&str> = Some(spec);
    while fields.len() < 4 {
        let Some(text) = rest.filter(|r| !r.is_empty()) else {
            rest = None;
            break;
        };
        let (field, after) = if let Some(inner) = text.strip_prefix('[') {
            let close = inner.find(']')?;
            let after = &inner[close + 1..];
            let after = match after.strip_prefix(':') {
                Some(next) => next,
                None if after.is_empty() => after,
                None => return None,
            };
            let body = &inner[..close];
            (
                Field {
                    text: body.to_owned(),
                    path: body.contains('/'),
                },
                after,
            )
        } else {
            let mut out = String::new();
            let mut path = false;
            let mut chars = text.char_indices();
            let mut after = "";
            while let Some((at, c)) = chars.next() {
                match c {
                    '\\' => out.push(chars.next()?.1),
                    ':' => {
                        after = &text[at + 1..];
                        break;
                    }
                    '/' => {
                        path = true;
                        out.push(c);
                    }
                    _ => out.push(c),
                }
            }
            (Field { text: out, path }, after)
        };
        fields.push(field);
        rest = Some(after);
    }
    if rest.is_some_and(|r| !r.is_empty()) {
        return None;
    }
    Some(fields)
}

/// A port as `a2port` reads it: a number from 0 to 65535 in `strtoll`'s
/// base-10 syntax, else a service name.
pub fn a2port(text: &str) -> Option<u16> {
    let number = text.trim_start_matches(is_c_space);
    let (negative, digits) = match number.as_bytes().first() {
        Some(b'+') => (false, &number[1..]),
        Some(b'-') => (true, &number[1..]),
        _ => (false, number),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let significant = digits.trim_start_matches('0');
        if significant.len() > 5 {
            return None;
        }
        let value: u32 = significant.parse().unwrap_or(0);
        return match (negative, value) {
            (true, 0) | (false, 0..=65535) => u16::try_from(value).ok(),
            _ => None,
        };
    }
    services::port_of(text)
}

/// C's `isspace` in the "C" locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Vec<Forward>, SshRefusal> {
        let argv: Vec<String> = std::iter::once("ssh")
            .chain(args.iter().copied())
            .map(str::to_owned)
            .collect();
        forwards(&argv)
    }

    fn target(spec: &str) -> Option<u16> {
        let found = run(&["-L", spec, "h"]).ok()?;
        found.first().and_then(|f| f.target_port)
    }

    #[test]
    fn port_spellings_openssh_accepts() {
        for spelling in [
            "3389",
            "+3389",
            "03389",
            "000003389",
            "33\\89",
            "ms-wbt-server",
        ] {
            assert_eq!(
                target(&format!("8080:10.0.0.5:{spelling}")),
                Some(3389),
                "{spelling}"
            );
        }
        assert_eq!(target("https:10.0.0.5:https"), Some(443));
        assert_eq!(target("+8080:h:[3389]"), Some(3389));
        assert_eq!(target("000008080:h:3389:"), Some(3389));
        assert_eq!(target("[::1]:8080:[fe80::1]:445"), Some(445));
        assert_eq!(target(" 8080:h:3389"), Some(3389));
    }

    #[test]
    fn specs_openssh_refuses() {
        for spec in [
            "8080:h:65536",
            "8080:h:0",
            "0:h:3389",
            "8080:h:3389x",
            "8080:h",
            "h:3389",
            "8080:h:no-such-service",
            "8080:h:3389\\",
            "1:2:3:4:5",
            "[::1:8080:h:22",
            "8080:h:MS-WBT-SERVER",
        ] {
            assert!(
                matches!(run(&["-L", spec, "h"]), Err(SshRefusal::BadForward(_))),
                "{spec}"
            );
        }
    }

    #[test]
    fn getopt_clusters_attaches_and_reads_past_the_destination() {
        let local = |port| Forward {
            direction: Direction::Local,
            target_port: Some(port),
        };
        assert_eq!(run(&["-NfL8080:h:22", "u@h"]), Ok(vec![local(22)]));
        assert_eq!(run(&["u@h", "-N", "-L", "1:h:445"]), Ok(vec![local(445)]));
        assert_eq!(run(&["u@h", "echo", "-L", "1:h:445"]), Ok(vec![]));
        assert_eq!(run(&["--", "u@h", "-L", "1:h:445"]), Ok(vec![]));
        assert_eq!(run(&["-l", "-L1:h:445", "h"]), Ok(vec![]));
        assert_eq!(run(&["-W", "h:3389", "j"]), Ok(vec![]));
        assert_eq!(run(&["-L", "1:h:22"]), Err(SshRefusal::NoDestination));
        assert_eq!(run(&["-Ł", "h"]), Err(SshRefusal::UnknownOption('Ł')));
        assert_eq!(run(&["h", "-L"]), Err(SshRefusal::MissingArgument('L')));
    }

    #[test]
    fn remote_and_dynamic_forms() {
        let one = |args: &[&str]| run(args).map(|f| (f[0].direction, f[0].target_port));
        assert_eq!(
            one(&["-R", "0:h:3389", "c2"]),
            Ok((Direction::Remote, Some(3389)))
        );
        assert_eq!(
            one(&["-R", "1080", "c2"]),
            Ok((Direction::RemoteDynamic, None))
        );
        assert_eq!(
            one(&["-R", "10.0.0.5:socks", "c2"]),
            Ok((Direction::RemoteDynamic, None))
        );
        assert_eq!(one(&["-Dsocks", "c2"]), Ok((Direction::Dynamic, None)));
        assert_eq!(
            one(&["-D", "[::1]:+1080", "c2"]),
            Ok((Direction::Dynamic, None))
        );
        assert!(run(&["-D", "0", "c2"]).is_err());
        assert!(run(&["-D", "1:2:3", "c2"]).is_err());
    }
}
