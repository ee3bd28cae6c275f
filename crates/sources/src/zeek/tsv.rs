//! Zeek's TSV ("ASCII") log format.
//!
//! A file is one or more header blocks, each followed by its entries
//! (tabs shown as `→`):
//!
//! ```text
//! #separator \x09
//! #set_separator→,
//! #empty_field→(empty)
//! #unset_field→-
//! #path→dns
//! #open→2024-01-02-03-04-05
//! #fields→ts→uid→id.orig_h→…→query→…→answers→TTLs
//! #types→time→string→addr→…→string→…→vector[string]→vector[interval]
//! 1704164645.123456→CAbc…→10.0.0.5→…→example.com→…→93.184.216.34→3600.000000
//! #close→2024-01-02-04-00-00
//! ```
//!
//! `#separator` starts a block (concatenated or rotated logs repeat the
//! whole header); its value is written with `\x` escapes, the other
//! directives are separated by the separator itself. In values, `-` (the
//! `#unset_field`) means the field is not set, `(empty)` (`#empty_field`)
//! an empty set, vector or string, and set and vector elements are joined
//! with the `#set_separator`. Bytes that would be ambiguous (the
//! separators) or unprintable are written as `\xHH`.
//!
//! Why not the `csv` crate: it would split the columns, but everything
//! else is Zeek's own: the separators are declared in the file and change
//! with each header block, the `#` lines carry the schema (csv's comment
//! option throws them away), and the `\xHH` escapes and the
//! unset/empty/set conventions need handling per column anyway. Splitting
//! a byte line with `memchr` is a few lines and keeps the line numbers
//! exact.
//!
//! Escapes are decoded, except where the decoded byte could not be shown
//! faithfully as text: a byte that is not part of valid UTF-8, or an ASCII
//! control character other than tab, CR and LF, stays written as `\xHH`.
//! That is also how Zeek's JSON writer spells such bytes, so a rule sees
//! the same text in either format (SigmaHQ's `zeek_dns_susp_zbit_flag`
//! matches `answers|endswith: '\\x00'`, the escaped spelling).

use std::sync::Arc;

use super::event::{Log, Value, ZeekEvent};
use crate::error::ReadErrorKind;

/// The scalar type of a column (a container's element type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    Text,
    Int,
    Count,
    Real,
    Bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Type {
    scalar: Scalar,
    /// `set[…]` or `vector[…]`.
    container: bool,
}

const TEXT: Type = Type {
    scalar: Scalar::Text,
    container: false,
};

impl Type {
    fn parse(name: &[u8]) -> Type {
        let (inner, container) = match name
            .strip_prefix(b"set[")
            .or_else(|| name.strip_prefix(b"vector["))
            .and_then(|rest| rest.strip_suffix(b"]"))
        {
            Some(inner) => (inner, true),
            None => (name, false),
        };
        let scalar = match inner {
            b"int" => Scalar::Int,
            b"count" | b"port" => Scalar::Count,
            b"double" | b"time" | b"interval" => Scalar::Real,
            b"bool" => Scalar::Bool,
            _ => Scalar::Text,
        };
        Type { scalar, container }
    }
}

/// The header block in force: separators, markers and columns.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    separator: Vec<u8>,
    set_separator: Vec<u8>,
    empty: Vec<u8>,
    unset: Vec<u8>,
    log: Log,
    path_given: bool,
    columns: Option<Arc<[Arc<str>]>>,
    types: Vec<Type>,
}

impl Default for Header {
    fn default() -> Self {
        Header::with_separator(b"\t".to_vec())
    }
}

impl Header {
    fn with_separator(separator: Vec<u8>) -> Header {
        Header {
            separator,
            set_separator: b",".to_vec(),
            empty: b"(empty)".to_vec(),
            unset: b"-".to_vec(),
            log: Log::Unknown,
            path_given: false,
            columns: None,
            types: Vec::new(),
        }
    }

    /// Whether a `#fields` line is in force.
    pub(crate) fn has_fields(&self) -> bool {
        self.columns.is_some()
    }

    /// Apply one `#…` line. Unknown directives (`#open`, `#close`, comments)
    /// are ignored. The error says what is wrong with the directive.
    pub(crate) fn directive(&mut self, line: &[u8]) -> Result<(), String> {
        if let Some(value) = line.strip_prefix(b"#separator") {
            let value = value.strip_prefix(b" ").unwrap_or(value);
            let separator = decode(value);
            if separator.is_empty() {
                return Err("`#separator` has no value".to_owned());
            }
            *self = Header::with_separator(separator);
            return Ok(());
        }
        let mut parts = split(line, &self.separator).into_iter();
        let name = parts.next().unwrap_or_default();
        let values: Vec<&[u8]> = parts.collect();
        let single = || -> Result<Vec<u8>, String> {
            match values.as_slice() {
                [value] => Ok(decode(value)),
                _ => Err(format!(
                    "`{}` needs one value, found {}",
                    String::from_utf8_lossy(name),
                    values.len()
                )),
            }
        };
        match name {
            b"#set_separator" => self.set_separator = single()?,
            b"#empty_field" => self.empty = single()?,
            b"#unset_field" => self.unset = single()?,
            b"#path" => {
                self.log = Log::from_path(&String::from_utf8_lossy(&single()?));
                self.path_given = true;
            }
            b"#fields" => {
                if values.is_empty() {
                    return Err("`#fields` names no field".to_owned());
                }
                let columns: Vec<Arc<str>> = values
                    .iter()
                    .map(|v| Arc::from(String::from_utf8_lossy(v).as_ref()))
                    .collect();
                if !self.path_given {
                    self.log = Log::from_fields(columns.iter().map(AsRef::as_ref));
                }
                self.columns = Some(columns.into());
                self.types.clear();
            }
            b"#types" => {
                if let Some(columns) = &self.columns
                    && columns.len() != values.len()
                {
                    return Err(format!(
                        "`#types` lists {} types for {} fields",
                        values.len(),
                        columns.len()
                    ));
                }
                self.types = values.iter().map(|v| Type::parse(v)).collect();
            }
            _ => {}
        }
        Ok(())
    }

    /// Turn one entry line into an event.
    pub(crate) fn record(&self, line: &[u8]) -> Result<ZeekEvent, ReadErrorKind> {
        let columns = self.columns.as_ref().ok_or(ReadErrorKind::NoHeader)?;
        let parts = split(line, &self.separator);
        if parts.len() != columns.len() {
            return Err(ReadErrorKind::FieldCount {
                expected: columns.len(),
                found: parts.len(),
            });
        }
        let mut fields = Vec::with_capacity(columns.len());
        for (i, raw) in parts.into_iter().enumerate() {
            if raw == self.unset.as_slice() {
                continue;
            }
            let ty = self.types.get(i).copied().unwrap_or(TEXT);
            let value = if raw == self.empty.as_slice() {
                if ty.container {
                    Value::List(Vec::new())
                } else {
                    Value::Str(String::new())
                }
            } else if ty.container {
                Value::List(
                    split(raw, &self.set_separator)
                        .into_iter()
                        .map(|item| convert(ty.scalar, item))
                        .collect(),
                )
            } else {
                convert(ty.scalar, raw)
            };
            fields.push((Arc::clone(&columns[i]), value));
        }
        Ok(ZeekEvent::new(self.log.clone(), fields))
    }
}

/// Split `line` on every occurrence of `separator` (never empty).
fn split<'a>(line: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    if let [byte] = separator {
        for i in memchr::memchr_iter(*byte, line) {
            out.push(&line[start..i]);
            start = i + 1;
        }
    } else {
        for i in memchr::memmem::find_iter(line, separator) {
            if i >= start {
                out.push(&line[start..i]);
                start = i + separator.len();
            }
        }
    }
    out.push(&line[start..]);
    out
}

/// Decode `\xHH` escapes into bytes; any other backslash is literal.
fn decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\'
            && raw.get(i + 1) == Some(&b'x')
            && let (Some(hi), Some(lo)) = (
                raw.get(i + 2).and_then(|&b| hex(b)),
                raw.get(i + 3).and_then(|&b| hex(b)),
            )
        {
            out.push(hi << 4 | lo);
            i += 4;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A field value as text (see the module docs for what stays escaped).
pub(crate) fn text(raw: &[u8]) -> String {
    let shown = |c: char| !c.is_ascii_control() || matches!(c, '\t' | '\n' | '\r');
    if !raw.contains(&b'\\')
        && let Ok(s) = std::str::from_utf8(raw)
        && s.chars().all(shown)
    {
        return s.to_owned();
    }
    let bytes = decode(raw);
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if shown(c) {
                out.push(c);
            } else {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A value of a scalar type; text that does not parse as its declared
/// type is kept as text rather than dropped.
fn convert(scalar: Scalar, raw: &[u8]) -> Value {
    let s = text(raw);
    match scalar {
        Scalar::Text => Value::Str(s),
        Scalar::Int => s.parse().map_or(Value::Str(s), Value::Int),
        Scalar::Count => match s.parse::<i64>() {
            Ok(n) if n >= 0 => Value::Int(n),
            _ => Value::Str(s),
        },
        Scalar::Real => s.parse().map_or(Value::Str(s), Value::Float),
        Scalar::Bool => match s.as_str() {
            "T" => Value::Bool(true),
            "F" => Value::Bool(false),
            _ => Value::Str(s),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_decoded_where_text_can_show_them() {
        assert_eq!(text(b"plain"), "plain");
        assert_eq!(text(br"a\x09b\x2cc"), "a\tb,c");
        assert_eq!(text(br"txt\x00"), r"txt\x00");
        assert_eq!(text(br"caf\xc3\xa9"), "café");
        assert_eq!(text(br"bad\xff"), r"bad\xff");
        assert_eq!(text(b"raw\xffbyte"), r"raw\xffbyte");
        assert_eq!(text(br"not\xzz an escape\"), r"not\xzz an escape\");
    }

    #[test]
    fn splits_on_any_separator() {
        assert_eq!(split(b"a\tb\t\tc", b"\t"), [&b"a"[..], b"b", b"", b"c"]);
        assert_eq!(split(b"a||b|||c", b"||"), [&b"a"[..], b"b", b"|c"]);
        assert_eq!(split(b"", b","), [&b""[..]]);
    }

    #[test]
    fn types_parse() {
        assert_eq!(Type::parse(b"vector[interval]").scalar, Scalar::Real);
        assert!(Type::parse(b"set[string]").container);
        assert_eq!(Type::parse(b"port"), Type::parse(b"count"));
        assert_eq!(Type::parse(b"addr"), TEXT);
    }
}
