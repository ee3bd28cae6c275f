//! Nothing from a file or a rule reaches the terminal raw: file names,
//! garbage lines, sniffed text, host names and rule titles are printed
//! with their control and format characters escaped (`\u{1b}`), by the
//! scan's summary, the alert table and `rules list`/`show`/`check`.

use crate::common;
use crate::output::terminal::needs_escape;

use std::path::{Path, PathBuf};

use common::{repo, stderr, stdout, tunnelhunt};

fn scratch(name: &str) -> PathBuf {
    common::scratch("terminal", name)
}

/// An escape sequence that sets the window title, a CSI (C1) that clears
/// the screen, a carriage return, a fake line, NUL and a bidi override.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{9b}2J\rFAKE\nLINE\0\u{202e}gpj.exe";

/// Every character of `text` that would drive a terminal, except the line
/// breaks tunnelhunt writes itself.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && needs_escape(c))
        .collect()
}

fn assert_no_raw_controls(what: &str, text: &str) {
    let raw = raw_controls(text);
    assert!(raw.is_empty(), "{what} prints {raw:?} raw:\n{text}");
    assert!(
        !text.contains("\nLINE"),
        "{what} lets a value add a line:\n{text}"
    );
}

fn write_hostile_inputs(dir: &Path) {
    let example =
        std::fs::read_to_string(repo().join("examples/events/sysmon_process_creation.jsonl"))
            .unwrap();
    // The host name of every event, escaped as JSON.
    let host = serde_json::to_string(HOSTILE).unwrap();
    let mut lines: Vec<String> = example
        .lines()
        .map(|line| {
            let mut event: serde_json::Value = serde_json::from_str(line).unwrap();
            event["Event"]["System"]["Computer"] = serde_json::from_str(&host).unwrap();
            event.to_string()
        })
        .collect();
    lines.insert(1, format!("{{\"Event\": {HOSTILE}"));
    // A file name may hold anything but NUL and `/`.
    let name = HOSTILE.replace('\0', "");
    std::fs::write(dir.join(format!("a{name}.jsonl")), lines.join("\n")).unwrap();
    std::fs::write(dir.join(format!("b{name}.bin")), HOSTILE.repeat(20)).unwrap();
}

#[cfg(unix)]
#[test]
fn the_scan_summary_and_the_table_escape_what_files_hold() {
    let dir = scratch("scan");
    write_hostile_inputs(&dir);
    let dir = dir.to_str().unwrap();
    let scan = tunnelhunt(&[
        "scan",
        "--rules",
        "examples/rules",
        "--format",
        "table",
        dir,
    ]);
    assert_eq!(scan.status.code(), Some(3), "{}", stderr(&scan));
    assert!(stderr(&scan).contains("by host:"), "{}", stderr(&scan));
    assert!(
        stderr(&scan).contains("\\u{1b}]0;pwned\\u{7}\\u{9b}2J\\u{d}FAKE\\u{a}LINE"),
        "{}",
        stderr(&scan)
    );
    assert_no_raw_controls("the summary", &stderr(&scan));
    assert_no_raw_controls("the table", &stdout(&scan));
}

/// A rule whose title, description and branch carry [`HOSTILE`].
fn write_hostile_rule(dir: &Path) -> PathBuf {
    let original = std::fs::read_to_string(
        repo().join("examples/rules/proc_creation_win_plink_port_forwarding.yml"),
    )
    .unwrap();
    let quoted = serde_json::to_string(&format!("Plink {HOSTILE}")).unwrap();
    let rule: String = original
        .lines()
        .map(|line| {
            if line.starts_with("title:") {
                format!("title: {quoted}\nbranch: {quoted}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.join("hostile.yml");
    std::fs::write(&path, rule).unwrap();
    path
}

#[test]
fn rules_list_show_and_check_escape_titles() {
    let dir = scratch("rules");
    let rule = write_hostile_rule(&dir);
    let rule = rule.to_str().unwrap();
    let list = tunnelhunt(&["rules", "list", rule]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert!(stdout(&list).contains("\\u{202e}"), "{}", stdout(&list));
    assert_no_raw_controls("rules list", &stdout(&list));
    assert_no_raw_controls("rules list (stderr)", &stderr(&list));

    let show = tunnelhunt(&["rules", "show", "--rules", rule, "3641db14"]);
    assert!(show.status.success(), "{}", stderr(&show));
    assert_no_raw_controls("rules show", &stdout(&show));

    let check = tunnelhunt(&["rules", "check", rule]);
    assert_no_raw_controls("rules check", &stdout(&check));
    assert_no_raw_controls("rules check (stderr)", &stderr(&check));
}
