//! A write buffer for one unit's alerts that spills to disk past a cap.
//!
//! Units of work finish out of order but their alerts must be printed in
//! input order, so a finished unit's alerts wait until every earlier unit
//! has been printed. Alerts are small next to the records they come from,
//! but a whole EVTX or gzip file is one unit, and a rule that fires on
//! every record of a multi-GB file would make that wait cost memory in
//! proportion to the file. The spool keeps the first [`MEMORY_CAP`] bytes
//! in memory and moves everything beyond to an anonymous temporary file
//! (deleted by the OS when it is closed), so the memory one waiting unit
//! holds is bounded whatever it found.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};

/// Bytes of alerts a unit keeps in memory before spilling to disk.
pub const MEMORY_CAP: usize = 4 * 1024 * 1024;

/// Alerts of one unit, in memory up to a cap and on disk beyond it.
pub struct Spool {
    memory: Vec<u8>,
    cap: usize,
    disk: Option<BufWriter<File>>,
}

impl Spool {
    pub fn new() -> Spool {
        Spool::with_cap(MEMORY_CAP)
    }

    pub fn with_cap(cap: usize) -> Spool {
        Spool {
            memory: Vec::new(),
            cap,
            disk: None,
        }
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.memory.is_empty() && self.disk.is_none()
    }

    /// Write everything spooled to `out`, in the order it was written.
    pub fn copy_to(self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.memory)?;
        if let Some(disk) = self.disk {
            let mut file = disk.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.seek(SeekFrom::Start(0))?;
            io::copy(&mut file, out)?;
        }
        Ok(())
    }
}

impl Default for Spool {
    fn default() -> Spool {
        Spool::new()
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(disk) = &mut self.disk {
            return disk.write(buf);
        }
        if self.memory.len() + buf.len() <= self.cap {
            self.memory.extend_from_slice(buf);
            return Ok(buf.len());
        }
        let mut disk = BufWriter::with_capacity(256 * 1024, tempfile::tempfile()?);
        disk.write_all(buf)?;
        self.disk = Some(disk);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.disk {
            Some(disk) => disk.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spills_past_the_cap_and_keeps_the_order() {
        let mut spool = Spool::with_cap(10);
        let mut expected = Vec::new();
        for i in 0..100 {
            let line = format!("alert {i}\n");
            spool.write_all(line.as_bytes()).unwrap();
            expected.extend_from_slice(line.as_bytes());
        }
        assert!(spool.memory.len() <= 10);
        assert!(spool.disk.is_some());
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        assert_eq!(out, expected);
    }
}
