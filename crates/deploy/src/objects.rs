//! The shape every target's rule objects share: one [`Objects`] collector
//! per vendor takes the rendered query of each rule ([`Entry`]) and then
//! says which files `--as rule` or `--as repo` writes ([`File`]), and what
//! `--as rule` prints without `--out`.
//!
//! A collector, not a function per rule, because several vendors keep many
//! rules in one file (Splunk's `savedsearches.conf`, an ARM template's
//! `resources`, Kibana's import NDJSON): the files exist only once every
//! rule is in.

use std::path::PathBuf;

use tunnelhunt_sigma::ast::LogSource;

use crate::DeployError;
use crate::meta::RuleMeta;

/// `--as rule` (one object per rule) or `--as repo` (the vendor's
/// detection-as-code layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Rule,
    Repo,
}

/// The platform folder vendors' repositories sort rules into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Platform {
    Windows,
    Linux,
    Macos,
    Network,
    CrossPlatform,
}

impl Platform {
    /// The platform of a Sigma logsource product (`zeek` and the other
    /// sensors are the network).
    pub fn from_product(product: Option<&str>) -> Platform {
        match product {
            Some("windows") => Platform::Windows,
            Some("linux") => Platform::Linux,
            Some("macos") => Platform::Macos,
            Some("zeek") => Platform::Network,
            _ => Platform::CrossPlatform,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Windows => "windows",
            Platform::Linux => "linux",
            Platform::Macos => "macos",
            Platform::Network => "network",
            Platform::CrossPlatform => "cross-platform",
        }
    }
}

/// One rule (or correlation) with its rendered query.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub meta: &'a RuleMeta,
    /// The query as the backend rendered it, comment header included.
    pub query: &'a str,
    /// The rule file's stem: every file named after the rule uses it.
    pub stem: &'a str,
    pub platform: Platform,
    /// The rule's logsource (empty for a correlation).
    pub logsource: &'a LogSource,
    /// Sigma `status: stable`.
    pub stable: bool,
}

/// A file to write, relative to the vendor's folder under `--out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub contents: String,
}

impl File {
    pub fn new(path: impl Into<PathBuf>, contents: impl Into<String>) -> File {
        File {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// One vendor's rule objects, collected rule by rule.
pub trait Objects {
    /// The product name messages use (`Elastic Security`).
    fn vendor(&self) -> &'static str;
    /// The folder under `--out` (`elastic`); one per vendor, replaced by a
    /// later export.
    fn folder(&self) -> &'static str;
    /// Build one rule's object; an `Err` is a refusal of this object alone
    /// (reported and counted by the caller), never of the run.
    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError>;
    /// How many objects were built.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The files of `--out DIR`, relative to `DIR/<folder>`.
    fn files(&self, form: Form) -> Result<Vec<File>, DeployError>;
    /// Empty folders `--out DIR` must hold besides the files (relative to
    /// `DIR/<folder>`): a layout whose tool requires them to exist.
    fn empty_dirs(&self, _form: Form) -> Vec<PathBuf> {
        Vec::new()
    }
    /// What `--as rule` without `--out` prints: the form a user pipes into
    /// the vendor's import command or API.
    fn stdout(&self) -> Result<String, DeployError>;
    /// The paragraph of the export's README that says how to deploy these
    /// files (Markdown; the file listing is added by the caller).
    fn how_to_deploy(&self, form: Form) -> String;
}

/// `base`, or `base_2`, `base_3` … when an earlier rule of the export took
/// it: two SigmaHQ rules in different folders can share a file stem, and
/// a vendor writing one file (or resource) per rule must not overwrite one
/// with the other.
pub fn unique_name(used: &mut std::collections::BTreeSet<String>, base: &str) -> String {
    let mut name = base.to_owned();
    let mut n = 1;
    while used.contains(&name) {
        n += 1;
        name = format!("{base}_{n}");
    }
    used.insert(name.clone());
    name
}
