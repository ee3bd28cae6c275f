//! Correlation alerts in the alert schema.
//!
//! A correlation alert is an [`Alert`] like any other — same rule facts,
//! same columns — whose event fields are empty (it has no one event) and
//! whose `correlation` object carries the evidence: the group, the window,
//! the measured figure, the counted values and where each contributing
//! event is, so a responder can open the records.

use serde::Serialize;
use serde_json::{Map, Number, Value};
use tunnelhunt_sigma::ast::Correlation;

use super::{Alert, AlertSource};

/// Group-by fields shown in the HOST and USER columns (the first present).
const HOST_FIELDS: [&str; 6] = [
    "Computer",
    "ComputerName",
    "Hostname",
    "host.name",
    "DeviceName",
    "hostname",
];
const USER_FIELDS: [&str; 6] = [
    "User",
    "TargetUserName",
    "SubjectUserName",
    "user.name",
    "AccountName",
    "user",
];

/// The `correlation` object of a correlation alert.
#[derive(Debug, Serialize)]
pub struct CorrelationFacts {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timespan: String,
    /// The condition as written: `gte 10`, `gt 100 and lte 200`.
    pub condition: String,
    /// Group-by name → value (`null` when the events lack the field).
    pub group: Map<String, Value>,
    pub window_start: String,
    pub window_end: String,
    /// The measured figure: count, distinct count, sum, mean, median or
    /// percentile.
    pub figure: Number,
    /// The counted values (distinct values, or the rules seen).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Where the contributing events are, up to the cap…
    pub evidence: Vec<AlertSource>,
    /// …and how many there were.
    pub evidence_total: u64,
}

impl CorrelationFacts {
    /// One line for the table's COMMAND LINE column.
    pub fn summary(&self) -> String {
        let group = self.group_pairs("-");
        let mut line = format!(
            "{} {} ({} in {}), {} events",
            self.kind, self.figure, self.condition, self.timespan, self.evidence_total
        );
        if !group.is_empty() {
            line.push_str(", ");
            line.push_str(&group.join(" "));
        }
        line
    }
}

impl CorrelationFacts {
    /// The group as `name=value` pairs, `absent` standing for a value the
    /// events lacked.
    pub fn group_pairs(&self, absent: &str) -> Vec<String> {
        self.group
            .iter()
            .map(|(name, value)| match value {
                Value::String(text) => format!("{name}={text}"),
                _ => format!("{name}={absent}"),
            })
            .collect()
    }
}

/// A time in nanoseconds as the alerts print it (RFC 3339, UTC).
pub fn format_nanos(nanos: i64) -> String {
    jiff::Timestamp::from_nanosecond(i128::from(nanos))
        .map_or_else(|_| nanos.to_string(), |t| t.to_string())
}

/// A figure as JSON: a whole number without a fraction.
pub fn figure_number(figure: f64) -> Number {
    if figure.fract() == 0.0 && figure.abs() < 9.0e15 {
        Number::from(figure as i64)
    } else {
        Number::from_f64(figure).unwrap_or_else(|| Number::from(0))
    }
}

impl<'a> Alert<'a> {
    /// The alert of correlation `rule`, dated at the end of its window,
    /// located at its last contributing event.
    pub fn correlation(
        rule: &'a Correlation,
        facts: CorrelationFacts,
        last: AlertSource,
    ) -> Alert<'a> {
        let group_value = |names: &[&str]| {
            names.iter().find_map(|name| match facts.group.get(*name) {
                Some(Value::String(text)) => Some(text.clone()),
                _ => None,
            })
        };
        Alert {
            timestamp: Some(facts.window_end.clone()),
            computer: group_value(&HOST_FIELDS),
            user: group_value(&USER_FIELDS),
            correlation: Some(facts),
            ..Alert::of_rule(&rule.meta, last)
        }
    }
}
