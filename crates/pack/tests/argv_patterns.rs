//! The pack's ssh, plink and netsh rules hold exactly the regexes the
//! argument-grammar model writes (`tunnelhunt_pack::argv::patterns`), so
//! the grammar is stated once. On a mismatch the expected YAML block is
//! printed, ready to paste over the rule's.

use tunnelhunt_pack::argv::patterns::{self, Platform};
use tunnelhunt_pack::builtin_rules;

/// (rule file, search identifier, its `CommandLine|re` list).
fn generated() -> Vec<(&'static str, &'static str, Vec<String>)> {
    use Platform::{Linux, Windows};
    vec![
        (
            "proc_creation_win_ssh_local_port_forward",
            "openssh_forward",
            patterns::ssh_local_forward(Windows),
        ),
        (
            "proc_creation_win_ssh_local_port_forward",
            "plink_forward",
            vec![patterns::plink_local_forward()],
        ),
        (
            "proc_creation_win_ssh_remote_dynamic_forward",
            "openssh_forward",
            patterns::ssh_remote_dynamic_forward(Windows),
        ),
        (
            "proc_creation_win_ssh_remote_dynamic_forward",
            "plink_forward",
            vec![patterns::plink_remote_dynamic_forward()],
        ),
        (
            "proc_creation_win_ssh_forward_remote_access_port",
            "openssh_forward",
            patterns::ssh_remote_access_forward(Windows),
        ),
        (
            "proc_creation_win_ssh_forward_remote_access_port",
            "plink_forward",
            vec![patterns::plink_remote_access_forward()],
        ),
        (
            "proc_creation_lnx_ssh_local_port_forward",
            "selection_forward",
            patterns::ssh_local_forward(Linux),
        ),
        (
            "proc_creation_lnx_ssh_remote_dynamic_forward",
            "selection_forward",
            patterns::ssh_remote_dynamic_forward(Linux),
        ),
        (
            "proc_creation_lnx_ssh_forward_remote_access_port",
            "selection_forward",
            patterns::ssh_remote_access_forward(Linux),
        ),
        (
            "proc_creation_win_netsh_portproxy_add",
            "selection_command",
            vec![patterns::netsh_portproxy_add()],
        ),
        (
            "proc_creation_win_webserver_spawns_tunnel",
            "child_ssh_forward",
            vec![patterns::ssh_any_forward(Windows)],
        ),
        (
            "proc_creation_win_webserver_spawns_tunnel",
            "child_netsh",
            vec![patterns::netsh_portproxy_add()],
        ),
    ]
}

/// The search block as the rule files write it.
fn yaml_block(search: &str, regexes: &[String]) -> String {
    let mut block = format!("    {search}:\n        CommandLine|re:\n");
    for regex in regexes {
        block.push_str(&format!("            - '{}'\n", regex.replace('\'', "''")));
    }
    block
}

/// The lines of `search`'s block in `text`: its key line and every line
/// indented deeper than it.
fn block_in(text: &str, search: &str) -> Option<String> {
    let key = format!("    {search}:");
    let mut lines = text.lines().skip_while(|line| *line != key);
    let first = lines.next()?;
    let mut block = format!("{first}\n");
    for line in lines.take_while(|line| line.starts_with("     ") || line.trim().is_empty()) {
        block.push_str(line);
        block.push('\n');
    }
    Some(block)
}

#[test]
fn rules_hold_the_generated_patterns() {
    let mut stale = Vec::new();
    for (stem, search, regexes) in generated() {
        let rule = builtin_rules()
            .iter()
            .find(|r| r.stem() == stem)
            .unwrap_or_else(|| panic!("no rule {stem}"));
        let expected = yaml_block(search, &regexes);
        if block_in(rule.text, search).as_deref() != Some(expected.as_str()) {
            stale.push(format!("{}:\n{expected}", rule.path));
        }
    }
    assert!(stale.is_empty(), "\n{}", stale.join("\n"));
}
