//! Every vendor's rule objects for all of SigmaHQ (the three trees, 3,754
//! rules) through the vendor's validator, from one `export --target all
//! --as repo`: the issue's "every object passes its validator" on rules
//! nobody on this team wrote. Sentinel and SecOps run their own SigmaHQ
//! exports (`export_deploy_sentinel`, `export_deploy_secops`); Splunk's
//! `contentctl` takes minutes on SigmaHQ and runs on the pack
//! (`crates/deploy/tests/splunk.rs`).
//!
//! Needs `TUNNELHUNT_CORPUS` and `TUNNELHUNT_VALIDATORS=1` (the venv of
//! `validators/*/setup.sh`); says it was skipped otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{repo, scratch, stderr, tunnelhunt};

/// The checker of each vendor folder (of the part of it given, so that
/// each object is counted once), and what it is given.
const CHECKS: [(&str, &str, &str, Given); 6] = [
    (
        "elastic",
        "rules",
        "validators/elastic/elastic_check.py",
        Given::Files("toml"),
    ),
    (
        "defender",
        "DetectionRules",
        "validators/defender/defender_check.py",
        Given::Files("json"),
    ),
    (
        "sumo",
        "terraform",
        "validators/sumo/sumo_check.py",
        Given::Files("json"),
    ),
    (
        "qradar",
        "saved_searches",
        "validators/qradar/qradar_check.py",
        Given::Files("json"),
    ),
    (
        "logscale",
        "",
        "validators/logscale/logscale_check.py",
        Given::Folder,
    ),
    (
        "navigator",
        "",
        "validators/navigator/navigator_check.py",
        Given::Files("json"),
    ),
];

#[derive(Clone, Copy)]
enum Given {
    /// Every file below the folder with this extension.
    Files(&'static str),
    /// The folder itself.
    Folder,
}

#[test]
fn every_vendors_sigmahq_objects_pass_their_validators() {
    let Some(corpus) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
        return;
    }
    let venv = std::env::var_os("TUNNELHUNT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/validators-venv"));
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "TUNNELHUNT_VALIDATORS is set but {} is missing: run validators/*/setup.sh",
        python.display()
    );
    let sigmahq = Path::new(&corpus).join("sigmahq");
    let trees =
        ["rules", "rules-threat-hunting", "rules-emerging-threats"].map(|t| sigmahq.join(t));
    for tree in &trees {
        assert!(
            tree.is_dir(),
            "TUNNELHUNT_CORPUS is set but {} is missing",
            tree.display()
        );
    }
    let out_dir = scratch("export_deploy_sigmahq", "all").join("out");
    let mut args: Vec<String> = ["export", "-t", "all", "--as", "repo", "-o"]
        .map(str::to_owned)
        .to_vec();
    args.push(out_dir.to_string_lossy().into_owned());
    for tree in &trees {
        args.extend(["-r".to_owned(), tree.to_string_lossy().into_owned()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tunnelhunt(&args);
    let messages = stderr(&out);
    assert!(out.status.success(), "{messages}");
    for (folder, below, checker, given) in CHECKS {
        let base = out_dir.join(folder).join(below);
        let inputs: Vec<PathBuf> = match given {
            Given::Folder => vec![base.clone()],
            Given::Files(extension) => files_below(&base, extension),
        };
        assert!(!inputs.is_empty(), "{folder}: nothing written\n{messages}");
        let checked = Command::new(&python)
            .arg(repo().join(checker))
            .args(&inputs)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&checked.stdout);
        assert!(
            checked.status.success() && report.contains(" 0 problems"),
            "{folder}: {report}{}",
            String::from_utf8_lossy(&checked.stderr)
        );
        println!("{folder}: {}", report.lines().last().unwrap_or(""));
        // The validator saw as many objects as the export announced.
        if let Some(wrote) = messages
            .lines()
            .find(|l| l.starts_with("tunnelhunt: wrote ") && l.ends_with(&format!("/{folder}")))
        {
            let announced: usize = wrote["tunnelhunt: wrote ".len()..]
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap();
            assert!(announced > 500, "{wrote}");
            assert!(
                report.contains(&format!("{announced} ")),
                "{folder}: announced {announced}, validator: {report}"
            );
        }
    }
}

fn files_below(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_below(&path, extension));
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
    found.sort();
    found
}
