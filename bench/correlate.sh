#!/usr/bin/env bash
# Correlation throughput (issue 13): base-rule matches per second through
# the correlate crate's collector and evaluator, on one thread, for
# event_count, value_count and temporal_ordered, with peak RSS. The
# workload (crates/correlate/examples/correlate_workload.rs) is
# DNS-tunnel shaped: 100,000 background groups, 4 tunnel groups whose
# 5-minute windows hold about 10,000 distinct values, out-of-order input
# (8 files, each in time order, read one after the other).
#
#   bench/correlate.sh               # 4,000,000 matches per kind
#   MATCHES=10000000 bench/correlate.sh
#
# A last run repeats value_count with the collector spilling to temporary
# files past 500,000 observations (SPILL=N to change it).
#
# Builds the example in release (the workspace's release profile).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/..
MATCHES=${MATCHES:-4000000}
SPILL=${SPILL:-500000}
cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" \
    -p tunnelhunt-correlate --example correlate_workload
BIN=$ROOT/target/release/examples/correlate_workload
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

run() {
    local label=$1
    shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v "$BIN" "$@" 2>"$OUT"
        awk -F': ' -v label="$label" '/Maximum resident set size/ {
            printf "%s: peak RSS %.0f MB\n", label, $2 / 1024 }' "$OUT"
    else
        "$BIN" "$@"
    fi
}

for kind in event_count value_count temporal_ordered; do
    run "$kind" "$kind" "$MATCHES"
done
run "value_count, spilling past $SPILL" value_count "$MATCHES" "$SPILL"
