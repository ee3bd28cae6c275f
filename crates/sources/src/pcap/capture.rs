//! A capture file as a stream of frames: pcap (both byte orders, micro-
//! and nanosecond timestamps) and pcapng (sections of either byte order,
//! any number of interfaces, each with its own link type and timestamp
//! resolution), framed by `pcap-parser`.
//!
//! Reading is streamed through `pcap-parser`'s fixed-size buffer, so a
//! capture of any size takes [`BUFFER_BYTES`] here. What this module adds
//! is what an analyst needs when a capture is damaged: the byte offset and
//! packet number of the damage, and reading as far as the file allows.
//! A file that ends inside a record loses that packet
//! ([`PcapDamage::TruncatedRecord`]); a record that cannot be framed ends
//! the reading ([`PcapDamage::BadBlock`]), since nothing in pcap marks
//! where the next record starts.

use std::io::Read;

use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};

use super::damage::PcapDamage;

/// The framing buffer: larger than any record a capture tool writes
/// (snap lengths stop at 256 KiB), so a record that does not fit has a
/// corrupt length.
pub const BUFFER_BYTES: usize = 1024 * 1024;

/// One captured packet.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based, as Wireshark numbers frames.
    pub number: u64,
    /// Byte offset of the packet's record in the (decompressed) file.
    pub offset: u64,
    /// Capture time, seconds since the Unix epoch.
    pub ts: f64,
    pub linktype: i32,
    pub data: &'a [u8],
}

/// A pcapng interface: what its packets' link layer is and how its
/// timestamps count.
#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: i32,
    resolution: u64,
    ts_offset: u64,
}

enum Framing {
    Reader(Box<dyn PcapReaderIterator + Send>),
    /// The header could not be read; reported once, then nothing.
    Failed(Option<PcapDamage>),
    Done,
}

/// Streams the frames of one capture.
pub struct Capture {
    framing: Framing,
    /// Legacy pcap: the file's link type and timestamp divisor.
    legacy: Option<(i32, f64)>,
    interfaces: Vec<Interface>,
    packets: u64,
    last_ts: f64,
}

impl Capture {
    pub fn new(input: impl Read + Send + 'static) -> Capture {
        let framing = match pcap_parser::create_reader(BUFFER_BYTES, input) {
            Ok(reader) => Framing::Reader(reader),
            Err(PcapError::Eof) => Framing::Done,
            Err(error) => Framing::Failed(Some(PcapDamage::BadBlock {
                offset: 0,
                after: 0,
                reason: format!("capture header: {}", describe(&error)),
            })),
        };
        Capture {
            framing,
            legacy: None,
            interfaces: Vec::new(),
            packets: 0,
            last_ts: 0.0,
        }
    }

    /// How many packets were framed so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Show `visit` the next packet and return what it returns; `None`
    /// at the end of the capture, or after damage that ends it.
    pub fn next_with<T>(
        &mut self,
        visit: impl FnOnce(Frame<'_>) -> T,
    ) -> Option<Result<T, PcapDamage>> {
        let reader = match &mut self.framing {
            Framing::Reader(reader) => reader,
            Framing::Failed(damage) => {
                let damage = damage.take();
                self.framing = Framing::Done;
                return damage.map(Err);
            }
            Framing::Done => return None,
        };
        loop {
            let offset = reader.consumed() as u64;
            match reader.next() {
                Ok((length, block)) => {
                    let frame =
                        frame_of(block, &mut self.legacy, &mut self.interfaces, self.last_ts);
                    match frame {
                        Some((linktype, ts, data)) => {
                            self.packets += 1;
                            self.last_ts = ts;
                            let out = visit(Frame {
                                number: self.packets,
                                offset,
                                ts,
                                linktype,
                                data,
                            });
                            reader.consume(length);
                            return Some(Ok(out));
                        }
                        None => reader.consume(length),
                    }
                }
                Err(PcapError::Eof) => {
                    self.framing = Framing::Done;
                    return None;
                }
                Err(PcapError::Incomplete(_)) => {
                    // One read may bring less than the record needs: read
                    // again until the file has no more to give.
                    let before = reader.data().len();
                    if let Err(error) = reader.refill() {
                        let reason = describe(&error);
                        return Some(Err(self.bad_block(offset, reason)));
                    }
                    if reader.data().len() == before {
                        // Nothing left at a record boundary is the end;
                        // something left is a record cut short.
                        if before == 0 {
                            self.framing = Framing::Done;
                            return None;
                        }
                        return Some(Err(self.truncated(offset)));
                    }
                }
                Err(PcapError::UnexpectedEof) => return Some(Err(self.truncated(offset))),
                Err(error) => {
                    let reason = describe(&error);
                    return Some(Err(self.bad_block(offset, reason)));
                }
            }
        }
    }

    /// The file ended inside the next packet's record.
    fn truncated(&mut self, offset: u64) -> PcapDamage {
        self.framing = Framing::Done;
        PcapDamage::TruncatedRecord {
            packet: self.packets + 1,
            offset,
        }
    }

    fn bad_block(&mut self, offset: u64, reason: String) -> PcapDamage {
        self.framing = Framing::Done;
        PcapDamage::BadBlock {
            offset,
            after: self.packets,
            reason,
        }
    }
}

/// The link type, time and bytes of `block` when it holds a packet; the
/// file and interface headers update `legacy` and `interfaces`.
fn frame_of<'a>(
    block: PcapBlockOwned<'a>,
    legacy: &mut Option<(i32, f64)>,
    interfaces: &mut Vec<Interface>,
    last_ts: f64,
) -> Option<(i32, f64, &'a [u8])> {
    match block {
        PcapBlockOwned::LegacyHeader(header) => {
            let divisor = if header.is_nanosecond_precision() {
                1e9
            } else {
                1e6
            };
            *legacy = Some((header.network.0, divisor));
            None
        }
        PcapBlockOwned::Legacy(packet) => {
            let (linktype, divisor) = (*legacy)?;
            let ts = f64::from(packet.ts_sec) + f64::from(packet.ts_usec) / divisor;
            Some((linktype, ts, packet.data))
        }
        PcapBlockOwned::NG(Block::SectionHeader(_)) => {
            // Interface numbers restart in each section.
            interfaces.clear();
            None
        }
        PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
            interfaces.push(Interface {
                linktype: idb.linktype.0,
                // An invalid resolution (beyond 2^64 per second) reads as
                // the default microseconds rather than losing the packets.
                resolution: idb.ts_resolution().unwrap_or(1_000_000),
                ts_offset: u64::try_from(idb.ts_offset()).unwrap_or(0),
            });
            None
        }
        PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
            let interface = interfaces.get(epb.if_id as usize)?;
            let ts = epb.decode_ts_f64(interface.ts_offset, interface.resolution);
            let data = &epb.data[..(epb.caplen as usize).min(epb.data.len())];
            Some((interface.linktype, ts, data))
        }
        PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
            // No timestamp: the packet is placed at the previous one's time.
            let interface = interfaces.first()?;
            Some((interface.linktype, last_ts, spb.data))
        }
        PcapBlockOwned::NG(_) => None,
    }
}

fn describe(error: &PcapError<&[u8]>) -> String {
    match error {
        PcapError::BufferTooSmall => {
            format!("a record longer than {BUFFER_BYTES} bytes (a corrupt length)")
        }
        PcapError::HeaderNotRecognized => "not a pcap or pcapng header".to_owned(),
        PcapError::ReadError => "read error".to_owned(),
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            format!("malformed record ({kind:?})")
        }
        PcapError::Incomplete(_) | PcapError::UnexpectedEof => "file ends early".to_owned(),
        PcapError::Eof => "end of file".to_owned(),
    }
}
