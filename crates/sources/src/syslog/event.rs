//! A Linux log message, from syslog or the journal, as rules see it.
//!
//! One event type for both framings: a journal entry is a syslog message
//! with more fields, and SigmaHQ's `linux` rules do not care which daemon
//! wrote it down. The Sigma `service` a message belongs to is decided from
//! its program (and, where the line has a `<PRI>` or the entry a
//! `SYSLOG_FACILITY`, its facility): see [`LinuxService`]. It is given to
//! routing as the event's *channel*, with the engine's table of which
//! services read which channels (`engine::routing::table::LINUX_SERVICES`),
//! so that one sshd message reaches `service: sshd`, `service: auth` and
//! `service: syslog` rules, as it is in `/var/log/auth.log` and in the
//! journal at once.

use std::borrow::Cow;

use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

/// The Sigma names every event has (when its record states them), and
/// where they come from.
pub const LINUX_LOG_FIELDS: &[(&str, &str)] = &[
    (
        "Message",
        "the message: after the tag (syslog), MESSAGE (journal)",
    ),
    (
        "Program",
        "the tag's program (syslog), SYSLOG_IDENTIFIER else _COMM (journal)",
    ),
    (
        "ProcessId",
        "the tag's [pid] (syslog), _PID else SYSLOG_PID (journal)",
    ),
    ("Computer", "the host name (syslog), _HOSTNAME (journal)"),
    ("Hostname", "the same host name"),
    (
        "Facility",
        "PRI / 8 or SYSLOG_FACILITY, by name (`auth`, `authpriv`, `cron`…)",
    ),
    (
        "Severity",
        "PRI % 8 or PRIORITY, by name (`err`, `info`, `debug`…)",
    ),
];

/// The Sigma `linux` services a message can belong to (SigmaHQ's
/// `rules/linux/builtin/` folders), decided per message. `Auth` is
/// the authentication programs other than sshd and sudo (and any message
/// of the auth/authpriv facilities); `Syslog` everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinuxService {
    Sshd,
    Sudo,
    Cron,
    Auth,
    Clamav,
    Vsftpd,
    Guacamole,
    Syslog,
}

/// Programs that write to the auth facility besides sshd and sudo.
const AUTH_PROGRAMS: &[&str] = &[
    "su",
    "login",
    "passwd",
    "chpasswd",
    "chage",
    "useradd",
    "userdel",
    "usermod",
    "groupadd",
    "groupdel",
    "groupmod",
    "gpasswd",
    "newgrp",
    "pkexec",
    "polkitd",
    "systemd-logind",
    "unix_chkpwd",
    "dbus-daemon-launch-helper",
];

/// Facility numbers of `auth` and `authpriv`.
const AUTH_FACILITIES: [u8; 2] = [4, 10];

impl LinuxService {
    /// The channel name routing matches (see the module docs).
    pub fn as_str(self) -> &'static str {
        match self {
            LinuxService::Sshd => "sshd",
            LinuxService::Sudo => "sudo",
            LinuxService::Cron => "cron",
            LinuxService::Auth => "auth",
            LinuxService::Clamav => "clamav",
            LinuxService::Vsftpd => "vsftpd",
            LinuxService::Guacamole => "guacamole",
            LinuxService::Syslog => "syslog",
        }
    }

    /// The service of a message from `program` (any case) in `facility`.
    pub fn classify(program: Option<&str>, facility: Option<u8>) -> LinuxService {
        let program = program.unwrap_or("").to_ascii_lowercase();
        match program.as_str() {
            // OpenSSH 9.8 logs its per-connection process as sshd-session,
            // 10.0 its authentication as sshd-auth.
            "sshd" | "sshd-session" | "sshd-auth" => LinuxService::Sshd,
            "sudo" => LinuxService::Sudo,
            "cron" | "crond" | "anacron" | "crontab" => LinuxService::Cron,
            "clamd" | "clamav" | "freshclam" | "clamav-milter" | "clamonacc" => {
                LinuxService::Clamav
            }
            "vsftpd" => LinuxService::Vsftpd,
            "guacd" | "guacamole" => LinuxService::Guacamole,
            p if AUTH_PROGRAMS.contains(&p) => LinuxService::Auth,
            _ if facility.is_some_and(|f| AUTH_FACILITIES.contains(&f)) => LinuxService::Auth,
            _ => LinuxService::Syslog,
        }
    }
}

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// The name of a facility number.
pub(crate) fn facility_name(facility: u8) -> Option<&'static str> {
    FACILITIES.get(usize::from(facility)).copied()
}

/// The name of a severity number.
pub(crate) fn severity_name(severity: u8) -> Option<&'static str> {
    SEVERITIES.get(usize::from(severity)).copied()
}

/// One message.
#[derive(Debug, Clone, PartialEq)]
pub struct LinuxLogEvent {
    pub(crate) timestamp: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) program: Option<String>,
    pub(crate) pid: Option<String>,
    pub(crate) message: String,
    pub(crate) facility: Option<u8>,
    pub(crate) severity: Option<u8>,
    pub(crate) service: LinuxService,
    /// Fields parsed from the message (sshd's, see [`super::sshd`]).
    pub(crate) parsed: Vec<(&'static str, String)>,
    /// The record's own fields: journal fields by their names, RFC 5424
    /// `MSGID` and structured data (`SD-ID.PARAM`).
    pub(crate) native: Vec<(String, String)>,
}

impl LinuxLogEvent {
    /// Fill in what follows from the others: the service and sshd's fields.
    pub(crate) fn classified(mut self) -> Self {
        self.service = LinuxService::classify(self.program.as_deref(), self.facility);
        if self.service == LinuxService::Sshd {
            self.parsed = super::sshd::fields(&self.message);
        }
        self
    }

    /// When the message was written, RFC 3339 UTC.
    pub fn timestamp(&self) -> Option<&str> {
        self.timestamp.as_deref()
    }

    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    pub fn program(&self) -> Option<&str> {
        self.program.as_deref()
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn service(&self) -> LinuxService {
        self.service
    }

    /// Every field by its name, for `scan --with-event`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        self.for_each_named(&mut |name, value| {
            map.entry(name.to_owned())
                .or_insert_with(|| serde_json::Value::from(value));
        });
        serde_json::Value::Object(map)
    }

    fn for_each_named(&self, visit: &mut dyn FnMut(&str, &str)) {
        let common = [
            ("Message", Some(self.message.as_str())),
            ("Program", self.program.as_deref()),
            ("ProcessId", self.pid.as_deref()),
            ("Computer", self.host.as_deref()),
            ("Facility", self.facility.and_then(facility_name)),
            ("Severity", self.severity.and_then(severity_name)),
        ];
        for (name, value) in common {
            if let Some(value) = value {
                visit(name, value);
            }
        }
        for (name, value) in &self.parsed {
            visit(name, value);
        }
        for (name, value) in &self.native {
            visit(name, value);
        }
    }

    fn common(&self, name: &str) -> Option<Option<&str>> {
        Some(match name {
            "Message" => Some(self.message.as_str()),
            "Program" => self.program.as_deref(),
            "ProcessId" => self.pid.as_deref(),
            "Computer" | "Hostname" => self.host.as_deref(),
            "Facility" => self.facility.and_then(facility_name),
            "Severity" => self.severity.and_then(severity_name),
            _ => return None,
        })
    }
}

fn text(v: &str) -> FieldValue<'_> {
    FieldValue::Str(Cow::Borrowed(v))
}

impl Event for LinuxLogEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        if let Some(value) = self.common(name) {
            return value.map_or(Lookup::Absent, |v| Lookup::One(text(v)));
        }
        if let Some((_, v)) = self.parsed.iter().find(|(k, _)| *k == name) {
            return Lookup::One(text(v));
        }
        let mut values = self
            .native
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| text(v));
        match (values.next(), values.next()) {
            (None, _) => Lookup::Absent,
            (Some(one), None) => Lookup::One(one),
            (Some(a), Some(b)) => {
                let mut all = vec![a, b];
                all.extend(values);
                Lookup::Many(all)
            }
        }
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        self.for_each_named(&mut |_, value| visit(&text(value)));
    }

    fn kind(&self) -> EventKind<'_> {
        EventKind {
            product: Some("linux"),
            channel: Some(self.service.as_str()),
            ..EventKind::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_from_program_and_facility() {
        let c = LinuxService::classify;
        assert_eq!(c(Some("sshd"), None), LinuxService::Sshd);
        assert_eq!(c(Some("sshd-session"), Some(10)), LinuxService::Sshd);
        assert_eq!(c(Some("CRON"), None), LinuxService::Cron);
        assert_eq!(c(Some("useradd"), None), LinuxService::Auth);
        assert_eq!(c(Some("myapp"), Some(10)), LinuxService::Auth);
        assert_eq!(c(Some("systemd"), Some(3)), LinuxService::Syslog);
        assert_eq!(c(None, None), LinuxService::Syslog);
        assert_eq!(facility_name(10), Some("authpriv"));
        assert_eq!(severity_name(7), Some("debug"));
        assert_eq!(facility_name(24), None);
    }
}
