//! `export --out DIR`: one file per rule, target and flavor, the pack
//! queries, and a README index that says for every rule and target where
//! the query is or why there is none.
//!
//! ```text
//! DIR/README.md                     index (rules × targets, refusals)
//! DIR/<target>/<rule>.<ext>         default flavor
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

use super::plan::{Exported, LoweredRule};

const MARKER: &str = "<!-- written by tunnelhunt export; rewritten on the next export -->";
const PACK_DIR: &str = "packs";

pub fn write_tree(
    dir: &Path,
    rules: &[LoweredRule],
    exported: &[Exported],
    correlations: &[String],
) -> anyhow::Result<()> {
    prepare(dir)?;
    for target in exported {
        let target_dir = dir.join(target.target.name());
        fs::create_dir_all(&target_dir)?;
        for rendered in &target.rules {
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
    write(
        &dir.join("README.md"),
        &readme(rules, exported, correlations),
    )
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
fn prepare(dir: &Path) -> anyhow::Result<()> {
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
    Ok(())
}

fn remove_dir_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Markdown table cells must not contain `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn readme(rules: &[LoweredRule], exported: &[Exported], correlations: &[String]) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "{MARKER}");
    let _ = writeln!(md, "# Exported queries\n");
    let _ = writeln!(
        md,
        "{} rules rendered for {} by tunnelhunt {}. Every query means exactly what its \
         Sigma rule means; where a target cannot express a construct the rule is \
         *refused* for that target and the reason is listed below, rather than \
         rendered approximately.\n",
        rules.len(),
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
            let rendered = &target.rules[i];
            let links: Vec<String> = rendered
                .renderings
                .iter()
                .map(|(flavor, result)| {
                    let name = file_name(&rendered.stem, *flavor, target.target);
                    let shown = flavor.suffix().unwrap_or(target.target.name());
                    match result {
                        Ok(_) => format!("[{shown}]({}/{name})", target.target.name()),
                        Err(refusal) => format!("{shown}: refused ({})", refusal.construct),
                    }
                })
                .collect();
            let _ = write!(md, " {} |", cell(&links.join(", ")));
        }
        md.push('\n');
    }

    let refusals: Vec<String> = exported
        .iter()
        .flat_map(|target| {
            target.rules.iter().flat_map(move |rendered| {
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
    if !correlations.is_empty() {
        let _ = writeln!(md, "\n## Correlation rules, not exported\n");
        let _ = writeln!(
            md,
            "No backend renders correlation rules yet; the rules they aggregate are \
             exported above.\n"
        );
        for label in correlations {
            let _ = writeln!(md, "- {label}");
        }
    }
    if !refusals.is_empty() {
        let _ = writeln!(md, "\n## Refusals\n");
        for line in refusals {
            let _ = writeln!(md, "{line}");
        }
    }
    md
}
