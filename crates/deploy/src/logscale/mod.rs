//! CrowdStrike LogScale and Falcon Next-Gen SIEM: the two places a CQL
//! query over Falcon events runs as a detection.
//!
//! - **LogScale alerts** as humio-operator custom resources
//!   ([`humio`]): `HumioFilterAlert` for a per-event rule (LogScale runs a
//!   filter alert on every event as it is ingested), `HumioAggregateAlert`
//!   for a correlation (a scheduled search over a window, the only alert
//!   type that may aggregate). A team applies them with `kubectl apply -k`
//!   to the cluster the operator watches.
//! - **Next-Gen SIEM correlation rules** ([`ngsiem`]): the JSON body of the
//!   correlation rules API (`POST /correlation-rules/entities/rules/v1`),
//!   a scheduled search that raises a detection.
//!
//! Both carry the query exactly as the `cql` backend rendered it, its `//`
//! comment header included: LogScale accepts `//` comments, the backend
//! forces every comment onto one line (no title can end one), and the
//! header is where the query says what it is — the Falcon events it reads,
//! the filters folded in, and for a correlation that it is a fixed-bucket
//! approximation — which an analyst opening the alert's query should see.
//!
//! Only a correlation's query aggregates: the backend renders a rule as an
//! event selector and one filter step, so a rule is always a filter alert.
//!
//! Every object is written through its format's serializer (`serde_norway`
//! for YAML, `serde_json`), never by pasting strings; the injection tests
//! read hostile titles and guide text back exactly from both.

pub mod humio;
pub mod ngsiem;

use std::collections::BTreeSet;

use crate::DeployError;
use crate::meta::{Kind, RuleMeta};
use crate::objects::{Entry, File, Form, Objects};

/// Objects for both products, built rule by rule.
#[derive(Debug, Default)]
pub struct LogScaleObjects {
    built: Vec<Built>,
    /// Kubernetes object names and LogScale alert names already taken:
    /// each must be unique (per kind in a namespace, per view).
    object_names: BTreeSet<String>,
    alert_names: BTreeSet<String>,
}

#[derive(Debug)]
struct Built {
    /// The Kubernetes object name, also every file's stem.
    name: String,
    yaml: String,
    json: String,
}

impl Objects for LogScaleObjects {
    fn vendor(&self) -> &'static str {
        "CrowdStrike LogScale and Falcon Next-Gen SIEM"
    }

    fn folder(&self) -> &'static str {
        "logscale"
    }

    fn add(&mut self, entry: &Entry<'_>) -> Result<(), DeployError> {
        let object_name = unique(
            humio::object_name(entry.stem),
            entry.meta.id.as_deref(),
            &self.object_names,
            Style::Kubernetes,
        );
        let alert_name = unique(
            entry.meta.title.clone(),
            entry.meta.id.as_deref(),
            &self.alert_names,
            Style::Title,
        );
        let resource = humio::resource(entry.meta, entry.query, &object_name, &alert_name);
        let rule = ngsiem::rule(entry.meta, entry.query, &alert_name)?;
        let built = Built {
            yaml: humio::to_yaml(&resource)?,
            json: ngsiem::to_json(&rule)?,
            name: object_name.clone(),
        };
        self.object_names.insert(object_name);
        self.alert_names.insert(alert_name);
        self.built.push(built);
        Ok(())
    }

    fn len(&self) -> usize {
        self.built.len()
    }

    /// `--as rule`: `<rule>.yaml` (one alert resource) and
    /// `<rule>.ngsiem.json` side by side; `--as repo`: `alerts/<rule>.yaml`
    /// with a `kustomization.yaml` listing them, and `ngsiem/<rule>.json`.
    fn files(&self, form: Form) -> Result<Vec<File>, DeployError> {
        let mut files = Vec::new();
        for built in &self.built {
            match form {
                Form::Rule => {
                    files.push(File::new(format!("{}.yaml", built.name), &built.yaml));
                    files.push(File::new(
                        format!("{}.ngsiem.json", built.name),
                        &built.json,
                    ));
                }
                Form::Repo => {
                    files.push(File::new(
                        format!("{}/{}.yaml", humio::ALERTS_DIR, built.name),
                        &built.yaml,
                    ));
                    files.push(File::new(
                        format!("{}/{}.json", ngsiem::RULES_DIR, built.name),
                        &built.json,
                    ));
                }
            }
        }
        if form == Form::Repo {
            let resources: Vec<String> = self
                .built
                .iter()
                .map(|b| format!("{}/{}.yaml", humio::ALERTS_DIR, b.name))
                .collect();
            files.push(File::new(
                "kustomization.yaml",
                humio::kustomization(&resources)?,
            ));
        }
        Ok(files)
    }

    /// Every alert resource as one multi-document YAML stream, the form
    /// `kubectl apply -f -` reads.
    fn stdout(&self) -> Result<String, DeployError> {
        Ok(self
            .built
            .iter()
            .map(|b| format!("---\n{}", b.yaml))
            .collect())
    }

    fn how_to_deploy(&self, form: Form) -> String {
        let (alerts, rules) = match form {
            Form::Rule => ("each `.yaml`", "each `.ngsiem.json`"),
            Form::Repo => ("`kubectl apply -k logscale`", "each `ngsiem/*.json`"),
        };
        format!(
            "LogScale: {alerts} is a humio-operator alert resource (`kubectl apply`; `kubectl apply \
             -k` reads the kustomization). The alerts name the view `{view}`, the cluster \
             `{cluster}` and the action `{action}`: create that action, or patch the names \
             (docs/deploy.md), before enabling them. Next-Gen SIEM: {rules} is the body of \
             `POST /correlation-rules/entities/rules/v1` once your `customer_id` (CID) is added. \
             Everything is imported disabled.",
            view = humio::VIEW_NAME,
            cluster = humio::CLUSTER_NAME,
            action = humio::ACTION_NAME,
        )
    }
}

/// How a taken name is made unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// A Kubernetes object name: `-` and lower-case letters and digits.
    Kubernetes,
    /// A LogScale alert name: free text.
    Title,
}

/// `name`, or when it is taken, `name` with the rule's id (then a
/// counter): two SigmaHQ rules may share a title, and file stems from
/// different folders may meet.
fn unique(name: String, id: Option<&str>, taken: &BTreeSet<String>, style: Style) -> String {
    if !taken.contains(&name) {
        return name;
    }
    let with_id = id.map(|id| match style {
        Style::Kubernetes => {
            let short: String = id
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(8)
                .collect();
            format!("{name}-{}", short.to_ascii_lowercase())
        }
        Style::Title => format!("{name} ({id})"),
    });
    if let Some(candidate) = with_id.filter(|c| !taken.contains(c) && c != &name) {
        return candidate;
    }
    let separator = match style {
        Style::Kubernetes => '-',
        Style::Title => ' ',
    };
    (2..)
        .map(|n| format!("{name}{separator}{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(name)
}

/// The text both products show an analyst beside the alert: the rule's
/// description, branch and confidence, the guide's alert-time sections,
/// false positives and references, and for a correlation the header line
/// saying the query approximates the rule.
///
/// No public source states a length limit for either product's
/// description field, so none is applied; the guide's author-facing
/// sections (evasions, blind spots) stay out, as for every vendor.
pub fn description(meta: &RuleMeta, query: &str) -> String {
    let mut parts = vec![meta.description.clone()];
    let facts: Vec<String> = [("Branch", &meta.branch), ("Confidence", &meta.confidence)]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: {v}")))
        .collect();
    if !facts.is_empty() {
        parts.push(facts.join(" · "));
    }
    if let Kind::Correlation { .. } = meta.kind {
        parts.extend(
            query
                .lines()
                .filter_map(|line| line.strip_prefix("// fixed-bucket approximation"))
                .map(|rest| format!("Fixed-bucket approximation{rest}")),
        );
    }
    if !meta.guide.is_empty() {
        parts.push(meta.guide.markdown(2).trim_end().to_owned());
    }
    if !meta.falsepositives.is_empty() {
        parts.push(format!(
            "False positives:\n{}",
            bullets(&meta.falsepositives)
        ));
    }
    if !meta.references.is_empty() {
        parts.push(format!("References:\n{}", bullets(&meta.references)));
    }
    parts.join("\n\n")
}

fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("- {item}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_name_gets_the_id_then_a_counter() {
        let mut taken = BTreeSet::new();
        let k8s = Style::Kubernetes;
        let first = unique("a-b".into(), Some("F00D-1"), &taken, k8s);
        assert_eq!(first, "a-b");
        taken.insert(first);
        let second = unique("a-b".into(), Some("F00D-1"), &taken, k8s);
        assert_eq!(second, "a-b-f00d1");
        taken.insert(second);
        assert_eq!(unique("a-b".into(), Some("F00D-1"), &taken, k8s), "a-b-2");
        let titles = BTreeSet::from(["Title".to_owned()]);
        assert_eq!(
            unique("Title".into(), Some("F00D-1"), &titles, Style::Title),
            "Title (F00D-1)"
        );
        assert_eq!(
            unique("Title".into(), None, &titles, Style::Title),
            "Title 2"
        );
    }
}
