//! Reading the `--placeholders` file: values for `|expand` placeholders.
//!
//! The file is a YAML (or JSON, which YAML reads too) map from placeholder
//! name to a list of values, or to one value:
//!
//! ```yaml
//! known_cdcs: [dc01.corp.example, 10.0.0.5]
//! '%Admins_Workstations%': ws-admin-*
//! ```
//!
//! Names may be written with or without the surrounding `%`.
//!
//! A placeholder the table does not name is not an error: lowering gives it
//! no value, so the value using it matches nothing (a filter built on it
//! filters nothing) and warns with the rule and the placeholder named. A
//! rule written for an inventory the user has not supplied still does the
//! rest of its job, which is what SigmaHQ's `%known_cdcs%` rules need.

use std::path::Path;

use anyhow::{Context, bail};
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use tunnelhunt_sigma::lower::Placeholders;

/// Load the placeholder table, or an empty one when no file is given.
pub fn load(file: Option<&Path>) -> anyhow::Result<Placeholders> {
    let Some(file) = file else {
        return Ok(Placeholders::new());
    };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read placeholders file {}", file.display()))?;
    parse(&text).with_context(|| format!("invalid placeholders file {}", file.display()))
}

/// Parse the placeholder table from YAML or JSON text.
pub fn parse(text: &str) -> anyhow::Result<Placeholders> {
    let documents = Yaml::load_from_str(text).context("not valid YAML or JSON")?;
    let mut out = Placeholders::new();
    let root = match documents.as_slice() {
        [] => return Ok(out),
        [root] => root,
        _ => bail!("expected one document, found {}", documents.len()),
    };
    let Yaml::Mapping(map) = root else {
        bail!("expected a map of placeholder name to values");
    };
    for (key, value) in map {
        let name = scalar_text(key).context("a placeholder name is not a string")?;
        let values = match value {
            Yaml::Sequence(items) => items
                .iter()
                .map(|item| {
                    scalar_text(item)
                        .with_context(|| format!("placeholder `{name}`: a value is not a scalar"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
            other => vec![
                scalar_text(other)
                    .with_context(|| format!("placeholder `{name}`: expected a list of values"))?,
            ],
        };
        out.insert(name, values);
    }
    Ok(out)
}

fn scalar_text(node: &Yaml<'_>) -> anyhow::Result<String> {
    Ok(match node {
        Yaml::Value(Scalar::String(s)) => s.to_string(),
        Yaml::Value(Scalar::Integer(i)) => i.to_string(),
        Yaml::Value(Scalar::FloatingPoint(f)) => f.to_string(),
        Yaml::Value(Scalar::Boolean(b)) => b.to_string(),
        Yaml::Representation(text, _, _) => text.to_string(),
        _ => bail!("not a string or number"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_tables() {
        let p =
            parse("known_cdcs: [dc01, 10.0.0.5]\n'%Servers%': srv-*\nports: [22, 443]\n").unwrap();
        assert_eq!(p.get("known_cdcs").unwrap(), ["dc01", "10.0.0.5"]);
        assert_eq!(p.get("Servers").unwrap(), ["srv-*"]);
        assert_eq!(p.get("ports").unwrap(), ["22", "443"]);
        let p = parse(r#"{"known_cdcs": ["dc01"]}"#).unwrap();
        assert_eq!(p.get("known_cdcs").unwrap(), ["dc01"]);
        assert!(parse("").unwrap().names().next().is_none());
    }

    #[test]
    fn malformed_tables_are_refused() {
        assert!(parse("- a\n- b\n").is_err());
        assert!(parse("x: {a: 1}\n").is_err());
        assert!(parse("x: [[1]]\n").is_err());
        assert!(parse("x: [unclosed\n").is_err());
    }
}
