//! One line of a raw audit log → one [`RawRecord`].
//!
//! The format, as `auditd` writes it (`log_format=RAW` or `ENRICHED`):
//!
//! ```text
//! [node=HOST ]type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 … comm="ssh" exe=2F7573722F… key=(null)␝ARCH=x86_64 SYSCALL=execve AUID="alice" UID="root"
//! ```
//!
//! * values are unquoted (`syscall=59`), double-quoted without escapes
//!   (`comm="ssh"`), single-quoted key/value lists from user space
//!   (`msg='op=login acct="alice" res=success'`) or braced (`{ read }`);
//! * strings the kernel does not trust (paths, `comm`, `exe`, EXECVE
//!   arguments, `proctitle`…) are written *unquoted in hexadecimal* when
//!   they contain a space, a quote or a control character; the field name
//!   says whether a value can be encoded, quoting says whether it is;
//! * in `ENRICHED` logs a `0x1d` byte separates the kernel's fields from
//!   the names auditd resolved (`AUID="alice"`), whose keys are upper case;
//! * audit records forwarded through syslog carry a prefix before the
//!   header (`Nov 27 10:00:00 host audisp-syslog: type=…`), which is skipped.
//!
//! Values are kept as bytes here, because a decoded argument may be split
//! over several EXECVE fields (`a1[0]`, `a1[1]`) in the middle of a UTF-8
//! sequence; the text is made when the event is assembled.

use memchr::memmem;

use super::AuditdError;

/// The identity of an audit event: every record of one event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct EventKey {
    pub node: Option<Box<str>>,
    pub secs: u64,
    pub millis: u32,
    pub serial: u64,
}

/// As the log writes it, `1700000000.123:4567`, and the node if any.
impl std::fmt::Display for EventKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:03}:{}", self.secs, self.millis, self.serial)?;
        match &self.node {
            Some(node) => write!(f, " of node {node}"),
            None => Ok(()),
        }
    }
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRecord {
    /// 1-based line of the record.
    pub line: u64,
    pub key: EventKey,
    /// `SYSCALL`, `EXECVE`, `UNKNOWN[1334]`…
    pub rtype: String,
    /// Fields in the order of the line, hex-encoded values already decoded.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl RawRecord {
    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// Fields whose value the kernel or the audit user space hex-encodes when
/// it holds a space, a quote, a control character or a non-ASCII byte
/// (`audit_log_untrustedstring` and the `audit_encode_nv_string` callers).
const UNTRUSTED: &[&str] = &[
    "comm",
    "exe",
    "cwd",
    "name",
    "proctitle",
    "key",
    "path",
    "cmd",
    "acct",
    "data",
    "ocomm",
    "dir",
    "watch",
    "grp",
    "new-name",
    "old-name",
    "root_dir",
    "vm",
    "unit",
    "exe_path",
];

const ENRICHED_SEPARATOR: u8 = 0x1d;

/// Parse one line (without its newline).
pub(crate) fn parse_line(line_no: u64, line: &[u8]) -> Result<RawRecord, AuditdError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let start = header_start(line).ok_or_else(|| AuditdError::NotAuditRecord {
        snippet: snippet(line),
    })?;
    let node = node_before(&line[..start]);
    let rest = &line[start + b"type=".len()..];
    let type_end =
        rest.iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| AuditdError::NotAuditRecord {
                snippet: snippet(line),
            })?;
    let rtype = ascii(&rest[..type_end]).ok_or_else(|| AuditdError::NotAuditRecord {
        snippet: snippet(line),
    })?;
    let rest = rest[type_end..].trim_ascii_start();
    let rest = rest
        .strip_prefix(b"msg=audit(")
        .ok_or_else(|| AuditdError::NotAuditRecord {
            snippet: snippet(line),
        })?;
    let close = rest
        .iter()
        .position(|&b| b == b')')
        .ok_or_else(|| bad_id(rest))?;
    let (secs, millis, serial) = parse_event_id(&rest[..close]).ok_or_else(|| bad_id(rest))?;
    let body = &rest[close + 1..];
    let body = body.strip_prefix(b":").unwrap_or(body);
    let mut fields = Vec::new();
    parse_body(&rtype, body, &mut fields, true)?;
    Ok(RawRecord {
        line: line_no,
        key: EventKey {
            node,
            secs,
            millis,
            serial,
        },
        rtype,
        fields,
    })
}

/// Where `type=` starts: at the beginning of the line or of a word, and
/// followed by a record type and ` msg=audit(`.
fn header_start(line: &[u8]) -> Option<usize> {
    memmem::find_iter(line, b"type=").find(|&at| {
        (at == 0 || line[at - 1] == b' ') && {
            let after = &line[at + 5..];
            let word = after.iter().position(|&b| b == b' ').unwrap_or(after.len());
            word > 0 && after[word..].trim_ascii_start().starts_with(b"msg=audit(")
        }
    })
}

/// The `node=HOST` word right before the header, if there is one.
fn node_before(prefix: &[u8]) -> Option<Box<str>> {
    let prefix = prefix.trim_ascii_end();
    let word_start = prefix.iter().rposition(|&b| b == b' ').map_or(0, |i| i + 1);
    let value = prefix[word_start..].strip_prefix(b"node=")?;
    Some(String::from_utf8_lossy(value).into())
}

/// `1700000000.123:4567` → (seconds, milliseconds, serial).
fn parse_event_id(id: &[u8]) -> Option<(u64, u32, u64)> {
    let id = std::str::from_utf8(id).ok()?;
    let (time, serial) = id.split_once(':')?;
    let (secs, frac) = time.split_once('.').unwrap_or((time, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(secs) || !all_digits(frac) || !all_digits(serial) {
        return None;
    }
    // Milliseconds from the first three fraction digits, padded.
    let mut millis = 0u32;
    for i in 0..3 {
        let digit = frac.as_bytes().get(i).map_or(0, |b| u32::from(b - b'0'));
        millis = millis * 10 + digit;
    }
    Some((secs.parse().ok()?, millis, serial.parse().ok()?))
}

/// Parse `key=value` words into `fields`. `outer`: this is the record body,
/// not the inside of a single-quoted `msg='…'`.
fn parse_body(
    rtype: &str,
    body: &[u8],
    fields: &mut Vec<(String, Vec<u8>)>,
    outer: bool,
) -> Result<(), AuditdError> {
    let is_sep = |b: u8| b == b' ' || b == ENRICHED_SEPARATOR;
    let mut i = 0;
    while i < body.len() {
        if is_sep(body[i]) {
            i += 1;
            continue;
        }
        let word_end = i + body[i..]
            .iter()
            .position(|&b| is_sep(b) || b == b'=')
            .unwrap_or(body.len() - i);
        if body.get(word_end) != Some(&b'=') || word_end == i {
            // A word that is not `key=value` (`avc:  denied  { read } for`):
            // free text, skipped. A `=` without a key (`b =3`) is skipped
            // too: without the `+ 1` this loop never ended (found by the
            // `auditd_reader` fuzz target).
            i = word_end.max(i + 1);
            continue;
        }
        let key = String::from_utf8_lossy(&body[i..word_end]).into_owned();
        let v = word_end + 1;
        let (value, quoted, next) = match body.get(v) {
            Some(&q @ (b'"' | b'\'' | b'{')) => {
                let close = if q == b'{' { b'}' } else { q };
                let Some(len) = body[v + 1..].iter().position(|&b| b == close) else {
                    return Err(AuditdError::UnterminatedQuote { key });
                };
                (&body[v + 1..v + 1 + len], Some(q), v + len + 2)
            }
            _ => {
                let len = body[v..]
                    .iter()
                    .position(|&b| is_sep(b))
                    .unwrap_or(body.len() - v);
                (&body[v..v + len], None, v + len)
            }
        };
        i = next;
        match quoted {
            Some(b'\'') if outer && key == "msg" => {
                let before = fields.len();
                parse_body(rtype, value, fields, false)?;
                if fields.len() == before {
                    fields.push((key, value.to_vec()));
                }
            }
            Some(_) => fields.push((key, value.to_vec())),
            None => {
                let decoded = if may_be_hex(rtype, &key) {
                    decode_hex(value)
                } else {
                    None
                };
                fields.push((key, decoded.unwrap_or_else(|| value.to_vec())));
            }
        }
    }
    Ok(())
}

/// Whether an unquoted value of `key` in a `rtype` record is hex-encoded
/// when it looks like hex.
fn may_be_hex(rtype: &str, key: &str) -> bool {
    UNTRUSTED.contains(&key) || (rtype == "EXECVE" && execve_arg(key).is_some())
}

/// `a3` → (3, None), `a3[1]` → (3, Some(1)); `a3_len` and others → None.
pub(crate) fn execve_arg(key: &str) -> Option<(u32, Option<u32>)> {
    let rest = key.strip_prefix('a')?;
    let (index, chunk) = match rest.split_once('[') {
        Some((index, chunk)) => (index, Some(chunk.strip_suffix(']')?)),
        None => (rest, None),
    };
    let number = |s: &str| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let chunk = match chunk {
        Some(chunk) => Some(number(chunk)?),
        None => None,
    };
    Some((number(index)?, chunk))
}

/// Upper-case hex with an even number of digits → bytes; else `None`.
pub(crate) fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    text.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

fn ascii(bytes: &[u8]) -> Option<String> {
    bytes
        .is_ascii()
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

fn bad_id(rest: &[u8]) -> AuditdError {
    AuditdError::BadEventId {
        snippet: snippet(&rest[..rest.len().min(40)]),
    }
}

fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(r: &'a RawRecord, key: &str) -> &'a [u8] {
        r.get(key).unwrap_or_else(|| panic!("no {key} in {r:?}"))
    }

    #[test]
    fn header_fields_quotes_and_hex() {
        let line = b"node=web1 type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes comm=\"ssh\" exe=2F746D702F6D7920737368 key=(null)\x1dARCH=x86_64 AUID=\"alice\"";
        let r = parse_line(7, line).unwrap();
        assert_eq!(r.line, 7);
        assert_eq!(r.rtype, "SYSCALL");
        assert_eq!(
            r.key,
            EventKey {
                node: Some("web1".into()),
                secs: 1_700_000_000,
                millis: 123,
                serial: 4567
            }
        );
        assert_eq!(get(&r, "syscall"), b"59");
        assert_eq!(get(&r, "comm"), b"ssh");
        assert_eq!(get(&r, "exe"), b"/tmp/my ssh");
        assert_eq!(get(&r, "key"), b"(null)");
        assert_eq!(get(&r, "ARCH"), b"x86_64");
        assert_eq!(get(&r, "AUID"), b"alice");
    }

    #[test]
    fn a_stray_equals_sign_is_skipped() {
        // Used to loop forever (fuzzing found it).
        let r = parse_line(1, b"type=SYSCALL msg=audit(1.1:7): b =3 = pid=9 ==").unwrap();
        assert_eq!(get(&r, "pid"), b"9");
    }

    #[test]
    fn execve_arguments_and_user_space_messages() {
        let r = parse_line(
            1,
            b"type=EXECVE msg=audit(1.5:9): argc=3 a0=\"ls\" a1=2D6C61 a2_len=4 a2[0]=4142 a2[1]=\"CD\"",
        )
        .unwrap();
        assert_eq!(r.key.millis, 500);
        assert_eq!(get(&r, "a1"), b"-la");
        assert_eq!(get(&r, "a2[0]"), b"AB");
        assert_eq!(get(&r, "a2[1]"), b"CD");
        assert_eq!(get(&r, "a2_len"), b"4");
        let r = parse_line(2, b"type=USER_LOGIN msg=audit(1700000000.000:12): pid=1 uid=0 msg='op=login acct=\"alice\" exe=\"/usr/sbin/sshd\" res=success'").unwrap();
        assert_eq!(get(&r, "acct"), b"alice");
        assert_eq!(get(&r, "res"), b"success");
        // Not hex in a field that is never encoded.
        let r = parse_line(3, b"type=SYSCALL msg=audit(1.000:1): a0=AB exit=0").unwrap();
        assert_eq!(get(&r, "a0"), b"AB");
    }

    #[test]
    fn syslog_prefix_and_free_text() {
        let r = parse_line(1, b"Nov 27 10:00:00 host audisp-syslog: node=h2 type=AVC msg=audit(1700000000.001:5): avc:  denied  { read } for  pid=42 comm=\"cat\"").unwrap();
        assert_eq!(r.key.node.as_deref(), Some("h2"));
        assert_eq!(get(&r, "pid"), b"42");
        assert_eq!(get(&r, "comm"), b"cat");
    }

    #[test]
    fn malformed_lines() {
        for (line, want) in [
            (&b"hello world"[..], "not an audit record"),
            (b"type=SYSCALL msg=audit(abc:1): x=1", "bad event id"),
            (b"type=SYSCALL msg=audit(1.0:1: x=1", "bad event id"),
            (b"type=SYSCALL msg=audit(1.0:1): comm=\"ssh", "unterminated"),
        ] {
            let err = parse_line(1, line).unwrap_err();
            assert!(err.to_string().contains(want), "{err}");
        }
    }

    #[test]
    fn hex_rules() {
        assert_eq!(decode_hex(b"414243"), Some(b"ABC".to_vec()));
        assert_eq!(decode_hex(b"41424"), None);
        assert_eq!(decode_hex(b"4g"), None);
        assert_eq!(decode_hex(b"4a"), None);
        assert_eq!(execve_arg("a12"), Some((12, None)));
        assert_eq!(execve_arg("a1[3]"), Some((1, Some(3))));
        assert_eq!(execve_arg("a1_len"), None);
        assert_eq!(execve_arg("argc"), None);
    }
}
