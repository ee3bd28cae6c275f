//! How big a report may get, and what it keeps past that.
//!
//! A browser opens a report of 100,000 alerts (about 100 MB of HTML with
//! their normalized events) and the script pages through them; much past
//! that a tab runs out of memory. So a report embeds at most
//! [`MAX_ALERTS`] alerts: past it, it keeps the summary (which counts
//! every alert) and the top alerts — highest level first, then in output
//! order — and says so at the top. Values longer than
//! [`MAX_VALUE_CHARS`] are cut (a 1 MB command line is an attack on the
//! reader, not evidence one reads), with the cut marked.

use serde::Deserialize;

use crate::model::{Alert, Level};
use crate::text::cut;

/// Alerts a report embeds at most.
pub const MAX_ALERTS: usize = 100_000;
/// Characters of one value a report keeps.
pub const MAX_VALUE_CHARS: usize = 4_096;
/// Rows of the alert table written as HTML (what one sees without
/// JavaScript, and the first page with it).
pub const SERVER_ROWS: usize = 200;

/// Keeps the `max` top alerts of a stream of JSON lines in bounded
/// memory: at most one and a half times `max` lines, kept as text (a
/// parsed alert with its event takes several times the room), parsed
/// only once chosen. In output order.
pub struct TopAlerts {
    max: usize,
    seen: u64,
    kept: Vec<Kept>,
}

struct Kept {
    index: u64,
    level: Option<Level>,
    line: String,
}

/// The one field the choice needs.
#[derive(Deserialize)]
struct LevelOnly {
    #[serde(default)]
    level: Option<Level>,
}

impl TopAlerts {
    pub fn new(max: usize) -> TopAlerts {
        TopAlerts {
            max: max.max(1),
            seen: 0,
            kept: Vec::new(),
        }
    }

    /// Take one alert line of the scan's JSON-lines output.
    pub fn push_line(&mut self, line: String) -> serde_json::Result<()> {
        let LevelOnly { level } = serde_json::from_str(&line)?;
        self.kept.push(Kept {
            index: self.seen,
            level,
            line,
        });
        self.seen += 1;
        if self.kept.len() >= self.max + self.max / 2 {
            self.shrink();
        }
        Ok(())
    }

    fn shrink(&mut self) {
        // Highest level first; among equals, earlier first.
        self.kept
            .sort_by(|a, b| b.level.cmp(&a.level).then(a.index.cmp(&b.index)));
        self.kept.truncate(self.max);
        self.kept.sort_by_key(|k| k.index);
    }

    /// The alerts kept, parsed and bounded, in output order, and how many
    /// lines were pushed.
    pub fn finish(mut self) -> serde_json::Result<(Vec<Alert>, u64)> {
        if self.kept.len() > self.max {
            self.shrink();
        }
        let alerts = self
            .kept
            .into_iter()
            .map(|k| {
                let mut alert: Alert = serde_json::from_str(&k.line)?;
                bound_values(&mut alert);
                Ok(alert)
            })
            .collect::<serde_json::Result<_>>()?;
        Ok((alerts, self.seen))
    }
}

/// Cut every text value of `alert` to [`MAX_VALUE_CHARS`].
pub fn bound_values(alert: &mut Alert) {
    let fields = [
        &mut alert.timestamp,
        &mut alert.computer,
        &mut alert.user,
        &mut alert.image,
        &mut alert.command_line,
        &mut alert.parent_image,
        &mut alert.query,
        &mut alert.target_object,
        &mut alert.destination.hostname,
        &mut alert.destination.ip,
        &mut alert.client.hostname,
        &mut alert.client.ip,
    ];
    for value in fields.into_iter().flatten() {
        bound(value);
    }
    bound(&mut alert.rule_title);
    bound(&mut alert.source.path);
    if let Some(event) = &mut alert.event {
        for value in event.fields.values_mut() {
            bound_json(value);
        }
    }
}

fn bound(value: &mut String) {
    if value.chars().count() > MAX_VALUE_CHARS {
        let total = value.chars().count();
        *value = format!(
            "{} [{} characters cut]",
            cut(value, MAX_VALUE_CHARS),
            total - MAX_VALUE_CHARS
        );
    }
}

fn bound_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => bound(text),
        serde_json::Value::Array(items) => items.iter_mut().for_each(bound_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceRef;

    fn alert(n: u64, level: Level) -> Alert {
        Alert {
            rule_id: None,
            rule_title: format!("r{n}"),
            level: Some(level),
            branch: None,
            confidence: None,
            attack: vec![],
            timestamp: None,
            computer: None,
            event_id: None,
            user: None,
            image: None,
            command_line: Some("x".repeat(if n == 0 { MAX_VALUE_CHARS + 5 } else { 3 })),
            parent_image: None,
            destination: Default::default(),
            client: Default::default(),
            query: None,
            target_object: None,
            source: SourceRef {
                path: "f".into(),
                line: Some(n),
                record_id: None,
                chunk: None,
                packet: None,
                byte_offset: None,
                format: "jsonl".into(),
            },
            event: None,
            correlation: None,
            behaviour: None,
        }
    }

    #[test]
    fn keeps_the_highest_levels_in_output_order_and_counts_all() {
        let mut top = TopAlerts::new(2);
        for (n, level) in [
            Level::Low,
            Level::High,
            Level::Low,
            Level::Critical,
            Level::Medium,
        ]
        .into_iter()
        .enumerate()
        {
            let line = serde_json::to_string(&alert(n as u64, level)).expect("serializes");
            top.push_line(line).expect("an alert line");
        }
        let (kept, seen) = top.finish().expect("parses");
        assert_eq!(seen, 5);
        let lines: Vec<_> = kept.iter().map(|a| a.source.line).collect();
        assert_eq!(lines, [Some(1), Some(3)]);
    }

    #[test]
    fn long_values_are_cut_and_marked() {
        let mut a = alert(0, Level::Low);
        bound_values(&mut a);
        let text = a.command_line.unwrap_or_default();
        assert!(text.ends_with("[5 characters cut]"), "{text}");
    }
}
