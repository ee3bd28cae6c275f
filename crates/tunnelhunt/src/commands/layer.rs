//! `tunnelhunt rules layer`: the ATT&CK coverage of a rule set as an
//! ATT&CK Navigator layer — each technique scored by how many rules and
//! correlations detect it, their titles on hover — for a team to see at a
//! glance what its rules watch and where the gaps are.
//!
//! The layer is built by `tunnelhunt-deploy`'s [`navigator`] module from
//! the same ATT&CK table the rule objects use; a tag the table does not
//! hold is named on stderr and left out, never guessed.

use std::fs;
use std::io::{self, Write};

use anyhow::Context;
use tunnelhunt_deploy::{Kind, RuleMeta, Schedules, navigator};
use tunnelhunt_sigma::ast::Document;

use crate::cli::LayerArgs;
use crate::commands::{Outcome, require_existing};
use crate::output::terminal::escape;
use crate::ruleset;

/// The layer's name when the built-in pack is drawn.
const PACK_NAME: &str = "tunnelhunt T1572 pack";

pub fn run(args: &LayerArgs) -> anyhow::Result<Outcome> {
    require_existing("rule path", &args.rules)?;
    let loaded = ruleset::load_or_builtin(&args.rules, &[]);
    let name = match (&args.name, args.rules.is_empty()) {
        (Some(name), _) => name.clone(),
        (None, true) => PACK_NAME.to_owned(),
        (None, false) => "tunnelhunt rule coverage".to_owned(),
    };
    let text = coverage_json(&name, loaded.collection.documents())?;
    match &args.output {
        Some(path) => {
            fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(Outcome::Success)
}

/// The coverage layer of the rules and correlations among `documents`
/// (filters detect nothing on their own), as JSON; unknown ATT&CK tags are
/// reported on stderr.
pub fn coverage_json(name: &str, documents: &[Document]) -> anyhow::Result<String> {
    let schedules = Schedules::default();
    let metas: Vec<RuleMeta> = documents
        .iter()
        .filter_map(|document| match document {
            Document::Rule(rule) => Some(RuleMeta::new(&rule.meta, None, Kind::Rule, &schedules)),
            Document::Correlation(c) => Some(RuleMeta::new(
                &c.meta,
                None,
                Kind::Correlation {
                    timespan_secs: c.timespan_secs,
                },
                &schedules,
            )),
            Document::Filter(_) => None,
        })
        .collect();
    let refs: Vec<&RuleMeta> = metas.iter().collect();
    let (layer, unknown) = navigator::coverage(name, &refs);
    if !unknown.is_empty() {
        eprintln!(
            "{}",
            escape(&format!(
                "tunnelhunt: {} ATT&CK techniques are not in the ATT&CK table \
                 (crates/deploy/data/attack.json) and are left out of the layer: {}",
                unknown.len(),
                unknown.join(", ")
            ))
        );
    }
    Ok(navigator::to_json(&layer)?)
}
