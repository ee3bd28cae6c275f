//! Socket syscalls and `SOCKADDR` records.
//!
//! A SYSCALL record names its syscall by number, and numbers depend on the
//! architecture (`arch=c000003e` is x86_64, where connect is 42; on
//! aarch64 it is 203). ENRICHED logs also carry the name (`SYSCALL=connect`),
//! which wins when present. The table below covers the syscalls this
//! reader turns into events. On i386 the older `socketcall(2)` multiplexer
//! is decoded through its first argument.
//!
//! `saddr` is the raw `struct sockaddr` in hex: the family in host byte
//! order (little-endian on the architectures above), then for AF_INET the
//! port (network order) and the IPv4 address, for AF_INET6 the port, the
//! flow label and the IPv6 address, for AF_UNIX a path (abstract when it
//! starts with a NUL byte, shown with a leading `@` as `ss` does).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A syscall this reader gives meaning to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syscall {
    Execve,
    Connect,
    Bind,
    Accept,
}

const X86_64: &str = "c000003e";
const AARCH64: &str = "c00000b7";
const I386: &str = "40000003";

/// (arch, number, syscall).
const SYSCALLS: &[(&str, u32, Syscall)] = &[
    (X86_64, 59, Syscall::Execve),
    (X86_64, 322, Syscall::Execve),
    (X86_64, 42, Syscall::Connect),
    (X86_64, 49, Syscall::Bind),
    (X86_64, 43, Syscall::Accept),
    (X86_64, 288, Syscall::Accept),
    (AARCH64, 221, Syscall::Execve),
    (AARCH64, 281, Syscall::Execve),
    (AARCH64, 203, Syscall::Connect),
    (AARCH64, 200, Syscall::Bind),
    (AARCH64, 202, Syscall::Accept),
    (AARCH64, 242, Syscall::Accept),
    (I386, 11, Syscall::Execve),
    (I386, 358, Syscall::Execve),
    (I386, 362, Syscall::Connect),
    (I386, 361, Syscall::Bind),
    (I386, 364, Syscall::Accept),
];

/// `socketcall(2)` on i386, and its `call` numbers (first argument, hex).
const I386_SOCKETCALL: u32 = 102;
const SOCKETCALL: &[(&str, Syscall)] = &[
    ("3", Syscall::Connect),
    ("2", Syscall::Bind),
    ("5", Syscall::Accept),
    ("12", Syscall::Accept),
];

/// Names as auditd's ENRICHED format writes them.
const NAMES: &[(&str, Syscall)] = &[
    ("execve", Syscall::Execve),
    ("execveat", Syscall::Execve),
    ("connect", Syscall::Connect),
    ("bind", Syscall::Bind),
    ("accept", Syscall::Accept),
    ("accept4", Syscall::Accept),
];

/// Which syscall a SYSCALL record is about, if one of ours.
pub(crate) fn syscall(
    name: Option<&str>,
    arch: Option<&str>,
    number: Option<&str>,
    a0: Option<&str>,
) -> Option<Syscall> {
    if let Some(name) = name
        && let Some(&(_, s)) = NAMES.iter().find(|(n, _)| *n == name)
    {
        return Some(s);
    }
    let arch = arch?.to_ascii_lowercase();
    let number: u32 = number?.parse().ok()?;
    if arch == I386 && number == I386_SOCKETCALL {
        let call = a0?;
        return SOCKETCALL.iter().find(|(c, _)| *c == call).map(|&(_, s)| s);
    }
    SYSCALLS
        .iter()
        .find(|&&(a, n, _)| a == arch && n == number)
        .map(|&(_, _, s)| s)
}

/// A decoded socket address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SockAddr {
    Inet { ip: IpAddr, port: u16 },
    Unix { path: String },
    Other { family: u16 },
}

const AF_UNIX: u16 = 1;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

/// Decode the bytes of `saddr`. `None` when too short for its family.
pub(crate) fn decode_sockaddr(raw: &[u8]) -> Option<SockAddr> {
    let family = match raw.get(..2)? {
        // Big-endian hosts write the family high byte first.
        [0, lo] if *lo != 0 => u16::from(*lo),
        [lo, hi] => u16::from_le_bytes([*lo, *hi]),
        _ => return None,
    };
    let port = |raw: &[u8]| Some(u16::from_be_bytes(raw.get(2..4)?.try_into().ok()?));
    Some(match family {
        AF_INET => {
            let octets: [u8; 4] = raw.get(4..8)?.try_into().ok()?;
            SockAddr::Inet {
                ip: IpAddr::V4(Ipv4Addr::from(octets)),
                port: port(raw)?,
            }
        }
        AF_INET6 => {
            let octets: [u8; 16] = raw.get(8..24)?.try_into().ok()?;
            let v6 = Ipv6Addr::from(octets);
            // `::ffff:a.b.c.d` is an IPv4 peer on a dual-stack socket.
            let ip = match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(v6),
            };
            SockAddr::Inet {
                ip,
                port: port(raw)?,
            }
        }
        AF_UNIX => {
            let path = &raw[2..];
            let (prefix, path) = match path.split_first() {
                Some((0, rest)) => ("@", rest),
                _ => ("", path),
            };
            let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
            SockAddr::Unix {
                path: format!("{prefix}{}", String::from_utf8_lossy(&path[..end])),
            }
        }
        family => SockAddr::Other { family },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auditd::parse::decode_hex;

    fn decode(hex: &str) -> Option<SockAddr> {
        decode_sockaddr(&decode_hex(hex.as_bytes()).unwrap())
    }

    #[test]
    fn inet_inet6_unix() {
        assert_eq!(
            decode("020000160A0000050000000000000000"),
            Some(SockAddr::Inet {
                ip: "10.0.0.5".parse().unwrap(),
                port: 22
            })
        );
        assert_eq!(
            decode("0A0020FB000000002001067C12340000000000000000000100000000"),
            Some(SockAddr::Inet {
                ip: "2001:67c:1234::1".parse().unwrap(),
                port: 8443
            })
        );
        assert_eq!(
            decode("0A0001BB0000000000000000000000000000FFFFC633640A00000000"),
            Some(SockAddr::Inet {
                ip: "198.51.100.10".parse().unwrap(),
                port: 443
            })
        );
        assert_eq!(
            decode("01002F72756E2F646275732F73797374656D5F6275735F736F636B657400"),
            Some(SockAddr::Unix {
                path: "/run/dbus/system_bus_socket".into()
            })
        );
        assert_eq!(
            decode("0100006162"),
            Some(SockAddr::Unix { path: "@ab".into() })
        );
        assert_eq!(decode("10000000"), Some(SockAddr::Other { family: 16 }));
        assert_eq!(decode("0200"), None);
    }

    #[test]
    fn syscalls_by_name_number_and_socketcall() {
        assert_eq!(
            syscall(None, Some("c000003e"), Some("42"), None),
            Some(Syscall::Connect)
        );
        assert_eq!(
            syscall(None, Some("C00000B7"), Some("200"), None),
            Some(Syscall::Bind)
        );
        assert_eq!(
            syscall(None, Some("40000003"), Some("102"), Some("3")),
            Some(Syscall::Connect)
        );
        assert_eq!(
            syscall(Some("execve"), None, None, None),
            Some(Syscall::Execve)
        );
        assert_eq!(syscall(None, Some("c000003e"), Some("0"), None), None);
    }
}
