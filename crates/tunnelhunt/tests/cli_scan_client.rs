//! Alerts on DNS and network events name the client — the querying or
//! connecting host a responder acts on — as well as the server: Zeek's
//! `id.orig_h` (a sensor's entry has no host), a network event's source,
//! and for a DNS query logged on the asking host (Sysmon 22), that host.

use serde_json::Value;

use crate::common::{stdout, tunnelhunt};

fn alerts(path: &str, format: &str) -> String {
    let out = tunnelhunt(&["scan", "--format", format, path]);
    stdout(&out)
}

fn json_alerts(path: &str) -> Vec<Value> {
    alerts(path, "jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn zeek_dns_alerts_name_the_querying_client_and_the_resolver() {
    let found = json_alerts("examples/events/network/dns.log");
    assert!(!found.is_empty());
    for alert in &found {
        assert_eq!(alert["client"]["ip"], "10.20.40.12", "{alert}");
        assert_eq!(alert["destination"]["ip"], "10.20.0.53", "{alert}");
        assert!(alert.get("computer").is_none(), "{alert}");
    }
    // The table's HOST column shows the client when the entry has no host.
    let table = alerts("examples/events/network/dns.log", "table");
    let row = table.lines().nth(2).unwrap();
    assert!(row.contains("10.20.40.12"), "{row}");
}

#[test]
fn a_dns_query_logged_on_the_host_names_that_host_as_the_client() {
    let found = json_alerts("examples/events/windows/winlogbeat_sysmon.jsonl");
    let dns = found
        .iter()
        .find(|a| a.get("query").is_some())
        .expect("a DNS alert");
    assert_eq!(dns["client"]["hostname"], dns["computer"], "{dns}");
    // A connection names its source side.
    let connection = found
        .iter()
        .find(|a| {
            a.get("destination").and_then(|d| d.get("port")).is_some() && a.get("query").is_none()
        })
        .expect("a network alert");
    assert!(connection["client"].get("ip").is_some(), "{connection}");
}

#[test]
fn csv_has_the_client_columns() {
    let csv = alerts("examples/events/network/dns.log", "csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    // New columns only ever come at the end: the client's three came
    // after the correlation's and before the behaviour's.
    let column = header.iter().position(|c| *c == "client_ip").unwrap();
    assert_eq!(
        header[column..column + 3],
        ["client_ip", "client_port", "client_hostname"]
    );
    assert_eq!(header[column - 1], "correlation_evidence_total");
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[column], "10.20.40.12");
}
