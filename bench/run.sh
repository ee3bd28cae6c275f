#!/usr/bin/env bash
# Benchmark `tunnelhunt scan`: throughput (MB/s, events/s), CPU time and peak
# RSS for two rule sets × three inputs, written to bench/results/<date>.md.
#
#   bench/run.sh                      # everything, default sizes
#   BENCH_SIZE_GB=1 bench/run.sh      # smaller JSON-lines corpus
#
# Environment (all optional):
#   TUNNELHUNT_CORPUS   folder holding evtx-samples/ and sigmahq/  (default: ../shared/corpus)
#   BENCH_DIR           where corpora and scratch files go          (default: /tmp/tunnelhunt-bench)
#   BENCH_SIZE_GB       JSON-lines corpus size in GB                 (default: 2)
#   BENCH_EVTXJSON_GB   pretty-printed EVTX-JSON corpus size in GB   (default: 1; 0 = skip)
#   BENCH_EVTX_COPIES   copies of evtx-samples in the EVTX set       (default: 10)
#   BENCH_SMALL_GB      size of the JSON-lines prefix used to show that
#                       memory does not grow with input size         (default: 0.2; 0 = skip)
#   BENCH_RULES_T1572   the "T1572 pack" rule set (default: rules/t1572 if the repository
#                       has it, else examples/rules as a stand-in)
#   BENCH_SETS          rule sets to run: "t1572 sigmahq"           (default: both)
#   BENCH_PREFILTER     prefilter modes to run: "on off"            (default: both; "off"
#                       adds --no-prefilter, for the same inputs and rules)
#   BENCH_RESULTS       results file (default: bench/results/<UTC date>.md, or
#                       <date>-<HHMM>.md if that exists; an explicit path is overwritten)
#   CARGO_TARGET_DIR    (default: target-bench in the repository)
#   BENCH_NO_BUILD=1    use the binary already in CARGO_TARGET_DIR (e.g. while the tree does not build)
#
# Needs GNU time as /usr/bin/time (Debian/Ubuntu: `apt-get install -y time`),
# python3 (corpus generator), cargo, and ~4 GB free in BENCH_DIR.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
CORPUS=${TUNNELHUNT_CORPUS:-$REPO/../shared/corpus}
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/tunnelhunt-bench}
SIZE_GB=${BENCH_SIZE_GB:-2}
EVTXJSON_GB=${BENCH_EVTXJSON_GB:-1}
COPIES=${BENCH_EVTX_COPIES:-10}
SMALL_GB=${BENCH_SMALL_GB:-0.2}
SETS=${BENCH_SETS:-t1572 sigmahq}
MODES=${BENCH_PREFILTER:-on off}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target-bench}
BIN=$CARGO_TARGET_DIR/release/tunnelhunt

die() { echo "bench: $*" >&2; exit 2; }
log() { echo "bench: $*" >&2; }

# --- prerequisites ---------------------------------------------------------
if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
    die "GNU time is needed as /usr/bin/time (for peak RSS). Install it: sudo apt-get install -y time"
fi
command -v python3 >/dev/null || die "python3 is needed for bench/gen_corpus.py"
[[ -d $CORPUS/evtx-samples ]] || die "no evtx-samples/ in TUNNELHUNT_CORPUS=$CORPUS"
[[ -d $CORPUS/sigmahq/rules ]] || die "no sigmahq/rules in TUNNELHUNT_CORPUS=$CORPUS"
CORPUS=$(cd "$CORPUS" && pwd)

if [[ -n ${BENCH_RULES_T1572:-} ]]; then
    T1572_RULES=$BENCH_RULES_T1572
    T1572_NOTE="\`$T1572_RULES\`"
elif [[ -d $REPO/rules/t1572 ]] && find "$REPO/rules/t1572" -name '*.yml' | grep -q .; then
    # rules/t1572 only: rules/filters holds example tuning that must not be
    # applied to a benchmark.
    T1572_RULES=$REPO/rules/t1572
    T1572_NOTE="the built-in T1572 pack (\`rules/t1572\`)"
else
    T1572_RULES=$REPO/examples/rules
    T1572_NOTE="\`examples/rules\` (3 example rules + 1 filter) — a **stand-in for the T1572 pack**, which does not exist yet"
fi
SIGMA_ARGS=(--rules "$CORPUS/sigmahq/rules" --rules "$CORPUS/sigmahq/rules-emerging-threats"
            --rules "$CORPUS/sigmahq/rules-threat-hunting" --placeholders "$HERE/placeholders.yml")

# --- build -----------------------------------------------------------------
if [[ ${BENCH_NO_BUILD:-0} == 1 ]]; then
    [[ -x $BIN ]] || die "BENCH_NO_BUILD=1 but there is no $BIN"
    log "not building (BENCH_NO_BUILD=1); using $BIN"
else
    log "building: cargo build --release -p tunnelhunt (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    (cd "$REPO" && cargo build --release -p tunnelhunt) || die "the build failed (set BENCH_NO_BUILD=1 to reuse $BIN)"
fi

# --- corpora ---------------------------------------------------------------
mkdir -p "$WORK/corpus" "$WORK/runs"

gen() {  # gen FORMAT SIZE_GB → path of the generated file on stdout
    local format=$1 size=$2 ext=jsonl
    [[ $format == evtx-json ]] && ext=json
    local dir=$WORK/corpus/$format-${size}GB
    local file=$dir/sysmon-$format-${size}GB.$ext
    if [[ ! -s $file || ! -s $dir/sysmon-$format-${size}GB.manifest.json ]]; then
        log "generating $format corpus, $size GB: python3 bench/gen_corpus.py --format $format --size-gb $size --out $dir"
        rm -rf "$dir"
        python3 "$HERE/gen_corpus.py" --format "$format" --size-gb "$size" --out "$dir" 2>"$WORK/runs/gen-$format.log" \
            || { cat "$WORK/runs/gen-$format.log" >&2; die "corpus generation failed"; }
        cat "$WORK/runs/gen-$format.log" >&2
    else
        log "reusing $file"
    fi
    echo "$file"
}
JSONL=$(gen jsonl "$SIZE_GB")
EVTXJSON=
if [[ $EVTXJSON_GB != 0 ]]; then EVTXJSON=$(gen evtx-json "$EVTXJSON_GB"); fi
SMALL=
if [[ $SMALL_GB != 0 ]]; then
    # A prefix of the big file (whole lines), to compare peak RSS at 1/10 the size.
    SMALL=$WORK/corpus/jsonl-prefix-${SMALL_GB}GB.jsonl
    if [[ ! -s $SMALL ]]; then
        python3 - "$JSONL" "$SMALL" "$SMALL_GB" <<'EOF'
import sys
src, dst, gb = sys.argv[1], sys.argv[2], float(sys.argv[3])
limit, n = int(gb * 1e9), 0
with open(src, "rb") as f, open(dst, "wb") as o:
    for line in f:
        if n + len(line) > limit:
            break
        o.write(line); n += len(line)
EOF
    fi
fi

# EVTX set: COPIES hard-linked copies of evtx-samples (only the .evtx files).
# Hard links, not symlinks: the scanner follows symlinks but takes each
# directory and file once by its canonical path, so symlinked copies would
# be scanned once; hard links are distinct paths and are each read.
EVTX=$WORK/corpus/evtx-x$COPIES
if [[ ! -f $EVTX.complete ]]; then
    log "linking $COPIES copies of $CORPUS/evtx-samples into $EVTX"
    rm -rf "$EVTX"; mkdir -p "$EVTX"
    for i in $(seq -w 1 "$COPIES"); do
        if ! cp -al "$CORPUS/evtx-samples" "$EVTX/copy-$i" 2>/dev/null; then
            log "hard links failed (other file system?); copying instead"
            rm -rf "$EVTX/copy-$i"; cp -a "$CORPUS/evtx-samples" "$EVTX/copy-$i"
        fi
    done
    find "$EVTX" -type f ! -name '*.evtx' -delete
    touch "$EVTX.complete"   # outside the tree: the scan walks hidden files too
fi

bytes_of() { find -L "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }
files_of() { find -L "$1" -type f | wc -l; }

# --- runs ------------------------------------------------------------------
DATE=$(date -u +%Y-%m-%d)
OUT=${BENCH_RESULTS:-$HERE/results/$DATE.md}
# Never overwrite an earlier results file (it may carry notes added by hand).
[[ -z ${BENCH_RESULTS:-} && -e $OUT ]] && OUT=$HERE/results/$DATE-$(date -u +%H%M).md
mkdir -p "$(dirname "$OUT")"
ROWS=()
CMDS=()
run() {  # run LABEL SET INPUT-LABEL INPUT-PATH [MODE]
    local label=$1 set=$2 ilabel=$3 input=$4 mode=${5:-on}
    local -a args
    if [[ $set == t1572 ]]; then args=(--rules "$T1572_RULES"); else args=("${SIGMA_ARGS[@]}"); fi
    [[ $mode == off ]] && args+=(--no-prefilter)
    local tf=$WORK/runs/$label.time ef=$WORK/runs/$label.stderr
    local load
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    local -a cmd=("$BIN" scan "${args[@]}" "$input")
    log "run $label (load $load): ${cmd[*]} > /dev/null"
    local rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "${cmd[@]}" >/dev/null 2>"$ef" || rc=$?
    # Exit 1 (a rule left out), 3 (damaged input reported) still ran the scan.
    if (( rc != 0 && rc != 1 && rc != 3 )); then
        tail -5 "$ef" >&2; die "$label failed with exit code $rc"
    fi
    local wall user sys rss
    read -r wall user sys rss < <(tail -1 "$tf")
    local bytes files events skipped unparseable alerts rules
    bytes=$(bytes_of "$input"); files=$(files_of "$input")
    # Events = records read (parsed or skipped by the prefilter).
    events=$(sed -n 's/^records: \([0-9]*\) read = .*/\1/p' "$ef")
    skipped=$(sed -n 's/^records: .* + \([0-9]*\) skipped by prefilter.*/\1/p' "$ef")
    unparseable=$(sed -n 's/^records: .* + \([0-9]*\) unparseable.*/\1/p' "$ef")
    alerts=$(sed -n 's/^alerts: \([0-9]*\).*/\1/p' "$ef")
    rules=$(sed -n 's/^rules: \([0-9]*\) rules\{0,1\} compiled.*/\1/p' "$ef")
    ROWS+=("$(python3 - "$label" "$set" "$ilabel" "$bytes" "$files" "$events" "$unparseable" "$alerts" "$rules" "$wall" "$user" "$sys" "$rss" "$load" "$rc" "$mode" "${skipped:-0}" <<'EOF'
import sys
(label, rset, ilabel, b, files, ev, unp, alerts, rules, wall, user, sys_, rss, load, rc, mode, skipped) = sys.argv[1:]
b, ev, wall, cpu, rss = int(b), int(ev or 0), float(wall), float(user) + float(sys_), int(rss) / 1024
wall = max(wall, 0.01)
cpu_ = max(cpu, 0.01)
print("| %s | %s | %s | %s | %.2f GB / %s | %s | %s | %s | %.2f | %.2f | %.2f | **%.0f** | **%s** | %.0f | %s | **%.0f** | %s | %s |" % (
    label, rset, mode, ilabel, b / 1e9, files, rules, format(ev, ","), format(int(skipped), ","), wall, cpu, cpu / wall,
    b / 1e6 / wall, format(int(ev / wall), ","), b / 1e6 / cpu_, format(int(ev / cpu_), ","),
    rss, alerts or "?", load))
EOF
)")
    CMDS+=("$label: ${cmd[*]} > /dev/null   # exit $rc")
}

for set in $SETS; do
    run "fixed-$set" "$set" "examples/events" "$REPO/examples/events"
    for mode in $MODES; do
        sfx=; [[ $mode == off ]] && sfx=-nopf
        run "jsonl-$set$sfx" "$set" "JSON lines, generated" "$JSONL" "$mode"
        [[ -n $SMALL ]] && run "jsonl-prefix-$set$sfx" "$set" "JSON lines, first ${SMALL_GB} GB" "$SMALL" "$mode"
        [[ -n $EVTXJSON ]] && run "evtxjson-$set$sfx" "$set" "EVTX-JSON pretty, generated" "$EVTXJSON" "$mode"
        run "evtx-x1-$set$sfx" "$set" "EVTX, evtx-samples ×1" "$EVTX/copy-01" "$mode"
        run "evtx-$set$sfx" "$set" "EVTX, evtx-samples ×$COPIES" "$EVTX" "$mode"
    done
done

# --- report ----------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
commit=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(cd "$REPO" && git status --porcelain -- crates Cargo.lock Cargo.toml 2>/dev/null | wc -l)
manifest=${JSONL%.jsonl}.manifest.json
{
    echo "# tunnelhunt scan benchmark, $DATE"
    echo
    echo "Written by \`bench/run.sh\` at $(date -u +%H:%M) UTC. See \`bench/README.md\` for what the figures mean."
    echo
    echo "## Machine"
    echo
    echo "- \`nproc\`: $(nproc); CPU: $cpu_model; memory: $mem; kernel $(uname -r)"
    echo "- load average (1/5/15 min) before each run is in the table; the machine is shared"
    echo "- binary: \`$BIN\`, commit \`$commit\`$( ((dirty > 0)) && echo " + $dirty uncommitted change(s) under crates/ (others were working on the tree)" ), $(rustc --version 2>/dev/null || echo rustc ?)"
    echo "- page cache warm (inputs were just generated or read); output to /dev/null"
    echo
    echo "## Inputs"
    echo
    echo "- **JSON lines, generated**: \`python3 bench/gen_corpus.py --format jsonl --size-gb $SIZE_GB\` (seed 1572), one file, Sysmon EID 1/3/22/13 in the evtx JSON shape; $(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print('%s events, %d tunneling events, generated at %s MB/s' % (format(m['events'], ','), len(m['tunnel_events']), m['mb_per_s']))" "$manifest")"
    [[ -n $SMALL ]] && echo "- **JSON lines, first $SMALL_GB GB**: a prefix of the same file (whole lines), to compare peak RSS at a fraction of the size"
    [[ -n $EVTXJSON ]] && echo "- **EVTX-JSON pretty, generated**: \`--format evtx-json --size-gb $EVTXJSON_GB\`: the same kind of events, pretty-printed and concatenated; $(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print('%s events, generated at %s MB/s' % (format(m['events'], ','), m['mb_per_s']))" "${EVTXJSON%.json}.manifest.json")"
    echo "- **EVTX**: $COPIES hard-linked copies of \`\$TUNNELHUNT_CORPUS/evtx-samples\` (the .evtx files only; the set the peers were measured on, see \`../shared/reference/peer-tools.md\` §3.2). Hard links share the page cache, where the peers read 10 real copies. **EVTX, evtx-samples ×1** is one of those copies, to compare peak RSS at a tenth of the size"
    echo
    echo "## Rule sets"
    echo
    echo "- **t1572**: $T1572_NOTE"
    echo "- **sigmahq**: every SigmaHQ rule: \`sigmahq/rules\`, \`rules-emerging-threats\`, \`rules-threat-hunting\`, with \`--placeholders bench/placeholders.yml\` for \`%known_cdcs%\`"
    echo
    echo "## Results"
    echo
    echo "Events = records read (parsed, or skipped by the literal prefilter without being parsed); prefilter \`off\` runs add \`--no-prefilter\` (same alerts, every record parsed and evaluated). MB/s and events/s are per wall-clock second, whole process (rule loading included). CPU = user + sys; cores = CPU / wall. "per CPU-s" divides by CPU time instead: it is the steadier figure on a shared machine (when other jobs take CPU, wall time grows but CPU time hardly does), and × 2 it bounds what 2 idle cores could do. Peak RSS = GNU time \`%M\`. \`fixed-*\` rows scan 8 events: they are the fixed cost (rule loading)."
    echo
    echo "| run | rules | prefilter | input | size / files | rules compiled | events | skipped by prefilter | wall s | CPU s | cores | MB/s | events/s | MB per CPU-s | events per CPU-s | peak RSS MiB | alerts | load avg |"
    echo "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Targets (issue 6, this 2-core machine): t1572 on JSON lines ≥ 500 MB/s; all SigmaHQ rules ≥ 100,000 events/s; peak RSS < 200 MB for any input size. Issue 3: peak RSS on ≥ 1 GB of EVTX and of JSON lines (the \`jsonl-*\` and \`evtx-*\` rows)."
    echo
    echo "Expected alerts of the example rules on the JSON-lines corpus (from its manifest): $(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); e=m['expected_example_rule_alerts']; print(', '.join('%s %d' % kv for kv in sorted(e.items())) + ' = %d' % sum(e.values()))" "$manifest")."
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR cargo build --release -p tunnelhunt"
    printf '%s\n' "${CMDS[@]}"
    echo '```'
    echo
    echo "Each scan ran as \`/usr/bin/time -f '%e %U %S %M' -o FILE <command> > /dev/null 2> FILE.stderr\`; the stderr summaries are in \`$WORK/runs/\`."
} > "$OUT"
log "results written to $OUT"
cat "$OUT"
