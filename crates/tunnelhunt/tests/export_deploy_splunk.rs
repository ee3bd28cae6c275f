//! `tunnelhunt export --target spl --as rule|repo` as a user runs it: the
//! correlation searches on stdout, the ES app and contentctl layout under
//! `--out`, schedules from `--schedule`, and what an uneven schedule does.

use crate::common;

use std::fs;

use common::{stderr, stdout, tunnelhunt};

const NETSH_STANZA: &str = "[TH - Port Proxy Created or Changed With Netsh - Rule]";

/// The settings of one stanza of a `.conf` text (first lines of values).
fn stanza_settings<'a>(conf: &'a str, stanza: &str) -> Vec<(&'a str, &'a str)> {
    conf.lines()
        .skip_while(|line| *line != stanza)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| line.split_once(" = "))
        .collect()
}

fn setting<'a>(settings: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    settings.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

#[test]
fn as_rule_prints_the_correlation_searches() {
    let out = tunnelhunt(&[
        "export", "--target", "spl", "--flavor", "default", "--as", "rule",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let conf = stdout(&out);
    let netsh = stanza_settings(&conf, NETSH_STANZA);
    assert_eq!(setting(&netsh, "cron_schedule"), Some("*/5 * * * *"));
    assert_eq!(setting(&netsh, "dispatch.earliest_time"), Some("-10m"));
    assert_eq!(
        setting(&netsh, "action.notable.param.severity"),
        Some("high")
    );
    assert_eq!(setting(&netsh, "disabled"), Some("1"));
    assert!(!conf.contains("```"), "the comment header is stripped");
    assert!(conf.contains("| `port_proxy_created_or_changed_with_netsh_filter`"));
    let stanzas = conf.lines().filter(|l| l.starts_with("[TH - ")).count();
    assert!(stanzas > 10, "{stanzas} correlation searches");
}

#[test]
fn as_repo_writes_the_app_and_the_contentctl_layout() {
    let dir = common::scratch("export_deploy_splunk", "repo");
    let schedule = dir.join("schedule.toml");
    fs::write(
        &schedule,
        "[high]\ninterval = \"10m\"\nlookback = \"30m\"\n",
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "-t",
        "spl",
        "--flavor",
        "default",
        "--as",
        "repo",
        "--schedule",
        schedule.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let splunk = out_dir.join("splunk");
    let conf = fs::read_to_string(splunk.join("default/savedsearches.conf")).unwrap();
    let netsh = stanza_settings(&conf, NETSH_STANZA);
    assert_eq!(setting(&netsh, "cron_schedule"), Some("*/10 * * * *"));
    assert_eq!(setting(&netsh, "dispatch.earliest_time"), Some("-30m"));
    assert_eq!(setting(&netsh, "alert.suppress.period"), Some("30m"));
    let macros = fs::read_to_string(splunk.join("default/macros.conf")).unwrap();
    assert!(
        macros.contains("[port_proxy_created_or_changed_with_netsh_filter]\ndefinition = search *")
    );
    let yaml = fs::read_to_string(
        splunk.join("detections/endpoint/port_proxy_created_or_changed_with_netsh.yml"),
    )
    .unwrap();
    assert!(yaml.contains("cron_schedule: \"*/10 * * * *\""), "{yaml}");
    for path in [
        "contentctl.yml",
        "stories/protocol_tunneling_t1572.yml",
        "macros/port_proxy_created_or_changed_with_netsh_filter.yml",
        "data_sources/sysmon_eventid_1.yml",
        "app_template/README.md",
        "default/app.conf",
        "metadata/default.meta",
    ] {
        assert!(splunk.join(path).is_file(), "{path}");
    }
    assert!(splunk.join("lookups").is_dir(), "contentctl needs lookups/");
    let readme = fs::read_to_string(out_dir.join("README.md")).unwrap();
    assert!(readme.contains("## Splunk Enterprise Security"), "{readme}");
    assert!(readme.contains("contentctl build"), "{readme}");

    // --as rule writes the app only.
    let rule_dir = dir.join("rule");
    let out = tunnelhunt(&[
        "export",
        "-t",
        "spl",
        "--flavor",
        "default",
        "--as",
        "rule",
        "-o",
        rule_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(rule_dir.join("splunk/default/savedsearches.conf").is_file());
    assert!(!rule_dir.join("splunk/contentctl.yml").exists());
}

#[test]
fn an_interval_cron_cannot_run_evenly_refuses_those_objects_by_name() {
    let dir = common::scratch("export_deploy_splunk", "uneven");
    let schedule = dir.join("schedule.toml");
    fs::write(&schedule, "[high]\ninterval = \"7m\"\n").unwrap();
    let out = tunnelhunt(&[
        "export",
        "-t",
        "spl",
        "--flavor",
        "default",
        "--as",
        "rule",
        "--schedule",
        schedule.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(
        err.contains("Port Proxy Created or Changed With Netsh")
            && err.contains("interval 7m has no even cron schedule"),
        "{err}"
    );
    assert!(!stdout(&out).contains(NETSH_STANZA));
    // Medium rules keep their default schedule and their objects.
    assert!(stdout(&out).contains("[TH - Very Long DNS Query Name - Rule]"));
}
