//! Which spellings of a request a rule sees, and the builder every dialect
//! fills its taxonomy fields with.
//!
//! A request target travels percent-encoded, and servers log it in
//! different states: Apache and nginx write the request line as it came
//! (`/a%20b.php?q=%27`), IIS writes `cs-uri-stem` decoded and
//! `cs-uri-query` raw. SigmaHQ's `webserver` rules are written against
//! both: `web_sql_injection_in_access_logs` lists `UNION%20SELECT` and
//! `UNION SELECT`, `web_path_traversal_exploitation_attempt` lists
//! `..%252f..%252f` (double-encoded, raw) and `../../../etc/` (decoded).
//! So the reader decodes **once** (as a server does before routing) and
//! keeps both spellings, the raw one first; a predicate holds when it
//! holds for either, and `cs-uri-query-raw` (any field plus `-raw`) asks
//! for the raw one alone. Decoding once means a double-encoded
//! `%252e` is seen as `%2e`, never as `.`: decoding until nothing changes
//! would match what no server executes.
//!
//! * `cs-uri-stem`: raw and percent-decoded (`%2F` in a path is decoded
//!   too: a rule sees the bytes the server mapped); IIS's stem is already
//!   decoded, so it is decoded no further, and its `+` (IIS writes a space
//!   as `+`) is also read as a space.
//! * `cs-uri-query`: the query as logged and decoded (`+` is a space in a
//!   query, form encoding), **and** the whole target, `stem?query`, raw and
//!   decoded. SigmaHQ writes paths into `cs-uri-query`
//!   (`cs-uri-query|contains: '/vpns/portal/scripts/'`, 105 of the
//!   predicates of its 86 `webserver` rules are on that field): the
//!   converters it was written for give that field the whole URI. A rule
//!   written for IIS's meaning (`cs-uri-query: 'proxy'`, the query alone)
//!   matches the first form; one written for the whole URI, the others.
//!   `cs-uri` holds the whole target alone.
//! * Request headers (`cs-user-agent`, `cs-referer`, `cs-cookie`,
//!   `cs-host`, any other as `cs-<name in lower case>`) and response
//!   headers (`sc-<name>`): as logged, and for IIS also with `+` read as a
//!   space (`Mozilla/5.0+(Windows+NT+10.0)`), since a literal `+` is kept
//!   as the raw form.
//!
//! Bytes that do not decode to UTF-8 become U+FFFD in the decoded form;
//! the raw form keeps the escapes. `-` (every text format's "nothing") and
//! an empty value leave a field out, so Sigma's `null` matches it
//! (SigmaHQ's reGeorg rule asks for `cs-user-agent: null`).

use std::sync::Arc;

use percent_encoding::percent_decode_str;

use super::event::Value;

/// What a log does to a request target before writing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spelling {
    /// Apache, nginx, Caddy: the target as the client sent it.
    AsSent,
    /// IIS: the stem decoded (spaces written as `+`), the query as sent.
    Iis,
}

/// Percent-decode once; `plus`: `+` is a space (query strings).
pub(crate) fn percent_decoded(raw: &str, plus: bool) -> String {
    let spaced;
    let text = if plus && raw.contains('+') {
        spaced = raw.replace('+', " ");
        spaced.as_str()
    } else {
        raw
    };
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Whether a text format's value means "nothing".
pub(crate) fn is_nothing(raw: &str) -> bool {
    raw.is_empty() || raw == "-"
}

/// The taxonomy fields of one entry, in the order they were set.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    list: Vec<(Arc<str>, Value)>,
}

impl Fields {
    pub(crate) fn into_vec(self) -> Vec<(Arc<str>, Value)> {
        self.list
    }

    #[cfg(test)]
    fn has(&self, name: &str) -> bool {
        self.list.iter().any(|(n, _)| n.as_ref() == name)
    }

    fn set(&mut self, name: &str, value: Value) {
        match self.list.iter_mut().find(|(n, _)| n.as_ref() == name) {
            Some((_, old)) => *old = value,
            None => self.list.push((Arc::from(name), value)),
        }
    }

    /// A text value, left out when it means nothing.
    pub(crate) fn text(&mut self, name: &str, raw: &str) {
        if !is_nothing(raw) {
            self.set(name, Value::Text(raw.to_owned()));
        }
    }

    /// A count; text that is not one is kept as text.
    pub(crate) fn count(&mut self, name: &str, raw: &str) {
        if is_nothing(raw) {
            return;
        }
        match raw.parse::<i64>() {
            Ok(n) => self.set(name, Value::Int(n)),
            Err(_) => self.set(name, Value::Text(raw.to_owned())),
        }
    }

    /// A duration given in seconds (nginx `$request_time`, Caddy
    /// `duration`), as `time-taken` in milliseconds, IIS's unit.
    pub(crate) fn seconds_as_time_taken(&mut self, raw: &str) {
        match raw.trim().parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 => {
                self.set("time-taken", Value::Int((s * 1000.0).round() as i64));
            }
            _ => self.text("time-taken", raw),
        }
    }

    /// A header: `cs-`/`sc-` and the lower-case name.
    pub(crate) fn header(&mut self, side: &str, header: &str, raw: &str, spelling: Spelling) {
        if is_nothing(raw) {
            return;
        }
        let name = format!("{side}-{}", header.to_ascii_lowercase().replace('_', "-"));
        let value = match spelling {
            Spelling::Iis => Value::forms(raw.to_owned(), [raw.replace('+', " ")]),
            Spelling::AsSent => Value::Text(raw.to_owned()),
        };
        self.set(&name, value);
    }

    /// `cs-uri-stem`, `cs-uri-query` and `cs-uri` from a target's two
    /// halves (see the module docs for the forms of each).
    pub(crate) fn target(&mut self, stem: &str, query: Option<&str>, spelling: Spelling) {
        let query = query.filter(|q| !is_nothing(q));
        let stem_forms = match spelling {
            Spelling::AsSent => vec![percent_decoded(stem, false)],
            Spelling::Iis => vec![stem.replace('+', " ")],
        };
        let decoded_stem = stem_forms[0].clone();
        if !is_nothing(stem) {
            self.set("cs-uri-stem", Value::forms(stem.to_owned(), stem_forms));
        }
        let whole = match query {
            Some(q) => format!("{stem}?{q}"),
            None => stem.to_owned(),
        };
        let whole_decoded = match query {
            Some(q) => format!("{decoded_stem}?{}", percent_decoded(q, true)),
            None => decoded_stem,
        };
        if is_nothing(&whole) {
            return;
        }
        let mut query_forms = Vec::new();
        if let Some(q) = query {
            query_forms.push(percent_decoded(q, true));
        }
        query_forms.extend([whole.clone(), whole_decoded.clone()]);
        let query_raw = query.map_or_else(|| whole.clone(), str::to_owned);
        self.set("cs-uri-query", Value::forms(query_raw, query_forms));
        self.set("cs-uri", Value::forms(whole, [whole_decoded]));
    }

    /// A request target as one string (`/a.php?x=1`), split at its first
    /// `?`.
    pub(crate) fn whole_target(&mut self, target: &str, spelling: Spelling) {
        match target.split_once('?') {
            Some((stem, query)) => self.target(stem, Some(query), spelling),
            None => self.target(target, None, spelling),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(value: Option<&Value>) -> Vec<String> {
        match value {
            Some(Value::Text(s)) => vec![s.clone()],
            Some(Value::Forms(f)) => f.clone(),
            Some(Value::Int(i)) => vec![i.to_string()],
            None => Vec::new(),
        }
    }

    fn get<'a>(fields: &'a Fields, name: &str) -> Option<&'a Value> {
        fields
            .list
            .iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v)
    }

    #[test]
    fn decodes_once_and_keeps_the_raw_spelling_first() {
        assert_eq!(percent_decoded("a%20b+c", false), "a b+c");
        assert_eq!(percent_decoded("a%20b+c", true), "a b c");
        assert_eq!(percent_decoded("..%252f", false), "..%2f");
        assert_eq!(percent_decoded("%zz%", false), "%zz%");
        assert_eq!(percent_decoded("%ff", false), "\u{fffd}");

        let mut fields = Fields::default();
        fields.whole_target("/a%20b.php?q=UNION%20SELECT+1", Spelling::AsSent);
        assert_eq!(
            forms(get(&fields, "cs-uri-stem")),
            ["/a%20b.php", "/a b.php"]
        );
        assert_eq!(
            forms(get(&fields, "cs-uri-query")),
            [
                "q=UNION%20SELECT+1",
                "q=UNION SELECT 1",
                "/a%20b.php?q=UNION%20SELECT+1",
                "/a b.php?q=UNION SELECT 1"
            ]
        );
        assert_eq!(
            forms(get(&fields, "cs-uri")),
            ["/a%20b.php?q=UNION%20SELECT+1", "/a b.php?q=UNION SELECT 1"]
        );
    }

    #[test]
    fn iis_stems_are_not_decoded_again_and_plus_is_a_space() {
        let mut fields = Fields::default();
        fields.target("/erp/conn.aspx", Some("proxy"), Spelling::Iis);
        assert_eq!(forms(get(&fields, "cs-uri-stem")), ["/erp/conn.aspx"]);
        assert_eq!(
            forms(get(&fields, "cs-uri-query")),
            ["proxy", "/erp/conn.aspx?proxy"]
        );
        let mut fields = Fields::default();
        fields.target("/a%41+b.aspx", None, Spelling::Iis);
        assert_eq!(
            forms(get(&fields, "cs-uri-stem")),
            ["/a%41+b.aspx", "/a%41 b.aspx"]
        );
        assert_eq!(
            forms(get(&fields, "cs-uri-query")),
            ["/a%41+b.aspx", "/a%41 b.aspx"]
        );
        fields.header("cs", "User-Agent", "Mozilla/5.0+(X11)", Spelling::Iis);
        assert_eq!(
            forms(get(&fields, "cs-user-agent")),
            ["Mozilla/5.0+(X11)", "Mozilla/5.0 (X11)"]
        );
    }

    #[test]
    fn nothing_is_left_out_and_counts_are_numbers() {
        let mut fields = Fields::default();
        fields.text("cs-username", "-");
        fields.header("cs", "Referer", "", Spelling::AsSent);
        fields.count("sc-status", "200");
        fields.count("sc-bytes", "12k");
        fields.seconds_as_time_taken("0.0125");
        assert!(!fields.has("cs-username") && !fields.has("cs-referer"));
        assert_eq!(get(&fields, "sc-status"), Some(&Value::Int(200)));
        assert_eq!(get(&fields, "sc-bytes"), Some(&Value::Text("12k".into())));
        assert_eq!(get(&fields, "time-taken"), Some(&Value::Int(13)));
    }
}
