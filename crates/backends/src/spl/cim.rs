//! The `cim` flavor: `| tstats` over accelerated CIM data models.
//!
//! `tstats … where` takes search terms over data-model fields
//! (`Processes.process="*x*"`, case-insensitive, `*` wildcards, AND / OR /
//! NOT) and nothing else: no eval functions, no regex stage. So only what
//! [`super::search::SearchTerms`] renders is accepted, and CIDR and range
//! comparisons, which the `tstats` documentation does not promise in
//! `where`, are refused. `null`/`exists` are refused as well: CIM
//! field extractions fill several absent fields with `unknown`, so a
//! presence test would not mean what the rule means.

use tunnelhunt_sigma::ir::Test;

use super::cim_model::{CIM, CimScope};
use super::metadata_comments;
use super::search::SearchTerms;
use super::sysmon::SEARCH_SYNTAX;
use crate::RuleInput;
use crate::boolean::render as render_bool;
use crate::model::logsource_label;
use crate::refusal::{Construct, Refusal};

pub(super) fn scope_for(rule: &RuleInput<'_>) -> Result<&'static CimScope, Refusal> {
    CIM.iter()
        .find(|s| s.scope.serves(&rule.rule.logsource))
        .ok_or_else(|| {
            Refusal::new(
                Construct::Logsource,
                format!(
                    "logsource '{}' has no dataset in the 'Splunk CIM' data model",
                    logsource_label(&rule.rule.logsource)
                ),
            )
        })
}

/// `| tstats … where … by …` and a rename that drops the dataset prefix.
pub(super) fn tstats(rule: &RuleInput<'_>) -> Result<String, Refusal> {
    let scope = scope_for(rule)?;
    let prefix = format!("{}.", scope.dataset);
    let terms = SearchTerms {
        scope: &scope.scope,
        field_prefix: &prefix,
        cidr: false,
        ranges: false,
    };
    let condition = render_bool(rule.expr, &SEARCH_SYNTAX, &mut |p| {
        if matches!(p.test, Test::Null | Test::Exists(_)) {
            return Err(Refusal::new(
                Construct::Null,
                "CIM data models fill absent fields with 'unknown'; null/exists cannot be tested",
            ));
        }
        terms.predicate(p)
    })?;
    let by: Vec<String> = scope.by.iter().map(|f| format!("{prefix}{f}")).collect();
    Ok(format!(
        "| tstats summariesonly=false count min(_time) AS firstTime max(_time) AS lastTime FROM datamodel={} WHERE ({condition}) BY {} | rename {}* AS *",
        scope.datamodel,
        by.join(" "),
        prefix
    ))
}

pub(super) fn render(rule: &RuleInput<'_>) -> Result<String, Refusal> {
    let query = tstats(rule)?;
    Ok(format!("{}\n{query}", metadata_comments(rule)))
}
