//! Access-log events against SigmaHQ's `webserver` rules: every rule
//! with `category: webserver` in the shared corpus compiles and routes to
//! web events, and a few of them fire on the spellings they were written
//! for (raw `%20` and decoded spaces, paths in `cs-uri-query`, `null`
//! for IIS's `-`, keywords).
//!
//! The rules come from `$TUNNELHUNT_CORPUS/sigmahq`; without it the tests
//! print "skipped" and pass.

use crate::common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::compile;
use tunnelhunt_engine::Matcher;
use tunnelhunt_engine::routing::{Decision, decide};
use tunnelhunt_sigma::ast::Document;
use tunnelhunt_sigma::load::parse_rule_file;
use tunnelhunt_sources::inputs;
use tunnelhunt_sources::web::{WebEvent, WebReader};

use tunnelhunt_engine::Event;

fn hits(matcher: &Matcher, names: &[String], event: &WebEvent) -> Vec<String> {
    let mut scratch = matcher.scratch();
    let mut ids = Vec::new();
    matcher.matches(event, &mut scratch, &mut ids);
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(|id| names[id].clone()).collect()
}

fn events(log: &str) -> Vec<WebEvent> {
    WebReader::new(Cursor::new(log.as_bytes().to_vec()), Path::new("t.log"))
        .map(|r| r.unwrap().1)
        .collect()
}

/// Every SigmaHQ rule file whose logsource is `category: webserver`.
fn webserver_rule_files(sigmahq: &Path) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
        .iter()
        .map(|d| sigmahq.join(d))
        .collect();
    let found = inputs::discover(&dirs, |p| inputs::has_extension(p, &["yml", "yaml"]));
    found
        .files
        .into_iter()
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("category: webserver")))
        .collect()
}

#[test]
fn every_sigmahq_webserver_rule_compiles_and_routes_to_web_events() {
    let Some(sigmahq) = common::corpus("sigmahq") else {
        return;
    };
    let files = webserver_rule_files(&sigmahq);
    let web = events("1.2.3.4 - - [12/Nov/2026:14:02:05 +0000] \"GET / HTTP/1.1\" 200 5\n");
    let kind = web[0].kind();
    let (mut routed, mut in_rules_web, mut other) = (0, 0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed = parse_rule_file(file, &text);
        for document in &parsed.documents {
            let Document::Rule(rule) = document else {
                continue;
            };
            if rule.logsource.category.as_deref() != Some("webserver") {
                continue;
            }
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            // Panics, naming the rule, if it does not compile.
            compile(&[(name.clone(), text.clone())]);
            if decide(&rule.logsource, &kind) == Decision::Never {
                other.push(name);
            } else {
                routed += 1;
                in_rules_web += usize::from(file.starts_with(sigmahq.join("rules/web")));
            }
        }
    }
    println!(
        "SigmaHQ webserver rules: {routed} compile and route to web events \
         ({in_rules_web} of them in rules/web), {} do not: {other:?}",
        other.len()
    );
    assert!(other.is_empty(), "{other:?}");
    assert!(routed >= 80, "{routed}");
}

#[test]
fn sigmahq_webserver_rules_fire_on_the_spellings_they_were_written_for() {
    let Some(sigmahq) = common::corpus("sigmahq") else {
        return;
    };
    let dir = sigmahq.join("rules/web/webserver_generic");
    let rules: Vec<(String, String)> = [
        "web_webshell_regeorg",
        "web_sql_injection_in_access_logs",
        "web_path_traversal_exploitation_attempt",
        "web_win_webshells_in_access_logs",
    ]
    .iter()
    .map(|n| {
        let text = std::fs::read_to_string(dir.join(format!("{n}.yml"))).unwrap();
        ((*n).to_owned(), text)
    })
    .collect();
    let (matcher, names) = compile(&rules);
    let iis = "#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query cs(User-Agent) cs(Referer) sc-status
2024-01-01 00:00:00 1.2.3.4 POST /t.aspx cmd=read - - 200
2024-01-01 00:00:01 1.2.3.4 POST /t.aspx cmd=read python-urllib3/1.26 - 200
2024-01-01 00:00:02 1.2.3.4 GET /list.php id=1+UNION%20SELECT+name Mozilla/5.0 - 200
2024-01-01 00:00:03 1.2.3.4 GET /x.php f=..%2F..%2F..%2Fetc%2Fpasswd Mozilla/5.0 - 200
2024-01-01 00:00:04 1.2.3.4 GET /index.php page=2 Mozilla/5.0 - 200
";
    let got: Vec<Vec<String>> = events(iis)
        .iter()
        .map(|e| hits(&matcher, &names, e))
        .collect();
    assert_eq!(
        got,
        [
            vec!["web_webshell_regeorg".to_owned()],
            vec![],
            vec!["web_sql_injection_in_access_logs".to_owned()],
            vec!["web_path_traversal_exploitation_attempt".to_owned()],
            vec![],
        ]
    );
}
