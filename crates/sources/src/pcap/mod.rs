//! Packet captures (pcap and pcapng) read as Zeek would log them: `conn`,
//! `dns`, `ssl`, `http` and `ssh` events with Zeek's field names.
//!
//! Responders are handed captures as often as logs, and for tunnelling
//! the network side is where DNS tunnels and C2 over TXT records show.
//! Rather than a second vocabulary, a capture becomes the events Zeek
//! would have written from it ([`ZeekEvent`], `product: zeek`, the log's
//! name as `service`), so every rule written for Zeek logs, the pack's
//! and SigmaHQ's, reads a capture unchanged, and the Zeek mapping gives
//! the Sigma taxonomy names (`QueryName`, `DestinationPort`…) too.
//!
//! The layers, each with a well-kept crate for its bytes:
//! - [`capture`]: the file (`pcap-parser`), with damage placed by byte
//!   offset and packet number;
//! - [`packet`]: link, IP and transport headers (`etherparse`);
//! - [`flows`]: the flow table and its bounds, `conn` events;
//! - `session`: per flow, TCP reassembly of the first bytes, DNS
//!   transactions, TLS/HTTP/SSH ([`dns`]: `simple-dns`; `app`:
//!   `tls-parser`, `httparse`);
//! - `events`: the Zeek field names.
//!
//! Events come out when they are complete: a DNS transaction when its
//! response arrives (or its flow ends unanswered), a handshake when both
//! sides' first messages are seen, an HTTP request when its head is, a
//! connection when it ends. So they are in capture order of their
//! completion, and each points at the packet that started it
//! ([`Position::Packet`]: number and byte offset). Memory is bounded by
//! [`Limits`], not by the capture's size.

mod app;
pub mod capture;
mod damage;
pub mod dns;
mod events;
mod flows;
pub mod packet;
mod session;

use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

pub use damage::PcapDamage;

use self::capture::Capture;
use self::flows::Flows;
use self::packet::Decoded;
use crate::error::{ReadError, ReadErrorKind};
use crate::format::Format;
use crate::origin::{Origin, Position};
use crate::zeek::ZeekEvent;

/// The bounds on what a capture may make the reader hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Live flows at most; beyond, the flow that would expire first ends.
    pub max_flows: usize,
    /// Seconds of capture time a TCP flow may be idle.
    pub tcp_idle: f64,
    /// Seconds of capture time a UDP flow may be idle.
    pub udp_idle: f64,
    /// Bytes reassembled per direction of a TCP stream (enough for a
    /// ClientHello, a request head, a banner, a DNS message over TCP).
    pub stream_bytes: usize,
    /// Bytes reassembled across all flows; when spent, new bytes are not
    /// buffered until a parser or an ending flow frees some.
    pub buffer_budget: usize,
    /// DNS queries per flow waiting for their response.
    pub max_pending_dns: usize,
}

impl Default for Limits {
    /// Zeek's inactivity timeouts; 64 Ki flows; 16 KiB per stream
    /// direction and 64 MiB in all: tens of MiB for the flow table at
    /// most, whatever the capture's size.
    fn default() -> Limits {
        Limits {
            max_flows: 64 * 1024,
            tcp_idle: 300.0,
            udp_idle: 60.0,
            stream_bytes: 16 * 1024,
            buffer_budget: 64 * 1024 * 1024,
            max_pending_dns: 64,
        }
    }
}

/// A packet: its number (from 1) and its record's byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketRef {
    pub number: u64,
    pub offset: u64,
}

/// What the flow table hands the reader.
#[derive(Debug)]
pub enum Output {
    Event(PacketRef, ZeekEvent),
    Damage(PcapDamage),
}

/// A counter of packets not read, reported once at the end.
#[derive(Debug, Default, Clone, Copy)]
struct NotRead {
    count: u64,
    first_packet: u64,
}

impl NotRead {
    fn add(&mut self, packet: u64) {
        if self.count == 0 {
            self.first_packet = packet;
        }
        self.count += 1;
    }
}

/// Streams the events of one capture.
pub struct PcapReader {
    capture: Capture,
    flows: Flows,
    path: Arc<Path>,
    format: Format,
    queue: VecDeque<Output>,
    scratch: Vec<Output>,
    fragments: NotRead,
    unsupported: Option<(i32, NotRead)>,
    finished: bool,
}

impl PcapReader {
    /// Read the capture in `input` (pcap or pcapng, as `format` says),
    /// reporting positions against `path`.
    pub fn new(input: impl Read + Send + 'static, path: Arc<Path>, format: Format) -> Self {
        Self::with_limits(input, path, format, Limits::default())
    }

    pub fn with_limits(
        input: impl Read + Send + 'static,
        path: Arc<Path>,
        format: Format,
        limits: Limits,
    ) -> Self {
        PcapReader {
            capture: Capture::new(input),
            flows: Flows::new(limits),
            path,
            format,
            queue: VecDeque::new(),
            scratch: Vec::new(),
            fragments: NotRead::default(),
            unsupported: None,
            finished: false,
        }
    }

    /// Packets framed so far.
    pub fn packets(&self) -> u64 {
        self.capture.packets()
    }

    /// Flows live now (what memory follows).
    pub fn live_flows(&self) -> usize {
        self.flows.live()
    }

    /// Read packets until some output is queued or the capture ends.
    fn fill(&mut self) {
        let PcapReader {
            capture,
            flows,
            scratch,
            fragments,
            unsupported,
            ..
        } = self;
        while scratch.is_empty() {
            let step = capture.next_with(|frame| {
                let at = PacketRef {
                    number: frame.number,
                    offset: frame.offset,
                };
                match packet::decode(frame.linktype, frame.data) {
                    Decoded::Ip(ip) => flows.packet(frame.ts, at, &ip, scratch),
                    Decoded::Fragment => fragments.add(frame.number),
                    Decoded::Other => {}
                    Decoded::UnsupportedLink => unsupported
                        .get_or_insert((frame.linktype, NotRead::default()))
                        .1
                        .add(frame.number),
                }
            });
            match step {
                Some(Ok(())) => {}
                Some(Err(damage)) => scratch.push(Output::Damage(damage)),
                None => {
                    self.finished = true;
                    flows.finish(scratch);
                    if fragments.count > 0 {
                        scratch.push(Output::Damage(PcapDamage::Fragments {
                            count: fragments.count,
                            first_packet: fragments.first_packet,
                        }));
                    }
                    if let Some((linktype, not_read)) = unsupported {
                        scratch.push(Output::Damage(PcapDamage::UnsupportedLink {
                            linktype: *linktype,
                            count: not_read.count,
                            first_packet: not_read.first_packet,
                        }));
                    }
                    break;
                }
            }
        }
        self.queue.extend(self.scratch.drain(..));
    }
}

impl Iterator for PcapReader {
    type Item = Result<(Origin, ZeekEvent), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.queue.is_empty() && !self.finished {
            self.fill();
        }
        Some(match self.queue.pop_front()? {
            Output::Event(at, event) => Ok((
                Origin {
                    path: Arc::clone(&self.path),
                    position: Position::Packet {
                        number: at.number,
                        offset: at.offset,
                    },
                    format: self.format,
                },
                event,
            )),
            Output::Damage(damage) => {
                Err(ReadError::new(&self.path, 0, ReadErrorKind::Pcap(damage)))
            }
        })
    }
}

/// The capture format `head` starts with: a pcap file header (either
/// byte order, micro- or nanosecond timestamps) or a pcapng Section
/// Header Block.
pub fn sniff(head: &[u8]) -> Option<Format> {
    const PCAP_MAGICS: [[u8; 4]; 4] = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0x3c, 0x4d],
    ];
    let magic: [u8; 4] = head.get(..4)?.try_into().ok()?;
    if PCAP_MAGICS.contains(&magic) {
        return Some(Format::Pcap);
    }
    // pcapng: the SHB type (a palindrome), then its byte-order magic.
    let order = head.get(8..12)?;
    (magic == [0x0a, 0x0d, 0x0d, 0x0a]
        && (order == [0x4d, 0x3c, 0x2b, 0x1a] || order == [0x1a, 0x2b, 0x3c, 0x4d]))
    .then_some(Format::Pcapng)
}
