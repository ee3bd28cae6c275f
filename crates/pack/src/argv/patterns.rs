//! The pack's command-line regexes for ssh, plink and netsh, written from
//! the grammar in this module's siblings rather than by hand.
//!
//! The rule files hold these exact strings (a test compares them), so a
//! change of the grammar — a flag, a service name, a quoting rule — is
//! made here and pasted into the rules, never tuned in one rule and
//! forgotten in another. Every pattern stays inside the regex subset all
//! backends render: no look-around, no backreference, ASCII classes.
//!
//! Two dialects of the same grammar:
//!
//! - **Windows**: the raw command line still holds the quotes the C
//!   runtime drops ([`super::windows`]), so a `"` may stand between any
//!   two characters of a flag, a port or a keyword (`-"L"`, `"-L"`,
//!   `33"89"`), and a forward's fields may also hold the backslashes
//!   OpenSSH drops (`33\89`).
//! - **Linux**: the command line is `argv` joined with spaces; quotes in
//!   it are literal characters of an argument, which ssh does not strip,
//!   so only OpenSSH's own backslash rule applies.
//!
//! What a regex over the raw text cannot know — whether a blank sits
//! inside quotes (one argument) or between arguments, whether a `-L` is
//! the value of another option or part of the remote command — is listed
//! in the guides' "What this rule cannot see".

use super::openssh::FLAGS_WITHOUT_ARGUMENT;
use super::services::{SERVICES, names_of};

/// The TCP ports of remote access the pack singles out: RDP, SMB, WinRM.
pub const REMOTE_ACCESS_PORTS: [u16; 4] = [3389, 445, 5985, 5986];

/// Where the command line comes from, which decides what is noise in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Windows,
    Linux,
}

impl Platform {
    /// What may stand between two characters of a flag or keyword.
    fn quote(self) -> &'static str {
        match self {
            Platform::Windows => r#""*"#,
            Platform::Linux => "",
        }
    }

    /// What may stand between two characters of a forward's field.
    fn field_noise(self) -> &'static str {
        match self {
            Platform::Windows => r#"["\\]*"#,
            Platform::Linux => r"\\*",
        }
    }

    /// What separates a flag from its attached or next-argument value.
    fn value_gap(self) -> &'static str {
        match self {
            Platform::Windows => r#"[\s"]*"#,
            Platform::Linux => r"\s*",
        }
    }
}

/// One field of a forward spec: a bracketed part or anything but a colon.
const FIELD: &str = r"(?:\[[^\]\s]*\]|[^\s:\[])*";
/// A field that is a Unix-socket path, with its colon.
const PATH_FIELD: &str = r"[^\s:/]*/[^\s:]*:";
/// The end of an argument.
const END: &str = r"(?:\s|$)";

/// `word` with `noise` after each character.
fn spaced(word: &str, noise: &str) -> String {
    word.chars()
        .map(|c| format!("{}{noise}", regex_escape(c)))
        .collect()
}

fn regex_escape(c: char) -> String {
    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
        c.to_string()
    } else {
        format!("\\{c}")
    }
}

/// An ssh option cluster ending in one of `letters` (a class or a letter),
/// then the gap before its value.
fn ssh_flag(platform: Platform, letters: &str) -> String {
    format!(
        "{}{letters}{}",
        ssh_flag_without_gap(platform),
        platform.value_gap()
    )
}

/// The start of an ssh option cluster, up to the letter that matters.
fn ssh_flag_without_gap(platform: Platform) -> String {
    let q = platform.quote();
    let cluster = if q.is_empty() {
        format!("[{FLAGS_WITHOUT_ARGUMENT}]*")
    } else {
        format!("(?:[{FLAGS_WITHOUT_ARGUMENT}]{q})*")
    };
    format!(r"(?:^|\s){q}-{q}{cluster}")
}

/// Any port OpenSSH accepts: a number in `strtoll`'s syntax or a known
/// service name, optionally in brackets.
fn any_port(platform: Platform) -> String {
    let n = platform.field_noise();
    let names: Vec<String> = SERVICES.iter().map(|(name, _)| spaced(name, n)).collect();
    format!(
        r"{n}\[?{n}(?:\+?{n}(?:0{n})*(?:\d{n}){{1,5}}|{})\]?{n}",
        names.join("|")
    )
}

/// One of the remote-access ports, in any spelling OpenSSH accepts.
fn remote_access_port(platform: Platform) -> String {
    let n = platform.field_noise();
    let numbers: Vec<String> = REMOTE_ACCESS_PORTS
        .iter()
        .map(|p| spaced(&p.to_string(), n))
        .collect();
    let names: Vec<String> = REMOTE_ACCESS_PORTS
        .iter()
        .flat_map(|&p| names_of(p))
        .map(|name| spaced(name, n))
        .collect();
    format!(
        r"{n}\[?{n}(?:\+?{n}(?:0{n})*(?:{})|{})\]?{n}",
        numbers.join("|"),
        names.join("|")
    )
}

/// The `CommandLine|re` list of the ssh local-forward rules.
pub fn ssh_local_forward(platform: Platform) -> Vec<String> {
    vec![
        format!(
            r"{}(?:(?:{FIELD}:)?{}:|{PATH_FIELD})\S",
            ssh_flag(platform, "L"),
            any_port(platform)
        ),
        format!(
            r#"{}(?i:localforward)(?:\s*=\s*|\s+)["']?\S"#,
            ssh_flag(platform, "o")
        ),
    ]
}

/// The `CommandLine|re` list of the ssh remote/dynamic/tun rules.
pub fn ssh_remote_dynamic_forward(platform: Platform) -> Vec<String> {
    let q = platform.quote();
    let port = any_port(platform);
    vec![
        format!(
            r#"{}(?:(?:{FIELD}:)?{port}(?::\S|\s+{q}[^/~.\s"]|\s*$)|{PATH_FIELD}\S)"#,
            ssh_flag(platform, "R")
        ),
        format!(r"{}(?:{FIELD}:)?{port}{END}", ssh_flag(platform, "D")),
        format!(
            r"{}(?:\d{{1,3}}|any)(?::(?:\d{{1,3}}|any))?{q}{END}",
            ssh_flag(platform, "w")
        ),
        format!(
            r#"{}(?i:remoteforward|dynamicforward|tunneldevice)(?:\s*=\s*|\s+)["']?\S"#,
            ssh_flag(platform, "o")
        ),
        format!(
            r#"{}(?i:tunnel)(?:\s*=\s*|\s+)["']?(?i:yes|point-to-point|ethernet)"#,
            ssh_flag(platform, "o")
        ),
    ]
}

/// The `CommandLine|re` list of the ssh rules on remote-access targets.
pub fn ssh_remote_access_forward(platform: Platform) -> Vec<String> {
    vec![
        format!(
            r"{}(?:{FIELD}:){{2,3}}{}{END}",
            ssh_flag(platform, "[LR]"),
            remote_access_port(platform)
        ),
        format!(
            r#"{}(?i:localforward|remoteforward)(?:\s*=\s*|\s+)["']?[^"'\s]+\s+[^"'\s]*:(?:3389|445|5985|5986)(?:["'\s]|$)"#,
            ssh_flag(platform, "o")
        ),
    ]
}

/// Any ssh forward option with the start of a value (`-L`, `-R`, `-D`,
/// `-w`, `-o LocalForward`…), without checking the value's shape: for
/// rules where the parent process is the signal and any forward counts.
pub fn ssh_any_forward(platform: Platform) -> String {
    let gap = platform.value_gap();
    format!(
        r#"{}(?:[LRDw]{gap}[\w.*\[/+"\\-]|o{gap}(?i:localforward|remoteforward|dynamicforward|tunnel))"#,
        ssh_flag_without_gap(platform)
    )
}

/// A whole plink option (`-L`, `"-L"`), then the next argument.
fn plink_flag(letters: &str) -> String {
    format!(r#"(?:^|\s)"*-"*{letters}"*\s+"*"#)
}

/// A port as plink is modelled to read it: decimal digits.
const PLINK_PORT: &str = r#""*(?:\d"*){1,5}"#;

/// plink's `-L` pattern.
pub fn plink_local_forward() -> String {
    format!(r"{}(?:{FIELD}:)?{PLINK_PORT}:\S", plink_flag("L"))
}

/// plink's `-R`/`-D` pattern.
pub fn plink_remote_dynamic_forward() -> String {
    format!(
        r"{}(?:{FIELD}:)?{PLINK_PORT}(?:[:\s]|$)",
        plink_flag("[RD]")
    )
}

/// plink's `-L`/`-R` to a remote-access port.
pub fn plink_remote_access_forward() -> String {
    let numbers: Vec<String> = REMOTE_ACCESS_PORTS
        .iter()
        .map(|p| spaced(&p.to_string(), r#""*"#))
        .collect();
    format!(
        r#"{}(?:{FIELD}:){{2,3}}"*(?:{}){END}"#,
        plink_flag("[LR]"),
        numbers.join("|")
    )
}

/// `word` or any prefix of it at least `shortest` characters long (netsh
/// takes any unambiguous prefix), with quotes allowed between characters.
fn netsh_prefix(word: &str, shortest: usize) -> String {
    let chars: Vec<String> = word.chars().map(|c| format!(r#"{c}"*"#)).collect();
    let mut pattern = String::new();
    for (i, c) in chars.iter().enumerate().rev() {
        pattern = if i < shortest {
            format!("{c}{pattern}")
        } else {
            format!("(?:{c}{pattern})?")
        };
    }
    pattern
}

/// netsh's `interface portproxy add|set <table>`.
pub fn netsh_portproxy_add() -> String {
    let gap = r#"\s[\s"]*"#;
    let table = r#"v"*(?:[46]"*(?:t"*(?:o"*(?:v"*(?:[46]"*)?)?)?)?)?"#;
    format!(
        r#"(?i)(?:^|\s)"*(?:-"*c"*{gap})?{}{gap}{}{gap}(?:{}|{}){gap}{table}{END}"#,
        netsh_prefix("interface", 1),
        netsh_prefix("portproxy", 1),
        netsh_prefix("add", 1),
        netsh_prefix("set", 1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_is_in_the_subset_the_backends_render() {
        let mut all = vec![
            plink_local_forward(),
            plink_remote_dynamic_forward(),
            plink_remote_access_forward(),
            netsh_portproxy_add(),
            ssh_any_forward(Platform::Windows),
        ];
        for platform in [Platform::Windows, Platform::Linux] {
            all.extend(ssh_local_forward(platform));
            all.extend(ssh_remote_dynamic_forward(platform));
            all.extend(ssh_remote_access_forward(platform));
        }
        for pattern in all {
            assert!(!pattern.contains("(?="), "{pattern}");
            assert!(!pattern.contains("(?!"), "{pattern}");
            assert!(!pattern.contains("(?<"), "{pattern}");
        }
    }

    #[test]
    fn prefixes_need_their_first_letters() {
        assert_eq!(netsh_prefix("ab", 1), r#"a"*(?:b"*)?"#);
        assert_eq!(netsh_prefix("ab", 2), r#"a"*b"*"#);
    }
}
