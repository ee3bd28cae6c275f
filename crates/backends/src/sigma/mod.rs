//! Sigma itself as a target: the rule written back as normalized Sigma
//! YAML.
//!
//! Why a writer and not a copy of the file: exported rules should look the
//! same whoever wrote them (key order, indentation, quoting), carry the
//! tuning that was applied (`--filters` folded in, see the `fold` module), and be
//! safe for every YAML reader — our loader (YAML 1.2) and sigma-cli's
//! PyYAML (YAML 1.1) must read the very same strings ([`yaml`]). The
//! writer works from the rule's AST, not from the lowered IR, so the output
//! keeps the author's identifiers, modifiers, raw values and condition:
//! loading it again gives an equal AST (spans aside) and therefore equal
//! meaning; with filters, an equal lowered IR.
//!
//! The pack is a multi-document YAML stream (`---` between rules).
//! Correlation rules are written back as correlation documents
//! ([`Backend::render_correlation`]): they name their rules by the
//! references the author wrote, so the documents of the referenced rules
//! (exported beside them) complete them, and loading the output gives an
//! equal correlation AST.

mod document;
mod fold;
pub mod yaml;

use document::Writer;

use crate::common::one_line;
use crate::correlation::CorrelationInput;
use crate::refusal::Refusal;
use crate::{Backend, Flavor, PackQuery, RuleInput, Target};

/// The Sigma writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SigmaOut;

impl Backend for SigmaOut {
    fn target(&self) -> Target {
        Target::Sigma
    }

    fn render(&self, rule: &RuleInput<'_>, _flavor: Flavor) -> Result<String, Refusal> {
        Ok(write_rule(rule))
    }

    fn render_pack(&self, rules: &[RuleInput<'_>], _flavor: Flavor) -> PackQuery {
        let documents: Vec<String> = rules.iter().map(write_rule).collect();
        PackQuery {
            flavor: Flavor::DEFAULT,
            text: documents.join("---\n"),
            omitted: Vec::new(),
        }
    }

    fn render_correlation(
        &self,
        correlation: &CorrelationInput<'_>,
        _flavor: Flavor,
    ) -> Result<String, Refusal> {
        let correlation = correlation.correlation;
        let mut w = Writer::default();
        w.metadata_head(&correlation.meta);
        w.correlation(correlation);
        w.metadata_tail(&correlation.meta);
        Ok(w.finish())
    }
}

fn write_rule(input: &RuleInput<'_>) -> String {
    let rule = input.rule;
    let mut w = Writer::default();
    if !input.filters.is_empty() {
        w.comment("Tuned by tunnelhunt: these filters are folded into the detection");
        w.comment(
            "(searches filter_<n>_*, condition ANDed as the Sigma filter specification says):",
        );
        for (i, filter) in input.filters.iter().enumerate() {
            let id = filter
                .meta
                .id
                .as_ref()
                .map_or(String::new(), |id| format!(" ({})", id.value));
            w.comment(&one_line(&format!(
                "  {}: {}{id}",
                i + 1,
                filter.meta.title.value
            )));
        }
    }
    w.metadata_head(&rule.meta);
    w.logsource(&rule.logsource);
    w.detection_key();
    let folded = fold::fold(&rule.detection, input.filters);
    for (name, body) in &folded.searches {
        w.search(name, body);
    }
    w.conditions(&folded.conditions);
    if let Some(timeframe) = &rule.detection.timeframe {
        w.timeframe(&timeframe.value);
    }
    w.metadata_tail(&rule.meta);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Lowered;

    const RULE: &str = "title: 'yes'\nid: 11111111-1111-4111-8111-111111111111\nstatus: test\n\
        description: |\n    two\n    lines\nauthor: a\ndate: 2026-11-28\ntags:\n    - attack.t1572\n\
        logsource:\n    category: process_creation\n    product: windows\n\
        detection:\n    selection:\n        CommandLine|contains|all:\n            - ' -R '\n            - 'it''s'\n\
        \x20       Image|endswith: '\\ssh.exe'\n    keywords:\n        - 'dnscat2'\n\
        \x20   filter:\n        - ParentImage: null\n          User: 'x'\n        - 'kw'\n\
        \x20   condition: selection and not   1 of filter*\nlevel: high\nbranch: SshPortForwarding\nconfidence: high\n";

    #[test]
    fn a_rule_is_written_in_specification_order_with_safe_quoting() {
        let l = Lowered::parse(RULE);
        let out = l
            .with_input(|input| SigmaOut.render(input, Flavor::DEFAULT))
            .unwrap();
        let expected = "title: 'yes'\nid: 11111111-1111-4111-8111-111111111111\nstatus: test\n\
            description: |\n    two\n    lines\nauthor: a\ndate: '2026-11-28'\ntags:\n    - attack.t1572\n\
            logsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n\
            \x20       CommandLine|contains|all:\n            - ' -R '\n            - 'it''s'\n\
            \x20       Image|endswith: '\\ssh.exe'\n    keywords:\n        - 'dnscat2'\n    filter:\n\
            \x20       - ParentImage: null\n          User: 'x'\n        - 'kw'\n\
            \x20   condition: selection and not 1 of filter*\nlevel: high\nbranch: SshPortForwarding\nconfidence: high\n";
        assert_eq!(out, expected);
    }

    #[test]
    fn filters_are_folded_with_renamed_identifiers() {
        let l = Lowered::parse(&format!(
            "{RULE}---\ntitle: Tune\nid: 22222222-2222-4222-8222-222222222222\nlogsource:\n    product: windows\n\
             filter:\n    rules:\n        - 11111111-1111-4111-8111-111111111111\n    sel:\n        User: 'svc'\n\
             \x20   condition: not 1 of them\n"
        ));
        let out = l
            .with_input(|input| SigmaOut.render(input, Flavor::DEFAULT))
            .unwrap();
        assert!(out.starts_with("# Tuned by tunnelhunt"), "{out}");
        assert!(
            out.contains("#   1: Tune (22222222-2222-4222-8222-222222222222)\n"),
            "{out}"
        );
        assert!(
            out.contains("    filter_1_sel:\n        User: 'svc'\n"),
            "{out}"
        );
        // The rule's `1 of filter*` would also take `filter_1_sel`: written out.
        assert!(
            out.contains("    condition: (selection and not filter) and (not filter_1_sel)\n"),
            "{out}"
        );
    }
}
