//! What a record's type says about the records of its event still to come.
//!
//! Grouping needs to know when an event is over without waiting for a
//! bound, and the kernel's way of writing events answers that for almost
//! every record (kernel `auditsc.c` and `audit.c`):
//!
//! * A **syscall event** is written at syscall exit by `audit_log_exit`, in
//!   one go: `SYSCALL` (or `URINGOP` for io_uring) first, then its
//!   auxiliary records (`EXECVE`, `SOCKADDR`, `FD_PAIR`, `CWD`, `PATH`…),
//!   then `PROCTITLE` (syscalls only, never for io_uring), then `EOE`.
//!   Records logged *during* the syscall (`AVC`, `SECCOMP`, `LOGIN`,
//!   `NETFILTER_CFG`…) share its serial and come before `SYSCALL`; logging
//!   one marks the syscall for recording, so `SYSCALL` … `EOE` follow.
//! * A **user-space message** (PAM's `USER_*` and `CRED_*`, `auditd`'s own
//!   `DAEMON_*`, systemd's `SERVICE_*`, the 1100–1299 and 2100–2999
//!   ranges) is one record: the kernel stamps it with a fresh serial when
//!   it receives it (`audit_log_user_recv_msg` passes no syscall context),
//!   and writes no `EOE`.
//! * A kernel record logged **outside a syscall** (a kernel thread's
//!   `AVC`, `ANOM_PROMISCUOUS`…) is also one record without `EOE`; from
//!   its type alone it cannot be told from the first record of a syscall
//!   event, so such an event stays open until it has been idle a while.
//!
//! So an event is over at `EOE`, at `PROCTITLE` (only `EOE` follows, and
//! logs filtered of `EOE` lines still group), or at once for a user-space
//! message; an event that reached its `SYSCALL` but not its end is
//! expecting more and waits for it; any other event is undecided.

/// The part a record plays in its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordRole {
    /// `EOE`: nothing of this event follows.
    EndOfEvent,
    /// `PROCTITLE`: the last record of a syscall event before its `EOE`.
    Last,
    /// `SYSCALL` or `URINGOP`: the event's auxiliary records, `PROCTITLE`
    /// and `EOE` follow.
    SyscallHead,
    /// A user-space message: the whole event.
    Standalone,
    /// Anything else: an auxiliary record, or a record logged before
    /// `SYSCALL` or outside any syscall.
    Other,
}

impl RecordRole {
    /// The role of a record of type `rtype` (`SYSCALL`, `USER_LOGIN`, or
    /// `UNKNOWN[1112]` when auditd does not know the type's name).
    pub fn of(rtype: &str) -> RecordRole {
        match rtype {
            "EOE" => RecordRole::EndOfEvent,
            "PROCTITLE" => RecordRole::Last,
            "SYSCALL" | "URINGOP" => RecordRole::SyscallHead,
            _ if is_user_space_message(rtype) => RecordRole::Standalone,
            _ => match unknown_type_number(rtype) {
                Some(1300) => RecordRole::SyscallHead,
                Some(1320) => RecordRole::EndOfEvent,
                Some(1327) => RecordRole::Last,
                Some(1336) => RecordRole::SyscallHead,
                Some(n) if is_user_space_number(n) => RecordRole::Standalone,
                _ => RecordRole::Other,
            },
        }
    }
}

/// The message-type ranges user space writes (`linux/audit.h`): `AUDIT_USER`
/// (1005), `AUDIT_FIRST_USER_MSG`…`AUDIT_LAST_USER_MSG` (1100–1199), the
/// daemon's own (1200–1299) and `AUDIT_FIRST_USER_MSG2`…`_MSG2` (2100–2999).
fn is_user_space_number(n: u32) -> bool {
    n == 1005 || (1100..=1299).contains(&n) || (2100..=2999).contains(&n)
}

/// `UNKNOWN[1112]` → 1112.
fn unknown_type_number(rtype: &str) -> Option<u32> {
    rtype
        .strip_prefix("UNKNOWN[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Name prefixes that only user-space message types have (libaudit's
/// `msg_typetab.h`); `ANOM_` is shared with kernel types and listed apart.
const USER_SPACE_PREFIXES: &[&str] = &[
    "USER_", "CRED_", "DAEMON_", "SERVICE_", "SYSTEM_", "ACCT_", "GRP_", "RESP_", "ROLE_",
    "LABEL_", "DEV_", "CRYPTO_", "VIRT_",
];

/// User-space message types without one of those prefixes.
const USER_SPACE_NAMES: &[&str] = &[
    "USER",
    "USYS_CONFIG",
    "ADD_USER",
    "DEL_USER",
    "ADD_GROUP",
    "DEL_GROUP",
    "DAC_CHECK",
    "MAC_CHECK",
    "CHGRP_ID",
    "CHUSER_ID",
    "TEST",
    "TRUSTED_APP",
    "SOFTWARE_UPDATE",
    "FS_RELABEL",
];

/// The `ANOM_` types the kernel writes (1700–1799), which may belong to a
/// syscall event; the other `ANOM_` types (2100–2199) are user space's.
const KERNEL_ANOMALIES: &[&str] = &["ANOM_PROMISCUOUS", "ANOM_ABEND", "ANOM_LINK", "ANOM_CREAT"];

fn is_user_space_message(rtype: &str) -> bool {
    USER_SPACE_NAMES.contains(&rtype)
        || USER_SPACE_PREFIXES.iter().any(|p| rtype.starts_with(p))
        || (rtype.starts_with("ANOM_") && !KERNEL_ANOMALIES.contains(&rtype))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_of_kernel_and_user_space_types() {
        for (rtype, role) in [
            ("EOE", RecordRole::EndOfEvent),
            ("UNKNOWN[1320]", RecordRole::EndOfEvent),
            ("PROCTITLE", RecordRole::Last),
            ("SYSCALL", RecordRole::SyscallHead),
            ("URINGOP", RecordRole::SyscallHead),
            ("UNKNOWN[1336]", RecordRole::SyscallHead),
            ("USER_LOGIN", RecordRole::Standalone),
            ("CRED_ACQ", RecordRole::Standalone),
            ("SERVICE_STOP", RecordRole::Standalone),
            ("DAEMON_START", RecordRole::Standalone),
            ("ANOM_LOGIN_FAILURES", RecordRole::Standalone),
            ("USER", RecordRole::Standalone),
            ("UNKNOWN[1112]", RecordRole::Standalone),
            ("UNKNOWN[2404]", RecordRole::Standalone),
            ("ANOM_ABEND", RecordRole::Other),
            ("AVC", RecordRole::Other),
            ("LOGIN", RecordRole::Other),
            ("EXECVE", RecordRole::Other),
            ("UNKNOWN[1400]", RecordRole::Other),
            ("UNKNOWN[", RecordRole::Other),
        ] {
            assert_eq!(RecordRole::of(rtype), role, "{rtype}");
        }
    }
}
