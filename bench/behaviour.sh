#!/usr/bin/env bash
# Benchmark the behaviour analytics (crates/behaviour): DNS queries and
# connections observed per second on one core, the time to score them, and
# the peak RSS, on a generated day of Zeek dns.log and conn.log (5,000
# clients, 60,000 registered domains, CDN and reverse lookups, a few
# tunnels and beacons; rows in flow-completion order). Results go to
# bench/results/behaviour-<UTC date>.md.
#
#   bench/behaviour.sh
#   BENCH_DNS_ROWS=1000000 BENCH_CONN_ROWS=500000 bench/behaviour.sh
#
# Environment (all optional):
#   BENCH_DIR         where the logs go           (default: /tmp/tunnelhunt-bench)
#   BENCH_DNS_ROWS    dns.log rows                 (default: 3000000)
#   BENCH_CONN_ROWS   conn.log rows                (default: 2000000)
#   CARGO_TARGET_DIR  (default: cargo's)
#
# Needs GNU time as /usr/bin/time, python3 and cargo. The example is built
# with --release (the workspace profile: fat LTO).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/tunnelhunt-bench}
DNS_ROWS=${BENCH_DNS_ROWS:-3000000}
CONN_ROWS=${BENCH_CONN_ROWS:-2000000}
RESULTS=$REPO/bench/results/behaviour-$(date -u +%F).md

mkdir -p "$WORK/behaviour"
LOGS=$WORK/behaviour/$DNS_ROWS-$CONN_ROWS
if [[ ! -s $LOGS/conn.log ]]; then
    mkdir -p "$LOGS"
    echo "generating $DNS_ROWS dns.log rows and $CONN_ROWS conn.log rows in $LOGS" >&2
    python3 "$HERE/gen_behaviour.py" "$LOGS" "$DNS_ROWS" "$CONN_ROWS"
fi

cd "$REPO"
cargo build --release -q -p tunnelhunt-behaviour --example throughput
BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/examples/throughput

OUT=$(mktemp)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/time -v "$BIN" "$LOGS/dns.log" "$LOGS/conn.log" >"$OUT" 2>"$OUT.time"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
RSS_KB=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$OUT.time")

{
    echo "# Behaviour analytics benchmark, $(date -u +%FT%TZ)"
    echo
    echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
        "load average $LOAD_BEFORE before and $LOAD_AFTER after (other builds running)." \
        "Command: \`bench/behaviour.sh\`" \
        "(BENCH_DNS_ROWS=$DNS_ROWS, BENCH_CONN_ROWS=$CONN_ROWS), one thread."
    echo
    echo "Input: $(du -h "$LOGS/dns.log" | cut -f1) dns.log, $(du -h "$LOGS/conn.log" | cut -f1) conn.log (Zeek TSV)."
    echo
    echo '```'
    cat "$OUT"
    echo "peak RSS: $((RSS_KB / 1024)) MiB"
    echo '```'
} >"$RESULTS"
rm -f "$OUT" "$OUT.time"
cat "$RESULTS"
echo "written to $RESULTS" >&2
