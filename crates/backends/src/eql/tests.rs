use super::*;
use crate::test_support::Lowered;

fn rule(logsource: &str, detection: &str) -> String {
    format!(
        "title: Probe\nid: 0b5f2a8e-1111-4c1e-9a6e-000000000001\nlevel: high\ntags:\n    - attack.t1572\nlogsource:\n{logsource}\ndetection:\n{detection}\n"
    )
}

const WIN_PROC: &str = "    category: process_creation\n    product: windows";
const NET: &str = "    category: network_connection";

fn render(yaml: &str) -> Result<String, Refusal> {
    Lowered::parse(yaml).with_input(|input| Eql.render(input, Flavor::DEFAULT))
}

/// The rendered condition only (the part inside the outer parentheses).
fn condition(logsource: &str, detection: &str) -> Result<String, Refusal> {
    Lowered::parse(&rule(logsource, detection))
        .with_input(RuleQuery::new)
        .map(|q| q.condition)
}

fn refused(logsource: &str, detection: &str) -> Refusal {
    condition(logsource, detection).expect_err("must be refused")
}

#[test]
fn a_rule_is_a_commented_event_query_with_scope_and_condition() {
    let text = render(&rule(
        WIN_PROC,
        "    sel:\n        Image|endswith: '\\ssh.exe'\n        CommandLine|contains: ' -R '\n    condition: sel",
    ))
    .unwrap();
    assert_eq!(
        text,
        "// title: Probe\n// id: 0b5f2a8e-1111-4c1e-9a6e-000000000001\n// level: high\n// attack: T1572\n\
         process where event.type == \"start\" and host.os.type == \"windows\" and\n  \
         (process.executable : \"*\\\\ssh.exe\" and process.command_line : \"* -R *\")\n"
    );
}

#[test]
fn nested_groups_and_negations_are_parenthesized() {
    let c = condition(
        WIN_PROC,
        "    a:\n        - Image|endswith: '\\netsh.exe'\n        - OriginalFileName: 'netsh.exe'\n    b:\n        CommandLine|contains: 'portproxy'\n    f:\n        CommandLine|contains: 'delete'\n    condition: a and b and not f",
    )
    .unwrap();
    assert_eq!(
        c,
        "(process.executable : \"*\\\\netsh.exe\" or process.pe.original_file_name : \"netsh.exe\") and \
         process.command_line : \"*portproxy*\" and not (process.command_line : \"*delete*\")"
    );
}

#[test]
fn cased_uses_exact_operators_and_like_for_wildcards() {
    let c = |d: &str| condition(WIN_PROC, d).unwrap();
    assert_eq!(
        c("    s:\n        CommandLine|cased: 'ssh -R'\n    condition: s"),
        "process.command_line == \"ssh -R\""
    );
    assert_eq!(
        c("    s:\n        CommandLine|cased|contains: ' -R '\n    condition: s"),
        "process.command_line like \"* -R *\""
    );
    assert_eq!(
        c("    s:\n        CommandLine: 'plink*-R?x'\n    condition: s"),
        "process.command_line : \"plink*-R?x\""
    );
}

#[test]
fn literal_wildcard_characters_go_through_a_lucene_regex() {
    let c = condition(
        WIN_PROC,
        "    s:\n        CommandLine|contains: 'a\\*b'\n    condition: s",
    )
    .unwrap();
    assert!(c.starts_with("process.command_line regex~ \""), "{c}");
    let c = condition(
        WIN_PROC,
        "    s:\n        CommandLine|cased: 'a\\?'\n    condition: s",
    )
    .unwrap();
    assert!(c.starts_with("process.command_line regex \""), "{c}");
}

#[test]
fn sigma_regex_flags_pick_the_operator() {
    let c = condition(
        WIN_PROC,
        "    s:\n        CommandLine|re: 'ssh .*-R'\n    condition: s",
    )
    .unwrap();
    assert!(c.starts_with("process.command_line regex \""), "{c}");
    let c = condition(
        WIN_PROC,
        "    s:\n        CommandLine|re|i: 'ssh .*-R'\n    condition: s",
    )
    .unwrap();
    assert!(c.starts_with("process.command_line regex~ \""), "{c}");
}

#[test]
fn numbers_compare_as_numbers_on_numeric_fields_only() {
    let c = |d: &str| condition(NET, d);
    assert_eq!(
        c("    s:\n        DestinationPort:\n            - 443\n            - '853'\n    condition: s").unwrap(),
        "destination.port == 443 or destination.port == 853"
    );
    assert_eq!(
        c("    s:\n        DestinationPort|gte: 1024\n    condition: s").unwrap(),
        "destination.port >= 1024"
    );
    assert_eq!(
        c("    s:\n        DestinationPort|lt: 1.5\n    condition: s").unwrap(),
        "destination.port < 1.5"
    );
    let r = c("    s:\n        DestinationPort: '44*'\n    condition: s").unwrap_err();
    assert_eq!(r.construct, Construct::Number);
    let r = c("    s:\n        DestinationHostname|gt: 4\n    condition: s").unwrap_err();
    assert_eq!(r.construct, Construct::Number);
}

#[test]
fn cidr_and_addresses_on_ip_fields() {
    let c = |d: &str| condition(NET, d);
    assert_eq!(
        c("    s:\n        DestinationIp|cidr:\n            - '10.1.0.0/16'\n            - 'fe80::/10'\n    condition: s")
            .unwrap(),
        "cidrMatch(destination.ip, \"10.1.0.0/16\") or cidrMatch(destination.ip, \"fe80::/10\")"
    );
    assert_eq!(
        c("    s:\n        DestinationIp: '8.8.8.8'\n    condition: s").unwrap(),
        "destination.ip == \"8.8.8.8\""
    );
    let r = c("    s:\n        DestinationIp|startswith: '10.'\n    condition: s").unwrap_err();
    assert_eq!(r.construct, Construct::Wildcard);
    let r = c("    s:\n        CommandLine|cidr: '10.0.0.0/8'\n    condition: s");
    assert_eq!(r.unwrap_err().construct, Construct::Field);
}

#[test]
fn null_and_exists_use_optional_fields() {
    let c = |d: &str| condition(WIN_PROC, d).unwrap();
    assert_eq!(
        c("    s:\n        CommandLine: null\n    condition: s"),
        "?process.command_line == null"
    );
    assert_eq!(
        c("    s:\n        CommandLine|exists: true\n    condition: s"),
        "?process.command_line != null"
    );
    assert_eq!(
        c("    s:\n        CommandLine|exists: false\n    condition: s"),
        "?process.command_line == null"
    );
    assert_eq!(
        c("    s:\n        CommandLine: ''\n    condition: s"),
        "process.command_line : \"\""
    );
}

#[test]
fn initiated_translates_to_network_direction() {
    let c = |d: &str| condition(NET, d);
    assert_eq!(
        c("    s:\n        Initiated: 'true'\n    condition: s").unwrap(),
        "network.direction in (\"egress\", \"outbound\")"
    );
    assert_eq!(
        c("    s:\n        Initiated: false\n    condition: s").unwrap(),
        "network.direction in (\"ingress\", \"inbound\")"
    );
    assert_eq!(
        c("    s:\n        Initiated|contains: 'tru'\n    condition: s")
            .unwrap_err()
            .construct,
        Construct::Value
    );
}

#[test]
fn what_eql_cannot_say_is_refused_with_its_construct() {
    assert_eq!(
        refused(
            WIN_PROC,
            "    keywords:\n        - 'dnscat2'\n    condition: keywords"
        )
        .construct,
        Construct::Keyword
    );
    assert_eq!(
        refused(
            WIN_PROC,
            "    s:\n        ParentImage|fieldref: Image\n    condition: s"
        )
        .construct,
        Construct::FieldRef
    );
    let r = refused(WIN_PROC, "    s:\n        LogonId: 'x'\n    condition: s");
    assert_eq!(
        r.to_string(),
        "field: field 'LogonId' has no mapping in 'ECS process start events'"
    );
    // Non-ASCII letters: ES folds ASCII only, so the regex spells them out.
    let c = condition(
        WIN_PROC,
        "    s:\n        CommandLine|contains: 'При'\n    condition: s",
    )
    .unwrap();
    assert!(
        c.starts_with("process.command_line regex~ \"") && c.contains("[Пп]"),
        "{c}"
    );
    // Non-ASCII without case (windash dashes) is fine.
    assert_eq!(
        condition(
            WIN_PROC,
            "    s:\n        CommandLine|contains: ' –R '\n    condition: s"
        )
        .unwrap(),
        "process.command_line : \"* –R *\""
    );
    let r = render(&rule(
        "    product: zeek\n    service: dns",
        "    s:\n        query: x\n    condition: s",
    ))
    .unwrap_err();
    assert_eq!(r.construct, Construct::Logsource);
    let r = render(&rule(
        "    category: webserver\n    product: windows",
        "    s:\n        cs-uri-query: x\n    condition: s",
    ))
    .unwrap_err();
    assert_eq!(r.construct, Construct::Logsource);
}

#[test]
fn scopes_narrow_categories_and_products() {
    let q = |logsource: &str| {
        Lowered::parse(&rule(
            logsource,
            "    s:\n        Image|endswith: '/ssh'\n    condition: s",
        ))
        .with_input(RuleQuery::new)
        .unwrap()
    };
    let dns = q("    category: dns_query");
    assert_eq!(
        (dns.event_category.as_str(), dns.scope_conditions.clone()),
        ("network", vec!["?dns.question.name != null".to_owned()])
    );
    let linux = q("    category: process_creation\n    product: linux");
    assert_eq!(linux.scope_conditions[1], "host.os.type == \"linux\"");
    let registry = q("    category: registry_event");
    assert!(registry.scope_conditions.is_empty());
    assert_eq!(registry.term(), "((process.executable : \"*/ssh\"))");
}

#[test]
fn metadata_comments_cannot_be_broken_out_of() {
    let yaml = "title: \"Evil\\nprocess where true //\\r*/\"\nid: x\nlogsource:\n    category: process_creation\ndetection:\n    s:\n        Image: a\n    condition: s\n";
    let text = render(yaml).unwrap();
    let comment_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("//")).collect();
    assert_eq!(comment_lines[0], "// title: Evil process where true // */");
    assert_eq!(
        text.lines()
            .find(|l| !l.starts_with("//"))
            .unwrap()
            .split_whitespace()
            .next(),
        Some("process")
    );
}

#[test]
fn sysmon_hashes_become_ecs_hash_prefixes() {
    let c = |d: &str| condition(WIN_PROC, d);
    assert_eq!(
        c("    s:\n        Hashes|contains:\n            - 'IMPHASH=AB12'\n            - 'md5=00ff'\n    condition: s")
            .unwrap(),
        "process.pe.imphash : \"AB12*\" or process.hash.md5 : \"00ff*\""
    );
    for refused in [
        "Hashes|contains: 'SHA256=xyz'",
        "Hashes: 'MD5=00'",
        "Hashes|contains: 'CRC=00'",
    ] {
        let r = c(&format!("    s:\n        {refused}\n    condition: s")).unwrap_err();
        assert_eq!(r.construct, Construct::Value, "{refused}");
    }
}

#[test]
fn files_libraries_and_script_blocks_have_their_scopes() {
    let q = |logsource: &str, detection: &str| {
        Lowered::parse(&rule(logsource, detection))
            .with_input(RuleQuery::new)
            .unwrap()
    };
    let file = q(
        "    category: file_event\n    product: windows",
        "    s:\n        TargetFilename|endswith: '.ps1'\n    condition: s",
    );
    assert_eq!(file.event_category, "file");
    assert_eq!(file.scope_conditions[0], "event.type == \"creation\"");
    assert_eq!(file.condition, "file.path : \"*.ps1\"");
    let dll = q(
        "    category: image_load\n    product: windows",
        "    s:\n        ImageLoaded|endswith: '\\wininet.dll'\n    condition: s",
    );
    assert_eq!(
        (dll.event_category.as_str(), dll.condition.as_str()),
        ("library", "dll.path : \"*\\\\wininet.dll\"")
    );
    let script = q(
        "    category: ps_script\n    product: windows",
        "    s:\n        ScriptBlockText|contains: 'dns-query'\n    condition: s",
    );
    assert_eq!(script.event_category, "any");
    assert_eq!(
        script.scope_conditions[0],
        "event.code == \"4104\" and winlog.channel == \"Microsoft-Windows-PowerShell/Operational\""
    );
}

#[test]
fn windows_channels_read_event_data_by_its_own_names() {
    let q = Lowered::parse(&rule(
        "    product: windows\n    service: security",
        "    s:\n        EventID:\n            - 4624\n            - 4625\n        LogonType: 10\n        TargetUserName|endswith: '$'\n    condition: s",
    ))
    .with_input(RuleQuery::new)
    .unwrap();
    assert_eq!(q.event_category, "any");
    assert_eq!(
        q.scope_conditions,
        [
            "winlog.channel == \"Security\"",
            "host.os.type == \"windows\""
        ]
    );
    assert_eq!(
        q.condition,
        "(event.code == \"4624\" or event.code == \"4625\") and winlog.event_data.LogonType == \"10\" and winlog.event_data.TargetUserName : \"*$\""
    );
    let refused = |detection: &str| {
        Lowered::parse(&rule(
            "    product: windows\n    service: system",
            detection,
        ))
        .with_input(RuleQuery::new)
        .unwrap_err()
    };
    assert_eq!(
        refused("    s:\n        EventID|gt: 7000\n    condition: s").construct,
        Construct::Number
    );
    assert_eq!(
        refused("    s:\n        IpAddress|cidr: '10.0.0.0/8'\n    condition: s").construct,
        Construct::Cidr
    );
    assert_eq!(
        refused("    s:\n        Some-Field: x\n    condition: s").construct,
        Construct::Field
    );
    let linux = Lowered::parse(&rule(
        "    product: linux\n    service: security",
        "    s:\n        a: x\n    condition: s",
    ))
    .with_input(RuleQuery::new)
    .unwrap_err();
    assert_eq!(linux.construct, Construct::Logsource);
}

#[test]
fn applied_filters_are_named_and_folded_into_the_condition() {
    let yaml = format!(
        "{}---\ntitle: Jump host\nname: jump_host_tunnels\nlogsource:\n    category: process_creation\n    product: windows\nfilter:\n    rules:\n        - 0b5f2a8e-1111-4c1e-9a6e-000000000001\n    sel:\n        Computer|startswith: 'JUMP01'\n    condition: not sel\n",
        rule(
            WIN_PROC,
            "    s:\n        CommandLine|contains: ' -L '\n    condition: s"
        )
    );
    let text = render(&yaml).unwrap();
    assert!(text.contains("// filters: Jump host\n"), "{text}");
    assert!(
        text.ends_with("(process.command_line : \"* -L *\" and not (host.name : \"JUMP01*\"))\n"),
        "{text}"
    );
}

#[test]
fn sysmon_user_splits_into_ecs_domain_and_name() {
    let c = |value: &str| {
        condition(
            WIN_PROC,
            &format!("    s:\n        {value}\n    condition: s"),
        )
    };
    assert_eq!(
        c("User: 'NT AUTHORITY\\SYSTEM'").unwrap(),
        "(user.domain : \"NT AUTHORITY\" and user.name : \"SYSTEM\")"
    );
    assert_eq!(
        c("User|endswith: '\\SYSTEM'").unwrap(),
        "(user.domain : \"*\" and user.name : \"SYSTEM\")"
    );
    assert_eq!(
        c("User|contains: 'AUTHORI'").unwrap(),
        "(user.domain : \"*AUTHORI*\" or user.name : \"*AUTHORI*\")"
    );
    assert_eq!(
        c("User|startswith: 'CORP'").unwrap(),
        "(user.domain : \"CORP*\" or ((?user.domain == null or user.domain == \"\") and user.name : \"CORP*\"))"
    );
    assert_eq!(c("User|endswith: 'adm'").unwrap(), "user.name : \"*adm\"");
    assert_eq!(
        c("User|cased: 'CORP\\Adm'").unwrap(),
        "(user.domain == \"CORP\" and user.name == \"Adm\")"
    );
    assert_eq!(
        c("User: 'a\\b\\c'").unwrap_err().construct,
        Construct::Value
    );
    assert_eq!(c("User: 'a*b'").unwrap_err().construct, Construct::Value);
}

#[test]
fn file_version_is_the_pe_file_version_of_the_process() {
    assert_eq!(
        condition(
            WIN_PROC,
            "    sel:\n        FileVersion|startswith: '10.0.'\n    condition: sel"
        )
        .unwrap(),
        "process.pe.file_version : \"10.0.*\""
    );
    // Libraries have no documented file version in Elastic Defend.
    assert_eq!(
        refused(
            "    category: image_load\n    product: windows",
            "    sel:\n        FileVersion: '1.0'\n    condition: sel"
        )
        .construct,
        crate::refusal::Construct::Field
    );
}
