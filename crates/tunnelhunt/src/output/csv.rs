//! Alerts as CSV: one row per alert under a fixed header.
//!
//! The columns are a flat projection of the JSON-lines [`Alert`] (same
//! names, nested `destination` and `source` spelled with a `_`), in an
//! order that is part of the interface: new columns are only ever added at
//! the end. Lists (`attack`, `tags`) are joined with `;`. Quoting is the
//! `csv` crate's RFC 4180 quoting (a field with a comma, quote or line
//! break is quoted, quotes doubled); values are written as the logs hold
//! them, without spreadsheet-formula escaping.

use std::io::{self, Write};

use super::Alert;

/// The header row, in column order.
pub const COLUMNS: [&str; 38] = [
    "timestamp",
    "computer",
    "user",
    "level",
    "branch",
    "confidence",
    "rule_id",
    "rule_title",
    "attack",
    "tags",
    "image",
    "command_line",
    "parent_image",
    "parent_command_line",
    "destination_hostname",
    "destination_ip",
    "destination_port",
    "query",
    "target_object",
    "event_id",
    "channel",
    "source_path",
    "source_line",
    "source_record_id",
    "source_chunk",
    "source_format",
    "correlation_type",
    "correlation_group",
    "correlation_figure",
    "correlation_window_start",
    "correlation_window_end",
    "correlation_evidence_total",
    "client_ip",
    "client_port",
    "client_hostname",
    "behaviour_analytic",
    "behaviour_score",
    "behaviour_evidence_total",
];

/// Write the header row.
pub fn write_header(out: &mut impl Write) -> io::Result<()> {
    write_row(out, COLUMNS)
}

/// Write one alert as one row.
pub fn write_alert(out: &mut impl Write, alert: &Alert<'_>) -> io::Result<()> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let number = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
    let row: [String; COLUMNS.len() - 12] = [
        text(&alert.timestamp),
        text(&alert.computer),
        text(&alert.user),
        alert.level.unwrap_or_default().to_owned(),
        alert.branch.unwrap_or_default().to_owned(),
        alert.confidence.unwrap_or_default().to_owned(),
        alert.rule_id.unwrap_or_default().to_owned(),
        alert.rule_title.to_owned(),
        alert.attack.join(";"),
        alert.tags.join(";"),
        text(&alert.image),
        text(&alert.command_line),
        text(&alert.parent_image),
        text(&alert.parent_command_line),
        text(&alert.destination.hostname),
        text(&alert.destination.ip),
        number(alert.destination.port.map(u64::from)),
        text(&alert.query),
        text(&alert.target_object),
        number(alert.event_id.map(u64::from)),
        text(&alert.channel),
        alert.source.path.clone(),
        number(alert.source.line),
        number(alert.source.record_id),
        number(alert.source.chunk),
        alert.source.format.to_owned(),
    ];
    let correlation = alert.correlation.as_ref();
    let group = correlation.map(|c| c.group_pairs("").join(";"));
    let row = row.into_iter().chain([
        correlation.map_or_else(String::new, |c| c.kind.to_owned()),
        group.unwrap_or_default(),
        correlation.map_or_else(String::new, |c| c.figure.to_string()),
        correlation.map_or_else(String::new, |c| c.window_start.clone()),
        correlation.map_or_else(String::new, |c| c.window_end.clone()),
        number(correlation.map(|c| c.evidence_total)),
        text(&alert.client.ip),
        number(alert.client.port.map(u64::from)),
        text(&alert.client.hostname),
    ]);
    let behaviour = alert.behaviour.as_ref();
    let row = row.chain([
        behaviour.map_or_else(String::new, |b| b.analytic.to_owned()),
        behaviour.map_or_else(String::new, |b| b.score.to_string()),
        number(behaviour.map(|b| b.evidence_total)),
    ]);
    write_row(out, row)
}

fn write_row<I>(out: &mut impl Write, row: I) -> io::Result<()>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut writer = ::csv::WriterBuilder::new()
        .has_headers(false)
        .buffer_capacity(1024)
        .from_writer(out);
    writer.write_record(row).map_err(csv_error)?;
    writer.flush()
}

fn csv_error(error: ::csv::Error) -> io::Error {
    match error.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_and_line_breaks_are_quoted() {
        let mut out = Vec::new();
        write_row(&mut out, ["plain", "a,b", "say \"hi\"", "two\nlines", ""]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n"
        );
    }

    #[test]
    fn header_is_stable() {
        let mut out = Vec::new();
        write_header(&mut out).unwrap();
        let header = String::from_utf8(out).unwrap();
        assert!(header.starts_with("timestamp,computer,user,level,branch,"));
        assert!(header.contains(",source_chunk,source_format,"));
        assert!(header.ends_with(
            ",correlation_evidence_total,client_ip,client_port,client_hostname,behaviour_analytic,behaviour_score,behaviour_evidence_total\n"
        ));
    }
}
