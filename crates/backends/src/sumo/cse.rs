//! A Cloud SIEM match rule as the JSON body Sumo's rules API takes.
//!
//! ```json
//! {
//!   "name": "<title>",
//!   "enabled": false,
//!   "isPrototype": true,
//!   "expression": "objectType = \"EndpointProcess\" AND (<condition>)",
//!   "nameExpression": "<title>",
//!   "descriptionExpression": "<title> (tunnelhunt rule <id>)",
//!   "summaryExpression": "<title>",
//!   "entitySelectors": [{"entityType": "_hostname", "expression": "device_hostname"}],
//!   "severityMapping": {"type": "constant", "default": 7},
//!   "tags": ["_mitreAttackTechnique:T1572", "tunnelhunt_id:…", …]
//! }
//! ```
//!
//! The rule's metadata goes where Cloud SIEM keeps it: ATT&CK techniques
//! as `_mitreAttackTechnique:` tags (Cloud SIEM's own tag schema key), the
//! Sigma id, level, branch, confidence and applied filters as
//! `tunnelhunt_*:` tags, the level also as the constant severity
//! (informational 1, low 3, medium 5, high 7, critical 9). The `*Expression`
//! fields are templates in which `{{attribute}}` is substituted, so braces
//! in a title are separated (`{ {`) to stay text. Every string is escaped
//! for JSON by [`json_string`]; the expression travels as one JSON string.

use crate::RuleInput;
use crate::common::one_line;
use crate::meta::{self, Fact};
use crate::refusal::Refusal;

use super::render::{Form, condition};

pub(super) fn rule(rule: &RuleInput<'_>) -> Result<String, Refusal> {
    let (scope, text) = condition(Form::Cse, rule)?;
    let expression = format!("{} AND ({text})", scope.selector);
    let title = one_line(rule.title()).trim().to_owned();
    let template_title = no_templates(&title);
    let description = match rule.id() {
        Some(id) => format!(
            "{template_title} (tunnelhunt rule {})",
            no_templates(one_line(id).trim())
        ),
        None => format!("{template_title} (tunnelhunt rule)"),
    };

    // Techniques first, under Cloud SIEM's own key, one tag each; then
    // the other facts as `tunnelhunt_<fact>:` tags, a filter each.
    let mut tags: Vec<String> = rule
        .attack_techniques()
        .iter()
        .map(|t| format!("_mitreAttackTechnique:{}", one_line(t)))
        .collect();
    for (fact, value) in meta::facts(rule) {
        match fact {
            Fact::Title | Fact::Attack => {}
            Fact::Filters => tags.extend(
                meta::filter_labels(rule)
                    .iter()
                    .map(|f| format!("tunnelhunt_filter:{f}")),
            ),
            other => tags.push(format!("tunnelhunt_{}:{value}", other.key())),
        }
    }
    let tags: Vec<String> = tags.iter().map(|t| json_string(t.trim())).collect();

    let mut out = String::from("{\n");
    for (key, value) in [
        ("name", json_string(&title)),
        ("enabled", "false".to_owned()),
        ("isPrototype", "true".to_owned()),
        ("expression", json_string(&expression)),
        ("nameExpression", json_string(&template_title)),
        ("descriptionExpression", json_string(&description)),
        ("summaryExpression", json_string(&template_title)),
    ] {
        out.push_str(&format!("  \"{key}\": {value},\n"));
    }
    out.push_str("  \"entitySelectors\": [{\"entityType\": \"_hostname\", \"expression\": \"device_hostname\"}],\n");
    out.push_str(&format!(
        "  \"severityMapping\": {{\"type\": \"constant\", \"default\": {}}},\n",
        severity(rule.level())
    ));
    out.push_str(&format!("  \"tags\": [{}]\n}}\n", tags.join(", ")));
    Ok(out)
}

fn severity(level: Option<&str>) -> u8 {
    match level {
        Some("informational") => 1,
        Some("low") => 3,
        Some("high") => 7,
        Some("critical") => 9,
        _ => 5,
    }
}

/// Text for a Cloud SIEM `*Expression` template: `{{` and `}}` would start
/// and end an attribute substitution.
fn no_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c == '{' && out.ends_with('{')) || (c == '}' && out.ends_with('}')) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A JSON string literal: `"` and `\` escaped, control characters as
/// `\u00XX`; everything else as UTF-8.
pub(crate) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(
            json_string("a\"b\\c\nd\u{1}–"),
            "\"a\\\"b\\\\c\\u000ad\\u0001–\""
        );
    }

    #[test]
    fn template_braces_are_separated() {
        assert_eq!(no_templates("a {{x}} b {y}"), "a { {x} } b {y}");
        assert_eq!(no_templates("{{{"), "{ { {");
    }

    #[test]
    fn severity_follows_level() {
        assert_eq!(severity(Some("high")), 7);
        assert_eq!(severity(None), 5);
    }
}
