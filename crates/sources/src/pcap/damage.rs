//! What can be wrong in a capture, with the byte offset an analyst needs
//! to open it in a hex editor and the packet number Wireshark shows.
//!
//! Two kinds, counted differently (see [`PcapDamage::is_record`]): a packet
//! or a DNS message that cannot be read stands for one record lost and is
//! counted as unparseable; damage to the file's structure (a block that
//! cannot be framed, which ends the reading) and the end-of-capture notes
//! (fragments not reassembled, link types not decoded) are reported once,
//! whatever they cost.

use thiserror::Error;

/// Damage to a capture or to one of its packets.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PcapDamage {
    /// The file ends inside a record: the packet is lost (a capture cut
    /// short by a full disk or a copy stopped early).
    #[error("capture ends inside packet {packet}'s record at byte {offset}: truncated file")]
    TruncatedRecord { packet: u64, offset: u64 },
    /// A record or block that cannot be framed (an impossible length, a
    /// block whose trailing length disagrees). pcap has no marker to find
    /// the next record from, so the rest of the file is not read.
    #[error(
        "unreadable capture block at byte {offset} (after packet {after}): {reason}; \
         the rest of the file is not read"
    )]
    BadBlock {
        offset: u64,
        after: u64,
        reason: String,
    },
    /// A DNS message that does not parse (malformed, or cut by the
    /// capture's snap length).
    #[error("packet {packet} at byte {offset}: malformed DNS message over {proto}: {reason}")]
    Dns {
        packet: u64,
        offset: u64,
        proto: &'static str,
        reason: String,
    },
    /// IP fragments seen in the capture; they are not reassembled, so the
    /// datagrams they carry are not read.
    #[error(
        "{count} IP fragment(s) not reassembled (first: packet {first_packet}); \
         the datagrams they carry are not read"
    )]
    Fragments { count: u64, first_packet: u64 },
    /// Packets of a link type this reader does not decode.
    #[error("{count} packet(s) of link type {linktype} not decoded (first: packet {first_packet})")]
    UnsupportedLink {
        linktype: i32,
        count: u64,
        first_packet: u64,
    },
}

impl PcapDamage {
    /// Whether this stands for one record that could not be read.
    pub fn is_record(&self) -> bool {
        matches!(
            self,
            PcapDamage::TruncatedRecord { .. } | PcapDamage::Dns { .. }
        )
    }
}
