//! The Sigma fields that are not one Defender column renamed.
//!
//! Each function is one rule of the translation, named in the mapping
//! tables ([`super::mapping::Derive`]) and tested on its own. Sigma rules
//! are written against Sysmon's spelling, so that is what these produce:
//!
//! * an image is a full path, while Defender's `FolderPath` is documented as
//!   the *folder* holding the file (and in practice often already holds the
//!   full path): [`image_path`] joins `FileName` only when it is missing;
//! * a user is `DOMAIN\name` ([`account`]);
//! * a registry object is `key\value` with the hive abbreviated and
//!   `ControlSet001` shown as `CurrentControlSet` ([`registry_target`]),
//!   where Defender writes `HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\…` and
//!   keeps the value name in a column of its own;
//! * a DNS query name sits inside the `AdditionalFields` JSON of
//!   DeviceEvents ([`additional_field`]), which arrives as a JSON string
//!   (CSV exports, most JSON exports) or as an object (Streaming API);
//! * a destination host is a host name, while `RemoteUrl` may hold a URL
//!   ([`url_host`]).

use serde_json::Value;

/// Hive names as Defender (and the registry API) spell them, and as Sysmon
/// writes them. `HKEY_CURRENT_USER` is followed by the user's SID in
/// Defender's paths, which is what Sysmon writes under `HKU`.
pub const HIVES: &[(&str, &str)] = &[
    ("HKEY_LOCAL_MACHINE", "HKLM"),
    ("HKEY_CURRENT_USER", "HKU"),
    ("HKEY_USERS", "HKU"),
    ("HKEY_CLASSES_ROOT", "HKCR"),
];

/// The control set Sysmon shows as `CurrentControlSet`. `CurrentControlSet`
/// is a link to the set named by `HKLM\SYSTEM\Select\Current`, which is
/// `ControlSet001` on practically every system; writes to other sets (the
/// last-known-good copy) keep their own name.
pub const CURRENT_CONTROL_SET: (&str, &str) = ("ControlSet001", "CurrentControlSet");

/// The full path of an image from a folder column and a file-name column.
///
/// `None` without a folder: a bare file name is not an image path, and a
/// rule on `Image|endswith` must not be led to think it is one.
pub fn image_path(folder: Option<&str>, file: Option<&str>) -> Option<String> {
    let folder = folder.filter(|f| !f.is_empty())?;
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return Some(folder.to_owned());
    };
    if ends_with_component(folder, file) {
        return Some(folder.to_owned());
    }
    let sep = if folder.contains('\\') || !folder.contains('/') {
        '\\'
    } else {
        '/'
    };
    let mut out = String::with_capacity(folder.len() + 1 + file.len());
    out.push_str(folder.trim_end_matches(['\\', '/']));
    out.push(sep);
    out.push_str(file);
    Some(out)
}

/// Whether `path`'s last component is `name` (ASCII case-insensitive, as
/// Windows compares file names).
fn ends_with_component(path: &str, name: &str) -> bool {
    let (p, n) = (path.as_bytes(), name.as_bytes());
    p.len() > n.len()
        && matches!(p[p.len() - n.len() - 1], b'\\' | b'/')
        && p[p.len() - n.len()..].eq_ignore_ascii_case(n)
}

/// `domain\name`, or `name` when there is no domain; `None` without a name
/// (the spelling every source shares, [`crate::mapping::qualified_name`]).
pub fn account(domain: Option<&str>, name: Option<&str>) -> Option<String> {
    crate::mapping::qualified_name(domain, name, "\\")
}

/// A registry key spelled as Sysmon spells it: the hive abbreviated
/// ([`HIVES`]) and, under `HKLM\SYSTEM`, `ControlSet001` shown as
/// `CurrentControlSet`. Keys already spelled that way are unchanged.
pub fn sysmon_registry_key(key: &str) -> String {
    let (hive, rest) = match key.split_once('\\') {
        Some((hive, rest)) => (hive, Some(rest)),
        None => (key, None),
    };
    let hive = HIVES
        .iter()
        .find(|(long, _)| long.eq_ignore_ascii_case(hive))
        .map_or(hive, |(_, short)| short);
    let mut out = String::with_capacity(key.len());
    out.push_str(hive);
    let Some(rest) = rest else {
        return out;
    };
    out.push('\\');
    let (from, to) = CURRENT_CONTROL_SET;
    let control_set = hive.eq_ignore_ascii_case("HKLM")
        && rest.len() > 7
        && rest[..7].eq_ignore_ascii_case("SYSTEM\\")
        && rest[7..].len() >= from.len()
        && rest[7..7 + from.len()].eq_ignore_ascii_case(from)
        && matches!(rest.as_bytes().get(7 + from.len()), None | Some(b'\\'));
    if control_set {
        out.push_str(&rest[..7]);
        out.push_str(to);
        out.push_str(&rest[7 + from.len()..]);
    } else {
        out.push_str(rest);
    }
    out
}

/// Sysmon's `TargetObject`: the key ([`sysmon_registry_key`]) and, for a
/// value, `\` and the value name. `None` without a key.
pub fn registry_target(key: Option<&str>, value_name: Option<&str>) -> Option<String> {
    let mut out = sysmon_registry_key(key.filter(|k| !k.is_empty())?);
    if let Some(name) = value_name.filter(|n| !n.is_empty()) {
        out.push('\\');
        out.push_str(name);
    }
    Some(out)
}

/// A field of an `AdditionalFields` column, whether the column holds an
/// object or the JSON text of one. Strings and numbers come back as text.
pub fn additional_field(additional: Option<&Value>, name: &str) -> Option<String> {
    let parsed;
    let object = match additional? {
        Value::Object(map) => map,
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).ok()?;
            parsed.as_object()?
        }
        _ => return None,
    };
    match object.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The host part of a URL (`https://dns.google/dns-query` → `dns.google`);
/// a value without a scheme is taken to be a host name already and kept.
pub fn url_host(url: Option<&str>) -> Option<String> {
    let url = url.filter(|u| !u.is_empty())?;
    let Some((_, rest)) = url.split_once("://") else {
        return Some(url.to_owned());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or(bracketed)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    (!host.is_empty()).then(|| host.to_owned())
}

/// A timestamp as the Defender portal writes it in CSV exports,
/// `M/D/YYYY, h:mm:ss[.fff] AM|PM` (UTC), as RFC 3339. `None` when the
/// text is not in that form.
pub fn portal_timestamp(text: &str) -> Option<String> {
    let (date, time) = text.trim().split_once(", ")?;
    let mut date_parts = date.split('/');
    let (month, day, year) = (date_parts.next()?, date_parts.next()?, date_parts.next()?);
    let (clock, meridiem) = time.split_once(' ')?;
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (clock, None),
    };
    let mut hms_parts = hms.split(':');
    let (hour, minute, second) = (hms_parts.next()?, hms_parts.next()?, hms_parts.next()?);
    let number = |s: &str, max: u32| s.parse::<u32>().ok().filter(|n| *n <= max);
    let (month, day, year) = (number(month, 12)?, number(day, 31)?, number(year, 9999)?);
    let (mut hour, minute, second) = (number(hour, 12)?, number(minute, 59)?, number(second, 60)?);
    match meridiem {
        "AM" if hour == 12 => hour = 0,
        "AM" => {}
        "PM" if hour < 12 => hour += 12,
        "PM" => {}
        _ => return None,
    }
    if date_parts.next().is_some() || hms_parts.next().is_some() || month == 0 || day == 0 {
        return None;
    }
    let fraction = match fraction {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => format!(".{f}"),
        Some(_) => return None,
        None => String::new(),
    };
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}Z"
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn image_path_joins_only_a_folder() {
        let p = |f: Option<&str>, n: Option<&str>| image_path(f, n);
        assert_eq!(
            p(Some("C:\\Tools"), Some("plink.exe")).as_deref(),
            Some("C:\\Tools\\plink.exe")
        );
        assert_eq!(
            p(Some("C:\\Tools\\"), Some("plink.exe")).as_deref(),
            Some("C:\\Tools\\plink.exe")
        );
        assert_eq!(
            p(Some("c:\\tools\\PLINK.EXE"), Some("plink.exe")).as_deref(),
            Some("c:\\tools\\PLINK.EXE")
        );
        // A folder that merely ends with the same letters is still a folder.
        assert_eq!(
            p(Some("C:\\xplink.exe"), Some("plink.exe")).as_deref(),
            Some("C:\\xplink.exe\\plink.exe")
        );
        assert_eq!(
            p(Some("/usr/bin"), Some("ssh")).as_deref(),
            Some("/usr/bin/ssh")
        );
        assert_eq!(
            p(Some("/usr/bin/ssh"), Some("ssh")).as_deref(),
            Some("/usr/bin/ssh")
        );
        assert_eq!(p(Some("C:\\x"), None).as_deref(), Some("C:\\x"));
        assert_eq!(p(Some(""), Some("plink.exe")), None);
        assert_eq!(p(None, Some("plink.exe")), None);
    }

    #[test]
    fn accounts() {
        assert_eq!(
            account(Some("corp"), Some("alice")).as_deref(),
            Some("corp\\alice")
        );
        assert_eq!(account(Some(""), Some("root")).as_deref(), Some("root"));
        assert_eq!(account(Some("corp"), Some("")), None);
    }

    #[test]
    fn registry_paths_in_sysmon_spelling() {
        let t = |k: &str, v: Option<&str>| registry_target(Some(k), v).unwrap();
        assert_eq!(
            t(
                "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\PortProxy\\v4tov4\\tcp",
                Some("0.0.0.0/8080")
            ),
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\PortProxy\\v4tov4\\tcp\\0.0.0.0/8080"
        );
        assert_eq!(
            t(
                "HKEY_CURRENT_USER\\S-1-5-21-1-2-3-1104\\SOFTWARE\\SimonTatham\\PuTTY",
                None
            ),
            "HKU\\S-1-5-21-1-2-3-1104\\SOFTWARE\\SimonTatham\\PuTTY"
        );
        assert_eq!(t("HKEY_CLASSES_ROOT\\.ps1", Some("")), "HKCR\\.ps1");
        assert_eq!(t("HKEY_LOCAL_MACHINE", None), "HKLM");
        // Other control sets and look-alikes keep their names.
        assert_eq!(
            t("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services", None),
            "HKLM\\SYSTEM\\ControlSet002\\Services"
        );
        assert_eq!(
            t("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet0011", None),
            "HKLM\\SYSTEM\\ControlSet0011"
        );
        assert_eq!(
            t("HKEY_LOCAL_MACHINE\\SOFTWARE\\ControlSet001", None),
            "HKLM\\SOFTWARE\\ControlSet001"
        );
        // Already Sysmon-spelled.
        assert_eq!(
            t("HKLM\\System\\CurrentControlSet\\Services", Some("x")),
            "HKLM\\System\\CurrentControlSet\\Services\\x"
        );
        assert_eq!(registry_target(Some(""), Some("x")), None);
    }

    #[test]
    fn additional_fields_as_text_or_object() {
        let text = json!("{\"DnsQueryString\":\"x.tunnel.example\",\"DnsQueryType\":16}");
        assert_eq!(
            additional_field(Some(&text), "DnsQueryString").as_deref(),
            Some("x.tunnel.example")
        );
        assert_eq!(
            additional_field(Some(&text), "DnsQueryType").as_deref(),
            Some("16")
        );
        let object = json!({"DnsQueryString": "a.example"});
        assert_eq!(
            additional_field(Some(&object), "DnsQueryString").as_deref(),
            Some("a.example")
        );
        assert_eq!(
            additional_field(Some(&json!("not json")), "DnsQueryString"),
            None
        );
        assert_eq!(additional_field(None, "DnsQueryString"), None);
    }

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host(Some("https://dns.google/dns-query")).as_deref(),
            Some("dns.google")
        );
        assert_eq!(
            url_host(Some("https://u:p@cloudflare-dns.com:443/x?y")).as_deref(),
            Some("cloudflare-dns.com")
        );
        assert_eq!(
            url_host(Some("http://[2001:db8::1]:8080/")).as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            url_host(Some("relay.example.net")).as_deref(),
            Some("relay.example.net")
        );
        assert_eq!(url_host(Some("")), None);
    }

    #[test]
    fn portal_timestamps() {
        assert_eq!(
            portal_timestamp("5/2/2024, 9:14:03.512 AM").as_deref(),
            Some("2024-05-02T09:14:03.512Z")
        );
        assert_eq!(
            portal_timestamp("12/31/2023, 12:00:00 AM").as_deref(),
            Some("2023-12-31T00:00:00Z")
        );
        assert_eq!(
            portal_timestamp("1/1/2024, 12:30:01 PM").as_deref(),
            Some("2024-01-01T12:30:01Z")
        );
        assert_eq!(portal_timestamp("2024-05-02T09:14:03Z"), None);
        assert_eq!(portal_timestamp("13/1/2024, 1:00:00 PM"), None);
        assert_eq!(portal_timestamp("1/1/2024, 1:00:00 XM"), None);
    }
}
