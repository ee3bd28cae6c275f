//! Reading compressed inputs: gzip.
//!
//! Collected logs are often compressed (`dns.2024-01-02.log.gz` from a
//! Zeek sensor, `*.json.gz` from a SIEM export), and an analyst should not
//! have to unpack a triage folder first. A gzip file is recognised by its
//! magic bytes, not its name, decompressed as a stream (memory does not
//! grow with the file), and its *decompressed* head decides the format, so
//! any text format we read may come gzipped. Records keep the `.gz` path
//! as their origin, with line numbers counted in the decompressed text.
//!
//! [`Gunzip`] reads every member of the file: rotated logs are often
//! several gzip members concatenated (`cat a.gz b.gz`), and a
//! single-member decoder would silently stop after the first. It accepts
//! what GNU gzip accepts after the last member: zero bytes, the padding
//! that tape and block devices add (`gzip -t` and `zcat` pass over it).
//! flate2's `MultiGzDecoder` takes anything after a member for the next
//! member's header, so padding made a file "unreadable" — a small one not
//! read at all, since its head could not be sniffed.
//!
//! A stream that turns out corrupt or truncated part-way is an I/O error
//! from the reader naming the byte offset of the member (or of the data
//! that is not gzip) and saying that the rest of the file was not read.
//! The readers report it as a fatal [`ReadError`] at the line reached: the
//! records before it are kept, also when the damage lies within the
//! sniffed head (the head decompressed so far is read, then the error is
//! reported). A Windows EVTX file
//! inside gzip is read too, by the EVTX reader's streaming mode (chunks in
//! file order, since a stream cannot seek back to the oldest chunk of a
//! log that has wrapped around). gzip inside gzip is skipped with the
//! reason rather than unpacked layer after layer.
//!
//! [`ReadError`]: crate::ReadError

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use flate2::bufread::GzDecoder;

use crate::detect::{self, SNIFF_LEN};
use crate::error::OpenError;
use crate::format::{Format, SkipReason};
use crate::preamble::{self, Beyond};

/// The first two bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `head` starts a gzip stream.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&GZIP_MAGIC)
}

/// The compressed input, counting the bytes the decoder has taken from
/// it, so that an error can say where in the file it is.
struct Counted<B> {
    inner: B,
    consumed: u64,
}

impl<B: BufRead> Read for Counted<B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<B: BufRead> BufRead for Counted<B> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        self.consumed += amount as u64;
    }
}

/// A decompressing reader of every member of a gzip file, whose errors
/// say that the compressed stream, not the disk, is at fault, where, and
/// that what follows was not read.
pub struct Gunzip<R> {
    /// The member being read; `None` once the stream has ended or failed.
    member: Option<GzDecoder<Counted<BufReader<R>>>>,
    /// Byte offset in the file where that member starts.
    member_start: u64,
    /// An error met while sniffing, after some content: returned by the
    /// next read, once that content has been read.
    pending: Option<io::Error>,
}

impl<R: Read> Gunzip<R> {
    pub fn new(compressed: R) -> Self {
        let input = Counted {
            inner: BufReader::new(compressed),
            consumed: 0,
        };
        Gunzip {
            member: Some(GzDecoder::new(input)),
            member_start: 0,
            pending: None,
        }
    }

    /// After a member: the end of the file, zero padding up to it, or the
    /// next member (`Ok(true)`: read on).
    fn next_member(&mut self) -> io::Result<bool> {
        let Some(decoder) = self.member.take() else {
            return Ok(false);
        };
        let mut input = decoder.into_inner();
        match input.fill_buf()?.first() {
            None => Ok(false),
            Some(0) => {
                skip_zeros(&mut input)?;
                if input.fill_buf()?.is_empty() {
                    return Ok(false);
                }
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "data at byte {} after zero padding is not gzip; the rest of the file was not read",
                        input.consumed
                    ),
                ))
            }
            Some(_) => {
                self.member_start = input.consumed;
                self.member = Some(GzDecoder::new(input));
                Ok(true)
            }
        }
    }
}

/// Consume the zero bytes at the start of `input`.
fn skip_zeros(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        let zeros = buf.iter().take_while(|&&b| b == 0).count();
        let more = zeros == buf.len() && zeros > 0;
        input.consume(zeros);
        if !more {
            return Ok(());
        }
    }
}

impl<R: Read> Read for Gunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(error) = self.pending.take() {
            return Err(error);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(decoder) = &mut self.member else {
                return Ok(0);
            };
            match decoder.read(buf) {
                Ok(0) => {}
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
                Err(e) => {
                    self.member = None;
                    return Err(io::Error::new(
                        e.kind(),
                        format!(
                            "gzip member at byte {} is corrupt or truncated ({e}); the rest of the file was not read",
                            self.member_start
                        ),
                    ));
                }
            }
            match self.next_member() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(e) => {
                    self.member = None;
                    return Err(e);
                }
            }
        }
    }
}

/// Decompress a gzip file (`compressed` yields it from its first byte) far
/// enough to detect the format of its content. Returns the format, the
/// decompressed head and the decompressing reader positioned after it.
pub(crate) fn sniff_gzip<R: Read>(
    path: &Arc<Path>,
    compressed: R,
) -> Result<(Format, Vec<u8>, Gunzip<R>), OpenError> {
    let mut decoder = Gunzip::new(compressed);
    let mut head = Vec::with_capacity(SNIFF_LEN);
    if let Err(error) = (&mut decoder).take(SNIFF_LEN as u64).read_to_end(&mut head) {
        if head.is_empty() {
            return Err(OpenError::Io {
                path: Arc::clone(path),
                source: error,
            });
        }
        // The content before the damage is read; the reader then reports
        // the damage at the line reached.
        decoder.pending = Some(error);
    }
    let skipped = |decoder: &mut Gunzip<R>, reason| match decoder.pending.take() {
        // Damage in the head: what is wrong with the file is the damage,
        // not the format of what could be decompressed before it.
        Some(source) => OpenError::Io {
            path: Arc::clone(path),
            source,
        },
        None => OpenError::Skipped {
            path: Arc::clone(path),
            reason,
        },
    };
    if is_gzip(&head) {
        let reason = SkipReason::CompressedUnsupported {
            content: "gzip",
            why: "gzip inside gzip is not unpacked; decompress it first",
        };
        return Err(skipped(&mut decoder, reason));
    }
    let reason = match detect::detect(&head) {
        Ok(format) => return Ok((format, head, decoder)),
        Err(reason) => reason,
    };
    if decoder.pending.is_some() {
        return Err(skipped(&mut decoder, reason));
    }
    let io_error = |source| OpenError::Io {
        path: Arc::clone(path),
        source,
    };
    match preamble::look_beyond(&mut head, &mut decoder).map_err(io_error)? {
        Beyond::Read(format) => Ok((format, head, decoder)),
        Beyond::NotRead(found) => Err(OpenError::RecordsAfterPreamble {
            path: Arc::clone(path),
            found,
        }),
        Beyond::Nothing => Err(skipped(&mut decoder, reason)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn reads_every_member() {
        let mut data = gzip(b"first\n");
        data.extend(gzip(b"second\n"));
        let mut out = String::new();
        Gunzip::new(&data[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, "first\nsecond\n");
    }

    #[test]
    fn content_decides_the_format_and_nested_gzip_is_skipped() {
        let path: Arc<Path> = Arc::from(Path::new("x.gz"));
        let data = gzip(b"ElfFile\0rest");
        let Ok((format, head, _)) = sniff_gzip(&path, &data[..]) else {
            panic!("gzipped EVTX not recognised");
        };
        assert_eq!(
            (format, head.as_slice()),
            (Format::Evtx, &b"ElfFile\0rest"[..])
        );
        let data = gzip(&gzip(b"x"));
        let Err(err) = sniff_gzip(&path, &data[..]) else {
            panic!("not skipped");
        };
        assert!(err.to_string().contains("gzip inside gzip"), "{err}");
    }

    #[test]
    fn zero_padding_ends_the_stream_and_other_data_is_an_error_at_its_offset() {
        let mut data = gzip(b"first\n");
        let member = data.len();
        data.extend([0; 9]);
        let mut out = String::new();
        Gunzip::new(&data[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, "first\n");

        data.extend(b"x");
        let mut out = String::new();
        let err = Gunzip::new(&data[..]).read_to_string(&mut out).unwrap_err();
        assert_eq!(out, "first\n");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let at = format!("byte {} after zero padding", member + 9);
        assert!(err.to_string().contains(&at), "{err}");

        // Damage in a later member: after the content before it, the error
        // names the member's offset; nothing is read after it.
        let mut data = gzip(b"first\n");
        data.extend([0x1f, 0x8b, 0xff]);
        data.extend(gzip(b"second\n"));
        let mut decoder = Gunzip::new(&data[..]);
        let mut out = String::new();
        let err = decoder.read_to_string(&mut out).unwrap_err();
        assert_eq!(out, "first\n");
        let at = format!("gzip member at byte {member} is corrupt");
        assert!(err.to_string().contains(&at), "{err}");
        assert!(err.to_string().contains("rest of the file was not read"));
        assert_eq!(decoder.read(&mut [0; 8]).unwrap(), 0);
    }

    #[test]
    fn damage_within_the_sniffed_head_is_reported_after_the_content() {
        let path: Arc<Path> = Arc::from(Path::new("x.gz"));
        let line = b"{\"ts\":1.0,\"uid\":\"C\",\"query\":\"a\"}\n";
        let mut data = gzip(line);
        data.extend([0x1f, 0x8b, 0xff]);
        let Ok((format, head, mut decoder)) = sniff_gzip(&path, &data[..]) else {
            panic!("the first member was not read");
        };
        assert_eq!((format, head.as_slice()), (Format::ZeekJson, &line[..]));
        let err = decoder.read(&mut [0; 8]).unwrap_err();
        assert!(err.to_string().contains("member at byte"), "{err}");
        // Unrecognisable content before the damage: the damage is the news.
        let mut data = gzip(b"hello");
        data.extend([0x1f, 0x8b, 0xff]);
        let Err(err) = sniff_gzip(&path, &data[..]) else {
            panic!("sniffed");
        };
        assert!(matches!(err, OpenError::Io { .. }), "{err}");
    }

    #[test]
    fn corrupt_header_is_an_io_error() {
        let path: Arc<Path> = Arc::from(Path::new("x.gz"));
        let Err(err) = sniff_gzip(&path, &[0x1f, 0x8b, 0xff, 0xff, 0, 0][..]) else {
            panic!("corrupt gzip accepted");
        };
        assert!(matches!(err, OpenError::Io { .. }), "{err}");
        assert!(err.to_string().contains("gzip"), "{err}");
    }
}
