//! An audit event: the records of one `msg=audit(TIME:SERIAL)`, with the
//! Sigma taxonomy fields derived from them.
//!
//! Every record stays reachable by its native field names (`type`,
//! `syscall`, `exe`, `a0`, `key`, `AUID`…), as SigmaHQ's `service: auditd`
//! rules expect; a name several records carry (`type`, `name`) yields all
//! their values. EXECVE arguments are reassembled (split `a1[0]`, `a1[1]`
//! chunks and arguments continued in further EXECVE records) and exposed
//! whole as `a0`…`aN`; `proctitle` is decoded with its NUL separators
//! turned into spaces.
//!
//! On top of that, an exec becomes a `process_creation` and a socket
//! connect/bind/accept a `network_connection`, each with the fields of
//! Sysmon for Linux's events of the same category (see [`SIGMA_FIELDS`]),
//! so that the same rules match both.

use std::borrow::Cow;
use std::collections::BTreeMap;

use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup};

use super::group::Group;
use super::net::{self, SockAddr, Syscall};
use super::parse::{RawRecord, decode_hex, execve_arg};
use super::process::{Process, ProcessTable};

/// The Sigma fields this reader derives, and from what. Documentation as
/// data: [`Derived::set`] refuses (in debug builds) a field not listed.
pub const SIGMA_FIELDS: &[(&str, &str)] = &[
    ("Image", "SYSCALL exe"),
    (
        "CommandLine",
        "EXECVE a0…aN joined with spaces (else PROCTITLE)",
    ),
    ("CurrentDirectory", "CWD cwd"),
    (
        "User",
        "AUID name, else auid unless unset, else UID name, else uid",
    ),
    ("ProcessId", "SYSCALL pid"),
    ("ParentProcessId", "SYSCALL ppid"),
    ("ParentImage", "the parent's exe from an earlier event"),
    (
        "ParentCommandLine",
        "the parent's command line from an earlier event",
    ),
    (
        "DestinationIp",
        "SOCKADDR of connect (remote) / accept (peer)",
    ),
    ("DestinationPort", "SOCKADDR of connect / accept"),
    ("DestinationIsIpv6", "SOCKADDR family of connect / accept"),
    ("SourceIp", "SOCKADDR of bind (the local listening address)"),
    ("SourcePort", "SOCKADDR of bind"),
    ("SourceIsIpv6", "SOCKADDR family of bind"),
    (
        "Initiated",
        "true for connect, false for bind/accept (Sysmon's convention)",
    ),
];

/// `auid`/`uid` value meaning "not set".
const UNSET_ID: &str = "4294967295";

/// One audit event.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditdEvent {
    timestamp: String,
    serial: u64,
    node: Option<Box<str>>,
    category: Option<&'static str>,
    sigma: Vec<(&'static str, String)>,
    /// Each record's fields, `type` first, values as text.
    records: Vec<Vec<(String, String)>>,
}

impl AuditdEvent {
    /// `msg=audit(TIME:…)` as RFC 3339 UTC with milliseconds.
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The event's records, each as an object of its fields (`type`
    /// first, values as text), for `scan --with-event`.
    pub fn to_json(&self) -> serde_json::Value {
        self.records
            .iter()
            .map(|record| {
                record
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                    .collect::<serde_json::Map<_, _>>()
            })
            .collect()
    }

    /// The event serial, `msg=audit(…:SERIAL)`.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// `node=` of the records (set when auditd forwards for several hosts).
    pub fn node(&self) -> Option<&str> {
        self.node.as_deref()
    }

    /// The Sigma category: `process_creation`, `network_connection`, or
    /// none for other events.
    pub fn category(&self) -> Option<&'static str> {
        self.category
    }

    /// Build the event from its records, resolving the parent through
    /// `processes` and recording this process there.
    pub(crate) fn assemble(group: Group, processes: &mut ProcessTable) -> AuditdEvent {
        let Group { key, records } = group;
        let node = key.node.as_deref();
        let syscall_record = records.iter().find(|r| r.rtype == "SYSCALL");
        let text = |r: Option<&RawRecord>, k: &str| r.and_then(|r| r.get(k)).map(lossy);
        let sys = |k: &str| text(syscall_record, k);
        let argv = execve_argv(&records);
        let proctitle = records
            .iter()
            .find(|r| r.rtype == "PROCTITLE")
            .and_then(|r| r.get("proctitle"))
            .map(nul_separated);

        let mut out = Vec::with_capacity(records.len());
        let mut execve_done = false;
        for r in &records {
            if r.rtype == "EXECVE" {
                if !execve_done {
                    out.push(execve_fields(argv.as_deref().unwrap_or(&[]), r));
                    execve_done = true;
                }
                continue;
            }
            let mut fields = Vec::with_capacity(r.fields.len() + 1);
            fields.push(("type".to_owned(), r.rtype.clone()));
            for (k, v) in &r.fields {
                let v = if r.rtype == "PROCTITLE" && k == "proctitle" {
                    nul_separated(v)
                } else {
                    lossy(v)
                };
                fields.push((k.clone(), v));
            }
            out.push(fields);
        }

        let success = sys("success").is_none_or(|s| s != "no");
        let exit = sys("exit");
        let which = net::syscall(
            sys("SYSCALL").as_deref(),
            sys("arch").as_deref(),
            sys("syscall").as_deref(),
            sys("a0").as_deref(),
        );
        let pid = sys("pid").and_then(|p| p.parse::<u32>().ok());
        let exe = sys("exe").filter(|e| e != "(null)");
        let command_line = argv.as_ref().map(|a| a.join(" ")).or(proctitle);
        let mut sigma = Derived::default();
        let mut category = None;
        let is_exec = argv.is_some() && (which.is_none() || which == Some(Syscall::Execve));
        if is_exec && success {
            category = Some("process_creation");
            if let Some(exe) = &exe {
                sigma.set("Image", exe.clone());
            }
            if let Some(cmd) = &command_line {
                sigma.set("CommandLine", cmd.clone());
            }
            let cwd = records
                .iter()
                .find(|r| r.rtype == "CWD")
                .and_then(|r| r.get("cwd"));
            if let Some(cwd) = cwd {
                sigma.set("CurrentDirectory", lossy(cwd));
            }
            let parent = sys("ppid")
                .and_then(|p| p.parse::<u32>().ok())
                .and_then(|ppid| processes.get(node, ppid));
            if let Some(parent) = parent {
                sigma.set("ParentImage", parent.image.clone());
                if let Some(cmd) = &parent.command_line {
                    sigma.set("ParentCommandLine", cmd.clone());
                }
            }
        } else if let Some(s @ (Syscall::Connect | Syscall::Bind | Syscall::Accept)) = which {
            // A non-blocking connect reports EINPROGRESS: still an attempt.
            let attempted = success || (s == Syscall::Connect && exit.as_deref() == Some("-115"));
            let addr = records
                .iter()
                .find(|r| r.rtype == "SOCKADDR")
                .and_then(|r| r.get("saddr"))
                .and_then(decode_hex)
                .and_then(|raw| net::decode_sockaddr(&raw));
            if let (true, Some(SockAddr::Inet { ip, port })) = (attempted, addr) {
                category = Some("network_connection");
                if let Some(exe) = &exe {
                    sigma.set("Image", exe.clone());
                }
                let (ip_field, port_field, v6_field, initiated) = match s {
                    Syscall::Bind => ("SourceIp", "SourcePort", "SourceIsIpv6", "false"),
                    Syscall::Accept => (
                        "DestinationIp",
                        "DestinationPort",
                        "DestinationIsIpv6",
                        "false",
                    ),
                    _ => (
                        "DestinationIp",
                        "DestinationPort",
                        "DestinationIsIpv6",
                        "true",
                    ),
                };
                sigma.set(ip_field, ip.to_string());
                sigma.set(port_field, port.to_string());
                sigma.set(v6_field, ip.is_ipv6().to_string());
                sigma.set("Initiated", initiated.to_owned());
            }
        }
        if category.is_some() {
            if let Some(user) = user(syscall_record) {
                sigma.set("User", user);
            }
            if let Some(pid) = sys("pid") {
                sigma.set("ProcessId", pid);
            }
            if category == Some("process_creation")
                && let Some(ppid) = sys("ppid")
            {
                sigma.set("ParentProcessId", ppid);
            }
        }
        if let (Some(pid), Some(exe)) = (pid, exe)
            && success
        {
            let exec = category == Some("process_creation");
            let process = Process {
                image: exe,
                command_line,
            };
            processes.record(node, pid, process, exec);
        }
        AuditdEvent {
            timestamp: rfc3339(key.secs, key.millis),
            serial: key.serial,
            node: key.node,
            category,
            sigma: sigma.0,
            records: out,
        }
    }
}

/// The Sigma fields of one event, being built.
#[derive(Default)]
struct Derived(Vec<(&'static str, String)>);

impl Derived {
    fn set(&mut self, name: &'static str, value: String) {
        debug_assert!(
            SIGMA_FIELDS.iter().any(|(f, _)| *f == name),
            "{name} is not in SIGMA_FIELDS"
        );
        self.0.push((name, value));
    }
}

/// How many arguments an EXECVE may lack between those it has.
const MAX_MISSING_ARGS: usize = 1024;

/// The arguments of the exec, from all EXECVE records, or `None` if there
/// is no EXECVE record.
fn execve_argv(records: &[RawRecord]) -> Option<Vec<String>> {
    let mut argc: Option<usize> = None;
    // index → chunk (None for a whole argument) → bytes
    let mut args: BTreeMap<u32, BTreeMap<Option<u32>, &[u8]>> = BTreeMap::new();
    let mut any = false;
    for r in records.iter().filter(|r| r.rtype == "EXECVE") {
        any = true;
        for (k, v) in &r.fields {
            if k == "argc" {
                argc = lossy(v).parse().ok();
            } else if let Some((index, chunk)) = execve_arg(k) {
                args.entry(index).or_default().insert(chunk, v);
            }
        }
    }
    if !any {
        return None;
    }
    let count = argc.unwrap_or_else(|| args.keys().next_back().map_or(0, |&i| i as usize + 1));
    // A corrupted argc must not make us allocate billions of strings, nor
    // may a corrupted index (`a179522743=`, found by fuzzing): missing
    // arguments become empty strings, at most `MAX_MISSING_ARGS` of them.
    let count = count
        .min(args.keys().next_back().map_or(0, |&i| i as usize + 1))
        .min(args.len() + MAX_MISSING_ARGS);
    Some(
        (0..count as u32)
            .map(|i| {
                let parts = args.get(&i);
                let bytes: Vec<u8> = parts
                    .into_iter()
                    .flat_map(|chunks| chunks.values())
                    .flat_map(|b| b.iter().copied())
                    .collect();
                lossy(&bytes)
            })
            .collect(),
    )
}

/// One EXECVE record standing for all of them, with whole arguments.
fn execve_fields(argv: &[String], first: &RawRecord) -> Vec<(String, String)> {
    let mut fields = vec![("type".to_owned(), "EXECVE".to_owned())];
    if let Some(argc) = first.get("argc") {
        fields.push(("argc".to_owned(), lossy(argc)));
    }
    for (i, arg) in argv.iter().enumerate() {
        fields.push((format!("a{i}"), arg.clone()));
    }
    fields
}

/// The user: the login user (who, not as whom) when set, else the user
/// the process runs as; names where the log has them.
fn user(sys: Option<&RawRecord>) -> Option<String> {
    let sys = sys?;
    let field = |k: &str| sys.get(k).map(lossy);
    match (field("auid"), field("AUID")) {
        (Some(auid), name) if auid != UNSET_ID => Some(name.unwrap_or(auid)),
        (None, Some(name)) if name != "unset" => Some(name),
        _ => field("UID").or_else(|| field("uid")),
    }
}

/// `proctitle` bytes: arguments separated by NUL → joined with spaces.
fn nul_separated(v: &[u8]) -> String {
    let v = v.strip_suffix(&[0]).unwrap_or(v);
    lossy(v).replace('\0', " ")
}

/// Text from bytes; a byte sequence that is not UTF-8 (a decoded Latin-1
/// file name, a corrupted line) becomes U+FFFD rather than losing the event.
fn lossy(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Seconds and milliseconds since the epoch → `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn rfc3339(secs: u64, millis: u32) -> String {
    crate::time::rfc3339_utc((secs / 86_400) as i64, secs % 86_400, millis, 3)
}

impl Event for AuditdEvent {
    fn field(&self, name: &str) -> Lookup<'_> {
        if let Some((_, v)) = self.sigma.iter().find(|(k, _)| *k == name) {
            return Lookup::One(FieldValue::Str(Cow::Borrowed(v)));
        }
        let mut values = self
            .records
            .iter()
            .flat_map(|r| r.iter())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| FieldValue::Str(Cow::Borrowed(v.as_str())));
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
        let sigma = self.sigma.iter().map(|(_, v)| v);
        let native = self.records.iter().flat_map(|r| r.iter().map(|(_, v)| v));
        for v in sigma.chain(native) {
            visit(&FieldValue::Str(Cow::Borrowed(v)));
        }
    }

    fn kind(&self) -> EventKind<'_> {
        EventKind {
            product: Some("linux"),
            category: self.category,
            service: Some("auditd"),
            ..EventKind::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000, 123), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(4_102_444_799, 999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn a_corrupted_argument_index_costs_no_memory() {
        let line = b"type=EXECVE msg=audit(1.5:9): a0=\"ssh\" a179522743=\"x\"";
        let record = crate::auditd::parse::parse_line(1, line).unwrap();
        let argv = execve_argv(std::slice::from_ref(&record)).unwrap();
        assert_eq!(argv.len(), 2 + MAX_MISSING_ARGS);
        assert_eq!(argv[0], "ssh");
    }
}
