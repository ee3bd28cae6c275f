//! Sigma correlations as YARA-L 2.0 multi-event rules.
//!
//! ```text
//! rule <name> {
//!   meta:
//!     title = "…"  correlation = "event_count"  rules = "…"  group_by = "…"
//!     alert_when = "events gte 10 within 10m"  window = "sliding: …"
//!   events:
//!     $p.metadata.event_type = "PROCESS_LAUNCH"      (the pivot: any match)
//!     (<rule condition on $p>)
//!     $p.principal.user.userid = $group1
//!     $e.metadata.event_type = "PROCESS_LAUNCH"      (the counted matches)
//!     (<rule condition on $e>)
//!     $e.principal.user.userid = $group1
//!   match:
//!     $group1 over 10m before $p
//!   condition:
//!     $p and #e >= 10
//! }
//! ```
//!
//! Why this shape. The engine's definition (`docs/correlations.md`): per
//! group, the window of a match is every match in `[t − timespan, t]`, and
//! the condition is checked on each such trailing window. YARA-L has three
//! windows in `match` (Google, "YARA-L 2.0 windowing logic"): hop windows
//! (`over`, fixed overlapping intervals whose overlap and alignment the
//! system chooses), tumbling windows (`by`, fixed buckets) and sliding
//! windows (`over <duration> before|after $pivot`), anchored at one event
//! of the pivot variable. Only the sliding form `before $p` is the trailing
//! window: the pivot is any match of the correlation's rules, and every
//! other event variable ranges over matches in the `timespan` before it.
//! So each pivot event is one trailing window, and the condition is
//! checked on each of them, as the engine does.
//!
//! Per kind:
//!
//! * `event_count`: `$e` ranges over the matches in the pivot's window.
//!   The pivot is one of them (YARA-L does not make different event
//!   variables bind different events — rules that need that say
//!   `$a.metadata.id != $b.metadata.id`), so `#e` is the window's count.
//!   Over several rules `$e` is one variable, so an event matching two of
//!   them counts once where the engine has one match per rule; the meta
//!   says so.
//! * `value_count`: `$e` ranges over the window's matches that carry a
//!   value (`!= ""`: UDM reads an absent string as empty, the backend's
//!   reading everywhere), and `count_distinct` counts their values. A
//!   condition that holds for zero values is refused: `$e` would need at
//!   least one event.
//! * `value_sum`: `sum` over an integer field; an absent integer reads as
//!   0, which adds nothing, so the sum is exact.
//! * `temporal`: one variable per rule, all in the pivot's window. Only
//!   "all rules" is rendered (a count of some of them needs optional event
//!   variables).
//! * `temporal_ordered`: as `temporal`, with timestamp comparisons in the
//!   listed order and the last rule's variable as the pivot. UDM event
//!   timestamps are compared in whole seconds (`.seconds`), so two matches
//!   within one second count as in order either way; the meta says so.
//! * refused: `value_avg` (an absent integer would count as a 0),
//!   `value_median`, `value_percentile` (no such aggregation in outcome),
//!   correlations without `group-by` (a `match` section needs a variable),
//!   correlations of correlations (rules run over UDM events, not over
//!   other rules' detections), and a `timespan` that is not whole minutes
//!   between 1m and 48h (Google's limits on `over`).
//!
//! Where the predicates of several rules share one variable (the pivot,
//! and `$e` of `event_count` over several rules), each rule's condition is
//! guarded by its event type, as in the pack rule, and every group-by
//! field must be one UDM path in all of them: one variable joins on one
//! field.

use tunnelhunt_sigma::ast::{CorrelationKind, CountOp};

use crate::RuleInput;
use crate::correlation::{CorrelatedRule, CorrelationInput};
use crate::model::{FieldKind, FieldMap, Scope};
use crate::refusal::{Construct, Refusal};

use super::{condition_on, correlation_rule_name, meta_string, selector_on};

/// The pivot variable of the aggregating kinds and `temporal`.
const PIVOT: &str = "$p";
/// The variable the aggregating kinds count over.
const COUNTED: &str = "$e";
/// What the meta says about the window of a rule pivoting on `$p`.
const SLIDING_NOTE: &str =
    "sliding: the timespan before each match ($p), both ends as YARA-L sliding windows place them";
/// Google's bounds on a `match` window.
const MIN_WINDOW_SECS: u64 = 60;
const MAX_WINDOW_SECS: u64 = 48 * 3600;

/// Render one correlation, or refuse it by name.
pub(super) fn render(input: &CorrelationInput<'_>) -> Result<String, Refusal> {
    let rules = base_rules(input)?;
    if input.correlation.group_by.is_empty() {
        return Err(refusal(
            input,
            "it has no group-by: a YARA-L match section needs at least one match variable",
        ));
    }
    let window = window(input)?;
    let body = match input.kind() {
        CorrelationKind::EventCount | CorrelationKind::ValueCount | CorrelationKind::ValueSum => {
            aggregate(input, &rules)?
        }
        CorrelationKind::Temporal => temporal(input, &rules, false)?,
        CorrelationKind::TemporalOrdered => temporal(input, &rules, true)?,
        CorrelationKind::ValueAvg => {
            return Err(refusal(
                input,
                "YARA-L's avg would count an event without the field as 0 (UDM reads an absent integer as 0)",
            ));
        }
        CorrelationKind::ValueMedian | CorrelationKind::ValuePercentile => {
            return Err(refusal(
                input,
                "YARA-L outcome aggregations have no median or percentile",
            ));
        }
    };
    Ok(assemble(input, body, &window))
}

/// What differs per kind: the events lines, the pivot, the outcome and
/// the condition.
struct Body {
    events: Vec<String>,
    pivot: String,
    outcome: Vec<String>,
    condition: String,
    window_note: String,
}

fn refusal(input: &CorrelationInput<'_>, why: &str) -> Refusal {
    Refusal::new(
        Construct::Correlation,
        format!(
            "'{}' correlation '{}' is not rendered for YARA-L: {why}",
            input.kind().as_str(),
            input.label()
        ),
    )
}

/// The referenced rules, all base rules.
fn base_rules<'i, 'a>(input: &'i CorrelationInput<'a>) -> Result<Vec<&'i RuleInput<'a>>, Refusal> {
    input
        .sources
        .iter()
        .map(|source| match source {
            CorrelatedRule::Rule(rule) => Ok(rule),
            CorrelatedRule::Correlation(inner) => Err(refusal(
                input,
                &format!(
                    "it refers to correlation '{}', and a YARA-L rule runs over UDM events, not over another rule's detections",
                    inner.label()
                ),
            )),
        })
        .collect()
}

/// `10m`, `2h`, `1d`: the timespan in the largest unit that divides it.
fn window(input: &CorrelationInput<'_>) -> Result<String, Refusal> {
    let secs = input.correlation.timespan_secs;
    if !(MIN_WINDOW_SECS..=MAX_WINDOW_SECS).contains(&secs) || !secs.is_multiple_of(60) {
        return Err(refusal(
            input,
            &format!(
                "timespan '{}' is not whole minutes between 1m and 48h, the bounds of a YARA-L match window",
                input.correlation.timespan_text.value
            ),
        ));
    }
    Ok(if secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else {
        format!("{}m", secs / 60)
    })
}

/// The UDM field a correlation field name (group-by entry or condition
/// field, through the aliases) means in the `index`-th rule.
fn field_of(
    input: &CorrelationInput<'_>,
    scope: &Scope,
    index: usize,
    name: &str,
) -> Result<&'static FieldMap, Refusal> {
    scope.field(input.field_in(index, name))
}

/// The one UDM field `name` means in every one of `indices`, or a refusal
/// when the rules map it to different fields.
fn shared_field(
    input: &CorrelationInput<'_>,
    rules: &[(usize, &'static Scope, String)],
    name: &str,
) -> Result<&'static FieldMap, Refusal> {
    let mut shared: Option<&'static FieldMap> = None;
    for (index, scope, _) in rules {
        let field = field_of(input, scope, *index, name)?;
        match shared {
            Some(first) if first.target != field.target => {
                return Err(refusal(
                    input,
                    &format!(
                        "'{name}' is '{}' in one rule and '{}' in another, and one YARA-L event variable joins on one field",
                        first.target, field.target
                    ),
                ));
            }
            _ => shared = Some(field),
        }
    }
    shared.ok_or_else(|| refusal(input, "it refers to no rule"))
}

/// Each rule's index, scope and condition on `event`.
fn conditions_on(
    event: &str,
    rules: &[&RuleInput<'_>],
) -> Result<Vec<(usize, &'static Scope, String)>, Refusal> {
    rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let (scope, text) = condition_on(event, rule)?;
            Ok((index, scope, text))
        })
        .collect()
}

/// The events lines that make `event` range over the matches of the given
/// rules, joined to the group variables on the fields every rule shares.
fn union_lines(
    input: &CorrelationInput<'_>,
    event: &str,
    rules: &[&RuleInput<'_>],
) -> Result<Vec<String>, Refusal> {
    let conditions = conditions_on(event, rules)?;
    let mut lines = match conditions.as_slice() {
        [(_, scope, text)] => vec![selector_on(event, scope), format!("({text})")],
        _ => vec![format!(
            "({})",
            conditions
                .iter()
                .map(|(_, scope, text)| format!("({} and ({text}))", selector_on(event, scope)))
                .collect::<Vec<_>>()
                .join(" or ")
        )],
    };
    for (k, name) in input.correlation.group_by.iter().enumerate() {
        let field = shared_field(input, &conditions, name)?;
        lines.push(format!("{event}.{} = {}", field.target, group_variable(k)));
    }
    Ok(lines)
}

fn group_variable(k: usize) -> String {
    format!("$group{}", k + 1)
}

/// `event_count`, `value_count`, `value_sum`: a pivot and one counted
/// variable over the same matches.
fn aggregate(input: &CorrelationInput<'_>, rules: &[&RuleInput<'_>]) -> Result<Body, Refusal> {
    let mut events = union_lines(input, PIVOT, rules)?;
    events.extend(union_lines(input, COUNTED, rules)?);
    let comparisons = comparisons(input);
    let (outcome, condition) = match input.kind() {
        CorrelationKind::EventCount => (
            Vec::new(),
            format!("{PIVOT} and {}", compare_all("#e", &comparisons)),
        ),
        kind => {
            let conditions = conditions_on(COUNTED, rules)?;
            let field = shared_field(input, &conditions, input.condition_field())?;
            let (variable, aggregation) = if kind == CorrelationKind::ValueCount {
                if field.kind == FieldKind::Int {
                    return Err(refusal(
                        input,
                        &format!(
                            "'{}' is an integer field, and UDM reads an absent integer as 0, a real value",
                            field.target
                        ),
                    ));
                }
                if input
                    .correlation
                    .condition
                    .as_ref()
                    .is_some_and(|c| c.holds(0.0))
                {
                    return Err(refusal(
                        input,
                        "its condition holds for a window without values, and a YARA-L event variable needs at least one event",
                    ));
                }
                events.push(format!("{COUNTED}.{} != \"\"", field.target));
                ("$value_count", "count_distinct")
            } else {
                if field.kind != FieldKind::Int {
                    return Err(Refusal::new(
                        Construct::Number,
                        format!(
                            "'value_sum' correlation '{}': '{}' is not a numeric UDM field",
                            input.label(),
                            field.target
                        ),
                    ));
                }
                ("$value_sum", "sum")
            };
            (
                vec![format!(
                    "{variable} = {aggregation}({COUNTED}.{})",
                    field.target
                )],
                format!(
                    "{PIVOT} and {COUNTED} and {}",
                    compare_all(variable, &comparisons)
                ),
            )
        }
    };
    Ok(Body {
        events,
        pivot: PIVOT.to_owned(),
        outcome,
        condition,
        window_note: if rules.len() > 1 {
            format!("{SLIDING_NOTE}; an event matching several of the rules counts once")
        } else {
            SLIDING_NOTE.to_owned()
        },
    })
}

/// `temporal` and `temporal_ordered`: one variable per rule, all of them
/// in the pivot's window.
fn temporal(
    input: &CorrelationInput<'_>,
    rules: &[&RuleInput<'_>],
    ordered: bool,
) -> Result<Body, Refusal> {
    let all = rules.len();
    let only_all = match &input.correlation.condition {
        None => true,
        Some(condition) => (0..=all).filter(|&k| condition.holds(k as f64)).eq([all]),
    };
    if !only_all {
        return Err(refusal(
            input,
            "its condition asks for some of the rules, and YARA-L has no optional event variables to count",
        ));
    }
    let variables: Vec<String> = (1..=all).map(|i| format!("$e{i}")).collect();
    let mut events = Vec::new();
    for (index, (rule, variable)) in rules.iter().zip(&variables).enumerate() {
        let (scope, text) = condition_on(variable, rule)?;
        events.push(selector_on(variable, scope));
        events.push(format!("({text})"));
        for (k, name) in input.correlation.group_by.iter().enumerate() {
            let field = field_of(input, scope, index, name)?;
            events.push(format!(
                "{variable}.{} = {}",
                field.target,
                group_variable(k)
            ));
        }
    }
    let (pivot, window_note) = if ordered {
        for pair in variables.windows(2) {
            events.push(format!(
                "{}.metadata.event_timestamp.seconds <= {}.metadata.event_timestamp.seconds",
                pair[0], pair[1]
            ));
        }
        (
            variables[all - 1].clone(),
            "sliding: the timespan before the last rule's match; order compared in whole seconds (UDM event_timestamp.seconds)".to_owned(),
        )
    } else {
        events.extend(union_lines(input, PIVOT, rules)?);
        (PIVOT.to_owned(), SLIDING_NOTE.to_owned())
    };
    let mut condition = variables.clone();
    if !ordered {
        condition.insert(0, PIVOT.to_owned());
    }
    Ok(Body {
        events,
        pivot,
        outcome: Vec::new(),
        condition: condition.join(" and "),
        window_note,
    })
}

/// The condition's comparisons; `None` only for temporal kinds.
fn comparisons(input: &CorrelationInput<'_>) -> Vec<(CountOp, String)> {
    input
        .correlation
        .condition
        .iter()
        .flat_map(|c| c.comparisons.iter())
        .map(|(op, threshold)| (*op, threshold.to_string()))
        .collect()
}

fn compare_all(subject: &str, comparisons: &[(CountOp, String)]) -> String {
    comparisons
        .iter()
        .map(|(op, threshold)| format!("{subject} {} {threshold}", operator(*op)))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn operator(op: CountOp) -> &'static str {
    match op {
        CountOp::Gt => ">",
        CountOp::Gte => ">=",
        CountOp::Lt => "<",
        CountOp::Lte => "<=",
        CountOp::Eq => "=",
        CountOp::Neq => "!=",
    }
}

fn assemble(input: &CorrelationInput<'_>, body: Body, window: &str) -> String {
    let correlation = input.correlation;
    let mut meta: Vec<(&str, String)> = vec![("title", input.title().to_owned())];
    if let Some(id) = input.id() {
        meta.push(("id", id.to_owned()));
    }
    if let Some(level) = correlation.meta.level {
        meta.push(("severity", level.as_str().to_ascii_uppercase()));
    }
    let techniques = correlation.meta.attack_techniques();
    if !techniques.is_empty() {
        meta.push(("attack_techniques", techniques.join(", ")));
    }
    meta.push(("correlation", input.kind().as_str().to_owned()));
    meta.push((
        "rules",
        input
            .sources
            .iter()
            .map(CorrelatedRule::label)
            .collect::<Vec<_>>()
            .join(", "),
    ));
    meta.push(("group_by", correlation.group_by.join(", ")));
    meta.push(("alert_when", input.condition_text()));
    meta.push(("window", body.window_note));

    let mut out = format!("rule {} {{\n  meta:\n", correlation_rule_name(input));
    for (key, value) in meta {
        out.push_str(&format!("    {key} = {}\n", meta_string(&value)));
    }
    out.push_str("  events:\n");
    for line in &body.events {
        out.push_str(&format!("    {line}\n"));
    }
    let groups: Vec<String> = (0..correlation.group_by.len())
        .map(group_variable)
        .collect();
    out.push_str(&format!(
        "  match:\n    {} over {window} before {}\n",
        groups.join(", "),
        body.pivot
    ));
    if !body.outcome.is_empty() {
        out.push_str("  outcome:\n");
        for line in &body.outcome {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out.push_str(&format!("  condition:\n    {}\n}}\n", body.condition));
    out
}
