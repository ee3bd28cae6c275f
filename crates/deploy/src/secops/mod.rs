//! Google SecOps rule objects: `.yaral` rule files as Google's
//! detection-rules repository writes them, and the `rule_config.yaml` its
//! content manager deploys them with.
//!
//! ```text
//! --as rule   <name>.yaral (+ <name>.md, the guide)   one per rule
//! --as repo   rules/<name>.yaral                      the content manager's rules folder
//!             guides/<name>.md                        the guides (not in rules/: the
//!                                                     content manager skips other files there)
//!             rule_config.yaml                        enabled, alerting, archived,
//!                                                     run_frequency, type per rule
//!             README.md                               how to deploy
//! ```
//!
//! Files are named after the YARA-L rule name, not the Sigma file: the
//! content manager refuses a rule whose file name differs from its name,
//! and keys `rule_config.yaml` by it. Two rules with one name (the same
//! title and id prefix) cannot both be deployed; the second is refused.
//!
//! The rule text is built in [`rule`], the config in [`config`]; string
//! literals in [`literal`]; [`sections`] reads the backend's text.

pub mod config;
pub mod literal;
pub mod rule;
pub mod sections;

use crate::DeployError;
use crate::meta::{Kind, RuleMeta};
use crate::objects::{Entry, File, Form, Objects};

use config::ConfigEntry;
use rule::SecOpsRule;

/// SecOps objects: a `.yaral` file per rule, its guide, and one
/// `rule_config.yaml`.
#[derive(Debug, Default)]
pub struct SecOpsObjects {
    built: Vec<Built>,
}

#[derive(Debug)]
struct Built {
    rule: SecOpsRule,
    guide: Option<String>,
    config: ConfigEntry,
}

impl Objects for SecOpsObjects {
    fn vendor(&self) -> &'static str {
        "Google SecOps"
    }

    fn folder(&self) -> &'static str {
        "secops"
    }

    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError> {
        let rule = rule::rule(entry.meta, entry.query, entry.logsource, entry.platform)?;
        if self.built.iter().any(|b| b.rule.name == rule.name) {
            return Err(DeployError::Unsupported {
                target: "Google SecOps",
                reason: format!(
                    "{}: its rule name {} is taken by an earlier rule, and SecOps names rules uniquely",
                    entry.meta.label(),
                    rule.name
                ),
            });
        }
        let window = match entry.meta.kind {
            Kind::Rule => None,
            Kind::Correlation { timespan_secs } => Some(timespan_secs),
        };
        self.built.push(Built {
            config: ConfigEntry::new(&rule.name, entry.meta.schedule, window),
            guide: guide_markdown(entry.meta),
            rule,
        });
        Ok(())
    }

    fn len(&self) -> usize {
        self.built.len()
    }

    fn files(&self, form: Form) -> Result<Vec<File>, DeployError> {
        let mut files = Vec::new();
        let (rules, guides) = match form {
            Form::Rule => ("", ""),
            Form::Repo => ("rules/", "guides/"),
        };
        for built in &self.built {
            let name = &built.rule.name;
            files.push(File::new(format!("{rules}{name}.yaral"), &built.rule.text));
            if let Some(guide) = &built.guide {
                files.push(File::new(format!("{guides}{name}.md"), guide));
            }
        }
        if form == Form::Repo {
            let entries: Vec<ConfigEntry> = self.built.iter().map(|b| b.config.clone()).collect();
            files.push(File::new("rule_config.yaml", config::to_yaml(&entries)?));
            files.push(File::new("README.md", REPO_README));
        }
        Ok(files)
    }

    /// Every rule file, one after another (each is a complete rule for the
    /// rules editor or the create-rule API).
    fn stdout(&self) -> Result<String, DeployError> {
        Ok(self
            .built
            .iter()
            .map(|b| b.rule.text.as_str())
            .collect::<Vec<_>>()
            .join("\n"))
    }

    fn how_to_deploy(&self, form: Form) -> String {
        match form {
            Form::Rule => "Each `.yaral` is one SecOps rule: paste it into Detection → Rules Editor → \
                 New, or send it as `text` to the create-rule API; the `.md` beside it is its guide. \
                 See docs/deploy.md."
                .to_owned(),
            Form::Repo => "`rules/` and `rule_config.yaml` are the layout of the content manager of \
                 Google's detection-rules repository (`tools/content_manager`): copy them into its \
                 folder and run `python -m content_manager rules update`. See `secops/README.md` \
                 and docs/deploy.md."
                .to_owned(),
        }
    }
}

/// The guide beside a rule: its title and the sections an analyst reads.
fn guide_markdown(meta: &RuleMeta) -> Option<String> {
    if meta.guide.is_empty() {
        return None;
    }
    let facts: Vec<String> = [("Branch", &meta.branch), ("Confidence", &meta.confidence)]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: **{v}**")))
        .collect();
    let facts = if facts.is_empty() {
        String::new()
    } else {
        format!("{}\n\n", facts.join(" · "))
    };
    Some(format!(
        "# {}\n\n{facts}{}",
        meta.title.replace('\n', " "),
        meta.guide.markdown(2)
    ))
}

const REPO_README: &str = "\
# Google SecOps rules

Generated by `tunnelhunt export --target yaral --as repo` from Sigma rules.

- `rules/<name>.yaral`: one YARA-L 2.0 rule per file, named after the rule
  (the content manager requires file name = rule name).
- `rule_config.yaml`: per rule, `enabled: true`, `alerting: false`,
  `archived: false`, `run_frequency` from the rule's level (`LIVE` for rules
  run every 5 or 15 minutes, `HOURLY` for hourly ones and for multi-event
  rules with a window over an hour), and `type`.
- `guides/<name>.md`: the investigation guide of each rule that has one.

To deploy with the content manager of Google's detection-rules repository
(`tools/content_manager`): copy `rules/` and `rule_config.yaml` into its
folder, check them with `python -m content_manager rules verify-all`, and
push them with `python -m content_manager rules update`. Turn `alerting` on
per rule once its detections have been reviewed.
";
