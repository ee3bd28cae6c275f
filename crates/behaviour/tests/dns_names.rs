//! The DNS information-volume score on real query names: the labelled
//! `dns-names` fixture of the shared corpus (iodine, dns2tcp, dnscapy and
//! top-site lookups; see its PROVENANCE.md). Each tool's session must be
//! found within its first 200 queries; the top-site names, all asked by
//! one client within one hour (the worst case for the score), must stay
//! quiet. Skipped without `TUNNELHUNT_CORPUS`.

use std::path::PathBuf;

use tunnelhunt_behaviour::{Analytic, Collector, DnsQuery, SourceRef};

const SECOND: i64 = 1_000_000_000;

fn corpus() -> Option<PathBuf> {
    let root = std::env::var_os("TUNNELHUNT_CORPUS").filter(|v| !v.is_empty())?;
    let dir = PathBuf::from(root).join("dns-names");
    assert!(
        dir.is_dir(),
        "TUNNELHUNT_CORPUS has no dns-names folder: {}",
        dir.display()
    );
    Some(dir)
}

/// The query names of one file (`label,qname` rows after the header).
fn names(dir: &std::path::Path, tool: &str) -> Vec<String> {
    let path = dir.join(tool).join("names.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter_map(|line| line.split_once(',').map(|(_, name)| name.trim().to_owned()))
        .collect()
}

/// The alerts on `names`, asked one per `every` seconds by one client.
fn alerts(names: &[String], every: i64) -> Vec<tunnelhunt_behaviour::BehaviourAlert> {
    let mut collector = Collector::default();
    for (i, name) in names.iter().enumerate() {
        collector.push_query(DnsQuery {
            client: "10.0.0.5",
            name,
            time: Some(1_700_000_000 * SECOND + i as i64 * every * SECOND),
            source: SourceRef {
                input: 0,
                position: i as u64 + 2,
            },
        });
    }
    collector.finish().0
}

#[test]
fn every_tool_is_found_within_its_first_200_queries() {
    let Some(dir) = corpus() else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    for (tool, domain) in [
        ("iodine", "hidemyself.org"),
        ("dns2tcp", "hidemyself.org"),
        ("dnscapy", "example.org"),
    ] {
        let first = &names(&dir, tool)[..200];
        let found = alerts(first, 1);
        assert_eq!(found.len(), 1, "{tool}: {found:?}");
        assert_eq!(found[0].analytic, Analytic::DnsVolume);
        assert_eq!(found[0].key_value("domain"), Some(domain), "{tool}");
    }
}

#[test]
fn top_site_lookups_stay_quiet_even_within_one_hour() {
    let Some(dir) = corpus() else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    let plain = names(&dir, "plain");
    assert!(plain.len() > 8000);
    // 8,654 names in 3,600 s: every one in one window.
    let found = alerts(&plain, 0);
    assert!(found.is_empty(), "{found:?}");
}
