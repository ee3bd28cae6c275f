//! `rule_config.yaml`, the deployment state the detection-rules
//! repository's content manager (`tools/content_manager`) keeps beside the
//! `.yaral` files: one entry per rule name with `enabled`, `alerting`,
//! `archived`, `run_frequency` and `type`, the keys its `check_rule_config`
//! allows (`enabled` and `alerting` required).
//!
//! Defaults: `enabled: true`, `alerting: false`, `archived: false`. The
//! rule runs and its detections are listed from the first day; it pages no
//! one until a team has reviewed it and turned alerting on — the SecOps
//! counterpart of importing Elastic rules disabled.
//!
//! `run_frequency` from the schedule of the rule's level ([`RunFrequency::of`]).
//! Written with saphyr's emitter, never by pasting strings; the tests read
//! it back with saphyr's parser.

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};

use crate::DeployError;
use crate::schedule::Schedule;

/// The SecOps run frequencies (the rule deployment API's `runFrequency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunFrequency {
    /// Streaming for single-event rules; every 10 minutes for multi-event
    /// rules whose window is at most an hour.
    Live,
    Hourly,
    Daily,
}

/// Google: multi-event rules with a window over one hour run at most
/// hourly.
const LIVE_MAX_WINDOW_SECS: u64 = 3600;

impl RunFrequency {
    /// The least frequent run that is still at least as frequent as the
    /// schedule's interval: under an hour → `LIVE`, under a day → `HOURLY`,
    /// else `DAILY`. A multi-event rule with a window over an hour cannot
    /// run `LIVE`, so it runs `HOURLY`.
    pub fn of(schedule: Schedule, window_secs: Option<u64>) -> RunFrequency {
        let by_interval = match schedule.interval_secs {
            s if s < 3600 => RunFrequency::Live,
            s if s < 86_400 => RunFrequency::Hourly,
            _ => RunFrequency::Daily,
        };
        match window_secs {
            Some(window) if window > LIVE_MAX_WINDOW_SECS && by_interval == RunFrequency::Live => {
                RunFrequency::Hourly
            }
            _ => by_interval,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunFrequency::Live => "LIVE",
            RunFrequency::Hourly => "HOURLY",
            RunFrequency::Daily => "DAILY",
        }
    }
}

/// One rule's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: String,
    pub enabled: bool,
    pub alerting: bool,
    pub archived: bool,
    pub run_frequency: RunFrequency,
    pub multi_event: bool,
}

impl ConfigEntry {
    /// The defaults of a new rule (see the module doc).
    pub fn new(name: &str, schedule: Schedule, window_secs: Option<u64>) -> ConfigEntry {
        ConfigEntry {
            name: name.to_owned(),
            enabled: true,
            alerting: false,
            archived: false,
            run_frequency: RunFrequency::of(schedule, window_secs),
            multi_event: window_secs.is_some(),
        }
    }
}

/// The `rule_config.yaml` text of `entries`, in their order.
pub fn to_yaml(entries: &[ConfigEntry]) -> Result<String, DeployError> {
    let text = |s: &str| Yaml::Value(Scalar::String(s.to_owned().into()));
    let boolean = |b: bool| Yaml::Value(Scalar::Boolean(b));
    let mut root = Mapping::new();
    for entry in entries {
        let mut fields = Mapping::new();
        fields.insert(text("enabled"), boolean(entry.enabled));
        fields.insert(text("alerting"), boolean(entry.alerting));
        fields.insert(text("archived"), boolean(entry.archived));
        fields.insert(text("run_frequency"), text(entry.run_frequency.as_str()));
        fields.insert(
            text("type"),
            text(if entry.multi_event {
                "MULTI_EVENT"
            } else {
                "SINGLE_EVENT"
            }),
        );
        root.insert(text(&entry.name), Yaml::Mapping(fields));
    }
    let mut out = String::new();
    YamlEmitter::new(&mut out)
        .dump(&Yaml::Mapping(root))
        .map_err(|e| DeployError::Serialize {
            what: "SecOps rule_config.yaml",
            reason: e.to_string(),
        })?;
    // The emitter starts the document with `---` and ends without a newline.
    let body = out.strip_prefix("---\n").unwrap_or(&out);
    Ok(format!("{body}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(minutes: u64) -> Schedule {
        Schedule {
            interval_secs: minutes * 60,
            lookback_secs: minutes * 60 + 300,
        }
    }

    #[test]
    fn frequencies_follow_the_interval_and_the_window() {
        assert_eq!(RunFrequency::of(every(5), None), RunFrequency::Live);
        assert_eq!(RunFrequency::of(every(59), None), RunFrequency::Live);
        assert_eq!(RunFrequency::of(every(60), None), RunFrequency::Hourly);
        assert_eq!(RunFrequency::of(every(24 * 60), None), RunFrequency::Daily);
        assert_eq!(RunFrequency::of(every(5), Some(3600)), RunFrequency::Live);
        assert_eq!(RunFrequency::of(every(5), Some(3660)), RunFrequency::Hourly);
        assert_eq!(
            RunFrequency::of(every(2 * 24 * 60), Some(7200)),
            RunFrequency::Daily
        );
    }

    #[test]
    fn the_config_is_one_mapping_per_rule_name() {
        let yaml = to_yaml(&[
            ConfigEntry::new("a_1", every(5), None),
            ConfigEntry::new("b_2", every(60), Some(7200)),
        ])
        .unwrap();
        assert_eq!(
            yaml,
            "a_1:\n  enabled: true\n  alerting: false\n  archived: false\n  run_frequency: LIVE\n  type: SINGLE_EVENT\nb_2:\n  enabled: true\n  alerting: false\n  archived: false\n  run_frequency: HOURLY\n  type: MULTI_EVENT\n"
        );
    }
}
