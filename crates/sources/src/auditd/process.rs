//! The pid → process table that gives a process creation its parent.
//!
//! An auditd exec event names the parent only by `ppid`. The parent's
//! image and command line come from the parent's own exec (or any other
//! syscall event it made, which carries `exe` and `proctitle`) earlier in
//! the same stream. The table is bounded: two generations of at most
//! [`GENERATION`] entries each; when the young one fills up, the old one is
//! dropped and the young one becomes old. That approximates LRU at the
//! cost of two hash lookups, and a process that is still running and
//! active gets re-inserted by its own syscalls. Pids are reused, so an
//! entry can be stale; a parent that has not been seen stays unknown.

use std::collections::HashMap;

/// Entries per generation; the table holds at most twice as many.
pub const GENERATION: usize = 4096;

/// What the table knows about a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Process {
    pub image: String,
    pub command_line: Option<String>,
}

type Key = (Option<Box<str>>, u32);

#[derive(Debug, Default)]
pub(crate) struct ProcessTable {
    young: HashMap<Key, Process>,
    old: HashMap<Key, Process>,
}

impl ProcessTable {
    /// The process `pid` on `node`, if known.
    pub fn get(&self, node: Option<&str>, pid: u32) -> Option<&Process> {
        let key = (node.map(Box::from), pid);
        self.young.get(&key).or_else(|| self.old.get(&key))
    }

    /// Record that `pid` now runs `process`. `exec`: it comes from an exec,
    /// so it replaces whatever was known; otherwise (any other syscall) it
    /// only fills a gap or a changed image, and never replaces a full
    /// command line from an exec with a truncated `proctitle`.
    pub fn record(&mut self, node: Option<&str>, pid: u32, process: Process, exec: bool) {
        let key = (node.map(Box::from), pid);
        if !exec {
            let known = self.young.get(&key).or_else(|| self.old.get(&key));
            if let Some(known) = known
                && known.image == process.image
            {
                if !self.young.contains_key(&key) {
                    let known = known.clone();
                    self.insert(key, known);
                }
                return;
            }
        }
        self.insert(key, process);
    }

    fn insert(&mut self, key: Key, process: Process) {
        if self.young.len() >= GENERATION && !self.young.contains_key(&key) {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key, process);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(image: &str, cmd: Option<&str>) -> Process {
        Process {
            image: image.into(),
            command_line: cmd.map(Into::into),
        }
    }

    #[test]
    fn exec_replaces_other_syscalls_fill_in() {
        let mut t = ProcessTable::default();
        t.record(None, 10, p("/bin/bash", Some("bash -i")), true);
        t.record(None, 10, p("/bin/bash", Some("bash")), false);
        assert_eq!(t.get(None, 10), Some(&p("/bin/bash", Some("bash -i"))));
        t.record(None, 10, p("/usr/bin/ssh", Some("ssh -N")), true);
        assert_eq!(t.get(None, 10).unwrap().image, "/usr/bin/ssh");
        assert_eq!(t.get(Some("other-host"), 10), None);
    }

    #[test]
    fn bounded_and_recent_entries_survive() {
        let mut t = ProcessTable::default();
        for pid in 0..(GENERATION as u32 * 5) {
            t.record(None, pid, p("/bin/x", None), true);
            // pid 1 stays active.
            t.record(None, 1, p("/sbin/init", None), false);
            assert!(t.len() <= 2 * GENERATION);
        }
        assert!(t.get(None, 1).is_some());
        assert!(t.get(None, 2).is_none());
        assert!(t.get(None, GENERATION as u32 * 5 - 1).is_some());
    }
}
