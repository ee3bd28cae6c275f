//! Sumo Logic log search over Sysmon JSON, one rule and the whole pack.
//!
//! ```text
//! // title: …            (metadata, one `//` comment line each)
//! _sourceCategory=windows/sysmon
//! | json field=_raw "Event.System.EventID" as EventID nodrop
//! | json field=_raw "Event.EventData.Image" as Image nodrop
//! | where num(EventID) = 1 and (<condition>)
//! ```
//!
//! `nodrop` matters: without it `json` drops every message that lacks the
//! key, which would make `null`, `|exists: false` and `not` conditions
//! silently miss events. With it a missing key leaves the field null,
//! which `isNull` tests. Comment lines end at a line break, so metadata
//! is put on one line first ([`crate::common::one_line`]); nothing else ends a `//`
//! comment.
//!
//! The pack query extracts the union of the rules' fields, labels each
//! message with `| if(<rules of branch 1>, "Branch1", if(…, "Branch2",
//! ""))) as DetectionBranch` (Sumo documents nested `if`) and keeps the
//! labelled ones. An event matching rules of two branches is labelled
//! with the first branch in pack order.

use tunnelhunt_sigma::ir::{Expr, Test};

use crate::common::one_line;
use crate::meta;
use crate::model::Scope;
use crate::refusal::Refusal;
use crate::{Flavor, NO_BRANCH, PackQuery, RuleInput};

use super::model::{SEARCH_EVENT_ID, search_alias, search_source};
use super::render::{Form, condition};

pub(super) fn rule(rule: &RuleInput<'_>) -> Result<String, Refusal> {
    let (scope, text) = condition(Form::Search, rule)?;
    let mut out = String::new();
    for (key, value) in metadata(rule, scope) {
        out.push_str(&format!("// {key}: {}\n", value.trim()));
    }
    out.push_str(search_source(scope));
    out.push('\n');
    let mut paths = Vec::new();
    used_paths(scope, rule.expr, &mut paths);
    push_extractions(&mut out, &paths);
    out.push_str(&format!("| where {} and ({text})\n", scope.selector));
    Ok(out)
}

/// The rule's facts ([`meta::facts`]), then where the query reads its
/// events.
fn metadata(rule: &RuleInput<'_>, scope: &Scope) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = meta::facts(rule)
        .into_iter()
        .map(|(fact, value)| (fact.key(), value))
        .collect();
    out.push((
        "source",
        format!(
            "{} as evtx JSON; set {} to where it is collected",
            scope.name,
            search_source(scope)
        ),
    ));
    out
}

/// The JSON paths a rule needs, in first-use order: the fields its
/// selector and its predicates name (field references included).
pub(super) fn used_paths(scope: &Scope, expr: &Expr, paths: &mut Vec<&'static str>) {
    let mut add = |path: &'static str| {
        // The event id is always extracted first (`push_extractions`).
        if path != SEARCH_EVENT_ID.0 && !paths.contains(&path) {
            paths.push(path);
        }
    };
    for field in scope.fields {
        let alias = search_alias(field.target);
        if scope
            .selector
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| word == alias)
        {
            add(field.target);
        }
    }
    expr.for_each_predicate(&mut |p| {
        let mut names = vec![p.field.as_deref()];
        if let Test::FieldRef(reference) = &p.test {
            names.push(Some(reference.other_field.as_str()));
        }
        for name in names.into_iter().flatten() {
            if let Ok(field) = scope.field(name) {
                add(field.target);
            }
        }
    });
}

pub(super) fn push_extractions(out: &mut String, paths: &[&str]) {
    let (id_path, id_alias) = SEARCH_EVENT_ID;
    out.push_str(&format!(
        "| json field=_raw \"{id_path}\" as {id_alias} nodrop\n"
    ));
    for path in paths {
        out.push_str(&format!(
            "| json field=_raw \"{path}\" as {} nodrop\n",
            search_alias(path)
        ));
    }
}

/// A branch name as a Sumo string literal. Sumo does not document
/// backslash escapes in string literals, so the name is reduced to
/// characters that need none (branch names are identifiers in practice).
fn branch_literal(branch: &str) -> String {
    let safe: String = branch
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("\"{safe}\"")
}

/// The whole rule set as one labelled log search.
pub(super) fn pack(rules: &[RuleInput<'_>]) -> PackQuery {
    let mut branches: Vec<(String, Vec<String>)> = Vec::new();
    let mut labels: Vec<&str> = Vec::new();
    let mut omitted = Vec::new();
    let mut paths = Vec::new();
    let mut sources: Vec<&str> = Vec::new();
    for rule in rules {
        match condition(Form::Search, rule) {
            Ok((scope, text)) => {
                used_paths(scope, rule.expr, &mut paths);
                let source = search_source(scope);
                if !sources.contains(&source) {
                    sources.push(source);
                }
                labels.push(rule.label());
                let guarded = format!("({} and ({text}))", scope.selector);
                let branch = rule.branch().unwrap_or(NO_BRANCH).to_owned();
                match branches.iter_mut().find(|(b, _)| *b == branch) {
                    Some((_, conditions)) => conditions.push(guarded),
                    None => branches.push((branch, vec![guarded])),
                }
            }
            Err(refusal) => omitted.push((rule.label().to_owned(), refusal)),
        }
    }
    if branches.is_empty() {
        return PackQuery {
            flavor: Flavor::DEFAULT,
            text: String::new(),
            omitted,
        };
    }
    let mut out = format!(
        "// tunnelhunt pack: {} rules in one hunting query; DetectionBranch names the first matching branch\n",
        labels.len()
    );
    out.push_str(&format!(
        "// rules: {}\n",
        one_line(&labels.join(", ")).trim()
    ));
    if !omitted.is_empty() {
        let names: Vec<&str> = omitted.iter().map(|(label, _)| label.as_str()).collect();
        out.push_str(&format!(
            "// omitted: {}\n",
            one_line(&names.join(", ")).trim()
        ));
    }
    // One source as it is; several as an OR of the keyword scopes.
    if let [source] = sources.as_slice() {
        out.push_str(source);
    } else {
        out.push_str(&format!("({})", sources.join(" OR ")));
    }
    out.push('\n');
    push_extractions(&mut out, &paths);
    let mut label_expr = String::from("\"\"");
    for (branch, conditions) in branches.iter().rev() {
        label_expr = format!(
            "if({}, {}, {label_expr})",
            conditions.join(" or "),
            branch_literal(branch)
        );
    }
    out.push_str(&format!("| {label_expr} as DetectionBranch\n"));
    out.push_str("| where !isEmpty(DetectionBranch)\n");
    PackQuery {
        flavor: Flavor::DEFAULT,
        text: out,
        omitted,
    }
}
