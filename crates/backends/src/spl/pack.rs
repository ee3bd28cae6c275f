//! The whole pack as one hunting search.
//!
//! Default flavor: one base search selecting every channel/EventCode the
//! rules read, then one `eval` flag per rule (its scope selection and
//! condition as an eval expression), then:
//!
//! * `DetectionBranch` — **every** branch whose rule matched
//!   (`mvdedup(mvappend(if(flag, "Branch", null()), …))`), not just the
//!   first as `case()` would give: one event can fit two branches (a
//!   tunnelling tool started by a web server), and the analyst should see
//!   both;
//! * `RuleId` / `RuleTitle` — the matching rules, likewise multi-valued;
//! * `| where isnotnull(DetectionBranch)` keeps only matching events.
//!
//! `cim` flavor: `tstats` cannot evaluate expressions per event, so each
//! rule is its own `tstats` search labelled with `eval DetectionBranch=…`,
//! combined with `append` (subsearch limits apply: 50 000 rows and the
//! subsearch timeout per appended rule).

use super::literal::{comment, eval_string, label_string};
use super::model::SplScope;
use super::{CIM_FLAVOR, cim, sysmon};
use crate::refusal::Refusal;
use crate::{Flavor, NO_BRANCH, PackQuery, RuleInput};

pub(super) fn sysmon(rules: &[RuleInput<'_>]) -> PackQuery {
    let mut omitted: Vec<(String, Refusal)> = Vec::new();
    let mut included: Vec<(&RuleInput<'_>, &'static SplScope, String)> = Vec::new();
    for rule in rules {
        let rendered = sysmon::scope_for(rule).and_then(|scope| {
            let condition = sysmon::condition_eval(rule, scope)?;
            Ok((scope, condition))
        });
        match rendered {
            Ok((scope, condition)) => included.push((rule, scope, condition)),
            Err(refusal) => omitted.push((rule.label().to_owned(), refusal)),
        }
    }

    let mut lines = vec![header(rules.len(), included.len(), &omitted)];
    if included.is_empty() {
        lines.push(comment("no rule of the pack can be rendered"));
        return PackQuery {
            flavor: Flavor::DEFAULT,
            text: lines.join("\n"),
            omitted,
        };
    }

    lines.push(base_search(included.iter().map(|(_, scope, _)| *scope)));

    let flags: Vec<String> = included
        .iter()
        .enumerate()
        .map(|(i, (_, scope, condition))| {
            format!(
                "{}=if(({}) AND ({condition}), 1, 0)",
                flag_name(i),
                sysmon::selector_eval(scope)
            )
        })
        .collect();
    for flag in flags {
        lines.push(format!("| eval {flag}"));
    }

    let column = |value: &dyn Fn(&RuleInput<'_>) -> String| -> String {
        let parts: Vec<String> = included
            .iter()
            .enumerate()
            .map(|(i, (rule, _, _))| {
                format!(
                    "if({}==1, {}, null())",
                    flag_name(i),
                    label_string(&value(rule))
                )
            })
            .collect();
        format!("mvappend({})", parts.join(", "))
    };
    let branch = column(&|r| r.branch().unwrap_or(NO_BRANCH).to_owned());
    let ids = column(&|r| r.label().to_owned());
    let titles = column(&|r| r.title().to_owned());
    lines.push(format!(
        "| eval DetectionBranch=mvdedup({branch}), RuleId={ids}, RuleTitle={titles}"
    ));
    lines.push("| where isnotnull(DetectionBranch)".to_owned());
    lines.push("| fields - tunnelhunt_rule_*".to_owned());
    PackQuery {
        flavor: Flavor::DEFAULT,
        text: lines.join("\n"),
        omitted,
    }
}

pub(super) fn cim(rules: &[RuleInput<'_>]) -> PackQuery {
    let mut omitted = Vec::new();
    let mut searches = Vec::new();
    for rule in rules {
        match cim::tstats(rule) {
            Ok(query) => searches.push(format!(
                "{query} | eval DetectionBranch={}, RuleId={}, RuleTitle={}",
                label_string(rule.branch().unwrap_or(NO_BRANCH)),
                label_string(rule.label()),
                label_string(rule.title())
            )),
            Err(refusal) => omitted.push((rule.label().to_owned(), refusal)),
        }
    }
    let mut lines = vec![header(rules.len(), searches.len(), &omitted)];
    let mut searches = searches.into_iter();
    match searches.next() {
        Some(first) => lines.push(first),
        None => lines.push(comment("no rule of the pack can be rendered")),
    }
    for next in searches {
        lines.push(format!("| append [{next}]"));
    }
    PackQuery {
        flavor: CIM_FLAVOR,
        text: lines.join("\n"),
        omitted,
    }
}

/// One search term group per channel, with the union of the EventCodes
/// the rules read there (a channel read whole by one rule is read whole).
pub(super) fn base_search<'a>(scopes: impl Iterator<Item = &'a SplScope>) -> String {
    let mut channels: Vec<(&str, Option<Vec<u32>>)> = Vec::new();
    for scope in scopes {
        let codes = (!scope.event_codes.is_empty()).then(|| scope.event_codes.to_vec());
        match channels
            .iter_mut()
            .find(|(source, _)| *source == scope.source)
        {
            Some((_, existing)) => match (existing.as_mut(), codes) {
                (Some(list), Some(more)) => {
                    for code in more {
                        if !list.contains(&code) {
                            list.push(code);
                        }
                    }
                }
                _ => *existing = None,
            },
            None => channels.push((scope.source, codes)),
        }
    }
    let groups: Vec<String> = channels
        .into_iter()
        .map(|(source, codes)| {
            let source = format!("source={}", eval_string(source));
            match codes {
                None => format!("({source})"),
                Some(mut codes) => {
                    codes.sort_unstable();
                    let codes: Vec<String> =
                        codes.iter().map(|c| format!("EventCode={c}")).collect();
                    format!("({source} ({}))", codes.join(" OR "))
                }
            }
        })
        .collect();
    groups.join(" OR ")
}

fn flag_name(index: usize) -> String {
    format!("tunnelhunt_rule_{index:03}")
}

fn header(total: usize, included: usize, omitted: &[(String, Refusal)]) -> String {
    let mut lines = vec![comment(&format!(
        "tunnelhunt pack: {included} of {total} rules; DetectionBranch lists every branch whose rule matched"
    ))];
    for (label, refusal) in omitted {
        lines.push(comment(&format!("omitted {label}: {refusal}")));
    }
    lines.join("\n")
}
