//! `tunnelhunt export` as a user runs it: one file per rule and target,
//! the pack queries, the README index, refusals reported, filters folded
//! into every output, and the directory safety rules.

use crate::common;

use std::fs;
use std::path::Path;

use common::{stderr, stdout, tunnelhunt};

const EXTENSIONS: [(&str, &str); 8] = [
    ("kql", "kql"),
    ("spl", "spl"),
    ("eql", "eql"),
    ("aql", "aql"),
    ("sumo", "sumo"),
    ("yaral", "yaral"),
    ("cql", "cql"),
    ("sigma", "yml"),
];

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn export_all_writes_every_rendering_the_packs_and_an_index() {
    let dir = common::scratch("export", "all");
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "--target",
        "all",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let readme = fs::read_to_string(out_dir.join("README.md")).expect("README index");
    let pack_rules = tunnelhunt_pack_rule_count();

    for (target, extension) in EXTENSIONS {
        let files = files_in(&out_dir.join(target));
        assert!(
            files.iter().all(|f| f.ends_with(&format!(".{extension}"))),
            "{target}: {files:?}"
        );
        // Every rule is either written or listed as refused in the index.
        let refused = readme
            .lines()
            .filter(|l| l.starts_with("- ") && l.contains(&format!(" — {target}")))
            .count();
        assert!(
            files.len() + refused >= pack_rules,
            "{target}: {} files + {refused} refusals for {pack_rules} rules",
            files.len()
        );
        let packs = files_in(&out_dir.join("packs"));
        assert!(
            packs.iter().any(|p| p == &format!("pack.{extension}")),
            "{target}: no pack query in {packs:?}"
        );
    }
    // The sigma target writes every pack rule (nothing is inexpressible in
    // Sigma), and the index links each file it names.
    assert_eq!(files_in(&out_dir.join("sigma")).len(), pack_rules);
    for line in readme.lines().filter(|l| l.starts_with("| ")) {
        for link in line.split("](").skip(1) {
            let target = link.split(')').next().unwrap();
            assert!(
                out_dir.join(target).is_file(),
                "index links a missing file: {target}"
            );
        }
    }

    // Exporting again into the same directory replaces the earlier export.
    let again = tunnelhunt(&[
        "export",
        "--target",
        "kql",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        !out_dir.join("spl").exists(),
        "stale files of the first export kept"
    );
    assert!(out_dir.join("kql").is_dir());
}

#[test]
fn export_refuses_a_foreign_non_empty_directory() {
    let dir = common::scratch("export", "foreign");
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = tunnelhunt(&["export", "--target", "kql", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not written by `tunnelhunt export`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
}

#[test]
fn export_to_stdout_prints_the_queries_and_a_pack() {
    let out = tunnelhunt(&["export", "--target", "sigma"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.matches("\ntitle: ").count() + usize::from(text.starts_with("title: ")),
        tunnelhunt_pack_rule_count(),
        "{text}"
    );
    let pack = tunnelhunt(&["export", "--target", "kql", "--pack"]);
    assert_eq!(pack.status.code(), Some(0), "{}", stderr(&pack));
    assert!(
        stdout(&pack).contains("DetectionBranch"),
        "{}",
        stdout(&pack)
    );
}

#[test]
fn export_folds_filters_into_the_outputs() {
    let filter = "examples/filters/sanctioned_backup_tunnel.yml";
    let plain = tunnelhunt(&["export", "--target", "sigma"]);
    let tuned = tunnelhunt(&["export", "--target", "sigma", "--filters", filter]);
    assert_eq!(tuned.status.code(), Some(0), "{}", stderr(&tuned));
    assert_ne!(stdout(&plain), stdout(&tuned), "the filter changed nothing");
    let kql = tunnelhunt(&["export", "--target", "kql", "--filters", filter]);
    let kql_plain = tunnelhunt(&["export", "--target", "kql"]);
    assert_ne!(
        stdout(&kql),
        stdout(&kql_plain),
        "the filter is not in the KQL"
    );
}

#[test]
fn export_usage_errors() {
    let bad_flavor = tunnelhunt(&["export", "--target", "kql", "--flavor", "nonesuch"]);
    assert_eq!(bad_flavor.status.code(), Some(2), "{}", stderr(&bad_flavor));
    assert!(stderr(&bad_flavor).contains("no flavor 'nonesuch'"));
    let missing = tunnelhunt(&["export", "--target", "kql", "--rules", "does/not/exist"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
}

#[test]
fn export_strict_exits_6_on_a_refusal() {
    let dir = common::scratch("export", "strict");
    let rule = dir.join("keyword.yml");
    fs::write(
        &rule,
        "title: Keyword probe\nid: 6c9a8e55-0b8e-4a55-9a51-0d7f1a1f2b31\nstatus: test\n\
         logsource:\n  product: windows\n  category: process_creation\n\
         detection:\n  keywords:\n    - dnscat2\n  condition: keywords\nlevel: low\n",
    )
    .unwrap();
    let lenient = tunnelhunt(&[
        "export",
        "--target",
        "eql",
        "--rules",
        rule.to_str().unwrap(),
    ]);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
    assert!(
        stderr(&lenient).contains("refused: keyword"),
        "{}",
        stderr(&lenient)
    );
    let strict = tunnelhunt(&[
        "export",
        "--target",
        "eql",
        "--strict",
        "--rules",
        rule.to_str().unwrap(),
    ]);
    assert_eq!(strict.status.code(), Some(6), "{}", stderr(&strict));
}

fn tunnelhunt_pack_rule_count() -> usize {
    let out = tunnelhunt(&["rules", "list", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).expect("rules list json");
    rules.as_array().expect("array").len()
}

/// A base rule and an `event_count` correlation over it, by name.
fn correlation_rules(dir: &Path) -> String {
    let rules = dir.join("rules.yml");
    fs::write(
        &rules,
        "title: Plink run\nid: 0d5c1b6e-8f43-4a9e-9b51-3c1f0a9e7d21\nname: plink_run\n\
         status: test\nlogsource:\n  product: windows\n  category: process_creation\n\
         detection:\n  selection:\n    Image|endswith: '\\plink.exe'\n  condition: selection\n\
         level: low\n---\n\
         title: Many plink runs\nid: 5b2f7c1e-4d6a-4f0b-8e3c-9a1d2b3c4e5f\nstatus: test\n\
         correlation:\n  type: event_count\n  rules:\n    - plink_run\n  group-by:\n    - Image\n\
         \x20 timespan: 10m\n  condition:\n    gte: 3\nlevel: medium\n",
    )
    .unwrap();
    rules.to_str().unwrap().to_owned()
}

#[test]
fn export_renders_correlations_where_the_target_states_them_and_refuses_them_by_name() {
    let dir = common::scratch("export", "correlation");
    let path = correlation_rules(&dir);
    let out = tunnelhunt(&["export", "--target", "kql", "--rules", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("// title: Many plink runs\n"), "{text}");
    assert!(
        text.contains("| where tunnelhunt_figure >= 3\n"),
        "the correlation's query follows the rule's:\n{text}"
    );
    assert!(!stderr(&out).contains("not exported"), "{}", stderr(&out));

    // EQL states no event_count: a refusal naming the correlation, and
    // --strict turns it into exit 6.
    let out = tunnelhunt(&["export", "--target", "eql", "--rules", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "tunnelhunt: eql: correlation rule \"Many plink runs\" \
             (5b2f7c1e-4d6a-4f0b-8e3c-9a1d2b3c4e5f): refused: correlation: eql cannot state \
             'event_count'"
        ),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("plink.exe"), "{}", stdout(&out));
    let strict = tunnelhunt(&["export", "--target", "eql", "--strict", "--rules", &path]);
    assert_eq!(strict.status.code(), Some(6), "{}", stderr(&strict));
    let strict = tunnelhunt(&["export", "--target", "kql", "--strict", "--rules", &path]);
    assert_eq!(
        strict.status.code(),
        Some(0),
        "KQL renders both: {}",
        stderr(&strict)
    );
}

#[test]
fn export_out_writes_correlations_beside_the_rules_and_indexes_them() {
    let dir = common::scratch("export", "correlation-out");
    let path = correlation_rules(&dir);
    let out_dir = dir.join("out");
    let out = tunnelhunt(&[
        "export",
        "--target",
        "all",
        "--rules",
        &path,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = |relative: &str| fs::read_to_string(out_dir.join(relative));
    let kql = written("kql/rules-2.kql").expect("the correlation's KQL file");
    assert!(
        kql.contains("| join kind=inner (tunnelhunt_matches)"),
        "{kql}"
    );
    assert!(written("kql/rules-2.sentinel.kql").is_ok());
    assert!(
        written("spl/rules-2.spl")
            .expect("SPL")
            .contains("streamstats time_window=600s")
    );
    assert!(
        written("eql/rules-2.eql").is_err(),
        "EQL refuses event_count"
    );
    let sigma = written("sigma/rules-2.yml").expect("the correlation document");
    assert!(
        sigma.contains("correlation:\n    type: event_count\n"),
        "{sigma}"
    );
    let index = written("README.md").unwrap();
    assert!(index.contains("## Correlation rules\n"), "{index}");
    assert!(
        index.contains("| \"Many plink runs\" (5b2f7c1e-4d6a-4f0b-8e3c-9a1d2b3c4e5f) | event_count | [kql](kql/rules-2.kql), [sentinel](kql/rules-2.sentinel.kql) |"),
        "{index}"
    );
    assert!(
        index.contains("- \"Many plink runs\" (5b2f7c1e-4d6a-4f0b-8e3c-9a1d2b3c4e5f) — eql: correlation: eql cannot state 'event_count'"),
        "{index}"
    );
    assert!(!index.contains("not exported"), "{index}");
}

#[test]
fn export_help_documents_approximate() {
    let out = tunnelhunt(&["export", "--help"]);
    assert!(
        stdout(&out).contains("--approximate") && stdout(&out).contains("fixed time buckets"),
        "{}",
        stdout(&out)
    );
}
