//! `tunnelhunt-pack`: the built-in T1572 rule pack, compiled into the
//! binary so that `tunnelhunt scan` works without any rule files on disk.
//!
//! This crate owns the *embedding* of the repository's `rules/` folder and
//! nothing else: the Sigma rules under `rules/t1572/`, the investigation
//! guide beside each rule (`<rule-stem>.md`), and the example tuning
//! filters under `rules/filters/`. `build.rs` lists the folder at build
//! time and includes every file as text, so adding a rule is a matter of
//! adding its files. Parsing, checking and matching the rules belong to
//! `tunnelhunt-sigma` and `tunnelhunt-engine`; this crate only hands out
//! their text, with paths relative to `rules/` (`t1572/…yml`).
//!
//! It also owns the argument grammar the pack's command-line patterns are
//! written from ([`argv`]): Windows' argv splitting and OpenSSH's and
//! plink's forward parsing, modelled once in Rust, generating the ssh,
//! plink and netsh regexes of the rules and checked against them by the
//! tests. It still knows nothing of how rules are parsed or matched.
//!
//! The example filters are deliberately **not** part of
//! [`builtin_rules`]: they silence detections for a fictitious
//! organisation, and applying them by default would hide real tunnels.
//! [`example_filters`] hands them out for display or copying.

pub mod argv;

/// One file of the pack, as it was in `rules/` at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// Path relative to `rules/`, with `/` separators (`t1572/x.yml`).
    pub path: &'static str,
    pub text: &'static str,
}

impl EmbeddedFile {
    /// The file name without its extension (`x` for `t1572/x.yml`).
    pub fn stem(&self) -> &'static str {
        let name = self.path.rsplit('/').next().unwrap_or(self.path);
        name.rsplit_once('.').map_or(name, |(stem, _)| stem)
    }
}

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The `branch` values the pack's rules carry, in the order the design
/// lists them. Alerts, scenario expectations and the coverage table are
/// written against these names, so a rule may not invent another.
pub const BRANCHES: [&str; 9] = [
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

/// The rule files of the built-in pack (every YAML file outside
/// `filters/`), sorted by path.
pub fn builtin_rules() -> &'static [EmbeddedFile] {
    RULES
}

/// The example tuning filters (`filters/*.yml`); not applied by default.
pub fn example_filters() -> &'static [EmbeddedFile] {
    FILTERS
}

/// The investigation guides (`.md` files), sorted by path.
pub fn guides() -> &'static [EmbeddedFile] {
    GUIDES
}

/// The guide of the rule file at `rule_path` (relative to `rules/`): the
/// Markdown file with the same stem in the same folder.
pub fn guide_for(rule_path: &str) -> Option<&'static EmbeddedFile> {
    let stem = rule_path
        .strip_suffix(".yml")
        .or_else(|| rule_path.strip_suffix(".yaml"))?;
    let wanted = format!("{stem}.md");
    GUIDES.iter().find(|f| f.path == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_sorted_and_unique() {
        for files in [builtin_rules(), example_filters(), guides()] {
            assert!(!files.is_empty());
            for pair in files.windows(2) {
                assert!(
                    pair[0].path < pair[1].path,
                    "{} / {}",
                    pair[0].path,
                    pair[1].path
                );
            }
        }
        for file in builtin_rules()
            .iter()
            .chain(example_filters())
            .chain(guides())
        {
            assert!(!file.path.starts_with('/') && !file.path.contains('\\'));
        }
    }

    #[test]
    fn rules_filters_and_guides_are_told_apart() {
        assert!(builtin_rules().iter().all(|f| f.path.starts_with("t1572/")));
        assert!(
            example_filters()
                .iter()
                .any(|f| f.path == "filters/example-tuning.yml")
        );
        assert!(guides().iter().all(|f| f.path.ends_with(".md")));
        let rule = builtin_rules().first().expect("a rule");
        let guide = guide_for(rule.path).expect("a guide beside the first rule");
        assert_eq!(guide.stem(), rule.stem());
        assert_eq!(guide_for("t1572/no-such-rule.yml"), None);
        assert_eq!(guide_for("README"), None);
    }
}
