//! Alerts as an aligned table for people, printed row by row.
//!
//! A table that sizes its columns to their contents has to see every row
//! before printing the first, which would hold every alert of a scan in
//! memory. This one fixes its column widths up front, from the width of
//! the terminal (or [`DEFAULT_WIDTH`] when the table goes to a file or a
//! pipe), and cuts each value to its column with `…`: each row is
//! rendered on its own, so alerts stream out as they are found.
//!
//! Values come from logs, which an attacker can write to: control and
//! format characters (escape sequences that would drive the terminal,
//! line breaks that would fake a row, bidi overrides that would reorder
//! it) are shown escaped by [`terminal::escape`](super::terminal), never
//! printed raw.

use std::borrow::Cow;

use console::{Alignment, Style, measure_text_width, pad_str};

use super::Alert;
use super::terminal::push_escaped;

/// The width of a table that does not go to a terminal.
pub const DEFAULT_WIDTH: usize = 200;

/// Columns whose width is fixed: the longest value they hold.
const TIME_WIDTH: usize = 19;
const LEVEL_WIDTH: usize = 8;
/// `TunnelledRemoteAccess`, the longest branch name of the pack.
const BRANCH_WIDTH: usize = 21;
const GAP: &str = "  ";

/// The columns that share the rest of the width: name, share of it (in
/// percent), and the narrowest they get.
const FLEXIBLE: [(&str, usize, usize); 6] = [
    ("HOST", 13, 10),
    ("USER", 11, 8),
    ("RULE", 20, 16),
    ("PROCESS", 9, 8),
    ("COMMAND LINE", 31, 16),
    ("DESTINATION", 16, 12),
];

/// Column widths, fixed for the whole table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    host: usize,
    user: usize,
    rule: usize,
    process: usize,
    command: usize,
    destination: usize,
    /// Colour the level column (only on a terminal that wants colours).
    color: bool,
}

impl Layout {
    /// Widths for a table `total` characters wide. Below the sum of the
    /// narrowest widths the rows are wider than `total` (the terminal
    /// wraps them) rather than unreadably cut.
    pub fn for_width(total: usize, color: bool) -> Layout {
        let fixed = TIME_WIDTH + LEVEL_WIDTH + BRANCH_WIDTH + GAP.len() * 8;
        let rest = total.saturating_sub(fixed);
        let [host, user, rule, process, command, destination] =
            FLEXIBLE.map(|(_, share, least)| (rest * share / 100).max(least));
        Layout {
            host,
            user,
            rule,
            process,
            command,
            destination,
            color,
        }
    }

    /// The header and the rule under it.
    pub fn header(&self) -> String {
        let names = [
            ("TIME (UTC)", TIME_WIDTH),
            ("HOST", self.host),
            ("USER", self.user),
            ("BRANCH", BRANCH_WIDTH),
            ("LEVEL", LEVEL_WIDTH),
            ("RULE", self.rule),
            ("PROCESS", self.process),
            ("COMMAND LINE", self.command),
            ("DESTINATION", self.destination),
        ];
        let title = join(names.iter().map(|&(name, width)| cell(name, width)));
        let underline = join(names.iter().map(|&(_, width)| "─".repeat(width).into()));
        let title = if self.color {
            Style::new().bold().apply_to(title).to_string()
        } else {
            title
        };
        format!("{title}\n{underline}\n")
    }

    /// One alert as one line (with its line break).
    pub fn row(&self, alert: &Alert<'_>) -> String {
        let level = alert.level.map_or("-", short_level);
        let level_cell = cell(level, LEVEL_WIDTH);
        let level_cell = match (self.color, alert.level) {
            (true, Some("critical")) => Style::new().red().bold().apply_to(level_cell).to_string(),
            (true, Some("high")) => Style::new().red().apply_to(level_cell).to_string(),
            (true, Some("medium")) => Style::new().yellow().apply_to(level_cell).to_string(),
            _ => level_cell.into_owned(),
        };
        let process = alert.image.as_deref().map(file_name);
        let host = alert.computer.as_deref().or(alert.client.ip.as_deref());
        // A correlation alert has no one command line: its figure, window
        // and group say what happened.
        let details = alert
            .correlation
            .as_ref()
            .map(|c| c.summary())
            .or_else(|| alert.behaviour.as_ref().map(|b| b.summary()));
        let command = details.as_deref().or(alert.command_line.as_deref());
        let cells = [
            cell(&time(alert.timestamp.as_deref()), TIME_WIDTH),
            // A sensor's entry has no host: the client it saw is the one.
            cell(host.unwrap_or("-"), self.host),
            cell(alert.user.as_deref().unwrap_or("-"), self.user),
            cell(alert.branch.unwrap_or("-"), BRANCH_WIDTH),
            level_cell.into(),
            cell(alert.rule_title, self.rule),
            cell(process.unwrap_or("-"), self.process),
            cell(command.unwrap_or("-"), self.command),
            destination_cell(alert, self.destination),
        ];
        let mut line = join(cells.into_iter());
        line.truncate(line.trim_end().len());
        line.push('\n');
        line
    }
}

/// A short line for a table with no rows, so an empty result is visibly
/// an empty result.
pub const NO_ALERTS: &str = "(no alerts)\n";

fn join<'a>(cells: impl Iterator<Item = Cow<'a, str>>) -> String {
    cells.collect::<Vec<_>>().join(GAP)
}

/// `text` made safe for a terminal, padded or cut (with `…`) to `width`.
fn cell(text: &str, width: usize) -> Cow<'static, str> {
    let clean = printable(text);
    Cow::Owned(pad_str(&clean, width, Alignment::Left, Some("…")).into_owned())
}

/// What the event reached: the DNS name looked up (for a DNS event the
/// resolver it asked says little), the network destination, or the
/// registry key written — cut at its start, since the end of a key
/// (`…\PortProxy\v4tov4\tcp\0.0.0.0/8080`) says the most.
fn destination_cell(alert: &Alert<'_>, width: usize) -> Cow<'static, str> {
    if let Some(query) = &alert.query {
        return cell(query, width);
    }
    if let Some(label) = alert.destination.label() {
        return cell(&label, width);
    }
    let Some(key) = &alert.target_object else {
        return cell("-", width);
    };
    let key = printable(key);
    if measure_text_width(&key) <= width {
        return cell(&key, width);
    }
    let tail: String = key
        .chars()
        .rev()
        .take(width.saturating_sub(1))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    cell(&format!("…{tail}"), width)
}

/// Whitespace runs become one space; other control and format characters
/// are shown escaped (`\u{1b}`, `\u{202e}`), so a log cannot move the
/// cursor, add a line or reorder a row.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// `2024-05-01T10:20:14.884Z` → `2024-05-01 10:20:14` (the table says UTC
/// in its header); other spellings as they are.
fn time(timestamp: Option<&str>) -> String {
    let Some(t) = timestamp else {
        return "-".to_owned();
    };
    let b = t.as_bytes();
    if t.len() >= 19 && t.is_char_boundary(19) && b[10] == b'T' && t.ends_with('Z') {
        format!("{} {}", &t[..10], &t[11..19])
    } else {
        t.to_owned()
    }
}

fn short_level(level: &str) -> &str {
    if level == "informational" {
        "info"
    } else {
        level
    }
}

/// The file name of a Windows or Unix path.
fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{AlertSource, Client, Destination};

    fn alert() -> Alert<'static> {
        Alert {
            rule_id: Some("a541a3ba-716a-48e0-86d1-821241ca9c4a"),
            rule_title: "Remote, Dynamic or Tun-Device Forward Opened With an SSH Client",
            level: Some("high"),
            branch: Some("SshPortForwarding"),
            confidence: Some("high"),
            tags: &[],
            attack: vec!["T1572".to_owned()],
            timestamp: Some("2026-11-20T10:20:14.884016Z".to_owned()),
            computer: Some("SRV-FILE01.corp.example".to_owned()),
            event_id: Some(4688),
            channel: None,
            user: Some("CORP\\adm.jsmith".to_owned()),
            image: Some("C:\\ProgramData\\Updater\\plink.exe".to_owned()),
            command_line: Some(
                "plink.exe -batch -R 8080:127.0.0.1:80\n-pw hunter2 \u{1b}[2Jtunnel@198.51.100.23"
                    .to_owned(),
            ),
            parent_image: None,
            parent_command_line: None,
            client: Client::default(),
            destination: Destination::default(),
            query: None,
            target_object: Some(
                "HKLM\\System\\CurrentControlSet\\Services\\PortProxy\\v4tov4\\tcp\\0.0.0.0/8080"
                    .to_owned(),
            ),
            source: AlertSource {
                path: "x".to_owned(),
                line: Some(1),
                record_id: None,
                chunk: None,
                packet: None,
                byte_offset: None,
                format: "evtx-json",
            },
            event: None,
            original: None,
            correlation: None,
            behaviour: None,
        }
    }

    #[test]
    fn every_row_has_the_same_column_positions() {
        let layout = Layout::for_width(160, false);
        let header = layout.header();
        let row = layout.row(&alert());
        let title = header.lines().next().unwrap();
        let level_at = title[..title.find("LEVEL").unwrap()].chars().count();
        let level: String = row.chars().skip(level_at).take(4).collect();
        assert_eq!(level, "high", "{title}\n{row}");
        assert!(
            row.ends_with('\n') && row.matches('\n').count() == 1,
            "{row:?}"
        );
        assert!(measure_text_width(row.trim_end()) <= 160, "{row}");
    }

    #[test]
    fn control_characters_are_escaped_and_long_values_cut() {
        let row = Layout::for_width(400, false).row(&alert());
        assert!(!row.contains('\u{1b}'), "{row:?}");
        assert!(row.contains("\\u{1b}[2J"), "{row:?}");
        let narrow = Layout::for_width(100, false).row(&alert());
        assert!(narrow.contains("Remote, Dynamic…"), "{narrow}");
        // A registry key keeps its end.
        assert!(narrow.trim_end().ends_with("….0.0.0/8080"), "{narrow}");
    }

    #[test]
    fn times_lose_the_fraction_and_the_zone_letter() {
        assert_eq!(
            time(Some("2026-11-20T10:20:14.884016Z")),
            "2026-11-20 10:20:14"
        );
        assert_eq!(time(Some("yesterday")), "yesterday");
        assert_eq!(time(None), "-");
    }
}
