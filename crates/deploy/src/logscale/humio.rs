//! LogScale alerts as humio-operator custom resources
//! (`apiVersion: core.humio.com/v1alpha1`), the detection-as-code form
//! LogScale's own Kubernetes operator reconciles into alerts.
//!
//! The fields are those of the operator's CRDs
//! (`config/crd/bases/core.humio.com_humiofilteralerts.yaml` and
//! `…_humioaggregatealerts.yaml` in humio/humio-operator, kept in
//! `validators/logscale/crds/`, which checks every resource against them):
//!
//! | field | filter alert (a rule) | aggregate alert (a correlation) |
//! |---|---|---|
//! | `name` | the Sigma title (made unique) | the same |
//! | `viewName` | [`VIEW_NAME`] | the same |
//! | `queryString` | the CQL as rendered | the same |
//! | `description` | [`super::description`] | the same |
//! | `throttleTimeSeconds` | the level's interval (the CRD's minimum is 60) | the same |
//! | `throttleField` | `aid`, the Falcon sensor id: one alert per host per throttle period | — (a row is already one group) |
//! | `searchIntervalSeconds` | — | the look-back, which covers the window plus an interval |
//! | `queryTimestampType` | — | `EventTimestamp`: the window is over event time, as the query's buckets |
//! | `triggerMode` | — | `CompleteMode`: a threshold on incomplete results may be wrong either way for `lt` conditions |
//! | `actions` | [`ACTION_NAME`] | the same |
//! | `labels` | `tunnelhunt`, `attack:<id>` per tactic and technique, `branch:`, `confidence:`, `level:`, `sigma:<id>` | the same |
//! | `enabled` | `false`: a team reviews view and action first | the same |
//! | `externalClusterName` | [`CLUSTER_NAME`] (the CRD requires exactly one of it and `managedClusterName`) | the same |
//!
//! The value sets of `queryTimestampType` and `triggerMode` are LogScale's
//! GraphQL enums `QueryTimestampType` and `TriggerMode` (the operator's
//! generated client, `internal/api/humiographql`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::DeployError;
use crate::meta::{Kind, RuleMeta};

/// The view the alerts search: the repository or view the Falcon events
/// land in. A kustomize patch sets another (docs/deploy.md).
pub const VIEW_NAME: &str = "falcon";
/// The `HumioExternalCluster` the operator creates the alerts in (a
/// LogScale or Next-Gen SIEM tenant reached by URL and API token).
pub const CLUSTER_NAME: &str = "logscale";
/// The action every alert fires; the team creates it (an email, Slack or
/// webhook action) in the view, or patches the name.
pub const ACTION_NAME: &str = "tunnelhunt-alerts";
/// The Falcon field naming the sensor (host) an event comes from.
pub const THROTTLE_FIELD: &str = "aid";
/// The API group and version of the resources.
pub const API_VERSION: &str = "core.humio.com/v1alpha1";
/// Where `--as repo` puts the resources.
pub const ALERTS_DIR: &str = "alerts";

/// The operator's minimum throttle time (its CRD and controller).
const MIN_THROTTLE_SECS: u64 = 60;
/// The longest Kubernetes object name (a DNS-1123 subdomain), less room
/// for the suffix that makes a taken name unique.
const MAX_OBJECT_NAME: usize = 253 - 16;

/// The two alert kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AlertKind {
    HumioFilterAlert,
    HumioAggregateAlert,
}

/// `queryTimestampType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum QueryTimestampType {
    EventTimestamp,
    IngestTimestamp,
}

/// `triggerMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TriggerMode {
    CompleteMode,
    ImmediateMode,
}

/// One custom resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub api_version: &'static str,
    pub kind: AlertKind,
    pub metadata: ObjectMeta,
    pub spec: Spec,
}

/// The Kubernetes metadata: the object name and selector labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectMeta {
    pub name: String,
    pub labels: BTreeMap<&'static str, String>,
}

/// The spec of either kind; the aggregate-only fields are `None` in a
/// filter alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    pub external_cluster_name: &'static str,
    pub name: String,
    pub view_name: &'static str,
    pub query_string: String,
    pub description: String,
    pub throttle_time_seconds: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle_field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_interval_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_timestamp_type: Option<QueryTimestampType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_mode: Option<TriggerMode>,
    pub enabled: bool,
    pub actions: Vec<&'static str>,
    pub labels: Vec<String>,
}

/// A rule file's stem as a Kubernetes object name: lower case, `_` and
/// every other character outside `[a-z0-9.-]` as `-`, starting and ending
/// with a letter or digit.
pub fn object_name(stem: &str) -> String {
    let mut name = String::new();
    for c in stem.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' {
            c
        } else {
            '-'
        };
        if !(c == '-' && name.ends_with('-')) {
            name.push(c);
        }
    }
    name.truncate(MAX_OBJECT_NAME);
    let name = name.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if name.is_empty() {
        "rule".to_owned()
    } else {
        name.to_owned()
    }
}

/// The alert resource of one rule (or correlation) whose CQL is `query`;
/// `object_name` and `alert_name` are already unique.
pub fn resource(meta: &RuleMeta, query: &str, object_name: &str, alert_name: &str) -> Resource {
    let throttle = meta.schedule.interval_secs.max(MIN_THROTTLE_SECS);
    let (kind, throttle_field, search_interval, timestamp, trigger) = match meta.kind {
        Kind::Rule => (
            AlertKind::HumioFilterAlert,
            Some(THROTTLE_FIELD),
            None,
            None,
            None,
        ),
        Kind::Correlation { .. } => (
            AlertKind::HumioAggregateAlert,
            None,
            Some(meta.schedule.lookback_secs),
            Some(QueryTimestampType::EventTimestamp),
            Some(TriggerMode::CompleteMode),
        ),
    };
    let mut labels = BTreeMap::from([("app.kubernetes.io/managed-by", "tunnelhunt".to_owned())]);
    if let Some(id) = meta.id.as_deref().filter(|id| is_label_value(id)) {
        labels.insert("tunnelhunt/rule-id", id.to_owned());
    }
    Resource {
        api_version: API_VERSION,
        kind,
        metadata: ObjectMeta {
            name: object_name.to_owned(),
            labels,
        },
        spec: Spec {
            external_cluster_name: CLUSTER_NAME,
            name: alert_name.to_owned(),
            view_name: VIEW_NAME,
            query_string: query.trim_end().to_owned(),
            description: super::description(meta, query),
            throttle_time_seconds: throttle,
            throttle_field,
            search_interval_seconds: search_interval,
            query_timestamp_type: timestamp,
            trigger_mode: trigger,
            enabled: false,
            actions: vec![ACTION_NAME],
            labels: alert_labels(meta),
        },
    }
}

/// The alert's LogScale labels: the product, ATT&CK ids, branch,
/// confidence, level and the Sigma id, as `key:value` so a label search
/// finds them.
pub fn alert_labels(meta: &RuleMeta) -> Vec<String> {
    let mut labels = vec!["tunnelhunt".to_owned()];
    for (tactic, _) in &meta.attack.tactics {
        labels.push(format!("attack:{}", tactic.id));
    }
    for technique in &meta.attack.techniques {
        labels.push(format!("attack:{}", technique.id));
    }
    for (key, value) in [
        ("branch", meta.branch.as_deref()),
        ("confidence", meta.confidence.as_deref()),
        ("level", meta.level.map(|l| l.as_str())),
        ("sigma", meta.id.as_deref()),
    ] {
        if let Some(value) = value {
            labels.push(format!("{key}:{value}"));
        }
    }
    labels
}

/// A Kubernetes label value: at most 63 characters of `[A-Za-z0-9._-]`,
/// starting and ending with a letter or digit.
fn is_label_value(value: &str) -> bool {
    let edges_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    value.len() <= 63
        && edges_ok(value.chars().next())
        && edges_ok(value.chars().last())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// One resource as a YAML document (no `---`).
pub fn to_yaml(resource: &Resource) -> Result<String, DeployError> {
    serde_norway::to_string(resource).map_err(|e| DeployError::Serialize {
        what: "a LogScale alert resource as YAML",
        reason: e.to_string(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization<'a> {
    api_version: &'static str,
    kind: &'static str,
    resources: &'a [String],
}

/// The `kustomization.yaml` listing every alert file, so `kubectl apply
/// -k` applies the folder and a team adds its patches (view, cluster,
/// action) in one place.
pub fn kustomization(resources: &[String]) -> Result<String, DeployError> {
    serde_norway::to_string(&Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources,
    })
    .map_err(|e| DeployError::Serialize {
        what: "the LogScale kustomization as YAML",
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_become_kubernetes_names() {
        assert_eq!(
            object_name("proc_creation_win_netsh_portproxy_add"),
            "proc-creation-win-netsh-portproxy-add"
        );
        assert_eq!(object_name("_Weird  Name__v2.1_"), "weird-name-v2.1");
        assert_eq!(object_name("___"), "rule");
        assert!(object_name(&"a".repeat(400)).len() <= MAX_OBJECT_NAME);
    }

    #[test]
    fn label_values_follow_kubernetes_syntax() {
        assert!(is_label_value("f8fe5df9-b306-4fef-860a-adab51d12f8c"));
        assert!(!is_label_value("-x"));
        assert!(!is_label_value("a b"));
        assert!(!is_label_value(&"a".repeat(64)));
    }
}
