//! Sumo Logic Cloud SIEM match rules of the pack: golden objects (the
//! rules-API body and the Terraform resource), the schemas and content
//! checks of validators/sumo, and the injection round trip through
//! `serde_json` and Terraform's template escapes.

use std::process::Command;
use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::Value;
use tunnelhunt_backends::sumo::Sumo;
use tunnelhunt_deploy::guide::Guide;
use tunnelhunt_deploy::sumo;

use crate::common::{Rendered, pack, rendered, repo_root, validator_python};
use crate::json_keys::pretty_sorted as pretty;

fn objects(item: &Rendered) -> (String, String) {
    let rule = sumo::match_rule(&item.meta, &item.query).expect("the backend's body parses");
    let body = sumo::api_body(&rule).expect("serializes");
    let terraform = sumo::terraform(&rule, &sumo::resource_name(&item.stem)).expect("serializes");
    (body, terraform)
}

#[test]
fn golden_objects() {
    let (items, _) = rendered(&pack(), &Sumo);
    for stem in [
        "registry_set_win_portproxy_entry",
        "dns_query_long_query_name",
        "proc_creation_lnx_ssh_local_port_forward",
    ] {
        let item = items
            .iter()
            .find(|i| i.stem == stem)
            .unwrap_or_else(|| panic!("{stem} renders for Cloud SIEM"));
        let (body, terraform) = objects(item);
        insta::assert_snapshot!(format!("{stem}.json"), pretty(&body));
        insta::assert_snapshot!(format!("{stem}.tf.json"), pretty(&terraform));
    }
}

#[test]
fn entities_follow_the_record_type_and_tags_carry_tactics() {
    let (items, _) = rendered(&pack(), &Sumo);
    assert!(!items.is_empty());
    for item in &items {
        let rule = sumo::match_rule(&item.meta, &item.query).unwrap();
        let record = sumo::RecordType::of_expression(&rule.expression);
        assert_ne!(record, sumo::RecordType::Other, "{}", rule.expression);
        assert_eq!(rule.entity_selectors, record.entity_selectors());
        for selector in &rule.entity_selectors {
            let placeholder = format!("{{{{{}}}}}", selector.expression);
            if selector.expression != "srcDevice_ip" {
                assert!(rule.summary_expression.contains(&placeholder), "{rule:?}");
            }
        }
        for (tactic, _) in &item.meta.attack.tactics {
            assert!(
                rule.tags
                    .contains(&format!("_mitreAttackTactic:{}", tactic.id))
            );
        }
        assert!(!rule.enabled && rule.is_prototype);
    }
}

#[test]
fn every_pack_object_passes_the_sumo_validator() {
    let Some(python) = validator_python("validators/sumo/setup.sh") else {
        return;
    };
    let (items, refused) = rendered(&pack(), &Sumo);
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for item in &items {
        let (body, terraform) = objects(item);
        let path = dir.path().join(format!("{}.json", item.stem));
        std::fs::write(&path, body).unwrap();
        paths.push(path);
        let path = dir.path().join(format!("{}.tf.json", item.stem));
        std::fs::write(&path, terraform).unwrap();
        paths.push(path);
    }
    let output = Command::new(python)
        .arg(repo_root().join("validators/sumo/sumo_check.py"))
        .args(&paths)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "sumo_check failed");
    let checked = 2 * items.len();
    assert!(
        stdout.contains(&format!("{checked} rules checked, 0 problems")),
        "{stdout}"
    );
    println!(
        "{} pack objects (API body and Terraform each), {refused} refused by Cloud SIEM",
        items.len()
    );
}

/// What Terraform reads from a string of a `.tf.json` file that holds no
/// interpolation: `$${` and `%%{` are literal `${` and `%{`. Written from
/// Terraform's template rules, not from the function under test; `None`
/// when the string would interpolate.
fn terraform_reads(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = rest.strip_prefix("%%{") {
            out.push_str("%{");
            rest = after;
        } else if rest.starts_with("${") || rest.starts_with("%{") {
            return None;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(out)
}

/// Text with the metacharacters of JSON, Terraform templates, Cloud SIEM
/// templates and Markdown: quotes, backslashes, newlines, `${`, `$${`,
/// `%{`, `{{`, `}}`, `#`, `:`, backticks, control characters, non-ASCII.
fn hostile_text() -> impl Strategy<Value = String> {
    crate::common::hostile_text(
        &[
            "\"",
            "\\",
            "\n",
            "\r\n",
            "${var.x}",
            "$${",
            "$",
            "%{ if true }",
            "%",
            "{",
            "}",
            "{{device_hostname}}",
            "#",
            ":",
            "`",
            "\u{1b}[31m",
            "é€😀",
        ],
        0..12,
    )
}

static PACK_SUMO: LazyLock<Vec<Rendered>> = LazyLock::new(|| rendered(&pack(), &Sumo).0);

fn expression_has_no_placeholder(text: &str) -> bool {
    !text.contains("{{") && !text.contains("}}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn metadata_comes_back_exactly_from_json_and_terraform(
        title in hostile_text(),
        description in hostile_text(),
        guide_body in hostile_text(),
        falsepositive in hostile_text(),
    ) {
        let items = &*PACK_SUMO;
        let mut meta = items[0].meta.clone();
        meta.title = title.clone();
        meta.description = description.clone();
        meta.falsepositives = vec![falsepositive];
        meta.guide = Guide::parse(&format!("## Investigation\n\n{guide_body}\nend"));
        let rule = sumo::match_rule(&meta, &items[0].query).unwrap();
        prop_assert!(expression_has_no_placeholder(&rule.name_expression));
        prop_assert!(expression_has_no_placeholder(&rule.description_expression));

        let body: Value = serde_json::from_str(&sumo::api_body(&rule).unwrap()).unwrap();
        let fields = &body["fields"];
        prop_assert_eq!(fields["name"].as_str(), Some(title.as_str()));
        prop_assert_eq!(fields["nameExpression"].as_str(), Some(rule.name_expression.as_str()));
        prop_assert_eq!(fields["descriptionExpression"].as_str(), Some(rule.description_expression.as_str()));
        prop_assert_eq!(fields["summaryExpression"].as_str(), Some(rule.summary_expression.as_str()));
        prop_assert_eq!(fields["expression"].as_str(), Some(rule.expression.as_str()));

        let terraform: Value = serde_json::from_str(&sumo::terraform(&rule, "r").unwrap()).unwrap();
        let resource = &terraform["resource"]["sumologic_cse_match_rule"]["r"];
        let read = |key: &str| resource[key].as_str().and_then(terraform_reads);
        prop_assert_eq!(read("name"), Some(title.clone()));
        prop_assert_eq!(read("name_expression"), Some(rule.name_expression.clone()));
        prop_assert_eq!(read("description_expression"), Some(rule.description_expression.clone()));
        prop_assert_eq!(read("summary_expression"), Some(rule.summary_expression.clone()));
        prop_assert_eq!(read("expression"), Some(rule.expression.clone()));
    }
}

#[test]
fn the_description_carries_the_guide_and_the_facts() {
    let items = &*PACK_SUMO;
    let item = items
        .iter()
        .find(|i| !i.meta.guide.is_empty())
        .expect("a pack rule with a guide renders");
    let rule = sumo::match_rule(&item.meta, &item.query).unwrap();
    assert!(
        rule.description_expression
            .starts_with(item.meta.description.trim())
    );
    assert!(rule.description_expression.contains("## Investigation"));
    let id = item.meta.id.as_deref().unwrap();
    assert!(
        rule.description_expression
            .contains(&format!("Sigma rule: {id}"))
    );
}
