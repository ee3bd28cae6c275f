//! Splunk Enterprise Security: correlation searches in an ES app
//! (`default/savedsearches.conf`, `default/macros.conf`) and, for
//! `--as repo`, the security_content detection YAML `contentctl` builds
//! the same app from.
//!
//! One [`Detection`] per rule decides every value once (name, search with
//! its filter macro, schedule as cron and dispatch window, type from the
//! level, risk score, annotations, drilldowns), and both forms are written
//! from it: the `.conf` files through the escaping writer of [`conf`], the
//! YAML through `saphyr`'s emitter. The tests build the repo form with
//! `contentctl` and compare its `savedsearches.conf` with ours
//! (`validators/splunk/`).
//!
//! The objects carry the query of the SPL backend's default flavor (the
//! Sysmon and Windows add-ons' field names): ES runs any scheduled search
//! as a correlation search, and the `cim` flavor's `tstats` cannot state
//! most of the pack (regexes, CIDRs), see `docs/deploy.md`.

pub mod conf;
pub mod content;
pub mod data_source;
pub mod detection;
pub mod savedsearches;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::DeployError;
use crate::objects::{Entry, File, Form, Objects};

pub use content::Story;
pub use detection::Detection;

/// Splunk ES objects, collected rule by rule.
#[derive(Debug, Default)]
pub struct SplunkObjects {
    detections: Vec<Detection>,
    /// Whether every detection so far is tagged T1572.
    not_all_tunnelling: bool,
}

impl SplunkObjects {
    pub fn detections(&self) -> &[Detection] {
        &self.detections
    }

    /// The pack's story when every detection is about tunnelling.
    pub fn story(&self) -> &'static Story {
        if self.not_all_tunnelling || self.detections.is_empty() {
            &content::SIGMA_STORY
        } else {
            &content::TUNNELLING_STORY
        }
    }

    fn conf_error(what: &'static str) -> impl Fn(conf::ConfError) -> DeployError {
        move |e| DeployError::Serialize {
            what,
            reason: e.to_string(),
        }
    }

    fn savedsearches(&self) -> Result<String, DeployError> {
        savedsearches::savedsearches_conf(&self.detections, self.story().name)
            .map_err(Self::conf_error("savedsearches.conf"))
    }

    /// The newest detection date, so the story and data sources are never
    /// dated after what they describe (contentctl refuses future dates).
    fn newest_date(&self) -> String {
        self.detections
            .iter()
            .map(|d| d.date.clone())
            .max()
            .unwrap_or_else(|| "1970-01-01".to_owned())
    }
}

impl Objects for SplunkObjects {
    fn vendor(&self) -> &'static str {
        "Splunk Enterprise Security"
    }

    fn folder(&self) -> &'static str {
        "splunk"
    }

    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError> {
        let detection = Detection::new(entry)?;
        let refuse = |why: String| DeployError::Serialize {
            what: "a Splunk ES detection",
            reason: format!("{}: {why}", entry.meta.label()),
        };
        if let Some(other) = self
            .detections
            .iter()
            .find(|d| d.file_stem() == detection.file_stem())
        {
            return Err(refuse(format!(
                "its name \"{}\" is taken by another rule's detection (\"{}\")",
                detection.name, other.name
            )));
        }
        if let Some(other) = self.detections.iter().find(|d| d.id == detection.id) {
            return Err(refuse(format!("its id is also \"{}\"'s", other.name)));
        }
        // Refused here, not when the files are written, so one search
        // Splunk would misread costs its own object only.
        let one = std::slice::from_ref(&detection);
        savedsearches::savedsearches_conf(one, content::TUNNELLING_STORY.name)
            .and_then(|_| savedsearches::macros_conf(one))
            .map_err(|e| refuse(e.to_string()))?;
        let tunnelling = entry.meta.attack.techniques.iter().any(|t| t.id == "T1572");
        self.not_all_tunnelling |= !tunnelling;
        self.detections.push(detection);
        Ok(())
    }

    fn len(&self) -> usize {
        self.detections.len()
    }

    /// `--as rule`: the ES app (`default/`, `metadata/`); `--as repo`: the
    /// app and the contentctl project beside it.
    fn files(&self, form: Form) -> Result<Vec<File>, DeployError> {
        let mut files = vec![
            File::new(
                "default/app.conf",
                savedsearches::app_conf().map_err(Self::conf_error("app.conf"))?,
            ),
            File::new("default/savedsearches.conf", self.savedsearches()?),
            File::new(
                "default/macros.conf",
                savedsearches::macros_conf(&self.detections)
                    .map_err(Self::conf_error("macros.conf"))?,
            ),
            File::new(
                "metadata/default.meta",
                savedsearches::default_meta().map_err(Self::conf_error("default.meta"))?,
            ),
        ];
        if form == Form::Repo {
            files.extend(self.repo_files()?);
        }
        Ok(files)
    }

    /// The folders `contentctl` requires to exist even when empty.
    fn empty_dirs(&self, form: Form) -> Vec<PathBuf> {
        match form {
            Form::Rule => Vec::new(),
            Form::Repo => content::EMPTY_DIRS.iter().map(PathBuf::from).collect(),
        }
    }

    /// `savedsearches.conf`: the correlation searches (their filter macros
    /// come with `--out`).
    fn stdout(&self) -> Result<String, DeployError> {
        self.savedsearches()
    }

    fn how_to_deploy(&self, form: Form) -> String {
        let app = "`default/` and `metadata/` are a Splunk app (`TunnelHunt`): copy the folder to \
                   `$SPLUNK_HOME/etc/apps/TunnelHunt` on the ES search head (or package it with \
                   `tar` and install it), restart, then review and enable each correlation search \
                   in ES (Configure → Content → Content Management); they are imported disabled. \
                   Tune a search in its `<name>_filter` macro.";
        match form {
            Form::Rule => app.to_owned(),
            Form::Repo => format!(
                "{app} The rest is a security_content repository: `contentctl validate` and \
                 `contentctl build` (PyPI `contentctl` 5.x) build the same app into `dist/`. \
                 See docs/deploy.md."
            ),
        }
    }
}

impl SplunkObjects {
    fn repo_files(&self) -> Result<Vec<File>, DeployError> {
        let story = self.story();
        let date = self.newest_date();
        let mut files = vec![
            File::new(
                "contentctl.yml",
                content::to_yaml(&content::contentctl_yml(), "contentctl.yml")?,
            ),
            File::new("app_template/README.md", content::APP_README),
        ];
        files.push(File::new(
            format!("stories/{}.yml", detection::file_stem(story.name)),
            content::to_yaml(&content::story(story, &date), "a security_content story")?,
        ));
        let mut sources = BTreeMap::new();
        for detection in &self.detections {
            let folder = detection.domain.as_str();
            files.push(File::new(
                format!("detections/{folder}/{}.yml", detection.file_stem()),
                content::to_yaml(
                    &content::detection(detection, story),
                    "a security_content detection",
                )?,
            ));
            files.push(File::new(
                format!("macros/{}.yml", detection.filter_macro),
                content::to_yaml(
                    &content::filter_macro(detection),
                    "a security_content macro",
                )?,
            ));
            if let Some(source) = detection.data_source {
                sources.insert(source.name, source);
            }
        }
        for source in sources.values() {
            files.push(File::new(
                format!("data_sources/{}.yml", detection::file_stem(source.name)),
                content::to_yaml(
                    &content::data_source(source, &date),
                    "a security_content data source",
                )?,
            ));
        }
        Ok(files)
    }
}
