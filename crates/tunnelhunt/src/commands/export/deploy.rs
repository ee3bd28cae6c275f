//! `export --as rule|repo`: the rule objects a team deploys, built by
//! `tunnelhunt-deploy` around the queries the backends rendered.
//!
//! The queries are rendered (and refused) exactly as for `--as query`; an
//! object is made from each rendered query, the rule's metadata, its guide
//! (`<rule>.md` beside it, or the pack's embedded one) and the schedule for
//! its level. [`vendors`] says which vendor's objects are built from which
//! target and flavor. Only targets with rule objects are accepted: asking
//! for one that has none is a usage error naming those that do, never an
//! empty export.
//!
//! ```text
//! --as rule, no --out   the vendor's import form on stdout (one vendor only)
//! --as rule --out DIR   DIR/<vendor>/…  one object per rule
//! --as repo --out DIR   DIR/<vendor>/…  the vendor's detection-as-code layout
//! ```
//! The files of each vendor are listed in `docs/deploy.md`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tunnelhunt_backends::{Flavor, Target};
use tunnelhunt_deploy::{
    Entry, Form, Kind, Objects, Platform, RuleMeta, Schedules, defender, elastic, logscale,
    navigator, splunk,
};
use tunnelhunt_sigma::ast::{LogSource, Metadata, Status};

use super::index::{MARKER, prepare};
use super::plan::{Exported, Lowered, RenderedRule};
use crate::cli::{ExportArgs, ExportForm, ExportTarget};
use crate::commands::show;
use crate::output::terminal::escape;

/// Which vendor's objects are built from which rendering: the target, the
/// flavor whose query the object carries and a fresh collector.
pub struct Vendor {
    pub target: Target,
    pub flavor: Flavor,
    pub objects: fn() -> Box<dyn Objects>,
}

/// Every vendor with rule objects.
pub const VENDORS: &[Vendor] = &[
    Vendor {
        target: Target::Eql,
        flavor: Flavor::DEFAULT,
        objects: || Box::<elastic::ElasticObjects>::default(),
    },
    Vendor {
        target: Target::Cql,
        flavor: Flavor::DEFAULT,
        objects: || Box::<logscale::LogScaleObjects>::default(),
    },
    Vendor {
        target: Target::YaraL,
        flavor: Flavor::DEFAULT,
        objects: || Box::<tunnelhunt_deploy::secops::SecOpsObjects>::default(),
    },
    Vendor {
        target: Target::Sumo,
        flavor: Flavor::DEFAULT,
        objects: || Box::<tunnelhunt_deploy::sumo::SumoObjects>::default(),
    },
    Vendor {
        target: Target::Aql,
        flavor: Flavor::DEFAULT,
        objects: || Box::<tunnelhunt_deploy::qradar::QradarObjects>::default(),
    },
    Vendor {
        target: Target::Kql,
        flavor: Flavor::DEFAULT,
        objects: || Box::<defender::DefenderObjects>::default(),
    },
    Vendor {
        target: Target::Kql,
        flavor: tunnelhunt_backends::kql::SENTINEL_FLAVOR,
        objects: || Box::<tunnelhunt_deploy::sentinel::SentinelObjects>::default(),
    },
    Vendor {
        target: Target::Spl,
        flavor: Flavor::DEFAULT,
        objects: || Box::<splunk::SplunkObjects>::default(),
    },
];

/// The folders `--out` gets per vendor (an earlier export's are replaced).
pub fn vendor_dirs() -> Vec<&'static str> {
    VENDORS.iter().map(|v| (v.objects)().folder()).collect()
}

/// A checked `--as rule|repo`.
pub struct DeployPlan {
    form: Form,
    schedules: Schedules,
    out: Option<PathBuf>,
    builtin: bool,
    /// `--flavor`, when given: only the vendors built from it.
    flavor: Option<String>,
}

impl DeployPlan {
    /// `None` for `--as query`; the usage errors of the object forms.
    pub fn from_args(args: &ExportArgs) -> anyhow::Result<Option<DeployPlan>> {
        let form = match args.form {
            ExportForm::Query => {
                if args.schedule.is_some() {
                    bail!("--schedule applies to rule objects: add --as rule or --as repo");
                }
                return Ok(None);
            }
            ExportForm::Rule => Form::Rule,
            ExportForm::Repo => Form::Repo,
        };
        if form == Form::Repo && args.out.is_none() {
            bail!("--as repo writes a directory: add --out DIR");
        }
        if args.pack {
            bail!("--pack prints query text: it does not combine with --as rule or repo");
        }
        let with_objects: BTreeSet<&str> = VENDORS.iter().map(|v| v.target.name()).collect();
        let with_objects: Vec<&str> = with_objects.into_iter().collect();
        let mut chosen = 0;
        for target in args.target.targets() {
            let vendors = vendors_of(target, args.flavor.as_deref());
            if args.target == ExportTarget::All && vendors.is_empty() {
                // `all` means every vendor with objects; normalized Sigma
                // is a query form, not a SIEM to deploy to.
                continue;
            }
            if vendors.is_empty() && !VENDORS.iter().any(|v| v.target == target) {
                bail!(
                    "target {} has no rule object yet (rule objects: {}); use --as query",
                    target.name(),
                    with_objects.join(", ")
                );
            }
            if vendors.is_empty() {
                bail!(
                    "target {} has no rule object for flavor '{}' (objects are built from: {})",
                    target.name(),
                    args.flavor.as_deref().unwrap_or("default"),
                    VENDORS
                        .iter()
                        .filter(|v| v.target == target)
                        .map(|v| v.flavor.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            chosen += vendors.len();
        }
        if args.out.is_none() && chosen > 1 {
            bail!(
                "--as rule without --out prints one vendor's objects, and this export has {chosen}: \
                 add --out DIR, or choose one with --target and --flavor"
            );
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
            form,
            schedules,
            out: args.out.clone(),
            builtin: args.rules.is_empty(),
            flavor: args.flavor.clone(),
        }))
    }

    /// Build and write every object; returns how many rendered queries
    /// got no object (a refused query is already counted as a refusal).
    pub fn write(&self, lowered: &Lowered, exported: &[Exported]) -> anyhow::Result<usize> {
        let facts = self.facts(lowered)?;
        let mut built: Vec<Box<dyn Objects>> = Vec::new();
        let mut missing = 0;
        let mut unmapped: BTreeSet<String> = BTreeSet::new();
        for fact in &facts {
            unmapped.extend(fact.meta.attack.unknown.iter().cloned());
        }
        for target in exported {
            for vendor in vendors_of(target.target, self.flavor.as_deref()) {
                let mut objects = (vendor.objects)();
                for (fact, rendered) in facts.iter().zip(target.entries()) {
                    if fact.alerting != Alerting::Alerts {
                        continue; // said once, below
                    }
                    let Some(query) = text_of(rendered, vendor.flavor) else {
                        continue; // refused by the backend, already reported
                    };
                    let entry = Entry {
                        meta: &fact.meta,
                        query,
                        stem: &rendered.stem,
                        platform: fact.platform,
                        logsource: &fact.logsource,
                        stable: fact.stable,
                    };
                    if let Err(why) = objects.add(&entry) {
                        eprintln!(
                            "{}",
                            escape(&format!(
                                "tunnelhunt: {}: no rule object: {why}",
                                objects.vendor()
                            ))
                        );
                        missing += 1;
                    }
                }
                built.push(objects);
            }
        }
        let quiet: Vec<String> = facts
            .iter()
            .filter_map(|fact| match &fact.alerting {
                Alerting::Alerts => None,
                Alerting::BuildingBlock => Some(format!(
                    "{} (a building block: its correlations say generate: false)",
                    fact.meta.label()
                )),
                Alerting::AnalyticInput(analytic) => Some(format!(
                    "{} (the input of the behaviour analytic '{analytic}', scored by scan)",
                    fact.meta.label()
                )),
            })
            .collect();
        if !quiet.is_empty() && !built.is_empty() {
            eprintln!(
                "{}",
                escape(&format!(
                    "tunnelhunt: {} raise no alert of their own and are not deployed: {}",
                    quiet.len(),
                    quiet.join("; ")
                ))
            );
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
            None => {
                let mut out = io::stdout().lock();
                for objects in &built {
                    out.write_all(objects.stdout()?.as_bytes())?;
                }
                out.flush()?;
            }
            Some(dir) => {
                self.write_dir(dir, &built).with_context(|| {
                    format!("cannot write the rule objects to {}", dir.display())
                })?;
                if self.form == Form::Repo {
                    write_coverage_layer(dir, &facts).with_context(|| {
                        format!("cannot write the coverage layer to {}", dir.display())
                    })?;
                }
                for objects in &built {
                    eprintln!(
                        "tunnelhunt: wrote {} {} rule objects to {}",
                        objects.len(),
                        objects.vendor(),
                        dir.join(objects.folder()).display()
                    );
                }
            }
        }
        Ok(missing)
    }

    /// The facts of every rule, then every correlation: the order each
    /// target's entries come in.
    fn facts(&self, lowered: &Lowered) -> anyhow::Result<Vec<Facts>> {
        let rules = lowered.rules.iter().map(|r| {
            let rule = r.rule();
            let logsource = rule.logsource.clone();
            (
                &rule.meta,
                rule.origin.file.as_path(),
                Kind::Rule,
                Platform::from_product(logsource.product.as_deref()),
                logsource,
            )
        });
        let correlations = lowered.correlations.iter().map(|c| {
            (
                &c.correlation.meta,
                c.correlation.origin.file.as_path(),
                Kind::Correlation {
                    timespan_secs: c.correlation.timespan_secs,
                },
                Platform::CrossPlatform,
                LogSource::default(),
            )
        });
        rules
            .chain(correlations)
            .map(|(meta, file, kind, platform, logsource)| {
                let guide = show::guide(file, self.builtin)?;
                let meta_built = RuleMeta::new(meta, guide.as_deref(), kind, &self.schedules);
                let alerting = match (&meta_built.behaviour, kind) {
                    (Some(analytic), _) => Alerting::AnalyticInput(analytic.clone()),
                    (None, Kind::Rule) if is_building_block(meta, lowered) => {
                        Alerting::BuildingBlock
                    }
                    _ => Alerting::Alerts,
                };
                Ok(Facts {
                    meta: meta_built,
                    platform,
                    logsource,
                    stable: meta.status == Some(Status::Stable),
                    alerting,
                })
            })
            .collect()
    }

    fn write_dir(&self, dir: &Path, built: &[Box<dyn Objects>]) -> anyhow::Result<()> {
        prepare(dir)?;
        let mut readme = format!("{MARKER}\n# Rule objects\n");
        for objects in built {
            let base = dir.join(objects.folder());
            fs::create_dir_all(&base)?;
            let _ = write!(
                readme,
                "\n## {}\n\n{}\n\n",
                objects.vendor(),
                objects.how_to_deploy(self.form)
            );
            for empty in objects.empty_dirs(self.form) {
                fs::create_dir_all(base.join(empty))?;
            }
            for file in objects.files(self.form)? {
                let path = base.join(&file.path);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::write(&path, &file.contents)?;
                let _ = writeln!(
                    readme,
                    "- `{}/{}`",
                    objects.folder(),
                    file.path.display().to_string().replace('\\', "/")
                );
            }
        }
        fs::write(dir.join("README.md"), readme)?;
        Ok(())
    }
}

/// The folder of `--as repo`'s ATT&CK Navigator layer (replaced by a
/// later export, as the vendors' folders are).
pub const LAYER_DIR: &str = "navigator";

/// `--as repo`: the exported rules' ATT&CK coverage as a Navigator layer,
/// `navigator/coverage-layer.json`, whatever the vendors (a team's
/// repository shows what its rules cover), listed in the README.
fn write_coverage_layer(dir: &Path, facts: &[Facts]) -> anyhow::Result<()> {
    let metas: Vec<&RuleMeta> = facts.iter().map(|f| &f.meta).collect();
    let (layer, _unknown_already_reported) =
        navigator::coverage("tunnelhunt exported rules", &metas);
    fs::create_dir_all(dir.join(LAYER_DIR))?;
    fs::write(
        dir.join(LAYER_DIR).join("coverage-layer.json"),
        navigator::to_json(&layer)?,
    )?;
    let mut readme = fs::OpenOptions::new()
        .append(true)
        .open(dir.join("README.md"))?;
    write!(
        readme,
        "\n## ATT&CK Navigator\n\nThe exported rules' ATT&CK coverage (each technique scored by \
         how many rules detect it): open it in the ATT&CK Navigator (Open Existing Layer → \
         Upload from local).\n\n- `{LAYER_DIR}/coverage-layer.json`\n"
    )?;
    Ok(())
}

/// The vendors built from this target (and from the flavor named, if one was).
fn vendors_of(target: Target, flavor: Option<&str>) -> Vec<&'static Vendor> {
    VENDORS
        .iter()
        .filter(|v| v.target == target && flavor.is_none_or(|f| f == v.flavor.name()))
        .collect()
}

/// The rendered query of one flavor, if the backend did not refuse it.
fn text_of(rendered: &RenderedRule, flavor: Flavor) -> Option<&str> {
    rendered
        .texts()
        .find(|(f, _)| *f == flavor)
        .map(|(_, text)| text)
}

/// What the object of one rule or correlation is built from.
struct Facts {
    meta: RuleMeta,
    platform: Platform,
    logsource: LogSource,
    stable: bool,
    alerting: Alerting,
}

/// Whether a rule's matches are alerts a SIEM should raise.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Alerting {
    Alerts,
    /// Every correlation that reads it says `generate: false`: its matches
    /// only feed them (Sigma's building block), as `scan` treats it.
    BuildingBlock,
    /// The input of a behaviour analytic (`behaviour:`), which only `scan`
    /// scores: every match is an observation, none an alert.
    AnalyticInput(String),
}

/// Whether some loaded correlation reads this rule (by id or name) and
/// every one that does hides its matches (`generate: false`).
fn is_building_block(meta: &Metadata, lowered: &Lowered) -> bool {
    let id = meta.id.as_ref().map(|id| id.value.as_str());
    let name = meta.name.as_ref().map(|name| name.value.as_str());
    let mut readers = lowered
        .correlations
        .iter()
        .map(|c| c.correlation)
        .filter(|c| {
            c.rules
                .iter()
                .any(|r| Some(r.value.as_str()) == id || Some(r.value.as_str()) == name)
        })
        .peekable();
    readers.peek().is_some() && readers.all(|c| !c.generate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendor_has_its_own_folder_and_a_flavor_its_target_renders() {
        let dirs = vendor_dirs();
        let unique: BTreeSet<&str> = dirs.iter().copied().collect();
        assert_eq!(unique.len(), dirs.len(), "{dirs:?}");
        for vendor in VENDORS {
            let backend = tunnelhunt_backends::backend(vendor.target);
            assert!(
                backend.flavors().contains(&vendor.flavor),
                "{} has no flavor {}",
                vendor.target.name(),
                vendor.flavor.name()
            );
        }
    }
}
