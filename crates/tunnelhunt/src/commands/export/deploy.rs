//! `export --as rule|repo`: the rule objects a team deploys, built by
//! `tunnelhunt-deploy` around the queries the backends rendered.
//!
//! The queries are rendered (and refused) exactly as for `--as query`; an
//! object is made from each rendered query, the rule's metadata, its guide
//! (`<rule>.md` beside it, or the pack's embedded one) and the schedule for
//! its level. Only targets with a rule object are accepted: asking for one
//! that has none is a usage error naming those that do, never an empty
//! export.
//!
//! ```text
//! --as rule, no --out   Kibana import NDJSON on stdout (one rule per line)
//! --as rule --out DIR   DIR/elastic/<rule>.toml and DIR/elastic/<rule>.ndjson
//! --as repo --out DIR   DIR/elastic/rules/<platform>/<rule>.toml  (detection-rules layout)
//!                       DIR/elastic/rules.ndjson                  (every rule, one import)
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tunnelhunt_backends::Target;
use tunnelhunt_deploy::{Kind, RuleMeta, Schedules, elastic};
use tunnelhunt_sigma::ast::{Metadata, Status};

use super::index::{MARKER, prepare};
use super::plan::{Exported, Lowered, RenderedRule};
use crate::cli::{ExportArgs, ExportForm};
use crate::commands::show;
use crate::output::terminal::escape;

/// The folders `--out` gets per vendor (an earlier export's are replaced).
pub const VENDOR_DIRS: [&str; 1] = ["elastic"];

/// The targets that have rule objects.
const WITH_OBJECTS: [Target; 1] = [Target::Eql];

/// A checked `--as rule|repo`.
pub struct DeployPlan {
    form: ExportForm,
    schedules: Schedules,
    out: Option<PathBuf>,
    builtin: bool,
}

impl DeployPlan {
    /// `None` for `--as query`; the usage errors of the object forms.
    pub fn from_args(args: &ExportArgs) -> anyhow::Result<Option<DeployPlan>> {
        if args.form == ExportForm::Query {
            if args.schedule.is_some() {
                bail!("--schedule applies to rule objects: add --as rule or --as repo");
            }
            return Ok(None);
        }
        if args.form == ExportForm::Repo && args.out.is_none() {
            bail!("--as repo writes a directory: add --out DIR");
        }
        if args.pack {
            bail!("--pack prints query text: it does not combine with --as rule or repo");
        }
        for target in args.target.targets() {
            if !WITH_OBJECTS.contains(&target) {
                bail!(
                    "target {} has no rule object yet (rule objects: {}); use --as query",
                    target.name(),
                    WITH_OBJECTS.map(Target::name).join(", ")
                );
            }
        }
        let schedules = match &args.schedule {
            None => Schedules::default(),
            Some(path) => {
                let text = fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Schedules::parse(&text).with_context(|| path.display().to_string())?
            }
        };
        Ok(Some(DeployPlan {
            form: args.form,
            schedules,
            out: args.out.clone(),
            builtin: args.rules.is_empty(),
        }))
    }

    /// Build and write every object; returns how many rendered queries
    /// got no object (a refused query is already counted as a refusal).
    pub fn write(&self, lowered: &Lowered, exported: &[Exported]) -> anyhow::Result<usize> {
        let mut objects = Vec::new();
        let mut missing = 0;
        let mut unmapped: BTreeSet<String> = BTreeSet::new();
        for target in exported {
            let facts = lowered
                .rules
                .iter()
                .map(|r| Facts {
                    meta: &r.rule().meta,
                    file: &r.rule().origin.file,
                    kind: Kind::Rule,
                    platform: platform(r.rule().logsource.product.as_deref()),
                })
                .chain(lowered.correlations.iter().map(|c| Facts {
                    meta: &c.correlation.meta,
                    file: &c.correlation.origin.file,
                    kind: Kind::Correlation {
                        timespan_secs: c.correlation.timespan_secs,
                    },
                    platform: "cross-platform",
                }));
            for (facts, rendered) in facts.zip(target.entries()) {
                unmapped.extend(tunnelhunt_deploy::attack::resolve(&facts.meta.tags).unknown);
                match self.object(&facts, rendered)? {
                    Some(Some(object)) => objects.push(object),
                    Some(None) => {}
                    None => missing += 1,
                }
            }
        }
        if !unmapped.is_empty() {
            // Written without them rather than guessed: say which, once.
            let tags: Vec<String> = unmapped.into_iter().collect();
            eprintln!(
                "{}",
                escape(&format!(
                    "tunnelhunt: {} ATT&CK technique tags are not in the ATT&CK table \
                     (crates/deploy/data/attack.json) and are left out of the objects: {}",
                    tags.len(),
                    tags.join(", ")
                ))
            );
        }
        match &self.out {
            None => print_ndjson(&objects)?,
            Some(dir) => {
                self.write_dir(dir, &objects).with_context(|| {
                    format!("cannot write the rule objects to {}", dir.display())
                })?;
                eprintln!(
                    "tunnelhunt: wrote {} Elastic rule objects to {}",
                    objects.len(),
                    dir.display()
                );
            }
        }
        Ok(missing)
    }

    /// `Ok(Some(None))` when the backend refused the query (already reported
    /// with its reason), `Ok(None)` when the object is refused (reported here).
    fn object(
        &self,
        facts: &Facts,
        rendered: &RenderedRule,
    ) -> anyhow::Result<Option<Option<Object>>> {
        let Some((_, query)) = rendered.texts().next() else {
            return Ok(Some(None));
        };
        let guide = show::guide(facts.file, self.builtin)?;
        let meta = RuleMeta::new(facts.meta, guide.as_deref(), facts.kind, &self.schedules);
        match elastic::rule(&meta, query) {
            Ok(rule) => {
                let stable = facts.meta.status == Some(Status::Stable);
                Ok(Some(Some(Object {
                    stem: rendered.stem.clone(),
                    platform: facts.platform,
                    toml: elastic::to_toml(&elastic::metadata(&meta, stable), &rule)?,
                    line: elastic::to_ndjson_line(&rule)?,
                })))
            }
            Err(why) => {
                eprintln!(
                    "{}",
                    escape(&format!("tunnelhunt: eql: no rule object: {why}"))
                );
                Ok(None)
            }
        }
    }

    fn write_dir(&self, dir: &Path, objects: &[Object]) -> anyhow::Result<()> {
        prepare(dir)?;
        let base = dir.join("elastic");
        let mut ndjson = String::new();
        let mut listing = String::new();
        for object in objects {
            let toml_path = match self.form {
                ExportForm::Repo => Path::new("rules").join(object.platform),
                _ => PathBuf::new(),
            }
            .join(format!("{}.toml", object.stem));
            fs::create_dir_all(base.join(&toml_path).parent().unwrap_or(&base))?;
            fs::write(base.join(&toml_path), &object.toml)?;
            if self.form == ExportForm::Rule {
                fs::write(
                    base.join(format!("{}.ndjson", object.stem)),
                    format!("{}\n", object.line),
                )?;
            }
            writeln!(ndjson, "{}", object.line)?;
            writeln!(listing, "- `elastic/{}`", toml_path.display())?;
        }
        if self.form == ExportForm::Repo {
            fs::write(base.join("rules.ndjson"), ndjson)?;
        }
        let readme = format!(
            "{MARKER}\n# Elastic detection rules\n\n\
             Each `.toml` is a detection-rules file; each `.ndjson` (or `rules.ndjson`) \
             imports into Kibana (Security → Rules → Import). See docs/deploy.md.\n\n{listing}"
        );
        fs::write(dir.join("README.md"), readme)?;
        Ok(())
    }
}

/// What the object of one rule or correlation is built from.
struct Facts<'a> {
    meta: &'a Metadata,
    file: &'a Path,
    kind: Kind,
    platform: &'static str,
}

struct Object {
    stem: String,
    platform: &'static str,
    toml: String,
    line: String,
}

/// The detection-rules folder of a logsource product.
fn platform(product: Option<&str>) -> &'static str {
    match product {
        Some("windows") => "windows",
        Some("linux") => "linux",
        Some("macos") => "macos",
        Some("zeek") => "network",
        _ => "cross-platform",
    }
}

fn print_ndjson(objects: &[Object]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for object in objects {
        writeln!(out, "{}", object.line)?;
    }
    out.flush()
}
