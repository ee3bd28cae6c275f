//! Apache and nginx access logs: the common and combined formats.
//!
//! ```text
//! 10.0.0.5 - bob [10/Oct/2000:13:55:36 -0700] "GET /a.php?x=1 HTTP/1.1" 200 2326
//! 10.0.0.5 - - [10/Oct/2000:13:55:36 -0700] "POST /t.php?cmd=read HTTP/1.1" 200 0 "-" "python-urllib3/1.26"
//! www.example.com:443 10.0.0.5 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "curl/8.0"
//! ```
//!
//! `%h %l %u %t "%r" %>s %b` (common), then `"%{Referer}i"
//! "%{User-Agent}i"` (combined), optionally after a virtual-host field
//! (`%v` or `%v:%p`, Apache's `vhost_combined`, nginx's `$host`), and with
//! whatever a site appended after them (nginx often adds
//! `"$http_x_forwarded_for"`), kept under `extra_1`, `extra_2`… The fields
//! before the bracketed time tell the variant: three without a virtual
//! host, four with one.
//!
//! Quoted fields are escaped by the server: Apache writes `\"`, `\\` and
//! `\xhh` for other bytes, nginx `\xHH` for `"`, `\` and bytes outside
//! printable ASCII. `\"`, `\\` and a `\xHH` that stands for a printable
//! ASCII character are decoded (so a rule sees `"` where the client sent
//! one); other escapes stay written as they are, since the text cannot
//! show those bytes faithfully. A request line that is not `METHOD target
//! protocol` (a TLS handshake sent to the HTTP port, a scanner's garbage)
//! is kept whole in `request` and gives no method or target.

use std::sync::Arc;

use super::WebError;
use super::decode::{Fields, Spelling};
use super::event::{Original, WebEvent};
use super::when;

/// Parse one line.
pub(crate) fn entry(line: &str) -> Result<WebEvent, WebError> {
    let not_access = || WebError::NotAccessLine {
        snippet: line.chars().take(60).collect(),
    };
    let open = line.find(" [").ok_or_else(not_access)?;
    let lead: Vec<&str> = line[..open].split(' ').collect();
    let (vhost, host, ident, user) = match lead.as_slice() {
        [host, ident, user] => (None, *host, *ident, *user),
        [vhost, host, ident, user] => (Some(*vhost), *host, *ident, *user),
        _ => return Err(not_access()),
    };
    let rest = &line[open + 2..];
    let close = rest.find(']').ok_or_else(not_access)?;
    let time_text = &rest[..close];
    let mut cursor = Cursor {
        rest: &rest[close + 1..],
    };
    let request = cursor.quoted().ok_or_else(not_access)?;
    let status = cursor.bare().ok_or_else(not_access)?;
    let bytes = cursor.bare().ok_or_else(not_access)?;
    let valid_status = status == "-" || (status.len() == 3 && status.parse::<u16>().is_ok());
    let valid_bytes = bytes == "-" || bytes.parse::<u64>().is_ok();
    if !valid_status || !valid_bytes {
        return Err(not_access());
    }
    let referer = cursor.quoted();
    let agent = referer.as_ref().and_then(|_| cursor.quoted());
    let mut extras = Vec::new();
    while let Some(extra) = cursor.any() {
        extras.push(extra);
    }

    let mut fields = Fields::default();
    if let Some(vhost) = vhost {
        match vhost.rsplit_once(':') {
            Some((name, port)) if port.parse::<u16>().is_ok() => {
                fields.text("s-sitename", name);
                fields.count("s-port", port);
            }
            _ => fields.text("s-sitename", vhost),
        }
    }
    fields.text("c-ip", host);
    fields.text("cs-username", user);
    let parts: Vec<&str> = request.split(' ').collect();
    match parts.as_slice() {
        [method, target, version] => {
            fields.text("cs-method", method);
            fields.whole_target(target, Spelling::AsSent);
            fields.text("cs-version", version);
        }
        [method, target] => {
            fields.text("cs-method", method);
            fields.whole_target(target, Spelling::AsSent);
        }
        _ => {}
    }
    fields.count("sc-status", status);
    fields.count("sc-bytes", bytes);
    if let Some(referer) = &referer {
        fields.header("cs", "Referer", referer, Spelling::AsSent);
    }
    if let Some(agent) = &agent {
        fields.header("cs", "User-Agent", agent, Spelling::AsSent);
    }

    let mut original: Vec<(Arc<str>, String)> = Vec::new();
    let mut keep = |name: &str, value: &str| original.push((Arc::from(name), value.to_owned()));
    if let Some(vhost) = vhost {
        keep("vhost", vhost);
    }
    keep("remote_addr", host);
    keep("ident", ident);
    keep("remote_user", user);
    keep("time_local", time_text);
    keep("request", &request);
    keep("status", status);
    keep("body_bytes_sent", bytes);
    if let Some(referer) = &referer {
        keep("http_referer", referer);
    }
    if let Some(agent) = &agent {
        keep("http_user_agent", agent);
    }
    for (i, extra) in extras.iter().enumerate() {
        keep(&format!("extra_{}", i + 1), extra);
    }
    Ok(WebEvent::new(
        fields.into_vec(),
        Original::Columns(original),
        when::clf(time_text),
    ))
}

/// The unread rest of a line, field by field.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    /// The next field, after one space, if it is quoted.
    fn quoted(&mut self) -> Option<String> {
        let body = self.rest.strip_prefix(" \"")?;
        let mut out = String::with_capacity(body.len().min(256));
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &body[i + 1..];
                    return Some(out);
                }
                '\\' => match chars.next() {
                    Some((_, '"')) => out.push('"'),
                    Some((_, '\\')) => out.push('\\'),
                    Some((j, 'x')) => match body.get(j + 1..j + 3).and_then(printable_hex) {
                        Some(byte) => {
                            out.push(byte);
                            chars.next();
                            chars.next();
                        }
                        None => out.push_str("\\x"),
                    },
                    Some((_, other)) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        None
    }

    /// The next field, after one space, if it is not quoted.
    fn bare(&mut self) -> Option<&'a str> {
        let body = self.rest.strip_prefix(' ')?;
        if body.starts_with('"') {
            return None;
        }
        let end = body.find(' ').unwrap_or(body.len());
        if end == 0 {
            return None;
        }
        let (field, rest) = body.split_at(end);
        self.rest = rest;
        Some(field)
    }

    /// The next field of either kind; an unterminated quote takes the rest.
    fn any(&mut self) -> Option<String> {
        if self.rest.trim().is_empty() {
            return None;
        }
        if let Some(quoted) = self.quoted() {
            return Some(quoted);
        }
        if let Some(bare) = self.bare() {
            return Some(bare.to_owned());
        }
        let rest = self.rest.trim_start().to_owned();
        self.rest = "";
        Some(rest)
    }
}

/// `22` → `"`: a hex pair that stands for a printable ASCII character.
fn printable_hex(pair: &str) -> Option<char> {
    let byte = u8::from_str_radix(pair, 16).ok()?;
    (0x20..0x7f).contains(&byte).then_some(byte as char)
}

/// Whether `line` reads as an access-log entry.
pub(crate) fn looks_like(line: &str) -> bool {
    entry(line).is_ok()
}

#[cfg(test)]
mod tests {
    use tunnelhunt_engine::{Event, FieldValue, Lookup};

    use super::*;

    fn text(event: &WebEvent, name: &str) -> Vec<String> {
        crate::web::texts_of(event, name)
    }

    #[test]
    fn reads_common_combined_and_vhost_lines() {
        let common = entry(
            r#"10.0.0.5 - bob [10/Oct/2000:13:55:36 -0700] "GET /a.php?x=1 HTTP/1.1" 200 2326"#,
        )
        .unwrap();
        assert_eq!(text(&common, "cs-username"), ["bob"]);
        assert_eq!(text(&common, "cs-uri-stem"), ["/a.php"]);
        assert_eq!(common.field("sc-bytes"), Lookup::One(FieldValue::Int(2326)));
        assert!(common.field("cs-user-agent").is_absent());
        assert_eq!(common.timestamp(), Some("2000-10-10T20:55:36.000Z"));

        let combined = entry(
            r#"10.0.0.5 - - [10/Oct/2000:13:55:36 +0000] "POST /t.php?cmd=connect&target=10.1.1.1&port=3389 HTTP/1.1" 200 0 "-" "python-urllib3/1.26" "203.0.113.9""#,
        )
        .unwrap();
        assert_eq!(text(&combined, "cs-method"), ["POST"]);
        assert!(combined.field("cs-referer").is_absent());
        assert_eq!(text(&combined, "cs-user-agent"), ["python-urllib3/1.26"]);
        assert_eq!(text(&combined, "extra_1"), ["203.0.113.9"]);
        assert_eq!(
            text(&combined, "cs-uri-query")[0],
            "cmd=connect&target=10.1.1.1&port=3389"
        );

        let vhost = entry(
            r#"www.example.com:443 10.0.0.5 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "curl/8.0""#,
        )
        .unwrap();
        assert_eq!(text(&vhost, "s-sitename"), ["www.example.com"]);
        assert_eq!(vhost.field("s-port"), Lookup::One(FieldValue::Int(443)));
        assert_eq!(text(&vhost, "c-ip"), ["10.0.0.5"]);
    }

    #[test]
    fn escapes_in_quoted_fields() {
        let event = entry(
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /q?a=\"x\x22\\ HTTP/1.1" 400 - "-" "a\x01b""#,
        )
        .unwrap();
        assert_eq!(text(&event, "cs-uri-query")[0], r#"a="x"\"#);
        assert_eq!(text(&event, "cs-user-agent"), [r"a\x01b"]);
        assert!(event.field("sc-bytes").is_absent());
        let garbage =
            entry(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "\x16\x03\x01" 400 0 "-" "-""#)
                .unwrap();
        assert!(garbage.field("cs-method").is_absent());
        assert_eq!(text(&garbage, "request"), [r"\x16\x03\x01"]);
    }

    #[test]
    fn other_lines_are_not_entries() {
        for line in [
            "",
            "just text",
            "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] GET / 200 0",
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" OK 0"#,
            r#"a b c d e [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 0"#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1"#,
        ] {
            assert!(
                matches!(entry(line), Err(WebError::NotAccessLine { .. })),
                "{line}"
            );
        }
    }
}
