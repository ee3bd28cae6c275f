//! The auditd reader on a real-shaped `audit.log` (fixtures/auditd/):
//! an ssh port forward whose arguments are hex-encoded and split over
//! several EXECVE records, with its parent resolved from an earlier exec;
//! interleaved events; the chisel reverse-SOCKS listener (exec + bind on
//! 8443, ENRICHED format); ssh's connect to port 22; malformed lines; and
//! through `open` and the engine's routing and matcher.

use crate::common;

use std::io::Cursor;
use std::path::Path;

use common::{compile_bodies, split, text};
use tunnelhunt_engine::Event;
use tunnelhunt_sources::auditd::{AuditdError, AuditdEvent, AuditdReader};
use tunnelhunt_sources::{AnyEvent, Format, ReadError, ReadErrorKind, open};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/auditd/tunnels.log"
);

fn read(bytes: &[u8]) -> Vec<Result<(u64, AuditdEvent), ReadError>> {
    AuditdReader::new(Cursor::new(bytes.to_vec()), Path::new("audit.log"))
        .map(|r| r.map(|(origin, e)| (origin.line().unwrap(), e)))
        .collect()
}

fn all(event: &impl Event, name: &str) -> Vec<String> {
    event
        .field(name)
        .values()
        .iter()
        .map(|v| v.as_text().unwrap().into_owned())
        .collect()
}

fn fixture() -> (Vec<(u64, AuditdEvent)>, Vec<ReadError>) {
    let bytes = std::fs::read(FIXTURE).unwrap();
    split(read(&bytes))
}

#[test]
fn events_come_out_grouped_in_first_line_order() {
    let (events, _) = fixture();
    let summary: Vec<(u64, u64, Option<&str>)> = events
        .iter()
        .map(|(line, e)| (*line, e.serial(), e.category()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, 100, Some("process_creation")),
            // ssh's SYSCALL (line 7) comes before the interleaved
            // USER_LOGIN (line 8), whose records do not leak into it.
            (7, 102, Some("process_creation")),
            (8, 101, None),
            (18, 105, Some("network_connection")),
            (22, 200, Some("process_creation")),
            (27, 201, Some("network_connection")),
            // No EOE: released at the end of the input.
            (32, 300, None),
        ]
    );
    let login = &events[2].1;
    assert_eq!(all(login, "type"), vec!["USER_LOGIN"]);
    assert_eq!(text(login, "exe").as_deref(), Some("/usr/sbin/sshd"));
    assert_eq!(text(login, "addr").as_deref(), Some("198.51.100.7"));
    assert_eq!(login.timestamp(), "2023-11-14T22:13:25.251Z");
}

#[test]
fn ssh_forward_with_split_hex_arguments_and_its_parent() {
    let (events, _) = fixture();
    let (_, ssh) = &events[1];
    let cmd =
        "ssh -N -L 8443:intranet.example:443 -i /home/alice/my keys/id_ed25519 ops@203.0.113.20";
    assert_eq!(text(ssh, "CommandLine").as_deref(), Some(cmd));
    assert_eq!(text(ssh, "Image").as_deref(), Some("/usr/bin/ssh"));
    assert_eq!(
        text(ssh, "CurrentDirectory").as_deref(),
        Some("/home/alice/work dir")
    );
    assert_eq!(text(ssh, "ProcessId").as_deref(), Some("2001"));
    assert_eq!(text(ssh, "ParentProcessId").as_deref(), Some("2000"));
    assert_eq!(text(ssh, "ParentImage").as_deref(), Some("/usr/bin/bash"));
    assert_eq!(text(ssh, "ParentCommandLine").as_deref(), Some("bash -i"));
    assert_eq!(text(ssh, "User").as_deref(), Some("1000"));
    assert_eq!(ssh.timestamp(), "2023-11-14T22:13:25.250Z");
    // Native names: the whole arguments, as SigmaHQ's auditd rules use them.
    assert_eq!(
        text(ssh, "a5").as_deref(),
        Some("/home/alice/my keys/id_ed25519")
    );
    assert_eq!(text(ssh, "argc").as_deref(), Some("7"));
    assert_eq!(
        all(ssh, "type"),
        vec!["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE"]
    );
    assert_eq!(text(ssh, "proctitle").as_deref(), Some(cmd));
    assert_eq!(text(ssh, "key").as_deref(), Some("exec"));
    let kind = ssh.kind();
    assert_eq!(
        (kind.product, kind.category, kind.service),
        (Some("linux"), Some("process_creation"), Some("auditd"))
    );
    // The parent itself has no known parent (pid 1999 never exec'd here).
    assert_eq!(text(&events[0].1, "ParentImage"), None);
}

#[test]
fn ssh_connects_to_port_22() {
    let (events, _) = fixture();
    let (_, connect) = &events[3];
    assert_eq!(text(connect, "Image").as_deref(), Some("/usr/bin/ssh"));
    assert_eq!(
        text(connect, "DestinationIp").as_deref(),
        Some("203.0.113.20")
    );
    assert_eq!(text(connect, "DestinationPort").as_deref(), Some("22"));
    assert_eq!(text(connect, "DestinationIsIpv6").as_deref(), Some("false"));
    assert_eq!(text(connect, "Initiated").as_deref(), Some("true"));
    assert_eq!(text(connect, "SourcePort"), None);
    assert_eq!(text(connect, "CommandLine"), None);
}

#[test]
fn chisel_reverse_socks_server_exec_and_bind_on_8443() {
    let (events, _) = fixture();
    let (_, exec) = &events[4];
    assert_eq!(
        text(exec, "CommandLine").as_deref(),
        Some("chisel server --reverse --socks5 --port 8443")
    );
    assert_eq!(text(exec, "Image").as_deref(), Some("/opt/chisel/chisel"));
    // ENRICHED: the login user's name, not the numeric auid.
    assert_eq!(text(exec, "User").as_deref(), Some("alice"));
    assert_eq!(text(exec, "UID").as_deref(), Some("root"));
    assert_eq!(text(exec, "ParentImage").as_deref(), Some("/usr/bin/bash"));
    let (_, bind) = &events[5];
    assert_eq!(text(bind, "Image").as_deref(), Some("/opt/chisel/chisel"));
    assert_eq!(text(bind, "SourceIp").as_deref(), Some("::"));
    assert_eq!(text(bind, "SourcePort").as_deref(), Some("8443"));
    assert_eq!(text(bind, "SourceIsIpv6").as_deref(), Some("true"));
    assert_eq!(text(bind, "Initiated").as_deref(), Some("false"));
    assert_eq!(text(bind, "DestinationPort"), None);
    assert_eq!(text(bind, "SYSCALL").as_deref(), Some("bind"));
    assert_eq!(
        text(bind, "SADDR").as_deref(),
        Some(" saddr_fam=inet6 laddr=:: lport=8443 ")
    );
}

#[test]
fn malformed_lines_are_reported_with_their_line_and_skipped() {
    let (events, errors) = fixture();
    assert_eq!(events.len(), 7);
    let got: Vec<(u64, String)> = errors.iter().map(|e| (e.line, e.to_string())).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0].0, 16);
    assert!(matches!(
        errors[0].kind,
        ReadErrorKind::Auditd(AuditdError::NotAuditRecord { .. })
    ));
    assert_eq!(got[1].0, 17);
    assert!(
        got[1].1.starts_with("audit.log:17: bad event id"),
        "{}",
        got[1].1
    );
    assert_eq!(got[2].0, 31);
    assert!(
        got[2].1.contains("unterminated quoted value of `comm`"),
        "{}",
        got[2].1
    );
    assert!(errors.iter().all(|e| !e.is_fatal()));
}

#[test]
fn invalid_utf8_in_values_keeps_the_event() {
    let mut log = Vec::new();
    log.extend_from_slice(b"type=SYSCALL msg=audit(1700000300.000:400): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=4000 auid=0 uid=0 comm=\"c\xffat\" exe=\"/usr/bin/cat\"\n");
    // `caf\xE9` (Latin-1) hex-encoded, as the kernel writes it.
    log.extend_from_slice(
        b"type=EXECVE msg=audit(1700000300.000:400): argc=2 a0=\"cat\" a1=636166E9\n",
    );
    log.extend_from_slice(b"type=EOE msg=audit(1700000300.000:400): \n");
    let items = read(&log);
    assert_eq!(items.len(), 1);
    let (line, event) = items[0].as_ref().unwrap();
    assert_eq!(*line, 1);
    assert_eq!(
        text(event, "CommandLine").as_deref(),
        Some("cat caf\u{FFFD}")
    );
    assert_eq!(text(event, "comm").as_deref(), Some("c\u{FFFD}at"));
    assert_eq!(text(event, "Image").as_deref(), Some("/usr/bin/cat"));
}

#[test]
fn open_detects_auditd_and_rules_route_to_its_events() {
    let reader = open(Path::new(FIXTURE)).unwrap();
    assert_eq!(reader.format(), Format::Auditd);
    let records: Vec<_> = reader.filter_map(Result::ok).collect();
    assert_eq!(records.len(), 7);
    assert_eq!(records[1].origin.to_string(), format!("{FIXTURE}:7"));
    assert_eq!(records[1].origin.format.as_str(), "auditd");
    assert_eq!(
        records[1].event.timestamp().as_deref(),
        Some("2023-11-14T22:13:25.250Z")
    );

    let rules = [
        (
            "ssh_forward",
            "logsource: {category: process_creation, product: linux}\n\
             detection:\n  sel:\n    Image|endswith: /ssh\n    CommandLine|contains|cased: ' -L '\n  condition: sel",
        ),
        (
            "tunnel_listener",
            "logsource: {category: network_connection, product: linux}\n\
             detection:\n  sel:\n    Image|endswith: /chisel\n    Initiated: 'false'\n    SourcePort: 8443\n  condition: sel",
        ),
        (
            "ssh_out",
            "logsource: {category: network_connection, product: linux}\n\
             detection:\n  sel:\n    DestinationPort: 22\n    Initiated: 'true'\n  condition: sel",
        ),
        (
            "auditd_execve",
            "logsource: {product: linux, service: auditd}\n\
             detection:\n  sel:\n    type: EXECVE\n    a0: chisel\n    a1: server\n  condition: sel",
        ),
        (
            "windows_only",
            "logsource: {category: process_creation, product: windows}\n\
             detection:\n  sel:\n    CommandLine|contains: chisel\n  condition: sel",
        ),
    ];
    let matcher = compile_bodies(&rules);
    let mut scratch = matcher.scratch();
    let hits: Vec<(u64, Vec<&str>)> = records
        .iter()
        .map(|r| {
            let mut ids = Vec::new();
            matcher.matches(&r.event, &mut scratch, &mut ids);
            ids.sort_unstable();
            let AnyEvent::Auditd(_) = &r.event else {
                panic!("not an auditd event")
            };
            (
                r.origin.line().unwrap(),
                ids.into_iter().map(|i| rules[i].0).collect(),
            )
        })
        .collect();
    assert_eq!(
        hits,
        vec![
            (1, vec![]),
            (7, vec!["ssh_forward"]),
            (8, vec![]),
            (18, vec!["ssh_out"]),
            (22, vec!["auditd_execve"]),
            (27, vec!["tunnel_listener"]),
            (32, vec![]),
        ]
    );
}

#[test]
fn detection_from_content() {
    use tunnelhunt_sources::detect::detect;
    for head in [
        &b"type=DAEMON_START msg=audit(1700000000.000:1): op=start ver=3.1.2 res=success\n"[..],
        b"node=web1 type=SYSCALL msg=audit(1700000000.000:2): arch=c000003e syscall=59\n",
        b"Nov 27 10:00:00 web1 audisp-syslog: type=EOE msg=audit(1700000000.000:2): \n",
        b"garbage first line\ntype=EOE msg=audit(1700000000.000:2): \n",
    ] {
        assert_eq!(detect(head), Ok(Format::Auditd), "{head:?}");
    }
    // Auditbeat-style JSON quoting an audit record is not a raw audit log.
    assert_ne!(
        detect(b"{\"message\":\"node=x type=SYSCALL msg=audit(1.0:1): a=1\"}\n"),
        Ok(Format::Auditd)
    );
}
