//! Sorted runs of observations in temporary files, so that a collector's
//! memory stays bounded however many matches a run produces.
//!
//! Past [`crate::Limits::max_collected`] observations a collector sorts
//! what it holds by (time, source) and writes each rule's share to an
//! anonymous temporary file (a *run*); `finish` merges a rule's runs into
//! one sorted file and reads it sequentially, once per correlation using
//! the rule, and once more to find the sources of the evidence. A record
//! is its time, input, position and value numbers, little-endian.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use crate::collect::ABSENT;
use crate::{Nanos, SourceRef};

/// Bytes of a record before its values.
const HEAD: usize = 8 + 4 + 8;

/// One rule's observations, sorted, in a temporary file.
#[derive(Debug)]
pub(crate) struct Run {
    file: File,
    pub(crate) len: u64,
    /// Value numbers as written → the owning collector's, for a run
    /// absorbed from another collector.
    renumber: Option<Vec<u32>>,
}

/// Writes records in order into a new run.
pub(crate) struct RunWriter {
    writer: BufWriter<File>,
    len: u64,
}

impl RunWriter {
    pub(crate) fn new() -> io::Result<RunWriter> {
        Ok(RunWriter {
            writer: BufWriter::new(tempfile::tempfile()?),
            len: 0,
        })
    }

    pub(crate) fn write(
        &mut self,
        time: Nanos,
        source: SourceRef,
        values: &[u32],
    ) -> io::Result<()> {
        self.writer.write_all(&time.to_le_bytes())?;
        self.writer.write_all(&source.input.to_le_bytes())?;
        self.writer.write_all(&source.position.to_le_bytes())?;
        for value in values {
            self.writer.write_all(&value.to_le_bytes())?;
        }
        self.len += 1;
        Ok(())
    }

    pub(crate) fn finish(self) -> io::Result<Run> {
        let file = self
            .writer
            .into_inner()
            .map_err(|error| error.into_error())?;
        Ok(Run {
            file,
            len: self.len,
            renumber: None,
        })
    }
}

impl Run {
    /// The same run owned by a collector whose value numbers are
    /// `renumber[number in the absorbed collector]`.
    pub(crate) fn renumbered(mut self, renumber: &[u32]) -> Run {
        let map = |id: u32| {
            if id == ABSENT {
                ABSENT
            } else {
                renumber[id as usize]
            }
        };
        self.renumber = Some(match self.renumber.take() {
            Some(earlier) => earlier.into_iter().map(map).collect(),
            None => (0..renumber.len() as u32).map(map).collect(),
        });
        self
    }

    /// Read the run from its start.
    pub(crate) fn reader(&self, width: usize) -> io::Result<RunReader<'_>> {
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(0))?;
        Ok(RunReader {
            reader: BufReader::new(file),
            width,
            remaining: self.len,
            renumber: self.renumber.as_deref(),
            buffer: vec![0; HEAD + 4 * width],
        })
    }
}

pub(crate) struct RunReader<'r> {
    reader: BufReader<File>,
    width: usize,
    remaining: u64,
    renumber: Option<&'r [u32]>,
    buffer: Vec<u8>,
}

impl RunReader<'_> {
    /// The next record's time and source; its values replace `values`.
    pub(crate) fn next(&mut self, values: &mut Vec<u32>) -> io::Result<Option<(Nanos, SourceRef)>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        self.reader.read_exact(&mut self.buffer)?;
        let bytes = &self.buffer;
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let double = |at: usize| {
            let mut eight = [0; 8];
            eight.copy_from_slice(&bytes[at..at + 8]);
            eight
        };
        let time = Nanos::from_le_bytes(double(0));
        let source = SourceRef {
            input: word(8),
            position: u64::from_le_bytes(double(12)),
        };
        values.clear();
        for index in 0..self.width {
            let id = word(HEAD + 4 * index);
            values.push(match self.renumber {
                Some(renumber) if id != ABSENT => {
                    renumber.get(id as usize).copied().unwrap_or(ABSENT)
                }
                _ => id,
            });
        }
        Ok(Some((time, source)))
    }
}

/// Merge sorted runs into one sorted run.
pub(crate) fn merge(runs: &[Run], width: usize) -> io::Result<Run> {
    let mut readers = runs
        .iter()
        .map(|run| run.reader(width))
        .collect::<io::Result<Vec<_>>>()?;
    let mut values: Vec<Vec<u32>> = vec![Vec::with_capacity(width); readers.len()];
    let mut heads = BinaryHeap::new();
    for (index, reader) in readers.iter_mut().enumerate() {
        if let Some((time, source)) = reader.next(&mut values[index])? {
            heads.push(Reverse((time, source, index)));
        }
    }
    let mut out = RunWriter::new()?;
    while let Some(Reverse((time, source, index))) = heads.pop() {
        out.write(time, source, &values[index])?;
        if let Some((time, source)) = readers[index].next(&mut values[index])? {
            heads.push(Reverse((time, source, index)));
        }
    }
    out.finish()
}
