//! `export --out DIR`: one file per rule, target and flavor, the pack
//! queries, and a README index that says for every rule and target where
//! the query is or why there is none.
//!
//! ```text
//! DIR/README.md                     index (rules × targets, refusals)
//! DIR/<target>/<rule>.<ext>         default flavor (correlation rules too)
//! DIR/<target>/<rule>.<flavor>.<ext>
//! DIR/packs/pack[.<flavor>].<ext>   the whole rule set as one hunting query
//! ```
//!
//! Re-exporting into the same directory replaces what an earlier export
//! wrote (recognised by the marker on the README's first line); any other
//! non-empty directory is refused rather than mixed with stale files.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context, bail};
use tunnelhunt_backends::{Flavor, Target};

use super::plan::{Exported, Lowered, RenderedRule};

pub(super) const MARKER: &str =
    "<!-- written by tunnelhunt export; rewritten on the next export -->";
const PACK_DIR: &str = "packs";

pub fn write_tree(dir: &Path, lowered: &Lowered, exported: &[Exported]) -> anyhow::Result<()> {
    prepare(dir)?;
    for target in exported {
        let target_dir = dir.join(target.target.name());
        fs::create_dir_all(&target_dir)?;
        for rendered in target.entries() {
            for (flavor, text) in rendered.texts() {
                let path = target_dir.join(file_name(&rendered.stem, flavor, target.target));
                write(&path, text)?;
            }
        }
        if !target.packs.is_empty() {
            fs::create_dir_all(dir.join(PACK_DIR))?;
        }
        for pack in &target.packs {
            let path = dir
                .join(PACK_DIR)
                .join(file_name("pack", pack.flavor, target.target));
            write(&path, &pack.text)?;
        }
    }
    write(&dir.join("README.md"), &readme(lowered, exported))
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut text = text.trim_end().to_owned();
    text.push('\n');
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn file_name(stem: &str, flavor: Flavor, target: Target) -> String {
    match flavor.suffix() {
        Some(flavor) => format!("{stem}.{flavor}.{}", target.extension()),
        None => format!("{stem}.{}", target.extension()),
    }
}

/// Create `dir`, or clear what an earlier export wrote there.
pub(super) fn prepare(dir: &Path) -> anyhow::Result<()> {
    match fs::read_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir)?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
        Ok(mut entries) => {
            if entries.next().is_none() {
                return Ok(());
            }
        }
    }
    let ours = fs::read_to_string(dir.join("README.md"))
        .map(|text| text.lines().next() == Some(MARKER))
        .unwrap_or(false);
    if !ours {
        bail!(
            "{} is not empty and was not written by `tunnelhunt export`; \
             choose a new or empty directory",
            dir.display()
        );
    }
    for target in Target::ALL {
        remove_dir_if_present(&dir.join(target.name()))?;
    }
    remove_dir_if_present(&dir.join(PACK_DIR))?;
    for vendor in super::deploy::vendor_dirs() {
        remove_dir_if_present(&dir.join(vendor))?;
    }
    remove_dir_if_present(&dir.join(super::deploy::LAYER_DIR))?;
    Ok(())
}

fn remove_dir_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// One table cell: a link per flavor rendered, the construct per flavor
/// refused.
fn links(rendered: &RenderedRule, target: Target) -> String {
    let links: Vec<String> = rendered
        .renderings
        .iter()
        .map(|(flavor, result)| {
            let name = file_name(&rendered.stem, *flavor, target);
            let shown = flavor.suffix().unwrap_or(target.name());
            match result {
                Ok(_) => format!("[{shown}]({}/{name})", target.name()),
                Err(refusal) => format!("{shown}: refused ({})", refusal.construct),
            }
        })
        .collect();
    cell(&links.join(", "))
}

/// Markdown table cells must not contain `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn readme(lowered: &Lowered, exported: &[Exported]) -> String {
    let rules = &lowered.rules;
    let mut md = String::new();
    let _ = writeln!(md, "{MARKER}");
    let _ = writeln!(md, "# Exported queries\n");
    let _ = writeln!(
        md,
        "{} rules and {} correlation rules rendered for {} by tunnelhunt {}. Every query \
         means exactly what its Sigma rule means; where a target cannot express a \
         construct the rule is *refused* for that target and the reason is listed \
         below, rather than rendered approximately.\n",
        rules.len(),
        lowered.correlations.len(),
        exported
            .iter()
            .map(|e| e.target.name())
            .collect::<Vec<_>>()
            .join(", "),
        env!("CARGO_PKG_VERSION"),
    );

    let _ = writeln!(md, "## Pack queries\n");
    let _ = writeln!(md, "| target | flavor | file | rules in it | left out |");
    let _ = writeln!(md, "|---|---|---|---|---|");
    for target in exported {
        for pack in &target.packs {
            let name = file_name("pack", pack.flavor, target.target);
            let _ = writeln!(
                md,
                "| {} | {} | [{name}]({PACK_DIR}/{name}) | {} | {} |",
                target.target.name(),
                pack.flavor.name(),
                rules.len() - pack.omitted.len(),
                pack.omitted.len()
            );
        }
    }

    for target in exported {
        for pack in target.packs.iter().filter(|p| !p.omitted.is_empty()) {
            let _ = writeln!(
                md,
                "\nLeft out of the {} pack query ({}):\n",
                target.target.name(),
                pack.flavor.name()
            );
            for (rule, refusal) in &pack.omitted {
                let _ = writeln!(md, "- {rule}: {refusal}");
            }
        }
    }

    let _ = writeln!(md, "\n## Rules\n");
    let mut header = String::from("| rule | branch | level |");
    let mut rule_line = String::from("|---|---|---|");
    for target in exported {
        let _ = write!(header, " {} |", target.target.name());
        rule_line.push_str("---|");
    }
    let _ = writeln!(md, "{header}\n{rule_line}");
    for (i, lowered) in rules.iter().enumerate() {
        let meta = &lowered.rule().meta;
        let _ = write!(
            md,
            "| {} | {} | {} |",
            cell(&lowered.label),
            cell(meta.custom("branch").and_then(|v| v.as_str()).unwrap_or("")),
            meta.level.map(|l| l.as_str()).unwrap_or("")
        );
        for target in exported {
            let _ = write!(md, " {} |", links(&target.rules[i], target.target));
        }
        md.push('\n');
    }

    if !lowered.correlations.is_empty() {
        let _ = writeln!(md, "\n## Correlation rules\n");
        let _ = writeln!(
            md,
            "Rendered where the target states the correlation's sliding window exactly \
             (see docs/backends.md, \"Correlations\"); refused by name elsewhere. The \
             rules they aggregate are exported above.\n"
        );
        let mut header = String::from("| correlation | type |");
        let mut rule_line = String::from("|---|---|");
        for target in exported {
            let _ = write!(header, " {} |", target.target.name());
            rule_line.push_str("---|");
        }
        let _ = writeln!(md, "{header}\n{rule_line}");
        for (i, loaded) in lowered.correlations.iter().enumerate() {
            let _ = write!(
                md,
                "| {} | {} |",
                cell(&loaded.label),
                loaded.correlation.kind.as_str()
            );
            for target in exported {
                let _ = write!(md, " {} |", links(&target.correlations[i], target.target));
            }
            md.push('\n');
        }
    }

    let refusals: Vec<String> = exported
        .iter()
        .flat_map(|target| {
            target.entries().flat_map(move |rendered| {
                rendered.refusals().map(move |(flavor, refusal)| {
                    format!(
                        "- {} — {}{}: {refusal}",
                        rendered.label,
                        target.target.name(),
                        flavor
                            .suffix()
                            .map(|f| format!(" ({f})"))
                            .unwrap_or_default()
                    )
                })
            })
        })
        .collect();
    if !refusals.is_empty() {
        let _ = writeln!(md, "\n## Refusals\n");
        for line in refusals {
            let _ = writeln!(md, "{line}");
        }
    }
    md
}
