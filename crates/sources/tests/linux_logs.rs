//! The syslog and journal readers: the three syslog spellings in one
//! `auth.log`, the year of RFC 3164 times from the file's modification
//! time (gzipped too), the Sigma `linux` services a message routes to,
//! `journalctl -o json` and `-o export` giving the same event, Sysmon for
//! Linux through syslog and the journal giving the XML reader's events,
//! and damaged input accounted line by line.

use crate::common;

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use common::{compile_bodies, split, text};
use tunnelhunt_engine::Event;
use tunnelhunt_sources::detect::detect;
use tunnelhunt_sources::xml::XmlReader;
use tunnelhunt_sources::{AnyEvent, Format, ReadErrorKind, Record, RecordReader, open};

fn reader(format: Format, bytes: &[u8]) -> RecordReader {
    RecordReader::new(
        format,
        Box::new(Cursor::new(bytes.to_vec())),
        Path::new("input").into(),
    )
}

/// Write `content` to `dir/name` with the given modification time.
fn written_at(dir: &Path, name: &str, content: &[u8], epoch_secs: u64) -> PathBuf {
    let path = common::write(dir, name, content);
    let file = File::options().write(true).open(&path).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_secs(epoch_secs))
        .unwrap();
    path
}

const AUTH_LOG: &str = "\
Nov  7 09:05:01 bastion sshd[811]: Accepted publickey for ops from 203.0.113.9 port 50122 ssh2: ED25519 SHA256:Zm9v
Nov  7 09:05:01 bastion sshd[811]: pam_unix(sshd:session): session opened for user ops(uid=1000) by (uid=0)

2026-11-07T09:06:00.250000+01:00 bastion sudo:      ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/id
<86>1 2026-11-07T08:07:00Z bastion sshd 811 - [origin ip=\"192.0.2.1\"] \u{feff}debug1: server_input_global_request: tcpip-forward listen 0.0.0.0 port 8080
this is not a syslog line
Nov  7 09:08:00 bastion CRON[900]: (root) CMD (run-parts /etc/cron.hourly)
Nov  7 09:09:00 bastion systemd[1]: Started session-5.scope.
";

#[test]
fn auth_log_in_every_spelling_is_read_and_accounted() {
    let (records, errors) = split(reader(Format::Syslog, AUTH_LOG.as_bytes()));
    let lines: Vec<u64> = records.iter().map(|r| r.origin.line().unwrap()).collect();
    assert_eq!(lines, [1, 2, 4, 5, 7, 8]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 6);
    assert!(matches!(errors[0].kind, ReadErrorKind::Syslog(_)));
    assert!(
        errors[0]
            .to_string()
            .starts_with("input:6: not a syslog line")
    );

    let login = &records[0].event;
    assert_eq!(text(login, "Program").as_deref(), Some("sshd"));
    assert_eq!(text(login, "ProcessId").as_deref(), Some("811"));
    assert_eq!(text(login, "Computer").as_deref(), Some("bastion"));
    assert_eq!(text(login, "User").as_deref(), Some("ops"));
    assert_eq!(text(login, "SourceIp").as_deref(), Some("203.0.113.9"));
    assert_eq!(text(login, "SourcePort").as_deref(), Some("50122"));
    assert_eq!(text(login, "AuthMethod").as_deref(), Some("publickey"));
    assert_eq!(login.kind().channel, Some("sshd"));
    assert_eq!(login.kind().product, Some("linux"));

    let sudo = &records[2].event;
    assert_eq!(sudo.kind().channel, Some("sudo"));
    assert_eq!(
        sudo.timestamp().as_deref(),
        Some("2026-11-07T08:06:00.250000Z")
    );
    let forward = &records[3].event;
    assert_eq!(forward.kind().channel, Some("sshd"));
    assert_eq!(text(forward, "Facility").as_deref(), Some("authpriv"));
    assert_eq!(text(forward, "Severity").as_deref(), Some("info"));
    assert_eq!(text(forward, "ListenPort").as_deref(), Some("8080"));
    assert_eq!(text(forward, "origin.ip").as_deref(), Some("192.0.2.1"));
    assert_eq!(
        text(forward, "Message").as_deref(),
        Some("debug1: server_input_global_request: tcpip-forward listen 0.0.0.0 port 8080")
    );
    assert_eq!(records[4].event.kind().channel, Some("cron"));
    assert_eq!(records[5].event.kind().channel, Some("syslog"));
}

#[test]
fn the_year_comes_from_the_files_modification_time_gzipped_too() {
    let dir = tempfile::tempdir().unwrap();
    let log = "Dec 31 23:59:59 h sshd[1]: Connection from 192.0.2.7 port 4000 on 192.0.2.1 port 22\n\
               Jan  1 00:00:01 h sshd[1]: Invalid user x from 192.0.2.7 port 4000\n";
    // 2027-01-01T12:00:00Z
    let written = 1_798_804_800 + 12 * 3600;
    let plain = written_at(dir.path(), "auth.log", log.as_bytes(), written);
    let packed = written_at(
        dir.path(),
        "auth.log.2.gz",
        &common::gzip(log.as_bytes()),
        written,
    );
    for path in [plain, packed] {
        let reader = open(&path).unwrap();
        assert_eq!(reader.format(), Format::Syslog);
        let (records, errors) = split(reader);
        assert!(errors.is_empty(), "{errors:?}");
        let times: Vec<String> = records
            .iter()
            .map(|r| r.event.timestamp().unwrap().into_owned())
            .collect();
        assert_eq!(
            times,
            ["2026-12-31T23:59:59.000000Z", "2027-01-01T00:00:01.000000Z"],
            "{}",
            path.display()
        );
    }
}

/// Rules for each `linux` service and for the product alone, all
/// searching one word every test message below contains.
fn service_rules() -> tunnelhunt_engine::Matcher {
    let rule = |service: &str| {
        format!(
            "logsource:\n    product: linux\n{service}detection:\n    keywords:\n        - 'marker'\n    condition: keywords"
        )
    };
    let bodies: Vec<(String, String)> = [
        "sshd",
        "auth",
        "sudo",
        "cron",
        "syslog",
        "clamav",
        "vsftpd",
        "guacamole",
    ]
    .iter()
    .map(|s| ((*s).to_owned(), rule(&format!("    service: {s}\n"))))
    .chain([("product".to_owned(), rule(""))])
    .collect();
    let refs: Vec<(&str, &str)> = bodies
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_str()))
        .collect();
    compile_bodies(&refs)
}

const SERVICE_NAMES: [&str; 9] = [
    "sshd",
    "auth",
    "sudo",
    "cron",
    "syslog",
    "clamav",
    "vsftpd",
    "guacamole",
    "product",
];

#[test]
fn messages_route_to_the_services_whose_files_hold_them() {
    let matcher = service_rules();
    let mut scratch = matcher.scratch();
    let log = "\
Nov  7 09:05:01 h sshd-session[5]: marker
Nov  7 09:05:01 h sudo: marker
Nov  7 09:05:01 h CRON[2]: marker
Nov  7 09:05:01 h useradd[3]: marker
Nov  7 09:05:01 h clamd[4]: marker
Nov  7 09:05:01 h vsftpd[6]: marker
Nov  7 09:05:01 h guacd[7]: marker
Nov  7 09:05:01 h kernel: marker
<38>Nov  7 09:05:01 h myapp: marker
";
    let (records, _) = split(reader(Format::Syslog, log.as_bytes()));
    let hits: Vec<Vec<&str>> = records
        .iter()
        .map(|r| {
            let mut ids = Vec::new();
            matcher.matches(&r.event, &mut scratch, &mut ids);
            ids.sort_unstable();
            ids.into_iter().map(|i| SERVICE_NAMES[i]).collect()
        })
        .collect();
    assert_eq!(
        hits,
        vec![
            vec!["sshd", "auth", "syslog", "product"],
            vec!["auth", "sudo", "syslog", "product"],
            vec!["auth", "cron", "syslog", "product"],
            vec!["auth", "syslog", "product"],
            vec!["syslog", "clamav", "product"],
            vec!["syslog", "vsftpd", "product"],
            vec!["syslog", "guacamole", "product"],
            vec!["syslog", "product"],
            // Facility 4 (auth) without an auth program.
            vec!["auth", "syslog", "product"],
        ]
    );
}

/// One journal entry, as `-o json` and as `-o export` (its message as
/// bytes in both, as journalctl writes a message with a control character).
fn journal_entry_both_ways(message: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let bytes: Vec<String> = message.iter().map(u8::to_string).collect();
    let json = format!(
        "{{\"__CURSOR\":\"s=1;i=2\",\"__REALTIME_TIMESTAMP\":\"1794042061000000\",\"_PID\":\"811\",\"_HOSTNAME\":\"bastion\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"PRIORITY\":\"7\",\"SYSLOG_FACILITY\":\"10\",\"_SYSTEMD_UNIT\":\"ssh.service\",\"MESSAGE\":[{}]}}\n",
        bytes.join(",")
    );
    let mut export = b"__CURSOR=s=1;i=2\n__REALTIME_TIMESTAMP=1794042061000000\n_PID=811\n_HOSTNAME=bastion\nSYSLOG_IDENTIFIER=sshd\nPRIORITY=7\nSYSLOG_FACILITY=10\n_SYSTEMD_UNIT=ssh.service\nMESSAGE\n".to_vec();
    export.extend_from_slice(&(message.len() as u64).to_le_bytes());
    export.extend_from_slice(message);
    export.extend_from_slice(b"\n\n");
    (json.into_bytes(), export)
}

#[test]
fn journal_json_and_export_give_the_same_event() {
    let message = b"debug1: server_request_direct_tcpip: originator 127.0.0.1 port 50000, target 10.0.0.5 port 3389\x07";
    let (json, export) = journal_entry_both_ways(message);
    assert_eq!(detect(&json), Ok(Format::JournalJson));
    assert_eq!(detect(&export), Ok(Format::JournalExport));
    let (from_json, e1) = split(reader(Format::JournalJson, &json));
    let (from_export, e2) = split(reader(Format::JournalExport, &export));
    assert!(e1.is_empty() && e2.is_empty(), "{e1:?} {e2:?}");
    assert_eq!(from_json[0].event, from_export[0].event);
    let e = &from_json[0].event;
    assert_eq!(
        e.timestamp().as_deref(),
        Some("2026-11-07T09:01:01.000000Z")
    );
    assert_eq!(e.host(), Some("bastion"));
    assert_eq!(e.kind().channel, Some("sshd"));
    assert_eq!(text(e, "DestinationIp").as_deref(), Some("10.0.0.5"));
    assert_eq!(text(e, "DestinationPort").as_deref(), Some("3389"));
    assert_eq!(text(e, "_SYSTEMD_UNIT").as_deref(), Some("ssh.service"));
    assert_eq!(text(e, "Severity").as_deref(), Some("debug"));
    assert_eq!(from_json[0].origin.format, Format::JournalJson);
    assert_eq!(from_export[0].origin.format, Format::JournalExport);
}

/// The Sysmon for Linux events of the XML reader's fixture, as the XML
/// reader reads them.
fn sysmon_events() -> (Vec<String>, Vec<AnyEvent>) {
    let fixture = std::fs::read_to_string(common::fixture("xml/sysmon-linux-syslog.log")).unwrap();
    let mut lines = Vec::new();
    let mut events = Vec::new();
    // The fixture also holds a Sysmon line the syslog daemon cut short.
    for line in fixture.lines().filter(|l| l.contains("sysmon: <Event>")) {
        let mut read = XmlReader::new(Cursor::new(line.as_bytes().to_vec()), Path::new("x"));
        if let Some(Ok((_, event))) = read.next() {
            lines.push(line.to_owned());
            events.push(AnyEvent::EvtxJson(event));
        }
    }
    (lines, events)
}

fn events(records: &[Record]) -> Vec<AnyEvent> {
    records
        .iter()
        .filter(|r| matches!(r.event, AnyEvent::EvtxJson(_)))
        .map(|r| r.event.clone())
        .collect()
}

#[test]
fn sysmon_for_linux_through_syslog_and_the_journal_is_the_xml_readers_event() {
    let (lines, expected) = sysmon_events();
    assert_eq!(expected.len(), 2);
    assert_eq!(expected[0].kind().event_id, Some(1));

    // Syslog: detected as syslog from its first lines, Sysmon further down.
    let mut log = "Nov 27 09:59:58 web01 CRON[31000]: (root) CMD (true)\n".repeat(20);
    log.push_str(&lines.join("\n"));
    assert_eq!(detect(log.as_bytes()), Ok(Format::Syslog));
    let (records, errors) = split(reader(Format::Syslog, log.as_bytes()));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 22);
    assert_eq!(events(&records), expected);
    assert_eq!(records[20].origin.format, Format::Syslog);

    // The journal, both dumps.
    let mut json = String::new();
    let mut export = Vec::new();
    for line in &lines {
        let xml = &line[line.find("<Event>").unwrap()..];
        let entry = serde_json::json!({
            "__CURSOR": "s=1", "__REALTIME_TIMESTAMP": "1732701600000000",
            "SYSLOG_IDENTIFIER": "sysmon", "MESSAGE": xml,
        });
        json.push_str(&format!("{entry}\n"));
        export.extend(format!("__CURSOR=s=1\nSYSLOG_IDENTIFIER=sysmon\nMESSAGE={xml}\n\n").bytes());
    }
    let (from_json, e1) = split(reader(Format::JournalJson, json.as_bytes()));
    let (from_export, e2) = split(reader(Format::JournalExport, &export));
    assert!(e1.is_empty() && e2.is_empty(), "{e1:?} {e2:?}");
    assert_eq!(events(&from_json), expected);
    assert_eq!(events(&from_export), expected);

    // And they route as there: a Linux process_creation rule sees the first.
    let matcher = compile_bodies(&[(
        "ssh_reverse",
        "logsource:\n    product: linux\n    category: process_creation\ndetection:\n    selection:\n        CommandLine|contains: ' -R '\n    condition: selection",
    )]);
    let mut scratch = matcher.scratch();
    for record in [&records[20], &from_json[0], &from_export[0]] {
        let mut ids = Vec::new();
        matcher.matches(&record.event, &mut scratch, &mut ids);
        assert_eq!(ids, [0], "{:?}", record.origin);
    }
}

#[test]
fn damaged_journal_entries_are_counted_and_reading_goes_on() {
    let json = b"{\"__CURSOR\":\"a\",\"MESSAGE\":\"one\"}\n{\"__CURSOR\":\"b\",\"MESSAGE\":\n[1,2]\n{\"__CURSOR\":\"c\",\"MESSAGE\":{\"x\":1}}\n{\"__CURSOR\":\"d\",\"MESSAGE\":\"four\"}\n";
    let got: Vec<Result<u64, u64>> = reader(Format::JournalJson, json)
        .map(|r| r.map(|r| r.origin.line().unwrap()).map_err(|e| e.line))
        .collect();
    assert_eq!(got, [Ok(1), Err(2), Err(3), Err(4), Ok(5)]);

    let mut export = b"__CURSOR=a\nMESSAGE=one\n\n__CURSOR=b\nMESSAGE\n".to_vec();
    export.extend_from_slice(&u64::MAX.to_le_bytes());
    export.extend_from_slice(b"whatever follows is read past\n\n__CURSOR=c\n");
    let got: Vec<Result<u64, String>> = reader(Format::JournalExport, &export)
        .map(|r| {
            r.map(|r| r.origin.line().unwrap())
                .map_err(|e| e.to_string())
        })
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0], Ok(1));
    assert!(
        matches!(&got[1], Err(e) if e.starts_with("input:4: journal export field `MESSAGE`")),
        "{got:?}"
    );
}

#[test]
fn detection_leaves_other_formats_in_syslog_lines_to_their_readers() {
    let auth = AUTH_LOG.as_bytes();
    assert_eq!(detect(auth), Ok(Format::Syslog));
    // A Sysmon line among the first lines: the XML reader, as before.
    assert_eq!(
        detect(b"Nov 27 09:59:58 web01 CRON[1]: (root) CMD (true)\nNov 27 10:00:00 web01 sysmon: <Event><System>"),
        Ok(Format::XmlEvents)
    );
    assert_eq!(
        detect(
            b"type=SYSCALL msg=audit(1700000000.1:2): syscall=59\nNov  7 09:05:01 h sshd[1]: x\n"
        ),
        Ok(Format::Auditd)
    );
    // Text with a time but no host and tag is no syslog.
    assert!(detect(b"Nov  7 09:05:01 something happened\n").is_err());
}
