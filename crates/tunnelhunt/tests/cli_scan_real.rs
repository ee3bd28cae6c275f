//! End to end on real public telemetry: `tunnelhunt scan` with the
//! built-in pack over `$TUNNELHUNT_CORPUS/real/` (see its PROVENANCE.md
//! for where each file comes from and the label of each record).
//!
//! The test asserts the exact set of (file, record or line, branch) alerts,
//! and of correlation alerts by their window's start: every
//! record PROVENANCE.md labels a tunnel that the pack detects today, and
//! nothing on the records it labels benign (clean-up commands, ordinary
//! logons and RDP, other netsh uses, session processes). Labelled records
//! the pack does not detect today are listed in [`KNOWN_MISSES`] with the
//! reason, so a new detection shows up as a failure to update, not as
//! silence.
//!
//! Unset `TUNNELHUNT_CORPUS`: the test prints "skipped" and passes. Set to
//! a folder without `real/`: it fails.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{stderr, tunnelhunt};
use serde_json::Value;

/// (file, EventRecordID or packet number, branch) for every alert the
/// pack raises today.
const EXPECTED: &[(&str, u64, &str)] = &[
    // plink -R reverse RDP tunnel, Security auditing: WFP 5156 loopback
    // RDP and the type-10 logon from 127.0.0.1.
    ("DE_RDP_Tunnel_5156.evtx", 227727, "TunnelledRemoteAccess"),
    ("DE_RDP_Tunnel_5156.evtx", 227741, "TunnelledRemoteAccess"),
    ("DE_RDP_Tunnel_5156.evtx", 227762, "TunnelledRemoteAccess"),
    ("DE_RDP_Tunneling_4624.evtx", 5315, "TunnelledRemoteAccess"),
    // The same tunnel seen by Sysmon: plink's -R command line (two rules)
    // and plink's loopback connections to 3389.
    ("DE_sysmon-3-rdp-tun.evtx", 1940899, "SshPortForwarding"),
    ("DE_sysmon-3-rdp-tun.evtx", 1940901, "TunnelledRemoteAccess"),
    ("DE_sysmon-3-rdp-tun.evtx", 1940919, "TunnelledRemoteAccess"),
    // Abbreviated netsh (`netsh I p a v …`) and its PortProxy registry write.
    (
        "de_portforward_netsh_rdp_sysmon_13_1.evtx",
        1026,
        "NetshPortProxy",
    ),
    (
        "de_portforward_netsh_rdp_sysmon_13_1.evtx",
        1027,
        "NetshPortProxy",
    ),
    // The EDR-testing script's portproxy add and its registry write.
    (
        "panache_sysmon_vs_EDRTestingScript.evtx",
        4955,
        "NetshPortProxy",
    ),
    (
        "panache_sysmon_vs_EDRTestingScript.evtx",
        4957,
        "NetshPortProxy",
    ),
    // Tunna web shell: w3wp.exe to loopback RDP and SMB.
    (
        "tunna_iis_rdp_smb_tunneling_sysmon_3.evtx",
        35076,
        "WebShellTunnel",
    ),
    (
        "tunna_iis_rdp_smb_tunneling_sysmon_3.evtx",
        35079,
        "WebShellTunnel",
    ),
    (
        "tunna_iis_rdp_smb_tunneling_sysmon_3.evtx",
        35202,
        "WebShellTunnel",
    ),
    (
        "tunna_iis_rdp_smb_tunneling_sysmon_3.evtx",
        35205,
        "WebShellTunnel",
    ),
    // Security 4688: abbreviated and full `netsh interface portproxy add`
    // (not the `portproxy reset` clean-up, 1953365).
    (
        "ID4688-netsh RDP port forwarding abuse.evtx",
        1953363,
        "NetshPortProxy",
    ),
    (
        "ID4688-netsh RDP port forwarding abuse.evtx",
        1953364,
        "NetshPortProxy",
    ),
    // Commands over DNS TXT (the capture): the stager's answer (query in
    // packet 40) and the 16 base64 chunks of its script (l.1 … l.16).
    (PCAP, 40, "DnsTunneling"),
    (PCAP, 45, "DnsTunneling"),
    (PCAP, 49, "DnsTunneling"),
    (PCAP, 53, "DnsTunneling"),
    (PCAP, 57, "DnsTunneling"),
    (PCAP, 62, "DnsTunneling"),
    (PCAP, 66, "DnsTunneling"),
    (PCAP, 71, "DnsTunneling"),
    (PCAP, 75, "DnsTunneling"),
    (PCAP, 79, "DnsTunneling"),
    (PCAP, 83, "DnsTunneling"),
    (PCAP, 87, "DnsTunneling"),
    (PCAP, 91, "DnsTunneling"),
    (PCAP, 96, "DnsTunneling"),
    (PCAP, 100, "DnsTunneling"),
    (PCAP, 104, "DnsTunneling"),
    (PCAP, 108, "DnsTunneling"),
    // The same Tunna session seen by IIS (W3C log, by line): the three
    // `proxy&port=3389&ip=127.0.0.1` set-up requests.
    ("Tunna_rdp_tunnel_IIS.log", 7, "WebShellTunnel"),
    ("Tunna_rdp_tunnel_IIS.log", 2606, "WebShellTunnel"),
    ("Tunna_rdp_tunnel_IIS.log", 2629, "WebShellTunnel"),
];

/// (file of the last contributing event, correlation id, window start) of
/// every correlation alert: plink's forward then the loopback RDP it
/// carried, and the Tunna session's `?proxy` polling, one alert per session.
const EXPECTED_CORRELATIONS: &[(&str, &str, &str)] = &[
    (
        "DE_sysmon-3-rdp-tun.evtx",
        "6b0d2a55-3f7e-4c1a-9d43-2f1e8a7c5b10",
        "2019-02-16T10:02:21.9344384Z",
    ),
    (
        "Tunna_rdp_tunnel_IIS.log",
        "e1ad994f-4b44-4339-92f2-6c5a7a43082d",
        "2019-09-03T10:13:44Z",
    ),
    (
        "Tunna_rdp_tunnel_IIS.log",
        "e1ad994f-4b44-4339-92f2-6c5a7a43082d",
        "2019-09-03T11:04:05Z",
    ),
];

/// The packet capture of commands carried in DNS TXT answers.
const PCAP: &str = "cmds over dns txt queries and reponses.pcap";

/// Records PROVENANCE.md labels as part of a tunnel that raise nothing
/// today, and why. Asserted silent, so a change in them is noticed.
const KNOWN_MISSES: &[(&str, u64, &str)] = &[
    (
        "DE_sysmon-3-rdp-tun.evtx",
        1940900,
        "plink to 10.0.2.18:80 — SSH on a web port; no rule reads a bare outbound plink connection",
    ),
    (
        "DE_RDP_Tunnel_5156.evtx",
        227714,
        "4688 plink.exe without a command line (auditing off); by name alone it would also fire on admins' plink use",
    ),
    (
        "DE_RDP_Tunnel_5156.evtx",
        227717,
        "5156 plink to 10.0.2.18:80, as 1940900",
    ),
    (
        "DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx",
        228,
        "1149 RDP authentication from 127.0.0.1; no rule reads event 1149",
    ),
];

/// Every file in `real/` has a reader now (the IIS W3C log and the capture
/// included): nothing is skipped as unrecognised.
fn real_corpus() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return None;
    };
    let real = PathBuf::from(root).join("real");
    assert!(
        real.join("PROVENANCE.md").is_file() && real.join("evtx-attack-samples").is_dir(),
        "TUNNELHUNT_CORPUS is set but {} has no PROVENANCE.md and evtx-attack-samples/",
        real.display()
    );
    Some(real)
}

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_owned()
}

#[test]
fn the_pack_raises_exactly_the_labelled_alerts_on_real_telemetry() {
    let Some(real) = real_corpus() else {
        return;
    };
    let out = tunnelhunt(&[
        "scan",
        "--format",
        "jsonl",
        "--summary",
        "json",
        real.to_str().unwrap(),
    ]);
    // Skipped files are not input errors: a clean scan.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let alerts: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let (correlated, per_event): (Vec<&Value>, Vec<&Value>) =
        alerts.iter().partition(|a| a.get("correlation").is_some());
    let got: BTreeSet<(String, u64, String)> = per_event
        .iter()
        .map(|alert| {
            let source = &alert["source"];
            (
                file_name(source["path"].as_str().unwrap()),
                source["record_id"]
                    .as_u64()
                    .or(source["packet"].as_u64())
                    .or_else(|| source["line"].as_u64())
                    .unwrap(),
                alert["branch"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let got_correlations: BTreeSet<(String, String, String)> = correlated
        .iter()
        .map(|alert| {
            (
                file_name(alert["source"]["path"].as_str().unwrap()),
                alert["rule_id"].as_str().unwrap().to_owned(),
                alert["correlation"]["window_start"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let expected_correlations: BTreeSet<(String, String, String)> = EXPECTED_CORRELATIONS
        .iter()
        .map(|&(f, id, start)| (f.to_owned(), id.to_owned(), start.to_owned()))
        .collect();
    assert_eq!(got_correlations, expected_correlations);
    let expected: BTreeSet<(String, u64, String)> = EXPECTED
        .iter()
        .map(|&(f, r, b)| (f.to_owned(), r, b.to_owned()))
        .collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let unexpected: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing (labelled tunnels no longer detected): {missing:#?}\n\
         unexpected (new alerts: a benign record, or a known miss now detected — \
         update KNOWN_MISSES): {unexpected:#?}"
    );
    for (file, record, why) in KNOWN_MISSES {
        assert!(
            !got.iter().any(|(f, r, _)| f == file && r == record),
            "{file} record {record} now raises an alert ({why}): move it to EXPECTED"
        );
    }

    let summary_line = String::from_utf8_lossy(&out.stderr)
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap()
        .to_owned();
    let summary: Value = serde_json::from_str(&summary_line).unwrap();
    assert_eq!(summary["formats"]["evtx"]["files"], 8, "{summary}");
    assert_eq!(summary["formats"]["pcap"]["files"], 1, "{summary}");
    assert_eq!(summary["formats"]["iis-w3c"]["files"], 1, "{summary}");
    assert_eq!(
        summary["formats"]["iis-w3c"]["records_read"], 4298,
        "{summary}"
    );
    assert_eq!(summary["totals"]["unparseable"], 0, "{summary}");
    assert_eq!(summary["totals"]["damaged"], 0, "{summary}");
    let skipped: Vec<String> = summary["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["files"].as_array().unwrap().iter())
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    assert!(skipped.is_empty(), "{skipped:#?}");
    println!(
        "real corpus: {} alerts on {} labelled records; {} known misses",
        text.lines().count(),
        expected.len(),
        KNOWN_MISSES.len()
    );
}
