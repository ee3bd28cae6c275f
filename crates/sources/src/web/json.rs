//! JSON access logs: nginx's `log_format … escape=json` and Caddy's
//! structured access log, one object per line.
//!
//! nginx has no fixed JSON shape: an administrator writes the object, and
//! names its keys. Almost everyone names them after the variables they
//! hold (`"remote_addr":"$remote_addr"`, `"request":"$request"`,
//! `"status":"$status"`, `"http_user_agent":"$http_user_agent"`), so
//! those names are what is read: `$remote_addr`, `$remote_port`,
//! `$remote_user`, `$request` (or `$request_method` with `$request_uri`,
//! or `$uri` with `$args`), `$status`, `$body_bytes_sent` / `$bytes_sent`,
//! `$request_length`, `$request_time`, `$server_name`, `$server_addr`,
//! `$server_port`, `$host`, and every `$http_NAME` / `$sent_http_NAME`
//! header variable (`$http_x_cmd` is `cs-x-cmd`); the time is
//! `$time_iso8601`, `$time_local` or `$msec`. Values are strings (nginx
//! quotes every variable) or numbers; an empty string or `-` is nothing.
//!
//! Caddy writes one shape (`logger: http.log.access…`): `request` holds
//! `remote_ip`, `remote_port`, `client_ip`, `method`, `host`, `uri`,
//! `proto` and `headers` (name → list of values), the response `status`,
//! `size`, `bytes_read`, `duration` (seconds), `resp_headers`, `user_id`,
//! and `ts` in epoch seconds. Caddy logs every request header, so headers
//! tunnels use (`X-CMD`, `X-OPERATION`) are visible there as `cs-x-cmd`.
//!
//! Every leaf also answers under its dotted name (`request.remote_ip`).

use serde_json::{Map, Value as Json};
use tunnelhunt_engine::FieldValue;

use super::decode::{Fields, Spelling};
use super::event::{Original, WebEvent};
use super::when;
use crate::error::ReadErrorKind;
use crate::json::duplicates::parse_merged;

/// Whether a JSON object is an access-log entry of either shape.
pub(crate) fn is_access_object(object: &Map<String, Json>) -> bool {
    is_caddy(object) || is_nginx(object)
}

fn is_caddy(object: &Map<String, Json>) -> bool {
    matches!(object.get("request"), Some(Json::Object(r)) if r.contains_key("method") && r.contains_key("uri"))
}

fn is_nginx(object: &Map<String, Json>) -> bool {
    let has = |key: &str| object.contains_key(key);
    has("status")
        && (has("request") || has("request_uri") || has("request_method"))
        && (has("remote_addr")
            || has("time_iso8601")
            || has("time_local")
            || has("msec")
            || has("http_user_agent"))
}

/// Parse one JSON line that starts at `line`.
pub(crate) fn entry(bytes: &[u8], line: u64) -> Result<WebEvent, ReadErrorKind> {
    let text = std::str::from_utf8(bytes).map_err(|e| ReadErrorKind::InvalidUtf8 {
        line,
        column: e.valid_up_to() as u64 + 1,
    })?;
    let (document, repeated) = parse_merged(serde_json::Deserializer::from_str(text))
        .map_err(|e| crate::json::values::json_error(&e, line, 1))?;
    let Json::Object(object) = &document else {
        return Err(ReadErrorKind::NotJson {
            snippet: text.chars().take(57).collect(),
        });
    };
    let (fields, timestamp) = if is_caddy(object) {
        caddy(object)
    } else if is_nginx(object) {
        nginx(object)
    } else {
        return Err(ReadErrorKind::WrongShape {
            shape: "web access log JSON (nginx or Caddy)",
            reason: "no request and status keys of either shape",
        });
    };
    let mut leaves = Vec::new();
    flatten("", &document, &mut leaves);
    Ok(WebEvent::new(
        fields.into_vec(),
        Original::Json { document, leaves },
        timestamp,
    )
    .with_duplicates(repeated))
}

/// A JSON value as the text a log line would hold; a list's first value
/// (a key given twice keeps both, see `json::duplicates`).
fn text(value: Option<&Json>) -> Option<String> {
    match value? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Array(items) => text(items.first()),
        Json::Null | Json::Object(_) => None,
    }
}

fn nginx(object: &Map<String, Json>) -> (Fields, Option<String>) {
    let get = |key: &str| text(object.get(key));
    let mut fields = Fields::default();
    for (name, key) in [
        ("c-ip", "remote_addr"),
        ("cs-username", "remote_user"),
        ("s-sitename", "server_name"),
        ("s-ip", "server_addr"),
        ("cs-version", "server_protocol"),
    ] {
        if let Some(v) = get(key) {
            fields.text(name, &v);
        }
    }
    for (name, key) in [
        ("c-port", "remote_port"),
        ("s-port", "server_port"),
        ("sc-status", "status"),
        ("cs-bytes", "request_length"),
        ("sc-bytes", "bytes_sent"),
        // Overrides `$bytes_sent` (which counts the headers) when given.
        ("sc-bytes", "body_bytes_sent"),
    ] {
        if let Some(v) = get(key) {
            fields.count(name, &v);
        }
    }
    if let Some(host) = get("host") {
        fields.header("cs", "host", &host, Spelling::AsSent);
    }
    let request = get("request").unwrap_or_default();
    let mut parts = request.split(' ');
    let (line_method, line_target, line_version) = (parts.next(), parts.next(), parts.next());
    let method = get("request_method").or(line_method.map(str::to_owned));
    if let Some(method) = method {
        fields.text("cs-method", &method);
    }
    if let Some(version) = line_version {
        fields.text("cs-version", version);
    }
    match (get("request_uri"), line_target, get("uri")) {
        (Some(target), _, _) => fields.whole_target(&target, Spelling::AsSent),
        (None, Some(target), _) => fields.whole_target(target, Spelling::AsSent),
        (None, None, Some(uri)) => {
            let args = get("args").or_else(|| get("query_string"));
            fields.target(&uri, args.as_deref(), Spelling::AsSent);
        }
        _ => {}
    }
    if let Some(seconds) = get("request_time") {
        fields.seconds_as_time_taken(&seconds);
    }
    for (key, value) in object {
        let Some(v) = text(Some(value)) else { continue };
        if let Some(header) = key.strip_prefix("sent_http_") {
            fields.header("sc", header, &v, Spelling::AsSent);
        } else if let Some(header) = key.strip_prefix("http_") {
            fields.header("cs", header, &v, Spelling::AsSent);
        }
    }
    let timestamp = get("time_iso8601")
        .and_then(|t| when::iso(&t))
        .or_else(|| get("time_local").and_then(|t| when::clf(&t)))
        .or_else(|| {
            get("msec")
                .and_then(|t| t.parse().ok())
                .and_then(when::epoch)
        })
        .or_else(|| get("@timestamp").and_then(|t| when::iso(&t)))
        .or_else(|| get("timestamp").and_then(|t| when::iso(&t)));
    (fields, timestamp)
}

fn caddy(object: &Map<String, Json>) -> (Fields, Option<String>) {
    let empty = Map::new();
    let request = match object.get("request") {
        Some(Json::Object(r)) => r,
        _ => &empty,
    };
    let req = |key: &str| text(request.get(key));
    let top = |key: &str| text(object.get(key));
    let mut fields = Fields::default();
    if let Some(ip) = req("client_ip").or_else(|| req("remote_ip")) {
        fields.text("c-ip", &ip);
    }
    if let Some(port) = req("remote_port") {
        fields.count("c-port", &port);
    }
    if let Some(method) = req("method") {
        fields.text("cs-method", &method);
    }
    if let Some(uri) = req("uri") {
        fields.whole_target(&uri, Spelling::AsSent);
    }
    if let Some(proto) = req("proto") {
        fields.text("cs-version", &proto);
    }
    if let Some(host) = req("host") {
        fields.header("cs", "host", &host, Spelling::AsSent);
    }
    if let Some(Json::Object(tls)) = request.get("tls")
        && let Some(name) = text(tls.get("server_name"))
    {
        fields.text("s-sitename", &name);
    }
    if let Some(user) = top("user_id") {
        fields.text("cs-username", &user);
    }
    if let Some(status) = top("status") {
        fields.count("sc-status", &status);
    }
    if let Some(size) = top("size") {
        fields.count("sc-bytes", &size);
    }
    if let Some(read) = top("bytes_read") {
        fields.count("cs-bytes", &read);
    }
    if let Some(duration) = top("duration") {
        fields.seconds_as_time_taken(&duration);
    }
    for (side, headers) in [
        ("cs", request.get("headers")),
        ("sc", object.get("resp_headers")),
    ] {
        let Some(Json::Object(headers)) = headers else {
            continue;
        };
        for (name, values) in headers {
            if let Some(v) = text(Some(values)) {
                fields.header(side, name, &v, Spelling::AsSent);
            }
        }
    }
    let timestamp = match object.get("ts") {
        Some(Json::Number(n)) => n.as_f64().and_then(when::epoch),
        Some(Json::String(s)) => when::iso(s).or_else(|| s.parse().ok().and_then(when::epoch)),
        _ => None,
    };
    (fields, timestamp)
}

/// Every leaf under its dotted name; an array's elements each under the
/// array's name.
fn flatten(prefix: &str, value: &Json, out: &mut Vec<(String, FieldValue<'static>)>) {
    match value {
        Json::Object(map) => {
            for (key, inner) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, inner, out);
            }
        }
        Json::Array(items) => items.iter().for_each(|item| flatten(prefix, item, out)),
        Json::Null => out.push((prefix.to_owned(), FieldValue::Null)),
        leaf => out.push((
            prefix.to_owned(),
            crate::json::values::to_field(leaf).into_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use tunnelhunt_engine::{Event, Lookup};

    use super::*;

    fn text_of(event: &WebEvent, name: &str) -> Vec<String> {
        crate::web::texts_of(event, name)
    }

    #[test]
    fn reads_nginx_escape_json() {
        let line = br#"{"time_iso8601":"2024-05-01T12:00:00+02:00","remote_addr":"198.51.100.7","remote_user":"","request":"POST /upload/tunnel.php?cmd=read HTTP/1.1","status":"200","body_bytes_sent":"0","request_time":"0.004","http_referer":"","http_user_agent":"python-urllib3/1.26.5","http_x_cmd":"READ"}"#;
        let event = entry(line, 3).unwrap();
        assert_eq!(text_of(&event, "cs-method"), ["POST"]);
        assert_eq!(text_of(&event, "cs-uri-stem"), ["/upload/tunnel.php"]);
        assert_eq!(text_of(&event, "cs-uri-query")[0], "cmd=read");
        assert_eq!(event.field("sc-status"), Lookup::One(FieldValue::Int(200)));
        assert_eq!(event.field("time-taken"), Lookup::One(FieldValue::Int(4)));
        assert_eq!(text_of(&event, "cs-x-cmd"), ["READ"]);
        assert!(event.field("cs-referer").is_absent());
        assert!(event.field("cs-username").is_absent());
        assert_eq!(text_of(&event, "remote_addr"), ["198.51.100.7"]);
        assert_eq!(event.timestamp(), Some("2024-05-01T10:00:00.000Z"));
    }

    #[test]
    fn reads_caddy() {
        let line = br#"{"level":"info","ts":1714564800.5,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"203.0.113.4","proto":"HTTP/1.1","method":"POST","host":"app.example","uri":"/agent.php","headers":{"User-Agent":["Mozilla/5.0"],"X-Operation":["CONNECT"],"X-Ip":["10.0.0.9"]}},"bytes_read":12,"user_id":"","duration":0.25,"size":0,"status":200,"resp_headers":{"X-Status":["OK"]}}"#;
        let event = entry(line, 1).unwrap();
        assert_eq!(text_of(&event, "c-ip"), ["203.0.113.4"]);
        assert_eq!(text_of(&event, "cs-x-operation"), ["CONNECT"]);
        assert_eq!(text_of(&event, "sc-x-status"), ["OK"]);
        assert_eq!(text_of(&event, "cs-host"), ["app.example"]);
        assert_eq!(event.field("time-taken"), Lookup::One(FieldValue::Int(250)));
        assert_eq!(event.field("cs-bytes"), Lookup::One(FieldValue::Int(12)));
        assert_eq!(text_of(&event, "request.headers.X-Ip"), ["10.0.0.9"]);
        assert_eq!(event.timestamp(), Some("2024-05-01T12:00:00.500Z"));
    }

    #[test]
    fn other_json_is_an_error_with_its_place() {
        assert!(matches!(
            entry(br#"{"status":200}"#, 1),
            Err(ReadErrorKind::WrongShape { .. })
        ));
        assert!(matches!(
            entry(br#"{"status":"#, 9),
            Err(ReadErrorKind::Json { line: 9, .. })
        ));
        assert!(matches!(
            entry(b"[1]", 1),
            Err(ReadErrorKind::NotJson { .. })
        ));
        assert!(matches!(
            entry(b"{\"a\":\"\xff\"}", 1),
            Err(ReadErrorKind::InvalidUtf8 { .. })
        ));
    }
}
