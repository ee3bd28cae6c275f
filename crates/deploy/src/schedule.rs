//! How often a deployed rule runs and how far back each run looks.
//!
//! Defaults per level (see `docs/deploy.md`): the more severe the rule, the
//! sooner an analyst should see it, so critical and high rules run every 5
//! minutes, medium every 15, low and informational hourly. Each run looks
//! back its interval plus 5 minutes, so events indexed late (agents
//! batching, ingest lag) are not skipped between two runs. A correlation
//! must see its whole window in one run: its look-back is at least its
//! timespan plus the interval.
//!
//! A small TOML file overrides them (`export --schedule FILE`):
//!
//! ```toml
//! [high]
//! interval = "10m"
//! lookback = "20m"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use tunnelhunt_sigma::ast::Level;

use crate::DeployError;

/// Run every `interval`, each run reading `[now - lookback, now]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub interval_secs: u64,
    pub lookback_secs: u64,
}

/// Ingest lag the default look-back covers beyond the interval.
const LAG_SECS: u64 = 5 * 60;

impl Schedule {
    /// The default for a level; a rule without one is scheduled as medium.
    pub fn default_for(level: Option<Level>) -> Schedule {
        let interval_secs = match level {
            Some(Level::Critical | Level::High) => 5 * 60,
            Some(Level::Medium) | None => 15 * 60,
            Some(Level::Low | Level::Informational) => 60 * 60,
        };
        Schedule {
            interval_secs,
            lookback_secs: interval_secs + LAG_SECS,
        }
    }

    /// This schedule for a correlation over `timespan_secs`: the window
    /// fits in one run's look-back.
    pub fn for_window(self, timespan_secs: u64) -> Schedule {
        Schedule {
            interval_secs: self.interval_secs,
            lookback_secs: self
                .lookback_secs
                .max(timespan_secs.saturating_add(self.interval_secs)),
        }
    }
}

/// The schedules to use: defaults, overridden per level by a config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedules {
    overrides: BTreeMap<&'static str, Schedule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelEntry {
    interval: String,
    lookback: Option<String>,
}

impl Schedules {
    /// Read the config file's text: a table per level name, each with
    /// `interval` and optionally `lookback` (default: interval + 5m).
    pub fn parse(text: &str) -> Result<Schedules, DeployError> {
        let table: BTreeMap<String, LevelEntry> =
            toml::from_str(text).map_err(|e| DeployError::Config(e.to_string()))?;
        let mut overrides = BTreeMap::new();
        for (name, entry) in table {
            let level = Level::parse(&name).ok_or_else(|| {
                DeployError::Config(format!(
                    "'{name}' is not a Sigma level (informational, low, medium, high, critical)"
                ))
            })?;
            let interval_secs = parse_duration(&entry.interval)?;
            let lookback_secs = match &entry.lookback {
                Some(text) => parse_duration(text)?,
                None => interval_secs + LAG_SECS,
            };
            if lookback_secs < interval_secs {
                return Err(DeployError::Config(format!(
                    "{name}: lookback {} is shorter than interval {}: events between runs would never be read",
                    entry.lookback.unwrap_or_default(),
                    entry.interval
                )));
            }
            overrides.insert(
                level.as_str(),
                Schedule {
                    interval_secs,
                    lookback_secs,
                },
            );
        }
        Ok(Schedules { overrides })
    }

    pub fn for_level(&self, level: Option<Level>) -> Schedule {
        level
            .and_then(|l| self.overrides.get(l.as_str()).copied())
            .unwrap_or_else(|| Schedule::default_for(level))
    }
}

/// `30s`, `5m`, `2h`, `1d` → seconds (positive).
pub fn parse_duration(text: &str) -> Result<u64, DeployError> {
    let bad = || DeployError::Config(format!("'{text}' is not a duration like 30s, 5m, 2h or 1d"));
    let split = text.len().checked_sub(1).ok_or_else(bad)?;
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| bad())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    match number.checked_mul(scale) {
        Some(secs) if secs > 0 => Ok(secs),
        _ => Err(bad()),
    }
}

/// The shortest exact text of a duration: `300` → `5m`, `90` → `90s`.
pub fn format_duration(secs: u64) -> String {
    for (unit, scale) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs.is_multiple_of(scale) {
            return format!("{}{unit}", secs / scale);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_level_and_look_back_past_the_interval() {
        let high = Schedule::default_for(Some(Level::High));
        assert_eq!((high.interval_secs, high.lookback_secs), (300, 600));
        let low = Schedule::default_for(Some(Level::Low));
        assert_eq!((low.interval_secs, low.lookback_secs), (3600, 3900));
        assert_eq!(high.for_window(3600).lookback_secs, 3900);
        assert_eq!(high.for_window(60).lookback_secs, 600);
    }

    #[test]
    fn the_config_file_overrides_per_level_and_refuses_nonsense() {
        let schedules = Schedules::parse("[high]\ninterval = \"10m\"\n").unwrap();
        assert_eq!(
            schedules.for_level(Some(Level::High)),
            Schedule {
                interval_secs: 600,
                lookback_secs: 900
            }
        );
        assert_eq!(
            schedules.for_level(Some(Level::Medium)),
            Schedule::default_for(Some(Level::Medium))
        );
        assert!(Schedules::parse("[severe]\ninterval = \"10m\"\n").is_err());
        assert!(Schedules::parse("[low]\ninterval = \"1h\"\nlookback = \"5m\"\n").is_err());
        assert!(Schedules::parse("[low]\ninterval = \"0m\"\n").is_err());
        assert!(Schedules::parse("[low]\nevery = \"1h\"\n").is_err());
    }

    #[test]
    fn durations_round_trip() {
        for secs in [1, 59, 60, 90, 300, 3600, 3900, 86_400] {
            assert_eq!(parse_duration(&format_duration(secs)).unwrap(), secs);
        }
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5 m").is_err());
    }
}
