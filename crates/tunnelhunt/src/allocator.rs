//! The process's memory allocator: mimalloc, tuned for a bounded peak.
//!
//! A scan builds and drops a few dozen small values per record (field
//! names and values of the event being matched), millions of times, on
//! every thread. glibc's malloc spends a tenth of a JSON-lines scan's CPU
//! on that churn (fastbin consolidation, cross-thread frees); mimalloc's
//! per-thread free lists cut a scan's CPU time by 6 % (the T1572 pack on
//! JSON lines) to 20 % (all SigmaHQ rules on EVTX), measured whole-process
//! with `bench/run.sh`'s commands.
//!
//! Its defaults trade memory for speed in two ways that matter against the
//! peak-RSS target (< 200 MB whatever the input size):
//!
//! * transparent huge pages on its arenas: a 2 MiB page is faulted in
//!   where a 4 KiB one was touched (+60 MiB on a 200 MB JSON-lines scan).
//!   The `no_thp` build feature turns them off;
//! * freed pages are handed back to the OS only after a second: with
//!   threads freeing blocks of records all the time, that is tens of MiB
//!   held for nothing. Ten milliseconds keeps the peak within a few MiB of
//!   glibc's; zero would return them at once but costs more in system time
//!   (an `madvise` per freed page) than the allocator saves.
//!
//! The delay is an option read whenever memory is freed, so setting it
//! first thing in `main` is early enough (only the runtime's start-up
//! allocations come before).
//!
//! The one place in the workspace with unsafe code: two calls into
//! mimalloc's C API, each with its SAFETY note. Every other crate forbids
//! unsafe code, and the rest of this one denies it.
#![allow(unsafe_code)]

use std::os::raw::c_long;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e` (its 16th
/// option); the Rust binding has no name for it. The crate versions are
/// pinned exactly in Cargo.toml so that this index cannot drift.
const PURGE_DELAY_OPTION: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory may stay mapped before it is returned, in ms.
const PURGE_DELAY_MS: c_long = 10;

/// Apply the settings above; call once, at the start of `main`.
pub fn configure() {
    // SAFETY: `mi_option_set` only stores a number in mimalloc's option
    // table (atomically); any value is valid for this option.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY_OPTION, PURGE_DELAY_MS) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_names_the_purge_delay() {
        // SAFETY: reading an option is always allowed.
        let get = || unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY_OPTION) };
        // mimalloc v3's default purge delay, which no neighbouring option
        // has: a renumbered enum fails here rather than tuning another
        // option. (Nothing else in this test binary calls `configure`.)
        assert_eq!(get(), 1000);
        configure();
        assert_eq!(get(), PURGE_DELAY_MS);
    }
}
