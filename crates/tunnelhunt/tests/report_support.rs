//! What the HTML report tests share: a hostile corpus, built from a real
//! example event whose values are replaced by XSS canaries (the rule
//! still fires on each), and reading a scan's JSON lines.

use std::path::Path;

use serde_json::Value;

/// Canaries: each would run script, inject markup, or reorder text if a
/// value reached the page unescaped.
pub const CANARIES: [&str; 8] = [
    "<script>window.__pwned='script tag'</script>",
    "</script><script>window.__pwned='closed the data block'</script>",
    "\"><img src=x onerror=\"window.__pwned='attribute'\">",
    "javascript:window.__pwned='javascript url'",
    "' onmouseover='window.__pwned=1' x='",
    "invoice\u{202e}fdp.exe \u{2066}isolated\u{2069} \u{200b}zero-width",
    "<!-- <svg onload=window.__pwned='svg'>",
    "&lt;b&gt;entity&lt;/b&gt; \u{2028} line separator",
];

/// Characters of the huge value (a command line no layout may grow to).
pub const HUGE: usize = 200_000;

/// The example plink `-L` event with each canary in its host, user and
/// command line (the forward stays, so the rule fires), and one huge
/// command line.
pub fn write_hostile_corpus(dir: &Path) -> usize {
    let examples = std::fs::read_to_string(
        crate::common::repo().join("examples/events/sysmon_process_creation.jsonl"),
    )
    .unwrap();
    let template: Value = examples
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| {
            let cmd = e["Event"]["EventData"]["CommandLine"]
                .as_str()
                .unwrap_or("");
            cmd.contains("plink") && cmd.contains(" -L ")
        })
        .expect("the examples have a plink -L event");
    let mut lines = Vec::new();
    let values = CANARIES.iter().map(|c| (*c).to_owned()).chain([format!(
        "{} {}",
        "A".repeat(HUGE),
        CANARIES[1]
    )]);
    for (i, canary) in values.enumerate() {
        let mut event = template.clone();
        let data = &mut event["Event"]["EventData"];
        data["CommandLine"] = Value::from(format!(
            "plink.exe -ssh -N -L 13389:127.0.0.1:3389 -P 22 {canary}"
        ));
        data["User"] = Value::from(cut(&canary, 300));
        event["Event"]["System"]["Computer"] = Value::from(cut(&canary, 300));
        event["Event"]["System"]["EventRecordID"] = Value::from(90_000 + i);
        lines.push(serde_json::to_string(&event).unwrap());
    }
    std::fs::write(dir.join("hostile.jsonl"), lines.join("\n") + "\n").unwrap();
    lines.len()
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The alerts of a JSON-lines scan.
pub fn alerts(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
