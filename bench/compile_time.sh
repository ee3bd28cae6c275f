#!/usr/bin/env bash
# Rule compile time on hostile rules (issue 15, defect 7): one literal of
# 80 KB, a `wide|base64offset` literal of 10 KB, more needles than Teddy
# takes with one of 20 KB, and a condition over 100,000 searches. Each was
# quadratic (38 s, 45 s, 198 s, 94 s); each must now take about as long
# as reading the rule.
#
#   bench/compile_time.sh                      # debug build, target/debug/tunnelhunt
#   TUNNELHUNT=path/to/tunnelhunt bench/compile_time.sh
#
# Prints one line per rule: its shape and the seconds `rules check` and
# `scan` (of one event) took. Needs python3; rules go to a temporary folder.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${TUNNELHUNT:-$HERE/../target/debug/tunnelhunt}
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build -p tunnelhunt)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
head = """title: compile time
id: 11111111-2222-3333-4444-555555555555
status: test
logsource:
    product: windows
    category: process_creation
level: high
detection:
"""
def write(name, body):
    (out / f"{name}.yml").write_text(head + body)
write("contains_80k", f"    sel:\n        CommandLine|contains: '{'A' * 80_000}'\n    condition: sel\n")
write("wide_base64offset_10k",
      f"    sel:\n        CommandLine|wide|base64offset|contains: '{'A' * 10_000}'\n    condition: sel\n")
needles = "".join(f"            - 'q{c}'\n" for c in "abcdefghijklmnopqrst")
write("needles_20_and_20k",
      f"    sel:\n        CommandLine|contains:\n{needles}            - '{'gh' * 10_000}'\n    condition: sel\n")
searches = "".join(f"    s{i}:\n        CommandLine|contains: 'x{i}y'\n" for i in range(100_000))
write("or_100k", searches + "    condition: " + " or ".join(f"s{i}" for i in range(100_000)) + "\n")
event = {"Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"},
                   "EventData": {"CommandLine": "ssh -L 8080:10.0.0.5:3389 u@h"}}}
(out / "event.json").write_text(json.dumps(event) + "\n")
PY

# Wall-clock seconds of a command (its exit status is not the point here).
seconds() { local TIMEFORMAT=%R; { time "$@" >/dev/null 2>&1 || true; } 2>&1; }
printf '%-24s %10s %10s\n' rule "check (s)" "scan (s)"
for rule in contains_80k wide_base64offset_10k needles_20_and_20k or_100k; do
    printf '%-24s %10.2f %10.2f\n' "$rule" \
        "$(seconds "$BIN" rules check "$WORK/$rule.yml")" \
        "$(seconds "$BIN" scan --rules "$WORK/$rule.yml" "$WORK/event.json")"
done
