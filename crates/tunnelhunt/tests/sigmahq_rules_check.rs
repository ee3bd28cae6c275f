//! `rules check` over every SigmaHQ rule tree, as a user runs it: no
//! errors, exit 0, and the rules whose `|expand` placeholders have no value
//! are warned about by name (their placeholder matches nothing).
//!
//! Needs `TUNNELHUNT_CORPUS` (see `sigmahq_conformance`); unset, it prints
//! "skipped" and passes.

use std::path::PathBuf;

use crate::common::{stdout, tunnelhunt};

/// The SigmaHQ rules that use a placeholder no table gives them, and the
/// placeholder: an organisation's own inventory of domain controllers.
const UNRESOLVED: &[(&str, &str)] = &[
    (
        "win_security_adcs_certighost_cdc_chase_request.yml",
        "%known_cdcs%",
    ),
    (
        "win_security_adcs_certighost_cert_issued_via_chase.yml",
        "%known_cdcs%",
    ),
];

#[test]
fn rules_check_over_every_sigmahq_tree_exits_0() {
    let Some(root) = std::env::var_os("TUNNELHUNT_CORPUS") else {
        println!("skipped: TUNNELHUNT_CORPUS not set");
        return;
    };
    let sigmahq = PathBuf::from(root).join("sigmahq");
    let trees: Vec<String> = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
        .iter()
        .map(|tree| sigmahq.join(tree).to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["rules", "check"];
    args.extend(trees.iter().map(String::as_str));
    let out = tunnelhunt(&args);
    let text = stdout(&out);
    let summary = text.lines().last().unwrap_or_default();
    assert_eq!(out.status.code(), Some(0), "{summary}");
    assert!(summary.contains(": 0 errors, "), "{summary}");

    let placeholder_warnings: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("warning[unresolved-placeholder]"))
        .collect();
    assert_eq!(
        placeholder_warnings.len(),
        UNRESOLVED.len(),
        "{placeholder_warnings:#?}"
    );
    for (file, placeholder) in UNRESOLVED {
        assert!(
            placeholder_warnings
                .iter()
                .any(|w| w.contains(file) && w.contains(placeholder) && w.contains("rule '")),
            "no warning for {file}: {placeholder_warnings:#?}"
        );
    }
}
