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
//! [`MultiGzDecoder`] reads every member of the file: rotated logs are
//! often several gzip members concatenated (`cat a.gz b.gz`), and a
//! single-member decoder would silently stop after the first.
//!
//! A stream that turns out corrupt or truncated part-way is an I/O error
//! from the reader, which the readers report as a fatal [`ReadError`] at
//! the line reached: the records before it are kept. A Windows EVTX file
//! inside gzip is read too, by the EVTX reader's streaming mode (chunks in
//! file order, since a stream cannot seek back to the oldest chunk of a
//! log that has wrapped around). gzip inside gzip is skipped with the
//! reason rather than unpacked layer after layer.
//!
//! [`ReadError`]: crate::ReadError

use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use crate::detect::{self, SNIFF_LEN};
use crate::error::OpenError;
use crate::format::{Format, SkipReason};

/// The first two bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `head` starts a gzip stream.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&GZIP_MAGIC)
}

/// A decompressing reader whose errors say that the compressed stream,
/// not the disk, is at fault.
pub struct Gunzip<R> {
    inner: MultiGzDecoder<R>,
}

impl<R: Read> Gunzip<R> {
    pub fn new(compressed: R) -> Self {
        Gunzip {
            inner: MultiGzDecoder::new(compressed),
        }
    }
}

impl<R: Read> Read for Gunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::Interrupted => e,
            kind => io::Error::new(kind, format!("corrupt or truncated gzip stream: {e}")),
        })
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
    (&mut decoder)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|source| OpenError::Io {
            path: Arc::clone(path),
            source,
        })?;
    let skipped = |reason| OpenError::Skipped {
        path: Arc::clone(path),
        reason,
    };
    if is_gzip(&head) {
        return Err(skipped(SkipReason::CompressedUnsupported {
            content: "gzip",
            why: "gzip inside gzip is not unpacked; decompress it first",
        }));
    }
    let format = detect::detect(&head).map_err(skipped)?;
    Ok((format, head, decoder))
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
    fn corrupt_header_is_an_io_error() {
        let path: Arc<Path> = Arc::from(Path::new("x.gz"));
        let Err(err) = sniff_gzip(&path, &[0x1f, 0x8b, 0xff, 0xff, 0, 0][..]) else {
            panic!("corrupt gzip accepted");
        };
        assert!(matches!(err, OpenError::Io { .. }), "{err}");
        assert!(err.to_string().contains("gzip"), "{err}");
    }
}
