//! The W3C extended log format, as IIS writes it (`u_ex*.log`).
//!
//! ```text
//! #Software: Microsoft Internet Information Services 10.0
//! #Version: 1.0
//! #Date: 2019-09-03 10:04:35
//! #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
//! 2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx proxy&port=3389&ip=127.0.0.1 80 - 10.0.2.17 - - 200 0 0 7
//! ```
//!
//! The `#Fields:` directive names the columns, in any order and any subset
//! an administrator chose; a file holds one header block per start of the
//! logging service (or per change of the field set), so a directive
//! replaces the columns in force from the next line on. Values are
//! separated by one space; IIS writes a space inside a value as `+` and
//! an empty value as `-`. Other `#` lines (`#Software`, `#Version`,
//! `#Date`, `#Remark`, or a comment someone added) say nothing about the
//! entries and are skipped.
//!
//! Column names become taxonomy names as they are, except headers:
//! `cs(User-Agent)` is `cs-user-agent`, `sc(X-Status)` `sc-x-status`
//! (the spelling SigmaHQ uses for `cs-user-agent`, `cs-referer`,
//! `cs-cookie`, extended to any header); the original name still answers.

use std::sync::Arc;

use super::WebError;
use super::decode::{Fields, Spelling, is_nothing};
use super::event::{Original, WebEvent};
use super::when;

/// Columns that hold counts.
const COUNTS: &[&str] = &[
    "s-port",
    "c-port",
    "sc-status",
    "sc-substatus",
    "sc-win32-status",
    "sc-bytes",
    "cs-bytes",
    "time-taken",
];

/// The `#Fields:` directive in force.
#[derive(Debug, Clone, Default)]
pub(crate) struct Header {
    columns: Option<Arc<[Arc<str>]>>,
}

impl Header {
    /// Whether a `#Fields:` directive has been read.
    pub(crate) fn has_fields(&self) -> bool {
        self.columns.is_some()
    }

    /// Apply one `#` line: `#Fields:` sets the columns, anything else is
    /// a remark.
    pub(crate) fn directive(&mut self, line: &str) -> Result<(), WebError> {
        let Some(names) = line.strip_prefix("#Fields:") else {
            return Ok(());
        };
        let columns: Vec<Arc<str>> = names.split_ascii_whitespace().map(Arc::from).collect();
        if columns.is_empty() {
            return Err(WebError::EmptyFields);
        }
        self.columns = Some(columns.into());
        Ok(())
    }

    /// One entry under the columns in force.
    pub(crate) fn entry(&self, line: &str) -> Result<WebEvent, WebError> {
        let columns = self.columns.as_ref().ok_or(WebError::NoFields)?;
        let values: Vec<&str> = line.split(' ').collect();
        if values.len() != columns.len() {
            return Err(WebError::FieldCount {
                expected: columns.len(),
                found: values.len(),
            });
        }
        let mut fields = Fields::default();
        let (mut stem, mut query, mut date, mut time) = (None, None, None, None);
        for (name, &value) in columns.iter().zip(&values) {
            match name.as_ref() {
                "cs-uri-stem" => stem = Some(value),
                "cs-uri-query" => query = Some(value),
                "date" => date = Some(value),
                "time" => time = Some(value),
                _ => {}
            }
            if let Some((side, header)) = header_column(name) {
                fields.header(side, header, value, Spelling::Iis);
            } else if COUNTS.contains(&name.as_ref()) {
                fields.count(name, value);
            } else if !matches!(name.as_ref(), "cs-uri-stem" | "cs-uri-query") {
                fields.text(name, value);
            }
        }
        match (stem, query) {
            (Some(stem), query) => fields.target(stem, query, Spelling::Iis),
            (None, Some(query)) if !is_nothing(query) => {
                fields.text("cs-uri-query", query);
            }
            _ => {}
        }
        let timestamp = match (date, time) {
            (Some(d), Some(t)) => when::iis(d, t),
            _ => None,
        };
        let original = columns
            .iter()
            .zip(values)
            .map(|(name, value)| (Arc::clone(name), value.to_owned()))
            .collect();
        Ok(WebEvent::new(
            fields.into_vec(),
            Original::Columns(original),
            timestamp,
        ))
    }
}

/// `cs(User-Agent)` → (`cs`, `User-Agent`).
fn header_column(name: &str) -> Option<(&str, &str)> {
    let (side, rest) = name.split_once('(')?;
    let header = rest.strip_suffix(')')?;
    matches!(side, "cs" | "sc" | "s" | "c" | "sr" | "rs").then_some((side, header))
}

#[cfg(test)]
mod tests {
    use tunnelhunt_engine::{Event, FieldValue, Lookup};

    use super::*;

    const FIELDS: &str = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port \
                          cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus \
                          sc-win32-status time-taken";

    fn text(event: &WebEvent, name: &str) -> Vec<String> {
        crate::web::texts_of(event, name)
    }

    #[test]
    fn reads_the_tunna_entry() {
        let mut header = Header::default();
        header.directive(FIELDS).unwrap();
        let event = header
            .entry(
                "2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx proxy&port=3389&ip=127.0.0.1 80 - \
                 10.0.2.17 - - 200 0 0 7",
            )
            .unwrap();
        assert_eq!(text(&event, "cs-method"), ["GET"]);
        assert_eq!(text(&event, "cs-uri-stem"), ["/erp/conn.aspx"]);
        assert_eq!(
            text(&event, "cs-uri-query"),
            [
                "proxy&port=3389&ip=127.0.0.1",
                "/erp/conn.aspx?proxy&port=3389&ip=127.0.0.1"
            ]
        );
        assert_eq!(event.field("sc-status"), Lookup::One(FieldValue::Int(200)));
        assert_eq!(event.field("time-taken"), Lookup::One(FieldValue::Int(7)));
        assert!(event.field("cs-user-agent").is_absent());
        assert!(event.field("cs-username").is_absent());
        assert_eq!(text(&event, "c-ip"), ["10.0.2.17"]);
        assert_eq!(event.timestamp(), Some("2019-09-03T10:13:36.000Z"));
        assert!(event.field("cs(User-Agent)").is_absent());
        assert_eq!(text(&event, "s-ip"), ["10.0.2.15"]);
    }

    #[test]
    fn any_order_and_headers_with_plus_for_space() {
        let mut header = Header::default();
        header
            .directive("#Fields: cs(User-Agent) c-ip cs-uri-stem time date sc(X-Status)")
            .unwrap();
        let event = header
            .entry("python-requests/2.31+(x) 1.2.3.4 /t.ashx 00:00:01 2024-01-01 OK")
            .unwrap();
        assert_eq!(
            text(&event, "cs-user-agent"),
            ["python-requests/2.31+(x)", "python-requests/2.31 (x)"]
        );
        assert_eq!(text(&event, "sc-x-status"), ["OK"]);
        assert_eq!(text(&event, "cs-uri-query"), ["/t.ashx"]);
        assert_eq!(event.timestamp(), Some("2024-01-01T00:00:01.000Z"));
    }

    #[test]
    fn entries_without_or_against_their_fields_are_errors() {
        let mut header = Header::default();
        assert!(matches!(header.entry("a b"), Err(WebError::NoFields)));
        assert!(matches!(
            header.directive("#Fields:   "),
            Err(WebError::EmptyFields)
        ));
        header.directive("#Fields: date time").unwrap();
        assert!(matches!(
            header.entry("2024-01-01 00:00:00 extra"),
            Err(WebError::FieldCount {
                expected: 2,
                found: 3
            })
        ));
        header.directive("#Remark: anything").unwrap();
        assert!(header.entry("2024-01-01 00:00:00").is_ok());
    }
}
