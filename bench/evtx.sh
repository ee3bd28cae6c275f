#!/usr/bin/env bash
# Issue 19's three figures in one command: wall, CPU (user + sys) and peak
# RSS of `tunnelhunt scan` for (after the fixed cost of each rule set, on
# one small file of set 1)
#
#   1. the built-in T1572 pack on ten copies of evtx-samples (5,930 files, 1.04 GB),
#   2. all SigmaHQ rules (the three trees) on the same set,
#   3. the pack on 2 GB of generated Sysmon JSON lines (bench/gen_corpus.py),
#
# and, when their binaries are given, the peers on set 1 with the same
# rules as measured in ../shared/reference/peer-tools.md §3.2 (ratios are
# printed against our row). Targets (issue 19): 1 ≤ 1.0 s wall; 2 ≤ 4 s
# wall and ≤ 100 MiB; 3 ≥ 1 GB/s.
#
#   bench/evtx.sh                          # builds target/release (the real profile)
#   BENCH_NO_BUILD=1 bench/evtx.sh         # use the binary already built
#   RUNS=3 bench/evtx.sh                   # best of 3 per row (default 1)
#
# Environment (all optional):
#   TUNNELHUNT_CORPUS  folder holding evtx-samples/ and sigmahq/ (default ../shared/corpus)
#   BENCH_DIR          where the linked copies and the JSON lines go (default /tmp/tunnelhunt-bench)
#   BENCH_SIZE_GB      size of the JSON-lines file (default 2)
#   TUNNELHUNT         the binary (default target/release/tunnelhunt)
#   CHAINSAW, CHAINSAW_RULES, CHAINSAW_MAPPING   chainsaw binary, its T1572 Sigma rules and mapping
#   HAYABUSA, HAYABUSA_RULES                      hayabusa binary and its T1572 rules folder
#
# Corpora are made once and reused; nothing goes into the repository.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
CORPUS=${TUNNELHUNT_CORPUS:-$REPO/../shared/corpus}
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/tunnelhunt-bench}
SIZE_GB=${BENCH_SIZE_GB:-2}
RUNS=${RUNS:-1}
BIN=${TUNNELHUNT:-$REPO/target/release/tunnelhunt}

die() { echo "bench: $*" >&2; exit 2; }
/usr/bin/time -f %M true >/dev/null 2>&1 || die "GNU time is needed as /usr/bin/time"
[[ -d $CORPUS/evtx-samples && -d $CORPUS/sigmahq/rules ]] || die "no evtx-samples/ or sigmahq/ in $CORPUS"

if [[ ${BENCH_NO_BUILD:-0} != 1 && -z ${TUNNELHUNT:-} ]]; then
    (cd "$REPO" && cargo build --quiet --release -p tunnelhunt) || die "the build failed"
fi
[[ -x $BIN ]] || die "no binary at $BIN"

# Ten hard-linked copies (symlinked ones would be read once: the scanner
# takes each file once by its canonical path).
EVTX=$WORK/corpus/evtx-x10
if [[ ! -f $EVTX.complete ]]; then
    rm -rf "$EVTX"; mkdir -p "$EVTX"
    for i in $(seq -w 1 10); do
        cp -al "$CORPUS/evtx-samples" "$EVTX/copy-$i" 2>/dev/null \
            || cp -a "$CORPUS/evtx-samples" "$EVTX/copy-$i"
    done
    find "$EVTX" -type f ! -name '*.evtx' -delete
    touch "$EVTX.complete"
fi
JSONL=$WORK/corpus/jsonl-${SIZE_GB}GB/sysmon-jsonl-${SIZE_GB}GB.jsonl
if [[ ! -s $JSONL ]]; then
    echo "bench: generating $SIZE_GB GB of JSON lines (once)" >&2
    python3 "$HERE/gen_corpus.py" --format jsonl --size-gb "$SIZE_GB" --out "$(dirname "$JSONL")" >&2
fi

SIGMA=(--rules "$CORPUS/sigmahq/rules" --rules "$CORPUS/sigmahq/rules-emerging-threats"
       --rules "$CORPUS/sigmahq/rules-threat-hunting" --placeholders "$HERE/placeholders.yml")
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# run LABEL BYTES COMMAND... : the best of RUNS by wall time, one table row.
declare -A WALL
run() {
    local label=$1 bytes=$2 best=
    shift 2
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%e %U %S %M' -o "$OUT" "$@" >/dev/null 2>&1 || true
        local line
        line=$(tail -1 "$OUT")
        if [[ -z $best ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
            best=$line
        fi
    done
    local wall user sys rss
    read -r wall user sys rss <<<"$best"
    WALL[$label]=$wall
    awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v b="$bytes" \
        -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
        w = (w < 0.01) ? 0.01 : w
        printf "| %-28s | %7.2f | %7.2f | %6.0f | %8.0f | %s |\n", l, w, u + s, r / 1024, b / 1e6 / w, load }'
}

bytes() { find -L "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
EVTX_BYTES=$(bytes "$EVTX")
JSONL_BYTES=$(bytes "$JSONL")

# The fixed cost (rule loading, start-up) on one small file of the set:
# what the ×10 rows pay before the first record, and the floor of their
# peak RSS.
ONE=$(find "$EVTX/copy-01" -type f -name '*.evtx' -size -100k -print -quit)
ONE_BYTES=$(stat -c %s "$ONE")

echo "| run | wall s | CPU s | peak RSS MiB | MB/s | load |"
echo "|---|---:|---:|---:|---:|---|"
run "pack, one file (fixed cost)" "$ONE_BYTES" "$BIN" scan "$ONE"
run "all SigmaHQ, one file (fixed cost)" "$ONE_BYTES" "$BIN" scan "${SIGMA[@]}" "$ONE"
run "pack, EVTX ×10" "$EVTX_BYTES" "$BIN" scan "$EVTX"
run "all SigmaHQ, EVTX ×10" "$EVTX_BYTES" "$BIN" scan "${SIGMA[@]}" "$EVTX"
run "pack, JSON lines ${SIZE_GB} GB" "$JSONL_BYTES" "$BIN" scan "$JSONL"
if [[ -n ${CHAINSAW:-} && -n ${CHAINSAW_RULES:-} && -n ${CHAINSAW_MAPPING:-} ]]; then
    run "chainsaw, T1572, EVTX ×10" "$EVTX_BYTES" "$CHAINSAW" hunt -q --skip-errors \
        -s "$CHAINSAW_RULES" --mapping "$CHAINSAW_MAPPING" --jsonl "$EVTX"
fi
if [[ -n ${HAYABUSA:-} && -n ${HAYABUSA_RULES:-} ]]; then
    run "hayabusa, T1572, EVTX ×10" "$EVTX_BYTES" "$HAYABUSA" dfir-timeline -t csv -w -q \
        -r "$HAYABUSA_RULES" -d "$EVTX" -o /dev/null
fi
for peer in "chainsaw, T1572, EVTX ×10" "hayabusa, T1572, EVTX ×10"; do
    [[ -n ${WALL[$peer]:-} ]] && awk -v p="$peer" -v a="${WALL[$peer]}" -v b="${WALL["pack, EVTX ×10"]}" \
        'BEGIN { printf "%s: %.1f× the pack'"'"'s wall time\n", p, a / b }'
done
echo
echo "Targets (issue 19): pack on EVTX ≤ 1.0 s; all SigmaHQ ≤ 4 s and ≤ 100 MiB; JSON lines ≥ 1000 MB/s."
