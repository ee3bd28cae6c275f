//! Events in Zeek's log shapes: `conn`, `dns`, `ssl`, `http`, `ssh`, with
//! Zeek's field names, so the Zeek mapping, routing (`product: zeek`,
//! `service: <log>`) and every rule written for Zeek logs apply to a
//! capture unchanged.

use std::net::IpAddr;
use std::sync::Arc;

use super::app::{ClientHello, Request, ServerHello};
use super::dns::{self, Message};
use crate::zeek::{Log, Value, ZeekEvent};

/// Which transport a flow uses (`proto` in Zeek's logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// One side of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

/// What every event of a flow starts with: `ts`, `uid` and the `id`
/// record.
#[derive(Debug, Clone)]
pub struct FlowId<'a> {
    pub uid: &'a str,
    pub orig: Endpoint,
    pub resp: Endpoint,
    pub proto: Proto,
}

/// The fields of one event, in the order Zeek writes them.
struct Fields(Vec<(Arc<str>, Value)>);

impl Fields {
    fn new(ts: f64, id: &FlowId<'_>) -> Fields {
        let mut fields = Fields(Vec::with_capacity(24));
        fields.put("ts", Value::Float(ts));
        fields.put("uid", Value::Str(id.uid.to_owned()));
        fields.put("id.orig_h", Value::Str(id.orig.ip.to_string()));
        fields.put("id.orig_p", Value::Int(i64::from(id.orig.port)));
        fields.put("id.resp_h", Value::Str(id.resp.ip.to_string()));
        fields.put("id.resp_p", Value::Int(i64::from(id.resp.port)));
        fields
    }

    fn put(&mut self, name: &str, value: Value) {
        self.0.push((Arc::from(name), value));
    }

    fn put_opt(&mut self, name: &str, value: Option<String>) {
        if let Some(value) = value {
            self.put(name, Value::Str(value));
        }
    }

    fn event(self, log: Log) -> ZeekEvent {
        ZeekEvent::new(log, self.0)
    }
}

/// A connection summary (`conn.log`).
#[derive(Debug, Clone)]
pub struct ConnSummary {
    pub start: f64,
    pub duration: f64,
    pub service: Option<&'static str>,
    pub orig_bytes: u64,
    pub resp_bytes: u64,
    pub conn_state: &'static str,
    pub orig_pkts: u64,
    pub orig_ip_bytes: u64,
    pub resp_pkts: u64,
    pub resp_ip_bytes: u64,
}

pub fn conn(id: &FlowId<'_>, c: &ConnSummary) -> ZeekEvent {
    let mut f = Fields::new(c.start, id);
    let count = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
    f.put("proto", Value::Str(id.proto.as_str().to_owned()));
    f.put_opt("service", c.service.map(str::to_owned));
    f.put("duration", Value::Float(c.duration));
    f.put("orig_bytes", count(c.orig_bytes));
    f.put("resp_bytes", count(c.resp_bytes));
    f.put("conn_state", Value::Str(c.conn_state.to_owned()));
    f.put("orig_pkts", count(c.orig_pkts));
    f.put("orig_ip_bytes", count(c.orig_ip_bytes));
    f.put("resp_pkts", count(c.resp_pkts));
    f.put("resp_ip_bytes", count(c.resp_ip_bytes));
    f.event(Log::Conn)
}

/// A DNS transaction (`dns.log`): the query, its response, or both.
pub fn dns(
    id: &FlowId<'_>,
    ts: f64,
    query: Option<&Message>,
    response: Option<&Message>,
    rtt: Option<f64>,
) -> ZeekEvent {
    let mut f = Fields::new(ts, id);
    f.put("proto", Value::Str(id.proto.as_str().to_owned()));
    let Some(first) = query.or(response) else {
        return f.event(Log::Dns);
    };
    f.put("trans_id", Value::Int(i64::from(first.id)));
    if let Some(rtt) = rtt {
        f.put("rtt", Value::Float(rtt));
    }
    if let Some(q) = query
        .and_then(|m| m.question.as_ref())
        .or_else(|| response.and_then(|m| m.question.as_ref()))
    {
        f.put("query", Value::Str(q.name.clone()));
        f.put("qclass", Value::Int(i64::from(q.qclass)));
        f.put("qclass_name", Value::Str(dns::qclass_name(q.qclass)));
        f.put("qtype", Value::Int(i64::from(q.qtype)));
        f.put("qtype_name", Value::Str(dns::qtype_name(q.qtype)));
    }
    if let Some(r) = response {
        f.put("rcode", Value::Int(i64::from(r.rcode)));
        f.put("rcode_name", Value::Str(dns::rcode_name(r.rcode)));
        f.put("AA", Value::Bool(r.aa));
    }
    f.put(
        "TC",
        Value::Bool(query.is_some_and(|m| m.tc) || response.is_some_and(|m| m.tc)),
    );
    f.put("RD", Value::Bool(first.rd));
    if let Some(r) = response {
        f.put("RA", Value::Bool(r.ra));
    }
    f.put("Z", Value::Int(i64::from(first.z)));
    if let Some(r) = response.filter(|r| !r.answers.is_empty()) {
        f.put(
            "answers",
            Value::List(r.answers.iter().cloned().map(Value::Str).collect()),
        );
        f.put(
            "TTLs",
            Value::List(r.ttls.iter().map(|&t| Value::Float(f64::from(t))).collect()),
        );
    }
    // Zeek's `rejected`: the server answered with an error code.
    f.put(
        "rejected",
        Value::Bool(response.is_some_and(|r| r.rcode != 0)),
    );
    if let Some((size, version)) = query.and_then(|m| m.edns).or(response.and_then(|m| m.edns)) {
        f.put("edns_udp_size", Value::Int(i64::from(size)));
        f.put("edns_version", Value::Int(i64::from(version)));
    }
    f.event(Log::Dns)
}

/// A TLS handshake (`ssl.log`): what the ClientHello offered and, when
/// seen, what the ServerHello chose. `next_protocol` is the protocol the
/// server chose, as in Zeek; `client_alpn` (not in Zeek's log) is what
/// the client offered.
pub fn ssl(
    id: &FlowId<'_>,
    ts: f64,
    client: Option<&ClientHello>,
    server: Option<&ServerHello>,
) -> ZeekEvent {
    let mut f = Fields::new(ts, id);
    f.put_opt("version", server.map(|s| s.version.clone()));
    f.put_opt("server_name", client.and_then(|c| c.server_name.clone()));
    f.put_opt("next_protocol", server.and_then(|s| s.alpn.clone()));
    if let Some(client) = client.filter(|c| !c.alpn.is_empty()) {
        f.put(
            "client_alpn",
            Value::List(client.alpn.iter().cloned().map(Value::Str).collect()),
        );
    }
    f.put("established", Value::Bool(server.is_some()));
    f.event(Log::Other(Arc::from("ssl")))
}

/// An HTTP/1 request (`http.log`); `trans_depth` counts the requests of
/// the connection from 1.
pub fn http(id: &FlowId<'_>, ts: f64, depth: u64, request: &Request) -> ZeekEvent {
    let mut f = Fields::new(ts, id);
    f.put(
        "trans_depth",
        Value::Int(i64::try_from(depth).unwrap_or(i64::MAX)),
    );
    f.put("method", Value::Str(request.method.clone()));
    f.put_opt("host", request.host.clone());
    f.put("uri", Value::Str(request.uri.clone()));
    f.put("version", Value::Str(request.version.clone()));
    f.put_opt("user_agent", request.user_agent.clone());
    if let Some(len) = request.body_len {
        f.put(
            "request_body_len",
            Value::Int(i64::try_from(len).unwrap_or(i64::MAX)),
        );
    }
    f.event(Log::Other(Arc::from("http")))
}

/// The start of an SSH session (`ssh.log`): the identification strings.
pub fn ssh(id: &FlowId<'_>, ts: f64, client: Option<&str>, server: Option<&str>) -> ZeekEvent {
    let mut f = Fields::new(ts, id);
    let version = client.or(server).map(|banner| {
        if banner.starts_with("SSH-1.") && !banner.starts_with("SSH-1.99") {
            1
        } else {
            2
        }
    });
    if let Some(version) = version {
        f.put("version", Value::Int(version));
    }
    f.put_opt("client", client.map(str::to_owned));
    f.put_opt("server", server.map(str::to_owned));
    f.event(Log::Other(Arc::from("ssh")))
}
