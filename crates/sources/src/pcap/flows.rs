//! The flow table: one entry per live UDP or TCP connection, its counters
//! and state, and the rules that end it — so memory follows the number of
//! live flows, not the size of the capture.
//!
//! A flow ends, and its `conn` event (with the DNS queries never answered
//! and a handshake seen in part) is produced, when
//! - it has been idle for [`Limits::tcp_idle`] / [`Limits::udp_idle`]
//!   seconds of capture time (Zeek's inactivity timeouts: 5 minutes for
//!   TCP, 1 minute for UDP);
//! - a TCP connection was closed (both FINs, or a RST) and
//!   [`CLOSE_DELAY`] seconds passed, so the last ACKs still count;
//! - the table holds [`Limits::max_flows`] flows and a new one starts:
//!   the flow that would expire first is ended early;
//! - the capture ends: every flow still open is ended there, in the order
//!   the flows started.
//!
//! The originator is the side that sent the first packet, except that a
//! first packet that is a SYN-ACK, or that goes from a port below 1024 to
//! one above, is taken as the responder's (the capture began mid-flow).
//!
//! `conn_state` is the subset of Zeek's states that the TCP control bits
//! decide without sequence analysis: `S0` (SYN, no answer), `REJ` (SYN
//! answered by RST), `RSTOS0` (originator SYN then RST, no answer), `SH`
//! (originator SYN then FIN, no answer), `S1` (established, still open),
//! `SF` (established, both sides FIN), `S2`/`S3` (established, only the
//! originator / responder sent FIN), `RSTO`/`RSTR` (established, reset by
//! the originator / responder), `OTH` (no SYN seen). A UDP flow is `SF`
//! when both sides sent, `S0` otherwise. Bytes are payload bytes as sent
//! (retransmissions counted, like Zeek's `*_ip_bytes`), packets and IP
//! bytes as Zeek counts them.

use std::collections::{BTreeSet, HashMap};

use super::events::{self, ConnSummary, Endpoint, FlowId, Proto};
use super::packet::{IpPacket, TcpFlags, Transport};
use super::session::{self, Segment, Session};
use super::{Limits, Output, PacketRef};

/// Seconds a closed TCP connection is kept for its last packets.
pub const CLOSE_DELAY: f64 = 5.0;

/// A flow's key: its endpoints in a fixed order, whichever side sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    proto: Proto,
    low: Endpoint,
    high: Endpoint,
}

impl Key {
    fn new(proto: Proto, a: Endpoint, b: Endpoint) -> Key {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        Key { proto, low, high }
    }
}

/// One direction's counters and TCP control bits.
#[derive(Debug, Default)]
struct Side {
    pkts: u64,
    ip_bytes: u64,
    bytes: u64,
    syn: bool,
    /// A SYN with ACK (the responder's half of the handshake).
    syn_ack: bool,
    fin: bool,
    rst: bool,
}

#[derive(Debug)]
struct Flow {
    number: u64,
    uid: String,
    proto: Proto,
    orig: Endpoint,
    resp: Endpoint,
    /// The flow's first packet, where its `conn` event points.
    first: PacketRef,
    start: f64,
    last: f64,
    /// When the flow ends if no packet comes: an index into `expiries`.
    expiry: u64,
    sides: [Side; 2],
    session: Session,
}

impl Flow {
    fn closed(&self) -> bool {
        let [o, r] = &self.sides;
        o.rst || r.rst || (o.fin && r.fin)
    }

    fn conn_state(&self) -> &'static str {
        let [o, r] = &self.sides;
        if self.proto == Proto::Udp {
            return if o.pkts > 0 && r.pkts > 0 { "SF" } else { "S0" };
        }
        if !o.syn {
            return "OTH";
        }
        if !r.syn_ack {
            return if r.rst {
                "REJ"
            } else if o.rst {
                "RSTOS0"
            } else if o.fin {
                "SH"
            } else {
                "S0"
            };
        }
        match (o.rst, r.rst, o.fin, r.fin) {
            (true, _, _, _) => "RSTO",
            (_, true, _, _) => "RSTR",
            (_, _, true, true) => "SF",
            (_, _, true, false) => "S2",
            (_, _, false, true) => "S3",
            _ => "S1",
        }
    }
}

/// Capture time in microseconds, the expiry order's unit.
fn micros(ts: f64) -> u64 {
    if ts.is_finite() && ts > 0.0 {
        (ts * 1e6) as u64
    } else {
        0
    }
}

/// The live flows.
pub struct Flows {
    limits: Limits,
    by_key: HashMap<Key, Flow>,
    /// (expiry in µs, flow number, key): which flow ends next.
    expiries: BTreeSet<(u64, u64, Key)>,
    started: u64,
    /// Reassembly bytes still allowed across all flows.
    budget: usize,
    now: f64,
}

impl Flows {
    pub fn new(limits: Limits) -> Flows {
        Flows {
            budget: limits.buffer_budget,
            limits,
            by_key: HashMap::new(),
            expiries: BTreeSet::new(),
            started: 0,
            now: 0.0,
        }
    }

    /// How many flows are live.
    pub fn live(&self) -> usize {
        self.by_key.len()
    }

    /// Account one packet to its flow, and end the flows its time expires.
    pub fn packet(&mut self, ts: f64, at: PacketRef, ip: &IpPacket<'_>, out: &mut Vec<Output>) {
        if ts > self.now {
            self.now = ts;
            self.expire(micros(ts), out);
        }
        let (proto, src_port, dst_port, payload, seq, flags) = match ip.transport {
            Transport::Udp {
                src_port,
                dst_port,
                payload,
            } => (
                Proto::Udp,
                src_port,
                dst_port,
                payload,
                0,
                TcpFlags::default(),
            ),
            Transport::Tcp {
                src_port,
                dst_port,
                seq,
                flags,
                payload,
            } => (Proto::Tcp, src_port, dst_port, payload, seq, flags),
        };
        let src = Endpoint {
            ip: ip.src,
            port: src_port,
        };
        let dst = Endpoint {
            ip: ip.dst,
            port: dst_port,
        };
        let key = Key::new(proto, src, dst);
        let reopened = flags.syn
            && !flags.ack
            && self
                .by_key
                .get(&key)
                .is_some_and(|f| f.closed() && f.orig == src);
        if reopened {
            self.end(&key, out);
        }
        if !self.by_key.contains_key(&key) {
            let full = self.by_key.len() >= self.limits.max_flows.max(1);
            if let Some(&(_, _, oldest)) = self.expiries.first().filter(|_| full) {
                self.end(&oldest, out);
            }
            self.start(key, ts, at, src, dst, flags);
        }
        let limits = self.limits;
        let Some(flow) = self.by_key.get_mut(&key) else {
            return;
        };
        let from_orig = flow.orig == src;
        let side = &mut flow.sides[usize::from(!from_orig)];
        side.pkts += 1;
        side.ip_bytes += ip.ip_len;
        side.bytes += payload.len() as u64;
        side.syn |= flags.syn && !flags.ack;
        side.syn_ack |= flags.syn && flags.ack;
        side.fin |= flags.fin;
        side.rst |= flags.rst;
        flow.last = flow.last.max(ts);
        let segment = Segment {
            from_orig,
            ts,
            packet: at,
            payload,
            cut: ip.cut,
            tcp: (proto == Proto::Tcp).then_some((seq, flags.syn)),
        };
        let id = FlowId {
            uid: &flow.uid,
            orig: flow.orig,
            resp: flow.resp,
            proto,
        };
        match proto {
            Proto::Udp if session::is_dns_port(proto, src_port, dst_port) => {
                flow.session
                    .udp_dns(&id, &segment, limits.max_pending_dns, out);
            }
            Proto::Udp => {}
            Proto::Tcp => flow
                .session
                .tcp(&id, &segment, &limits, &mut self.budget, out),
        }
        let idle = if flow.closed() {
            CLOSE_DELAY
        } else if proto == Proto::Tcp {
            limits.tcp_idle
        } else {
            limits.udp_idle
        };
        let expiry = micros(flow.last + idle);
        if expiry != flow.expiry {
            self.expiries.remove(&(flow.expiry, flow.number, key));
            flow.expiry = expiry;
            self.expiries.insert((expiry, flow.number, key));
        }
    }

    fn start(
        &mut self,
        key: Key,
        ts: f64,
        first: PacketRef,
        src: Endpoint,
        dst: Endpoint,
        flags: TcpFlags,
    ) {
        self.started += 1;
        let number = self.started;
        // A capture that starts mid-flow: the first packet is the answer.
        let flipped =
            (flags.syn && flags.ack) || (!flags.syn && src.port < 1024 && dst.port >= 1024);
        let (orig, resp) = if flipped { (dst, src) } else { (src, dst) };
        let expiry = micros(ts);
        self.by_key.insert(
            key,
            Flow {
                number,
                uid: format!("CP{number:07}"),
                proto: key.proto,
                orig,
                resp,
                first,
                start: ts,
                last: ts,
                expiry,
                sides: [Side::default(), Side::default()],
                session: Session::default(),
            },
        );
        self.expiries.insert((expiry, number, key));
    }

    /// End the flows whose expiry is before `now` (µs).
    fn expire(&mut self, now: u64, out: &mut Vec<Output>) {
        while let Some(&(expiry, _, key)) = self.expiries.first() {
            if expiry >= now {
                break;
            }
            self.end(&key, out);
        }
    }

    fn end(&mut self, key: &Key, out: &mut Vec<Output>) {
        let Some(mut flow) = self.by_key.remove(key) else {
            return;
        };
        self.expiries.remove(&(flow.expiry, flow.number, *key));
        self.budget += flow.session.buffered();
        let uid = std::mem::take(&mut flow.uid);
        let id = FlowId {
            uid: &uid,
            orig: flow.orig,
            resp: flow.resp,
            proto: flow.proto,
        };
        flow.session.finish(&id, out);
        let [o, r] = &flow.sides;
        let summary = ConnSummary {
            start: flow.start,
            duration: flow.last - flow.start,
            service: flow.session.service(),
            orig_bytes: o.bytes,
            resp_bytes: r.bytes,
            conn_state: flow.conn_state(),
            orig_pkts: o.pkts,
            orig_ip_bytes: o.ip_bytes,
            resp_pkts: r.pkts,
            resp_ip_bytes: r.ip_bytes,
        };
        out.push(Output::Event(flow.first, events::conn(&id, &summary)));
    }

    /// The capture ended: every live flow ends, in the order they started.
    pub fn finish(&mut self, out: &mut Vec<Output>) {
        let mut keys: Vec<(u64, Key)> = self.by_key.iter().map(|(k, f)| (f.number, *k)).collect();
        keys.sort_unstable();
        for (_, key) in keys {
            self.end(&key, out);
        }
    }
}
