#!/bin/sh
# False alerts of the pack's DNS rules per million benign queries.
#
# Scans the benign DNS scenarios (every row a benign query) with the pack
# and prints, per rule and correlation of branch DnsTunneling, the alerts
# raised, the queries read, and the rate per million queries, plus the
# 95% upper bound of that rate when no alert was raised (3 / queries, the
# "rule of three"). Zero alerts on N queries does not prove the issue's
# bar of 1 per million unless N is in the millions: the bound says how
# much the figure is worth.
#
#   corpus/tools/dns_false_alerts.sh [TUNNELHUNT_BINARY] [SCENARIO_DIR…]
#
# Defaults: target/release/tunnelhunt if built, else target/debug; the
# fp-dns-* scenarios.
set -eu
cd "$(dirname "$0")/../.."
bin=${1:-}
if [ -z "$bin" ]; then
    if [ -x target/release/tunnelhunt ]; then bin=target/release/tunnelhunt; else bin=target/debug/tunnelhunt; fi
else
    shift
fi
[ "$#" -gt 0 ] || set -- corpus/scenarios/fp-dns-*
summary=$(mktemp)
alerts=$(mktemp)
trap 'rm -f "$summary" "$alerts"' EXIT
# A debug build on a busy machine reads a million rows slower than the
# default --file-timeout allows; a file read in part would undercount.
"$bin" scan --rules rules/t1572 --format jsonl --summary json --file-timeout 86400 "$@" >"$alerts" 2>"$summary" || true
python3 - "$summary" "$alerts" <<'PY'
import collections, json, sys, pathlib
summary = json.loads(pathlib.Path(sys.argv[1]).read_text().strip().splitlines()[-1])
queries = summary["totals"]["records_read"]
if summary["totals"]["damaged"] or summary["unreadable"] or summary["totals"]["unparseable"]:
    sys.exit(f"not every record was read: {summary['totals']}")
counts = collections.Counter()
for line in pathlib.Path(sys.argv[2]).read_text().splitlines():
    alert = json.loads(line)
    if alert.get("branch") == "DnsTunneling":
        counts[alert["rule_title"]] += 1
rules = ["(any DnsTunneling rule or correlation)"] + sorted(counts)
print(f"{queries} benign queries read")
total = sum(counts.values())
for rule in rules:
    n = total if rule.startswith("(any") else counts[rule]
    rate = n / queries * 1e6
    bound = f", 95% upper bound {3 / queries * 1e6:.0f} per million" if n == 0 else ""
    print(f"{n:6d} alerts  {rate:8.1f} per million  {rule}{bound}")
PY
