//! Web-server access logs through `open`: each dialect detected from its
//! content (plain, gzipped, after a preamble), the taxonomy fields and
//! their raw and decoded spellings, line provenance, record accounting
//! (`read = evaluated + unparseable`) with typed errors, several
//! `#Fields:` blocks, over-long lines.

use crate::common;

use std::io::Cursor;
use std::path::Path;

use common::{gzip, summary, write};
use tunnelhunt_engine::{Event, FieldValue, Lookup};
use tunnelhunt_sources::web::{WebError, WebReader};
use tunnelhunt_sources::{AnyEvent, Format, ReadErrorKind, Record, open};

const IIS: &str = "\
#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2019-09-03 10:04:35
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
# Default traces of Tunna Tunneling tool - \"proxy&port=*&ip=*\"

2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx proxy&port=3389&ip=127.0.0.1 80 - 10.0.2.17 - - 200 0 0 7
2019-09-03 10:13:44 10.0.2.15 POST /erp/conn.aspx proxy 80 - 10.0.2.17 - - 200 0 0 4
#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2019-09-03 11:04:05
#Fields: time date c-ip cs-method cs-uri-stem sc-status cs(User-Agent) s-computername
11:04:05 2019-09-03 10.0.2.17 GET /erp/default.aspx 200 Mozilla/5.0+(Windows+NT+10.0) WEB01
11:04:06 2019-09-03 10.0.2.17 GET /erp/default.aspx 200
";

const COMBINED: &str = r#"www.example.org:443 203.0.113.50 - - [12/Nov/2026:14:02:03 +0000] "POST /uploads/tunnel.php?cmd=connect&target=10.20.0.15&port=3389 HTTP/1.1" 200 0 "-" "python-urllib3/1.26.18"
203.0.113.51 - alice [12/Nov/2026:14:02:04 +0100] "GET /search.php?q=UNION%20SELECT+1 HTTP/1.1" 200 12 "https://www.example.org/" "Mozilla/5.0"
not an access line
203.0.113.52 - - [12/Nov/2026:14:02:05 +0000] "GET / HTTP/1.1" 200 5
"#;

const NGINX_JSON: &str = r#"{"time_iso8601":"2026-11-15T10:04:11+01:00","remote_addr":"198.18.40.2","request":"POST /app/suo5.jsp HTTP/1.1","status":"200","body_bytes_sent":"32","request_time":"1062.337","http_referer":"","http_user_agent":"Mozilla/5.0 Chrome/109.1.2.3"}
{"time_iso8601":"2026-11-15T10:04:12+01:00","remote_addr":"198.18.40.2","request":
{"some":"other json"}
"#;

const CADDY_JSON: &str = r#"{"level":"info","ts":1763241300.25,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"198.18.3.9","remote_port":"51234","client_ip":"198.18.3.9","proto":"HTTP/1.1","method":"POST","host":"shop.example.net","uri":"/agent.php","headers":{"X-Operation":["CONNECT"],"X-Port":["22"]}},"bytes_read":0,"user_id":"","duration":0.012,"size":0,"status":200,"resp_headers":{"X-Status":["OK"]}}
"#;

fn records(path: &Path) -> (Format, Vec<Result<Record, tunnelhunt_sources::ReadError>>) {
    let reader = open(path).unwrap_or_else(|e| panic!("{e}"));
    (reader.format(), reader.collect())
}

fn forms(event: &AnyEvent, name: &str) -> Vec<String> {
    event
        .field(name)
        .values()
        .iter()
        .filter_map(FieldValue::as_text)
        .map(|t| t.into_owned())
        .collect()
}

#[test]
fn iis_w3c_blocks_in_any_order_with_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "u_ex190903.log", IIS.as_bytes());
    let (format, items) = records(&path);
    assert_eq!(format, Format::IisW3c);
    let records: Vec<&Record> = items.iter().filter_map(|r| r.as_ref().ok()).collect();
    let lines: Vec<u64> = records.iter().map(|r| r.origin.line().unwrap()).collect();
    assert_eq!(lines, [7, 8, 13]);
    assert!(records.iter().all(|r| r.origin.format == Format::IisW3c));

    let tunna = &records[0].event;
    assert_eq!(
        forms(tunna, "cs-uri-query")[0],
        "proxy&port=3389&ip=127.0.0.1"
    );
    assert!(tunna.field("cs-user-agent").is_absent());
    assert!(tunna.field("cs-referer").is_absent());
    assert_eq!(
        tunna.timestamp().as_deref(),
        Some("2019-09-03T10:13:36.000Z")
    );
    assert_eq!(tunna.kind().category, Some("webserver"));
    assert_eq!(tunna.host(), None);

    let second_block = &records[2].event;
    assert_eq!(
        forms(second_block, "cs-user-agent"),
        [
            "Mozilla/5.0+(Windows+NT+10.0)",
            "Mozilla/5.0 (Windows NT 10.0)"
        ]
    );
    assert_eq!(second_block.host(), Some("WEB01"));
    assert_eq!(
        second_block.timestamp().as_deref(),
        Some("2019-09-03T11:04:05.000Z")
    );
    let json = second_block.to_json();
    assert_eq!(json["cs(User-Agent)"], "Mozilla/5.0+(Windows+NT+10.0)");

    // The last line has two values fewer than its `#Fields:`.
    let (_, errors): (Vec<_>, Vec<_>) = items.iter().partition(|r| r.is_ok());
    assert_eq!(errors.len(), 1);
    let error = errors[0].as_ref().unwrap_err();
    assert_eq!(error.line, 14);
    assert!(matches!(
        error.kind,
        ReadErrorKind::Web(WebError::FieldCount {
            expected: 8,
            found: 6
        })
    ));
    assert!(error.is_record());
    assert!(
        error
            .to_string()
            .ends_with("u_ex190903.log:14: expected 8 fields (as listed by `#Fields:`), found 6")
    );
}

#[test]
fn combined_common_and_vhost_lines_and_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "access.log", COMBINED.as_bytes());
    let (format, items) = records(&path);
    assert_eq!(format, Format::AccessLog);
    let reader = open(&path).unwrap();
    let got: Vec<String> = summary(reader)
        .into_iter()
        .map(|r| match r {
            Ok(line) => format!("{line}"),
            Err((line, kind)) => format!("{line}: {kind}"),
        })
        .collect();
    assert_eq!(
        got,
        [
            "1",
            "2",
            "3: not an access-log entry (common or combined format): `not an access line`",
            "4"
        ]
    );
    let regeorg = &items[0].as_ref().unwrap().event;
    assert_eq!(forms(regeorg, "s-sitename"), ["www.example.org"]);
    assert_eq!(regeorg.field("s-port"), Lookup::One(FieldValue::Int(443)));
    assert_eq!(forms(regeorg, "cs-user-agent"), ["python-urllib3/1.26.18"]);
    let search = &items[1].as_ref().unwrap().event;
    assert!(forms(search, "cs-uri-query").contains(&"q=UNION SELECT 1".to_owned()));
    assert_eq!(forms(search, "cs-uri-query-raw"), ["q=UNION%20SELECT+1"]);
    assert_eq!(
        search.timestamp().as_deref(),
        Some("2026-11-12T13:02:04.000Z")
    );
    let common = &items[3].as_ref().unwrap().event;
    assert!(common.field("cs-user-agent").is_absent());
    assert_eq!(forms(common, "cs-uri-query"), ["/"]);
}

#[test]
fn json_access_logs_of_nginx_and_caddy() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = write(dir.path(), "nginx.json", NGINX_JSON.as_bytes());
    let (format, items) = records(&nginx);
    assert_eq!(format, Format::AccessJson);
    let suo5 = &items[0].as_ref().unwrap().event;
    assert_eq!(
        suo5.field("time-taken"),
        Lookup::One(FieldValue::Int(1_062_337))
    );
    assert_eq!(
        suo5.timestamp().as_deref(),
        Some("2026-11-15T09:04:11.000Z")
    );
    let errors: Vec<_> = items.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 2);
    assert!(matches!(
        errors[0].kind,
        ReadErrorKind::Json { line: 2, .. }
    ));
    assert!(matches!(errors[1].kind, ReadErrorKind::WrongShape { .. }));
    assert_eq!(errors[1].line, 3);

    let caddy = write(dir.path(), "caddy.log", CADDY_JSON.as_bytes());
    let (format, items) = records(&caddy);
    assert_eq!(format, Format::AccessJson);
    let agent = &items[0].as_ref().unwrap().event;
    assert_eq!(forms(agent, "cs-x-operation"), ["CONNECT"]);
    assert_eq!(forms(agent, "request.headers.X-Port"), ["22"]);
    assert_eq!(agent.to_json()["request"]["method"], "POST");
}

#[test]
fn gzip_and_a_preamble_are_looked_through() {
    let dir = tempfile::tempdir().unwrap();
    let gz = write(dir.path(), "access.log.1.gz", &gzip(COMBINED.as_bytes()));
    let (format, items) = records(&gz);
    assert_eq!(format, Format::AccessLog);
    assert_eq!(items.len(), 4);

    let banner = "exported by the log collector\n".repeat(40);
    let text = format!("{banner}{IIS}");
    let path = write(dir.path(), "export.txt", text.as_bytes());
    let (format, items) = records(&path);
    assert_eq!(format, Format::IisW3c);
    // The banner's lines are unparseable records; the entries keep their lines.
    let first_ok = items.iter().find_map(|r| r.as_ref().ok()).unwrap();
    assert_eq!(first_ok.origin.line(), Some(47));
}

#[test]
fn an_over_long_line_is_one_error_and_reading_goes_on() {
    let long = format!(
        "1.2.3.4 - - [12/Nov/2026:14:02:05 +0000] \"GET /{} HTTP/1.1\" 200 5\n\
         1.2.3.4 - - [12/Nov/2026:14:02:06 +0000] \"GET / HTTP/1.1\" 200 5\n",
        "a".repeat(300)
    );
    let reader = WebReader::with_max_line_bytes(Cursor::new(long), Path::new("a.log"), 200);
    let items: Vec<_> = reader.collect();
    assert_eq!(items.len(), 2);
    assert!(matches!(
        items[0].as_ref().unwrap_err().kind,
        ReadErrorKind::TooLarge { limit: 200 }
    ));
    assert_eq!(items[1].as_ref().unwrap().0.line(), Some(2));
}

#[test]
fn bytes_that_are_not_utf8_do_not_hide_an_entry() {
    let line = b"1.2.3.4 - - [12/Nov/2026:14:02:05 +0000] \"GET /t.php?cmd=read HTTP/1.1\" 200 5 \"-\" \"x\xffy\"\n";
    let mut reader = WebReader::new(Cursor::new(line.to_vec()), Path::new("a.log"));
    let (_, event) = reader.next().unwrap().unwrap();
    assert_eq!(
        event.field("cs-user-agent"),
        Lookup::One(FieldValue::Str("x\u{fffd}y".into()))
    );
}
