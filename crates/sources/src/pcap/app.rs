//! The first bytes of a TCP stream: which protocol it speaks, and what of
//! it the events carry. TLS handshakes are parsed by `tls-parser`
//! (rusticata's, the parser Suricata's Rust side grew from), HTTP/1
//! request heads by `httparse` (hyper's); the SSH banner is one line and
//! read here.
//!
//! Each parser takes the bytes reassembled so far and says whether it has
//! what it needs ([`Parsed::Done`]), needs more ([`Parsed::More`]) or
//! will never have it ([`Parsed::Invalid`]: not this protocol, or
//! damaged); the flow table calls it again as bytes arrive, up to its
//! per-flow byte cap.

use tls_parser::{
    SNIType, TlsExtension, TlsMessage, TlsMessageHandshake, TlsVersion, parse_tls_extensions,
    parse_tls_plaintext,
};

use super::dns::escape;

/// What a parser made of the bytes so far.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<T> {
    /// Parsed, and the number of bytes it took.
    Done(T, usize),
    More,
    Invalid,
}

/// The application protocol a TCP stream's first bytes show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    Tls,
    Http,
    Ssh,
}

/// Recognise a stream from its first bytes (from either side: an SSH
/// server speaks first).
pub fn recognise(first: &[u8]) -> Option<App> {
    if first.starts_with(b"SSH-") {
        return Some(App::Ssh);
    }
    // A handshake record of SSL 3.0 or any TLS version.
    if first.len() >= 3 && first[0] == 0x16 && first[1] == 0x03 && first[2] <= 0x04 {
        return Some(App::Tls);
    }
    const METHODS: &[&[u8]] = &[
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"PATCH ",
        b"CONNECT ",
        b"TRACE ",
        b"PROPFIND ",
    ];
    METHODS
        .iter()
        .any(|m| first.starts_with(m))
        .then_some(App::Http)
}

/// What a TLS ClientHello offers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientHello {
    pub server_name: Option<String>,
    pub alpn: Vec<String>,
}

/// What a TLS ServerHello chose.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerHello {
    pub version: String,
    pub alpn: Option<String>,
}

fn tls_record(bytes: &[u8]) -> Parsed<(Vec<TlsMessage<'_>>, usize)> {
    match parse_tls_plaintext(bytes) {
        Ok((rest, record)) => Parsed::Done((record.msg, bytes.len() - rest.len()), 0),
        Err(tls_parser::Err::Incomplete(_)) => Parsed::More,
        Err(_) => Parsed::Invalid,
    }
}

fn extensions(ext: Option<&[u8]>) -> Vec<TlsExtension<'_>> {
    ext.and_then(|ext| parse_tls_extensions(ext).ok())
        .map(|(_, extensions)| extensions)
        .unwrap_or_default()
}

/// The ClientHello in the first record of the client's stream.
pub fn client_hello(bytes: &[u8]) -> Parsed<ClientHello> {
    let (messages, used) = match tls_record(bytes) {
        Parsed::Done(parsed, _) => parsed,
        Parsed::More => return Parsed::More,
        Parsed::Invalid => return Parsed::Invalid,
    };
    let Some(TlsMessage::Handshake(TlsMessageHandshake::ClientHello(hello))) = messages.first()
    else {
        return Parsed::Invalid;
    };
    let mut out = ClientHello::default();
    for extension in extensions(hello.ext) {
        match extension {
            TlsExtension::SNI(names) => {
                out.server_name = names
                    .iter()
                    .find(|(kind, _)| *kind == SNIType::HostName)
                    .map(|(_, name)| escape(name));
            }
            TlsExtension::ALPN(protocols) => {
                out.alpn = protocols.iter().map(|p| escape(p)).collect();
            }
            _ => {}
        }
    }
    Parsed::Done(out, used)
}

/// The ServerHello in the first record of the server's stream.
pub fn server_hello(bytes: &[u8]) -> Parsed<ServerHello> {
    let (messages, used) = match tls_record(bytes) {
        Parsed::Done(parsed, _) => parsed,
        Parsed::More => return Parsed::More,
        Parsed::Invalid => return Parsed::Invalid,
    };
    let Some(TlsMessage::Handshake(TlsMessageHandshake::ServerHello(hello))) = messages.first()
    else {
        return Parsed::Invalid;
    };
    let mut out = ServerHello {
        version: version_name(hello.version),
        alpn: None,
    };
    for extension in extensions(hello.ext) {
        match extension {
            // TLS 1.3 names itself here; the legacy field says 1.2.
            TlsExtension::SupportedVersions(versions) => {
                if let Some(&v) = versions.first() {
                    out.version = version_name(v);
                }
            }
            TlsExtension::ALPN(protocols) => out.alpn = protocols.first().map(|p| escape(p)),
            _ => {}
        }
    }
    Parsed::Done(out, used)
}

/// Zeek's spelling of a TLS version.
fn version_name(version: TlsVersion) -> String {
    match version.0 {
        0x0300 => "SSLv3".to_owned(),
        0x0301 => "TLSv10".to_owned(),
        0x0302 => "TLSv11".to_owned(),
        0x0303 => "TLSv12".to_owned(),
        0x0304 => "TLSv13".to_owned(),
        other => format!("unknown-{other}"),
    }
}

/// An HTTP/1 request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub uri: String,
    pub version: String,
    pub host: Option<String>,
    pub user_agent: Option<String>,
    /// `Content-Length`, when given.
    pub body_len: Option<u64>,
    /// A chunked body: where the next request starts is not known from
    /// the head, so no further request is read from this stream.
    pub chunked: bool,
}

/// How many header lines a request head may have.
const MAX_HEADERS: usize = 64;

/// The request head at the start of `bytes`; the bytes it took are the
/// head only (the caller skips the body).
pub fn http_request(bytes: &[u8]) -> Parsed<Request> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let used = match request.parse(bytes) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) => return Parsed::More,
        Err(_) => return Parsed::Invalid,
    };
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| escape(h.value))
    };
    let out = Request {
        method: request.method.unwrap_or_default().to_owned(),
        uri: request.path.unwrap_or_default().to_owned(),
        version: format!("1.{}", request.version.unwrap_or(1)),
        host: header("Host"),
        user_agent: header("User-Agent"),
        body_len: header("Content-Length").and_then(|v| v.trim().parse().ok()),
        chunked: header("Transfer-Encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked")),
    };
    Parsed::Done(out, used)
}

/// The longest SSH identification line (RFC 4253 §4.2: 255 bytes).
const MAX_BANNER: usize = 255;

/// The SSH identification string at the start of `bytes`, without its
/// line end.
pub fn ssh_banner(bytes: &[u8]) -> Parsed<String> {
    if !bytes.starts_with(b"SSH-") {
        return Parsed::Invalid;
    }
    match memchr::memchr(b'\n', bytes) {
        Some(end) if end <= MAX_BANNER => {
            let line = &bytes[..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            Parsed::Done(escape(line), end + 1)
        }
        Some(_) => Parsed::Invalid,
        None if bytes.len() > MAX_BANNER => Parsed::Invalid,
        None => Parsed::More,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLS 1.2 ClientHello record with SNI `example.org` and ALPN
    /// `h2`, `http/1.1`.
    pub(crate) fn client_hello_record() -> Vec<u8> {
        let sni_name = b"example.org";
        let mut sni = vec![];
        sni.extend_from_slice(&((sni_name.len() + 3) as u16).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(sni_name.len() as u16).to_be_bytes());
        sni.extend_from_slice(sni_name);
        let alpn_list: &[u8] = b"\x02h2\x08http/1.1";
        let mut alpn = (alpn_list.len() as u16).to_be_bytes().to_vec();
        alpn.extend_from_slice(alpn_list);
        let mut ext = vec![];
        for (kind, data) in [(0u16, &sni), (16u16, &alpn)] {
            ext.extend_from_slice(&kind.to_be_bytes());
            ext.extend_from_slice(&(data.len() as u16).to_be_bytes());
            ext.extend_from_slice(data);
        }
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0); // session id
        body.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
        body.extend_from_slice(&[1, 0]); // null compression
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
        let mut handshake = vec![1];
        handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        handshake.extend_from_slice(&body);
        let mut record = vec![0x16, 3, 1];
        record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
        record.extend_from_slice(&handshake);
        record
    }

    #[test]
    fn client_hello_gives_sni_and_alpn() {
        let record = client_hello_record();
        assert_eq!(recognise(&record), Some(App::Tls));
        let Parsed::Done(hello, used) = client_hello(&record) else {
            panic!("not parsed");
        };
        assert_eq!(used, record.len());
        assert_eq!(hello.server_name.as_deref(), Some("example.org"));
        assert_eq!(hello.alpn, ["h2", "http/1.1"]);
        assert_eq!(client_hello(&record[..40]), Parsed::More);
        assert_eq!(client_hello(b"\x16\x03\x01\x00\x01\xff"), Parsed::Invalid);
    }

    #[test]
    fn http_heads_and_ssh_banners() {
        let head = b"POST /erp/conn.aspx?proxy HTTP/1.1\r\nHost: h\r\nUser-Agent: x/1\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(recognise(head), Some(App::Http));
        let Parsed::Done(req, used) = http_request(head) else {
            panic!("not parsed");
        };
        assert_eq!(used, head.len() - 3);
        assert_eq!(
            (req.method.as_str(), req.uri.as_str(), req.version.as_str()),
            ("POST", "/erp/conn.aspx?proxy", "1.1")
        );
        assert_eq!(req.host.as_deref(), Some("h"));
        assert_eq!(req.user_agent.as_deref(), Some("x/1"));
        assert_eq!(req.body_len, Some(3));
        assert_eq!(http_request(&head[..20]), Parsed::More);
        assert_eq!(
            http_request(b"GET / HTTP/1.1\r\nbad header\r\n\r\n"),
            Parsed::Invalid
        );
        assert_eq!(
            ssh_banner(b"SSH-2.0-OpenSSH_9.6\r\nrest"),
            Parsed::Done("SSH-2.0-OpenSSH_9.6".to_owned(), 21)
        );
        assert_eq!(ssh_banner(b"SSH-2.0-x"), Parsed::More);
        let endless = [&b"SSH-2.0-"[..], &[b'x'; 300]].concat();
        assert_eq!(ssh_banner(&endless), Parsed::Invalid);
        assert_eq!(ssh_banner(b"HTTP/1.1 200 OK\r\n"), Parsed::Invalid);
        assert_eq!(recognise(b"\x00\x01binary"), None);
    }
}
