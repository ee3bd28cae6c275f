//! `tunnelhunt scan` as a user sees it: the bundled examples fire every
//! branch of the pack and nothing on their benign events; the table, CSV
//! and JSON-lines formats carry the same alerts; `--output`,
//! `--with-event`, `--min-level`, `--rule`, `--from`/`--to`,
//! `--fail-on-alert` and `--quiet` do what `--help` says, with the exit
//! codes it lists.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Output;

use common::{stderr, stdout, tunnelhunt};
use serde_json::Value;

/// Every detection branch of the built-in pack.
const BRANCHES: [&str; 9] = [
    "KnownTunnelingTool",
    "SshPortForwarding",
    "NetshPortProxy",
    "DnsOverHttps",
    "WebShellTunnel",
    "DnsTunneling",
    "TunnelListener",
    "TunnelledRemoteAccess",
    "TunnelBeacon",
];

fn scratch(name: &str) -> PathBuf {
    common::scratch("scan-output", name)
}

fn alerts(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn summary_json(out: &Output) -> Value {
    let text = stderr(out);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no summary JSON in {text}"));
    serde_json::from_str(line).unwrap()
}

fn branches(alerts: &[Value]) -> BTreeSet<String> {
    alerts
        .iter()
        .map(|a| a["branch"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn examples_fire_every_branch_and_nothing_on_the_benign_events() {
    for input in ["examples/", "examples/events"] {
        let out = tunnelhunt(&["scan", "--format", "jsonl", "--summary", "json", input]);
        assert_eq!(out.status.code(), Some(0), "{input}: {}", stderr(&out));
        let alerts = alerts(&out);
        let expected: BTreeSet<String> = BRANCHES.iter().map(|b| b.to_string()).collect();
        assert_eq!(branches(&alerts), expected, "{input}");
        let summary = summary_json(&out);
        assert_eq!(summary["totals"]["unparseable"], 0, "{summary}");
        assert_eq!(summary["files"]["unreadable"], 0, "{summary}");
        let formats: BTreeSet<&str> = summary["formats"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for format in [
            "evtx-json",
            "auditd",
            "ecs-json",
            "mde-csv",
            "xml-events",
            "zeek-tsv",
        ] {
            assert!(formats.contains(format), "{format}: {summary}");
        }
        let branch_counts: u64 = summary["alerts_by_branch"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum();
        // The branches count the per-event alerts; the behaviour
        // analytics' (a beacon and a long SSH session in conn.log, the
        // iodine session's information volume in dns-tunnel.log) are
        // counted per analytic.
        let behaviour: u64 = summary["behaviour"]["alerts_by_analytic"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["count"].as_u64().unwrap())
            .sum();
        assert_eq!(behaviour, 3, "{summary}");
        // …and the correlations' (the iodine session's distinct subdomains)
        // per correlation.
        let correlated: u64 = summary["correlations"]["alerts_by_correlation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_u64().unwrap())
            .sum();
        assert_eq!(correlated, 1, "{summary}");
        assert_eq!(
            branch_counts + behaviour + correlated,
            alerts.len() as u64,
            "{summary}"
        );
        // The benign events beside the tunnels raise nothing.
        let text = stdout(&out);
        for benign in [
            "ssh -l admin",
            "TortoiseGitPlink",
            "updates.corp.example/health",
            "\"query\":\"dns.google\"",
            "_dmarc.",
            "www.microsoft.com",
            "10.20.50.23",
            "sql01.corp.example",
            "network.mojom.NetworkService",
            "162.159.200.123",
            "192.0.2.200",
            "198.51.100.20",
        ] {
            assert!(!text.contains(benign), "{benign} raised an alert: {text}");
        }
    }
    // Rule files in the tree are skipped as what they are, not as errors.
    let out = tunnelhunt(&["scan", "--summary", "json", "examples/"]);
    let summary = summary_json(&out);
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{summary}");
    assert!(
        skipped[0]["reason"].as_str().unwrap().starts_with("YAML"),
        "{summary}"
    );
    assert_eq!(skipped[0]["count"], 5, "{summary}");
}

#[test]
fn csv_and_table_carry_the_same_alerts_as_jsonl() {
    let jsonl = tunnelhunt(&["scan", "--quiet", "examples/events"]);
    assert_eq!(jsonl.status.code(), Some(0), "{}", stderr(&jsonl));
    // Piped stdout: jsonl is the default.
    let alerts = alerts(&jsonl);
    assert!(alerts.len() >= BRANCHES.len());

    let csv = tunnelhunt(&["scan", "--quiet", "--format", "csv", "examples/events"]);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[..4], ["timestamp", "computer", "user", "level"]);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), alerts.len());
    for (row, alert) in rows.iter().zip(&alerts) {
        assert_eq!(row.len(), header.len());
        assert_eq!(&row[column("rule_id")], alert["rule_id"].as_str().unwrap());
        assert_eq!(
            &row[column("command_line")],
            alert["command_line"].as_str().unwrap_or("")
        );
        assert_eq!(
            &row[column("source_path")],
            alert["source"]["path"].as_str().unwrap()
        );
    }

    let table = tunnelhunt(&["scan", "--quiet", "--format", "table", "examples/events"]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let text = stdout(&table);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("TIME (UTC)"), "{text}");
    assert!(lines[1].starts_with('─'), "{text}");
    assert_eq!(lines.len(), 2 + alerts.len(), "{text}");
    // Not a terminal: no colours, fixed columns.
    assert!(!text.contains('\u{1b}'), "{text}");
    // Columns are counted in characters: cut values end in a 3-byte `…`.
    let level_at = lines[0][..lines[0].find("LEVEL").unwrap()].chars().count();
    for (line, alert) in lines[2..].iter().zip(&alerts) {
        let level = alert["level"].as_str().unwrap();
        let shown: String = line.chars().skip(level_at).take(level.len()).collect();
        assert_eq!(shown, level, "{line}");
    }
}

#[test]
fn an_empty_table_says_so_and_csv_keeps_its_header() {
    let args = |format: &str| {
        tunnelhunt(&[
            "scan",
            "--quiet",
            "--format",
            format,
            "--to",
            "2000-01-01T00:00:00Z",
            "examples/events",
        ])
    };
    let table = args("table");
    assert_eq!(table.status.code(), Some(0));
    assert!(
        stdout(&table).ends_with("(no alerts)\n"),
        "{}",
        stdout(&table)
    );
    let csv = args("csv");
    assert_eq!(stdout(&csv).lines().count(), 1, "{}", stdout(&csv));
    assert!(stdout(&csv).starts_with("timestamp,computer,"));
}

#[test]
fn output_file_gets_the_alerts_and_is_never_scanned() {
    let dir = scratch("output");
    std::fs::copy(
        common::repo().join("examples/events/sysmon_process_creation.jsonl"),
        dir.join("sysmon.jsonl"),
    )
    .unwrap();
    let file = dir.join("alerts.jsonl");
    let dir_arg = dir.to_str().unwrap();
    let to_stdout = tunnelhunt(&["scan", "--format", "jsonl", dir_arg]);
    for _ in 0..2 {
        // The second run finds the first run's output in the folder.
        let out = tunnelhunt(&[
            "scan",
            "--summary",
            "json",
            "--output",
            file.to_str().unwrap(),
            dir_arg,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
        assert_eq!(std::fs::read(&file).unwrap(), to_stdout.stdout);
        assert_eq!(summary_json(&out)["files"]["found"], 1);
    }
    let out = tunnelhunt(&["scan", "--output", dir_arg, dir_arg]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn with_event_adds_the_normalized_and_the_original_event() {
    let out = tunnelhunt(&["scan", "--with-event", "--quiet", "examples/events"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let alerts = alerts(&out);
    let plink = alerts
        .iter()
        .find(|a| a["source"]["path"] == "examples/events/security_4688.json")
        .unwrap();
    let fields = &plink["event"]["fields"];
    // Security 4688's NewProcessName, reached by its Sigma name.
    assert_eq!(fields["Image"], "C:\\ProgramData\\Updater\\plink.exe");
    assert_eq!(plink["event"]["logsource"]["event_id"], 4688);
    assert_eq!(
        plink["original"]["Event"]["EventData"]["NewProcessName"],
        "C:\\ProgramData\\Updater\\plink.exe"
    );
    let zeek = alerts
        .iter()
        .find(|a| a["source"]["path"] == "examples/events/network/dns.log")
        .unwrap();
    assert_eq!(zeek["original"]["qtype_name"], "TXT");
    assert_eq!(zeek["event"]["fields"]["QueryName"], zeek["query"]);
    let audit = alerts
        .iter()
        .find(|a| a["source"]["format"] == "auditd")
        .unwrap();
    assert_eq!(audit["original"][0]["type"], "SYSCALL");
    // Without the flag there is neither.
    let plain = tunnelhunt(&["scan", "--quiet", "examples/events"]);
    assert!(!stdout(&plain).contains("\"original\""));
    // Only jsonl carries nested objects.
    for format in ["csv", "table"] {
        let out = tunnelhunt(&[
            "scan",
            "--with-event",
            "--format",
            format,
            "examples/events",
        ]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(stderr(&out).contains("--format jsonl"), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn rule_selection_by_level_id_tag_file_and_branch() {
    let run = |extra: &[&str]| {
        let mut args = vec!["scan", "--summary", "json"];
        args.extend_from_slice(extra);
        args.push("examples/events");
        tunnelhunt(&args)
    };
    let all = alerts(&run(&[]));

    let high = run(&["--min-level", "high"]);
    assert_eq!(high.status.code(), Some(0), "{}", stderr(&high));
    let high_alerts = alerts(&high);
    assert!(!high_alerts.is_empty());
    assert!(high_alerts.len() < all.len());
    for a in &high_alerts {
        assert!(
            matches!(a["level"].as_str(), Some("high" | "critical")),
            "{a}"
        );
    }
    let expected_high = all
        .iter()
        .filter(|a| matches!(a["level"].as_str(), Some("high" | "critical")))
        .count();
    assert_eq!(high_alerts.len(), expected_high);
    assert!(
        summary_json(&high)["rules"]["not_selected"]
            .as_u64()
            .unwrap()
            > 0
    );

    let ssh = alerts(&run(&[
        "--rule",
        "sshportforwarding",
        "--rule",
        "DnsTunneling",
    ]));
    assert_eq!(
        branches(&ssh),
        BTreeSet::from(["DnsTunneling".to_owned(), "SshPortForwarding".to_owned()])
    );
    // A tag every rule of the pack has.
    assert_eq!(alerts(&run(&["--rule", "attack.t1572"])).len(), all.len());
    // An id prefix and a file name.
    let netsh = alerts(&run(&["--rule", "f8fe5df9"]));
    assert_eq!(netsh.len(), 1);
    assert_eq!(netsh[0]["branch"], "NetshPortProxy");
    let by_file = alerts(&run(&["--rule", "proc_creation_win_netsh_portproxy_add"]));
    assert_eq!(by_file.len(), 1);

    let typo = run(&["--rule", "SshPortFowarding"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        stderr(&typo).contains("sshportfowarding"),
        "{}",
        stderr(&typo)
    );
    assert!(typo.stdout.is_empty());
}

#[test]
fn time_range_keeps_alerts_inside_it_and_events_without_a_time() {
    let dir = scratch("time");
    let lines = std::fs::read_to_string(
        common::repo().join("examples/events/sysmon_process_creation.jsonl"),
    )
    .unwrap();
    // The plink forward again, without its TimeCreated.
    let plink = lines.lines().nth(2).unwrap();
    let start = plink.find(",\"TimeCreated\"").unwrap();
    let end = plink[start..].find("}},").unwrap() + start + 2;
    let timeless = format!("{}{}", &plink[..start], &plink[end..]);
    assert!(!timeless.contains("TimeCreated"), "{timeless}");
    std::fs::write(dir.join("events.jsonl"), format!("{lines}{timeless}\n")).unwrap();
    let dir = dir.to_str().unwrap();
    let all = alerts(&tunnelhunt(&["scan", dir]));
    let out = tunnelhunt(&[
        "scan",
        "--summary",
        "json",
        "--from",
        "2026-11-20T09:00:00Z",
        "--to",
        "2026-11-20T10:05:00+00:00",
        dir,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kept = alerts(&out);
    let (timed, untimed): (Vec<&Value>, Vec<&Value>) =
        kept.iter().partition(|a| a.get("timestamp").is_some());
    // 09:41 (two rules) and 10:03 are inside; 10:12 and the next day are not.
    assert_eq!(timed.len(), 3, "{kept:#?}");
    for a in &timed {
        let t = a["timestamp"].as_str().unwrap();
        assert!(
            ("2026-11-20T09:00"..="2026-11-20T10:05").contains(&&t[..16]),
            "{t}"
        );
    }
    assert_eq!(untimed.len(), 2, "{kept:#?}");
    let range = &summary_json(&out)["time_range"];
    assert_eq!(range["from"], "2026-11-20T09:00:00Z");
    assert_eq!(range["alerts_without_timestamp"], 2);
    assert_eq!(
        range["alerts_outside"].as_u64().unwrap() as usize,
        all.len() - kept.len()
    );
    let text = tunnelhunt(&["scan", "--from", "2026-11-20T09:00:00Z", dir]);
    assert!(
        stderr(&text).contains("2 alerts kept although their event has no timestamp"),
        "{}",
        stderr(&text)
    );
    // Reversed bounds and times without an offset are usage errors.
    let reversed = tunnelhunt(&[
        "scan",
        "--from",
        "2026-11-21T00:00:00Z",
        "--to",
        "2026-11-20T00:00:00Z",
        dir,
    ]);
    assert_eq!(reversed.status.code(), Some(2));
    let local = tunnelhunt(&["scan", "--from", "2026-11-21 00:00", dir]);
    assert_eq!(local.status.code(), Some(2));
}

#[test]
fn fail_on_alert_exits_5_only_when_alerts_were_printed() {
    let found = tunnelhunt(&["scan", "--fail-on-alert", "--quiet", "examples/events"]);
    assert_eq!(found.status.code(), Some(5), "{}", stderr(&found));
    assert!(!found.stdout.is_empty());
    let none = tunnelhunt(&[
        "scan",
        "--fail-on-alert",
        "--to",
        "2000-01-01T00:00:00Z",
        "examples/events",
    ]);
    assert_eq!(none.status.code(), Some(0), "{}", stderr(&none));
    // A usage error is never 0 and never 5.
    let bad = tunnelhunt(&["scan", "--fail-on-alert", "no/such/input"]);
    assert_eq!(bad.status.code(), Some(2));
    let help = tunnelhunt(&["scan", "--help"]);
    let help = stdout(&help);
    // The exit-code lines `Outcome` generates, only those scan can end with.
    for code in [
        "\n  0  success",
        "\n  1  rule errors",
        "\n  2  usage or setup error",
        "\n  3  input errors",
        "\n  5  scan --fail-on-alert",
    ] {
        assert!(help.contains(code), "{code}: {help}");
    }
    for other in ["\n  4  ", "\n  6  "] {
        assert!(!help.contains(other), "{other}: {help}");
    }
}

#[test]
fn quiet_drops_the_text_summary_but_not_the_alerts() {
    let loud = tunnelhunt(&["scan", "examples/events"]);
    let quiet = tunnelhunt(&["scan", "--quiet", "examples/events"]);
    assert_eq!(loud.stdout, quiet.stdout);
    assert!(stderr(&loud).contains("--- tunnelhunt scan summary ---"));
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
    let json = tunnelhunt(&["scan", "--quiet", "--summary", "json", "examples/events"]);
    assert!(summary_json(&json)["alerts_by_host"].is_array());
}

#[test]
fn a_sensors_alerts_are_counted_under_the_client_it_saw() {
    // Zeek entries name no host: the summary counts them under the client
    // address, as the table's HOST column shows them, not as "(no host)".
    let json = tunnelhunt(&[
        "scan",
        "--quiet",
        "--format",
        "jsonl",
        "--summary",
        "json",
        "examples/events/network",
    ]);
    let summary = summary_json(&json);
    assert_eq!(summary["alerts_without_host"], 0, "{summary}");
    let hosts = summary["alerts_by_host"].as_array().unwrap();
    let alerts: Vec<Value> = stdout(&json)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|alert: &Value| alert["correlation"].is_null() && alert["behaviour"].is_null())
        .collect();
    let on = |ip: &str| {
        alerts
            .iter()
            .filter(|a| a["computer"].is_null() && a["client"]["ip"] == ip)
            .count() as u64
    };
    assert!(!hosts.is_empty());
    for host in hosts {
        let ip = host["host"].as_str().unwrap();
        assert_eq!(host["count"].as_u64().unwrap(), on(ip), "{ip}: {summary}");
    }
}

#[test]
fn csv_and_table_are_identical_for_any_thread_count() {
    for format in ["csv", "table"] {
        let run = |threads: &str| {
            tunnelhunt(&[
                "scan",
                "--quiet",
                "--format",
                format,
                "-j",
                threads,
                "examples/",
            ])
        };
        let one = run("1");
        assert_eq!(one.stdout, run("3").stdout, "{format}");
    }
}
