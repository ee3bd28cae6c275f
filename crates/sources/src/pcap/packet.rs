//! From a frame's bytes to the IP endpoints and the UDP or TCP segment,
//! with `etherparse` doing the header work.
//!
//! Link layers: Ethernet (802.1Q/802.1ad VLAN tags and MACsec are
//! stepped over by `etherparse`), raw IP (link types 12, 14, 101, 228,
//! 229), Linux cooked capture v1 (113) and v2 (276), and BSD loopback
//! (0, 108). `etherparse`'s lax slicing is used so a packet cut by the
//! snap length still yields its headers and the part of its payload that
//! was captured.
//!
//! IP fragments are not reassembled: a fragmented datagram is
//! [`Decoded::Fragment`], counted and reported at the end of the capture.
//! Reassembly would make memory depend on what an attacker sends, and the
//! protocols read here (DNS queries, handshakes, request heads) fit in one
//! datagram except for large DNS responses, which a resolver sends over
//! TCP when asked.

use std::net::IpAddr;

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};

/// Link types, as `pcap` numbers them.
mod linktype {
    pub const NULL: i32 = 0;
    pub const ETHERNET: i32 = 1;
    pub const RAW_OPENBSD: i32 = 12;
    pub const RAW_BSDI: i32 = 14;
    pub const RAW: i32 = 101;
    pub const LOOP: i32 = 108;
    pub const LINUX_SLL: i32 = 113;
    pub const IPV4: i32 = 228;
    pub const IPV6: i32 = 229;
    pub const LINUX_SLL2: i32 = 276;
}

/// TCP control bits that decide a connection's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFlags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
}

/// The transport layer of a packet.
#[derive(Debug, Clone, Copy)]
pub enum Transport<'a> {
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
    Tcp {
        src_port: u16,
        dst_port: u16,
        seq: u32,
        flags: TcpFlags,
        payload: &'a [u8],
    },
}

/// An IP packet carrying UDP or TCP.
#[derive(Debug, Clone, Copy)]
pub struct IpPacket<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The IP length the header claims (what Zeek counts as IP bytes),
    /// not what the snap length let through.
    pub ip_len: u64,
    pub transport: Transport<'a>,
    /// Whether the capture holds less of the payload than the headers
    /// say was sent (a snap length cut).
    pub cut: bool,
}

/// What a frame turned out to hold.
#[derive(Debug)]
pub enum Decoded<'a> {
    Ip(IpPacket<'a>),
    /// A fragment of a fragmented IP datagram.
    Fragment,
    /// Not UDP or TCP over IP (ARP, ICMP, STP…), or headers too damaged
    /// to tell: nothing to read.
    Other,
    /// A link type this reader does not decode.
    UnsupportedLink,
}

/// Decode one frame of link type `linktype`.
pub fn decode(linktype: i32, data: &[u8]) -> Decoded<'_> {
    let sliced = match linktype {
        linktype::ETHERNET => LaxSlicedPacket::from_ethernet(data).ok(),
        linktype::RAW
        | linktype::RAW_OPENBSD
        | linktype::RAW_BSDI
        | linktype::IPV4
        | linktype::IPV6 => LaxSlicedPacket::from_ip(data).ok(),
        linktype::LINUX_SLL => ether_type_at(data, 14, 16),
        linktype::LINUX_SLL2 => ether_type_at(data, 0, 20),
        linktype::NULL | linktype::LOOP => loopback(linktype, data),
        _ => return Decoded::UnsupportedLink,
    };
    let Some(sliced) = sliced else {
        return Decoded::Other;
    };
    ip_packet(&sliced)
}

/// A cooked header whose protocol field (an EtherType) is at `at` and
/// whose payload starts at `header`.
fn ether_type_at(data: &[u8], at: usize, header: usize) -> Option<LaxSlicedPacket<'_>> {
    let protocol = u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?);
    let payload = data.get(header..)?;
    Some(LaxSlicedPacket::from_ether_type(
        EtherType(protocol),
        payload,
    ))
}

/// BSD loopback: a 4-byte address family, in the capturing host's byte
/// order for `NULL`, in network order for `LOOP`.
fn loopback(linktype: i32, data: &[u8]) -> Option<LaxSlicedPacket<'_>> {
    let family: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let family = if linktype == linktype::LOOP {
        u32::from_be_bytes(family)
    } else {
        // The family numbers are small: whichever order gives one is it.
        let le = u32::from_le_bytes(family);
        if le < 256 {
            le
        } else {
            u32::from_be_bytes(family)
        }
    };
    // AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 by system.
    match family {
        2 | 10 | 24 | 28 | 30 => LaxSlicedPacket::from_ip(&data[4..]).ok(),
        _ => None,
    }
}

fn ip_packet<'a>(sliced: &LaxSlicedPacket<'a>) -> Decoded<'a> {
    let (src, dst, ip_len, payload) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(ip)) => {
            let header = ip.header();
            (
                IpAddr::V4(header.source_addr()),
                IpAddr::V4(header.destination_addr()),
                u64::from(header.total_len()),
                ip.payload(),
            )
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let header = ip.header();
            (
                IpAddr::V6(header.source_addr()),
                IpAddr::V6(header.destination_addr()),
                u64::from(header.payload_length()) + 40,
                ip.payload(),
            )
        }
        Some(LaxNetSlice::Arp(_)) | None => return Decoded::Other,
    };
    if payload.fragmented {
        return Decoded::Fragment;
    }
    let transport = match &sliced.transport {
        Some(TransportSlice::Udp(udp)) => Transport::Udp {
            src_port: udp.source_port(),
            dst_port: udp.destination_port(),
            payload: udp.payload(),
        },
        Some(TransportSlice::Tcp(tcp)) => Transport::Tcp {
            src_port: tcp.source_port(),
            dst_port: tcp.destination_port(),
            seq: tcp.sequence_number(),
            flags: TcpFlags {
                syn: tcp.syn(),
                ack: tcp.ack(),
                fin: tcp.fin(),
                rst: tcp.rst(),
            },
            payload: tcp.payload(),
        },
        _ => return Decoded::Other,
    };
    Decoded::Ip(IpPacket {
        src,
        dst,
        ip_len,
        transport,
        cut: payload.incomplete,
    })
}
