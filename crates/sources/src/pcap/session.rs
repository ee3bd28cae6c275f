//! One flow's application layer: the TCP byte streams (in-order
//! reassembly of their first bytes, up to a cap), DNS transactions, and
//! what the TLS, HTTP and SSH parsers find, turned into events.
//!
//! Reassembly is deliberately small: each direction keeps the bytes that
//! arrive in sequence until the parser has what it needs or the stream
//! reaches [`Limits::stream_bytes`](super::Limits); a gap (a segment lost
//! or captured out of order) stops that direction, since what the events
//! need sits at the start of a stream. Retransmitted and overlapping
//! segments are trimmed to their new bytes.

use super::app::{self, App, ClientHello, Parsed, ServerHello};
use super::damage::PcapDamage;
use super::dns::{self, Message};
use super::events::{self, FlowId, Proto};
use super::{Limits, Output, PacketRef};

/// A query waiting for its response.
#[derive(Debug)]
struct Pending {
    message: Message,
    ts: f64,
    packet: PacketRef,
}

/// One direction of a TCP stream.
#[derive(Debug, Default)]
pub struct Stream {
    next_seq: Option<u32>,
    pub buf: Vec<u8>,
    /// Still collecting bytes for a parser.
    closed: bool,
}

impl Stream {
    /// The segment's bytes not yet seen, appended while in sequence and
    /// under `cap`; how many bytes were appended.
    fn push(&mut self, seq: u32, payload: &[u8], cap: usize) -> usize {
        if self.closed || payload.is_empty() {
            return 0;
        }
        let next = *self.next_seq.get_or_insert(seq);
        let behind = next.wrapping_sub(seq) as usize;
        let new = if seq == next {
            payload
        } else if (behind as u32) < u32::MAX / 2 {
            // A retransmission or an overlap: keep what is new.
            match payload.get(behind..) {
                Some(rest) if !rest.is_empty() => rest,
                _ => return 0,
            }
        } else {
            // A gap: what follows cannot be read in order.
            self.close();
            return 0;
        };
        let room = cap.saturating_sub(self.buf.len());
        let take = new.len().min(room);
        self.buf.extend_from_slice(&new[..take]);
        self.next_seq = Some(next.wrapping_add(new.len() as u32));
        if take < new.len() {
            self.close();
        }
        take
    }

    /// The SYN takes one sequence number.
    fn syn(&mut self, seq: u32) {
        self.next_seq = Some(seq.wrapping_add(1));
    }

    fn close(&mut self) {
        self.closed = true;
        self.buf = Vec::new();
    }

    fn consume(&mut self, n: usize) {
        self.buf.drain(..n.min(self.buf.len()));
    }
}

/// What is known of the flow's application protocol.
#[derive(Debug, Default)]
enum State {
    #[default]
    Unknown,
    Dns,
    Tls {
        client: Option<ClientHello>,
        server: Option<ServerHello>,
        done: bool,
    },
    Http {
        requests: u64,
        /// Body bytes of the last request still to skip.
        skip: u64,
    },
    Ssh {
        client: Option<String>,
        server: Option<String>,
        done: bool,
    },
    /// Nothing (more) to read.
    Opaque,
}

/// A flow's application layer.
#[derive(Debug, Default)]
pub struct Session {
    state: State,
    pending: Vec<Pending>,
    /// TCP streams, originator's first.
    pub streams: [Stream; 2],
    /// When the TLS or SSH handshake was first seen.
    started: Option<(f64, PacketRef)>,
}

/// What a packet brings to a session.
pub struct Segment<'a> {
    pub from_orig: bool,
    pub ts: f64,
    pub packet: PacketRef,
    pub payload: &'a [u8],
    /// The capture holds less than was sent.
    pub cut: bool,
    /// TCP: the sequence number and whether the SYN bit is set.
    pub tcp: Option<(u32, bool)>,
}

impl Session {
    /// The service Zeek would name in `conn.log`.
    pub fn service(&self) -> Option<&'static str> {
        match self.state {
            State::Dns => Some("dns"),
            State::Tls {
                client: Some(_), ..
            } => Some("ssl"),
            State::Http { requests: 1.., .. } => Some("http"),
            State::Ssh { .. } => Some("ssh"),
            _ => None,
        }
    }

    /// Bytes held in reassembly buffers.
    pub fn buffered(&self) -> usize {
        self.streams.iter().map(|s| s.buf.len()).sum()
    }

    /// A UDP datagram to or from a DNS port.
    pub fn udp_dns(
        &mut self,
        id: &FlowId<'_>,
        seg: &Segment<'_>,
        max_pending: usize,
        out: &mut Vec<Output>,
    ) {
        self.state = State::Dns;
        self.dns_message(id, seg, seg.payload, max_pending, out);
    }

    fn dns_message(
        &mut self,
        id: &FlowId<'_>,
        seg: &Segment<'_>,
        bytes: &[u8],
        max_pending: usize,
        out: &mut Vec<Output>,
    ) {
        let message = match dns::parse(bytes) {
            Ok(message) => message,
            Err(reason) => {
                let reason = if seg.cut {
                    format!("{reason} (the packet is cut by the capture's snap length)")
                } else {
                    reason
                };
                out.push(Output::Damage(PcapDamage::Dns {
                    packet: seg.packet.number,
                    offset: seg.packet.offset,
                    proto: id.proto.as_str(),
                    reason,
                }));
                return;
            }
        };
        if !message.response {
            if self.pending.len() >= max_pending {
                let oldest = self.pending.remove(0);
                out.push(unanswered(id, oldest));
            }
            self.pending.push(Pending {
                message,
                ts: seg.ts,
                packet: seg.packet,
            });
            return;
        }
        let question = message.question.as_ref();
        let query = self
            .pending
            .iter()
            .position(|p| p.message.id == message.id && p.message.question.as_ref() == question);
        let event = match query {
            Some(i) => {
                let query = self.pending.remove(i);
                let event = events::dns(
                    id,
                    query.ts,
                    Some(&query.message),
                    Some(&message),
                    Some(seg.ts - query.ts),
                );
                Output::Event(query.packet, event)
            }
            None => Output::Event(
                seg.packet,
                events::dns(id, seg.ts, None, Some(&message), None),
            ),
        };
        out.push(event);
    }

    /// A TCP segment's payload (possibly empty), after its control bits
    /// were counted. `budget` is what all flows may still buffer; the
    /// bytes this segment leaves buffered are taken from it, those it
    /// frees given back.
    pub fn tcp(
        &mut self,
        id: &FlowId<'_>,
        seg: &Segment<'_>,
        limits: &Limits,
        budget: &mut usize,
        out: &mut Vec<Output>,
    ) {
        let Some((seq, syn)) = seg.tcp else {
            return;
        };
        let side = usize::from(!seg.from_orig);
        if syn {
            self.streams[side].syn(seq);
            return;
        }
        if seg.payload.is_empty() || matches!(self.state, State::Opaque) {
            return;
        }
        let before = self.buffered();
        let room = limits
            .stream_bytes
            .min(*budget + self.streams[side].buf.len());
        if self.streams[side].push(seq, seg.payload, room) > 0 {
            self.recognise_and_parse(id, seg, side, limits.max_pending_dns, out);
        }
        *budget = (*budget + before).saturating_sub(self.buffered());
    }

    /// Name the stream's protocol from its first bytes, once, and parse
    /// what the bytes so far complete.
    fn recognise_and_parse(
        &mut self,
        id: &FlowId<'_>,
        seg: &Segment<'_>,
        side: usize,
        max_pending: usize,
        out: &mut Vec<Output>,
    ) {
        if matches!(self.state, State::Unknown) {
            let dns_port = id.resp.port == 53 || id.orig.port == 53;
            self.state = match (dns_port, app::recognise(&self.streams[side].buf)) {
                (true, _) => State::Dns,
                (false, Some(App::Tls)) => State::Tls {
                    client: None,
                    server: None,
                    done: false,
                },
                (false, Some(App::Http)) => State::Http {
                    requests: 0,
                    skip: 0,
                },
                (false, Some(App::Ssh)) => State::Ssh {
                    client: None,
                    server: None,
                    done: false,
                },
                (false, None) => State::Opaque,
            };
            if matches!(self.state, State::Tls { .. } | State::Ssh { .. }) {
                self.started = Some((seg.ts, seg.packet));
            }
        }
        self.parse(id, seg, side, max_pending, out);
    }

    fn parse(
        &mut self,
        id: &FlowId<'_>,
        seg: &Segment<'_>,
        side: usize,
        max_pending: usize,
        out: &mut Vec<Output>,
    ) {
        if matches!(self.state, State::Dns) {
            loop {
                let buf = &self.streams[side].buf;
                let Some(len) = buf
                    .get(..2)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                else {
                    return;
                };
                let Some(message) = buf.get(2..2 + len) else {
                    return;
                };
                let message = message.to_vec();
                self.dns_message(id, seg, &message, max_pending, out);
                self.streams[side].consume(2 + len);
            }
        }
        match &mut self.state {
            State::Tls {
                client,
                server,
                done,
            } => {
                let stream = &mut self.streams[side];
                let parsed_client = side == 0 && client.is_none();
                let parsed = if parsed_client {
                    app::client_hello(&stream.buf).map(|h| *client = Some(h))
                } else if side == 1 && server.is_none() {
                    app::server_hello(&stream.buf).map(|h| *server = Some(h))
                } else {
                    Parsed::Invalid
                };
                if !matches!(parsed, Parsed::More) {
                    stream.close();
                }
                if client.is_some() && server.is_some() && !*done {
                    *done = true;
                    let (ts, packet) = self.started.unwrap_or((seg.ts, seg.packet));
                    out.push(Output::Event(
                        packet,
                        events::ssl(id, ts, client.as_ref(), server.as_ref()),
                    ));
                }
            }
            State::Http { requests, skip } => {
                let stream = &mut self.streams[side];
                if side == 1 {
                    stream.close();
                    return;
                }
                loop {
                    let skipped = (*skip).min(stream.buf.len() as u64);
                    stream.consume(skipped as usize);
                    *skip -= skipped;
                    if *skip > 0 || stream.buf.is_empty() {
                        return;
                    }
                    match app::http_request(&stream.buf) {
                        Parsed::Done(request, used) => {
                            *requests += 1;
                            out.push(Output::Event(
                                seg.packet,
                                events::http(id, seg.ts, *requests, &request),
                            ));
                            stream.consume(used);
                            if request.chunked {
                                stream.close();
                                return;
                            }
                            *skip = request.body_len.unwrap_or(0);
                        }
                        Parsed::More => return,
                        Parsed::Invalid => {
                            stream.close();
                            return;
                        }
                    }
                }
            }
            State::Ssh {
                client,
                server,
                done,
            } => {
                let stream = &mut self.streams[side];
                match app::ssh_banner(&stream.buf) {
                    Parsed::Done(banner, _) => {
                        let slot = if side == 0 {
                            &mut *client
                        } else {
                            &mut *server
                        };
                        *slot = Some(banner);
                        stream.close();
                    }
                    Parsed::More => {}
                    Parsed::Invalid => stream.close(),
                }
                if client.is_some() && server.is_some() && !*done {
                    *done = true;
                    let (ts, packet) = self.started.unwrap_or((seg.ts, seg.packet));
                    out.push(Output::Event(
                        packet,
                        events::ssh(id, ts, client.as_deref(), server.as_deref()),
                    ));
                }
            }
            State::Dns | State::Unknown | State::Opaque => {}
        }
    }

    /// The flow ends: queries never answered, and a handshake seen only
    /// in part, become events.
    pub fn finish(&mut self, id: &FlowId<'_>, out: &mut Vec<Output>) {
        for pending in self.pending.drain(..) {
            out.push(unanswered(id, pending));
        }
        let Some((ts, packet)) = self.started else {
            return;
        };
        match &self.state {
            State::Tls {
                client,
                server,
                done: false,
            } if client.is_some() || server.is_some() => out.push(Output::Event(
                packet,
                events::ssl(id, ts, client.as_ref(), server.as_ref()),
            )),
            State::Ssh {
                client,
                server,
                done: false,
            } if client.is_some() || server.is_some() => out.push(Output::Event(
                packet,
                events::ssh(id, ts, client.as_deref(), server.as_deref()),
            )),
            _ => {}
        }
    }
}

fn unanswered(id: &FlowId<'_>, query: Pending) -> Output {
    Output::Event(
        query.packet,
        events::dns(id, query.ts, Some(&query.message), None, None),
    )
}

impl<T> Parsed<T> {
    fn map(self, f: impl FnOnce(T)) -> Parsed<()> {
        match self {
            Parsed::Done(value, used) => {
                f(value);
                Parsed::Done((), used)
            }
            Parsed::More => Parsed::More,
            Parsed::Invalid => Parsed::Invalid,
        }
    }
}

/// Whether `proto` traffic on these ports is DNS (53, mDNS 5353, LLMNR
/// 5355), read message by message.
pub fn is_dns_port(proto: Proto, a: u16, b: u16) -> bool {
    let dns = |p: u16| matches!(p, 53 | 5353 | 5355);
    proto == Proto::Udp && (dns(a) || dns(b))
}
