//! Zeek events against real rules: SigmaHQ's own Zeek DNS rules
//! (`product: zeek, service: dns`, Zeek field names) and taxonomy rules
//! (`category: dns_query` / `network_connection`, Sysmon field names), all
//! through the engine's logsource routing and matcher.
//!
//! The SigmaHQ rules come from the shared corpus (`$TUNNELHUNT_CORPUS`,
//! default `../shared/corpus` beside the repository); those cases are
//! skipped with a message without it.

use crate::common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::compile;
use tunnelhunt_engine::Matcher;
use tunnelhunt_sources::zeek::{ZeekEvent, ZeekReader};

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TUNNELHUNT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    dir.join("sigmahq/rules").is_dir().then_some(dir)
}

fn hits(matcher: &Matcher, names: &[String], event: &ZeekEvent) -> Vec<String> {
    let mut scratch = matcher.scratch();
    let mut ids = Vec::new();
    matcher.matches(event, &mut scratch, &mut ids);
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(|id| names[id].clone()).collect()
}

fn events(tsv: &str) -> Vec<ZeekEvent> {
    ZeekReader::new(Cursor::new(tsv.as_bytes().to_vec()), Path::new("t.log"))
        .map(|r| r.unwrap().1)
        .collect()
}

const DNS_HEADER: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n\
    #unset_field\t-\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\t\
    proto\tquery\tqtype_name\tZ\tanswers\trejected\n#types\ttime\tstring\taddr\tport\taddr\tport\t\
    enum\tstring\tstring\tcount\tvector[string]\tbool\n";

#[test]
fn sigmahq_zeek_dns_rules_fire_on_zeek_dns_entries() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("no SigmaHQ corpus: skipped");
        return;
    };
    let dir = corpus.join("sigmahq/rules/network/zeek");
    let rules: Vec<(String, String)> = [
        "zeek_dns_torproxy",
        "zeek_dns_nkn",
        "zeek_dns_mining_pools",
        "zeek_dns_susp_zbit_flag",
    ]
    .iter()
    .map(|n| {
        let text = std::fs::read_to_string(dir.join(format!("{n}.yml"))).unwrap();
        ((*n).to_owned(), text)
    })
    .collect();
    let (matcher, names) = compile(&rules);
    let log = format!(
        "{DNS_HEADER}\
         1.0\tC1\t10.0.0.5\t5000\t10.0.0.1\t53\tudp\texample.onion\tA\t0\t-\tF\n\
         2.0\tC2\t10.0.0.5\t5001\t10.0.0.1\t53\tudp\tseed.abc.nkn.org\tA\t0\t-\tF\n\
         3.0\tC3\t10.0.0.5\t5002\t10.0.0.1\t53\tudp\tpool.supportxmr.com\tA\t0\t1.2.3.4\tF\n\
         4.0\tC4\t10.0.0.5\t5003\t10.0.0.1\t53\tudp\tpool.supportxmr.com\tA\t0\t0.0.0.0\tF\n\
         5.0\tC5\t10.0.0.5\t5004\t10.0.0.1\t53\tudp\tx.example.com\tTXT\t1\tabc\tF\n\
         6.0\tC6\t10.0.0.5\t5005\t10.0.0.1\t53\tudp\tx.example.com\tTXT\t1\tabc\\x00\tF\n\
         7.0\tC7\t10.0.0.5\t5006\t10.0.0.1\t53\tudp\twww.example.com\tA\t0\t1.2.3.4\tF\n"
    );
    let got: Vec<Vec<String>> = events(&log)
        .iter()
        .map(|e| hits(&matcher, &names, e))
        .collect();
    let want: Vec<Vec<&str>> = vec![
        vec!["zeek_dns_torproxy"],
        vec!["zeek_dns_nkn"],
        vec!["zeek_dns_mining_pools"],
        // The answer 0.0.0.0 is excluded by the rule.
        vec![],
        vec!["zeek_dns_susp_zbit_flag"],
        // `answers|endswith: '\\x00'` excludes it: the NUL stays spelled
        // `\x00`, as the rule (written against Zeek's JSON) expects.
        vec![],
        vec![],
    ];
    assert_eq!(got, want);
}

#[test]
fn taxonomy_rules_see_zeek_events_and_windows_rules_do_not() {
    let rule = |name: &str, logsource: &str, detection: &str| {
        (
            name.to_owned(),
            format!(
                "title: {name}\nid: 00000000-0000-4000-8000-{:012}\nstatus: test\n\
                 logsource:\n{logsource}\ndetection:\n{detection}\nlevel: high\n",
                name.len()
            ),
        )
    };
    let (matcher, names) = compile(&[
        rule(
            "generic_dns_query",
            "    category: dns_query",
            "    sel:\n        QueryName|contains: '.tunnel.'\n    condition: sel",
        ),
        rule(
            "windows_dns_query",
            "    category: dns_query\n    product: windows",
            "    sel:\n        QueryName|contains: '.tunnel.'\n    condition: sel",
        ),
        rule(
            "generic_network_connection",
            "    category: network_connection",
            "    sel:\n        DestinationPort: 80\n        service: ssh\n    condition: sel",
        ),
        rule(
            "zeek_conn_native",
            "    product: zeek\n    service: conn",
            "    sel:\n        id.resp_p: 80\n        service: ssh\n    condition: sel",
        ),
    ]);
    let dns = events(&format!(
        "{DNS_HEADER}1.0\tC1\t10.0.0.5\t5000\t10.0.0.1\t53\tudp\tab12.tunnel.example.net\tTXT\t0\t-\tF\n"
    ));
    assert_eq!(hits(&matcher, &names, &dns[0]), ["generic_dns_query"]);
    let conn = events(
        "#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.resp_h\tid.resp_p\tproto\tservice\n\
         #types\ttime\taddr\taddr\tport\tenum\tstring\n1.0\t10.0.2.17\t10.0.2.18\t80\ttcp\tssh\n",
    );
    assert_eq!(
        hits(&matcher, &names, &conn[0]),
        ["generic_network_connection", "zeek_conn_native"]
    );
}
