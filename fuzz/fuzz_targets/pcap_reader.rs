//! The packet-capture reader on arbitrary bytes, in two shapes picked by
//! the first byte: even, the rest is a capture file as it is (damaged
//! headers, impossible lengths, cut records, pcapng blocks); odd, the rest
//! is packets separated by `0xFF 0xFE`, framed here into a valid pcap of
//! the link type the second byte picks, so mutations reach the IP, TCP,
//! DNS, TLS, HTTP and SSH decoders. Nothing may panic or hang; every
//! error is capture damage; events point at packets the capture holds;
//! and with tiny limits (2 flows, 64-byte streams) the live flows never
//! exceed the bound.

#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tunnelhunt_engine::Event;
use tunnelhunt_sources::pcap::{Limits, PcapReader};
use tunnelhunt_sources::{Format, Position, ReadErrorKind};

const LINKTYPES: [u32; 8] = [1, 101, 113, 276, 228, 229, 0, 147];

fn framed(linktype: u32, packets: &[u8]) -> Vec<u8> {
    let mut file = Vec::with_capacity(packets.len() + 64);
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65_535, linktype] {
        file.extend_from_slice(&v.to_le_bytes());
    }
    for (i, packet) in packets
        .split(|&b| b == 0xFF)
        .map(|p| p.strip_prefix(&[0xFE]).unwrap_or(p))
        .enumerate()
    {
        for v in [i as u32, 0, packet.len() as u32, packet.len() as u32] {
            file.extend_from_slice(&v.to_le_bytes());
        }
        file.extend_from_slice(packet);
    }
    file
}

fn read(bytes: Vec<u8>, limits: Limits) {
    let format = tunnelhunt_sources::pcap::sniff(&bytes).unwrap_or(Format::Pcap);
    let mut reader = PcapReader::with_limits(
        Cursor::new(bytes),
        Arc::from(Path::new("fuzz.pcap")),
        format,
        limits,
    );
    while let Some(item) = reader.next() {
        assert!(reader.live_flows() <= limits.max_flows.max(1));
        match item {
            Ok((origin, event)) => {
                let Position::Packet { number, .. } = origin.position else {
                    panic!("a capture event without a packet: {origin}");
                };
                assert!(number >= 1 && number <= reader.packets(), "{origin}");
                let _ = event.kind();
                for name in [
                    "query",
                    "answers",
                    "QueryName",
                    "DestinationPort",
                    "server_name",
                    "uri",
                ] {
                    let _ = event.field(name);
                }
                let _ = event.timestamp();
                let mut n = 0usize;
                event.for_each_value(&mut |_| n += 1);
            }
            Err(error) => assert!(matches!(error.kind, ReadErrorKind::Pcap(_)), "{error}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let Some((&link, packets)) = rest.split_first() else {
            return;
        };
        framed(LINKTYPES[usize::from(link) % LINKTYPES.len()], packets)
    };
    let tiny = Limits {
        max_flows: 2,
        stream_bytes: 64,
        buffer_budget: 96,
        max_pending_dns: 2,
        ..Limits::default()
    };
    read(bytes.clone(), tiny);
    read(bytes, Limits::default());
});
