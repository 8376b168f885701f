#!/usr/bin/env bash
# bench.sh: every benchmark scenario in one run (what `make bench` runs), then
# report.py turns the raw lines into results/latest.json, results/latest.md and
# results/*.png. QUICK=1: one round of small cells (under 3 minutes on 2 quiet
# cores); otherwise each cell is repeated REPEATS (≥ 3) times for min/median/max.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
QUICK=${QUICK:-0}
RUN=$BENCH_DIR/out/run-$(date -u +%Y%m%d-%H%M%S)
RESULTS=$BENCH_DIR/results
VENV=$BENCH_DIR/.venv
SCENARIOS=${SCENARIOS:-"accept cold scale stability liveops"}
mkdir -p "$RUN" "$RESULTS"

if [ "$QUICK" = 1 ]; then
    REPEATS=${REPEATS:-1}
    ACCEPT_COUNT=400 ACCEPT_WARMUP=50 COLD_SAMPLES=20 STEADY_COUNT=3000
    SCALE_RUNS=1 SCALE_IDLE=5 STABILITY_COUNT=10000
else
    REPEATS=${REPEATS:-3}
    [ "$REPEATS" -ge 3 ] || { echo "bench: full mode needs REPEATS >= 3" >&2; exit 2; }
    ACCEPT_COUNT=2500 ACCEPT_WARMUP=300 COLD_SAMPLES=200 STEADY_COUNT=20000
    SCALE_RUNS=$REPEATS SCALE_IDLE=10 STABILITY_COUNT=100000
fi

log() { echo "bench: $(date -u +%H:%M:%S) $*" >&2; }

# The machine as it was when the run started, for the report.
describe_machine() {
    {
        echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ) quick=$QUICK repeats=$REPEATS cpus=$(nproc)"
        echo "kernel=$(uname -r) load_at_start=$(cut -d' ' -f1 /proc/loadavg) autogroup=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo absent)"
        echo "cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo | tr ' ' '_')"
        echo "peers=xinetd:$(dpkg-query -W -f='${Version}' xinetd 2>/dev/null),ucspi-tcp:$(dpkg-query -W -f='${Version}' ucspi-tcp 2>/dev/null),systemd:$(dpkg-query -W -f='${Version}' systemd 2>/dev/null)"
    } >"$RUN/machine.txt"
}

scenario_accept() {
    log "1. Accept=yes against the C loop and the peers"
    ACCEPT_OUT=$RUN/accept CONTENDERS="refloop refloop-session tcpserver xinetd socket-activate usherd" HANDLERS="glibc raw" \
        CONCURRENCY="1 16 64" COUNT=$ACCEPT_COUNT WARMUP=$ACCEPT_WARMUP ROUNDS=$REPEATS \
        QUIET_WAIT=$([ "$QUICK" = 1 ] && echo 0 || echo 3) "$BENCH_DIR/accept.sh" >/dev/null
}

scenario_cold() {
    log "2, 3. Accept=no cold activation and steady state"
    COLD_OUT=$RUN/cold SAMPLES=$COLD_SAMPLES REPEATS=$REPEATS STEADY_COUNT=$STEADY_COUNT "$BENCH_DIR/cold.sh"
}

scenario_scale() {
    log "4. 100, 1,000 and 10,000 units: READY, RSS, idle wakeups"
    mkdir -p "$RUN/scale"
    : >"$RUN/scale/raw.txt"
    "$BENCH_DIR/footprint.sh" --no-build --units "10 100 1000 10000" --runs "$SCALE_RUNS" --idle "$SCALE_IDLE" \
        --raw "$RUN/scale/raw.txt" --maps >"$RUN/scale/footprint.txt"
}

scenario_stability() {
    log "5. memory over $STABILITY_COUNT connections"
    ACCEPT_OUT=$RUN/stability CONTENDERS="refloop usherd" COUNT=$STABILITY_COUNT QUIET_WAIT=0 \
        "$BENCH_DIR/accept.sh" --long >/dev/null
}

# 6. Reload and re-exec under load come from bench/liveops.sh (issue 12's
# branch); it is called when present, with where to write and the mode.
scenario_liveops() {
    if [ -x "$BENCH_DIR/liveops.sh" ]; then
        log "6. reload and re-exec under load (liveops.sh)"
        mkdir -p "$RUN/liveops"
        LIVEOPS_OUT=$RUN/liveops QUICK=$QUICK "$BENCH_DIR/liveops.sh" >"$RUN/liveops/stdout.txt" 2>"$RUN/liveops/stderr.txt" ||
            log "liveops.sh failed; see $RUN/liveops/stderr.txt"
    else
        log "6. skipped: bench/liveops.sh is not here yet"
    fi
}

# matplotlib in a virtualenv of our own (bench/.venv), made once.
ensure_venv() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null && return 0
    log "creating $VENV with matplotlib"
    /usr/bin/python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet matplotlib
}

main() {
    local scenario started=$SECONDS
    describe_machine
    for scenario in $SCENARIOS; do "scenario_$scenario"; done
    if ensure_venv; then
        "$VENV/bin/python" "$BENCH_DIR/report.py" "$RUN" "$RESULTS"
    else
        log "no matplotlib: writing the JSON and the table without charts"
        /usr/bin/python3 "$BENCH_DIR/report.py" --no-charts "$RUN" "$RESULTS"
    fi
    log "done in $((SECONDS - started)) s; raw files in $RUN; results in $RESULTS"
}

main
