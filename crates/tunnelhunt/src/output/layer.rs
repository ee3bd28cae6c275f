//! `scan --format layer`: what fired, drawn on the ATT&CK matrix as an
//! ATT&CK Navigator layer — each technique scored by its alerts, the rules
//! that raised them and the hosts they were raised on in its comment and
//! metadata.
//!
//! Like the HTML report, a layer needs every alert, so the workers write
//! the alerts as JSON lines (the documented schema) into an anonymous
//! temporary file; [`LayerTarget::finish`] reads them back, counts per
//! technique in bounded memory (a count per rule and per host, not the
//! alerts) and writes the layer through `tunnelhunt-deploy`'s
//! [`navigator`] module, against the same ATT&CK table as the rule objects.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};

use anyhow::Context as _;
use serde::Deserialize;
use tunnelhunt_deploy::navigator::{self, Cell, Metadata, Title};

/// Where the layer goes and where the alerts wait meanwhile.
pub struct LayerTarget {
    pub destination: Box<dyn Write + Send>,
    /// A second handle on the spool the alert sink writes to.
    pub spool: File,
}

/// The fields of a spooled alert the layer reads.
#[derive(Deserialize)]
struct SpooledAlert {
    rule_title: String,
    #[serde(default)]
    attack: Vec<String>,
    computer: Option<String>,
    #[serde(default)]
    client: SpooledClient,
}

#[derive(Deserialize, Default)]
struct SpooledClient {
    ip: Option<String>,
    hostname: Option<String>,
}

/// The alerts of one technique.
#[derive(Default)]
struct Fired {
    alerts: u64,
    by_rule: BTreeMap<String, u64>,
    hosts: BTreeSet<String>,
}

/// Hosts a comment names before it says "and N more".
const HOSTS_IN_COMMENT: usize = 10;

/// What was written, for the line on stderr.
pub struct Written {
    pub techniques: usize,
    pub alerts: u64,
    /// Technique ids outside the ATT&CK table, left out.
    pub unknown: Vec<String>,
}

impl LayerTarget {
    /// Read the spooled alerts back, build the layer and write it.
    pub fn finish(mut self, name: &str) -> anyhow::Result<Written> {
        self.spool.seek(SeekFrom::Start(0))?;
        let mut fired: BTreeMap<String, Fired> = BTreeMap::new();
        let mut alerts = 0;
        for line in BufReader::new(&self.spool).lines() {
            let line = line.context("cannot read the spooled alerts")?;
            let alert: SpooledAlert =
                serde_json::from_str(&line).context("cannot read a spooled alert back")?;
            alerts += 1;
            let host = alert.computer.or(alert.client.hostname).or(alert.client.ip);
            for technique in alert.attack {
                let entry = fired.entry(technique).or_default();
                entry.alerts += 1;
                *entry.by_rule.entry(alert.rule_title.clone()).or_default() += 1;
                entry.hosts.extend(host.clone());
            }
        }
        let cells: BTreeMap<String, Cell> = fired
            .into_iter()
            .map(|(id, fired)| (id, cell(fired)))
            .collect();
        let (layer, unknown) = navigator::layer(
            &Title {
                name: name.to_owned(),
                description: format!(
                    "What fired in a tunnelhunt scan: {alerts} alerts, each technique scored by its alerts"
                ),
                counts: "alerts",
            },
            &cells,
        );
        let text = navigator::to_json(&layer)?;
        self.destination
            .write_all(text.as_bytes())
            .and_then(|()| self.destination.flush())
            .context("cannot write the ATT&CK Navigator layer")?;
        Ok(Written {
            techniques: cells.len() - unknown.len(),
            alerts,
            unknown,
        })
    }
}

/// One technique's score (its alerts), comment (rules and hosts) and
/// metadata (alerts per rule, then the hosts).
fn cell(fired: Fired) -> Cell {
    let rules: Vec<String> = fired
        .by_rule
        .iter()
        .map(|(rule, count)| format!("{rule} ({count})"))
        .collect();
    let mut hosts: Vec<&str> = fired
        .hosts
        .iter()
        .map(String::as_str)
        .take(HOSTS_IN_COMMENT)
        .collect();
    let more = fired.hosts.len().saturating_sub(HOSTS_IN_COMMENT);
    let more_text = format!("and {more} more");
    if more > 0 {
        hosts.push(&more_text);
    }
    let hosts_text = if hosts.is_empty() {
        "no host named".to_owned()
    } else {
        hosts.join(", ")
    };
    let mut metadata: Vec<Metadata> = fired
        .by_rule
        .iter()
        .map(|(rule, count)| Metadata {
            name: "rule".to_owned(),
            value: format!("{rule}: {count} alerts"),
        })
        .collect();
    metadata.extend(fired.hosts.iter().map(|host| Metadata {
        name: "host".to_owned(),
        value: host.clone(),
    }));
    Cell {
        score: fired.alerts,
        comment: format!(
            "{} alerts. Rules: {}. Hosts: {hosts_text}.",
            fired.alerts,
            rules.join("; ")
        ),
        metadata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_are_counted_per_technique_with_their_rules_and_hosts() {
        let spool = tempfile::tempfile().unwrap();
        let mut writer = spool.try_clone().unwrap();
        for (rule, host) in [("plink", "WS1"), ("plink", "WS2"), ("netsh", "WS1")] {
            writeln!(
                writer,
                r#"{{"rule_title":"{rule}","attack":["T1572"],"computer":"{host}","source":{{}}}}"#
            )
            .unwrap();
        }
        writeln!(
            writer,
            r#"{{"rule_title":"dns","attack":["T9999"],"client":{{"ip":"10.0.0.9"}}}}"#
        )
        .unwrap();
        let out = tempfile::NamedTempFile::new().unwrap();
        let target = LayerTarget {
            destination: Box::new(out.reopen().unwrap()),
            spool,
        };
        let written = target.finish("scan").unwrap();
        assert_eq!((written.alerts, written.techniques), (4, 1));
        assert_eq!(written.unknown, ["T9999"]);
        let layer: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.path()).unwrap()).unwrap();
        let t1572 = &layer["techniques"][0];
        assert_eq!(t1572["techniqueID"], "T1572");
        assert_eq!(t1572["score"], 3);
        assert_eq!(
            t1572["comment"],
            "3 alerts. Rules: netsh (1); plink (2). Hosts: WS1, WS2."
        );
    }
}
